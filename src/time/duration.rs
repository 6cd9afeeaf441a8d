//! Durations such as `90m`, `1h30m`, `2d`, `45s`: always absolute elapsed time.

use super::SyntaxError;
use chrono::TimeDelta;

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

/// Formats a duration compactly for people: `3h 20m`, `2d 4h`, `45s`.
pub fn format_duration(d: TimeDelta) -> String {
    let mut secs = d.num_seconds().max(0);
    if secs == 0 {
        return "0s".into();
    }
    let mut parts = Vec::new();
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if secs >= size {
            parts.push(format!("{}{unit}", secs / size));
            secs %= size;
        }
    }
    parts.join(" ")
}

/// Formats a duration in the policy syntax (`1h30m`), so it parses back.
pub fn format_duration_compact(d: TimeDelta) -> String {
    format_duration(d).replace(' ', "")
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
        assert_eq!(format_duration_compact(TimeDelta::seconds(5400)), "1h30m");
    }
}
