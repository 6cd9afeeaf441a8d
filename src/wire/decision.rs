//! The decision as JSON: the object `check` and `next --format json`
//! print, `/v1/check` and `/v1/next` answer, and `check --remote` reads back.

use super::{opt_rfc3339, rfc3339};
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
    /// A slot another deploy of the same lane holds.
    Reservation,
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

/// The answer, shaped exactly as the documented decision object.
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
    /// Always present; `null` when allowed or when nothing opens in time.
    #[serde(with = "opt_rfc3339", default)]
    #[schema(value_type = Option<String>, format = DateTime, required = true)]
    pub next_allowed: Option<DateTime<FixedOffset>>,
    /// Always present; `null` unless allowed with the clear stretch's end known.
    #[serde(with = "opt_rfc3339", default)]
    #[schema(value_type = Option<String>, format = DateTime, required = true)]
    pub free_until: Option<DateTime<FixedOffset>>,
    pub policy: String,
    /// Calendar feeds of applicable rules that are running on an older copy
    /// because their last refresh failed: `"rule: fetched …, refresh failed: …"`.
    /// Present only when there are some, so the decision object is otherwise
    /// unchanged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(example = json!(["holidays: fetched 2026-11-27T15:00:00+09:00, refresh failed: the server answered HTTP 500"]))]
    pub stale: Vec<String>,
    /// Why an override given with the request did not push it through, one
    /// sentence per rule that refused it. Present only when an override was
    /// refused.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(example = json!(["bob is not an approver of thanksgiving (approvers: oncall-lead)", "rule weekend cannot be overridden"]))]
    pub override_refused: Vec<String>,
}

/// A decision read back that this build cannot take as a decision.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadBackError {
    /// Its `change` is none of the kinds this build knows.
    #[error("unknown `change` `{0}`")]
    UnknownChange(String),
    /// `allowed` says one thing and `verdict` another: a gate cannot pick one.
    #[error(
        "`allowed` is {allowed} but `verdict` is `{verdict}` (`allowed` is true for `allow` and `override`, false for `deny`)"
    )]
    Contradiction { allowed: bool, verdict: String },
}

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
            override_refused: Vec::new(),
        }
    }
}

