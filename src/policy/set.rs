//! A loaded policy set: its settings, rules and strategies in policy order, and
//! the fingerprint of the files they came from.

use super::github::GithubMapping;
use super::index::RuleIndex;
use super::kubernetes::KubernetesMapping;
use super::lane::Lane;
use super::rule::{Rule, RuleSource};
use super::strategy::Strategy;
use chrono::TimeDelta;
use chrono_tz::Tz;
use std::path::PathBuf;
use std::sync::Arc;

/// A loaded, validated policy set.
#[derive(Debug, Clone)]
pub struct PolicySet {
    pub settings: Settings,
    /// Rules in policy order: files in path order, then tables as they appear.
    pub rules: Vec<Rule>,
    /// `[[strategy]]` tables in policy order.
    pub strategies: Vec<Strategy>,
    /// `[[github]]` tables in policy order: the first that matches a repository
    /// decides its service and environments.
    pub github: Vec<GithubMapping>,
    /// `[[kubernetes]]` tables in policy order: the first whose `namespaces`
    /// match a namespace names its environment.
    pub kubernetes: Vec<KubernetesMapping>,
    /// `[[lane]]` tables in policy order: a deploy reserves its slot in the
    /// first that covers it.
    pub lanes: Vec<Lane>,
    /// `sha256:` + hex digest of the files that make up the set (the decision's `policy`).
    pub fingerprint: String,
    /// The directory the set was loaded from.
    pub root: PathBuf,
    /// What loads but is almost certainly not what was meant (a legacy zone
    /// name, a cron expression whose day fields are ORed, a rule that can
    /// never apply), each at its place; `validate` shows them.
    pub warnings: Vec<crate::diagnostic::Diagnostic>,
    /// The files' rules by the names their scopes list, and what is kept
    /// between requests; shared by every set composed from the same files.
    pub(crate) index: Arc<RuleIndex>,
}

impl PolicySet {
    /// The lane a deploy of `service` to `env` reserves in: the first in policy
    /// order that covers it.
    pub fn lane_for(&self, service: &str, env: &str) -> Option<&Lane> {
        self.lanes.iter().find(|l| l.covers(service, env))
    }

    /// The lane called `name`.
    pub fn lane(&self, name: &str) -> Option<&Lane> {
        self.lanes.iter().find(|l| l.name == name)
    }

    /// The earliest time one of the set's calendar feeds or traffic profiles is
    /// due for a refresh, if it reads any: a long-running server loads the set again then.
    pub fn next_feed_refresh(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.feed_rules()
            .filter_map(|r| match r.events() {
                RuleSource::Calendar(source) => source.refresh_due(),
                RuleSource::Traffic(source) => Some(source.refresh_due()),
                _ => None,
            })
            .min()
    }
}

/// The longest `horizon`. Every search for a next allowed start, and every
/// blocker followed to its ends, looks at most this far from the request, so it
/// bounds the work of one decision: two years is enough to see past a year-long
/// freeze, and a rule that changes every minute expands to a few million
/// intervals at most over it.
pub const MAX_HORIZON: TimeDelta = TimeDelta::days(730);

/// The longest deploy, and the longest monitoring after it, a request or the
/// settings may give: ninety days each. Longer is a plan, not a deploy, and
/// every rule is expanded over the whole of it.
pub const MAX_LENGTH: TimeDelta = TimeDelta::days(90);

/// `[settings]`, with defaults for keys no file sets.
#[derive(Debug, Clone)]
pub struct Settings {
    pub timezone: Tz,
    pub deploy_duration: TimeDelta,
    pub monitoring: TimeDelta,
    pub horizon: TimeDelta,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            timezone: chrono_tz::UTC,
            deploy_duration: TimeDelta::minutes(30),
            monitoring: TimeDelta::minutes(30),
            horizon: TimeDelta::days(60),
        }
    }
}
