//! The strategy runner (`shipwindow run`): executes a strategy's plan
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
//! Steps 1–3, and picking an unfinished run up again, are `session`'s; steps 4
//! and 5 are the forward machine (`forward`); undoing is `rollback`'s. What
//! they share, the run in progress with its journal lines and hook calls, is
//! `machine`'s. Every "now" and every wait goes through the run's
//! [`Clock`](crate::clock::Clock), so a test runs it in-process on a manual clock.

pub mod actions;
mod forward;
pub mod gate;
pub mod health;
pub mod hooks;
pub mod journal;
pub mod lock;
mod machine;
mod options;
mod outcome;
pub mod progress;
mod rollback;
mod session;
pub mod signals;
pub mod state;

pub use options::{Mode, Options};
pub use outcome::{
    EXIT_BAD_INPUT, EXIT_DENIED, EXIT_FINISHED, EXIT_INTERRUPTED, EXIT_ROLLED_BACK, Outcome,
    RunError,
};
pub use session::{run, run_with};
