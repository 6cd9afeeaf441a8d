//! A plan's types: the whole plan with its §4 decision, its steps, what each
//! step does and a blue-green colour.

use crate::eval::Decision;
use chrono::DateTime;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// The whole plan: its steps, when the deploy and its monitoring end, and the
/// §4 decision for all of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub strategy: String,
    pub kind: &'static str,
    pub service: String,
    pub env: String,
    pub steps: Vec<PlanStep>,
    pub deploy_end: DateTime<Tz>,
    pub monitoring_end: DateTime<Tz>,
    pub decision: Decision,
}

/// One step. Timings are estimates from `step_time`, `verify` and `pause`.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanStep {
    /// From 1.
    pub index: usize,
    pub action: StepAction,
    /// The targets this step acts on (a batch, a colour; empty for a weight change).
    pub targets: Vec<String>,
    /// The new version's traffic weight set by this step (canary by weight).
    pub weight: Option<u8>,
    /// Blue-green: the colour this step deploys to or switches to (for the
    /// runner; the plan's JSON has no field for it).
    pub color: Option<Color>,
    pub start: DateTime<Tz>,
    pub end: DateTime<Tz>,
    /// Serving capacity kept during the step, in percent of the fleet.
    pub capacity_kept_pct: f64,
    /// Capacity needed on top of the fleet during the step, in percent.
    pub extra_capacity_pct: f64,
    /// Share of users on the new version once the step is done, in percent.
    pub new_version_share_pct: f64,
}

/// What a step does. Its serde names are the run journal's on-disk words
/// (`runner::journal`); the plan's JSON has its own shape in `wire::plan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepAction {
    /// Install the new version on `targets` (a rolling batch, the idle colour,
    /// the canary pool or canary targets), then verify.
    Deploy,
    /// Blue-green: send traffic to `color`, then verify.
    Switch,
    /// Canary by weight: send `weight` percent of traffic to the new version.
    SetWeight,
    /// Blue-green: the previous colour kept for an instant switch back. Shown in
    /// the timeline; nothing runs.
    KeepPrevious,
}

/// A blue-green colour. Its serde names are the run journal's and the live-colour
/// file's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Color {
    Blue,
    Green,
}

impl Color {
    pub fn as_str(self) -> &'static str {
        match self {
            Color::Blue => "blue",
            Color::Green => "green",
        }
    }

    pub fn other(self) -> Color {
        match self {
            Color::Blue => Color::Green,
            Color::Green => Color::Blue,
        }
    }
}
