//! What every handler shares: [`AppState`] holds the policy being served (the
//! files plus the runtime freezes), the durable store, the metrics and the clock,
//! and keeps track of how the last reload and the last store write went.

use super::error::ApiError;
use super::evaluations::{EvaluationHook, Evaluations};
use super::freshness::Freshness;
use super::github::app::GithubApp;
use super::metrics::{Metrics, Readings};
use super::replay::SeenRequests;
use super::served::{self, Served};
use super::tls::TlsIdentity;
use crate::clock::{Clock, SystemClock};
use crate::policy::{LoadError, LoadOptions, PolicySet};
use crate::store::{ChangeFeed, NewAuditEntry, Store, StoreError};
use chrono::{DateTime, SubsecRound, Utc};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

/// What every handler shares: the policy being served, the durable store, and
/// how the last reload went.
pub struct AppState {
    /// Where the policy was loaded from, for reloads (`None`: fixed, as in tests).
    pub(super) dir: Option<PathBuf>,
    served: RwLock<Served>,
    /// Held from an install's read of the store to its swap, so installs take
    /// turns (the last read is the one served) while requests, which take only
    /// `served`, never wait for the store.
    install_turn: Mutex<()>,
    /// Whether the served state is the store's current state.
    freshness: Freshness,
    /// How often the store is read again with no change heard of.
    resync: Duration,
    /// The last reload's failure while the previous policy keeps serving.
    reload_error: RwLock<Option<String>>,
    /// The last failed write to the state database, until a write succeeds.
    write_error: Arc<RwLock<Option<String>>>,
    /// Held from a write's start to the record of its outcome, so the write that
    /// finished last is the one `write_error` speaks of.
    write_turn: Arc<Mutex<()>>,
    store: Arc<Store>,
    pub(super) slack_secret: Option<Vec<u8>>,
    /// Slack requests already answered, so one sent again is refused.
    pub(super) slack_seen: SeenRequests,
    pub(super) metrics: Metrics,
    /// The state directory whose `feeds/` caches calendar feeds on reloads
    /// (`None`: `$SHIPWINDOW_STATE_DIR`, else `.shipwindow`).
    feeds: Option<PathBuf>,
    /// The certificate served over TLS, read again on every reload (`None`:
    /// plain HTTP).
    pub(super) tls: Option<Arc<TlsIdentity>>,
    /// What "now" is for runtime freezes (their start, end and expiry), reloads
    /// and audit stamps: the system clock unless a test injects another.
    clock: Arc<dyn Clock>,
    /// The GitHub App behind `POST /v1/github/webhook`, when configured.
    github: Option<Arc<GithubApp>>,
    /// How long a `/v1` request may take before it is answered 503.
    deadline: Duration,
    /// Where decisions and other evaluations run: off the async workers, a
    /// bounded number at once.
    evaluations: Evaluations,
}

/// A decision takes microseconds, and its work is bounded; a request still
/// running after this is stuck.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// How often the store is read again when `--store-resync` is not given:
/// short enough that a missed change notification is made good within half a
/// minute, long enough that the read (one indexed query) costs nothing.
pub const DEFAULT_RESYNC: Duration = Duration::from_secs(30);

impl AppState {
    /// A state serving a fixed policy set, keeping its state in `store`.
    pub fn new(policy: PolicySet, store: Store) -> Result<AppState, StoreError> {
        let store = Arc::new(store);
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let state = read_store_state(&store, truncated(clock.now()))?;
        // A server answers many requests with one policy: what it expands, it keeps.
        policy.reuse_expansions();
        let files = Arc::new(policy);
        let effective = Arc::new(served::compose(&files, &state, None));
        Ok(AppState {
            dir: None,
            served: RwLock::new(Served { files, effective }),
            install_turn: Mutex::new(()),
            freshness: Freshness::default(),
            resync: DEFAULT_RESYNC,
            reload_error: RwLock::new(None),
            write_error: Arc::new(RwLock::new(None)),
            write_turn: Arc::new(Mutex::new(())),
            store,
            slack_secret: None,
            slack_seen: SeenRequests::default(),
            metrics: Metrics::default(),
            feeds: None,
            tls: None,
            clock,
            github: None,
            deadline: REQUEST_TIMEOUT,
            evaluations: Evaluations::default(),
        })
    }

