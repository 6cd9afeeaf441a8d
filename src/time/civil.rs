//! The one place where a wall-clock (civil) time becomes an instant.
//!
//! The rule: a local *start* in a DST gap starts at the end of the gap and an
//! ambiguous start (a fold) takes the earlier instant; a local *end* in a gap ends at
//! the end of the gap and an ambiguous end takes the later instant. So a fold never
//! shortens a window, and a window wholly inside a gap is empty.

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

/// Which edge of an interval a civil time stands for; it decides how folds resolve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    /// A start, a cron fire or a local `--at`: a fold takes the earlier instant.
    Start,
    /// An end: a fold takes the later instant.
    End,
}

/// Maps a civil time in `tz` to an instant, resolving gaps and folds by the rule above.
pub fn to_instant(tz: Tz, civil: NaiveDateTime, edge: Edge) -> DateTime<Utc> {
    match tz.from_local_datetime(&civil) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => {
            let (early, late) = if a <= b { (a, b) } else { (b, a) };
            match edge {
                Edge::Start => early.with_timezone(&Utc),
                Edge::End => late.with_timezone(&Utc),
            }
        }
        LocalResult::None => end_of_gap(tz, civil),
    }
}

/// The instant a gap containing `civil` ends: the first instant whose wall-clock
/// reading is later than `civil`.
///
/// Found by bisection rather than assuming a one-hour gap: Lord Howe shifts by 30
/// minutes and Pacific/Apia skipped the whole of 2011-12-30. Offsets lie within
/// ±14h, so the answer is within ±16h of `civil` read as UTC, and no zone has a fold
/// that close to a gap, which keeps the wall clock monotonic over the search.
fn end_of_gap(tz: Tz, civil: NaiveDateTime) -> DateTime<Utc> {
    let wall = |t: i64| -> NaiveDateTime {
        let utc = DateTime::<Utc>::from_timestamp(t, 0).unwrap_or_default();
        utc.with_timezone(&tz).naive_local()
    };
    let pivot = civil.and_utc().timestamp();
    let span = TimeDelta::hours(16).num_seconds();
    // Invariant: wall(lo) < civil <= wall(hi).
    let (mut lo, mut hi) = (pivot - span, pivot + span);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if wall(mid) < civil {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    DateTime::<Utc>::from_timestamp(hi, 0).unwrap_or_default()
}

/// The wall-clock reading of an instant in `tz`.
pub fn to_civil(tz: Tz, instant: DateTime<Utc>) -> NaiveDateTime {
    instant.with_timezone(&tz).naive_local()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn civil(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
    }

    fn rfc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn gaps_and_folds_resolve_per_edge() {
        use Edge::*;
        let cases: &[(Tz, &str, Edge, &str)] = &[
            // New York spring forward 2026-03-08 02:00 -> 03:00.
            (
                chrono_tz::America::New_York,
                "2026-03-08T02:30",
                Start,
                "2026-03-08T03:00:00-04:00",
            ),
            (
                chrono_tz::America::New_York,
                "2026-03-08T02:30",
                End,
                "2026-03-08T03:00:00-04:00",
            ),
            // New York fall back 2026-11-01: 01:00-02:00 happens twice.
            (
                chrono_tz::America::New_York,
                "2026-11-01T01:30",
                Start,
                "2026-11-01T01:30:00-04:00",
            ),
            (
                chrono_tz::America::New_York,
                "2026-11-01T01:30",
                End,
                "2026-11-01T01:30:00-05:00",
            ),
            // London: gap 2026-03-29 01:00 -> 02:00, fold 2026-10-25 01:00-02:00.
            (
                chrono_tz::Europe::London,
                "2026-03-29T01:15",
                Start,
                "2026-03-29T02:00:00+01:00",
            ),
            (
                chrono_tz::Europe::London,
                "2026-10-25T01:15",
                Start,
                "2026-10-25T01:15:00+01:00",
            ),
            (
                chrono_tz::Europe::London,
                "2026-10-25T01:15",
                End,
                "2026-10-25T01:15:00+00:00",
            ),
            // Lord Howe moves by 30 minutes: gap 2026-10-04 02:00 -> 02:30.
            (
                chrono_tz::Australia::Lord_Howe,
                "2026-10-04T02:15",
                Start,
                "2026-10-04T02:30:00+11:00",
            ),
            // ... and a 30-minute fold 2026-04-05 01:30-02:00.
            (
                chrono_tz::Australia::Lord_Howe,
                "2026-04-05T01:45",
                Start,
                "2026-04-05T01:45:00+11:00",
            ),
            (
                chrono_tz::Australia::Lord_Howe,
                "2026-04-05T01:45",
                End,
                "2026-04-05T01:45:00+10:30",
            ),
            // Apia skipped the whole of 2011-12-30.
            (
                chrono_tz::Pacific::Apia,
                "2011-12-30T12:00",
                Start,
                "2011-12-31T00:00:00+14:00",
            ),
            // Dublin's winter time is the "negative DST" one; nothing special here.
            (
                chrono_tz::Europe::Dublin,
                "2026-03-29T01:30",
                Start,
                "2026-03-29T02:00:00+01:00",
            ),
            // Santiago springs forward at midnight: 2026-09-06 00:00 does not exist.
            (
                chrono_tz::America::Santiago,
                "2026-09-06T00:00",
                Start,
                "2026-09-06T01:00:00-03:00",
            ),
        ];
        for (tz, local, edge, want) in cases {
            let got = to_instant(*tz, civil(local), *edge);
            assert_eq!(got, rfc(want), "\nzone: {tz} local: {local} edge: {edge:?}");
        }
    }

    #[test]
    fn plain_times_are_unambiguous() {
        let t = to_instant(
            chrono_tz::Asia::Seoul,
            NaiveDate::from_ymd_opt(2028, 2, 29)
                .unwrap()
                .and_hms_opt(9, 0, 0)
                .unwrap(),
            Edge::Start,
        );
        assert_eq!(t, rfc("2028-02-29T09:00:00+09:00"));
    }
}
