//! The HTTP front door (SPEC §7) for chatops bots and CI runners that cannot ship
//! the binary: the same requests, the same decision code and the same §4/§5 JSON
//! as the command line, over axum.

mod api;
mod audit;
mod auth;
mod error;
mod freezes;
mod metrics;
mod net;
mod openapi;
mod reload;
mod slack;

pub use auth::{Caller, Tokens};
pub use error::ApiError;
pub use net::{DRAIN_TIMEOUT, HEADER_READ_TIMEOUT, Timeouts};
pub use openapi::ApiDoc;
pub use reload::{reload_on_sighup, watch_policies};

use crate::clock::{Clock, SystemClock};
use crate::policy::{LoadError, LoadOptions, PolicySet};
use crate::store::{NewAuditEntry, Store, StoreError};
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use chrono::{DateTime, SubsecRound, Utc};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

/// A request body is a small JSON object; anything larger is refused with 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// A decision takes microseconds; a request still running after this is stuck.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// Requests handled at once; more wait their turn rather than pile up.
pub const MAX_CONCURRENT: usize = 256;

/// What every handler shares: the policy being served, the durable store, and
/// how the last reload went.
pub struct AppState {
    /// Where the policy was loaded from, for reloads (`None`: fixed, as in tests).
    dir: Option<PathBuf>,
    served: RwLock<Served>,
    /// The last reload's failure while the previous policy keeps serving.
    reload_error: RwLock<Option<String>>,
    /// The last failed write to the state database, until a write succeeds.
    write_error: Arc<RwLock<Option<String>>>,
    /// Held from a write's start to the record of its outcome, so the write that
    /// finished last is the one `write_error` speaks of.
    write_turn: Arc<Mutex<()>>,
    store: Arc<Store>,
    slack_secret: Option<Vec<u8>>,
    metrics: metrics::Metrics,
    /// The state directory whose `feeds/` caches calendar feeds on reloads
    /// (`None`: `$SHIPWINDOW_STATE_DIR`, else `.shipwindow`).
    feeds: Option<PathBuf>,
    /// What "now" is for runtime freezes (their start, end and expiry), reloads
    /// and audit stamps: the system clock unless a test injects another.
    clock: Arc<dyn Clock>,
}

/// The policy files as loaded, and what requests are answered with: those rules
/// plus the runtime freezes. Swapped whole, so a request sees one or the other.
struct Served {
    files: Arc<PolicySet>,
    effective: Arc<PolicySet>,
}

impl AppState {
    /// A state serving a fixed policy set, keeping its state in `store`.
    pub fn new(policy: PolicySet, store: Store) -> Result<AppState, StoreError> {
        let store = Arc::new(store);
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let freezes = store.unexpired_freezes(truncated(clock.now()))?;
        let files = Arc::new(policy);
        let effective = Arc::new(freezes::compose(&files, &freezes));
        Ok(AppState {
            dir: None,
            served: RwLock::new(Served { files, effective }),
            reload_error: RwLock::new(None),
            write_error: Arc::new(RwLock::new(None)),
            write_turn: Arc::new(Mutex::new(())),
            store,
            slack_secret: None,
            metrics: metrics::Metrics::default(),
            feeds: None,
            clock,
        })
    }

