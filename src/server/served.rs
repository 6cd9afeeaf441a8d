//! The policy a server answers with: the policy files' rules plus one freeze rule
//! per runtime freeze, composed from the store's freezes, counted, and carried
//! over when the store cannot be read.

use crate::policy::{PolicySet, RuleSource};
use crate::store::RuntimeFreeze;
use crate::time::spec::TimeSpec;
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// The policy files as loaded, and what requests are answered with: those rules
/// plus the runtime freezes. Swapped whole, so a request sees one or the other.
pub(super) struct Served {
    pub(super) files: Arc<PolicySet>,
    pub(super) effective: Arc<PolicySet>,
}

/// The served policy: the files' rules, then one freeze rule per runtime freeze.
pub(super) fn compose(files: &PolicySet, freezes: &[RuntimeFreeze]) -> PolicySet {
    let tz = files.settings.timezone;
    files.with_runtime_rules(freezes.iter().filter_map(|f| f.spec().rule(tz)))
}

/// How many runtime freeze rules in `policy` have not ended by `now`.
pub(super) fn unexpired_rules(policy: &PolicySet, now: DateTime<Utc>) -> usize {
    policy
        .runtime_rules()
        .filter(|r| matches!(&r.source, RuleSource::Spec(TimeSpec::Once { end, .. }) if *end > now))
        .count()
}

/// `files` with the runtime rules of `previous` (when the store cannot be read).
pub(super) fn carry_over(files: &PolicySet, previous: &PolicySet) -> PolicySet {
    files.with_runtime_rules(previous.runtime_rules().cloned())
}
