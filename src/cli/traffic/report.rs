//! What `traffic` found, in one shape: the query and range, the threshold, the
//! windows and every slot of the profile. `--format json` prints it as it is;
//! the other formats are written from it.

use crate::time::duration::format_duration;
use crate::traffic::{Below, Profile, Run, from_to, slot_label};
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use chrono_tz::Tz;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub(super) struct Report {
    /// The server, without credentials.
    pub prometheus: String,
    pub query: String,
    pub zone: String,
    pub step: String,
    pub lookback: String,
    /// The first and the end of the range read, in the zone.
    pub from: String,
    pub to: String,
    /// `p25` or a value, as given.
    pub below: String,
    /// The value it comes to; `null` when no slot has data.
    pub threshold: Option<f64>,
    pub min_length: String,
    pub windows: Vec<Window>,
    pub slots: Vec<Slot>,
}

/// One window on the wall clock, Monday first.
#[derive(Debug, Serialize)]
pub(super) struct Window {
    pub from: String,
    pub to: String,
    pub length: String,
    #[serde(skip)]
    pub run: Run,
}

/// One slot of the profile.
#[derive(Debug, Serialize)]
pub(super) struct Slot {
    pub day: String,
    pub time: String,
    /// `null` when no sample fell in it.
    pub median: Option<f64>,
    pub samples: u32,
    pub low: bool,
}

/// What was asked, besides the profile.
pub(super) struct Asked<'a> {
    pub prometheus: &'a str,
    pub query: &'a str,
    pub zone: Tz,
    pub lookback: TimeDelta,
    pub end: DateTime<Utc>,
    pub below: Below,
    pub min_length: TimeDelta,
}

impl Report {
    pub fn new(asked: &Asked<'_>, profile: &Profile) -> Report {
        let step = profile.step();
        let threshold = profile.threshold(asked.below);
        let low =
            threshold.map_or_else(|| vec![false; profile.medians().len()], |t| profile.low(t));
        let windows = profile
            .windows(asked.below, asked.min_length)
            .into_iter()
            .map(|run| {
                let (from, to) = from_to(step, run);
                let length = step.delta() * i32::try_from(run.len).unwrap_or(i32::MAX);
                Window {
                    from,
                    to,
                    length: format_duration(length),
                    run,
                }
            })
            .collect();
        let slots = profile
            .medians()
            .iter()
            .zip(profile.samples())
            .enumerate()
            .map(|(i, (median, samples))| {
                let label = slot_label(step, i);
                let (day, time) = label.split_once(' ').unwrap_or((&label, ""));
                Slot {
                    day: day.to_string(),
                    time: time.to_string(),
                    median: *median,
                    samples: *samples,
                    low: low.get(i).copied().unwrap_or(false),
                }
            })
            .collect();
        let (first, last) = crate::traffic::range(asked.end, asked.lookback, step);
        let at = |t: DateTime<Utc>| {
            t.with_timezone(&asked.zone)
                .to_rfc3339_opts(SecondsFormat::Secs, false)
        };
        Report {
            prometheus: asked.prometheus.to_string(),
            query: asked.query.to_string(),
            zone: asked.zone.name().to_string(),
            step: format_duration(step.delta()),
            lookback: format_duration(asked.lookback),
            from: at(first),
            to: at(last + step.delta()),
            below: asked.below.to_string(),
            threshold,
            min_length: format_duration(asked.min_length),
            windows,
            slots,
        }
    }

    /// Slots in a day.
    pub fn per_day(&self) -> usize {
        self.slots.len() / 7
    }
}

/// A value for people: three significant figures or so, `-` for none.
pub(super) fn value(v: Option<f64>) -> String {
    match v {
        None => "-".into(),
        Some(v) if v.abs() >= 100.0 || v == v.trunc() => format!("{v:.0}"),
        Some(v) if v.abs() >= 10.0 => format!("{v:.1}"),
        Some(v) => format!("{v:.2}"),
    }
}
