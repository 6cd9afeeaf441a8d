//! Warnings: rules that load but are almost certainly not what their writer
//! meant — a cron expression whose two day fields are ORed, a one-time rule
//! wholly in the past, a window that never opens for what it names. Each is a
//! diagnostic at its place, like an error, but the set still loads.

use super::toolkit::{FileCtx, and_list, get};
use crate::calendar::{Interval, complement, merge};
use crate::policy::rule::{ChangeKind, Rule, RuleKind, RuleSource};
use crate::time::cron::Cron;
use crate::time::spec::TimeSpec;
use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use toml::de::DeTable;

/// How many fires a cron warning shows: enough to see the OR at work.
const FIRES_SHOWN: usize = 4;

/// How far ahead a window is looked at for an opening: a year sees every
/// weekday, month and season a rule can name.
const LOOK_AHEAD: TimeDelta = TimeDelta::days(366);

/// Warnings about one rule's time spec, read as `spec` in `tz`.
pub(crate) fn spec_warnings(
    ctx: &mut FileCtx<'_>,
    table: &DeTable<'_>,
    kind: RuleKind,
    spec: &TimeSpec,
    tz: Tz,
    now: DateTime<Utc>,
) {
    match spec {
        TimeSpec::CronFor { cron, .. } => ored_days(ctx, table, "cron", cron, tz, now),
        TimeSpec::CronUntil { cron, until } => {
            ored_days(ctx, table, "cron", cron, tz, now);
            ored_days(ctx, table, "until_cron", until, tz, now);
        }
        TimeSpec::Once { end, .. } if *end <= now => {
            let Some(e) = get(table, "end_at") else {
                return;
            };
            let (what, effect) = match kind {
                RuleKind::Window => ("window", "it can never open again"),
                RuleKind::Freeze | RuleKind::Market => ("freeze", "it can never apply again"),
            };
            ctx.warn(
                &e.span(),
                format!(
                    "this {what} ended at {}, in the past: {effect}",
                    end.with_timezone(&tz).format("%a %Y-%m-%d %H:%M %Z")
                ),
                Some(
                    "remove the rule, or correct its dates if it was meant for a later year".into(),
                ),
            );
        }
        TimeSpec::Daily { .. } | TimeSpec::Weekly { .. } | TimeSpec::Once { .. } => {}
    }
}

/// `0 0 22-28 11 thu` fires on every day of 22–28 November *and* on every
/// Thursday of November: the Vixie rule most readers take for "and".
fn ored_days(
    ctx: &mut FileCtx<'_>,
    table: &DeTable<'_>,
    key: &str,
    cron: &Cron,
    tz: Tz,
    now: DateTime<Utc>,
) {
    if !cron.days_are_ored() {
        return;
    }
    let Some(e) = get(table, key) else {
        return;
    };
    let mut fires = Vec::new();
    let mut after = now;
    while fires.len() < FIRES_SHOWN {
        let Some(t) = cron.next_fire(tz, after, false) else {
            break;
        };
        fires.push(t.with_timezone(&tz).format("%a %Y-%m-%d %H:%M").to_string());
        after = t;
    }
    let shown = if fires.is_empty() {
        String::new()
    } else {
        format!("; its next fires are {}", fires.join(", "))
    };
    ctx.warn(
        &e.span(),
        format!(
            "`{key}`: `{}` restricts both day-of-month and day-of-week, so it fires on a day that matches either one, not both{shown}",
            cron.source()
        ),
        Some(
            "cron cannot say \"the 4th Thursday\": use a calendar (`ics`, with `RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=4TH`) or one-time rules (`start_at`/`end_at`); leave one day field `*` to mean just the other".into(),
        ),
    );
}

/// The most window × freeze pairs looked at: the check runs on every load, so
/// a policy set with thousands of rules skips it rather than slow every decision.
const MAX_PAIRS: usize = 2_000;

/// The most services × environments a window is looked at for.
const MAX_PROBES: usize = 16;

