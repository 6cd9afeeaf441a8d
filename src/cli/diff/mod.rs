//! `shipwindow diff`: a policy change shown as the time it blocks and opens
//! for every service and environment, and the held deploys it would now block.
//!
//! `args` holds the flags and `command` runs them: `git_base` reads a base
//! given as a git ref, `held` reads the held deploys from the store, `report`
//! is what was found, and `human`, `json`, `markdown` (`--format github`) and
//! `svg` print it.

mod args;
mod command;
mod git_base;
mod held;
mod human;
mod json;
mod markdown;
mod report;
mod svg;

pub(super) use args::{DiffArgs, DiffFormat};
pub(super) use command::diff;
