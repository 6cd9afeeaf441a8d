//! The `windows` report as a picture (`windows --format svg`,
//! `GET /v1/windows.svg`, the server's page): a week-by-week grid, a row per
//! day and the hours across on the policy zone's wall clock, each piece of the
//! report a block coloured by what it is (open, or the kind of rule that closes
//! it) with its rule names, the DST gaps and folds marked, "now", and a legend.
//!
//! `days` places instants on the wall clock (gaps and folds included), `kinds`
//! is the one table of kinds and colours, `render` writes the SVG text: a pure
//! function of the report, the rules' kinds and the current time.

mod days;
mod kinds;
mod render;

pub use kinds::{BlockKind, Look, RuleInfo, RuleTable};
pub use render::{GridOptions, render};
