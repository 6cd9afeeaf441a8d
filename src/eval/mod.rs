//! The decision: a request against a policy set gives a verdict, the
//! rules that block it, the next allowed start and how long the deploy may overrun.
//! Pure: no IO, no clock, no serde, no CLI or server types.
//!
//! `model` holds the request and the answer, `error` why there is none;
//! `search` finds blocking intervals over growing ranges; `decide` answers one
//! request with it, and `windows` reports the open and closed stretches of a range;
//! `explain` reads that timeline for why no start fits, and `refusal` says why
//! an override did not push a deploy through.

mod decide;
mod error;
mod explain;
mod model;
mod refusal;
mod search;
mod windows;

pub use decide::{decide, next_allowed};
pub use error::EvalError;
pub use explain::{NothingFits, nothing_fits};
pub use model::{Blocker, BlockerKind, Decision, DeployRequest, Override, Verdict};
pub use refusal::override_refusals;
pub use windows::{MAX_PIECES, WindowState, WindowsReport, WindowsSegment, join_closed, windows};
