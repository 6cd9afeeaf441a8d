//! Which service/env pairs a policy change is compared on: every pair of a
//! service and an environment that either policy set names outright — in a
//! rule's scope, a `[[strategy]]`, a `[[github]]` or `[[kubernetes]]` mapping —
//! plus the exact names asked for. Globs are not names: a rule scoped to
//! `payments-*` is compared on the `payments-…` services named elsewhere, and
//! the rules' globs decide, through `windows`, whether they apply there.

use crate::policy::{PolicySet, Scope};
use std::collections::BTreeSet;

/// The most pairs one comparison covers: each pair is two `windows`
/// timelines over the range, so this bounds the work to a few seconds for
/// a month's range; a policy naming more should be compared a part at a time
/// (`--service`, `--env`).
pub const MAX_PAIRS: usize = 2_000;

/// A `--service` or `--env` value: a glob that filters the pairs, and when it
/// is a plain name, a name to compare on even if neither side names it.
#[derive(Debug, Clone)]
pub struct NameFilter {
    scope: Scope,
}

impl NameFilter {
    /// Reads `text` as a scope entry list of one (`web`, `payments-*`, `!batch-*`);
    /// an error says what is wrong with the glob.
    pub fn parse(text: &str) -> Result<NameFilter, String> {
        Scope::parse([text])
            .map(|scope| NameFilter { scope })
            .map_err(|(_, message)| message)
    }

    fn exact(&self) -> impl Iterator<Item = &str> {
        self.scope.exact_names()
    }

    fn matches(&self, name: &str) -> bool {
        self.scope.matches(name)
    }
}

fn named(policy: &PolicySet, services: &mut BTreeSet<String>, envs: &mut BTreeSet<String>) {
    for rule in &policy.rules {
        services.extend(rule.services.exact_names().map(String::from));
        envs.extend(rule.envs.exact_names().map(String::from));
    }
    for strategy in &policy.strategies {
        services.insert(strategy.service.clone());
        envs.insert(strategy.env.clone());
    }
    for mapping in &policy.github {
        // Without `service`, a mapping for one repository (no glob) deploys the
        // service named as the repository is.
        let special = |c: char| matches!(c, '*' | '?' | '[' | ']' | '{' | '}' | '\\');
        let repository_name = (!mapping.repository.contains(special))
            .then(|| mapping.repository.rsplit('/').next().map(String::from))
            .flatten();
        services.extend(mapping.service.clone().or(repository_name));
        envs.extend(mapping.environments.values().cloned());
    }
    for mapping in &policy.kubernetes {
        envs.insert(mapping.env.clone());
    }
}

/// More pairs than [`MAX_PAIRS`] would be compared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{services} services and {envs} environments make {} pairs to compare, more than {MAX_PAIRS}; narrow them with --service and --env",
    services * envs
)]
pub struct TooManyPairs {
    pub services: usize,
    pub envs: usize,
}

/// The pairs to compare, sorted by service then environment: the services and
/// environments `base` or `head` name (and the plain names of the filters),
/// every service with every environment, kept when the filters match.
pub fn pairs(
    base: &PolicySet,
    head: &PolicySet,
    service: Option<&NameFilter>,
    env: Option<&NameFilter>,
) -> Result<Vec<(String, String)>, TooManyPairs> {
    let (mut services, mut envs) = (BTreeSet::new(), BTreeSet::new());
    named(base, &mut services, &mut envs);
    named(head, &mut services, &mut envs);
    services.extend(
        service
            .into_iter()
            .flat_map(|f| f.exact())
            .map(String::from),
    );
    envs.extend(env.into_iter().flat_map(|f| f.exact()).map(String::from));
    let keep = |filter: Option<&NameFilter>, name: &str| filter.is_none_or(|f| f.matches(name));
    let services: Vec<&String> = services.iter().filter(|s| keep(service, s)).collect();
    let envs: Vec<&String> = envs.iter().filter(|e| keep(env, e)).collect();
    if services.len().saturating_mul(envs.len()) > MAX_PAIRS {
        return Err(TooManyPairs {
            services: services.len(),
            envs: envs.len(),
        });
    }
    Ok(services
        .iter()
        .flat_map(|s| envs.iter().map(move |e| ((*s).clone(), (*e).clone())))
        .collect())
}
