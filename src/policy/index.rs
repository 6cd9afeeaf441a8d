//! The scope index of a loaded policy: the rules that apply to a service and
//! environment, found by looking the service's name up (exact names, and the
//! prefixes of `team-*` patterns) rather than by testing every rule's scope,
//! and kept per (service, environment) for as long as the policy is loaded.
//!
//! Only the files' rules are indexed. The rules a server adds at run time
//! (runtime freezes, reservations) come after them in [`PolicySet::rules`] and
//! are few: they are tested one by one, so adding or lifting one never
//! rebuilds the index.

use super::reuse::Expansions;
use super::rule::{ChangeKind, Rule, RuleSource};
use super::scope::IndexKey;
use super::set::PolicySet;
use quick_cache::Weighter;
use quick_cache::sync::Cache;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

/// How much the applicable sets kept per (service, environment) may weigh, in
/// bytes (about: each set counts its rule numbers and its key). Names come from
/// requests, so this bounds what a flood of made-up names can hold.
pub const APPLICABLE_BUDGET: u64 = 16 << 20;

/// The index of one loaded policy's file rules; shared (behind an `Arc`) by every
/// set composed from the same files.
pub(crate) struct RuleIndex {
    /// How many of the set's rules are the files' (indexed), from the first.
    files: usize,
    /// Rules (by position) with an entry naming exactly this service.
    exact: HashMap<Box<str>, Vec<u32>>,
    /// Rules with a `prefix*` entry, by prefix.
    prefixes: HashMap<Box<str>, Vec<u32>>,
    /// The lengths of those prefixes, so a name is cut only where one may match.
    prefix_lengths: Vec<usize>,
    /// Rules tested for every service: a glob entry, or a scope that matches
    /// names no key lists (`*`, only `!` entries, no list).
    tested: Vec<u32>,
    /// Rules that read a calendar feed or a traffic profile (what `/healthz`
    /// and the refresh timer look at).
    feeds: Vec<u32>,
    applicable: Cache<(String, String), Arc<Applicable>, ApplicableWeight>,
    next_id: AtomicU64,
    /// Switched on by a long-lived holder of the policy (the server).
    expansions: OnceLock<Expansions>,
}

/// The files' rules whose service and environment scopes match one (service,
/// environment), by position, in policy order. Each set has its own number, so
/// what is kept about it (its expansions) is never confused with another's.
#[derive(Debug)]
pub(crate) struct Applicable {
    pub id: u64,
    pub rules: Box<[u32]>,
}

/// The rules of a set that apply to one request, split by where they come from.
pub(crate) struct Applying<'p> {
    /// The files' rules, from the index (`None`: the set's rules no longer start
    /// with the files' the index was built from, so everything is in `others`).
    pub files: Option<Arc<Applicable>>,
    /// The rules after the files' (runtime freezes, reservations) that match.
    pub others: Vec<&'p Rule>,
}

/// A (service, environment) key looked up without copying the names: it hashes
/// as the owned pair does.
#[derive(Hash)]
struct Names<'a>(&'a str, &'a str);

impl quick_cache::Equivalent<(String, String)> for Names<'_> {
    fn equivalent(&self, key: &(String, String)) -> bool {
        self.0 == key.0 && self.1 == key.1
    }
}

#[derive(Clone)]
struct ApplicableWeight;

impl Weighter<(String, String), Arc<Applicable>> for ApplicableWeight {
    fn weight(&self, key: &(String, String), set: &Arc<Applicable>) -> u64 {
        let bytes = key.0.len() + key.1.len() + 4 * set.rules.len() + 64;
        bytes as u64
    }
}

impl std::fmt::Debug for RuleIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleIndex")
            .field("files", &self.files)
            .field("exact", &self.exact.len())
            .field("prefixes", &self.prefixes.len())
            .field("tested", &self.tested.len())
            .field("cached", &self.applicable.len())
            .finish()
    }
}

