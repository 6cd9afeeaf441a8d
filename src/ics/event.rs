//! One VEVENT as the engine uses it, and its occurrences over a query range.
//!
//! Recurrence arithmetic runs on the wall clock of the event's zone, as RFC 5545
//! asks (a weekly 09:00 meeting stays at 09:00 across a DST change): the `rrule`
//! crate expands the RRULE on wall-clock times (held as if they were UTC, so no
//! zone of its own, and never the machine's, takes part), and every wall-clock
//! occurrence becomes an instant through [`to_instant`], the one place where gaps
//! and folds are decided (see `time::civil`).

use super::value::Length;
use crate::calendar::Interval;
use crate::time::civil::{Edge, to_civil, to_instant};
use chrono::{DateTime, Days, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use std::sync::Mutex;

/// An event of a calendar: what it is called and when it happens.
#[derive(Debug, Clone)]
pub struct Event {
    /// Its `UID` (empty when the file has none).
    pub uid: String,
    /// Its `SUMMARY` on one line: the reason shown when it blocks.
    pub summary: String,
    /// Its `CATEGORIES`, as written.
    pub categories: Vec<String>,
    /// The line of its `BEGIN:VEVENT` in the file.
    pub line: usize,
    /// The zone of its wall-clock times.
    pub(crate) zone: Tz,
    /// `DTSTART` on the wall clock of `zone` (midnight for an all-day event).
    pub(crate) start: NaiveDateTime,
    pub(crate) all_day: bool,
    pub(crate) length: Length,
    pub(crate) recurrence: Option<Recurrence>,
}

/// What makes an event repeat, and the instances taken out of the series.
#[derive(Debug, Clone)]
pub(crate) struct Recurrence {
    /// The RRULE on wall-clock times held as UTC (see the module doc).
    pub rule: Option<rrule::RRuleSet>,
    /// The RRULE's occurrences found so far.
    pub walk: Walk,
    /// With COUNT, how many occurrences the rule itself gives: one fewer than
    /// COUNT when DTSTART is not one of the rule's own (DTSTART always counts as
    /// the first occurrence, RFC 5545 §3.8.5.3).
    pub rule_take: Option<usize>,
    /// Whether DTSTART must be added to the rule's occurrences.
    pub add_start: bool,
    /// UNTIL as an instant, when it was written in UTC: an exact bound.
    pub until: Option<DateTime<Utc>>,
    /// RDATEs, each with its interval (its own length when it is a PERIOD),
    /// sorted by start, so a query reads only the slice that can reach it.
    pub rdates: Vec<RDate>,
    /// The longest RDATE interval: how far before a query an RDATE may start
    /// and still reach into it.
    pub rdate_reach: TimeDelta,
    /// Sorted (see [`Exclusion`]).
    pub exdates: Vec<Exclusion>,
    /// Start instants of instances replaced or cancelled by RECURRENCE-ID
    /// components; sorted.
    pub replaced: Vec<DateTime<Utc>>,
}

/// One walk along an RRULE, shared by every query of the rule (a decision asks
/// about many ranges, `windows` about one per closed stretch): the wall-clock
/// occurrences found so far, and the crate's iterator where it stopped. A query
/// walks on only past what earlier queries saw.
#[derive(Debug, Default)]
pub(crate) struct Walk(Mutex<Walked>);

#[derive(Debug, Default, Clone)]
struct Walked {
    started: bool,
    /// `None` once the rule has no more occurrences (or before the walk starts).
    iter: Option<rrule::RRuleSetIter>,
    walls: Vec<NaiveDateTime>,
    /// The instant each wall-clock time starts at, found once: never decreasing
    /// as the walls increase (a fold reads its first pass, a gap its end), so a
    /// query cuts them by binary search on exact instants.
    starts: Vec<DateTime<Utc>>,
}

impl Clone for Walk {
    fn clone(&self) -> Walk {
        Walk(Mutex::new(self.lock().clone()))
    }
}

impl Walk {
    fn lock(&self) -> std::sync::MutexGuard<'_, Walked> {
        // The walk is extended in one piece; a panic mid-way leaves it usable.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The rule's wall-clock occurrences that start in `[from, to)`, walking on
    /// as far as the wall-clock time `stop` (and at most `take` occurrences in all).
    fn between(
        &self,
        rule: &rrule::RRuleSet,
        take: usize,
        zone: Tz,
        stop: NaiveDateTime,
        (from, to): (DateTime<Utc>, DateTime<Utc>),
    ) -> Vec<NaiveDateTime> {
        let mut w = self.lock();
        if !w.started {
            w.started = true;
            w.iter = Some(rule.into_iter());
        }
        while w.walls.last().is_none_or(|last| *last <= stop) {
            if w.walls.len() >= take {
                w.iter = None;
            }
            let Some(next) = w.iter.as_mut().and_then(Iterator::next) else {
                w.iter = None;
                break;
            };
            let wall = next.naive_utc();
            w.walls.push(wall);
            w.starts.push(to_instant(zone, wall, Edge::Start));
        }
        let first = w.starts.partition_point(|t| *t < from);
        let end = w.starts.partition_point(|t| *t < to);
        w.walls
            .get(first..end)
            .map(<[_]>::to_vec)
            .unwrap_or_default()
    }
}

/// An EXDATE: an instant, or (as a DATE) every instance on that local day.
/// Ordered, so that a recurrence keeps its EXDATEs sorted and looks each
/// instance up by binary search (a scan per instance was quadratic).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Exclusion {
    At(DateTime<Utc>),
    Day(NaiveDate),
}

