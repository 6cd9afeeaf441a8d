//! The strategy runner (SPEC §6, `shipwindow run`): executes a strategy's plan
//! with its hooks, asking the policy before every step, and undoes what it did
//! when a hook or a health check fails.
//!
//! One run, start to end:
//!
//! 1. Load the policy and the strategy; take the service+env lock ([`lock`]).
//! 2. Look at the journal ([`journal`]): an unfinished run there must be
//!    resumed (`--resume`) or rolled back (`--rollback`) first.
//! 3. Plan at now; a plan the policy denies ends the run here (exit 1), before
//!    anything is touched.
//! 4. For each step: the gate ([`gate`]: the rest of the plan plus monitoring,
//!    decided at now, pausing or rolling back when denied), `step-started`,
//!    the step's hooks ([`actions`], [`hooks`]), the health watch ([`health`]),
//!    `step-done`.
//! 5. `monitoring-started`, the monitoring watch; then record the version (and
//!    the live colour for blue-green) and `finished`.
//!
//! Any failure after the first `step-started` rolls back what the journal
//! says was started, in reverse, never gated by the policy (freezes stop
//! forward progress only), and ends with exit 3. SIGINT/SIGTERM stop after the
//! current hook with `interrupted` (exit 130); the journal then resumes.
//!
//! Hooks must be idempotent: `--resume` re-runs a step that was started but
//! not recorded as done, from its first hook.
//!
//! Steps 1–3, and picking an unfinished run up again, are [`session`]'s; step 4
//! and 5 are the forward machine ([`forward`]); undoing is [`rollback`]'s. This
//! file holds what they share: the [`Runner`] in progress, its journal lines
//! and its hook calls. Every "now" and every wait goes through the run's
//! [`Clock`], so a test runs it in-process on a manual clock.

pub mod actions;
mod forward;
pub mod gate;
pub mod health;
pub mod hooks;
pub mod journal;
pub mod lock;
pub mod progress;
mod rollback;
mod session;
pub mod signals;
pub mod state;

pub use session::run;

use crate::clock::Clock;
use crate::eval::{Decision, EvalError};
use crate::plan::{Color, Plan};
use crate::policy::{HookValues, LoadError, Strategy};
use actions::Call;
use chrono::TimeDelta;
use gate::Gate;
use hooks::{HookOutcome, run_hook, timeout_of};
use journal::{Entry, Journal, JournalError, Record, RunInfo, StepRecord, UndoRecord};
use lock::LockError;
use progress::Progress;
use signals::Stop;
use state::StateDir;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// Exit codes of `run` (SPEC §5, plus 130 for an interrupted run).
pub const EXIT_FINISHED: u8 = 0;
pub const EXIT_DENIED: u8 = 1;
pub const EXIT_BAD_INPUT: u8 = 2;
pub const EXIT_ROLLED_BACK: u8 = 3;
pub const EXIT_INTERRUPTED: u8 = 130;

/// Which way to go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A new run (refused while the journal holds an unfinished one).
    Start,
    /// Finish the unfinished run in the journal.
    Resume,
    /// Undo the unfinished run in the journal.
    Rollback,
}

/// What `shipwindow run` was asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    pub policies: PathBuf,
    pub strategy: String,
    /// Required to start; with `--resume`/`--rollback` it must match the journal.
    pub version: Option<String>,
    pub previous: Option<String>,
    pub state_dir: PathBuf,
    pub mode: Mode,
}

/// How a run ended.
#[derive(Debug)]
pub enum Outcome {
    /// Every step and the monitoring passed.
    Finished,
    /// The policy denied the plan before anything ran.
    Denied {
        decision: Box<Decision>,
        horizon: TimeDelta,
    },
    /// Something failed (or the policy closed) and the run was rolled back;
    /// `failures` rollback hooks failed themselves.
    RolledBack { failures: usize },
    /// Stopped by SIGINT/SIGTERM; the journal is resumable.
    Interrupted,
}

impl Outcome {
    pub fn exit_code(&self) -> u8 {
        match self {
            Outcome::Finished => EXIT_FINISHED,
            Outcome::Denied { .. } => EXIT_DENIED,
            Outcome::RolledBack { .. } => EXIT_ROLLED_BACK,
            Outcome::Interrupted => EXIT_INTERRUPTED,
        }
    }
}

/// Why a run could not start or go on: exit 2.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{0}")]
    Refused(String),
    #[error("the policy set failed to load:\n{0}")]
    Policy(LoadError),
    #[error("{0}")]
    Eval(#[from] EvalError),
    #[error("{0}")]
    Journal(#[from] JournalError),
    #[error("{0}")]
    Lock(#[from] LockError),
    #[error("state directory {path}: {source}")]
    State {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A run in progress.
struct Runner<'a> {
    gate: Gate,
    strategy: Strategy,
    state: StateDir,
    /// `None` once archived.
    journal: Option<Journal>,
    info: RunInfo,
    /// The run's steps as journaled (the plan's, at the start).
    steps: Vec<StepRecord>,
    /// The plan, for the remaining length, the step lengths and the ETA
    /// (`None` when only rolling back).
    plan: Option<Plan>,
    /// Blue-green: the colour that was live before the run.
    live: Color,
    started: BTreeSet<usize>,
    done: BTreeSet<usize>,
    /// Rollback calls that succeeded.
    undone: BTreeSet<UndoRecord>,
    rollback_started: bool,
    out: &'a Progress,
    stop: &'a Stop,
    clock: &'a dyn Clock,
}

impl Runner<'_> {
    /// A journal line about this run, stamped now.
    fn line(&self, record: Record) -> Entry {
        Entry::new(self.clock.now(), record, &self.info)
    }

    fn append(&mut self, record: Record) -> Result<(), RunError> {
        let entry = self.line(record);
        match self.journal.as_mut() {
            Some(j) => Ok(j.append(&entry)?),
            None => Ok(()),
        }
    }

    fn state_error(&self, source: std::io::Error) -> RunError {
        RunError::State {
            path: self.state.root().to_path_buf(),
            source,
        }
    }

    fn values<'v>(&'v self, call: Option<&'v Call>) -> HookValues<'v> {
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
    fn call(&self, call: &Call) -> Result<(), String> {
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

    fn interrupted(&mut self, during: &str) -> Result<Outcome, RunError> {
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

    fn archive(&mut self) -> Result<(), RunError> {
        if let Some(j) = self.journal.take() {
            j.archive(&self.info.run)?;
        }
        Ok(())
    }
}