    /// Reads time from `clock` (a test's manual clock) instead of the system's;
    /// the runtime freezes in force are looked at again by it.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> AppState {
        self.clock = clock;
        self.install(None);
        self
    }

    /// The current instant on this state's clock, to the second like every
    /// decision.
    pub fn now(&self) -> DateTime<Utc> {
        truncated(self.clock.now())
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
            freezes::unexpired_rules(&served.effective, self.now()),
            served.files.fingerprint.clone(),
        )
    }

    /// The policy files' calendar feeds that run on an older copy because their
    /// last refresh failed: `"rule: fetched …, refresh failed: …"`.
    pub fn stale_feeds(&self) -> Vec<String> {
        let served = self.served_guard();
        let tz = served.files.settings.timezone;
        served
            .files
            .rules
            .iter()
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

    fn served_guard(&self) -> std::sync::RwLockReadGuard<'_, Served> {
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
    /// runtime freezes in the store. When the store cannot be read, the freezes
    /// last installed stay in force: failing open would lift them.
    fn install(&self, files: Option<Arc<PolicySet>>) {
        let mut served = self.served.write().unwrap_or_else(|p| p.into_inner());
        let files = files.unwrap_or_else(|| Arc::clone(&served.files));
        let effective = match self.store.unexpired_freezes(self.now()) {
            Ok(freezes) => freezes::compose(&files, &freezes),
            Err(e) => {
                tracing::error!(error = %e, "cannot read runtime freezes; keeping the last ones");
                freezes::carry_over(&files, &served.effective)
            }
        };
        *served = Served {
            files,
            effective: Arc::new(effective),
        };
    }

    fn reload_error(&self) -> Option<String> {
        self.reload_error
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Runs a store operation off the async threads (SQLite fsyncs each commit).
    async fn with_store<T: Send + 'static>(
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
    async fn write_store<T: Send + 'static>(
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

    fn write_error(&self) -> Option<String> {
        self.write_error
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Appends to the audit log before the caller answers; an entry that cannot
    /// be written fails the request (an untraceable override is not acknowledged).
    async fn audit(&self, entry: NewAuditEntry) -> Result<(), ApiError> {
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

fn truncated(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(0)
}

/// The routes, separate from serving them so tests can call them directly.
/// `/v1/*` needs one of `tokens` when any are configured, except the Slack
/// command, which is signed instead; `/healthz` and `/metrics` never do.
pub fn app(state: Arc<AppState>, tokens: Tokens) -> Router {
    let tokens = Arc::new(tokens);
    let protected = Router::new()
        .route("/v1/check", get(api::check_query).post(api::check_body))
        .route("/v1/next", get(api::next))
        .route("/v1/windows", get(api::windows))
        .route("/v1/freezes", get(freezes::list).post(freezes::create))
        .route("/v1/freezes/{id}", delete(freezes::lift))
        .route("/v1/audit", get(audit::list))
        .route_layer(axum::middleware::from_fn_with_state(
            Arc::clone(&tokens),
            auth::require_token,
        ));
    // Calendar apps subscribe by URL and cannot send a header: a `token` query
    // parameter stands in for the bearer header on this one route.
    let calendar = Router::new()
        .route("/v1/calendar.ics", get(api::calendar))
        .route_layer(axum::middleware::from_fn_with_state(
            tokens,
            auth::require_token,
        ))
        .route_layer(axum::middleware::from_fn(token_from_query));
    // Slack signs its requests instead of carrying a token.
    let signed = Router::new().route("/v1/slack/command", post(slack::command));
    // Limits apply to the API only, so a health probe still answers at once while
    // the API is saturated.
    let api = protected
        .merge(calendar)
        .merge(signed)
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            guard,
        ))
        // One semaphore for all connections (a plain concurrency limit would be
        // per connection, since the router is cloned for each).
        .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
            MAX_CONCURRENT,
        ));
    Router::new()
        .merge(api)
        .route("/healthz", get(api::healthz))
        .route("/metrics", get(api::render_metrics))
        .route("/v1/openapi.json", get(openapi::openapi_json))
        .fallback(api::not_found)
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// Turns `?token=` into an `Authorization: Bearer` header when the request has
/// none (`/v1/calendar.ics` only).
async fn token_from_query(
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    use axum::http::{HeaderValue, header::AUTHORIZATION};
    if !request.headers().contains_key(AUTHORIZATION) {
        let token = request
            .uri()
            .query()
            .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
            .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "token"))
            .map(|(_, v)| v);
        if let Some(value) = token.and_then(|t| HeaderValue::from_str(&format!("Bearer {t}")).ok())
        {
            request.headers_mut().insert(AUTHORIZATION, value);
        }
    }
    next.run(request).await
}

