//! The output formats the commands take (`--format`), and pretty JSON for them.

use clap::ValueEnum;

/// `windows --format`: the other commands' formats, plus iCalendar and a
/// picture.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum WindowsOutput {
    Human,
    Json,
    Ics,
    Svg,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Format {
    Human,
    Json,
    Github,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum WindowsFormat {
    Human,
    Json,
}

pub(super) fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
