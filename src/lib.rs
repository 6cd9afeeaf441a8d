//! shipwindow: may service S be deployed to environment E at time T — and if not,
//! why not and when next?
//!
//! Layers, each depending only on the ones before it:
//! `suggest` ("did you mean") and `diagnostic` (problems at a span of a file's
//! text) → `calendar` (interval math) → `time` (zones, cron, time specs) → `market`
//! (exchange calendars, session guards) and `ics` (iCalendar files and feeds) →
//! `policy` (files → validated model) →
//! `eval` (request → decision) → `input` (request text → request) → `plan`,
//! `runner` → `wire` (the answers' JSON shapes and the iCalendar export). The
//! two front doors, `cli` and `server`, sit on top and hold no policy logic.

pub mod calendar;
pub mod cli;
pub mod clock;
pub mod diagnostic;
pub mod eval;
pub mod ics;
pub mod input;
pub mod market;
pub mod plan;
pub mod policy;
pub mod runner;
pub mod server;
pub mod store;
pub mod suggest;
pub mod time;
pub mod wire;

pub use eval::{
    Blocker, BlockerKind, Decision, DeployRequest, EvalError, Override, Verdict, WindowsReport,
    decide, next_allowed, windows,
};
pub use policy::{ChangeKind, LoadError, PolicySet};
