//! What a `[[window]]` with `traffic` holds: what it asks Prometheus, the copy
//! of the profile in use (and how fresh it is), and the weekly spans derived
//! from it, which are the window's times.

use super::fetch::{ProfileCopy, ProfileQuery};
use super::profile::{Below, Run};
use super::spans::{from_to, time_spec};
use crate::calendar::{Interval, merge};
use crate::credentials;
use crate::time::spec::TimeSpec;
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use chrono_tz::Tz;

/// The `traffic = { … }` of a window, as read.
#[derive(Debug, Clone, PartialEq)]
pub struct TrafficSpec {
    pub query: ProfileQuery,
    pub below: Below,
    pub min_length: TimeDelta,
    pub refresh: TimeDelta,
    /// The environment variable holding a bearer token, if any.
    pub token_env: Option<String>,
}

/// A window's times from traffic: the spec, the profile copy in use, and the
/// runs of low slots it gives.
#[derive(Debug, Clone)]
pub struct TrafficSource {
    pub spec: TrafficSpec,
    pub copy: ProfileCopy,
    pub runs: Vec<Run>,
    spans: Vec<TimeSpec>,
}

impl TrafficSource {
    pub fn new(spec: TrafficSpec, copy: ProfileCopy) -> TrafficSource {
        let runs = copy.profile.windows(spec.below, spec.min_length);
        let step = copy.profile.step();
        let spans = runs.iter().filter_map(|r| time_spec(step, *r)).collect();
        TrafficSource {
            spec,
            copy,
            runs,
            spans,
        }
    }

    /// The window's intervals that overlap `range`, unclipped, merged. No runs
    /// (nothing low, or no data) is no window at all: the rule never opens.
    pub fn intervals(&self, tz: Tz, range: Interval) -> Vec<Interval> {
        merge(
            self.spans
                .iter()
                .flat_map(|s| s.intervals(tz, range))
                .collect(),
        )
    }

    /// The derived windows on the wall clock: `[("sun 22:00", "mon 05:00"), …]`.
    pub fn windows(&self) -> Vec<(String, String)> {
        let step = self.copy.profile.step();
        self.runs.iter().map(|r| from_to(step, *r)).collect()
    }

    /// `sun 22:00-mon 05:00, tue 01:00-05:00`, for messages and `validate`.
    pub fn describe(&self) -> String {
        if self.runs.is_empty() {
            return "no window (no slot at or below the threshold)".into();
        }
        self.windows()
            .iter()
            .map(
                |(from, to)| match (from.split_once(' '), to.split_once(' ')) {
                    (Some((d1, t1)), Some((d2, t2))) if d1 == d2 && t1 < t2 => {
                        format!("{d1} {t1}-{t2}")
                    }
                    _ => format!("{from}-{to}"),
                },
            )
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `fetched 2026-11-16T00:00:00-05:00, refresh failed: …` while an older
    /// copy is in use because the last refresh failed.
    pub fn stale(&self, tz: Tz) -> Option<String> {
        let error = self.copy.error.as_ref()?;
        Some(format!(
            "fetched {}, refresh failed: {error}",
            self.copy
                .fetched_at
                .with_timezone(&tz)
                .to_rfc3339_opts(SecondsFormat::Secs, false)
        ))
    }

    /// When the profile is due for a refresh.
    pub fn refresh_due(&self) -> DateTime<Utc> {
        self.copy.checked_at + self.spec.refresh
    }

    /// The server's address, for messages (no credentials).
    pub fn address(&self) -> String {
        credentials::strip(&self.spec.query.prometheus)
    }
}
