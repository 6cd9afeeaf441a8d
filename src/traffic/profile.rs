//! The weekly traffic profile: per weekday × time-of-day slot of the step, in
//! the zone's wall clock, the median of the samples that fell in the slot over
//! the lookback; the threshold that marks a slot low; and the runs of low
//! slots that become windows. Pure: no IO, no clock.
//!
//! Why these choices:
//! - The **median**, not the mean: one holiday spike or one outage in four
//!   weeks is one value of four in its slots, and moves the median not at all
//!   (the mean would move by a quarter of the spike).
//! - A slot **with no samples** is never low: missing data is not "no
//!   traffic", it is not knowing.
//! - Slots are **wall-clock** slots: the 01:00 slot is 01:00 on the clock in
//!   the zone, in summer and winter alike, as a `[[window]]` reads its times.
//!   On a spring-forward day the skipped hour's slots get no sample that week;
//!   on a fall-back day the repeated hour's slots get two.
//! - Runs wrap midnight and the week (Sunday night into Monday morning is one
//!   run), and runs shorter than `min_length` are dropped.

use super::prometheus::Sample;
use crate::time::SyntaxError;
use crate::time::civil::to_civil;
use chrono::{Datelike, TimeDelta, Timelike, Weekday};
use chrono_tz::Tz;

/// Minutes in a day.
const DAY_MINUTES: u32 = 24 * 60;
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// The slot length: whole minutes that divide a day (`15m`, `1h`, `2h`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step(u32);

impl Step {
    pub fn new(d: TimeDelta) -> Result<Step, SyntaxError> {
        let minutes = d.num_minutes();
        let bad = || {
            SyntaxError::new(format!(
                "a step of {} does not divide a day into whole-minute slots",
                crate::time::duration::format_duration(d)
            ))
            .with_help("use a step like `15m`, `30m`, `1h` or `2h`")
        };
        if d.num_seconds() % 60 != 0 || minutes < 1 || minutes > i64::from(DAY_MINUTES) {
            return Err(bad());
        }
        let minutes = u32::try_from(minutes).map_err(|_| bad())?;
        if !DAY_MINUTES.is_multiple_of(minutes) {
            return Err(bad());
        }
        Ok(Step(minutes))
    }

    pub fn minutes(self) -> u32 {
        self.0
    }

    pub fn delta(self) -> TimeDelta {
        TimeDelta::minutes(i64::from(self.0))
    }

    /// Slots in a day.
    pub fn per_day(self) -> usize {
        (DAY_MINUTES / self.0) as usize
    }
}

/// Which slots are low: at or below a percentile of the slot medians, or at or
/// below a value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Below {
    /// `p25`: the nearest-rank percentile of the medians of the slots with data.
    Percentile(u8),
    /// `120` or `0.5`: in the query's own unit.
    Value(f64),
}

impl Below {
    /// `p25` (0 to 100) or a number.
    pub fn parse(text: &str) -> Result<Below, SyntaxError> {
        let t = text.trim();
        let help = "write a percentile of the slot medians like `p25`, or a value in the query's unit like `120`";
        if let Some(p) = t.strip_prefix('p').or_else(|| t.strip_prefix('P')) {
            return match p.parse::<u8>() {
                Ok(n) if n <= 100 => Ok(Below::Percentile(n)),
                _ => Err(
                    SyntaxError::new(format!("`{text}` is not a percentile from p0 to p100"))
                        .with_help(help),
                ),
            };
        }
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Below::Value(v)),
            _ => Err(SyntaxError::new(format!("`{text}` is not a threshold")).with_help(help)),
        }
    }
}

impl std::fmt::Display for Below {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Below::Percentile(p) => write!(f, "p{p}"),
            Below::Value(v) => write!(f, "{v}"),
        }
    }
}

/// The weekly profile: for each slot (Monday 00:00 first), the median of its
/// samples and how many there were.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Profile {
    step_minutes: u32,
    /// `None` where the slot had no sample.
    medians: Vec<Option<f64>>,
    samples: Vec<u32>,
}

/// A run of consecutive low slots, possibly wrapping the week's end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    /// The first slot (0 is Monday 00:00).
    pub start: usize,
    /// How many slots; the whole week when every slot is low.
    pub len: usize,
}

