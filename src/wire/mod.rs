//! What the answers look like outside the process: the JSON shapes
//! (decision, `windows` report, plan, `plan --compare` rows, errors), the
//! exchange calendars of `markets --format json`, and the deploy calendar as
//! iCalendar, and the `windows` grid as SVG (`svg`, with `markup` escaping
//! what it and the server's page write). The CLI and the server print these; `check --remote` reads a
//! server's decision back through the same type.
//!
//! The model (`eval`, `plan`) knows nothing of serde: each shape here is built
//! `From` a model value, whose times are already in the policy's zone, and
//! writes them as RFC 3339 with that zone's offset. A decision read back is
//! turned into the model again by [`Decision::into_decision`], so the human and
//! GitHub renderers print the model, whether it was decided here or by a server.
//!
//! Every shape writes its instants through `rfc3339` (or `opt_rfc3339` when
//! they may be absent); `plan` embeds `decision`'s shape.

mod decision;
mod error;
pub mod ics;
pub mod markets;
pub mod markup;
mod opt_rfc3339;
mod plan;
mod rfc3339;
pub mod svg;
mod windows;

pub use decision::{Blocker, BlockerKind, Decision, ReadBackError, Verdict, ZONE_HEADER};
pub use error::ErrorBody;
pub use plan::{Comparison, Plan, PlanStep, StepAction};
pub use windows::{WindowState, WindowsReport, WindowsSegment};
