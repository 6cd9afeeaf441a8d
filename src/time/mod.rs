//! Time: zones, gaps and folds, durations, cron, and rule time specs expanded to
//! intervals over a query range. Knows nothing about rules, services or TOML.

pub mod civil;
pub mod cron;
pub mod duration;
pub mod legacy_zone;
pub mod spec;

use crate::suggest::closest;
use chrono_tz::Tz;

/// A malformed time expression: what is wrong, and what would be right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub help: Option<String>,
}

/// `message (help)`, for places that show one line.
impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.help {
            Some(help) => write!(f, "{} ({help})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl SyntaxError {
    pub fn new(message: impl Into<String>) -> SyntaxError {
        SyntaxError {
            message: message.into(),
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> SyntaxError {
        self.help = Some(help.into());
        self
    }
}

/// Parses an IANA zone name (case-sensitive, as the database spells it), suggesting
/// the closest valid name on a miss.
pub fn parse_zone(name: &str) -> Result<Tz, SyntaxError> {
    if let Ok(tz) = name.parse::<Tz>() {
        return Ok(tz);
    }
    let names = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name());
    let err = SyntaxError::new(format!("unknown time zone `{name}`"));
    Err(match closest(name, names) {
        Some(s) => err.with_help(format!("did you mean `{s}`?")),
        None => err.with_help("use an IANA zone name such as `Asia/Seoul` or `America/New_York`"),
    })
}

/// Parses RFC 3339 with an offset, or a local `YYYY-MM-DDTHH:MM[:SS]` read in `tz`
/// like a local start (in a gap, the end of the gap; in a fold, the earlier
/// instant). Fractions of a second are dropped: decisions are exact to the second.
pub fn parse_instant(text: &str, tz: Tz) -> Result<chrono::DateTime<chrono::Utc>, SyntaxError> {
    use chrono::SubsecRound;
    let text = text.trim();
    match instant_at(text, tz, civil::Edge::Start) {
        Ok(instant) => Ok(instant.trunc_subsecs(0)),
        Err(InstantError::Unsupported(e)) => Err(e),
        Err(InstantError::NotATime) => Err(SyntaxError::new(format!("`{text}` is not a date and time"))
            .with_help("write RFC 3339 with an offset (`2026-11-27T17:30:00+09:00`) or a local `2026-11-27T17:30`")),
    }
}

/// Why text is not an instant the engine accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstantError {
    /// Neither RFC 3339 nor a local date and time; the caller says what to write.
    NotATime,
    /// A date and time, but a leap second or outside [`SUPPORTED_YEARS`].
    Unsupported(SyntaxError),
}

/// RFC 3339 with an offset, or a local `YYYY-MM-DDTHH:MM[:SS]` read in `tz` and
/// resolved at `edge` (a gap or a fold, see [`civil`]). The one reader of an instant in
/// text, for requests and policy files alike, so every one is checked the same way:
/// no leap second, and a year in [`SUPPORTED_YEARS`] in the zone it is written in
/// (the offset's, or `tz` for a local time).
pub fn instant_at(
    text: &str,
    tz: Tz,
    edge: civil::Edge,
) -> Result<chrono::DateTime<chrono::Utc>, InstantError> {
    let (wall, instant) = match chrono::DateTime::parse_from_rfc3339(text) {
        Ok(t) => (t.naive_local(), t.with_timezone(&chrono::Utc)),
        Err(_) => {
            let wall = parse_civil(text).ok_or(InstantError::NotATime)?;
            (wall, civil::to_instant(tz, wall, edge))
        }
    };
    check_civil(wall, text).map_err(InstantError::Unsupported)?;
    Ok(instant)
}

/// Years the engine reasons about; outside them arithmetic on horizons could
/// overflow, so such times are rejected up front. A year is read in the zone the
/// time is written in: local `2200-01-01T08:59` in Seoul is out even though it is
/// still 2199 in UTC.
pub const SUPPORTED_YEARS: std::ops::RangeInclusive<i32> = 1971..=2199;

/// Rejects a wall-clock reading that is a leap second (`:60`) or outside
/// [`SUPPORTED_YEARS`]; `text` is how it was written, for the message.
fn check_civil(wall: chrono::NaiveDateTime, text: &str) -> Result<(), SyntaxError> {
    use chrono::Datelike;
    if is_leap_second(wall) {
        return Err(
            SyntaxError::new(format!("`{text}` is a leap second (`:60`)")).with_help(
                "shipwindow counts time without leap seconds; use `:59` or the next minute",
            ),
        );
    }
    if SUPPORTED_YEARS.contains(&wall.year()) {
        Ok(())
    } else {
        Err(unsupported(text))
    }
}

/// The first instant after [`SUPPORTED_YEARS`] in `tz`: the first midnight of the
/// year after the last one. Nothing the engine answers may end later than this.
pub fn supported_end(tz: Tz) -> chrono::DateTime<chrono::Utc> {
    let first = chrono::NaiveDate::from_ymd_opt(SUPPORTED_YEARS.end() + 1, 1, 1)
        .unwrap_or(chrono::NaiveDate::MAX)
        .and_time(chrono::NaiveTime::MIN);
    civil::to_instant(tz, first, civil::Edge::Start)
}

/// The error for a time outside [`SUPPORTED_YEARS`].
fn unsupported(text: &str) -> SyntaxError {
    SyntaxError::new(format!("`{text}` is outside the supported years")).with_help(format!(
        "use a time from {} to {}",
        SUPPORTED_YEARS.start(),
        SUPPORTED_YEARS.end()
    ))
}

/// Whether a reading is a leap second: chrono parses `:60` as the 61st second of a
/// minute (a nanosecond field of a billion or more); the engine has no such second.
pub fn is_leap_second(wall: chrono::NaiveDateTime) -> bool {
    use chrono::Timelike;
    wall.nanosecond() >= 1_000_000_000
}

/// Parses a local `YYYY-MM-DDTHH:MM[:SS]` (a space instead of `T` is accepted).
pub fn parse_civil(text: &str) -> Option<chrono::NaiveDateTime> {
    [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
    ]
    .iter()
    .find_map(|f| chrono::NaiveDateTime::parse_from_str(text.trim(), f).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_typos_get_a_suggestion() {
        assert_eq!(
            parse_zone("Asia/Seol").unwrap_err().help.as_deref(),
            Some("did you mean `Asia/Seoul`?")
        );
        assert_eq!(
            parse_zone("asia/seoul").unwrap_err().help.as_deref(),
            Some("did you mean `Asia/Seoul`?")
        );
        assert!(parse_zone("Asia/Seoul").is_ok());
    }
}
