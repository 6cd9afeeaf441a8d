//! Rules made while a server runs rather than read from a file — today the
//! runtime freeze ("stop the line" from chat or CI) — and the served set that
//! puts them after the files' rules. They are told apart by their origin, never
//! by their name.

use super::rule::{ChangeKind, OverridePolicy, Rule, RuleKind, RuleOrigin, RuleSource};
use super::scope::Scope;
use super::set::PolicySet;
use crate::time::spec::TimeSpec;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// The name a runtime freeze blocks under: `runtime:<id>`.
pub fn runtime_rule_name(id: &str) -> String {
    format!("runtime:{id}")
}

/// A runtime freeze, as the store keeps it: who made it, what it covers and when.
#[derive(Debug, Clone, Copy)]
pub struct RuntimeFreezeSpec<'a> {
    pub id: &'a str,
    pub services: &'a [String],
    pub envs: &'a [String],
    pub start: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub reason: &'a str,
    pub created_by: &'a str,
}

/// What a runtime freeze's rule reason says between the freeze's own reason and
/// who made it: `INC-42 (runtime freeze by slack:U123 (ann))`.
const RUNTIME_BY: &str = " (runtime freeze by ";

/// A runtime freeze's rule reason split back into the freeze's reason and who
/// made it, for front doors that show the maker their own way (Slack, as a
/// mention). `None` for any other reason.
pub fn runtime_reason_parts(reason: &str) -> Option<(&str, &str)> {
    let (own, by) = reason.rsplit_once(RUNTIME_BY)?;
    let by = by.strip_suffix(')')?;
    Some((own, by))
}

impl RuntimeFreezeSpec<'_> {
    /// The freeze as a rule. Rollbacks stay allowed (getting back to the last good
    /// version is what an incident needs) and nothing overrides it: whoever may
    /// override may lift it instead, which is audited. `None` when a pattern no
    /// longer parses (a stored row edited by hand): skipped rather than widened to
    /// everything.
    pub fn rule(&self, timezone: Tz) -> Option<Rule> {
        let services = Scope::parse(self.services.iter().map(String::as_str)).ok()?;
        let envs = Scope::parse(self.envs.iter().map(String::as_str)).ok()?;
        Some(Rule {
            name: runtime_rule_name(self.id),
            origin: RuleOrigin::Runtime(self.id.to_string()),
            kind: RuleKind::Freeze,
            reason: Some(format!("{}{RUNTIME_BY}{})", self.reason, self.created_by)),
            services,
            envs,
            exempt: vec![ChangeKind::Rollback],
            override_policy: OverridePolicy::Never,
            approvers: Vec::new(),
            timezone,
            source: RuleSource::Spec(TimeSpec::Once {
                start: self.start,
                end: self.until,
            }),
        })
    }
}

impl PolicySet {
    /// The set the files make, with `runtime` rules after theirs (this set's own
    /// runtime rules are dropped).
    pub fn with_runtime_rules(&self, runtime: impl IntoIterator<Item = Rule>) -> PolicySet {
        let mut served = self.clone();
        served.rules.retain(|r| !r.origin.is_runtime());
        served.rules.extend(runtime);
        served
    }

    /// The rules made at run time, in the order they were added.
    pub fn runtime_rules(&self) -> impl Iterator<Item = &Rule> {
        // They come after the files' rules, which need not be looked at.
        self.rules_after_files()
            .iter()
            .filter(|r| r.origin.is_runtime())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec<'a>(id: &'a str, services: &'a [String]) -> RuntimeFreezeSpec<'a> {
        RuntimeFreezeSpec {
            id,
            services,
            envs: services,
            start: DateTime::<Utc>::from_timestamp(0, 0).unwrap(),
            until: DateTime::<Utc>::from_timestamp(3600, 0).unwrap(),
            reason: "INC-1",
            created_by: "alice",
        }
    }

    #[test]
    fn a_runtime_reason_splits_back_into_the_reason_and_its_maker() {
        let mut s = spec("7", &[]);
        s.reason = "INC-1 (runtime freeze by mallory)";
        s.created_by = "slack:U2CERLKJA (roadrunner)";
        let rule = s.rule(Tz::UTC).unwrap();
        let reason = rule.reason.unwrap();
        assert_eq!(
            runtime_reason_parts(&reason),
            Some((
                "INC-1 (runtime freeze by mallory)",
                "slack:U2CERLKJA (roadrunner)"
            ))
        );
        assert_eq!(runtime_reason_parts("Nobody is around"), None);
    }

    #[test]
    fn a_runtime_freeze_is_told_by_its_origin_not_its_name() {
        let all = vec!["*".to_string()];
        let rule = spec("7", &all).rule(Tz::UTC).unwrap();
        assert_eq!(rule.name, "runtime:7");
        assert_eq!(rule.origin, RuleOrigin::Runtime("7".into()));
        assert!(rule.origin.is_runtime());
        // A file rule that happens to be named like one is still a file rule.
        let mut named = rule.clone();
        named.origin = RuleOrigin::File("a.toml".into());
        assert!(!named.origin.is_runtime());
    }

    #[test]
    fn a_pattern_that_no_longer_parses_is_skipped() {
        let bad = vec!["[".to_string()];
        assert!(spec("1", &bad).rule(Tz::UTC).is_none());
    }
}
