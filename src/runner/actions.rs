//! Which hook calls carry out a step, and which undo a run: pure, so the order
//! of every call is tested without running anything.
//!
//! Forward: rolling and canary by targets call `deploy` once per target of
//! the step; blue-green calls `deploy` with `{color}` (once, or per target of
//! the colour when its argv uses `{target}`) and `switch` with `{color}`;
//! canary by weight calls `deploy` once (per target of the pool when the argv
//! uses `{target}`) and `set_weight` with `{weight}`; `keep-previous` runs
//! nothing.
//!
//! Rollback, in reverse of what was started: rolling and canary by targets
//! call `rollback` per target of each started step, last step first, targets
//! in reverse; blue-green switches back to the old colour if it had switched
//! (nothing else: the old colour still runs the old version); canary by
//! weight sets the weight to 0, then calls `rollback`.

use super::hooks::HookName;
use super::journal::{StepRecord, UndoRecord};
use crate::plan::{Color, StepAction};
use crate::policy::{Hook, Hooks, StrategyKind};
use std::collections::BTreeSet;

/// One hook call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub hook: HookName,
    /// The step it belongs to (or undoes).
    pub step: usize,
    pub target: Option<String>,
    pub color: Option<Color>,
    pub weight: Option<u8>,
}

impl Call {
    fn new(hook: HookName, step: usize) -> Call {
        Call {
            hook,
            step,
            target: None,
            color: None,
            weight: None,
        }
    }

    /// `deploy web-2`, `switch green`, `set-weight 25`, `rollback`.
    pub fn label(&self) -> String {
        let mut label = self.hook.as_str().to_string();
        for part in [
            self.target.clone(),
            self.color.map(|c| c.as_str().to_string()),
            self.weight.map(|w| w.to_string()),
        ]
        .into_iter()
        .flatten()
        {
            label.push(' ');
            label.push_str(&part);
        }
        label
    }

    /// How `rollback-step-done` names this call.
    pub fn undo_record(&self) -> UndoRecord {
        UndoRecord {
            step: self.step,
            hook: self.hook,
            target: self.target.clone(),
            color: self.color,
            weight: self.weight,
        }
    }
}

fn uses_target(hook: Option<&Hook>) -> bool {
    hook.is_some_and(|h| h.argv.iter().any(|a| a.contains("{target}")))
}

/// `hook` once per target of the step, or once when `per_target` is false or
/// the step has no targets.
fn calls(
    hook: HookName,
    step: &StepRecord,
    per_target: bool,
    reverse: bool,
) -> impl Iterator<Item = Call> {
    let base = Call {
        color: step.color,
        ..Call::new(hook, step.index)
    };
    let mut out: Vec<Call> = if per_target && !step.targets.is_empty() {
        step.targets
            .iter()
            .map(|t| Call {
                target: Some(t.clone()),
                ..base.clone()
            })
            .collect()
    } else {
        vec![base]
    };
    if reverse {
        out.reverse();
    }
    out.into_iter()
}

/// The calls that carry out `step`, in order.
pub fn forward(kind: &StrategyKind, step: &StepRecord, hooks: &Hooks) -> Vec<Call> {
    match step.action {
        StepAction::Deploy => {
            let per_target = match kind {
                StrategyKind::Rolling { .. } => true,
                StrategyKind::Canary {
                    targets: Some(_), ..
                } => true,
                _ => uses_target(hooks.deploy.as_ref()),
            };
            calls(HookName::Deploy, step, per_target, false).collect()
        }
        StepAction::Switch => calls(HookName::Switch, step, false, false).collect(),
        StepAction::SetWeight => vec![Call {
            weight: step.weight,
            ..Call::new(HookName::SetWeight, step.index)
        }],
        StepAction::KeepPrevious => Vec::new(),
    }
}

