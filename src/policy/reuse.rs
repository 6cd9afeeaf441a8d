//! Reused expansions: a loaded policy's rule intervals over each UTC day,
//! computed once and shared by every later request, and, per applicable set,
//! the day's blocked time (its freezes and the gaps between its windows) merged
//! once. Both are bounded by weight and live as long as the loaded policy: a
//! reload builds a new policy with empty ones.
//!
//! A day's list is exactly what [`Rule::intervals`] gives over the day (merged,
//! unclipped), so a lookup over any range inside the days it joins sees the same
//! instants as an expansion over that range.

use super::rule::{ChangeKind, Rule};
use crate::calendar::{Interval, complement, merge};
use chrono::DateTime;
use quick_cache::Weighter;
use quick_cache::sync::Cache;
use std::convert::Infallible;
use std::sync::Arc;

/// The length of the chunk expansions are kept in: a UTC day. A decision asks
/// about an hour or two and the day after it; a search walks day by day.
pub const CHUNK_SECONDS: i64 = 86_400;

/// What the rule expansions kept may weigh, in bytes (about: 16 per interval).
pub const RULE_DAYS_BUDGET: u64 = 64 << 20;

/// What the applicable sets' days kept may weigh, in bytes (about: 16 per
/// interval and per rule).
pub const SET_DAYS_BUDGET: u64 = 64 << 20;

/// Which day, counted from 1970-01-01 UTC, an instant falls in.
pub type Day = i64;

/// The kept expansions of one loaded policy.
pub(crate) struct Expansions {
    rule_days: Cache<(u32, Day), Arc<[Interval]>, RuleDayWeight>,
    set_days: Cache<(u64, ChangeKind, Day), Arc<SetDay>, SetDayWeight>,
}

/// One day of an applicable set: each rule's intervals (in the order the set's
/// freezes and windows were given) and everything they block, merged.
pub(crate) struct SetDay {
    pub denies: Box<[Arc<[Interval]>]>,
    pub windows: Box<[Arc<[Interval]>]>,
    /// The freezes' intervals (unclipped) and the parts of the day no window
    /// covers (none when no window applies), merged.
    pub blocked: Arc<[Interval]>,
    /// Every freeze interval with the freeze's place in `denies`, by start: which
    /// freezes meet a deploy is a scan of these, not a question to each freeze.
    pub meets: Box<[(Interval, u32)]>,
}

impl SetDay {
    /// The places (in `denies`) of the freezes with an interval overlapping
    /// `probe`, in order.
    pub fn denies_meeting(&self, probe: Interval) -> Vec<usize> {
        let mut found: Vec<usize> = self
            .meets
            .iter()
            .take_while(|(i, _)| i.start < probe.end)
            .filter(|(i, _)| i.overlaps(&probe))
            .map(|&(_, at)| at as usize)
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }
}

#[derive(Clone)]
struct RuleDayWeight;

impl Weighter<(u32, Day), Arc<[Interval]>> for RuleDayWeight {
    fn weight(&self, _: &(u32, Day), list: &Arc<[Interval]>) -> u64 {
        (48 + 16 * list.len()) as u64
    }
}

#[derive(Clone)]
struct SetDayWeight;

impl Weighter<(u64, ChangeKind, Day), Arc<SetDay>> for SetDayWeight {
    fn weight(&self, _: &(u64, ChangeKind, Day), day: &Arc<SetDay>) -> u64 {
        let rules = day.denies.len() + day.windows.len();
        (64 + 16 * (rules + day.blocked.len()) + 24 * day.meets.len()) as u64
    }
}

/// The instants of `day`, when they are representable.
pub(crate) fn day_interval(day: Day) -> Option<Interval> {
    let start = DateTime::from_timestamp(day.checked_mul(CHUNK_SECONDS)?, 0)?;
    let end = DateTime::from_timestamp(day.checked_add(1)?.checked_mul(CHUNK_SECONDS)?, 0)?;
    Some(Interval::new(start, end))
}

/// The days `range` meets (an empty range meets none).
pub(crate) fn days_of(range: Interval) -> std::ops::Range<Day> {
    if range.end <= range.start {
        return 0..0;
    }
    let first = range.start.timestamp().div_euclid(CHUNK_SECONDS);
    // The last instant in the range is just before its end.
    let end = range.end.timestamp();
    let last_second = if range.end.timestamp_subsec_nanos() == 0 {
        end - 1
    } else {
        end
    };
    first..last_second.div_euclid(CHUNK_SECONDS) + 1
}

impl Expansions {
    pub fn new() -> Expansions {
        Expansions::with_budgets(RULE_DAYS_BUDGET, SET_DAYS_BUDGET)
    }

    fn with_budgets(rule_days: u64, set_days: u64) -> Expansions {
        Expansions {
            rule_days: Cache::with_weighter(16_384, rule_days, RuleDayWeight),
            set_days: Cache::with_weighter(4_096, set_days, SetDayWeight),
        }
    }

