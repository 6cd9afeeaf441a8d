//! The run in progress: the [`Runner`] that the forward machine and the
//! rollback drive, with what both need — journal lines stamped by the run's
//! clock, hook calls, the interruption, the archive at the end.

use super::actions::Call;
use super::gate::Gate;
use super::hooks::{HookOutcome, run_hook, timeout_of};
use super::journal::{Entry, Journal, Record, RunInfo, StepRecord, UndoRecord};
use super::outcome::{Outcome, RunError};
use super::progress::Progress;
use super::signals::Stop;
use super::state::StateDir;
use crate::clock::Clock;
use crate::plan::{Color, Plan};
use crate::policy::{HookValues, Strategy};
use std::collections::BTreeSet;

/// A run in progress.
pub(super) struct Runner<'a> {
    pub(super) gate: Gate,
    pub(super) strategy: Strategy,
    pub(super) state: StateDir,
    /// `None` once archived.
    pub(super) journal: Option<Journal>,
    pub(super) info: RunInfo,
    /// The run's steps as journaled (the plan's, at the start).
    pub(super) steps: Vec<StepRecord>,
    /// The plan, for the remaining length, the step lengths and the ETA
    /// (`None` when only rolling back).
    pub(super) plan: Option<Plan>,
    /// Blue-green: the colour that was live before the run.
    pub(super) live: Color,
    pub(super) started: BTreeSet<usize>,
    pub(super) done: BTreeSet<usize>,
    /// Rollback calls that succeeded.
    pub(super) undone: BTreeSet<UndoRecord>,
    pub(super) rollback_started: bool,
    pub(super) out: &'a Progress,
    pub(super) stop: &'a Stop,
    pub(super) clock: &'a dyn Clock,
}

impl Runner<'_> {
    /// A journal line about this run, stamped now.
    pub(super) fn line(&self, record: Record) -> Entry {
        Entry::new(self.clock.now(), record, &self.info)
    }

    pub(super) fn append(&mut self, record: Record) -> Result<(), RunError> {
        let entry = self.line(record);
        match self.journal.as_mut() {
            Some(j) => Ok(j.append(&entry)?),
            None => Ok(()),
        }
    }

    pub(super) fn state_error(&self, source: std::io::Error) -> RunError {
        RunError::State {
            path: self.state.root().to_path_buf(),
            source,
        }
    }

    pub(super) fn values<'v>(&'v self, call: Option<&'v Call>) -> HookValues<'v> {
        HookValues {
            target: call.and_then(|c| c.target.as_deref()),
            version: Some(&self.info.version),
            previous: self.info.previous.as_deref(),
            color: call.and_then(|c| c.color).map(Color::as_str),
            weight: call.and_then(|c| c.weight),
            service: Some(&self.info.service),
            env: Some(&self.info.env),
        }
    }

    /// Runs one hook call; `Err(why)` when it failed.
    pub(super) fn call(&self, call: &Call) -> Result<(), String> {
        let label = call.label();
        let Some(hook) = call.hook.of(&self.strategy.hooks) else {
            return Err(format!(
                "{label}: strategy `{}` has no `{}` hook",
                self.strategy.name,
                call.hook.key()
            ));
        };
        let values = self.values(Some(call));
        match run_hook(hook, &values, &label, self.out, None, self.clock) {
            HookOutcome::Exited(0) => Ok(()),
            other => Err(format!("{label} {}", other.describe(timeout_of(hook)))),
        }
    }

    pub(super) fn interrupted(&mut self, during: &str) -> Result<Outcome, RunError> {
        self.append(Record::Interrupted {
            reason: format!("SIGINT/SIGTERM during {during}"),
        })?;
        let path = self
            .journal
            .as_ref()
            .map(|j| j.path().display().to_string())
            .unwrap_or_default();
        self.out.say(&format!(
            "interrupted during {during}: the journal ({path}) is resumable — `run --resume` to finish, `run --rollback` to undo"
        ));
        Ok(Outcome::Interrupted)
    }

    pub(super) fn archive(&mut self) -> Result<(), RunError> {
        if let Some(j) = self.journal.take() {
            j.archive(&self.info.run)?;
        }
        Ok(())
    }
}
