//! One `[settings]` table: the set's zone and default durations, each with
//! where it was set (a key may be set in one file only; the loader checks that).

use super::toolkit::{FileCtx, duration, get, reject_unknown, zone};
use chrono::TimeDelta;
use chrono_tz::Tz;
use std::ops::Range;
use toml::de::DeTable;

/// One `[settings]` table's keys, each with where it was set.
#[derive(Default)]
pub(crate) struct SettingsPart {
    pub timezone: Option<(Tz, Range<usize>)>,
    pub deploy_duration: Option<(TimeDelta, Range<usize>)>,
    pub monitoring: Option<(TimeDelta, Range<usize>)>,
    pub horizon: Option<(TimeDelta, Range<usize>)>,
}

pub(crate) const SETTINGS_KEYS: [&str; 4] =
    ["timezone", "deploy_duration", "monitoring", "horizon"];

pub(crate) fn settings_part(ctx: &mut FileCtx<'_>, table: &DeTable<'_>) -> SettingsPart {
    reject_unknown(ctx, table, "[settings]", &SETTINGS_KEYS, |_| None);
    let mut part = SettingsPart::default();
    if let Some(e) = get(table, "timezone") {
        part.timezone = zone(ctx, &e).map(|tz| (tz, e.key_span.clone()));
    }
    for (key, slot) in [
        ("deploy_duration", &mut part.deploy_duration),
        ("monitoring", &mut part.monitoring),
        ("horizon", &mut part.horizon),
    ] {
        if let Some(e) = get(table, key) {
            // No monitoring is a choice; no deploy or no horizon is a mistake.
            let min = if key == "monitoring" {
                TimeDelta::zero()
            } else {
                TimeDelta::seconds(1)
            };
            *slot = duration(ctx, &e, min).map(|d| (d, e.key_span.clone()));
        }
    }
    part
}
