//! Durable server state under `--state-dir`: the audit log and the runtime
//! freezes, in one embedded SQLite database (WAL, synchronous writes), so an
//! acknowledged write survives `kill -9`. Knows nothing of HTTP or the CLI.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A freeze created at run time (from chat or `POST /v1/freezes`). It blocks like a
/// `[[freeze]]` rule named `runtime:<id>` from `start` until `until`, unless lifted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuntimeFreeze {
    /// Short, unique, URL-safe (e.g. `f7k2q9`).
    pub id: String,
    /// Service patterns, as in a rule's `services` (globs, `!` exclusions).
    pub services: Vec<String>,
    /// Environment patterns, as in a rule's `envs`.
    pub envs: Vec<String>,
    pub start: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub reason: String,
    /// Who created it (a token's label, a Slack user).
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// Set when someone lifted it before it expired.
    pub lifted_at: Option<DateTime<Utc>>,
    pub lifted_by: Option<String>,
}

impl RuntimeFreeze {
    /// The name it blocks under: `runtime:<id>`.
    pub fn rule_name(&self) -> String {
        format!("runtime:{}", self.id)
    }

    /// In force at `now`: started, not expired, not lifted.
    pub fn active_at(&self, now: DateTime<Utc>) -> bool {
        self.lifted_at.is_none() && self.start <= now && now < self.until
    }
}
