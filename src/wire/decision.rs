//! The decision as JSON (SPEC §4): the object `check` and `next --format json`
//! print, `/v1/check` and `/v1/next` answer, and `check --remote` reads back.

use super::time::{opt_rfc3339, rfc3339};
use crate::eval;
use crate::policy::ChangeKind;
use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// The response header that names the policy's zone, so a client
/// (`check --remote`) can show the §4 times, which carry only offsets, in the
/// zone the policy means.
pub const ZONE_HEADER: &str = "shipwindow-timezone";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Allow,
    Override,
    Deny,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum BlockerKind {
    Window,
    Freeze,
    Market,
}

/// A rule (or, for windows, the set of applicable windows) that blocks a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Blocker {
    pub rule: String,
    pub kind: BlockerKind,
    pub reason: String,
    /// The rule's maximal blocking interval that meets the guarded interval.
    #[serde(with = "rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub from: DateTime<FixedOffset>,
    #[serde(with = "rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub until: DateTime<FixedOffset>,
    pub overridable: bool,
}

/// The answer, shaped exactly as SPEC §4's JSON object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Decision {
    pub allowed: bool,
    pub verdict: Verdict,
    pub service: String,
    pub env: String,
    #[schema(example = "deploy")]
    pub change: String,
    #[serde(with = "rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub start: DateTime<FixedOffset>,
    #[serde(with = "rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub deploy_end: DateTime<FixedOffset>,
    #[serde(with = "rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub monitoring_end: DateTime<FixedOffset>,
    pub blocked_by: Vec<Blocker>,
    #[serde(with = "opt_rfc3339", default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub next_allowed: Option<DateTime<FixedOffset>>,
    #[serde(with = "opt_rfc3339", default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub free_until: Option<DateTime<FixedOffset>>,
    pub policy: String,
    /// Calendar feeds of applicable rules that are running on an older copy
    /// because their last refresh failed: `"rule: fetched …, refresh failed: …"`.
    /// Present only when there are some, so the SPEC §4 object is otherwise
    /// unchanged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(example = json!(["holidays: fetched 2026-11-27T15:00:00+09:00, refresh failed: the server answered HTTP 500"]))]
    pub stale: Vec<String>,
}

/// A decision read back whose `change` is none of the kinds this build knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown `change` `{0}`")]
pub struct UnknownChange(pub String);

impl From<&eval::Decision> for Decision {
    fn from(d: &eval::Decision) -> Decision {
        Decision {
            allowed: d.allowed,
            verdict: d.verdict.into(),
            service: d.service.clone(),
            env: d.env.clone(),
            change: d.change.as_str().to_string(),
            start: d.start.fixed_offset(),
            deploy_end: d.deploy_end.fixed_offset(),
            monitoring_end: d.monitoring_end.fixed_offset(),
            blocked_by: d.blocked_by.iter().map(Blocker::from).collect(),
            next_allowed: d.next_allowed.map(|t| t.fixed_offset()),
            free_until: d.free_until.map(|t| t.fixed_offset()),
            policy: d.policy.clone(),
            stale: d.stale.clone(),
        }
    }
}

impl Decision {
    /// The decision this JSON describes, its times in `zone` (the JSON carries
    /// offsets only; a server names its policy's zone in a header). Where the
    /// searches stopped for want of data is not part of the JSON, so the result
    /// has no `data_end`.
    pub fn into_decision(self, zone: Tz) -> Result<eval::Decision, UnknownChange> {
        let change = ChangeKind::parse(&self.change).ok_or(UnknownChange(self.change))?;
        let at = |t: DateTime<FixedOffset>| t.with_timezone(&zone);
        Ok(eval::Decision {
            allowed: self.allowed,
            verdict: self.verdict.into(),
            service: self.service,
            env: self.env,
            change,
            start: at(self.start),
            deploy_end: at(self.deploy_end),
            monitoring_end: at(self.monitoring_end),
            blocked_by: self
                .blocked_by
                .into_iter()
                .map(|b| eval::Blocker {
                    rule: b.rule,
                    kind: b.kind.into(),
                    reason: b.reason,
                    from: at(b.from),
                    until: at(b.until),
                    overridable: b.overridable,
                })
                .collect(),
            next_allowed: self.next_allowed.map(at),
            free_until: self.free_until.map(at),
            policy: self.policy,
            stale: self.stale,
            data_end: None,
        })
    }
}

impl From<&eval::Blocker> for Blocker {
    fn from(b: &eval::Blocker) -> Blocker {
        Blocker {
            rule: b.rule.clone(),
            kind: b.kind.into(),
            reason: b.reason.clone(),
            from: b.from.fixed_offset(),
            until: b.until.fixed_offset(),
            overridable: b.overridable,
        }
    }
}

impl From<eval::Verdict> for Verdict {
    fn from(v: eval::Verdict) -> Verdict {
        match v {
            eval::Verdict::Allow => Verdict::Allow,
            eval::Verdict::Override => Verdict::Override,
            eval::Verdict::Deny => Verdict::Deny,
        }
    }
}

impl From<Verdict> for eval::Verdict {
    fn from(v: Verdict) -> eval::Verdict {
        match v {
            Verdict::Allow => eval::Verdict::Allow,
            Verdict::Override => eval::Verdict::Override,
            Verdict::Deny => eval::Verdict::Deny,
        }
    }
}

impl From<eval::BlockerKind> for BlockerKind {
    fn from(k: eval::BlockerKind) -> BlockerKind {
        match k {
            eval::BlockerKind::Window => BlockerKind::Window,
            eval::BlockerKind::Freeze => BlockerKind::Freeze,
            eval::BlockerKind::Market => BlockerKind::Market,
        }
    }
}

impl From<BlockerKind> for eval::BlockerKind {
    fn from(k: BlockerKind) -> eval::BlockerKind {
        match k {
            BlockerKind::Window => eval::BlockerKind::Window,
            BlockerKind::Freeze => eval::BlockerKind::Freeze,
            BlockerKind::Market => eval::BlockerKind::Market,
        }
    }
}