/// The calls that undo the `started` steps, in order.
pub fn rollback(
    kind: &StrategyKind,
    steps: &[StepRecord],
    started: &BTreeSet<usize>,
    hooks: &Hooks,
) -> Vec<Call> {
    let started_steps = || steps.iter().rev().filter(|s| started.contains(&s.index));
    match kind {
        StrategyKind::Rolling { .. }
        | StrategyKind::Canary {
            targets: Some(_), ..
        } => started_steps()
            .filter(|s| s.action == StepAction::Deploy)
            .flat_map(|s| {
                calls(HookName::Rollback, s, true, true).map(|c| Call { color: None, ..c })
            })
            .collect(),
        StrategyKind::BlueGreen { .. } => started_steps()
            .find(|s| s.action == StepAction::Switch)
            .map(|s| Call {
                color: s.color.map(Color::other),
                ..Call::new(HookName::Switch, s.index)
            })
            .into_iter()
            .collect(),
        StrategyKind::Canary { targets: None, .. } => {
            let mut out = Vec::new();
            if let Some(s) = started_steps().find(|s| s.action == StepAction::SetWeight) {
                out.push(Call {
                    weight: Some(0),
                    ..Call::new(HookName::SetWeight, s.index)
                });
            }
            if let Some(s) = started_steps().find(|s| s.action == StepAction::Deploy) {
                let per_target = uses_target(hooks.rollback.as_ref());
                out.extend(
                    calls(HookName::Rollback, s, per_target, true)
                        .map(|c| Call { color: None, ..c }),
                );
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Batch;
    use chrono::TimeDelta;

    fn hook(argv: &[&str]) -> Option<Hook> {
        Some(Hook {
            argv: argv.iter().map(|s| s.to_string()).collect(),
            timeout: TimeDelta::seconds(10),
        })
    }

    fn step(index: usize, action: StepAction, targets: &[&str]) -> StepRecord {
        StepRecord {
            index,
            action,
            targets: targets.iter().map(|s| s.to_string()).collect(),
            weight: None,
            color: None,
        }
    }

    fn labels(calls: &[Call]) -> Vec<String> {
        calls.iter().map(Call::label).collect()
    }

    #[test]
    fn rolling_deploys_each_target_and_undoes_started_batches_last_first() {
        let kind = StrategyKind::Rolling {
            targets: vec![],
            batch: Batch::Count(2),
        };
        let hooks = Hooks {
            deploy: hook(&["d", "{target}"]),
            rollback: hook(&["r", "{target}"]),
            ..Hooks::default()
        };
        let steps = [
            step(1, StepAction::Deploy, &["web-1", "web-2"]),
            step(2, StepAction::Deploy, &["web-3", "web-4"]),
            step(3, StepAction::Deploy, &["web-5"]),
        ];
        assert_eq!(
            labels(&forward(&kind, &steps[1], &hooks)),
            ["deploy web-3", "deploy web-4"]
        );
        let undo = rollback(&kind, &steps, &BTreeSet::from([1, 2]), &hooks);
        assert_eq!(
            labels(&undo),
            [
                "rollback web-4",
                "rollback web-3",
                "rollback web-2",
                "rollback web-1"
            ]
        );
        assert_eq!(undo[0].step, 2);
    }

    #[test]
    fn blue_green_switches_back_only_if_it_switched() {
        let kind = StrategyKind::BlueGreen {
            blue: vec![],
            green: vec![],
            keep_previous: TimeDelta::hours(1),
        };
        let hooks = Hooks {
            deploy: hook(&["d", "{color}"]),
            switch: hook(&["s", "{color}"]),
            ..Hooks::default()
        };
        let mut deploy = step(1, StepAction::Deploy, &["g-1", "g-2"]);
        deploy.color = Some(Color::Green);
        let mut switch = step(2, StepAction::Switch, &["g-1", "g-2"]);
        switch.color = Some(Color::Green);
        let keep = step(3, StepAction::KeepPrevious, &["b-1"]);
        assert_eq!(labels(&forward(&kind, &deploy, &hooks)), ["deploy green"]);
        assert_eq!(labels(&forward(&kind, &switch, &hooks)), ["switch green"]);
        assert!(forward(&kind, &keep, &hooks).is_empty());
        let steps = [deploy, switch, keep];
        assert!(rollback(&kind, &steps, &BTreeSet::from([1]), &hooks).is_empty());
        assert_eq!(
            labels(&rollback(&kind, &steps, &BTreeSet::from([1, 2]), &hooks)),
            ["switch blue"]
        );
    }

    #[test]
    fn canary_by_weight_sets_weights_then_undoes_with_weight_0_and_rollback() {
        let kind = StrategyKind::Canary {
            steps: vec![10, 100],
            pause: TimeDelta::minutes(1),
            targets: None,
        };
        let hooks = Hooks {
            deploy: hook(&["d", "{version}"]),
            set_weight: hook(&["w", "{weight}"]),
            rollback: hook(&["r", "{previous}"]),
            ..Hooks::default()
        };
        let mut w10 = step(2, StepAction::SetWeight, &[]);
        w10.weight = Some(10);
        let mut w100 = step(3, StepAction::SetWeight, &[]);
        w100.weight = Some(100);
        let steps = [step(1, StepAction::Deploy, &["canary-1"]), w10, w100];
        assert_eq!(labels(&forward(&kind, &steps[0], &hooks)), ["deploy"]);
        assert_eq!(
            labels(&forward(&kind, &steps[1], &hooks)),
            ["set-weight 10"]
        );
        assert_eq!(
            labels(&rollback(&kind, &steps, &BTreeSet::from([1, 2]), &hooks)),
            ["set-weight 0", "rollback"]
        );
        assert_eq!(
            labels(&rollback(&kind, &steps, &BTreeSet::from([1]), &hooks)),
            ["rollback"]
        );
    }

    #[test]
    fn canary_by_targets_undoes_each_updated_target_in_reverse() {
        let kind = StrategyKind::Canary {
            steps: vec![25, 100],
            pause: TimeDelta::minutes(1),
            targets: Some(vec![]),
        };
        let hooks = Hooks {
            deploy: hook(&["d"]),
            rollback: hook(&["r"]),
            ..Hooks::default()
        };
        let steps = [
            step(1, StepAction::Deploy, &["a"]),
            step(2, StepAction::Deploy, &["b", "c", "d"]),
        ];
        assert_eq!(
            labels(&forward(&kind, &steps[1], &hooks)),
            ["deploy b", "deploy c", "deploy d"]
        );
        assert_eq!(
            labels(&rollback(&kind, &steps, &BTreeSet::from([1, 2]), &hooks)),
            ["rollback d", "rollback c", "rollback b", "rollback a"]
        );
    }
}
