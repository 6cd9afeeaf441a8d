//! Interval arithmetic behind the decision: the blocked set of a request, the
//! maximal blocking interval around it, the earliest clear start and the end of the
//! clear stretch. Work grows with the distance searched, in chunks that double, and
//! never steps a clock.

use super::error::EvalError;
use super::model::DeployRequest;
use crate::calendar::{Interval, complement, first_overlapping, merge};
use crate::policy::{
    Applying, ChangeKind, Coverage, Day, Expansions, PolicySet, Rule, RuleKind, SetDay,
    day_interval, days_of,
};
use chrono::{DateTime, TimeDelta, Utc};
use std::cell::{Cell, RefCell};
use std::ops::Range;
use std::sync::Arc;

// The first chunk of both searches; each later chunk doubles. Most answers are near,
// so the searches start small (measured in BENCHMARKS.md).
pub(crate) const FIRST_CHUNK: TimeDelta = TimeDelta::hours(6);

/// The rules that apply to one request, split by what they do.
pub(crate) struct Blocking<'p> {
    pub windows: Vec<&'p Rule>,
    pub denies: Vec<&'p Rule>,
    memo: Option<Memo>,
    /// The policy's kept expansions, when it keeps them (a server's policy).
    kept: Option<Kept<'p>>,
}

/// Where a request's file rules are kept: the first `denies.len()` of its
/// freezes, and all its windows, are the file rules at these positions.
struct Kept<'p> {
    expansions: &'p Expansions,
    rules: &'p [Rule],
    /// The applicable set's number, and the change kind that filtered it.
    set: (u64, ChangeKind),
    denies: Vec<u32>,
    windows: Vec<u32>,
    /// The set's days this request has looked at (a handful): every rule of
    /// the set reads the same day, and the shared cache need not be asked each time.
    seen: RefCell<Vec<(Day, Arc<SetDay>)>>,
    last_days: Cell<Option<(Interval, Day, Day)>>,
}

/// How many set days a request keeps at hand.
const SEEN_DAYS: usize = 8;

/// The most days a lookup joins from kept ones; a wider range is expanded
/// directly. Enough for the longest horizon and a deploy and monitoring on
/// either side of it.
const MAX_KEPT_DAYS: i64 = 1024;

impl Kept<'_> {
    fn set_day(&self, day: Day) -> Option<Arc<SetDay>> {
        self.with_set_day(day, Arc::clone)
    }

    /// `read` of the set's `day`: from the days this request has seen, else
    /// from the shared cache (and then remembered).
    fn with_set_day<T>(&self, day: Day, read: impl FnOnce(&Arc<SetDay>) -> T) -> Option<T> {
        if let Some((_, found)) = self.seen.borrow().iter().find(|(d, _)| *d == day) {
            return Some(read(found));
        }
        let (denies, windows) = (&self.denies, &self.windows);
        let found = self
            .expansions
            .set_day(self.rules, self.set, denies, windows, day)?;
        let out = read(&found);
        let mut seen = self.seen.borrow_mut();
        if seen.len() < SEEN_DAYS {
            seen.push((day, found));
        }
        Some(out)
    }

    /// The days `range` meets; the last range asked about is remembered, as
    /// every rule of the set is asked about the same one in turn.
    fn days(&self, range: Interval) -> Range<Day> {
        match self.last_days.get() {
            Some((asked, first, end)) if asked == range => first..end,
            _ => {
                let days = days_of(range);
                self.last_days.set(Some((range, days.start, days.end)));
                days
            }
        }
    }

    /// The intervals of the file rule at `at` (the `i`th of its kind, read from
    /// a set's day by `pick`) overlapping `range`: one day from the set's day,
    /// several from the rule's own kept days.
    fn rule_intervals(
        &self,
        at: u32,
        pick: impl Fn(&SetDay) -> Option<&[Interval]>,
        range: Interval,
    ) -> Option<Vec<Interval>> {
        let days = self.days(range);
        if days.end - days.start == 1 {
            let list = self.with_set_day(days.start, |d| pick(d).map(|l| overlapping(l, range)));
            return list.flatten();
        }
        joined(range, |day| self.expansions.rule_day(self.rules, at, day))
    }
}