impl RuleIndex {
    /// Indexes `rules` (a set's file rules, in policy order).
    pub fn build(rules: &[Rule]) -> RuleIndex {
        let mut exact: HashMap<Box<str>, Vec<u32>> = HashMap::new();
        let mut prefixes: HashMap<Box<str>, Vec<u32>> = HashMap::new();
        let mut tested = Vec::new();
        let mut feeds = Vec::new();
        for (i, rule) in rules.iter().enumerate() {
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            if matches!(
                rule.events(),
                RuleSource::Calendar(_) | RuleSource::Traffic(_)
            ) {
                feeds.push(i);
            }
            let Some(keys) = rule.services.index_keys() else {
                tested.push(i);
                continue;
            };
            let mut glob = false;
            for key in keys {
                match key {
                    IndexKey::Exact(name) => exact.entry(name.into()).or_default().push(i),
                    IndexKey::Prefix(p) => prefixes.entry(p.into()).or_default().push(i),
                    IndexKey::Glob => glob = true,
                }
            }
            if glob {
                tested.push(i);
            }
        }
        let mut prefix_lengths: Vec<usize> = prefixes.keys().map(|p| p.len()).collect();
        prefix_lengths.sort_unstable();
        prefix_lengths.dedup();
        RuleIndex {
            files: rules.len(),
            exact,
            prefixes,
            prefix_lengths,
            tested,
            feeds,
            applicable: Cache::with_weighter(1024, APPLICABLE_BUDGET, ApplicableWeight),
            next_id: AtomicU64::new(1),
            expansions: OnceLock::new(),
        }
    }

    /// The file rules (by position in `rules`) that apply to `service` in `env`.
    fn applicable(&self, rules: &[Rule], service: &str, env: &str) -> Arc<Applicable> {
        if let Some(found) = self.applicable.get(&Names(service, env)) {
            return found;
        }
        let found = Arc::new(Applicable {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            rules: self.find(rules, service, env),
        });
        let key = (service.to_string(), env.to_string());
        self.applicable.insert(key, Arc::clone(&found));
        found
    }

    /// Looks the service up and tests only the rules it may match.
    fn find(&self, rules: &[Rule], service: &str, env: &str) -> Box<[u32]> {
        let mut candidates: Vec<u32> = self.tested.clone();
        if let Some(list) = self.exact.get(service) {
            candidates.extend(list);
        }
        for &len in &self.prefix_lengths {
            let Some(head) = service.get(..len) else {
                break;
            };
            if let Some(list) = self.prefixes.get(head) {
                candidates.extend(list);
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        candidates.retain(|&i| {
            rules
                .get(i as usize)
                .is_some_and(|r| r.services.matches(service) && r.envs.matches(env))
        });
        candidates.into_boxed_slice()
    }
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
        let files = self.index.feeds.iter();
        let from_files = files.filter_map(|&i| self.rules.get(i as usize));
        let reads_feed =
            |r: &&Rule| matches!(r.events(), RuleSource::Calendar(_) | RuleSource::Traffic(_));
        let after: &[Rule] = self.rules.get(self.index.files..).unwrap_or_default();
        from_files.chain(after.iter().filter(reads_feed))
    }

    /// The rules after the files' (runtime freezes, reservations); all of them
    /// when the set no longer starts with the files' rules.
    pub(crate) fn rules_after_files(&self) -> &[Rule] {
        self.rules.get(self.index.files..).unwrap_or(&self.rules)
    }

    /// The rules whose service and environment scopes match, whatever the change.
    pub(crate) fn applying(&self, service: &str, env: &str) -> Applying<'_> {
        let index = &self.index;
        let test = |r: &&Rule| r.services.matches(service) && r.envs.matches(env);
        match self.rules.get(index.files..) {
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
        self.index.expansions.get_or_init(Expansions::new);
    }

    /// The kept expansions, when [`PolicySet::reuse_expansions`] was called.
    pub(crate) fn expansions(&self) -> Option<&Expansions> {
        self.index.expansions.get()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

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
        assert!(policy.index.applicable.weight() <= APPLICABLE_BUDGET);
        assert!(policy.index.applicable.len() < 20_000);
    }
}
