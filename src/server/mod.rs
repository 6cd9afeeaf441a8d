//! The HTTP front door (SPEC §7) for chatops bots and CI runners that cannot ship
//! the binary: the same requests, the same decision code and the same §4/§5 JSON
//! as the command line, over axum.

mod auth;
mod metrics;
mod slack;

pub use auth::Tokens;

use crate::eval::{self, Decision, EvalError, WindowsReport};
use crate::input::{InputError, RequestText, WindowsText};
use crate::policy::{LoadError, PolicySet};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{SubsecRound, Utc};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

/// What every handler shares: the policy set being served, and how its last
/// reload went.
pub struct AppState {
    /// Where the policy was loaded from, for reloads (`None`: fixed, as in tests).
    dir: Option<PathBuf>,
    policy: RwLock<Arc<PolicySet>>,
    /// The last reload's failure while the previous policy keeps serving.
    reload_error: RwLock<Option<String>>,
    metrics: metrics::Metrics,
}

impl AppState {
    /// A state serving a fixed policy set.
    pub fn new(policy: PolicySet) -> AppState {
        AppState {
            dir: None,
            policy: RwLock::new(Arc::new(policy)),
            reload_error: RwLock::new(None),
            metrics: metrics::Metrics::default(),
        }
    }

    /// A state serving the policy set in `dir`, which `reload` reads again.
    pub fn from_dir(dir: PathBuf) -> Result<AppState, LoadError> {
        let policy = PolicySet::load(&dir)?;
        Ok(AppState {
            dir: Some(dir),
            ..AppState::new(policy)
        })
    }

    /// The policy a request is answered with; a request keeps the one it started
    /// with even if another is installed meanwhile.
    pub fn policy(&self) -> Arc<PolicySet> {
        match self.policy.read() {
            Ok(p) => Arc::clone(&p),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Loads the policy directory again and installs it at once; when it fails to
    /// load, the last good policy keeps serving and the failure is kept for
    /// `/healthz` until a reload succeeds.
    pub fn reload(&self) -> Result<(), LoadError> {
        let Some(dir) = &self.dir else { return Ok(()) };
        let outcome = PolicySet::load(dir);
        let mut error = self.reload_error.write().unwrap_or_else(|p| p.into_inner());
        match outcome {
            Ok(policy) => {
                *self.policy.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(policy);
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

    fn reload_error(&self) -> Option<String> {
        self.reload_error
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// The routes, separate from serving them so tests can call them directly.
/// `/v1/*` needs one of `tokens` when any are configured; `/healthz` never does.
pub fn app(state: Arc<AppState>, tokens: Tokens) -> Router {
    // Limits apply to the API only, so a health probe still answers at once while
    // the API is saturated.
    let api = Router::new()
        .route("/v1/check", get(check_query).post(check_body))
        .route("/v1/next", get(next))
        .route("/v1/windows", get(windows))
        .route_layer(axum::middleware::from_fn_with_state(
            Arc::new(tokens),
            auth::require_token,
        ))
        .layer(axum::middleware::from_fn(time_limit))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            timed,
        ))
        // One semaphore for all connections (a plain concurrency limit would be
        // per connection, since the router is cloned for each).
        .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
            MAX_CONCURRENT,
        ));
    Router::new()
        .merge(api)
        .route("/healthz", get(healthz))
        .route("/metrics", get(render_metrics))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// Records how long each `/v1` request took.
async fn timed(
    State(state): State<Arc<AppState>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    state.metrics.latency(started.elapsed().as_secs_f64());
    response
}

async fn render_metrics(State(state): State<Arc<AppState>>) -> Response {
    let content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    (
        [(axum::http::header::CONTENT_TYPE, content_type)],
        state.metrics.render(),
    )
        .into_response()
}

/// Answers 503 with the usual JSON error when a request runs past
/// [`REQUEST_TIMEOUT`].
async fn time_limit(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            let message = format!(
                "the request took longer than {}s",
                REQUEST_TIMEOUT.as_secs()
            );
            ApiError {
                status: StatusCode::SERVICE_UNAVAILABLE,
                message,
            }
            .into_response()
        }
    }
}

/// A request body is a small JSON object; anything larger is refused with 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// A decision takes microseconds; a request still running after this is stuck.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// Requests handled at once; more wait their turn rather than pile up.
pub const MAX_CONCURRENT: usize = 256;

/// Serves `app` on `listener` until `shutdown` resolves, then lets in-flight
/// requests finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    tokens: Tokens,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(state, tokens))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Reloads the policy on every SIGHUP from now on, logging the outcome. The
/// handler is registered before this returns, so a SIGHUP sent right after startup
/// reloads instead of ending the process. Call it inside the runtime.
#[cfg(unix)]
pub fn reload_on_sighup(state: Arc<AppState>) -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let hangups = signal(SignalKind::hangup())?;
    tokio::spawn(reload_loop(state, hangups));
    Ok(())
}

#[cfg(unix)]
async fn reload_loop(state: Arc<AppState>, mut hangups: tokio::signal::unix::Signal) {
    while hangups.recv().await.is_some() {
        match state.reload() {
            Ok(()) => eprintln!(
                "shipwindow: reloaded, policy {}",
                state.policy().fingerprint
            ),
            Err(e) => eprintln!(
                "shipwindow: reload failed, still serving policy {}:\n{e}",
                state.policy().fingerprint
            ),
        }
    }
}

/// A client error with a stable JSON body: `{"error": "…"}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }
}