impl Profile {
    /// The profile of `samples` in `tz`'s wall clock.
    pub fn build(samples: &[Sample], tz: Tz, step: Step) -> Profile {
        let n = step.per_day() * 7;
        let mut by_slot: Vec<Vec<f64>> = vec![Vec::new(); n];
        for (at, value) in samples {
            if !value.is_finite() {
                continue;
            }
            let wall = to_civil(tz, *at);
            let minute = wall.hour() * 60 + wall.minute();
            let day = wall.weekday().num_days_from_monday() as usize;
            let slot = day * step.per_day() + (minute / step.0) as usize;
            if let Some(values) = by_slot.get_mut(slot) {
                values.push(*value);
            }
        }
        let samples = by_slot
            .iter()
            .map(|v| u32::try_from(v.len()).unwrap_or(u32::MAX))
            .collect();
        let medians = by_slot.into_iter().map(median).collect();
        Profile {
            step_minutes: step.0,
            medians,
            samples,
        }
    }

    /// A profile of given slot medians (Monday 00:00 first), for tests and
    /// for reading one back.
    pub fn from_medians(step: Step, medians: Vec<Option<f64>>) -> Option<Profile> {
        (medians.len() == step.per_day() * 7).then(|| Profile {
            step_minutes: step.0,
            samples: medians.iter().map(|m| u32::from(m.is_some())).collect(),
            medians,
        })
    }

    pub fn step(&self) -> Step {
        Step(self.step_minutes)
    }

    /// Whether this profile is whole (as read back from a cache).
    pub fn is_consistent(&self) -> bool {
        Step::new(TimeDelta::minutes(i64::from(self.step_minutes))).is_ok()
            && self.medians.len() == self.step().per_day() * 7
            && self.samples.len() == self.medians.len()
    }

    pub fn medians(&self) -> &[Option<f64>] {
        &self.medians
    }

    pub fn samples(&self) -> &[u32] {
        &self.samples
    }

    /// The value at or below which a slot is low; `None` when no slot has data.
    pub fn threshold(&self, below: Below) -> Option<f64> {
        let mut known: Vec<f64> = self.medians.iter().flatten().copied().collect();
        if known.is_empty() {
            return None;
        }
        match below {
            Below::Value(v) => Some(v),
            Below::Percentile(p) => {
                known.sort_by(f64::total_cmp);
                // Nearest rank: the smallest median with at least p% of the
                // medians at or below it.
                let rank = (usize::from(p) * known.len()).div_ceil(100).max(1);
                known.get(rank - 1).copied()
            }
        }
    }

    /// Which slots are low: with data, and at or below `threshold`.
    pub fn low(&self, threshold: f64) -> Vec<bool> {
        self.medians
            .iter()
            .map(|m| m.is_some_and(|v| v <= threshold))
            .collect()
    }

    /// The runs of low slots at least `min_length` long, by their first slot.
    pub fn windows(&self, below: Below, min_length: TimeDelta) -> Vec<Run> {
        let Some(threshold) = self.threshold(below) else {
            return Vec::new();
        };
        let step = self.step().delta();
        runs(&self.low(threshold))
            .into_iter()
            .filter(|r| step * i32::try_from(r.len).unwrap_or(i32::MAX) >= min_length)
            .collect()
    }

    /// `mon 01:00` for slot `i` (the slot index wraps the week).
    pub fn slot_label(&self, i: usize) -> String {
        slot_label(self.step(), i)
    }
}

/// `mon 01:00` for slot `i` of a week of `step` slots (wrapping).
pub fn slot_label(step: Step, i: usize) -> String {
    let i = i % (step.per_day() * 7);
    let day = DAYS[i / step.per_day()];
    let minute = (i % step.per_day()) as u32 * step.0;
    format!("{day} {:02}:{:02}", minute / 60, minute % 60)
}

/// The weekday of slot `i`.
pub fn slot_day(step: Step, i: usize) -> Weekday {
    let days = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];
    days[(i % (step.per_day() * 7)) / step.per_day()]
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    })
}