impl Decision {
    /// The decision this JSON describes, its times in `zone` (the JSON carries
    /// offsets only; a server names its policy's zone in a header). Where the
    /// searches stopped for want of data is not part of the JSON, so the result
    /// has no `data_end`.
    /// `allowed` and `verdict` must agree, or the answer is refused whole.
    pub fn into_decision(self, zone: Tz) -> Result<eval::Decision, ReadBackError> {
        let verdict = eval::Verdict::from(self.verdict);
        if self.allowed != (verdict != eval::Verdict::Deny) {
            return Err(ReadBackError::Contradiction {
                allowed: self.allowed,
                verdict: verdict.as_str().to_string(),
            });
        }
        let change =
            ChangeKind::parse(&self.change).ok_or(ReadBackError::UnknownChange(self.change))?;
        let at = |t: DateTime<FixedOffset>| t.with_timezone(&zone);
        Ok(eval::Decision {
            allowed: self.allowed,
            verdict,
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
            eval::BlockerKind::Reservation => BlockerKind::Reservation,
        }
    }
}

impl From<BlockerKind> for eval::BlockerKind {
    fn from(k: BlockerKind) -> eval::BlockerKind {
        match k {
            BlockerKind::Window => eval::BlockerKind::Window,
            BlockerKind::Freeze => eval::BlockerKind::Freeze,
            BlockerKind::Market => eval::BlockerKind::Market,
            BlockerKind::Reservation => eval::BlockerKind::Reservation,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeDelta, TimeZone};
    use chrono_tz::Asia::Seoul;

    fn seoul(h: u32, m: u32) -> DateTime<Tz> {
        Seoul.with_ymd_and_hms(2026, 11, 27, h, m, 0).unwrap()
    }

    fn denied() -> eval::Decision {
        eval::Decision {
            allowed: false,
            verdict: eval::Verdict::Deny,
            service: "web".into(),
            env: "prod".into(),
            change: ChangeKind::Hotfix,
            start: seoul(17, 0),
            deploy_end: seoul(17, 30),
            monitoring_end: seoul(18, 0),
            blocked_by: vec![eval::Blocker {
                rule: "evening".into(),
                kind: eval::BlockerKind::Window,
                reason: "outside 09:00-17:00".into(),
                from: seoul(17, 0),
                until: seoul(9, 0) + TimeDelta::days(3),
                overridable: true,
            }],
            next_allowed: Some(seoul(9, 0) + TimeDelta::days(3)),
            free_until: None,
            policy: "sha256:abc".into(),
            stale: Vec::new(),
            data_end: None,
        }
    }

    #[test]
    fn a_decision_is_the_spec_object_in_spec_order_with_the_zones_offset() {
        let json = serde_json::to_string(&Decision::from(&denied())).unwrap();
        assert_eq!(
            json,
            concat!(
                r#"{"allowed":false,"verdict":"deny","service":"web","env":"prod","change":"hotfix","#,
                r#""start":"2026-11-27T17:00:00+09:00","deploy_end":"2026-11-27T17:30:00+09:00","#,
                r#""monitoring_end":"2026-11-27T18:00:00+09:00","#,
                r#""blocked_by":[{"rule":"evening","kind":"window","reason":"outside 09:00-17:00","#,
                r#""from":"2026-11-27T17:00:00+09:00","until":"2026-11-30T09:00:00+09:00","overridable":true}],"#,
                r#""next_allowed":"2026-11-30T09:00:00+09:00","free_until":null,"policy":"sha256:abc"}"#
            )
        );
    }

    #[test]
    fn stale_is_absent_when_there_are_none_and_listed_when_there_are() {
        let fresh = serde_json::to_value(Decision::from(&denied())).unwrap();
        assert!(fresh.get("stale").is_none(), "{fresh}");
        let mut d = denied();
        d.stale = vec!["cal: fetched 2026-11-27T00:11:00+00:00, refresh failed".into()];
        let json = serde_json::to_value(Decision::from(&d)).unwrap();
        assert_eq!(json["stale"][0], d.stale[0]);
    }

    #[test]
    fn times_are_whole_seconds_and_utc_is_an_offset_not_z() {
        let mut d = denied();
        d.start = chrono_tz::UTC
            .with_ymd_and_hms(2026, 11, 27, 8, 0, 0)
            .unwrap()
            + TimeDelta::milliseconds(250);
        let json = serde_json::to_value(Decision::from(&d)).unwrap();
        assert_eq!(json["start"], "2026-11-27T08:00:00+00:00");
    }

    #[test]
    fn a_decision_read_back_in_the_policys_zone_is_the_same_decision() {
        for d in [denied(), {
            let mut d = denied();
            d.stale = vec!["cal: refresh failed".into()];
            d.next_allowed = None;
            d.free_until = Some(seoul(20, 0));
            d
        }] {
            let text = serde_json::to_string_pretty(&Decision::from(&d)).unwrap();
            let back: Decision = serde_json::from_str(&text).unwrap();
            let back = back.into_decision(Seoul).unwrap();
            assert_eq!(back, d);
            // Abbreviations come from the zone, not from the offset in the text.
            assert_eq!(back.start.format("%Z").to_string(), "KST");
        }
    }

    #[test]
    fn a_decision_from_a_newer_server_is_read_and_an_unknown_change_is_refused() {
        let mut json = serde_json::to_value(Decision::from(&denied())).unwrap();
        json["reviewed_by"] = "a field this build does not know".into();
        let back: Decision = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back.into_decision(Seoul).unwrap(), denied());
        json["change"] = "migration".into();
        let back: Decision = serde_json::from_value(json).unwrap();
        assert_eq!(
            back.into_decision(Seoul).unwrap_err().to_string(),
            "unknown `change` `migration`"
        );
    }

    /// Issue 13, class 5: every pairing of `allowed` and `verdict` that
    /// disagrees is refused, and every one that agrees is read.
    #[test]
    fn allowed_and_verdict_that_disagree_are_refused() {
        for (allowed, verdict, ok) in [
            (true, "allow", true),
            (true, "override", true),
            (false, "deny", true),
            (true, "deny", false),
            (false, "allow", false),
            (false, "override", false),
        ] {
            let mut json = serde_json::to_value(Decision::from(&denied())).unwrap();
            json["allowed"] = allowed.into();
            json["verdict"] = verdict.into();
            let back: Decision = serde_json::from_value(json).unwrap();
            let got = back.into_decision(Seoul);
            assert_eq!(
                got.is_ok(),
                ok,
                "allowed {allowed}, verdict {verdict}: {got:?}"
            );
            if !ok {
                let message = got.unwrap_err().to_string();
                assert!(
                    message.starts_with(&format!(
                        "`allowed` is {allowed} but `verdict` is `{verdict}`"
                    )),
                    "{message}"
                );
            }
        }
    }

    #[test]
    fn a_body_without_a_field_of_the_spec_object_is_not_a_decision() {
        let mut json = serde_json::to_value(Decision::from(&denied())).unwrap();
        json.as_object_mut().unwrap().remove("verdict");
        let err = serde_json::from_value::<Decision>(json).unwrap_err();
        assert!(err.to_string().contains("verdict"), "{err}");
    }
}
