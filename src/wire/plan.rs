//! A strategy's plan as JSON: the object `plan --format json` prints,
//! and the rows of `plan --compare --format json`.

use super::decision::Decision;
use super::{opt_rfc3339, rfc3339};
use crate::plan::{self, compare};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

/// The whole plan: its steps, when the deploy and its monitoring end, and the
/// §4 decision for all of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Plan {
    pub strategy: String,
    /// `rolling`, `blue-green` or `canary`.
    pub kind: String,
    pub service: String,
    pub env: String,
    pub steps: Vec<PlanStep>,
    #[serde(with = "rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub deploy_end: DateTime<FixedOffset>,
    #[serde(with = "rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub monitoring_end: DateTime<FixedOffset>,
    pub decision: Decision,
}

/// One step. Timings are estimates from `step_time`, `verify` and `pause`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlanStep {
    /// From 1.
    pub index: usize,
    pub action: StepAction,
    /// The targets this step acts on (a batch, a colour; empty for a weight change).
    pub targets: Vec<String>,
    /// The new version's traffic weight set by this step (canary by weight).
    pub weight: Option<u8>,
    #[serde(with = "rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub start: DateTime<FixedOffset>,
    #[serde(with = "rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub end: DateTime<FixedOffset>,
    /// Serving capacity kept during the step, in percent of the fleet.
    pub capacity_kept_pct: f64,
    /// Capacity needed on top of the fleet during the step, in percent.
    pub extra_capacity_pct: f64,
    /// Share of users on the new version once the step is done, in percent.
    pub new_version_share_pct: f64,
}

/// What a step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum StepAction {
    Deploy,
    Switch,
    SetWeight,
    KeepPrevious,
}

/// One row of `plan --compare`: durations in whole seconds (`*_s`), percentages
/// as numbers (`*_pct`), `next_start` in the policy's zone or `null`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Comparison {
    /// The strategy's name; a synthetic one is named after its kind and targets,
    /// such as `rolling (4 targets)`.
    pub strategy: String,
    /// `rolling`, `blue-green` or `canary`.
    pub kind: String,
    /// Built by `--targets N` rather than defined in the policy.
    pub synthetic: bool,
    pub deploy_time_s: i64,
    pub all_users_after_s: Option<i64>,
    pub min_capacity_kept_pct: f64,
    pub peak_extra_capacity_pct: f64,
    pub blast_radius_pct: f64,
    pub rollback_time_s: i64,
    pub fits_now: bool,
    #[serde(with = "opt_rfc3339", default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub next_start: Option<DateTime<FixedOffset>>,
}

impl From<&plan::Plan> for Plan {
    fn from(p: &plan::Plan) -> Plan {
        Plan {
            strategy: p.strategy.clone(),
            kind: p.kind.to_string(),
            service: p.service.clone(),
            env: p.env.clone(),
            steps: p.steps.iter().map(PlanStep::from).collect(),
            deploy_end: p.deploy_end.fixed_offset(),
            monitoring_end: p.monitoring_end.fixed_offset(),
            decision: Decision::from(&p.decision),
        }
    }
}

/// The step without its blue-green colour, which only the runner needs.
impl From<&plan::PlanStep> for PlanStep {
    fn from(s: &plan::PlanStep) -> PlanStep {
        PlanStep {
            index: s.index,
            action: s.action.into(),
            targets: s.targets.clone(),
            weight: s.weight,
            start: s.start.fixed_offset(),
            end: s.end.fixed_offset(),
            capacity_kept_pct: s.capacity_kept_pct,
            extra_capacity_pct: s.extra_capacity_pct,
            new_version_share_pct: s.new_version_share_pct,
        }
    }
}

impl From<plan::StepAction> for StepAction {
    fn from(a: plan::StepAction) -> StepAction {
        match a {
            plan::StepAction::Deploy => StepAction::Deploy,
            plan::StepAction::Switch => StepAction::Switch,
            plan::StepAction::SetWeight => StepAction::SetWeight,
            plan::StepAction::KeepPrevious => StepAction::KeepPrevious,
        }
    }
}

impl From<&compare::Comparison> for Comparison {
    fn from(c: &compare::Comparison) -> Comparison {
        Comparison {
            strategy: c.strategy.clone(),
            kind: c.kind.to_string(),
            synthetic: c.synthetic,
            deploy_time_s: c.deploy_time.num_seconds(),
            all_users_after_s: c.all_users_after.map(|d| d.num_seconds()),
            min_capacity_kept_pct: c.min_capacity_kept_pct,
            peak_extra_capacity_pct: c.peak_extra_capacity_pct,
            blast_radius_pct: c.blast_radius_pct,
            rollback_time_s: c.rollback_time.num_seconds(),
            fits_now: c.fits_now,
            next_start: c.next_start.map(|t| t.fixed_offset()),
        }
    }
}
