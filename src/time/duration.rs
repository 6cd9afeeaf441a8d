//! Durations such as `90m`, `1h30m`, `2d`, `45s`: always absolute elapsed time.

use super::SyntaxError;
use chrono::{DateTime, TimeDelta, Utc};

const HINT: &str =
    "write a duration like `90m`, `1h30m`, `2d` or `45s` (units d, h, m, s, largest first)";

/// Parses a duration; `1d` is 24 hours, also across a DST change.
pub fn parse_duration(text: &str) -> Result<TimeDelta, SyntaxError> {
    let bad = |what: String| SyntaxError::new(what).with_help(HINT);
    if text.is_empty() {
        return Err(bad("empty duration".into()));
    }
    let units = [('d', 86_400i64), ('h', 3_600), ('m', 60), ('s', 1)];
    let mut next_unit = 0usize;
    let mut total: i64 = 0;
    let mut digits = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let Some(pos) = units.iter().position(|(u, _)| *u == c) else {
            return Err(bad(format!("unknown unit `{c}` in duration `{text}`")));
        };
        if digits.is_empty() {
            return Err(bad(format!(
                "missing number before `{c}` in duration `{text}`"
            )));
        }
        if pos < next_unit {
            return Err(bad(format!(
                "units out of order or repeated in duration `{text}`"
            )));
        }
        let n: i64 = digits
            .parse()
            .map_err(|_| bad(format!("number too large in duration `{text}`")))?;
        total = n
            .checked_mul(units[pos].1)
            .and_then(|s| total.checked_add(s))
            .filter(|s| *s <= 100 * 365 * 86_400)
            .ok_or_else(|| bad(format!("duration `{text}` is longer than 100 years")))?;
        digits.clear();
        next_unit = pos + 1;
    }
    if !digits.is_empty() {
        return Err(bad(format!(
            "missing unit after `{digits}` in duration `{text}`"
        )));
    }
    Ok(TimeDelta::seconds(total))
}

/// How a duration is written out. One formatter serves them all, so `2d 4h` in
/// a log, `2d4h` in a policy and `2 days 4 hours` in a reason always agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationStyle {
    /// For people, compact: `3h 20m`, `2d 4h`, `45s`.
    Short,
    /// In the policy syntax, so it parses back: `1h30m`.
    Policy,
    /// In words, for sentences: `2 days`, `1 hour 30 minutes`.
    Words,
}

/// Writes `d` (whole seconds; a negative one as zero) in `style`.
pub fn format_duration_as(d: TimeDelta, style: DurationStyle) -> String {
    const UNITS: [(i64, &str, &str); 4] = [
        (86_400, "d", "day"),
        (3_600, "h", "hour"),
        (60, "m", "minute"),
        (1, "s", "second"),
    ];
    let mut secs = d.num_seconds().max(0);
    let mut parts = Vec::new();
    for (size, short, word) in UNITS {
        let n = secs / size;
        if n == 0 {
            continue;
        }
        secs %= size;
        parts.push(match style {
            DurationStyle::Short | DurationStyle::Policy => format!("{n}{short}"),
            DurationStyle::Words if n == 1 => format!("{n} {word}"),
            DurationStyle::Words => format!("{n} {word}s"),
        });
    }
    match (style, parts.is_empty()) {
        (DurationStyle::Words, true) => "0 seconds".into(),
        (_, true) => "0s".into(),
        (DurationStyle::Policy, false) => parts.concat(),
        (_, false) => parts.join(" "),
    }
}

/// Formats a duration compactly for people: `3h 20m`, `2d 4h`, `45s`.
pub fn format_duration(d: TimeDelta) -> String {
    format_duration_as(d, DurationStyle::Short)
}

/// How far `to` is from `from`, for people: `in 3h 20m`, `in 45s`, or `now`.
/// Past a minute it counts whole minutes, rounded up so that "in 5m" is never
/// early.
pub fn format_until(from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    match (to - from).num_seconds() {
        ..=0 => "now".into(),
        secs @ 1..60 => format!("in {secs}s"),
        secs => format!(
            "in {}",
            format_duration(TimeDelta::minutes((secs + 59) / 60))
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_forms() {
        for (text, secs) in [
            ("90m", 5400),
            ("1h30m", 5400),
            ("2d", 172_800),
            ("45s", 45),
            ("0s", 0),
            ("1d2h3m4s", 93_784),
        ] {
            assert_eq!(parse_duration(text).unwrap().num_seconds(), secs, "{text}");
        }
    }

    #[test]
    fn rejects_malformed_durations_with_a_hint() {
        for text in ["", "30", "m", "1x", "30m1h", "1h1h", "-5m", "1.5h"] {
            let err = parse_duration(text).unwrap_err();
            assert!(
                err.help.as_deref().unwrap_or("").contains("1h30m"),
                "{text}: {err:?}"
            );
        }
    }

    #[test]
    fn formats_for_people() {
        assert_eq!(format_duration(TimeDelta::seconds(12_000)), "3h 20m");
        assert_eq!(format_duration(TimeDelta::seconds(93_784)), "1d 2h 3m 4s");
        let policy = |s| format_duration_as(TimeDelta::seconds(s), DurationStyle::Policy);
        assert_eq!(policy(5400), "1h30m");
        assert_eq!(policy(0), "0s");
    }

    #[test]
    fn human_durations() {
        for (secs, want) in [
            (0, "0 seconds"),
            (1, "1 second"),
            (45, "45 seconds"),
            (3_600, "1 hour"),
            (5_400, "1 hour 30 minutes"),
            (172_800, "2 days"),
            (93_784, "1 day 2 hours 3 minutes 4 seconds"),
        ] {
            let got = format_duration_as(TimeDelta::seconds(secs), DurationStyle::Words);
            assert_eq!(got, want, "{secs}s");
        }
    }

    #[test]
    fn formats_how_far_away() {
        let t = |s| DateTime::<Utc>::from_timestamp(s, 0).unwrap();
        assert_eq!(format_until(t(100), t(100)), "now");
        assert_eq!(format_until(t(100), t(40)), "now");
        assert_eq!(format_until(t(0), t(59)), "in 59s");
        // Rounded up to whole minutes: never early.
        assert_eq!(format_until(t(0), t(61)), "in 2m");
        assert_eq!(format_until(t(0), t(12_000)), "in 3h 20m");
    }
}
