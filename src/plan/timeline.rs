//! The timeline of a strategy: its steps laid out from a start time, and the
//! length of the deploy they make up.
//!
//! Every figure is an estimate from the strategy's `step_time`, `verify` and
//! `pause`; percentages are of the fleet serving the service before the deploy,
//! as `f64` rounded to two decimals.
//!
//! **rolling**, `N` targets, batch size `b = Batch::size(N)`: one `deploy` step per
//! batch, in target order (the last batch may be smaller: 5 targets in batches of
//! 2 are 2, 2, 1). Each step lasts `step_time + verify`. While a batch is out of
//! service the rest serve: capacity kept `(N − |batch|) / N`; no extra capacity;
//! the share of users on the new version after the step is the share of targets
//! updated so far. Four targets, batch 1: 75 % kept, shares 25, 50, 75, 100.
//!
//! **blue-green**, live colour `L` (the one serving now), idle colour `I`:
//! 1. `deploy` to `I`'s targets: `step_time + verify`, capacity kept 100, extra
//!    `|I| / |L|` (the idle colour runs beside the live one), share 0;
//! 2. `switch` to `I`: `step_time + verify`, kept 100, extra 100 (the old colour
//!    is still running, `|L| / |L|`), share 100. The deploy ends here;
//! 3. `keep-previous` on `L`'s targets, from the end of the deploy for
//!    `keep_previous` (left out when that is zero): kept 100, extra 100, share
//!    100. Informational — nothing runs, and it is not part of the deploy length.
//!
//! **canary by weight** (no `targets`):
//! 1. `deploy` of the new version into the canary pool: `step_time`, kept 100,
//!    extra 0, share 0. The canary pool is assumed to be scaled with its weight,
//!    so it needs no capacity before traffic reaches it;
//! 2. one `set-weight` step per weight `w` in `steps`: `step_time + pause` (the
//!    last one `step_time + verify`), kept 100, extra `w` (the canary pool sized
//!    for its share while the old pool still serves in full), share `w`.
//!
//! **canary by targets** (`targets`, `N` of them): for each step percentage `p`,
//! `c = ceil(p · N / 100)` targets run the new version; a step that rounds to no
//! more targets than the one before is left out. Each remaining step is a
//! `deploy` of the newly added targets: `step_time + pause` (the last one
//! `step_time + verify`), kept `(N − newly added) / N`, extra 0, share `c / N`.
//!
//! The deploy ends with the last step that is not informational; monitoring
//! (`strategy.monitoring`, else `settings.monitoring`) follows it. The decision is
//! the one `check` gives for the strategy's service and environment at the start, with the
//! plan's length as the duration, that monitoring, and change `deploy`.

use super::model::{Color, Plan, PlanStep, StepAction};
use crate::eval::{self, DeployRequest, EvalError};
use crate::policy::{PolicySet, Strategy, StrategyKind};
use chrono::{DateTime, TimeDelta, Utc};

/// The plan of `strategy` starting at `at`. `live` is the blue-green colour
/// serving now (the one the deploy moves traffic away from); other kinds ignore
/// it. Fails when the policy cannot decide the plan's guarded interval (an
/// exchange calendar's data does not cover it) or when a step, the deploy or its
/// monitoring would end after the supported years.
pub fn plan(
    policy: &PolicySet,
    strategy: &Strategy,
    at: DateTime<Utc>,
    live: Color,
) -> Result<Plan, EvalError> {
    let tz = policy.settings.timezone;
    // First, so a plan that would end after the supported years is refused before
    // any step is placed on the clock.
    let decision = eval::decide(policy, &request(policy, strategy, at))?;
    let last = crate::time::supported_end(tz);
    let out_of_range = || EvalError::OutOfRange {
        what: format!("the plan of `{}`", strategy.name),
    };
    let mut steps = Vec::new();
    let mut clock = at;
    let mut deploy_end = at;
    for (i, draft) in drafts(strategy, live).into_iter().enumerate() {
        // An informational step starts when the deploy ends and moves no clock.
        let start = if draft.informational {
            deploy_end
        } else {
            clock
        };
        let end = start
            .checked_add_signed(draft.length)
            .filter(|end| *end <= last)
            .ok_or_else(out_of_range)?;
        if !draft.informational {
            clock = end;
            deploy_end = end;
        }
        steps.push(PlanStep {
            index: i + 1,
            action: draft.action,
            targets: draft.targets,
            weight: draft.weight,
            color: draft.color,
            start: start.with_timezone(&tz),
            end: end.with_timezone(&tz),
            capacity_kept_pct: round2(draft.kept),
            extra_capacity_pct: round2(draft.extra),
            new_version_share_pct: round2(draft.share),
        });
    }
    let monitoring = monitoring(policy, strategy);
    // Checked by `decide`, whose guarded interval is this deploy and monitoring.
    let monitoring_end = deploy_end
        .checked_add_signed(monitoring)
        .ok_or_else(out_of_range)?;
    Ok(Plan {
        strategy: strategy.name.clone(),
        kind: strategy.kind.as_str(),
        service: strategy.service.clone(),
        env: strategy.env.clone(),
        steps,
        deploy_end: deploy_end.with_timezone(&tz),
        monitoring_end: monitoring_end.with_timezone(&tz),
        decision,
    })
}

