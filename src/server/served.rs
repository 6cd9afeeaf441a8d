//! The policy a server answers with: the policy files' rules plus one freeze rule
//! per runtime freeze and one rule per reservation, composed from the store's
//! rows (each freeze's patterns compiled once), counted, and carried over when
//! the store cannot be read.

use crate::policy::{PolicySet, Rule, RuleOrigin, RuleSource};
use crate::store::{Reservation, RuntimeFreeze};
use crate::time::spec::TimeSpec;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Arc;

/// The policy files as loaded, and what requests are answered with: those rules
/// plus the runtime freezes. Swapped whole, so a request sees one or the other.
pub(super) struct Served {
    pub(super) files: Arc<PolicySet>,
    pub(super) effective: Arc<PolicySet>,
}

/// The served policy: the files' rules, then one freeze rule per runtime freeze.
/// A freeze that `previous` already serves keeps its rule (a stored freeze never
/// changes; lifting it removes it), so each create, lift or reload compiles the
/// patterns of new freezes only, not of every freeze in force.
pub(super) fn compose(
    files: &PolicySet,
    state: &StoreState,
    previous: Option<&PolicySet>,
) -> PolicySet {
    let freezes = &state.freezes;
    let tz = files.settings.timezone;
    let built: HashMap<&str, &Rule> = previous
        .into_iter()
        .flat_map(PolicySet::runtime_rules)
        .filter_map(|r| match &r.origin {
            RuleOrigin::Runtime(id) => Some((id.as_str(), r)),
            RuleOrigin::File(_) | RuleOrigin::Reservation(_) => None,
        })
        .collect();
    let freeze_rules = freezes
        .iter()
        .filter_map(|f| match built.get(f.id.as_str()) {
            // The files' zone may have changed on a reload; the rule shows times in it.
            Some(rule) => Some(Rule {
                timezone: tz,
                ..Rule::clone(rule)
            }),
            None => f.spec().rule(tz),
        });
    // A reservation takes its scope from its lane, which a reload may change:
    // built again each time (they are few, and need no globs compiled).
    let slot_rules = state.reservations.iter().map(|r| r.spec().rule(files));
    files.with_runtime_rules(freeze_rules.chain(slot_rules).collect::<Vec<_>>())
}

/// What the store holds that the served policy is composed from: the runtime
/// freezes and the reservations not yet expired.
#[derive(Debug, Default)]
pub struct StoreState {
    pub freezes: Vec<RuntimeFreeze>,
    pub reservations: Vec<Reservation>,
}

/// Whether `rule` is a runtime freeze's (not a file's or a reservation's).
fn is_freeze(rule: &&Rule) -> bool {
    matches!(rule.origin, RuleOrigin::Runtime(_))
}

/// How many runtime freeze rules in `policy` have not ended by `now`.
pub(super) fn unexpired_rules(policy: &PolicySet, now: DateTime<Utc>) -> usize {
    policy
        .runtime_rules()
        .filter(is_freeze)
        .filter(|r| matches!(&r.source, RuleSource::Spec(TimeSpec::Once { end, .. }) if *end > now))
        .count()
}

/// The runtime freezes in force at `now` (started and not yet ended).
pub(super) fn active_rules(policy: &PolicySet, now: DateTime<Utc>) -> usize {
    policy
        .runtime_rules()
        .filter(is_freeze)
        .filter(|r| {
            matches!(&r.source, RuleSource::Spec(TimeSpec::Once { start, end }) if *start <= now && now < *end)
        })
        .count()
}

/// How many reservations in `policy` have not expired by `now` (booked, and
/// their monitoring not yet over).
pub(super) fn unexpired_reservations(policy: &PolicySet, now: DateTime<Utc>) -> usize {
    policy
        .runtime_rules()
        .filter(|r| matches!(&r.origin, RuleOrigin::Reservation(h) if h.monitoring_end > now))
        .count()
}

/// `files` with the runtime rules of `previous` (when the store cannot be read).
pub(super) fn carry_over(files: &PolicySet, previous: &PolicySet) -> PolicySet {
    files.with_runtime_rules(previous.runtime_rules().cloned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::PolicySet;

    fn freeze(id: &str, service: &str) -> RuntimeFreeze {
        RuntimeFreeze {
            id: id.into(),
            services: vec![service.into()],
            envs: vec!["prod".into()],
            start: DateTime::from_timestamp(0, 0).unwrap(),
            until: DateTime::from_timestamp(3600, 0).unwrap(),
            reason: "INC-1".into(),
            created_by: "ops".into(),
            created_at: DateTime::from_timestamp(0, 0).unwrap(),
            lifted_at: None,
            lifted_by: None,
        }
    }

    fn covers(policy: &PolicySet, id: &str, service: &str) -> bool {
        policy
            .runtime_rules()
            .find(|r| r.origin == RuleOrigin::Runtime(id.into()))
            .unwrap()
            .services
            .matches(service)
    }

    #[test]
    fn a_served_freeze_keeps_its_compiled_rule_and_only_new_ones_are_built() {
        let files = PolicySet::from_files(&[("p.toml", "")]).unwrap();
        let state = |freezes: &[RuntimeFreeze]| StoreState {
            freezes: freezes.to_vec(),
            reservations: Vec::new(),
        };
        let first = compose(&files, &state(&[freeze("1", "api")]), None);
        assert!(covers(&first, "1", "api"));
        // Freeze 1's row now reads differently: had it been compiled again, it
        // would cover `web`. It is the rule already served that stays.
        let rows = [freeze("1", "web"), freeze("2", "db-*")];
        let second = compose(&files, &state(&rows), Some(&first));
        assert!(covers(&second, "1", "api") && !covers(&second, "1", "web"));
        assert!(covers(&second, "2", "db-main"));
        // A freeze no longer in the store is no longer served.
        let third = compose(&files, &state(&rows[1..]), Some(&second));
        let ids: Vec<_> = third.runtime_rules().map(|r| r.name.as_str()).collect();
        assert_eq!(ids, ["runtime:2"]);
    }
}
