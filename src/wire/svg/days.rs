//! Where an instant sits on the grid: on the wall clock of one zone, a row per
//! local date and a position from that date's midnight, 00:00 to 24:00.
//!
//! Drawing by the wall clock keeps every row's hours under the same hour
//! marks, so a DST day cannot simply be a row 23 or 25 hours long. Instead:
//!
//! - a **gap** (the clocks skip, say, 02:00–03:00) is a stretch of the row no
//!   instant falls in: it is marked as such, and nothing else is drawn there;
//! - a **fold** (the clocks go back and 01:00–02:00 happens twice) is drawn in
//!   two lanes over that stretch: the first pass in the upper half of the row,
//!   the second in the lower half, so both hours are there, in place.
//!
//! The zone's offset over a range is found by probing it every
//! [`PROBE`] and bisecting between probes that differ, to the second: no zone
//! changes its offset twice within a quarter of an hour, and the work grows with
//! the range alone (about 38,000 probes for 400 days).

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

/// How far apart the offset is probed.
const PROBE: Duration = Duration::minutes(15);

/// Seconds in a row: 00:00 to 24:00 of the wall clock.
pub const DAY_SECONDS: i64 = 86_400;

/// Which part of a row's height a piece takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    Full,
    /// The first pass through a fold's repeated wall-clock hours (upper half).
    First,
    /// The second pass (lower half).
    Second,
}

/// A piece of time as drawn: its row (a local date), its wall-clock seconds from
/// that date's midnight (`0..=86400`, start before end) and its lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub date: NaiveDate,
    pub x0: i64,
    pub x1: i64,
    pub lane: Lane,
}

/// A change of the zone's offset within the range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shift {
    pub at: DateTime<Utc>,
    /// Offsets from UTC in seconds, before and after.
    pub before: i32,
    pub after: i32,
}

impl Shift {
    /// The clocks go forward: the wall-clock stretch between is skipped.
    pub fn is_gap(&self) -> bool {
        self.after > self.before
    }

    /// The wall-clock stretch skipped (a gap) or repeated (a fold).
    pub fn wall(&self) -> (NaiveDateTime, NaiveDateTime) {
        let a = wall(self.at, self.before);
        let b = wall(self.at, self.after);
        if a <= b { (a, b) } else { (b, a) }
    }
}

/// A stretch of constant offset.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    offset: i32,
}

fn wall(t: DateTime<Utc>, offset: i32) -> NaiveDateTime {
    t.naive_utc() + Duration::seconds(i64::from(offset))
}

fn offset_at(tz: Tz, t: DateTime<Utc>) -> i32 {
    tz.offset_from_utc_datetime(&t.naive_utc())
        .fix()
        .local_minus_utc()
}

/// The wall clock of one zone over one range.
#[derive(Debug, Clone)]
pub struct Dial {
    spans: Vec<Span>,
}

