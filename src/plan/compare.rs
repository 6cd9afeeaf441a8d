//! `plan --compare`: the rolling / blue-green / canary table of the engineering
//! post this project grew from, made real for one service and environment. Every
//! `[[strategy]]` for it (and, on request, the three kinds on `N` synthetic
//! targets with the loader's defaults) is planned from the same start, and each
//! plan is boiled down to one [`Comparison`] row.
//!
//! Every figure comes from the plan (its rules are in `timeline.rs`) and so is an
//! estimate from `step_time`, `verify` and `pause`:
//!
//! - **deploy time**: `deploy_end − start` (keep-previous is not part of it);
//! - **all users after**: from the start until the step that first brings the
//!   share of users on the new version to 100 % has done its action — its start
//!   plus `step_time`, so the verify that closes that step is not counted (users
//!   are already on the new version while it runs). `None` for a plan that never
//!   reaches 100 % (the loader refuses such canary steps);
//! - **min capacity kept** / **peak extra capacity**: the minimum of
//!   `capacity_kept_pct` / the maximum of `extra_capacity_pct` over all steps,
//!   keep-previous included (the old colour is still running then);
//! - **blast radius**: the share of users on the new version after the first
//!   step that exposes any — what a bad version reaches before the first health
//!   verdict on real traffic (rolling batch 1 of 4: 25 %, blue-green: 100 % at the
//!   switch, canary at 5 %: 5 %);
//! - **rollback time**: the time until every user is back on the previous
//!   version in the worst case (a failure at the last step or during the
//!   monitoring), counted in `step_time`s the way the runner undoes a run:
//!   rolling and canary by targets roll back every deploy step, last first —
//!   `steps × step_time`; blue-green switches back to the kept colour — one
//!   `step_time`; canary by weight sets the weight to 0 — one `step_time` (the
//!   `rollback` of the canary pool that follows reaches no users and is not
//!   counted). An estimate: rollback hooks are not timed separately;
//! - **fits now**: the plan's §4 decision at the start (the whole plan plus its
//!   monitoring) is allowed;
//! - **next start**: [`crate::eval::next_allowed`] for the plan's request — the
//!   start itself when it fits now, `None` when nothing fits within the horizon.

use super::model::{Color, Plan, StepAction};
use super::timeline::{plan, request};
use crate::eval::{self, EvalError};
use crate::policy::{Batch, Hooks, OnWindowClose, PolicySet, Strategy, StrategyKind};
use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;

/// The synthetic canary's traffic weights (percent).
pub const SYNTHETIC_CANARY_STEPS: [u8; 4] = [5, 25, 50, 100];

/// One row of the comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The strategy's name; a synthetic one is named after its kind and targets,
    /// such as `rolling (4 targets)`.
    pub strategy: String,
    /// `rolling`, `blue-green` or `canary`.
    pub kind: &'static str,
    /// Built by `--targets N` rather than defined in the policy.
    pub synthetic: bool,
    pub deploy_time: TimeDelta,
    pub all_users_after: Option<TimeDelta>,
    pub min_capacity_kept_pct: f64,
    pub peak_extra_capacity_pct: f64,
    pub blast_radius_pct: f64,
    pub rollback_time: TimeDelta,
    pub fits_now: bool,
    pub next_start: Option<DateTime<Tz>>,
}

/// The strategies the policy defines for `service` in `env`, in policy order.
pub fn strategies_for<'p>(policy: &'p PolicySet, service: &str, env: &str) -> Vec<&'p Strategy> {
    policy
        .strategies
        .iter()
        .filter(|s| s.service == service && s.env == env)
        .collect()
}

