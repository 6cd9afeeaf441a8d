//! Time: zones, gaps and folds, durations, cron, and rule time specs expanded to
//! intervals over a query range. Knows nothing about rules, services or TOML.

pub mod civil;
pub mod cron;
pub mod duration;
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
/// like a local start (SPEC §3: in a gap, the end of the gap; in a fold, the earlier
/// instant). Fractions of a second are dropped: decisions are exact to the second.
pub fn parse_instant(text: &str, tz: Tz) -> Result<chrono::DateTime<chrono::Utc>, SyntaxError> {
    use chrono::SubsecRound;
    let text = text.trim();
    let Some(instant) = instant_at(text, tz, civil::Edge::Start) else {
        return Err(SyntaxError::new(format!("`{text}` is not a date and time"))
            .with_help("write RFC 3339 with an offset (`2026-11-27T17:30:00+09:00`) or a local `2026-11-27T17:30`"));
    };
    check_supported(instant.trunc_subsecs(0), text)
}

/// RFC 3339 with an offset, or a local `YYYY-MM-DDTHH:MM[:SS]` read in `tz` and
/// resolved at `edge` (a gap or a fold, SPEC §3); `None` when it is neither.
/// The one reader of an instant in text, for requests and policy files alike.
pub fn instant_at(text: &str, tz: Tz, edge: civil::Edge) -> Option<chrono::DateTime<chrono::Utc>> {
    match chrono::DateTime::parse_from_rfc3339(text) {
        Ok(t) => Some(t.with_timezone(&chrono::Utc)),
        Err(_) => parse_civil(text).map(|civil| civil::to_instant(tz, civil, edge)),
    }
}

/// Years the engine reasons about; outside them arithmetic on horizons could
/// overflow and cron schedules end, so such times are rejected up front.
pub const SUPPORTED_YEARS: std::ops::RangeInclusive<i32> = 1971..=2199;

/// Rejects instants outside [`SUPPORTED_YEARS`].
pub fn check_supported(
    instant: chrono::DateTime<chrono::Utc>,
    text: &str,
) -> Result<chrono::DateTime<chrono::Utc>, SyntaxError> {
    use chrono::Datelike;
    if SUPPORTED_YEARS.contains(&instant.year()) {
        Ok(instant)
    } else {
        Err(
            SyntaxError::new(format!("`{text}` is outside the supported years")).with_help(
                format!(
                    "use a time from {} to {}",
                    SUPPORTED_YEARS.start(),
                    SUPPORTED_YEARS.end()
                ),
            ),
        )
    }
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
