//! The forward step machine: for each step not done yet, the gate, then
//! `step-started`, the step's hooks, its health watch and `step-done`; then the
//! monitoring and the end of the run. Any failure on the way hands over to the
//! rollback; a stop asked for hands over to `interrupted`.

use super::actions;
use super::gate::{Pass, Pausing};
use super::health::{HealthCheck, Watch};
use super::journal::{Entry, JournalError, Record, StepRecord};
use super::machine::Runner;
use super::outcome::{Outcome, RunError};
use crate::plan::{self, Color, StepAction};
use crate::policy::StrategyKind;
use crate::time::duration::format_duration;
use chrono::TimeDelta;
use std::time::Duration;

impl Runner<'_> {
    pub(super) fn forward(&mut self) -> Result<Outcome, RunError> {
        let total = self.steps.len();
        self.out.set_total(total);
        let steps = self.steps.clone();
        for (pos, step) in steps.iter().enumerate() {
            if self.done.contains(&step.index) {
                continue;
            }
            let what = format!("step {} ({})", step.index, self.describe(step));
            if self.stop.requested() {
                return self.interrupted(&format!("the boundary before {what}"));
            }
            let remaining = self
                .plan
                .as_ref()
                .map_or(TimeDelta::zero(), |p| p.remaining_length(pos));
            let eta = self.clock.now() + remaining + self.monitoring();
            if step.action != StepAction::KeepPrevious {
                match self.gate(step, &what, remaining)? {
                    Pass::Go => {}
                    Pass::GiveUp(why) => return self.rollback(why),
                    Pass::Interrupted => {
                        return self.interrupted(&format!("a pause before {what}"));
                    }
                }
            }
            self.append(Record::StepStarted { step: step.clone() })?;
            self.started.insert(step.index);
            self.out.step(step.index, &self.describe(step), Some(eta));
            for call in actions::forward(&self.strategy.kind, step, &self.strategy.hooks) {
                if let Err(why) = self.call(&call) {
                    return self.rollback(format!("[{}/{total}] {why}", step.index));
                }
                if self.stop.requested() {
                    return self.interrupted(&what);
                }
            }
            let watch_for = self
                .plan
                .as_ref()
                .and_then(|p| p.steps.get(pos))
                .map(|p| (p.end - p.start) - self.strategy.step_time)
                .unwrap_or(self.strategy.verify);
            if self.is_canary_pool_deploy(step) {
                // No traffic reaches the pool yet: a pool that is unhealthy now is
                // rolled back with nobody exposed, before the first weight.
                let label = format!("[{}/{total}] before traffic", step.index);
                if let Some(check) = self.health_check(Vec::new(), None) {
                    self.out
                        .say(&format!("{label}: checking the canary's health"));
                    match check.before_traffic(&label, self.out, self.stop) {
                        Watch::Healthy => {}
                        Watch::Interrupted => return self.interrupted(&what),
                        Watch::Failed(why) => return self.rollback(why),
                    }
                }
            } else if step.action != StepAction::KeepPrevious {
                let label = format!("[{}/{total}] verify", step.index);
                match self.watch(&label, watch_for, step.targets.clone(), step.color) {
                    Watch::Healthy => {}
                    Watch::Interrupted => return self.interrupted(&what),
                    Watch::Failed(why) => return self.rollback(why),
                }
            }
            self.append(Record::StepDone { step: step.clone() })?;
            self.done.insert(step.index);
        }
        self.monitor_and_finish()
    }

    /// The policy check before `step`, its pauses journaled.
    fn gate(
        &mut self,
        step: &StepRecord,
        what: &str,
        remaining: TimeDelta,
    ) -> Result<Pass, RunError> {
        let (info, clock) = (self.info.clone(), self.clock);
        let mut journal = self.journal.take();
        let pass = self.gate.pass(
            &self.strategy,
            what,
            remaining,
            self.out,
            self.stop,
            clock,
            &mut |pausing, reason| -> Result<(), JournalError> {
                let step = step.clone();
                let record = match pausing {
                    Pausing::Paused => Record::Paused { step, reason },
                    Pausing::Resumed => Record::Resumed {
                        step: Some(step),
                        reason,
                        pid: None,
                    },
                };
                match journal.as_mut() {
                    Some(j) => j.append(&Entry::new(clock.now(), record, &info)),
                    None => Ok(()),
                }
            },
        );
        self.journal = journal;
        Ok(pass?)
    }

    fn monitor_and_finish(&mut self) -> Result<Outcome, RunError> {
        if self.stop.requested() {
            return self.interrupted("the boundary before the monitoring");
        }
        let monitoring = self.monitoring();
        self.append(Record::MonitoringStarted {
            reason: format!("for {}", format_duration(monitoring)),
        })?;
        self.out.phase(
            &format!(
                "monitoring {} {} for {}",
                self.info.service,
                self.info.version,
                format_duration(monitoring)
            ),
            Some(self.clock.now() + monitoring),
        );
        let new_color = self.live.other();
        let blue_green = matches!(self.strategy.kind, StrategyKind::BlueGreen { .. });
        // A per-target health hook checks every target now on the new version.
        let (targets, color) = if blue_green {
            (
                self.steps
                    .iter()
                    .find(|s| s.action == StepAction::Switch)
                    .map(|s| s.targets.clone())
                    .unwrap_or_default(),
                Some(new_color),
            )
        } else {
            (
                self.steps
                    .iter()
                    .filter(|s| s.action == StepAction::Deploy)
                    .flat_map(|s| s.targets.iter().cloned())
                    .collect(),
                None,
            )
        };
        match self.watch("monitoring", monitoring, targets, color) {
            Watch::Healthy => {}
            Watch::Interrupted => return self.interrupted("the monitoring"),
            Watch::Failed(why) => return self.rollback(why),
        }
        let (service, env) = (self.info.service.clone(), self.info.env.clone());
        self.state
            .set_last_version(&service, &env, &self.info.version)
            .map_err(|e| self.state_error(e))?;
        if blue_green {
            self.state
                .set_live_color(&service, &env, new_color)
                .map_err(|e| self.state_error(e))?;
        }
        self.append(Record::Finished)?;
        self.archive()?;
        let live = if blue_green {
            format!(", {} is live", new_color.as_str())
        } else {
            String::new()
        };
        self.out.phase(
            &format!(
                "finished: {} {} is deployed to {}{live} (run {})",
                service, self.info.version, env, self.info.run
            ),
            None,
        );
        Ok(Outcome::Finished)
    }

    fn monitoring(&self) -> TimeDelta {
        plan::monitoring(self.gate.policy(), &self.strategy)
    }

    /// `deploy web-1, web-2 (v2)`, `switch to green`, `set weight 25%`.
    pub(super) fn describe(&self, step: &StepRecord) -> String {
        let v = &self.info.version;
        match step.action {
            StepAction::Deploy => match (step.color, step.targets.is_empty()) {
                (Some(c), _) => {
                    format!("deploy {v} to {} ({})", c.as_str(), step.targets.join(", "))
                }
                (None, true) => format!("deploy {v} (canary)"),
                (None, false) => format!("deploy {} ({v})", step.targets.join(", ")),
            },
            StepAction::Switch => format!(
                "switch traffic to {}",
                step.color.map_or("?", Color::as_str)
            ),
            StepAction::SetWeight => format!("set weight {}%", step.weight.unwrap_or(0)),
            StepAction::KeepPrevious => format!(
                "keep {} on the previous version for an instant switch back (nothing to run)",
                step.color.map_or("the old colour", Color::as_str)
            ),
        }
    }

    /// The deploy of a canary by weight: the pool gets the new version while
    /// all traffic still goes to the stable fleet.
    fn is_canary_pool_deploy(&self, step: &StepRecord) -> bool {
        step.action == StepAction::Deploy
            && matches!(
                self.strategy.kind,
                StrategyKind::Canary { targets: None, .. }
            )
    }

    /// The health hook set up for `targets` (and `color`), if the strategy has one.
    fn health_check(&self, targets: Vec<String>, color: Option<Color>) -> Option<HealthCheck<'_>> {
        let hook = self.strategy.hooks.health.as_ref()?;
        let mut values = self.values(None);
        values.color = color.map(Color::as_str);
        Some(HealthCheck {
            hook,
            targets,
            values,
            interval: self
                .strategy
                .health_interval
                .to_std()
                .unwrap_or(Duration::from_secs(1))
                .max(Duration::from_millis(100)),
            failure_limit: self.strategy.failure_limit,
            cwd: None,
            clock: self.clock,
        })
    }

    /// Watches health for `period` after `what` (healthy at once without a
    /// health hook or a period).
    fn watch(
        &self,
        what: &str,
        period: TimeDelta,
        targets: Vec<String>,
        color: Option<Color>,
    ) -> Watch {
        if period <= TimeDelta::zero() {
            return Watch::Healthy;
        }
        let Some(check) = self.health_check(targets, color) else {
            return Watch::Healthy;
        };
        self.out.say(&format!(
            "{what}: watching health for {}",
            format_duration(period)
        ));
        check.watch(
            period.to_std().unwrap_or(Duration::ZERO),
            what,
            self.out,
            self.stop,
        )
    }
}
