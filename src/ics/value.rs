//! iCalendar value types (RFC 5545 §3.3): DATE, DATE-TIME (UTC, floating or with
//! a `TZID`), DURATION and PERIOD, read into wall-clock times with the zone that
//! turns them into instants.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use chrono_tz::Tz;

/// A DATE or DATE-TIME as written, with its zone decided: a `TZID`'s zone, UTC for
/// a `Z` time, and the rule's zone for floating times and dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stamp {
    /// A whole local day, in the rule's zone.
    Date(NaiveDate),
    /// A wall-clock time in a zone.
    Time(NaiveDateTime, Tz),
}

impl Stamp {
    /// The wall-clock reading (midnight for a date).
    pub fn wall(&self) -> NaiveDateTime {
        match self {
            Stamp::Date(d) => d.and_time(chrono::NaiveTime::MIN),
            Stamp::Time(t, _) => *t,
        }
    }
}

/// `YYYYMMDD`.
pub(crate) fn date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    (text.len() == 8 && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| NaiveDate::parse_from_str(text, "%Y%m%d").ok())
        .flatten()
}

/// `YYYYMMDDTHHMMSS` with an optional `Z`; the bool says UTC.
pub(crate) fn date_time(text: &str) -> Option<(NaiveDateTime, bool)> {
    let text = text.trim();
    let (body, utc) = match text.strip_suffix(['Z', 'z']) {
        Some(body) => (body, true),
        None => (text, false),
    };
    if body.len() != 15 || body.as_bytes().get(8) != Some(&b'T') {
        return None;
    }
    NaiveDateTime::parse_from_str(body, "%Y%m%dT%H%M%S")
        .ok()
        .filter(|t| !crate::time::is_leap_second(*t))
        .map(|t| (t, utc))
}

/// A length as DURATION writes it: nominal days (weeks are seven days), which
/// follow the wall clock across a DST change, then exact hours, minutes and seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Length {
    pub days: i64,
    pub exact: TimeDelta,
}

impl Length {
    pub fn exact(d: TimeDelta) -> Length {
        Length { days: 0, exact: d }
    }

    pub fn days(n: i64) -> Length {
        Length {
            days: n,
            exact: TimeDelta::zero(),
        }
    }
}

/// The longest an event may last, in days and in exact time each (a century):
/// longer is a typo, and would overflow the arithmetic on its end.
const MAX_DURATION_DAYS: i64 = 36_600;

/// RFC 5545 §3.3.6: `P15DT5H0M20S`, `P7W`, `PT1H`. Negative durations are
/// rejected: an event does not end before it starts.
pub(crate) fn duration(text: &str) -> Result<Length, String> {
    let text = text.trim();
    let bad = || format!("`{text}` is not a duration (like `PT1H`, `P1D` or `P1DT12H`)");
    let too_long =
        || format!("`{text}` is longer than a century (at most `P{MAX_DURATION_DAYS}D`)");
    let body = text.strip_prefix('+').unwrap_or(text);
    if body.starts_with('-') {
        return Err(format!("`{text}` is a negative duration"));
    }
    let body = body.strip_prefix(['P', 'p']).ok_or_else(bad)?;
    let (date_part, time_part) = match body.split_once(['T', 't']) {
        Some((d, t)) => (d, Some(t)),
        None => (body, None),
    };
    let mut length = Length::default();
    let mut any = false;
    let mut number = String::new();
    for c in date_part.chars() {
        match c {
            '0'..='9' => number.push(c),
            'W' | 'w' | 'D' | 'd' => {
                let n: i64 = number.parse().map_err(|_| too_long())?;
                number.clear();
                let days = if matches!(c, 'W' | 'w') {
                    n.checked_mul(7)
                } else {
                    Some(n)
                };
                length.days = days
                    .and_then(|d| length.days.checked_add(d))
                    .filter(|d| *d <= MAX_DURATION_DAYS)
                    .ok_or_else(too_long)?;
                any = true;
            }
            _ => return Err(bad()),
        }
    }
    if !number.is_empty() {
        return Err(bad());
    }
    if let Some(time_part) = time_part {
        if time_part.is_empty() {
            return Err(bad());
        }
        for c in time_part.chars() {
            match c {
                '0'..='9' => number.push(c),
                'H' | 'h' | 'M' | 'm' | 'S' | 's' => {
                    let n: i64 = number.parse().map_err(|_| too_long())?;
                    number.clear();
                    let unit = match c {
                        'H' | 'h' => 3600,
                        'M' | 'm' => 60,
                        _ => 1,
                    };
                    length.exact = n
                        .checked_mul(unit)
                        .and_then(TimeDelta::try_seconds)
                        .and_then(|d| length.exact.checked_add(&d))
                        .filter(|d| *d <= TimeDelta::days(MAX_DURATION_DAYS))
                        .ok_or_else(too_long)?;
                    any = true;
                }
                _ => return Err(bad()),
            }
        }
        if !number.is_empty() {
            return Err(bad());
        }
    }
    if !any {
        return Err(bad());
    }
    Ok(length)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let cases: &[(&str, i64, i64)] = &[
            ("PT1H", 0, 3600),
            ("P1D", 1, 0),
            ("P2W", 14, 0),
            ("P1DT2H30M", 1, 9000),
            ("PT90M", 0, 5400),
            ("+PT15S", 0, 15),
        ];
        for (text, days, secs) in cases {
            let got = duration(text).unwrap();
            assert_eq!(
                (got.days, got.exact.num_seconds()),
                (*days, *secs),
                "{text}"
            );
        }
        for bad in ["", "P", "PT", "1H", "P1H", "PT1D", "-PT1H", "P1.5D"] {
            assert!(duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_and_times() {
        assert_eq!(date("20261126"), NaiveDate::from_ymd_opt(2026, 11, 26));
        assert_eq!(date("2026112"), None);
        assert_eq!(date("20261326"), None);
        let (t, utc) = date_time("20261126T090000Z").unwrap();
        assert!(utc);
        assert_eq!(t.to_string(), "2026-11-26 09:00:00");
        assert!(!date_time("20261126T090000").unwrap().1);
        assert_eq!(date_time("20261126T0900"), None);
        assert_eq!(date_time("20261126"), None);
    }
}
