//! Interval arithmetic behind the decision: the blocked set of a request, the
//! maximal blocking interval around it, the earliest clear start and the end of the
//! clear stretch. Work grows with the distance searched, in chunks that double, and
//! never steps a clock.

use super::error::EvalError;
use super::model::DeployRequest;
use crate::calendar::{Interval, complement, first_overlapping, merge};
use crate::policy::{ChangeKind, Coverage, PolicySet, Rule, RuleKind};
use chrono::{DateTime, TimeDelta, Utc};

// The first chunk of both searches; each later chunk doubles. Most answers are near,
// so the searches start small (measured in BENCHMARKS.md).
pub(crate) const FIRST_CHUNK: TimeDelta = TimeDelta::hours(6);

/// The rules that apply to one request, split by what they do.
pub(crate) struct Blocking<'p> {
    pub windows: Vec<&'p Rule>,
    pub denies: Vec<&'p Rule>,
    memo: Option<Memo>,
}

/// Every applicable rule's intervals over one range, expanded once and reused for
/// any range inside it: a decision asks about the guarded interval, the stretch
/// right after it and the first search chunk, which all lie in one day or so.
struct Memo {
    range: Interval,
    denies: Vec<Vec<Interval>>,
    windows: Vec<Vec<Interval>>,
}

/// A rule's intervals over `range`, from the memo when it covers the range. (A memo
/// list may join touching occurrences that lie partly outside `range`; every user
/// of these lists takes unions or maximal intervals, for which that is the same.)
fn lookup(
    rule: &Rule,
    memo: Option<(&Interval, &Vec<Interval>)>,
    range: Interval,
) -> Vec<Interval> {
    match memo {
        Some((covered, list)) if covered.covers(&range) => list
            .iter()
            .filter(|i| i.overlaps(&range))
            .copied()
            .collect(),
        _ => rule.intervals(range),
    }
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
        Blocking {
            windows,
            denies,
            memo: None,
        }
    }

    /// The rules that apply to `req`, less the reservation it presents.
    pub fn for_request(policy: &'p PolicySet, req: &DeployRequest) -> Blocking<'p> {
        let mut blocking = Blocking::new(policy, &req.service, &req.env, req.change);
        if let Some(id) = &req.reservation {
            blocking.denies.retain(|r| !r.origin.is_reservation(id));
        }
        blocking
    }

    /// The instants every applicable rule can answer for (`None`: no limit),
    /// checked to contain `needed`; `what` names the stretch for the error. The
    /// description is that of the rule whose data ends first.
    pub fn covered(&self, needed: Interval, what: &str) -> Result<Option<Coverage>, EvalError> {
        let mut limit: Option<Coverage> = None;
        for rule in self.denies.iter().chain(&self.windows) {
            let Some(c) = rule.coverage() else { continue };
            if !c.instants.covers(&needed) {
                return Err(EvalError::OutOfCoverage {
                    rule: rule.name.clone(),
                    data: c.data,
                    what: what.to_string(),
                });
            }
            limit = Some(match limit {
                None => c,
                Some(l) => {
                    let instants = l.instants.clip(&c.instants);
                    let data = if c.instants.end < l.instants.end {
                        c.data
                    } else {
                        l.data
                    };
                    Coverage { instants, data }
                }
            });
        }
        Ok(limit)
    }

    /// Expands every applicable rule over `range` once, for the lookups that follow.
    pub fn remember(&mut self, range: Interval) {
        let denies = self.denies.iter().map(|r| r.intervals(range)).collect();
        let windows = self.windows.iter().map(|r| r.intervals(range)).collect();
        self.memo = Some(Memo {
            range,
            denies,
            windows,
        });
    }

    /// The intervals of the `i`th applicable deny rule that overlap `range`.
    pub fn deny_intervals(&self, i: usize, range: Interval) -> Vec<Interval> {
        let memo = self.memo.as_ref().map(|m| (&m.range, &m.denies[i]));
        lookup(self.denies[i], memo, range)
    }

    fn window_intervals(&self, i: usize, range: Interval) -> Vec<Interval> {
        let memo = self.memo.as_ref().map(|m| (&m.range, &m.windows[i]));
        lookup(self.windows[i], memo, range)
    }

    /// The parts of `range` no applicable window covers (empty when no window applies).
    pub fn window_gaps(&self, range: Interval) -> Vec<Interval> {
        if self.windows.is_empty() {
            return Vec::new();
        }
        let open = merge(
            (0..self.windows.len())
                .flat_map(|i| self.window_intervals(i, range))
                .collect(),
        );
        complement(&open, range)
    }

    /// Everything blocked within `range`: deny intervals (unclipped) and window gaps.
    pub fn blocked(&self, range: Interval) -> Vec<Interval> {
        let mut all: Vec<Interval> = (0..self.denies.len())
            .flat_map(|i| self.deny_intervals(i, range))
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
        let mut chunk = FIRST_CHUNK;
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
            // start small again, instead of expanding every rule over it. A
            // stretch cut just past the range (a rule whose stretches are only
            // followed as far as asked) is no such news: the chunks keep
            // doubling, or a rule that blocks for years would be walked six
            // hours at a time.
            match blocked.last() {
                Some(last) if resume == hi && last.end > hi => {
                    chunk = if last.end - hi > chunk {
                        FIRST_CHUNK
                    } else {
                        chunk * 2
                    };
                    lo = last.end;
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
        let mut chunk = FIRST_CHUNK;
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
