//! The held deploys a diff asks about, read from the store `audit` reads
//! (`--store`, else the SQLite file under `--state-dir`): the GitHub
//! deployments held until their window, each decided at its due time.

use crate::calendar::Interval;
use crate::cli::error::CliError;
use crate::cli::state_dir::StateDirArg;
use crate::cli::store_arg::StoreArg;
use crate::policy::{PolicySet, github_target};
use crate::review::{HeldDeploy, decided_at};
use crate::store::{GithubHold, Store, StoreError};
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
    let deploys = holds
        .into_iter()
        .map(|hold| {
            let at = decided_at(hold.next_at, now);
            Box::new(HeldGithub { hold, at }) as Box<dyn HeldDeploy>
        })
        .collect();
    Ok(Held::Checked {
        store: opened.location(),
        deploys,
    })
}