impl ApiError {
    pub(super) fn unauthorized() -> ApiError {
        let message = "a valid `Authorization: Bearer <token>` is required".into();
        ApiError {
            status: StatusCode::UNAUTHORIZED,
            message,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(json!({ "error": self.message }))).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            let challenge = axum::http::HeaderValue::from_static("Bearer realm=\"shipwindow\"");
            response
                .headers_mut()
                .insert(axum::http::header::WWW_AUTHENTICATE, challenge);
        }
        response
    }
}

impl From<InputError> for ApiError {
    fn from(e: InputError) -> ApiError {
        ApiError::bad_request(format!("`{}` {}", e.field, e.message))
    }
}

impl From<EvalError> for ApiError {
    fn from(e: EvalError) -> ApiError {
        ApiError::bad_request(e.to_string())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(e: QueryRejection) -> ApiError {
        ApiError::bad_request(e.body_text())
    }
}

impl From<JsonRejection> for ApiError {
    fn from(e: JsonRejection) -> ApiError {
        // Keep 413 (too large) and 415 (not JSON); malformed JSON is a plain 400.
        let status = match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE | StatusCode::UNSUPPORTED_MEDIA_TYPE => e.status(),
            _ => StatusCode::BAD_REQUEST,
        };
        ApiError {
            status,
            message: e.body_text(),
        }
    }
}

fn decide(state: &AppState, text: &RequestText) -> Result<Json<Decision>, ApiError> {
    let policy = state.policy();
    let req = text.resolve(&policy, Utc::now().trunc_subsecs(0))?;
    let decision = eval::decide(&policy, &req)?;
    state.metrics.decision(&decision);
    Ok(Json(decision))
}

async fn check_query(
    State(state): State<Arc<AppState>>,
    query: Result<Query<RequestText>, QueryRejection>,
) -> Result<Json<Decision>, ApiError> {
    let Query(text) = query?;
    if text.override_.is_some() {
        return Err(ApiError::bad_request(
            "`override` is accepted in a POST body only",
        ));
    }
    decide(&state, &text)
}

async fn check_body(
    State(state): State<Arc<AppState>>,
    body: Result<Json<RequestText>, JsonRejection>,
) -> Result<Json<Decision>, ApiError> {
    let Json(text) = body?;
    decide(&state, &text)
}

/// `GET /v1/next`: the §4 object for the request, whose `next_allowed` (or `start`
/// when allowed) is the answer; overrides play no part.
async fn next(
    State(state): State<Arc<AppState>>,
    query: Result<Query<RequestText>, QueryRejection>,
) -> Result<Json<Decision>, ApiError> {
    let Query(mut text) = query?;
    text.override_ = None;
    decide(&state, &text)
}

async fn windows(
    State(state): State<Arc<AppState>>,
    query: Result<Query<WindowsText>, QueryRejection>,
) -> Result<Json<WindowsReport>, ApiError> {
    let Query(text) = query?;
    let policy = state.policy();
    let q = text.resolve(&policy)?;
    Ok(Json(eval::windows(
        &policy, &q.service, &q.env, q.change, q.from, q.to,
    )?))
}

/// `ok`, or `degraded` with the reload error while the last good policy serves.
async fn healthz(State(state): State<Arc<AppState>>) -> Json<Value> {
    let policy = state.policy();
    let mut body =
        json!({ "status": "ok", "policy": policy.fingerprint, "rules": policy.rules.len() });
    if let Some(error) = state.reload_error() {
        body["status"] = json!("degraded");
        body["error"] = json!(error);
    }
    Json(body)
}

async fn not_found() -> ApiError {
    ApiError {
        status: StatusCode::NOT_FOUND,
        message: "no such endpoint".into(),
    }
}

async fn method_not_allowed() -> ApiError {
    ApiError {
        status: StatusCode::METHOD_NOT_ALLOWED,
        message: "method not allowed on this endpoint".into(),
    }
}