impl Dial {
    /// The offsets of `tz` over `[from, to)` (empty when `to <= from`).
    pub fn new(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Dial {
        let mut spans = Vec::new();
        if to <= from {
            return Dial { spans };
        }
        let mut start = from;
        let mut offset = offset_at(tz, from);
        let mut probe = from;
        // Invariant: the offset at `probe` is `offset`.
        while probe < to {
            let next = (probe + PROBE).min(to);
            // Only instants before `to` count: a shift at `to` is outside.
            let last = if next == to {
                to - Duration::seconds(1)
            } else {
                next
            };
            if last > probe && offset_at(tz, last) != offset {
                // The first second in (probe, last] with another offset.
                let (mut lo, mut hi) = (probe, last);
                while hi - lo > Duration::seconds(1) {
                    let mid = lo + (hi - lo) / 2;
                    if offset_at(tz, mid) == offset {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                spans.push(Span {
                    start,
                    end: hi,
                    offset,
                });
                (start, probe, offset) = (hi, hi, offset_at(tz, hi));
                continue;
            }
            probe = next;
        }
        spans.push(Span {
            start,
            end: to,
            offset,
        });
        Dial { spans }
    }

    /// The local dates the range touches, first to last: one row each.
    pub fn dates(&self) -> Vec<NaiveDate> {
        let walls = self.spans.iter().flat_map(|s| {
            let last = s.end - Duration::seconds(1);
            [wall(s.start, s.offset), wall(last.max(s.start), s.offset)]
        });
        let (Some(first), Some(last)) = (
            walls.clone().map(|w| w.date()).min(),
            walls.map(|w| w.date()).max(),
        ) else {
            return Vec::new();
        };
        first.iter_days().take_while(|d| *d <= last).collect()
    }

    /// The changes of offset within the range, in order.
    pub fn shifts(&self) -> Vec<Shift> {
        self.spans
            .windows(2)
            .map(|pair| Shift {
                at: pair[1].start,
                before: pair[0].offset,
                after: pair[1].offset,
            })
            .collect()
    }

    /// Where `[start, end)` (cut to the range) is drawn: a piece per row, per
    /// offset and per lane, in time order.
    pub fn place(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> Vec<Place> {
        let mut out = Vec::new();
        for (i, span) in self.spans.iter().enumerate() {
            let (a, b) = (start.max(span.start), end.min(span.end));
            if a >= b {
                continue;
            }
            let (wa, wb) = (wall(a, span.offset), wall(b, span.offset));
            // This span repeats the hours after a fold at its start (second
            // pass), or is the first pass of a fold at its end.
            let second = i
                .checked_sub(1)
                .map(|p| self.spans[p].offset - span.offset)
                .filter(|d| *d > 0)
                .map(|d| {
                    let s = wall(span.start, span.offset);
                    (s, s + Duration::seconds(i64::from(d)))
                });
            let first = self
                .spans
                .get(i + 1)
                .map(|n| span.offset - n.offset)
                .filter(|d| *d > 0)
                .map(|d| {
                    let e = wall(span.end, span.offset);
                    (e - Duration::seconds(i64::from(d)), e)
                });
            let mut cuts = vec![wa, wb];
            for (s, e) in second.iter().chain(first.iter()) {
                cuts.extend([*s, *e].into_iter().filter(|c| wa < *c && *c < wb));
            }
            cuts.sort_unstable();
            cuts.dedup();
            for pair in cuts.windows(2) {
                let (x, y) = (pair[0], pair[1]);
                let inside = |r: Option<(NaiveDateTime, NaiveDateTime)>| {
                    r.is_some_and(|(s, e)| s <= x && y <= e)
                };
                let lane = if inside(second) {
                    Lane::Second
                } else if inside(first) {
                    Lane::First
                } else {
                    Lane::Full
                };
                split_days(x, y, lane, &mut out);
            }
        }
        out
    }

    /// Where the wall-clock stretch `[from, to)` lies, row by row (full height).
    pub fn place_wall(&self, from: NaiveDateTime, to: NaiveDateTime) -> Vec<Place> {
        let mut out = Vec::new();
        split_days(from, to, Lane::Full, &mut out);
        out
    }
}

/// `[x, y)` of the wall clock cut at each midnight into row pieces.
fn split_days(x: NaiveDateTime, y: NaiveDateTime, lane: Lane, out: &mut Vec<Place>) {
    let mut date = x.date();
    while date <= y.date() {
        let midnight = date.and_time(chrono::NaiveTime::MIN);
        let x0 = (x - midnight).num_seconds().max(0);
        let x1 = (y - midnight).num_seconds().min(DAY_SECONDS);
        if x0 < x1 {
            out.push(Place { date, x0, x1, lane });
        }
        let Some(next) = date.succ_opt() else { break };
        date = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    const H: i64 = 3600;

    #[test]
    fn shifts_are_found_to_the_second_in_real_zones() {
        // (zone, range from, range to, the shifts: instant, before, after)
        type Case = (
            Tz,
            &'static str,
            &'static str,
            &'static [(&'static str, i32, i32)],
        );
        let cases: &[Case] = &[
            // London springs forward at 01:00 GMT on 29 March 2026.
            (
                chrono_tz::Europe::London,
                "2026-03-28T00:00:00Z",
                "2026-03-30T00:00:00Z",
                &[("2026-03-29T01:00:00Z", 0, 3600)],
            ),
            // ... and falls back at 01:00 UTC on 25 October 2026.
            (
                chrono_tz::Europe::London,
                "2026-10-24T00:00:00Z",
                "2026-10-26T00:00:00Z",
                &[("2026-10-25T01:00:00Z", 3600, 0)],
            ),
            // Lord Howe moves by half an hour.
            (
                chrono_tz::Australia::Lord_Howe,
                "2026-04-04T00:00:00Z",
                "2026-04-06T00:00:00Z",
                &[("2026-04-04T15:00:00Z", 39600, 37800)],
            ),
            // Seoul has no DST.
            (
                chrono_tz::Asia::Seoul,
                "2026-01-01T00:00:00Z",
                "2026-12-31T00:00:00Z",
                &[],
            ),
        ];
        for (tz, from, to, want) in cases {
            let got = Dial::new(*tz, utc(from), utc(to)).shifts();
            let want: Vec<Shift> = want
                .iter()
                .map(|(at, before, after)| Shift {
                    at: utc(at),
                    before: *before,
                    after: *after,
                })
                .collect();
            assert_eq!(got, want, "\nzone: {tz} range: {from} – {to}");
        }
    }

    #[test]
    fn a_shift_on_the_range_end_is_not_a_shift_within_it() {
        let tz = chrono_tz::Europe::London;
        let dial = Dial::new(tz, utc("2026-03-28T00:00:00Z"), utc("2026-03-29T01:00:00Z"));
        assert_eq!(dial.shifts(), vec![]);
        assert_eq!(dial.dates(), vec![date("2026-03-28"), date("2026-03-29")]);
    }

    #[test]
    fn a_gap_leaves_its_hour_empty_and_midnight_splits_rows() {
        // 22:00 GMT on the 28th to 04:00 BST on the 29th: 01:00-02:00 never happens.
        let tz = chrono_tz::Europe::London;
        let dial = Dial::new(tz, utc("2026-03-28T00:00:00Z"), utc("2026-03-30T00:00:00Z"));
        let got = dial.place(utc("2026-03-28T22:00:00Z"), utc("2026-03-29T03:00:00Z"));
        let full = |d: &str, x0: i64, x1: i64| Place {
            date: date(d),
            x0,
            x1,
            lane: Lane::Full,
        };
        assert_eq!(
            got,
            vec![
                full("2026-03-28", 22 * H, 24 * H),
                full("2026-03-29", 0, H),
                full("2026-03-29", 2 * H, 4 * H),
            ]
        );
        let gap = dial.shifts()[0];
        assert!(gap.is_gap());
        let (a, b) = gap.wall();
        assert_eq!(dial.place_wall(a, b), vec![full("2026-03-29", H, 2 * H)]);
    }

    #[test]
    fn a_fold_draws_its_hour_twice_in_two_lanes() {
        // 00:30 BST to 01:30 GMT on 25 October 2026: 01:00-02:00 happens twice.
        let tz = chrono_tz::Europe::London;
        let dial = Dial::new(tz, utc("2026-10-24T23:00:00Z"), utc("2026-10-26T00:00:00Z"));
        let got = dial.place(utc("2026-10-24T23:30:00Z"), utc("2026-10-25T01:30:00Z"));
        let d = date("2026-10-25");
        assert_eq!(
            got,
            vec![
                Place {
                    date: d,
                    x0: H / 2,
                    x1: H,
                    lane: Lane::Full
                },
                Place {
                    date: d,
                    x0: H,
                    x1: 2 * H,
                    lane: Lane::First
                },
                Place {
                    date: d,
                    x0: H,
                    x1: 3 * H / 2,
                    lane: Lane::Second
                },
            ]
        );
        let fold = dial.shifts()[0];
        assert!(!fold.is_gap());
        assert_eq!(dial.place_wall(fold.wall().0, fold.wall().1)[0].x0, H);
        // Later the same day, one lane again.
        assert_eq!(
            dial.place(utc("2026-10-25T03:00:00Z"), utc("2026-10-25T04:00:00Z")),
            vec![Place {
                date: d,
                x0: 3 * H,
                x1: 4 * H,
                lane: Lane::Full
            }]
        );
    }

    #[test]
    fn a_fold_that_goes_back_across_midnight_lands_on_the_day_before() {
        // Santiago: at 00:00 -03 on Sunday 5 April 2026 the clocks go back to
        // Saturday 23:00 -04, so Saturday's 23:00-24:00 happens twice.
        let tz = chrono_tz::America::Santiago;
        let dial = Dial::new(tz, utc("2026-04-04T12:00:00Z"), utc("2026-04-05T12:00:00Z"));
        assert_eq!(dial.shifts().len(), 1, "{:?}", dial.shifts());
        let got = dial.place(utc("2026-04-04T12:00:00Z"), utc("2026-04-05T04:30:00Z"));
        let sat = date("2026-04-04");
        let sun = date("2026-04-05");
        assert_eq!(
            got,
            vec![
                Place {
                    date: sat,
                    x0: 9 * H,
                    x1: 23 * H,
                    lane: Lane::Full
                },
                Place {
                    date: sat,
                    x0: 23 * H,
                    x1: 24 * H,
                    lane: Lane::First
                },
                Place {
                    date: sat,
                    x0: 23 * H,
                    x1: 24 * H,
                    lane: Lane::Second
                },
                Place {
                    date: sun,
                    x0: 0,
                    x1: H / 2,
                    lane: Lane::Full
                },
            ]
        );
    }

    #[test]
    fn an_empty_range_has_no_rows() {
        let t = utc("2026-03-28T00:00:00Z");
        let dial = Dial::new(chrono_tz::UTC, t, t);
        assert!(dial.dates().is_empty());
        assert!(dial.place(t, t + Duration::hours(1)).is_empty());
    }
}