/// How long the deploy takes: from the first step's start to the end of the last
/// step that is not informational. It does not depend on the start time or on
/// the blue-green live colour. A sum too large for a `TimeDelta` saturates: it is
/// still far past the supported years, and [`eval::decide`] refuses it.
pub fn deploy_length(strategy: &Strategy) -> TimeDelta {
    drafts(strategy, Color::Blue)
        .iter()
        .filter(|d| !d.informational)
        .try_fold(TimeDelta::zero(), |sum, d| sum.checked_add(&d.length))
        .unwrap_or(TimeDelta::MAX)
}

/// The monitoring held after the deploy: the strategy's, else `settings.monitoring`.
pub fn monitoring(policy: &PolicySet, strategy: &Strategy) -> TimeDelta {
    strategy.monitoring.unwrap_or(policy.settings.monitoring)
}

/// The §4 request for the whole plan starting at `at`: the strategy's service
/// and environment, change `deploy`, the plan's length and its monitoring.
pub fn request(policy: &PolicySet, strategy: &Strategy, at: DateTime<Utc>) -> DeployRequest {
    let mut req = DeployRequest::new(strategy.service.clone(), strategy.env.clone(), at);
    req.duration = Some(deploy_length(strategy));
    req.monitoring = Some(monitoring(policy, strategy));
    req
}

impl Plan {
    /// The deploy still ahead before `steps[step_index]` (0-based: the position
    /// in `steps`, which is `PlanStep::index - 1`): `deploy_end` minus that step's
    /// start. The runner re-checks this plus the monitoring before each step.
    /// Zero for an informational step and for an index past the end.
    pub fn remaining_length(&self, step_index: usize) -> TimeDelta {
        match self.steps.get(step_index) {
            Some(step) => (self.deploy_end - step.start).max(TimeDelta::zero()),
            None => TimeDelta::zero(),
        }
    }
}

/// A step before it is placed on the clock.
struct Draft {
    action: StepAction,
    targets: Vec<String>,
    weight: Option<u8>,
    color: Option<Color>,
    length: TimeDelta,
    kept: f64,
    extra: f64,
    share: f64,
    /// Shown in the timeline, not part of the deploy (blue-green keep-previous).
    informational: bool,
}

impl Draft {
    fn new(action: StepAction, targets: Vec<String>, length: TimeDelta) -> Draft {
        Draft {
            action,
            targets,
            weight: None,
            color: None,
            length,
            kept: 100.0,
            extra: 0.0,
            share: 0.0,
            informational: false,
        }
    }
}

/// `part / whole` in percent; 0 for an empty whole (loading refuses empty
/// target lists, so only a hand-built strategy can get here).
fn pct(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn drafts(s: &Strategy, live: Color) -> Vec<Draft> {
    let step_verify = s.step_time + s.verify;
    match &s.kind {
        StrategyKind::Rolling { targets, batch } => {
            let n = targets.len();
            let size = batch.size(n);
            let mut done = 0;
            targets
                .chunks(size)
                .map(|chunk| {
                    done += chunk.len();
                    Draft {
                        kept: pct(n - chunk.len(), n),
                        share: pct(done, n),
                        ..Draft::new(StepAction::Deploy, chunk.to_vec(), step_verify)
                    }
                })
                .collect()
        }
        StrategyKind::BlueGreen {
            blue,
            green,
            keep_previous,
        } => {
            let idle = live.other();
            let members = |c: Color| match c {
                Color::Blue => blue,
                Color::Green => green,
            };
            let (live_targets, idle_targets) = (members(live), members(idle));
            let mut out = vec![
                Draft {
                    color: Some(idle),
                    extra: pct(idle_targets.len(), live_targets.len()),
                    ..Draft::new(StepAction::Deploy, idle_targets.clone(), step_verify)
                },
                Draft {
                    color: Some(idle),
                    extra: 100.0,
                    share: 100.0,
                    ..Draft::new(StepAction::Switch, idle_targets.clone(), step_verify)
                },
            ];
            if *keep_previous > TimeDelta::zero() {
                out.push(Draft {
                    color: Some(live),
                    extra: 100.0,
                    share: 100.0,
                    informational: true,
                    ..Draft::new(
                        StepAction::KeepPrevious,
                        live_targets.clone(),
                        *keep_previous,
                    )
                });
            }
            out
        }
        StrategyKind::Canary {
            steps,
            pause,
            targets: None,
        } => {
            let mut out = vec![Draft::new(StepAction::Deploy, Vec::new(), s.step_time)];
            for (i, &w) in steps.iter().enumerate() {
                let wait = if i + 1 == steps.len() {
                    s.verify
                } else {
                    *pause
                };
                out.push(Draft {
                    weight: Some(w),
                    extra: f64::from(w),
                    share: f64::from(w),
                    ..Draft::new(StepAction::SetWeight, Vec::new(), s.step_time + wait)
                });
            }
            out
        }
        StrategyKind::Canary {
            steps,
            pause,
            targets: Some(targets),
        } => {
            let n = targets.len();
            let mut out: Vec<Draft> = Vec::new();
            let mut before = 0;
            for &p in steps {
                let count = (usize::from(p) * n).div_ceil(100).min(n);
                if count <= before {
                    continue;
                }
                out.push(Draft {
                    kept: pct(n - (count - before), n),
                    share: pct(count, n),
                    ..Draft::new(
                        StepAction::Deploy,
                        targets[before..count].to_vec(),
                        s.step_time + *pause,
                    )
                });
                before = count;
            }
            if let Some(last) = out.last_mut() {
                last.length = s.step_time + s.verify;
            }
            out
        }
    }
}
