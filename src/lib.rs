//! shipwindow: may service S be deployed to environment E at time T — and if not,
//! why not and when next?
//!
//! Layers, each depending only on the ones before it:
//! `calendar` (interval math) → `time` (zones, cron, time specs) → `market`
//! (exchange calendars, session guards) and `ics` (iCalendar files and feeds) →
//! `policy` (files → validated model) →
//! `eval` (request → decision) → `input` (request text → request). The two front
//! doors, `cli` and `server`, sit on top and hold no policy logic. (`ics` also
//! writes an `eval` windows report out as iCalendar, for the front doors.)

pub mod calendar;
pub mod cli;
pub mod clock;
pub mod eval;
pub mod ics;
pub mod input;
pub mod market;
pub mod plan;
pub mod policy;
pub mod runner;
pub mod server;
pub mod store;
pub mod time;

pub use eval::{
    Blocker, BlockerKind, Decision, DeployRequest, EvalError, Override, Verdict, WindowsReport,
    decide, next_allowed, windows,
};
pub use policy::{ChangeKind, LoadError, PolicySet};
