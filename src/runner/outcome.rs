//! How a run ends: its outcome and exit code, or the error that kept it from
//! starting or going on.

use super::journal::JournalError;
use super::lock::LockError;
use crate::eval::{Decision, EvalError};
use crate::policy::LoadError;
use chrono::TimeDelta;
use std::path::PathBuf;

/// Exit codes of `run` (0, 1, 2 and 3 as every command's, plus 130 for an interrupted run).
pub const EXIT_FINISHED: u8 = 0;
pub const EXIT_DENIED: u8 = 1;
pub const EXIT_BAD_INPUT: u8 = 2;
pub const EXIT_ROLLED_BACK: u8 = 3;
pub const EXIT_INTERRUPTED: u8 = 130;

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
