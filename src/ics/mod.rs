//! iCalendar (RFC 5545): event freezes read from a calendar file or feed (`ics`
//! on a `[[freeze]]`, SPEC §2), and the TEXT escaping and line folding that
//! writing one takes. What the deploy calendar says when it is written out is an
//! output format, and lives with the others above `eval`.
//!
//! The `icalendar` crate parses the text and the `rrule` crate expands
//! recurrences; this module decides what the properties mean for a freeze — all
//! of it in the rule's zone, never the machine's — and turns wall-clock times into
//! instants only through [`crate::time::civil::to_instant`].

mod event;
mod feed;
mod read;
mod text;
mod value;
mod zones;

pub use event::Event;
pub use feed::{FEED_TIMEOUT, FeedCopy, FeedOptions, MAX_FEED_BYTES, obtain, redact};
pub(crate) use text::{escape, push_folded};

use crate::calendar::{Interval, merge};
use crate::diagnostic::{Diagnostic, Source};
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use chrono_tz::Tz;
use std::path::PathBuf;
use std::sync::Arc;

/// A problem in an iCalendar file, at one of its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcsError {
    /// 1-based line in the file as it is on disk (before unfolding).
    pub line: usize,
    pub message: String,
    pub help: Option<String>,
}

impl IcsError {
    pub(crate) fn at(line: usize, message: impl Into<String>) -> IcsError {
        IcsError {
            line,
            message: message.into(),
            help: None,
        }
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> IcsError {
        self.help = Some(help.into());
        self
    }
}

impl IcsError {
    /// This problem as a diagnostic in the calendar file read as `source`,
    /// with the whole of its line underlined.
    pub fn diagnostic(&self, source: &Source) -> Diagnostic {
        match source.line_span(self.line) {
            Some(span) => source.diagnostic(span, self.message.clone(), self.help.clone()),
            None => Diagnostic {
                position: Some((self.line, 1)),
                ..Diagnostic::whole(source.file.clone(), self.message.clone(), self.help.clone())
            },
        }
    }
}

impl std::fmt::Display for IcsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// The events of one iCalendar file.
#[derive(Debug, Clone)]
pub struct Calendar {
    events: Vec<Event>,
    /// The events that happen once, by start, with their index: a query looks
    /// at the few near its range, not at years of history.
    once: Vec<(Interval, usize)>,
    /// The longest of those, to find the ones that start before a range.
    longest: TimeDelta,
    /// The indexes of the events that repeat.
    recurring: Vec<usize>,
}

/// One instance of an event.
#[derive(Debug, Clone, Copy)]
pub struct Occurrence<'a> {
    pub event: &'a Event,
    pub interval: Interval,
}

impl Calendar {
    /// Reads an iCalendar text; floating times and all-day dates are read in
    /// `zone` (the rule's zone).
    pub fn parse(text: &str, zone: Tz) -> Result<Calendar, IcsError> {
        let events = read::read(text, zone)?;
        let mut once = Vec::new();
        let mut recurring = Vec::new();
        for (i, e) in events.iter().enumerate() {
            if e.recurs() {
                recurring.push(i);
            } else {
                once.push((e.first(), i));
            }
        }
        once.sort_unstable();
        let longest = once
            .iter()
            .map(|(iv, _)| iv.len())
            .max()
            .unwrap_or_default();
        Ok(Calendar {
            events,
            once,
            longest,
            recurring,
        })
    }

    /// Reads iCalendar bytes, which must be UTF-8 (RFC 5545 §3.1.4).
    pub fn parse_bytes(bytes: &[u8], zone: Tz) -> Result<Calendar, IcsError> {
        match std::str::from_utf8(bytes) {
            Ok(text) => Calendar::parse(text, zone),
            Err(e) => {
                let line = bytes[..e.valid_up_to()]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count()
                    + 1;
                Err(IcsError::at(line, "not UTF-8 text")
                    .help("iCalendar files are UTF-8; save or export the calendar as UTF-8"))
            }
        }
    }

