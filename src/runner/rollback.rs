//! Undoing a run: the calls that undo what the journal says was started
//! ([`super::actions::rollback`]), in reverse, never gated by the policy
//! (freezes stop forward progress only). A call already recorded as undone is
//! skipped, so a rollback that was interrupted goes on where it stopped; a
//! rollback hook that fails is reported loudly and the rest still run.

use super::actions;
use super::journal::Record;
use super::machine::Runner;
use super::outcome::{Outcome, RunError};
use crate::policy::StrategyKind;

impl Runner<'_> {
    /// Undoes what the journal says was started, in reverse; `why` is the cause.
    pub(super) fn rollback(&mut self, why: String) -> Result<Outcome, RunError> {
        self.out.alarm(&format!("rolling back: {why}"));
        if !self.rollback_started {
            self.append(Record::RollbackStarted {
                reason: why.clone(),
            })?;
            self.rollback_started = true;
        }
        let calls = actions::rollback(
            &self.strategy.kind,
            &self.steps,
            &self.started,
            &self.strategy.hooks,
        );
        if calls.is_empty() {
            self.out.say(match self.strategy.kind {
                StrategyKind::BlueGreen { .. } => {
                    "rollback: traffic was never switched; the live colour still serves the previous version"
                }
                _ => "rollback: no step was started; nothing to undo",
            });
        }
        let mut failures = 0;
        let count = calls.len();
        for (i, call) in calls.iter().enumerate() {
            let record = call.undo_record();
            if self.undone.contains(&record) {
                self.out
                    .say(&format!("rollback: {} already done", call.label()));
                continue;
            }
            self.out.phase(
                &format!("rollback {}/{count}: {}", i + 1, call.label()),
                None,
            );
            let result = self.call(call);
            self.append(Record::RollbackStepDone {
                undo: record.clone(),
                ok: result.is_ok(),
                reason: result.as_ref().err().cloned(),
            })?;
            match result {
                Ok(()) => {
                    self.undone.insert(record);
                }
                Err(why) => {
                    failures += 1;
                    self.out.alarm(&format!(
                        "ROLLBACK HOOK FAILED: {why}; going on with the rest of the rollback — check this by hand"
                    ));
                }
            }
            if self.stop.requested() && i + 1 < count {
                return self.interrupted("the rollback");
            }
        }
        self.append(Record::RolledBack {
            reason: why,
            failures,
        })?;
        self.archive()?;
        let info = &self.info;
        if failures == 0 {
            self.out.phase(
                &format!(
                    "rolled back: {} to {} is back on {} (run {})",
                    info.service,
                    info.env,
                    info.previous.as_deref().unwrap_or("the previous version"),
                    info.run
                ),
                None,
            );
        } else {
            self.out.alarm(&format!(
                "rolled back with {failures} failed rollback hook{}: {} to {} may be partly on {} — check it by hand (run {})",
                if failures == 1 { "" } else { "s" },
                info.service,
                info.env,
                info.version,
                info.run
            ));
        }
        Ok(Outcome::RolledBack { failures })
    }
}
