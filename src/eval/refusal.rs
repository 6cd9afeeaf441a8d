//! Why an override was refused: for each rule behind a blocker that the
//! override does not satisfy, one sentence a person can act on (`rule weekend
//! cannot be overridden`, `bob is not an approver of thanksgiving (approvers:
//! oncall-lead)`). Read from the decision's blockers and the rules that made
//! them, so it names exactly what held the deploy.

use super::model::{Blocker, Override};
use crate::policy::{OverridePolicy, PolicySet};

/// The reasons `o` does not push through `blocked_by`, in blocker order; empty
/// when every rule accepts it. A window blocker stands for every applicable
/// window (its `rule` names them, comma-separated); a blocker that names no rule
/// of `policy` cannot be overridden.
pub fn override_refusals(policy: &PolicySet, blocked_by: &[Blocker], o: &Override) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for b in blocked_by {
        for name in b.rule.split(", ") {
            let why = match policy.rules.iter().find(|r| r.name == name) {
                None => Some(format!("{name} cannot be overridden")),
                Some(rule) if rule.accepts_override(&o.reason, o.approver.as_deref()) => None,
                Some(rule) => Some(match rule.override_policy {
                    OverridePolicy::Never => format!("rule {name} cannot be overridden"),
                    OverridePolicy::Reason => {
                        format!("rule {name} needs a reason to be overridden")
                    }
                    OverridePolicy::Approver => {
                        let approvers = rule.approvers.join(", ");
                        match o.approver.as_deref().map(str::trim) {
                            Some(who) if !who.is_empty() && !o.reason.trim().is_empty() => {
                                format!(
                                    "{who} is not an approver of {name} (approvers: {approvers})"
                                )
                            }
                            Some(_) if o.reason.trim().is_empty() => {
                                format!("rule {name} needs a reason to be overridden")
                            }
                            _ => format!(
                                "rule {name} needs an approver to be overridden (approvers: {approvers})"
                            ),
                        }
                    }
                }),
            };
            if let Some(why) = why.filter(|w| !out.contains(w)) {
                out.push(why);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{DeployRequest, decide};

    const POLICY: &str = "[[freeze]]\nname = \"weekend\"\nfrom = \"fri 17:00\"\nto = \"mon 06:00\"\n\n\
        [[freeze]]\nname = \"thanksgiving\"\nstart_at = \"2026-11-26T00:00\"\nend_at = \"2026-11-28T00:00\"\n\
        override = \"approver\"\napprovers = [\"alice\", \"carol\"]\n\n\
        [[freeze]]\nname = \"sale\"\nstart_at = \"2026-11-27T00:00\"\nend_at = \"2026-11-28T00:00\"\noverride = \"reason\"\n";

    fn refusals(at: &str, approver: Option<&str>) -> Vec<String> {
        let policy = PolicySet::from_files(&[("a.toml", POLICY)]).unwrap();
        let at = chrono::DateTime::parse_from_rfc3339(at).unwrap().to_utc();
        let o = Override {
            reason: "hotfix for checkout".into(),
            approver: approver.map(String::from),
        };
        let mut req = DeployRequest::new("web", "prod", at);
        req.override_ = Some(o.clone());
        let d = decide(&policy, &req).unwrap();
        override_refusals(&policy, &d.blocked_by, &o)
    }

    #[test]
    fn each_rule_that_refuses_says_why() {
        // Friday 27 November, 18:00 UTC: all three block.
        assert_eq!(
            refusals("2026-11-27T18:00:00Z", Some("bob")),
            vec![
                "bob is not an approver of thanksgiving (approvers: alice, carol)",
                "rule weekend cannot be overridden",
            ]
        );
        assert_eq!(
            refusals("2026-11-27T10:00:00Z", None),
            vec!["rule thanksgiving needs an approver to be overridden (approvers: alice, carol)"]
        );
        // An approver on the list and a reason: nothing refused.
        assert_eq!(
            refusals("2026-11-27T10:00:00Z", Some("alice")),
            Vec::<String>::new()
        );
    }
}