    /// Every event that takes part (cancelled ones are gone), series and
    /// overrides alike.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// The instances of the events `keep` selects that overlap `range`, by start.
    pub fn occurrences(
        &self,
        range: Interval,
        keep: impl Fn(&Event) -> bool,
    ) -> Vec<Occurrence<'_>> {
        let first = self
            .once
            .partition_point(|(iv, _)| iv.start < range.start - self.longest);
        let mut out: Vec<Occurrence<'_>> = self.once[first..]
            .iter()
            .take_while(|(iv, _)| iv.start < range.end)
            .filter(|(iv, i)| iv.overlaps(&range) && keep(&self.events[*i]))
            .map(|(interval, i)| Occurrence {
                event: &self.events[*i],
                interval: *interval,
            })
            .collect();
        for event in self.recurring.iter().map(|i| &self.events[*i]) {
            if keep(event) {
                out.extend(
                    event
                        .instances(range)
                        .into_iter()
                        .map(|interval| Occurrence { event, interval }),
                );
            }
        }
        out.sort_by_key(|o| (o.interval, o.event.line));
        out
    }
}

/// Where a calendar rule's events come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A local file (its path as the loader resolved it).
    File(PathBuf),
    /// An `http(s)://` feed and how its cached copy was obtained.
    Feed {
        url: String,
        refresh: TimeDelta,
        /// When the server last confirmed the copy in use (a 200 or a 304).
        fetched_at: DateTime<Utc>,
        /// When a refresh was last tried.
        checked_at: DateTime<Utc>,
        /// Why the last refresh failed, while an older copy is in use.
        error: Option<String>,
    },
}

/// The source of a calendar rule's intervals: a parsed calendar, where it came
/// from, and which of its events the rule takes.
#[derive(Debug, Clone)]
pub struct CalendarSource {
    pub location: Location,
    pub calendar: Arc<Calendar>,
    /// `categories` on the rule: only events with one of these CATEGORIES
    /// (compared without case) take part; empty means every event.
    pub categories: Vec<String>,
}

impl CalendarSource {
    /// Whether the rule takes this event.
    pub fn selects(&self, event: &Event) -> bool {
        self.categories.is_empty()
            || event.categories.iter().any(|c| {
                let c = c.to_lowercase();
                self.categories.iter().any(|want| want.to_lowercase() == c)
            })
    }

    /// The selected events' instances that overlap `range`.
    pub fn occurrences(&self, range: Interval) -> Vec<Occurrence<'_>> {
        self.calendar.occurrences(range, |e| self.selects(e))
    }

    /// The rule's intervals that overlap `range`, unclipped, merged.
    pub fn intervals(&self, range: Interval) -> Vec<Interval> {
        merge(self.occurrences(range).iter().map(|o| o.interval).collect())
    }

    /// The summaries of the events that meet `probe`, once each, by start:
    /// `Black Friday sale; Payments launch`.
    pub fn summaries_near(&self, probe: Interval) -> Option<String> {
        let mut names: Vec<&str> = Vec::new();
        for o in self.occurrences(probe) {
            if !names.contains(&o.event.summary.as_str()) {
                names.push(&o.event.summary);
            }
        }
        (!names.is_empty()).then(|| names.join("; "))
    }

    /// `fetched 2026-11-27T06:00:00+09:00, refresh failed: …` when the rule runs
    /// on an older copy of its feed because the last refresh failed.
    pub fn stale(&self, tz: Tz) -> Option<String> {
        match &self.location {
            Location::Feed {
                fetched_at,
                error: Some(error),
                ..
            } => Some(format!(
                "fetched {}, refresh failed: {error}",
                fetched_at
                    .with_timezone(&tz)
                    .to_rfc3339_opts(SecondsFormat::Secs, false)
            )),
            _ => None,
        }
    }

    /// When the feed is due for a refresh (`None` for a file).
    pub fn refresh_due(&self) -> Option<DateTime<Utc>> {
        match &self.location {
            Location::Feed {
                refresh,
                checked_at,
                ..
            } => Some(*checked_at + *refresh),
            Location::File(_) => None,
        }
    }

    /// The file or feed, for messages.
    pub fn describe(&self) -> String {
        match &self.location {
            Location::File(path) => path.display().to_string(),
            Location::Feed { url, .. } => url.clone(),
        }
    }
}