/// The wall clock as a `DateTime<rrule::Tz>` in UTC, which the `rrule` crate
/// computes on without any zone rules.
pub(crate) fn as_rrule_time(wall: NaiveDateTime) -> DateTime<rrule::Tz> {
    rrule::Tz::UTC.from_utc_datetime(&wall)
}

/// One instance's interval from its wall-clock start in `zone`: nominal days on
/// the wall clock (an all-day event is whole local days), then exact time.
pub(crate) fn span(zone: Tz, wall: NaiveDateTime, length: Length) -> Interval {
    let start = to_instant(zone, wall, Edge::Start);
    let end = if length.days > 0 {
        let end_wall = wall
            .checked_add_days(Days::new(length.days.unsigned_abs()))
            .unwrap_or(wall);
        to_instant(zone, end_wall, Edge::End)
    } else {
        start
    };
    Interval::new(start, end + length.exact)
}

/// The most an instance of `length` can last: a nominal day on the wall clock
/// lasts at most 48 hours (a zone that moved back across the date line lived one
/// wall-clock day twice), so a query looks this far back for instances that
/// started before it and still reach into it.
fn longest_span(length: Length) -> TimeDelta {
    TimeDelta::hours(48)
        .checked_mul(i32::try_from(length.days).unwrap_or(i32::MAX))
        .and_then(|days| days.checked_add(&length.exact))
        .unwrap_or(TimeDelta::MAX)
}

/// An RDATE: its wall-clock start and the interval it blocks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RDate {
    pub wall: NaiveDateTime,
    pub span: Interval,
}

impl Event {
    /// One instance's interval from its wall-clock start.
    pub(crate) fn instance(&self, wall: NaiveDateTime, length: Length) -> Interval {
        span(self.zone, wall, length)
    }

    /// The first instance (DTSTART), as an interval.
    pub fn first(&self) -> Interval {
        self.instance(self.start, self.length)
    }

    /// Whether it is an all-day event (DTSTART is a DATE).
    pub fn all_day(&self) -> bool {
        self.all_day
    }

    /// Whether the event repeats.
    pub fn recurs(&self) -> bool {
        self.recurrence.is_some()
    }

    /// The instances that overlap `range`, in start order. Lazy in the range: the
    /// series is walked from DTSTART only as far as the range's end, and an RRULE
    /// that never matches stops at the `rrule` crate's loop limit.
    pub fn instances(&self, range: Interval) -> Vec<Interval> {
        let Some(rec) = &self.recurrence else {
            let first = self.first();
            return if first.overlaps(&range) {
                vec![first]
            } else {
                Vec::new()
            };
        };
        // Wall-clock times past this cannot start before the range ends: offsets
        // differ by less than a day between any two instants' readings.
        let stop = to_civil(self.zone, range.end) + TimeDelta::days(2);
        // An instance that starts before this cannot reach into the range.
        let reach_back = |longest: TimeDelta| {
            range
                .start
                .checked_sub_signed(longest)
                .unwrap_or(DateTime::<Utc>::MIN_UTC)
        };
        let mut spans: Vec<(NaiveDateTime, Interval, bool)> = Vec::new();
        if rec.add_start {
            spans.push((self.start, self.first(), false));
        }
        if let Some(rule) = &rec.rule {
            let take = rec.rule_take.unwrap_or(usize::MAX);
            let starts = (reach_back(longest_span(self.length)), range.end);
            for wall in rec.walk.between(rule, take, self.zone, stop, starts) {
                spans.push((wall, self.instance(wall, self.length), true));
            }
        }
        // Only the RDATEs that can reach the range: a slice of the sorted list,
        // found by binary search, so a query costs what it returns.
        let first = rec
            .rdates
            .partition_point(|r| r.span.start < reach_back(rec.rdate_reach));
        let end = rec.rdates.partition_point(|r| r.span.start < range.end);
        for r in rec.rdates.get(first..end).unwrap_or_default() {
            spans.push((r.wall, r.span, false));
        }
        let mut out: Vec<Interval> = Vec::new();
        for (wall, iv, from_rule) in spans {
            if from_rule && rec.until.is_some_and(|u| iv.start > u) {
                continue;
            }
            let excluded = rec.exdates.binary_search(&Exclusion::At(iv.start)).is_ok()
                || rec
                    .exdates
                    .binary_search(&Exclusion::Day(wall.date()))
                    .is_ok();
            if excluded || rec.replaced.binary_search(&iv.start).is_ok() {
                continue;
            }
            if iv.overlaps(&range) {
                out.push(iv);
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}
