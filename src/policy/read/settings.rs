//! One `[settings]` table: the set's zone and default durations, each with
//! where it was set (a key may be set in one file only; the loader checks that).

use super::toolkit::{Entry, FileCtx, duration, get, reject_unknown, zone};
use crate::policy::set::{MAX_HORIZON, MAX_LENGTH};
use crate::time::duration::{DurationStyle, format_duration_as};
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
            let d = duration(ctx, &e, min).filter(|d| within_cap(ctx, &e, *d));
            *slot = d.map(|d| (d, e.key_span.clone()));
        }
    }
    part
}

/// Whether `d`, read from `e` (`horizon`, `deploy_duration` or `monitoring`), is
/// within its cap; reports it when it is not.
fn within_cap(ctx: &mut FileCtx<'_>, e: &Entry<'_, '_>, d: TimeDelta) -> bool {
    let (cap, why) = if e.key == "horizon" {
        (
            MAX_HORIZON,
            "the searches for a next allowed start look ahead at most",
        )
    } else {
        (
            MAX_LENGTH,
            "a deploy, and the monitoring after it, last at most",
        )
    };
    if d <= cap {
        return true;
    }
    let policy = format_duration_as(cap, DurationStyle::Policy);
    ctx.error(
        &e.span(),
        format!("`{}` is longer than {policy}", e.key),
        Some(format!(
            "{why} {}; write `{} = \"{policy}\"` or less",
            format_duration_as(cap, DurationStyle::Words),
            e.key
        )),
    );
    false
}
