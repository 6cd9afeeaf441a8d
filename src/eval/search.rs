//! Interval arithmetic behind the decision: the blocked set of a request, the
//! maximal blocking interval around it, the earliest clear start and the end of the
//! clear stretch. Work grows with the distance searched, in chunks that double, and
//! never steps a clock.

use crate::calendar::{Interval, complement, first_overlapping, merge};
use crate::policy::{ChangeKind, PolicySet, Rule, RuleKind};
use chrono::{DateTime, TimeDelta, Utc};

// First chunks of the searches; each later chunk doubles. Most answers are near, so
// the searches start small (measured in BENCHMARKS.md).
const NEXT_FIRST_CHUNK: TimeDelta = TimeDelta::days(1);
const FREE_FIRST_CHUNK: TimeDelta = TimeDelta::hours(6);

/// The rules that apply to one request, split by what they do.
pub(crate) struct Blocking<'p> {
    pub windows: Vec<&'p Rule>,
    pub denies: Vec<&'p Rule>,
}

impl<'p> Blocking<'p> {
    pub fn new(
        policy: &'p PolicySet,
        service: &str,
        env: &str,
        change: ChangeKind,
    ) -> Blocking<'p> {
        let (windows, denies) = policy
            .rules
            .iter()
            .filter(|r| r.applies(service, env, change))
            .partition(|r| r.kind == RuleKind::Window);
        Blocking { windows, denies }
    }

    /// The parts of `range` no applicable window covers (empty when no window applies).
    pub fn window_gaps(&self, range: Interval) -> Vec<Interval> {
        if self.windows.is_empty() {
            return Vec::new();
        }
        let open = merge(
            self.windows
                .iter()
                .flat_map(|w| w.intervals(range))
                .collect(),
        );
        complement(&open, range)
    }

    /// Everything blocked within `range`: deny intervals (unclipped) and window gaps.
    pub fn blocked(&self, range: Interval) -> Vec<Interval> {
        let mut all: Vec<Interval> = self
            .denies
            .iter()
            .flat_map(|r| r.intervals(range))
            .collect();
        all.extend(self.window_gaps(range));
        merge(all)
    }

    /// The earliest `t` in `[from, latest]` with `[t, t + len)` clear of everything
    /// blocked.
    pub fn earliest_clear_start(
        &self,
        from: DateTime<Utc>,
        latest: DateTime<Utc>,
        len: TimeDelta,
    ) -> Option<DateTime<Utc>> {
        let search_end = latest + len;
        let mut lo = from;
        let mut chunk = NEXT_FIRST_CHUNK;
        while lo <= latest {
            let hi = (lo + len + chunk).min(search_end);
            let range = Interval::new(lo, hi);
            let blocked = self.blocked(range);
            let mut resume = hi;
            for gap in complement(&blocked, range) {
                if gap.start > latest {
                    return None;
                }
                if gap.len() >= len {
                    return Some(gap.start);
                }
                if gap.end == hi {
                    // Too short so far, but it may go on past the range.
                    resume = gap.start;
                }
            }
            if hi >= search_end {
                return None;
            }
            // Deny intervals come back whole, so a range that ends blocked often
            // knows the blocked stretch goes on well past it: skip to its end and
            // start small again, instead of expanding every rule over it.
            match blocked.last() {
                Some(last) if resume == hi && last.end > hi => {
                    lo = last.end;
                    chunk = NEXT_FIRST_CHUNK;
                }
                _ => {
                    lo = resume;
                    chunk = chunk * 2;
                }
            }
        }
        None
    }

    /// The first blocked instant in `[from, latest]`, if any.
    pub fn first_blocked_after(
        &self,
        from: DateTime<Utc>,
        latest: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let stop = latest + TimeDelta::seconds(1);
        let mut lo = from;
        let mut chunk = FREE_FIRST_CHUNK;
        while lo < stop {
            let hi = (lo + chunk).min(stop);
            if let Some(first) = self.blocked(Interval::new(lo, hi)).first() {
                return Some(first.start.max(lo));
            }
            lo = hi;
            chunk = chunk * 2;
        }
        None
    }
}

/// The maximal interval of `source` that meets `probe` (the earliest, if several),
/// followed outward as far as `reach`. `source(range)` must return the merged
/// intervals overlapping `range`, or the exact ones within it.
pub(crate) fn maximal_meeting(
    source: impl Fn(Interval) -> Vec<Interval>,
    probe: Interval,
    reach: Interval,
) -> Option<Interval> {
    // The probe alone first: most rules do not meet it at all, and that is cheap to
    // learn. Then wider, until the interval found is known to end inside the range.
    let mut pad = TimeDelta::zero();
    loop {
        let range = probe.widen(pad).clip(&reach);
        let list = source(range);
        let first = *first_overlapping(&list, &probe)?;
        let open_left = first.start <= range.start && range.start > reach.start;
        let open_right = first.end >= range.end && range.end < reach.end;
        if !open_left && !open_right {
            return Some(first.clip(&reach));
        }
        pad = if pad.is_zero() {
            TimeDelta::days(1)
        } else {
            pad * 4
        };
    }
}
