//! iCalendar (RFC 5545): event freezes read from a calendar file or feed (`ics`
//! on a `[[freeze]]`), and the TEXT escaping and line folding that
//! writing one takes. What the deploy calendar says when it is written out is an
//! output format, and lives with the others above `eval`.
//!
//! The `icalendar` crate parses the text and the `rrule` crate expands
//! recurrences; this module decides what the properties mean for a freeze — all
//! of it in the rule's zone, never the machine's — and turns wall-clock times into
//! instants only through [`crate::time::civil::to_instant`].
//!
//! `text` unfolds and escapes, `value` and `zones` read property values and
//! zone names, `recur` checks an RRULE against RFC 5545 before the `rrule`
//! crate reads it, `read` turns the text into `event`s, `calendar` indexes them,
//! and `source` is what a freeze rule holds; `feed` fetches and caches a
//! feed's copy. Problems are `error::IcsError`s at a line of the file.

mod calendar;
mod error;
mod event;
mod feed;
mod read;
mod recur;
mod source;
mod text;
mod value;
mod zones;

pub use calendar::{Calendar, Occurrence};
pub use error::IcsError;
pub use event::Event;
pub use feed::{FEED_TIMEOUT, FeedCopy, FeedOptions, MAX_FEED_BYTES, obtain, redact};
pub use source::{CalendarSource, Location};
pub(crate) use text::{escape, push_folded};
