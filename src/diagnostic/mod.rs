//! Problems in a text the user wrote (a policy file, a calendar file), each at a
//! span of that text: the one diagnostic type that `policy` and `ics` report
//! through, shown to people with the offending text underlined and to machines
//! as JSON. Knows nothing of TOML, iCalendar or rules; sits below every layer
//! that reads files.

mod lines;
mod problem;
mod render;

pub use problem::{Diagnostic, Source};
