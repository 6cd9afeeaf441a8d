//! What loading a policy set needs beyond its files: where calendar feeds are
//! cached, the clock that says whether a cached copy is due, and how long a fetch
//! may take.

use chrono::{DateTime, SubsecRound, Utc};
use std::path::PathBuf;

/// What loading needs beyond the files: where calendar feeds are cached and the
/// clock that decides whether a cached copy is due for a refresh.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// The state directory; feed copies go to `feeds/` under it.
    pub state_dir: PathBuf,
    pub now: DateTime<Utc>,
    /// How long one feed fetch may take.
    pub feed_timeout: std::time::Duration,
}

impl LoadOptions {
    pub fn new(state_dir: PathBuf, now: DateTime<Utc>) -> LoadOptions {
        LoadOptions {
            state_dir,
            now,
            feed_timeout: crate::ics::FEED_TIMEOUT,
        }
    }

    /// `$SHIPWINDOW_STATE_DIR` (else `.shipwindow`) and the current time.
    pub fn from_env() -> LoadOptions {
        let state_dir = std::env::var_os("SHIPWINDOW_STATE_DIR")
            .filter(|v| !v.is_empty())
            .map_or_else(|| PathBuf::from(".shipwindow"), PathBuf::from);
        LoadOptions::new(state_dir, Utc::now().trunc_subsecs(0))
    }
}