/// The time specs whose year of intervals is small (a few hundred at most):
/// the only ones this check expands. A cron can fire every minute.
fn bounded(source: &RuleSource) -> bool {
    matches!(
        source,
        RuleSource::Spec(TimeSpec::Daily { .. } | TimeSpec::Weekly { .. } | TimeSpec::Once { .. })
    )
}

/// The windows (by index in `rules`) that never open in the year after `now`
/// for any service and environment they name, because freezes that apply to
/// those cover every one of their openings; with why. A window naming no plain
/// service (a glob, or all) is looked at for any service, so only freezes that
/// apply to every service count. Only daily, weekly and one-time specs are
/// expanded (calendars and markets may have no data that far, a cron may fire
/// every minute), so a warning is never a guess and the work stays small.
pub(crate) fn windows_that_never_open(rules: &[Rule], now: DateTime<Utc>) -> Vec<(usize, String)> {
    let range = Interval::new(now, now + LOOK_AHEAD);
    let within = |r: &Rule| {
        merge(
            r.intervals(range)
                .into_iter()
                .map(|iv| iv.clip(&range))
                .filter(|iv| !iv.is_empty())
                .collect(),
        )
    };
    let windows: Vec<(usize, &Rule)> = rules
        .iter()
        .enumerate()
        .filter(|(_, r)| r.kind == RuleKind::Window && bounded(&r.source))
        .collect();
    let freezes: Vec<&Rule> = rules
        .iter()
        .filter(|r| {
            r.kind == RuleKind::Freeze
                && !r.exempt.contains(&ChangeKind::Deploy)
                && bounded(&r.source)
        })
        .collect();
    if windows.len().saturating_mul(freezes.len().max(1)) > MAX_PAIRS {
        return Vec::new();
    }
    let freezes: Vec<(&Rule, Vec<Interval>)> =
        freezes.into_iter().map(|r| (r, within(r))).collect();
    let mut found = Vec::new();
    for (i, w) in windows {
        let opens = within(w);
        if opens.is_empty() {
            // A one-time window already past is reported at its `end_at`.
            if !matches!(w.source, RuleSource::Spec(TimeSpec::Once { .. })) {
                found.push((i, "this window never opens in the coming year".to_string()));
            }
            continue;
        }
        let probes = |names: Option<Vec<&str>>| match names {
            Some(list) => list.into_iter().map(|n| Some(n.to_string())).collect(),
            None => vec![None],
        };
        let services: Vec<Option<String>> = probes(w.services.plain_names());
        let envs: Vec<Option<String>> = probes(w.envs.plain_names());
        if services.len().saturating_mul(envs.len()) > MAX_PROBES {
            continue;
        }
        let scoped = |scope: &crate::policy::Scope, name: &Option<String>| match name {
            Some(n) => scope.matches(n),
            None => scope.is_everything(),
        };
        let mut blockers: Vec<&str> = Vec::new();
        let mut never = true;
        'probe: for service in &services {
            for env in &envs {
                let applying: Vec<&(&Rule, Vec<Interval>)> = freezes
                    .iter()
                    .filter(|(r, _)| scoped(&r.services, service) && scoped(&r.envs, env))
                    .collect();
                let closed = merge(
                    applying
                        .iter()
                        .flat_map(|(_, l)| l.iter().copied())
                        .collect(),
                );
                let still_open = opens
                    .iter()
                    .any(|o| !complement(&closed, *o).iter().all(Interval::is_empty));
                if still_open {
                    never = false;
                    break 'probe;
                }
                for (r, list) in applying {
                    let meets = list.iter().any(|f| opens.iter().any(|o| f.overlaps(o)));
                    if meets && !blockers.contains(&r.name.as_str()) {
                        blockers.push(&r.name);
                    }
                }
            }
        }
        if never {
            let named: Vec<String> = blockers.iter().map(|b| format!("`{b}`")).collect();
            let (noun, verb) = if named.len() == 1 {
                ("freeze", "covers")
            } else {
                ("freezes", "cover")
            };
            found.push((
                i,
                format!(
                    "this window never opens: {noun} {} {verb} every opening in the coming year for what it names",
                    and_list(&named)
                ),
            ));
        }
    }
    found
}