/// The lists of the days `range` meets, joined and cut to those that overlap it
/// (`None` when a day is missing or there are too many to join).
fn joined(
    range: Interval,
    day_list: impl Fn(Day) -> Option<Arc<[Interval]>>,
) -> Option<Vec<Interval>> {
    let days = days_of(range);
    if days.end - days.start > MAX_KEPT_DAYS {
        return None;
    }
    let mut all = Vec::new();
    for day in days {
        all.extend(day_list(day)?.iter().filter(|i| i.overlaps(&range)));
    }
    Some(merge(all))
}

/// The intervals of a sorted list that overlap `range`.
fn overlapping(list: &[Interval], range: Interval) -> Vec<Interval> {
    let from = list.partition_point(|i| i.end <= range.start);
    let rest = list.get(from..).unwrap_or_default();
    rest.iter()
        .take_while(|i| i.start < range.end)
        .copied()
        .collect()
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
        let Applying { files, others } = policy.applying(service, env);
        let mut blocking = Blocking {
            windows: Vec::new(),
            denies: Vec::new(),
            memo: None,
            kept: None,
        };
        let (mut deny_ids, mut window_ids) = (Vec::new(), Vec::new());
        let governs = |r: &Rule| !r.exempt.contains(&change);
        let file_ids = files.as_deref().map_or(&[][..], |set| &set.rules[..]);
        for &at in file_ids {
            let Some(rule) = policy.rules.get(at as usize).filter(|r| governs(r)) else {
                continue;
            };
            let (rules, ids) = match rule.kind {
                RuleKind::Window => (&mut blocking.windows, &mut window_ids),
                RuleKind::Freeze | RuleKind::Market => (&mut blocking.denies, &mut deny_ids),
            };
            rules.push(rule);
            ids.push(at);
        }
        // Runtime rules (few) come after the files', in policy order.
        let mut other_windows = false;
        for rule in others.into_iter().filter(|r| governs(r)) {
            if rule.kind == RuleKind::Window {
                other_windows = true;
                blocking.windows.push(rule);
            } else {
                blocking.denies.push(rule);
            }
        }
        // A set's kept days cover its file rules; a window from elsewhere would
        // change where its gaps are, so then nothing kept is used.
        blocking.kept = match (policy.expansions(), files) {
            (Some(expansions), Some(set)) if !other_windows => Some(Kept {
                expansions,
                rules: &policy.rules,
                set: (set.id, change),
                denies: deny_ids,
                windows: window_ids,
                seen: RefCell::new(Vec::new()),
                last_days: Cell::new(None),
            }),
            _ => None,
        };
        blocking
    }

    /// The rules that apply to `req`, less the reservation it presents.
    pub fn for_request(policy: &'p PolicySet, req: &DeployRequest) -> Blocking<'p> {
        let mut blocking = Blocking::new(policy, &req.service, &req.env, req.change);
        // A reservation is never a file rule, so the kept file rules stay first.
        if let Some(id) = &req.reservation {
            blocking.denies.retain(|r| !r.origin.is_reservation(id));
        }
        blocking
    }

    /// The instants every applicable rule can answer for (`None`: no limit),
    /// checked to contain `needed`; `what` names the stretch for the error. The
    /// description is that of the rule whose data ends first.
    pub fn covered(&self, needed: Interval, what: &str) -> Result<Option<Coverage>, EvalError> {
        // The instants all rules cover, and the rule whose data ends first.
        let mut limit: Option<(Interval, &Rule)> = None;
        for rule in self.denies.iter().chain(&self.windows) {
            let Some(instants) = rule.covered_instants() else {
                continue;
            };
            if !instants.covers(&needed) {
                return Err(EvalError::OutOfCoverage {
                    rule: rule.name.clone(),
                    data: rule.coverage().map(|c| c.data).unwrap_or_default(),
                    what: what.to_string(),
                });
            }
            limit = Some(match limit {
                None => (instants, rule),
                Some((all, first)) => {
                    let ends_first = if instants.end < all.end { rule } else { first };
                    (all.clip(&instants), ends_first)
                }
            });
        }
        // Words only for the one rule they are about.
        Ok(limit.and_then(|(instants, rule)| {
            let data = rule.coverage()?.data;
            Some(Coverage { instants, data })
        }))
    }

    /// Expands every applicable rule over `range` once, for the lookups that follow.
    pub fn remember(&mut self, range: Interval) {
        if self.kept.is_some() {
            return;
        }
        let denies = self.denies.iter().map(|r| r.intervals(range)).collect();
        let windows = self.windows.iter().map(|r| r.intervals(range)).collect();
        self.memo = Some(Memo {
            range,
            denies,
            windows,
        });
    }

    /// The places (in `denies`) of the freezes that may meet `probe`, in order:
    /// from the set's kept day when the probe lies within one (the file rules
    /// whose intervals overlap it, and every rule after them), else all.
    pub fn denies_meeting(&self, probe: Interval) -> Vec<usize> {
        let all = || (0..self.denies.len()).collect();
        let Some(kept) = &self.kept else {
            return all();
        };
        let days = kept.days(probe);
        if days.end - days.start != 1 {
            return all();
        }
        match kept.with_set_day(days.start, |d| d.denies_meeting(probe)) {
            Some(mut found) => {
                found.extend(kept.denies.len()..self.denies.len());
                found
            }
            None => all(),
        }
    }

    /// [`Blocking::deny_intervals`], and the stretch over which the list is
    /// exact: the whole day when it comes from one kept day, else `range`.
    pub fn deny_extent(&self, i: usize, range: Interval) -> (Vec<Interval>, Interval) {
        if let Some(kept) = &self.kept
            && i < kept.denies.len()
        {
            let days = kept.days(range);
            let whole_day = |d: &Arc<SetDay>| d.denies.get(i).map(|l| l.to_vec());
            if days.end - days.start == 1
                && let Some(day) = day_interval(days.start)
                && let Some(Some(list)) = kept.with_set_day(days.start, whole_day)
            {
                return (list, day);
            }
        }
        (self.deny_intervals(i, range), range)
    }

    /// The intervals of the `i`th applicable deny rule that overlap `range`.
    pub fn deny_intervals(&self, i: usize, range: Interval) -> Vec<Interval> {
        if let Some(kept) = &self.kept
            && let Some(&at) = kept.denies.get(i)
            && let Some(list) = kept.rule_intervals(at, |d| d.denies.get(i).map(|l| &l[..]), range)
        {
            return list;
        }
        let memo = self.memo.as_ref().map(|m| (&m.range, &m.denies[i]));
        lookup(self.denies[i], memo, range)
    }

    fn window_intervals(&self, i: usize, range: Interval) -> Vec<Interval> {
        if let Some(kept) = &self.kept
            && let Some(&at) = kept.windows.get(i)
            && let Some(list) = kept.rule_intervals(at, |d| d.windows.get(i).map(|l| &l[..]), range)
        {
            return list;
        }
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
        if let Some(kept) = &self.kept
            && let Some(mut all) = joined(range, |day| Some(kept.set_day(day)?.blocked.clone()))
        {
            // The rules after the files' (runtime freezes, reservations) join here.
            let others = self.denies.get(kept.denies.len()..).unwrap_or_default();
            all.extend(others.iter().flat_map(|r| r.intervals(range)));
            return merge(all);
        }
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
/// intervals overlapping `range`, or the exact ones within it, and the stretch
/// (at least `range`) over which that list is exact: a rule's kept day is exact
/// over the whole day, so an interval inside it needs no wider look.
pub(crate) fn maximal_meeting(
    source: impl Fn(Interval) -> (Vec<Interval>, Interval),
    probe: Interval,
    reach: Interval,
) -> Option<Interval> {
    // The probe alone first: most rules do not meet it at all, and that is cheap to
    // learn. Then wider, until the interval found is known to end inside the range.
    let mut pad = TimeDelta::zero();
    loop {
        let range = probe.widen(pad).clip(&reach);
        let (list, exact) = source(range);
        let known = exact.clip(&reach);
        let first = *first_overlapping(&list, &probe)?;
        let open_left = first.start <= known.start && known.start > reach.start;
        let open_right = first.end >= known.end && known.end < reach.end;
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
