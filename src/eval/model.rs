//! The decision's types: the request (with its override), the verdict, the
//! blockers and the answer, its times in the policy's zone.

use crate::policy::{ChangeKind, Rule, RuleKind, RuleOrigin};
use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;

/// "May `service` go to `env` at `at`?" Defaults come from the policy settings.
#[derive(Debug, Clone)]
pub struct DeployRequest {
    pub service: String,
    pub env: String,
    pub at: DateTime<Utc>,
    pub change: ChangeKind,
    /// Length of the deploy itself; `settings.deploy_duration` when `None`.
    pub duration: Option<TimeDelta>,
    /// Time reserved after the deploy; `settings.monitoring` when `None`.
    pub monitoring: Option<TimeDelta>,
    pub override_: Option<Override>,
    /// The reservation this deploy holds: its slot does not block it (every
    /// other reservation still does).
    pub reservation: Option<String>,
}

impl DeployRequest {
    pub fn new(
        service: impl Into<String>,
        env: impl Into<String>,
        at: DateTime<Utc>,
    ) -> DeployRequest {
        DeployRequest {
            service: service.into(),
            env: env.into(),
            at,
            change: ChangeKind::Deploy,
            duration: None,
            monitoring: None,
            override_: None,
            reservation: None,
        }
    }
}

/// A request to push through rules that accept overrides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub reason: String,
    pub approver: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    Override,
    Deny,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockerKind {
    Window,
    Freeze,
    Market,
    /// A slot another deploy of the same lane holds (rule `reservation:<id>`).
    Reservation,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Override => "override",
            Verdict::Deny => "deny",
        }
    }
}

impl From<RuleKind> for BlockerKind {
    fn from(kind: RuleKind) -> BlockerKind {
        match kind {
            RuleKind::Window => BlockerKind::Window,
            RuleKind::Freeze => BlockerKind::Freeze,
            RuleKind::Market => BlockerKind::Market,
        }
    }
}

impl BlockerKind {
    /// The kind of blocker `rule` makes: a reservation's is `reservation`,
    /// whatever kind of rule carries it.
    pub fn of(rule: &Rule) -> BlockerKind {
        match rule.origin {
            RuleOrigin::Reservation(_) => BlockerKind::Reservation,
            _ => rule.kind.into(),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BlockerKind::Window => "window",
            BlockerKind::Freeze => "freeze",
            BlockerKind::Market => "market",
            BlockerKind::Reservation => "reservation",
        }
    }
}

/// A rule (or, for windows, the set of applicable windows) that blocks a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocker {
    pub rule: String,
    pub kind: BlockerKind,
    pub reason: String,
    /// The rule's maximal blocking interval that meets the guarded interval.
    pub from: DateTime<Tz>,
    pub until: DateTime<Tz>,
    pub overridable: bool,
}

/// The answer: the decision's JSON fields, its times in the policy's zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub verdict: Verdict,
    pub service: String,
    pub env: String,
    pub change: ChangeKind,
    pub start: DateTime<Tz>,
    pub deploy_end: DateTime<Tz>,
    pub monitoring_end: DateTime<Tz>,
    pub blocked_by: Vec<Blocker>,
    pub next_allowed: Option<DateTime<Tz>>,
    pub free_until: Option<DateTime<Tz>>,
    pub policy: String,
    /// Calendar feeds of applicable rules that are running on an older copy
    /// because their last refresh failed: `"rule: fetched …, refresh failed: …"`.
    /// Usually none.
    pub stale: Vec<String>,
    /// When the searches for `next_allowed` and `free_until` stopped before the
    /// horizon because a rule's data ends: where, and whose data. For people;
    /// not part of the decision's JSON.
    pub data_end: Option<(DateTime<Tz>, String)>,
}
