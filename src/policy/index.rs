//! The scope index of a loaded policy: the rules that apply to a service and
//! environment, found by looking the service's name up (exact names, and the
//! prefixes of `team-*` patterns) rather than by testing every rule's scope,
//! and kept per (service, environment) for as long as the policy is loaded.
//!
//! Only the files' rules are indexed. The rules a server adds at run time
//! (runtime freezes, reservations) come after them in a set's rules and are
//! few: they are tested one by one (see `applicable`), so adding or lifting one
//! never rebuilds the index.

use super::reuse::Expansions;
use super::rule::Rule;
use super::scope::IndexKey;
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
            if rule.reads_feed() {
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

    /// How many of the set's rules (from the first) are indexed.
    pub fn files(&self) -> usize {
        self.files
    }

    /// The positions of the rules that read a calendar feed or a traffic profile.
    pub fn feeds(&self) -> &[u32] {
        &self.feeds
    }

    /// What the kept applicable sets weigh, and how many there are.
    #[cfg(test)]
    pub fn weight(&self) -> u64 {
        self.applicable.weight()
    }

    #[cfg(test)]
    pub fn cached(&self) -> usize {
        self.applicable.len()
    }

    /// The kept expansions, once switched on.
    pub fn expansions(&self) -> &OnceLock<Expansions> {
        &self.expansions
    }

    /// The file rules (by position in `rules`) that apply to `service` in `env`.
    pub fn applicable(&self, rules: &[Rule], service: &str, env: &str) -> Arc<Applicable> {
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
