//! The rules that apply to a request, from a set's scope index (its files'
//! rules) and the rules after them (runtime freezes, reservations), and the
//! switch that has a long-lived set keep its expansions.

use super::index::Applicable;
use super::reuse::Expansions;
use super::rule::{ChangeKind, Rule};
use super::set::PolicySet;
use std::sync::Arc;

/// The rules of a set that apply to one request, split by where they come from.
pub(crate) struct Applying<'p> {
    /// The files' rules, from the index (`None`: the set's rules no longer start
    /// with the files' the index was built from, so everything is in `others`).
    pub files: Option<Arc<Applicable>>,
    /// The rules after the files' (runtime freezes, reservations) that match.
    pub others: Vec<&'p Rule>,
}

impl PolicySet {
    /// The rules that govern a `change` of `service` in `env`, in policy order.
    pub fn applicable(&self, service: &str, env: &str, change: ChangeKind) -> Vec<&Rule> {
        let Applying { files, others } = self.applying(service, env);
        let ids = files.as_deref().map_or(&[][..], |set| &set.rules[..]);
        let file_rules = ids.iter().filter_map(|&i| self.rules.get(i as usize));
        file_rules
            .chain(others)
            .filter(|r| !r.exempt.contains(&change))
            .collect()
    }

    /// The rules that read a calendar feed or a traffic profile, in policy order.
    pub fn feed_rules(&self) -> impl Iterator<Item = &Rule> {
        let files = self.index.feeds().iter();
        let from_files = files.filter_map(|&i| self.rules.get(i as usize));
        let after: &[Rule] = self.rules.get(self.index.files()..).unwrap_or_default();
        from_files.chain(after.iter().filter(|r| r.reads_feed()))
    }

    /// The rules after the files' (runtime freezes, reservations); all of them
    /// when the set no longer starts with the files' rules.
    pub(crate) fn rules_after_files(&self) -> &[Rule] {
        self.rules.get(self.index.files()..).unwrap_or(&self.rules)
    }

    /// The rules whose service and environment scopes match, whatever the change.
    pub(crate) fn applying(&self, service: &str, env: &str) -> Applying<'_> {
        let index = &self.index;
        let test = |r: &&Rule| r.services.matches(service) && r.envs.matches(env);
        match self.rules.get(index.files()..) {
            Some(after) => Applying {
                files: Some(index.applicable(&self.rules, service, env)),
                others: after.iter().filter(test).collect(),
            },
            None => Applying {
                files: None,
                others: self.rules.iter().filter(test).collect(),
            },
        }
    }

    /// Keeps rule expansions from one request to the next for as long as this
    /// policy (or any set composed from its files) is loaded; for a long-lived
    /// holder such as the server. Idempotent.
    pub fn reuse_expansions(&self) {
        self.index.expansions().get_or_init(Expansions::new);
    }

    /// The kept expansions, when [`PolicySet::reuse_expansions`] was called.
    pub(crate) fn expansions(&self) -> Option<&Expansions> {
        self.index.expansions().get()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;
    use crate::policy::APPLICABLE_BUDGET;

    fn names(policy: &PolicySet, service: &str, env: &str) -> Vec<String> {
        let found = policy.applicable(service, env, ChangeKind::Deploy);
        found.iter().map(|r| r.name.clone()).collect()
    }

    /// The plain scan the index stands for.
    fn scanned(policy: &PolicySet, service: &str, env: &str) -> Vec<String> {
        let all = policy.rules.iter();
        let found = all.filter(|r| r.applies(service, env, ChangeKind::Deploy));
        found.map(|r| r.name.clone()).collect()
    }

    const POLICY: &str = r#"
[[freeze]]
name = "exact"
services = ["web", "api"]
envs = ["prod"]
cron = "0 9 * * *"
duration = "1h"

[[freeze]]
name = "team"
services = ["pay-*", "!pay-sandbox"]
cron = "0 10 * * *"
duration = "1h"

[[freeze]]
name = "short-prefix"
services = ["p*"]
cron = "0 10 * * *"
duration = "1h"

[[freeze]]
name = "glob"
services = ["web-[ab]", "ledger"]
cron = "0 11 * * *"
duration = "1h"

[[freeze]]
name = "everything-but"
services = ["!web"]
envs = ["prod*"]
cron = "0 12 * * *"
duration = "1h"

[[window]]
name = "all"
days = ["daily"]
start = "00:00"
end = "24:00"
exempt = ["hotfix"]
"#;

    #[test]
    fn the_index_finds_what_testing_every_rule_finds() {
        let policy = PolicySet::from_files(&[("p.toml", POLICY)]).unwrap();
        let services = [
            "web",
            "api",
            "pay-api",
            "pay-sandbox",
            "p",
            "pay",
            "web-a",
            "web-c",
            "ledger",
            "x",
            "",
            "pé-ü",
            "web-a-b",
        ];
        for service in services {
            for env in ["prod", "prod-eu", "staging"] {
                assert_eq!(
                    names(&policy, service, env),
                    scanned(&policy, service, env),
                    "{service}/{env}"
                );
                // Asked again: the set kept, not found again.
                let kept = |p: &PolicySet| p.applying(service, env).files.unwrap();
                assert!(Arc::ptr_eq(&kept(&policy), &kept(&policy)));
                assert_eq!(names(&policy, service, env), scanned(&policy, service, env));
            }
        }
        assert_eq!(
            names(&policy, "pay-api", "prod"),
            ["team", "short-prefix", "everything-but", "all"]
        );
        let hotfix: Vec<_> = policy
            .applicable("web", "prod", ChangeKind::Hotfix)
            .iter()
            .map(|r| r.name.as_str())
            .collect();
        assert_eq!(hotfix, ["exact"]);
    }

    #[test]
    fn runtime_rules_join_after_the_files_without_a_new_index() {
        let policy = PolicySet::from_files(&[("p.toml", POLICY)]).unwrap();
        let before = names(&policy, "web", "prod");
        let freeze = crate::policy::RuntimeFreezeSpec {
            id: "7",
            services: &["web".to_string()],
            envs: &["prod".to_string()],
            start: chrono::DateTime::from_timestamp(0, 0).unwrap(),
            until: chrono::DateTime::from_timestamp(3600, 0).unwrap(),
            reason: "INC-1",
            created_by: "ops",
        };
        let served = policy.with_runtime_rules(freeze.rule(chrono_tz::UTC));
        assert!(Arc::ptr_eq(&policy.index, &served.index));
        let mut expected = before.clone();
        expected.push("runtime:7".into());
        assert_eq!(names(&served, "web", "prod"), expected);
        assert_eq!(names(&served, "api", "prod"), names(&policy, "api", "prod"));
        // Lifted: the files' rules only, from the same index.
        let lifted = served.with_runtime_rules([]);
        assert_eq!(names(&lifted, "web", "prod"), before);
    }

    #[test]
    fn names_from_requests_are_kept_within_the_budget() {
        let policy = PolicySet::from_files(&[("p.toml", POLICY)]).unwrap();
        let long = "x".repeat(4096);
        for i in 0..20_000 {
            names(&policy, &format!("{long}-{i}"), "prod");
        }
        assert!(policy.index.weight() <= APPLICABLE_BUDGET);
        assert!(policy.index.cached() < 20_000);
    }
}