/// The runs of `true` in a circular week, by their first slot.
pub(crate) fn runs(low: &[bool]) -> Vec<Run> {
    let n = low.len();
    if n == 0 {
        return Vec::new();
    }
    // Start just after a slot that is not low, so no run is cut in two.
    let Some(gap) = low.iter().position(|l| !l) else {
        return vec![Run { start: 0, len: n }];
    };
    let mut out = Vec::new();
    let mut current: Option<Run> = None;
    for k in 1..=n {
        let i = (gap + k) % n;
        match (low[i], current.as_mut()) {
            (true, Some(run)) => run.len += 1,
            (true, None) => current = Some(Run { start: i, len: 1 }),
            (false, _) => out.extend(current.take()),
        }
    }
    out.extend(current);
    out.sort_by_key(|r| r.start);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, NaiveDate, Utc};

    fn step(m: i64) -> Step {
        Step::new(TimeDelta::minutes(m)).unwrap()
    }

    /// Hourly medians from a function of (day 0..7, hour 0..24).
    fn hourly(f: impl Fn(usize, usize) -> Option<f64>) -> Profile {
        let medians = (0..7)
            .flat_map(|d| (0..24).map(move |h| (d, h)))
            .map(|(d, h)| f(d, h))
            .collect();
        Profile::from_medians(step(60), medians).unwrap()
    }

    fn labels(p: &Profile, runs: &[Run]) -> Vec<(String, String)> {
        runs.iter()
            .map(|r| (p.slot_label(r.start), p.slot_label(r.start + r.len)))
            .collect()
    }

    fn at(tz: Tz, y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        let civil = NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap();
        crate::time::civil::to_instant(tz, civil, crate::time::civil::Edge::Start)
    }

    #[test]
    fn the_median_ignores_one_holiday_and_one_outage() {
        let tz = chrono_tz::Europe::Berlin;
        // Four Mondays at 03:00: 10, 10, a holiday spike of 900, an outage of 0.
        let samples: Vec<Sample> = [(2, 10.0), (9, 12.0), (16, 900.0), (23, 0.0)]
            .iter()
            .map(|(d, v)| (at(tz, 2026, 11, *d, 3, 0), *v))
            .collect();
        let p = Profile::build(&samples, tz, step(60));
        // Mon 03:00 is slot 3: the median of 0, 10, 12, 900 is 11.
        assert_eq!(p.medians()[3], Some(11.0));
        assert_eq!(p.samples()[3], 4);
        assert_eq!(p.medians()[4], None);
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
    }

    #[test]
    fn samples_fall_in_wall_clock_slots_across_dst() {
        // Berlin: 29 March 2026 springs forward 02:00 → 03:00; 25 October 2026
        // falls back 03:00 → 02:00.
        let tz = chrono_tz::Europe::Berlin;
        let samples: Vec<Sample> = vec![
            // 01:30 UTC on 29 March is 03:30 CEST: the 02:00 slot gets nothing.
            (
                DateTime::parse_from_rfc3339("2026-03-29T01:30:00Z")
                    .unwrap()
                    .to_utc(),
                5.0,
            ),
            // 00:30 and 01:30 UTC on 25 October are both 02:30 on the clock.
            (
                DateTime::parse_from_rfc3339("2026-10-25T00:30:00Z")
                    .unwrap()
                    .to_utc(),
                7.0,
            ),
            (
                DateTime::parse_from_rfc3339("2026-10-25T01:30:00Z")
                    .unwrap()
                    .to_utc(),
                9.0,
            ),
        ];
        let p = Profile::build(&samples, tz, step(60));
        let sun = 6 * 24;
        assert_eq!(
            p.medians()[sun + 3],
            Some(5.0),
            "Sun 03:00 on spring-forward"
        );
        assert_eq!(p.samples()[sun + 2], 2, "Sun 02:00 twice on fall-back");
        assert_eq!(p.medians()[sun + 2], Some(8.0));
    }

    #[test]
    fn a_percentile_is_the_nearest_rank_of_the_slot_medians_with_data() {
        // 168 hourly slots: values 1..=100 on the first 100, no data on the rest.
        let p = hourly(|d, h| {
            let i = d * 24 + h;
            (i < 100).then(|| (i + 1) as f64)
        });
        assert_eq!(p.threshold(Below::Percentile(25)), Some(25.0));
        assert_eq!(p.threshold(Below::Percentile(0)), Some(1.0));
        assert_eq!(p.threshold(Below::Percentile(100)), Some(100.0));
        assert_eq!(p.threshold(Below::Value(7.5)), Some(7.5));
        let empty = hourly(|_, _| None);
        assert_eq!(empty.threshold(Below::Percentile(25)), None);
        assert!(
            empty
                .windows(Below::Value(1e9), TimeDelta::zero())
                .is_empty()
        );
    }

    #[test]
    fn slots_with_no_data_are_never_chosen() {
        // Quiet everywhere except Tuesday 02:00–04:00, where there is no data.
        let p = hourly(|d, h| (!(d == 1 && (2..4).contains(&h))).then_some(1.0));
        let got = p.windows(Below::Value(5.0), TimeDelta::zero());
        assert_eq!(
            labels(&p, &got),
            vec![("tue 04:00".to_string(), "tue 02:00".to_string())],
            "one run around the gap, wrapping the week"
        );
        assert_eq!(got[0].len, 166);
    }

    #[test]
    fn runs_wrap_midnight_and_the_week_and_short_ones_are_dropped() {
        // Low: every night 23:00–05:00 (Sunday's running into Monday), and a
        // one-hour dip on Wednesday 13:00.
        let p = hourly(|d, h| {
            let low = !(5..23).contains(&h) || (d == 2 && h == 13);
            Some(if low { 10.0 } else { 100.0 })
        });
        let got = p.windows(Below::Value(10.0), TimeDelta::hours(2));
        let want: Vec<(String, String)> = [
            ("mon 23:00", "tue 05:00"),
            ("tue 23:00", "wed 05:00"),
            ("wed 23:00", "thu 05:00"),
            ("thu 23:00", "fri 05:00"),
            ("fri 23:00", "sat 05:00"),
            ("sat 23:00", "sun 05:00"),
            ("sun 23:00", "mon 05:00"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        // Monday 00:00–05:00 is the end of Sunday's run, not a run of its own.
        let mut got_labels = labels(&p, &got);
        got_labels.sort();
        let mut want_sorted = want.clone();
        want_sorted.sort();
        assert_eq!(got_labels, want_sorted);
        // Without a minimum, the Wednesday dip is a window too.
        let all = p.windows(Below::Value(10.0), TimeDelta::zero());
        assert_eq!(all.len(), 8);
        assert!(labels(&p, &all).contains(&("wed 13:00".into(), "wed 14:00".into())));
        // Exactly min_length is kept.
        assert_eq!(p.windows(Below::Value(10.0), TimeDelta::hours(6)).len(), 7);
        assert_eq!(p.windows(Below::Value(10.0), TimeDelta::hours(7)).len(), 0);
    }

    #[test]
    fn a_week_that_is_all_low_is_one_run() {
        let p = hourly(|_, _| Some(1.0));
        assert_eq!(
            p.windows(Below::Percentile(25), TimeDelta::zero()),
            vec![Run { start: 0, len: 168 }]
        );
    }

    #[test]
    fn steps_and_thresholds_are_read_or_refused_with_help() {
        assert_eq!(step(15).per_day(), 96);
        for bad in [7, 0, 1441, 25 * 60] {
            let e = Step::new(TimeDelta::minutes(bad)).unwrap_err();
            assert!(e.help.is_some(), "{bad}");
        }
        assert!(Step::new(TimeDelta::seconds(90)).is_err());
        assert_eq!(Below::parse("p25").unwrap(), Below::Percentile(25));
        assert_eq!(Below::parse("120").unwrap(), Below::Value(120.0));
        assert_eq!(Below::parse("0.5").unwrap(), Below::Value(0.5));
        for bad in ["p101", "p", "low", "NaN", "inf", "p-1"] {
            let e = Below::parse(bad).unwrap_err();
            assert!(e.message.contains(bad) && e.help.is_some(), "{bad}: {e}");
        }
    }

    #[test]
    fn slot_labels_wrap_the_week() {
        assert_eq!(slot_label(step(15), 0), "mon 00:00");
        assert_eq!(slot_label(step(15), 95), "mon 23:45");
        assert_eq!(slot_label(step(15), 7 * 96), "mon 00:00");
        assert_eq!(slot_label(step(60), 6 * 24 + 23), "sun 23:00");
    }
}
