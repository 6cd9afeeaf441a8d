//! Reservations as rules: a slot booked in a lane blocks, from its start to its
//! monitoring end, every deploy the lane covers except one that presents it.
//! Made from the store's rows like runtime freezes, and told apart by their
//! origin ([`RuleOrigin::Reservation`]), never by their name.

use super::rule::{Held, OverridePolicy, Rule, RuleKind, RuleOrigin, RuleSource};
use super::scope::Scope;
use super::set::PolicySet;
use crate::time::spec::TimeSpec;
use chrono::{DateTime, Utc};

/// The name a reservation blocks under: `reservation:<id>`.
pub fn reservation_rule_name(id: &str) -> String {
    format!("reservation:{id}")
}

/// A reservation as the store keeps it.
#[derive(Debug, Clone, Copy)]
pub struct ReservationSpec<'a> {
    pub id: &'a str,
    pub lane: &'a str,
    pub service: &'a str,
    pub env: &'a str,
    pub start: DateTime<Utc>,
    pub monitoring_end: DateTime<Utc>,
    pub by: &'a str,
}

impl ReservationSpec<'_> {
    /// The reservation as a rule of `policy`: it covers what its lane covers.
    /// When the policy no longer has the lane, it still blocks its own service
    /// and environment (a booked slot is never silently dropped). Only its
    /// holder may override it, as approver.
    pub fn rule(&self, policy: &PolicySet) -> Rule {
        let tz = policy.settings.timezone;
        let (services, envs) = match policy.lane(self.lane) {
            Some(lane) => (lane.services.clone(), lane.envs.clone()),
            None => (exactly(self.service), exactly(self.env)),
        };
        let until = self
            .monitoring_end
            .with_timezone(&tz)
            .format("%Y-%m-%d %H:%M %Z");
        Rule {
            name: reservation_rule_name(self.id),
            origin: RuleOrigin::Reservation(Box::new(Held {
                id: self.id.to_string(),
                lane: self.lane.to_string(),
                service: self.service.to_string(),
                env: self.env.to_string(),
                by: self.by.to_string(),
                start: self.start,
                monitoring_end: self.monitoring_end,
            })),
            kind: RuleKind::Freeze,
            reason: Some(format!(
                "slot held by {} for {}/{} until {until} (lane {})",
                self.by, self.service, self.env, self.lane
            )),
            services,
            envs,
            exempt: Vec::new(),
            override_policy: OverridePolicy::Approver,
            approvers: vec![self.by.to_string()],
            timezone: tz,
            source: RuleSource::Spec(TimeSpec::Once {
                start: self.start,
                end: self.monitoring_end,
            }),
        }
    }
}

/// A scope of exactly `name` (its glob characters escaped); everything when
/// even that does not parse, so a slot blocks too much rather than nothing.
fn exactly(name: &str) -> Scope {
    let mut escaped = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '{' | '}' | '\\' | '!') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    Scope::parse([escaped.as_str()]).unwrap_or_else(|_| Scope::everything())
}

impl PolicySet {
    /// The reservation `id` among this set's rules (those not yet expired when
    /// the set was composed).
    pub fn held(&self, id: &str) -> Option<&Held> {
        self.rules.iter().find_map(|r| match &r.origin {
            RuleOrigin::Reservation(h) if h.id == id => Some(h.as_ref()),
            _ => None,
        })
    }

    /// The set with `rules` as its reservations in place of the ones it had
    /// (its other rules as they are).
    pub fn with_reservation_rules(&self, rules: impl IntoIterator<Item = Rule>) -> PolicySet {
        let mut set = self.clone();
        set.rules
            .retain(|r| !matches!(r.origin, RuleOrigin::Reservation(_)));
        set.rules.extend(rules);
        set
    }

    /// The set without reservation `id`'s rule: what its holder sees.
    pub fn presenting(&self, id: &str) -> PolicySet {
        let mut set = self.clone();
        set.rules.retain(|r| !r.origin.is_reservation(id));
        set
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;

    const POLICY: &str = "[settings]\ntimezone = \"Asia/Seoul\"\n\n\
        [[lane]]\nname = \"payments-db\"\nservices = [\"payments-*\", \"ledger\"]\nenvs = [\"prod\"]\n";

    fn spec<'a>(lane: &'a str) -> ReservationSpec<'a> {
        ReservationSpec {
            id: "7",
            lane,
            service: "payments-api",
            env: "prod",
            start: DateTime::from_timestamp(1_796_000_000, 0).unwrap(),
            monitoring_end: DateTime::from_timestamp(1_796_003_600, 0).unwrap(),
            by: "alice",
        }
    }

    #[test]
    fn a_reservation_covers_its_lane_and_names_its_holder() {
        let policy = PolicySet::from_files(&[("p.toml", POLICY)]).unwrap();
        let rule = spec("payments-db").rule(&policy);
        assert_eq!(rule.name, "reservation:7");
        assert!(rule.applies("ledger", "prod", crate::policy::ChangeKind::Deploy));
        assert!(!rule.applies("web", "prod", crate::policy::ChangeKind::Deploy));
        let reason = rule.reason.clone().unwrap();
        assert!(
            reason.starts_with("slot held by alice for payments-api/prod until 2026-"),
            "{reason}"
        );
        assert!(reason.contains("KST"), "{reason}");
        assert!(rule.accepts_override("mine", Some("alice")));
        assert!(!rule.accepts_override("urgent", Some("bob")));
        assert!(!rule.accepts_override("urgent", None));
    }

    #[test]
    fn a_reservation_whose_lane_is_gone_still_blocks_its_own_deploy() {
        let policy = PolicySet::from_files(&[("p.toml", "")]).unwrap();
        let rule = spec("gone").rule(&policy);
        assert!(rule.applies("payments-api", "prod", crate::policy::ChangeKind::Deploy));
        assert!(!rule.applies("ledger", "prod", crate::policy::ChangeKind::Deploy));
    }

    #[test]
    fn presenting_a_reservation_drops_only_its_rule() {
        let policy = PolicySet::from_files(&[("p.toml", POLICY)]).unwrap();
        let mut other = spec("payments-db");
        other.id = "8";
        let set =
            policy.with_runtime_rules([spec("payments-db").rule(&policy), other.rule(&policy)]);
        assert_eq!(set.held("7").map(|h| h.by.as_str()), Some("alice"));
        let seen = set.presenting("7");
        assert!(seen.held("7").is_none());
        assert!(seen.held("8").is_some());
    }
}