    /// Rule `at` of `rules` over `day` (`None` when the day is not representable).
    pub fn rule_day(&self, rules: &[Rule], at: u32, day: Day) -> Option<Arc<[Interval]>> {
        let rule = rules.get(at as usize)?;
        let range = day_interval(day)?;
        let found = self.rule_days.get_or_insert_with(&(at, day), || {
            Ok::<_, Infallible>(Arc::from(rule.intervals(range)))
        });
        match found {
            Ok(list) => Some(list),
        }
    }

    /// The set `key` (its number and change kind) over `day`, its freezes and
    /// windows being `denies` and `windows` (positions in `rules`).
    pub fn set_day(
        &self,
        rules: &[Rule],
        key: (u64, ChangeKind),
        denies: &[u32],
        windows: &[u32],
        day: Day,
    ) -> Option<Arc<SetDay>> {
        let range = day_interval(day)?;
        let each = |ids: &[u32]| -> Option<Box<[Arc<[Interval]>]>> {
            ids.iter().map(|&i| self.rule_day(rules, i, day)).collect()
        };
        let compute = || -> Result<Arc<SetDay>, ()> {
            let denies = each(denies).ok_or(())?;
            let windows = each(windows).ok_or(())?;
            let mut meets: Vec<(Interval, u32)> = (0u32..)
                .zip(&denies)
                .flat_map(|(at, list)| list.iter().map(move |&i| (i, at)))
                .collect();
            meets.sort_unstable_by_key(|(i, _)| i.start);
            let mut all: Vec<Interval> = meets.iter().map(|&(i, _)| i).collect();
            if !windows.is_empty() {
                let open = merge(windows.iter().flat_map(|l| l.iter().copied()).collect());
                all.extend(complement(&open, range));
            }
            Ok(Arc::new(SetDay {
                denies,
                windows,
                blocked: Arc::from(merge(all)),
                meets: meets.into_boxed_slice(),
            }))
        };
        self.set_days
            .get_or_insert_with(&(key.0, key.1, day), compute)
            .ok()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<chrono::Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn kept_days_stay_within_their_budgets_and_match_a_fresh_expansion() {
        let policy = crate::policy::PolicySet::from_files(&[(
            "p.toml",
            "[[freeze]]\nname = \"often\"\ncron = \"*/5 * * * *\"\nduration = \"1m\"\n\n\
             [[window]]\nname = \"day\"\ndays = [\"mon-fri\"]\nstart = \"09:00\"\nend = \"18:00\"\n",
        )])
        .unwrap();
        let (rule_budget, set_budget) = (64 << 10, 256 << 10);
        let kept = Expansions::with_budgets(rule_budget, set_budget);
        let first = at("2027-01-01T00:00:00Z").timestamp() / CHUNK_SECONDS;
        for day in first..first + 400 {
            let list = kept.rule_day(&policy.rules, 0, day).unwrap();
            let fresh = policy.rules[0].intervals(day_interval(day).unwrap());
            assert_eq!(&list[..], &fresh[..]);
            // 288 five-minute fires a day.
            assert_eq!(list.len(), 288);
            let set = kept.set_day(&policy.rules, (1, ChangeKind::Deploy), &[0], &[1], day);
            assert_eq!(set.unwrap().denies.len(), 1);
            assert!(kept.rule_days.weight() <= rule_budget);
            assert!(kept.set_days.weight() <= set_budget);
        }
        // Full: the oldest days went, the latest stayed.
        assert!(kept.rule_days.len() < 400);
        assert!(kept.rule_days.get(&(0, first + 399)).is_some());
        // A day past what times can say is no kept day.
        assert!(kept.rule_day(&policy.rules, 0, i64::MAX / 2).is_none());
        assert!(kept.rule_day(&policy.rules, 7, first).is_none());
    }

    #[test]
    fn the_days_a_range_meets() {
        let range = |a: &str, b: &str| Interval::new(at(a), at(b));
        let day = |text: &str| at(text).timestamp() / CHUNK_SECONDS;
        let d = day("2027-02-01T00:00:00Z");
        assert_eq!(
            days_of(range("2027-02-01T00:00:00Z", "2027-02-02T00:00:00Z")),
            d..d + 1
        );
        assert_eq!(
            days_of(range("2027-01-31T23:59:59Z", "2027-02-02T00:00:00.5Z")),
            d - 1..d + 2
        );
        assert!(days_of(range("2027-02-01T10:00:00Z", "2027-02-01T10:00:00Z")).is_empty());
        // Before 1970: days count down, and a day still starts at UTC midnight.
        let old = range("1969-12-31T23:00:00Z", "1970-01-01T01:00:00Z");
        assert_eq!(days_of(old), -1..1);
        assert_eq!(day_interval(-1).unwrap().start, at("1969-12-31T00:00:00Z"));
        assert!(day_interval(i64::MAX).is_none());
    }
}