    /// Reads time from `clock` (a test's manual clock) instead of the system's;
    /// the runtime freezes in force are looked at again by it.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> AppState {
        self.clock = clock;
        self.install(None);
        self
    }

    /// Serves over TLS with `identity`, read again on every reload.
    pub fn with_tls(mut self, identity: TlsIdentity) -> AppState {
        self.tls = Some(Arc::new(identity));
        self
    }

    /// Why the last reload of the TLS pair failed, while the old one serves.
    pub(super) fn tls_error(&self) -> Option<String> {
        self.tls.as_ref().and_then(|t| t.error())
    }

    /// Answers a `/v1` request still running after `deadline` with 503 (instead
    /// of [`REQUEST_TIMEOUT`]).
    pub fn with_deadline(mut self, deadline: Duration) -> AppState {
        self.deadline = deadline;
        self
    }

    /// How long a `/v1` request may take.
    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// Runs `hook` on the blocking thread just before each evaluation, so a test
    /// can hold one in flight and know when it started.
    #[doc(hidden)]
    pub fn with_evaluation_hook(mut self, hook: EvaluationHook) -> AppState {
        self.evaluations = std::mem::take(&mut self.evaluations).with_hook(hook);
        self
    }

    /// Runs `work` against `policy` off the async workers (see
    /// [`evaluations`](super::evaluations) for the bound on how many at once).
    pub(super) async fn evaluate<T: Send + 'static>(
        &self,
        policy: Arc<PolicySet>,
        work: impl FnOnce(&PolicySet) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        self.evaluations.run(policy, work).await
    }

    /// The current instant on this state's clock, to the second like every
    /// decision.
    pub fn now(&self) -> DateTime<Utc> {
        truncated(self.clock.now())
    }

    /// The clock this state reads, for what waits on it (the GitHub holds).
    pub(super) fn clock(&self) -> Arc<dyn Clock> {
        Arc::clone(&self.clock)
    }

    /// Serves `POST /v1/github/webhook` and `GET /v1/github/holds` for `app`,
    /// holding deployments until their window opens.
    pub fn with_github(mut self, app: GithubApp) -> AppState {
        self.github = Some(Arc::new(app));
        self
    }

    /// The configured GitHub App.
    pub(super) fn github(&self) -> Option<Arc<GithubApp>> {
        self.github.clone()
    }

    /// A state serving the policy set in `dir`, which `reload` reads again.
    pub fn from_dir(dir: PathBuf, store: Store) -> Result<AppState, StartError> {
        let policy = PolicySet::load(&dir).map_err(StartError::Policy)?;
        Ok(AppState::new(policy, store)
            .map_err(StartError::Store)?
            .reloading_from(dir))
    }

    /// Reloads (SIGHUP, `--watch`) read the policy set from `dir`.
    pub fn reloading_from(mut self, dir: PathBuf) -> AppState {
        self.dir = Some(dir);
        self
    }

    /// Reloads cache calendar feeds under this state directory (`feeds/`).
    pub fn feeds_in(mut self, state_dir: PathBuf) -> AppState {
        self.feeds = Some(state_dir);
        self
    }

    /// How a reload reads the policy: the feed cache and the current time.
    fn load_options(&self) -> LoadOptions {
        let mut options = LoadOptions::from_env();
        options.now = self.now();
        if let Some(dir) = &self.feeds {
            options.state_dir = dir.clone();
        }
        options
    }

    /// Rules from the policy files, runtime freezes not yet ended, and the files'
    /// fingerprint.
    pub fn summary(&self) -> (usize, usize, String) {
        let served = self.served_guard();
        (
            served.files.rules.len(),
            served::unexpired_rules(&served.effective, self.now()),
            served.files.fingerprint.clone(),
        )
    }

    /// For the metrics' gauges: whether the server is degraded (the last reload
    /// or the last store write failed, or the served state may be behind the
    /// store), the runtime freezes in force now, and
    /// the rules of the policy files (whose counters start at zero).
    pub(super) fn gauges(&self) -> (Readings, Arc<PolicySet>) {
        let degraded = self.reload_error().is_some()
            || self.write_error().is_some()
            || self.store_behind().is_some();
        let served = self.served_guard();
        let now = self.now();
        let readings = Readings {
            degraded,
            runtime_freezes_active: served::active_rules(&served.effective, now),
            reservations_active: served::unexpired_reservations(&served.effective, now),
        };
        (readings, Arc::clone(&served.files))
    }

    /// The policy files' calendar feeds that run on an older copy because their
    /// last refresh failed: `"rule: fetched …, refresh failed: …"`.
    pub fn stale_feeds(&self) -> Vec<String> {
        let served = self.served_guard();
        let tz = served.files.settings.timezone;
        served
            .files
            .feed_rules()
            .filter_map(|r| r.stale(tz).map(|note| format!("{}: {note}", r.name)))
            .collect()
    }

    /// Verifies `POST /v1/slack/command` with this signing secret; without one the
    /// endpoint answers 503.
    pub fn with_slack_secret(mut self, secret: Vec<u8>) -> AppState {
        self.slack_secret = Some(secret);
        self
    }

    /// The policy a request is answered with (files plus runtime freezes); a
    /// request keeps the one it started with even if another is installed meanwhile.
    pub fn policy(&self) -> Arc<PolicySet> {
        Arc::clone(&self.served_guard().effective)
    }

    pub(super) fn served_guard(&self) -> std::sync::RwLockReadGuard<'_, Served> {
        self.served.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Loads the policy directory again and installs it at once; when it fails to
    /// load, the last good policy keeps serving and the failure is kept for
    /// `/healthz` until a reload succeeds.
    pub fn reload(&self) -> Result<(), LoadError> {
        let Some(dir) = &self.dir else { return Ok(()) };
        // Calendar feeds due for a refresh are fetched again; the others are
        // read from their cached copies.
        let outcome = PolicySet::load_with(dir, &self.load_options());
        let mut error = self.reload_error.write().unwrap_or_else(|p| p.into_inner());
        match outcome {
            Ok(policy) => {
                policy.reuse_expansions();
                self.install(Some(Arc::new(policy)));
                *error = None;
                self.metrics.reload(true);
                Ok(())
            }
            Err(e) => {
                *error = Some(e.to_string());
                self.metrics.reload(false);
                Err(e)
            }
        }
    }

    /// Rebuilds the served policy from `files` (or the current files) and the
    /// runtime freezes and reservations in the store: the one place the served
    /// policy reads the store. When the store cannot be read, the freezes and
    /// reservations last installed stay in force: failing open would lift them.
    pub(super) fn install(&self, files: Option<Arc<PolicySet>>) {
        // A failure is logged, and kept for decisions and `/healthz`.
        let _ = self.install_from_store(files);
    }

    /// Reads the store again into the served policy (what other servers
    /// changed); an error when it could not be read, and the last synced
    /// state serves on.
    pub(super) fn resync(&self) -> Result<(), StoreError> {
        self.install_from_store(None)
    }

    fn install_from_store(&self, files: Option<Arc<PolicySet>>) -> Result<(), StoreError> {
        let _turn = self.install_turn.lock().unwrap_or_else(|p| p.into_inner());
        let read = read_store_state(&self.store, self.now());
        let mut served = self.served.write().unwrap_or_else(|p| p.into_inner());
        let files = files.unwrap_or_else(|| Arc::clone(&served.files));
        let effective = match &read {
            Ok(state) => served::compose(&files, state, Some(&served.effective)),
            Err(e) => {
                tracing::error!(
                    error = %e,
                    "cannot read runtime freezes and reservations; keeping the last ones"
                );
                served::carry_over(&files, &served.effective)
            }
        };
        *served = Served {
            files,
            effective: Arc::new(effective),
        };
        drop(served);
        // Marked current only once the state read is the one served.
        match read {
            Ok(_) => {
                self.freshness.read_ok();
                Ok(())
            }
            Err(e) => {
                self.freshness.read_failed(e.reason());
                Err(e)
            }
        }
    }

    /// Reads the store again every `period` even when no change is heard of.
    pub fn with_resync(mut self, period: Duration) -> AppState {
        self.resync = period;
        self
    }

    pub(super) fn resync_period(&self) -> Duration {
        self.resync
    }

    /// The changes other servers make to the store, as they commit (`None`
    /// on SQLite, which tells nobody).
    pub(super) fn store_changes(&self) -> Option<ChangeFeed> {
        self.store.changes()
    }

    pub(super) fn freshness(&self) -> &Freshness {
        &self.freshness
    }

    /// Why the served state may be behind the store (it cannot be read, or
    /// other servers' changes are not heard), or `None` when it is current.
    pub fn store_behind(&self) -> Option<String> {
        self.freshness.behind()
    }

    pub(super) fn reload_error(&self) -> Option<String> {
        self.reload_error
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Runs a store operation off the async threads (SQLite fsyncs each commit).
    pub(super) async fn with_store<T: Send + 'static>(
        &self,
        op: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let store = Arc::clone(&self.store);
        match tokio::task::spawn_blocking(move || op(&store)).await {
            Ok(result) => result.map_err(ApiError::from),
            Err(e) => Err(ApiError::internal("a state database task failed", e)),
        }
    }

    /// Runs a store operation that writes an audit entry, and keeps count of
    /// whether the database took it: a failure is counted in the metrics and shown
    /// by `/healthz` until a later write succeeds. A refusal (an unknown freeze id)
    /// wrote nothing and counts neither way.
    pub(super) async fn write_store<T: Send + 'static>(
        &self,
        op: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let store = Arc::clone(&self.store);
        let turn = Arc::clone(&self.write_turn);
        let last_failure = Arc::clone(&self.write_error);
        let task = tokio::task::spawn_blocking(move || {
            let _turn = turn.lock().unwrap_or_else(|p| p.into_inner());
            let outcome = op(&store).map_err(ApiError::from);
            let wrote = match &outcome {
                Ok(_) => Some(None),
                Err(e) if e.status.is_server_error() => {
                    Some(Some(e.detail.clone().unwrap_or_else(|| e.message.clone())))
                }
                Err(_) => None,
            };
            if let Some(failure) = &wrote {
                *last_failure.write().unwrap_or_else(|p| p.into_inner()) = failure.clone();
            }
            (outcome, wrote.map(|failure| failure.is_none()))
        });
        match task.await {
            Ok((outcome, wrote)) => {
                if let Some(ok) = wrote {
                    self.metrics.audit_write(ok);
                }
                outcome
            }
            Err(e) => {
                let context = "a state database task failed";
                *self.write_error.write().unwrap_or_else(|p| p.into_inner()) =
                    Some(context.to_string());
                self.metrics.audit_write(false);
                Err(ApiError::internal(context, e))
            }
        }
    }

    pub(super) fn write_error(&self) -> Option<String> {
        self.write_error
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Appends to the audit log before the caller answers; an entry that cannot
    /// be written fails the request (an untraceable override is not acknowledged).
    pub(super) async fn audit(&self, entry: NewAuditEntry) -> Result<(), ApiError> {
        self.write_store(move |s| s.append(entry)).await.map(|_| ())
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Policy(LoadError),
    #[error("{0}")]
    Store(StoreError),
}

/// The freezes and reservations not yet expired at `now`.
fn read_store_state(store: &Store, now: DateTime<Utc>) -> Result<served::StoreState, StoreError> {
    Ok(served::StoreState {
        freezes: store.unexpired_freezes(now)?,
        reservations: store.unexpired_reservations(now, None, None)?,
    })
}

fn truncated(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(0)
}
