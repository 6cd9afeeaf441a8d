//! `[[lane]]` tables: groups of services and environments whose deploys may
//! not overlap. A lane knows only what it covers; the slots booked in it
//! (reservations) live in the store and reach decisions as rules.

use super::scope::Scope;

/// One `[[lane]]`: deploys of the services and environments it covers share one
/// slot at a time.
#[derive(Debug, Clone)]
pub struct Lane {
    pub name: String,
    pub services: Scope,
    pub envs: Scope,
    /// Why the lane exists ("shared payments database"), for people.
    pub reason: Option<String>,
}

impl Lane {
    /// Whether a deploy of `service` to `env` books its slot in this lane.
    pub fn covers(&self, service: &str, env: &str) -> bool {
        self.services.matches(service) && self.envs.matches(env)
    }
}
