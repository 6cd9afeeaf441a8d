//! The reservations a command without `--remote` decides with: when the
//! policy has lanes, the unexpired ones in the store `serve` and `reserve` use,
//! composed into the policy as a server composes them. A store that cannot be
//! read is exit 2, never a decision that ignores the slots booked there.

use super::error::CliError;
use super::state_dir::StateDirArg;
use super::store_arg::StoreArg;
use crate::policy::PolicySet;
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};
use clap::Args;

/// Where a command without --remote reads the reservations from, when the
/// policy has lanes: the store `serve` and `reserve` use.
#[derive(Args, Debug, Clone)]
pub(super) struct SlotsStore {
    #[command(flatten)]
    pub(super) state: StateDirArg,
    #[command(flatten)]
    pub(super) store: StoreArg,
}

impl SlotsStore {
    /// The SQLite file under `state_dir`.
    #[cfg(test)]
    pub(super) fn under(state_dir: std::path::PathBuf) -> SlotsStore {
        SlotsStore {
            state: StateDirArg { state_dir },
            store: StoreArg::none(),
        }
    }
}

/// `policy` with the unexpired reservations at `now` as rules; `policy` as it
/// is when it has no lanes (nothing can be reserved then).
pub(super) fn with_reservations(
    policy: PolicySet,
    slots: &SlotsStore,
    now: DateTime<Utc>,
) -> Result<PolicySet, CliError> {
    if policy.lanes.is_empty() {
        return Ok(policy);
    }
    let unreadable = |e: StoreError| {
        CliError::Usage(format!(
            "the policy has lanes, but the reservations cannot be read: {e} \
             (point --store or --state-dir at the store `shipwindow serve` and `reserve` use)"
        ))
    };
    let store =
        Store::select_to_read(slots.store.url(), &slots.state.state_dir).map_err(unreadable)?;
    let held = store
        .unexpired_reservations(now, None, None)
        .map_err(unreadable)?;
    let rules: Vec<_> = held.iter().map(|r| r.spec().rule(&policy)).collect();
    Ok(policy.with_runtime_rules(rules))
}
