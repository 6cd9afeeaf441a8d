//! The held deploys a diff asks about, read from the store `audit` reads
//! (`--store`, else the SQLite file under `--state-dir`): the GitHub
//! deployments held until their window, each decided at its due time, and
//! the booked slots, each over its whole guarded interval.

use crate::calendar::Interval;
use crate::cli::error::CliError;
use crate::cli::state_dir::StateDirArg;
use crate::cli::store_arg::StoreArg;
use crate::policy::{PolicySet, github_target};
use crate::review::{HeldDeploy, decided_at};
use crate::store::{GithubHold, Reservation, Store, StoreError};
use chrono::{DateTime, Utc};

/// A held GitHub deployment, decided on at its due time (at once when it is
/// already due).
pub(super) struct HeldGithub {
    hold: GithubHold,
    at: DateTime<Utc>,
}

impl HeldDeploy for HeldGithub {
    fn kind(&self) -> &'static str {
        "github"
    }

    fn id(&self) -> String {
        self.hold.id.to_string()
    }

    fn what(&self) -> String {
        format!(
            "GitHub deployment of {} to {} (hold {})",
            self.hold.repository, self.hold.environment, self.hold.id
        )
    }

    fn target(&self, policy: &PolicySet) -> (String, String) {
        let t = github_target(
            &policy.github,
            &self.hold.repository,
            &self.hold.environment,
        );
        (t.service, t.env)
    }

    fn span(&self) -> Interval {
        Interval::new(self.at, self.at)
    }
}

/// A booked slot: its deploy and monitoring must stay open.
pub(super) struct HeldSlot(Reservation);

impl HeldDeploy for HeldSlot {
    fn kind(&self) -> &'static str {
        "reservation"
    }

    fn id(&self) -> String {
        self.0.id.clone()
    }

    fn what(&self) -> String {
        let r = &self.0;
        format!(
            "slot of {}/{} held by {} (reservation {})",
            r.service, r.env, r.by, r.id
        )
    }

    fn target(&self, _: &PolicySet) -> (String, String) {
        (self.0.service.clone(), self.0.env.clone())
    }

    fn span(&self) -> Interval {
        Interval::new(self.0.start, self.0.monitoring_end)
    }
}

/// What was found in the store: the held deploys, or why none were looked at.
pub(super) enum Held {
    Checked {
        store: String,
        deploys: Vec<Box<dyn HeldDeploy>>,
    },
    /// No `--store` and no database under the state directory: no server has
    /// kept state here, so there is nothing held to ask about.
    NoStore { why: String },
}

/// Reads the held deploys. A store that is given or present but cannot be
/// read is an error: a diff must not say "nothing held is affected" when it
/// could not look.
pub(super) fn held_deploys(
    store: &StoreArg,
    state: &StateDirArg,
    now: DateTime<Utc>,
) -> Result<Held, CliError> {
    let opened = match Store::select_to_read(store.url(), &state.state_dir) {
        Ok(s) => s,
        Err(StoreError::Missing { path }) => {
            return Ok(Held::NoStore {
                why: format!("no --store, and no {} yet", path.display()),
            });
        }
        Err(e) => return Err(CliError::Usage(format!("--store: {e}"))),
    };
    let holds = opened
        .github_holds()
        .map_err(|e| CliError::Usage(format!("--store: {e}")))?;
    let slots = opened
        .unexpired_reservations(now, None, None)
        .map_err(|e| CliError::Usage(format!("--store: {e}")))?;
    let held_github = holds.into_iter().map(|hold| {
        let at = decided_at(hold.next_at, now);
        Box::new(HeldGithub { hold, at }) as Box<dyn HeldDeploy>
    });
    let held_slots = slots
        .into_iter()
        .map(|slot| Box::new(HeldSlot(slot)) as Box<dyn HeldDeploy>);
    let deploys = held_github.chain(held_slots).collect();
    Ok(Held::Checked {
        store: opened.location(),
        deploys,
    })
}