/// Bounds each `/v1` request by [`REQUEST_TIMEOUT`] (answering 503 with the usual
/// JSON error), records its latency, and logs it at debug level (one line per
/// request is too much for a busy server's default log); its start is logged at
/// trace level (a test knows from it that a request is in flight).
async fn guard(
    axum::extract::State(state): axum::extract::State<Arc<AppState>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let started = std::time::Instant::now();
    tracing::trace!(method = %request.method(), path = %request.uri().path(), "request started");
    let logged = tracing::enabled!(tracing::Level::DEBUG)
        .then(|| (request.method().clone(), request.uri().path().to_string()));
    let response = match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "the request took longer than {}s",
                REQUEST_TIMEOUT.as_secs()
            ),
        )
        .into_response(),
    };
    let elapsed = started.elapsed();
    state.metrics.latency(elapsed.as_secs_f64());
    if let Some((method, path)) = logged {
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        tracing::debug!(%method, %path, status = response.status().as_u16(), micros, "request");
    }
    response
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets in-flight
/// requests finish (up to [`DRAIN_TIMEOUT`]).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    tokens: Tokens,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, state, tokens, Timeouts::default(), shutdown).await
}

/// [`serve`] with other connection deadlines.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    tokens: Tokens,
    timeouts: Timeouts,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let feeds = tokio::spawn(refresh_feeds(Arc::clone(&state)));
    let served = net::serve_router(listener, app(state, tokens), timeouts, shutdown).await;
    feeds.abort();
    served
}

/// How often the server looks whether a calendar feed is due for a refresh, and
/// the least time between two refreshing reloads.
pub const FEED_CHECK: std::time::Duration = std::time::Duration::from_secs(30);

/// Loads the policy again whenever one of its calendar feeds is due for a
/// refresh (`refresh` on the rule): the loader fetches what is due and keeps the
/// rest. A failed fetch serves the last copy and says so (`stale`); a reload that
/// fails keeps the last good policy, as on SIGHUP. Reloads that change nothing
/// are logged at debug level only, not audited.
async fn refresh_feeds(state: Arc<AppState>) {
    if state.dir.is_none() {
        return;
    }
    // After a reload that fails, the next try waits: the policy files are broken
    // (a SIGHUP or `--watch` reload tells when they are fixed).
    let mut quiet_until = state.now();
    loop {
        tokio::time::sleep(FEED_CHECK).await;
        if state.now() < quiet_until {
            continue;
        }
        let (due, before) = {
            let served = state.served_guard();
            (
                served.files.next_feed_refresh(),
                served.files.fingerprint.clone(),
            )
        };
        if due.is_none_or(|d| d > state.now()) {
            continue;
        }
        let worker = Arc::clone(&state);
        let outcome = match tokio::task::spawn_blocking(move || worker.reload()).await {
            Ok(outcome) => outcome,
            Err(e) => {
                tracing::error!(error = %e, "the feed refresh task failed");
                continue;
            }
        };
        let after = state.served_guard().files.fingerprint.clone();
        let detail = match &outcome {
            Ok(()) if after == before => {
                tracing::debug!(policy = %after, stale = ?state.stale_feeds(), "calendar feeds checked; nothing changed");
                continue;
            }
            Ok(()) => {
                tracing::info!(policy = %after, stale = ?state.stale_feeds(), "calendar feeds refreshed; policy reloaded");
                serde_json::json!({ "trigger": "feeds", "ok": true, "policy": after })
            }
            Err(e) => {
                quiet_until = state.now() + chrono::TimeDelta::minutes(5);
                tracing::error!(policy = %after, error = %e, "feed refresh failed to load; still serving the last good policy");
                serde_json::json!({ "trigger": "feeds", "ok": false, "policy": after, "error": e.to_string() })
            }
        };
        let entry = NewAuditEntry {
            at: state.now(),
            action: crate::store::AuditAction::Reload,
            actor: "feeds".into(),
            detail,
        };
        let _ = state.audit(entry).await;
    }
}