/// The three kinds on `n` synthetic targets with the loader's defaults
/// (`step_time` 5m, `verify` 2m, `pause` 5m, `keep_previous` 1h, the policy's
/// monitoring): rolling `target-1..n` in batches of 1; blue-green with `n` blue
/// (`blue-1..n`, live) and `n` green (`green-1..n`) targets; canary by weight
/// through [`SYNTHETIC_CANARY_STEPS`]. In that order.
pub fn synthetic(service: &str, env: &str, n: usize) -> Vec<Strategy> {
    let names =
        |prefix: &str| -> Vec<String> { (1..=n).map(|i| format!("{prefix}-{i}")).collect() };
    let plural = if n == 1 { "target" } else { "targets" };
    let make = |name: String, kind: StrategyKind| Strategy {
        name,
        service: service.to_string(),
        env: env.to_string(),
        kind,
        step_time: TimeDelta::minutes(5),
        verify: TimeDelta::minutes(2),
        monitoring: None,
        on_window_close: OnWindowClose::Pause,
        max_pause: TimeDelta::hours(1),
        failure_limit: 1,
        health_interval: TimeDelta::seconds(10),
        hooks: Hooks::default(),
    };
    vec![
        make(
            format!("rolling ({n} {plural})"),
            StrategyKind::Rolling {
                targets: names("target"),
                batch: Batch::Count(1),
            },
        ),
        make(
            format!("blue-green ({n}+{n} targets)"),
            StrategyKind::BlueGreen {
                blue: names("blue"),
                green: names("green"),
                keep_previous: TimeDelta::hours(1),
            },
        ),
        make(
            format!("canary ({n} {plural})"),
            StrategyKind::Canary {
                steps: SYNTHETIC_CANARY_STEPS.to_vec(),
                pause: TimeDelta::minutes(5),
                targets: None,
            },
        ),
    ]
}

/// Every strategy for `service` in `env` (policy order), then, with `targets`,
/// the [`synthetic`] three, each planned from `at` and compared. `live` gives a
/// defined blue-green strategy's live colour (the synthetic one starts from blue).
pub fn compare(
    policy: &PolicySet,
    service: &str,
    env: &str,
    at: DateTime<Utc>,
    targets: Option<usize>,
    live: impl Fn(&Strategy) -> Color,
) -> Result<Vec<Comparison>, EvalError> {
    let mut rows = Vec::new();
    for s in strategies_for(policy, service, env) {
        rows.push(row(policy, s, at, live(s), false)?);
    }
    if let Some(n) = targets {
        for s in synthetic(service, env, n) {
            rows.push(row(policy, &s, at, Color::Blue, true)?);
        }
    }
    Ok(rows)
}

/// One strategy's row: its plan from `at`, boiled down.
pub fn row(
    policy: &PolicySet,
    strategy: &Strategy,
    at: DateTime<Utc>,
    live: Color,
    synthetic: bool,
) -> Result<Comparison, EvalError> {
    let plan = plan(policy, strategy, at, live)?;
    let next_start = eval::next_allowed(policy, &request(policy, strategy, at))?;
    Ok(figures(&plan, strategy, at, synthetic, next_start))
}

fn figures(
    plan: &Plan,
    strategy: &Strategy,
    at: DateTime<Utc>,
    synthetic: bool,
    next_start: Option<DateTime<Tz>>,
) -> Comparison {
    let deploy: Vec<_> = plan
        .steps
        .iter()
        .filter(|s| s.action != StepAction::KeepPrevious)
        .collect();
    let all_users_after = deploy
        .iter()
        .find(|s| s.new_version_share_pct >= 100.0)
        .map(|s| (s.start.to_utc() + strategy.step_time).min(s.end.to_utc()) - at);
    let blast_radius_pct = deploy
        .iter()
        .map(|s| s.new_version_share_pct)
        .find(|&share| share > 0.0)
        .unwrap_or(0.0);
    let min_capacity_kept_pct = plan
        .steps
        .iter()
        .map(|s| s.capacity_kept_pct)
        .fold(100.0, f64::min);
    let peak_extra_capacity_pct = plan
        .steps
        .iter()
        .map(|s| s.extra_capacity_pct)
        .fold(0.0, f64::max);
    let undo_steps = match &strategy.kind {
        StrategyKind::Rolling { .. }
        | StrategyKind::Canary {
            targets: Some(_), ..
        } => deploy
            .iter()
            .filter(|s| s.action == StepAction::Deploy)
            .count(),
        StrategyKind::BlueGreen { .. } | StrategyKind::Canary { targets: None, .. } => 1,
    };
    Comparison {
        strategy: plan.strategy.clone(),
        kind: plan.kind,
        synthetic,
        deploy_time: plan.deploy_end.to_utc() - at,
        all_users_after,
        min_capacity_kept_pct,
        peak_extra_capacity_pct,
        blast_radius_pct,
        rollback_time: i32::try_from(undo_steps)
            .ok()
            .and_then(|n| strategy.step_time.checked_mul(n))
            .unwrap_or(TimeDelta::MAX),
        fits_now: plan.decision.allowed,
        next_start,
    }
}
