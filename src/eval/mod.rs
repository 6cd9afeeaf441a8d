//! The decision (SPEC §4): a request against a policy set gives a verdict, the
//! rules that block it, the next allowed start and how long the deploy may overrun.
//! Pure: no IO, no clock, no serde, no CLI or server types.
//!
//! `model` holds the request and the answer, `error` why there is none;
//! `search` finds blocking intervals over growing ranges; `decide` answers one
//! request with it, and `windows` reports the open and closed stretches of a range.

mod decide;
mod error;
mod model;
mod search;
mod windows;

pub use decide::{decide, next_allowed};
pub use error::EvalError;
pub use model::{Blocker, BlockerKind, Decision, DeployRequest, Override, Verdict};
pub use windows::{WindowState, WindowsReport, WindowsSegment, join_closed, windows};
