//! The routes and the layers around them: which handler answers which path, which
//! need a bearer token, the limits (body size, time, concurrency) on the API,
//! and the one JSON error shape even for what the framework answers by itself.

use super::error::{ApiError, PlainAnswer};
use super::state::AppState;
use super::{api, audit, auth, freezes, github, grid, k8s, openapi, page, reservations, slack};
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use std::sync::Arc;

/// A request body is a small JSON object; anything larger is refused with 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Requests handled at once; more wait their turn rather than pile up.
pub const MAX_CONCURRENT: usize = 256;

/// The routes, separate from serving them so tests can call them directly.
/// `/v1/*` needs one of `tokens` when any are configured, except the Slack
/// command and the GitHub webhook, which are signed instead; `/healthz` and `/metrics` never do.
/// The page at `/` takes the same tokens, in `?token=` too.
pub fn app(state: Arc<AppState>, tokens: auth::Tokens) -> Router {
    let tokens = Arc::new(tokens);
    let mut protected = Router::new()
        .route("/v1/check", get(api::check_query).post(api::check_body))
        .route("/v1/next", get(api::next))
        .route("/v1/windows", get(api::windows))
        .route("/v1/freezes", get(freezes::list).post(freezes::create))
        .route("/v1/freezes/{id}", delete(freezes::lift))
        .route(
            "/v1/reservations",
            get(reservations::list).post(reservations::create),
        )
        .route("/v1/reservations/{id}", delete(reservations::release))
        .route("/v1/audit", get(audit::list));
    // Slack signs its requests instead of carrying a token, and so does GitHub.
    let mut signed = Router::new().route("/v1/slack/command", post(slack::handler::command));
    // The GitHub routes exist only with a configured App (404 otherwise).
    if state.github().is_some() {
        protected = protected.route("/v1/github/holds", get(github::handler::holds));
        signed = signed.route(
            "/v1/github/webhook",
            post(github::handler::webhook).layer(axum::extract::DefaultBodyLimit::max(
                github::MAX_WEBHOOK_BYTES,
            )),
        );
    }
    let protected = protected.route_layer(axum::middleware::from_fn_with_state(
        Arc::clone(&tokens),
        auth::require_token,
    ));
    // Calendar apps subscribe by URL and cannot send a header: a `token` query
    // parameter stands in for the bearer header on this one route.
    let calendar = Router::new()
        .route("/v1/calendar.ics", get(api::calendar))
        // An `<img>` of the grid cannot send one either.
        .route("/v1/windows.svg", get(grid::windows_svg))
        .route_layer(axum::middleware::from_fn_with_state(
            Arc::clone(&tokens),
            auth::require_token,
        ))
        .route_layer(axum::middleware::from_fn(auth::token_from_query));
    // The Kubernetes API server sends no token unless told to; Flagger cannot
    // send a header at all and puts the token in its payload.
    let gates = Router::new()
        .route("/v1/k8s/admission", post(k8s::admission::admit))
        .route_layer(axum::middleware::from_fn_with_state(
            Arc::clone(&tokens),
            auth::token_if_presented,
        ))
        .route("/v1/gates/flagger", post(k8s::flagger::gate))
        .layer(axum::Extension(Arc::clone(&tokens)));
    // The page for people: a browser sends the token as `?token=`, and is
    // answered with a form asking for it (HTML, not JSON) when it has none.
    let page = Router::new().route("/", get(page::show)).route_layer(
        axum::middleware::from_fn_with_state(Arc::clone(&tokens), page::require_token),
    );
    // Limits apply to the API only, so a health probe still answers at once while
    // the API is saturated.
    let api = protected
        .merge(calendar)
        .merge(page)
        .merge(signed)
        .merge(gates)
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
        .route("/favicon.ico", get(page::favicon))
        .route("/v1/openapi.json", get(openapi::openapi_json))
        .fallback(api::not_found)
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        // Outermost, so no answer of the framework's own gets past in plain text.
        .layer(axum::middleware::from_fn(json_errors))
        .with_state(state)
}

/// Bounds each `/v1` request by the state's deadline ([`REQUEST_TIMEOUT`](super::state::REQUEST_TIMEOUT) unless
/// a test sets another), answering 503 with the usual JSON error, records its latency, and logs it at debug level (one line per
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
    // Evaluations run on the blocking pool, so this fires even while one runs.
    let deadline = state.deadline();
    let response = match tokio::time::timeout(deadline, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("the request took longer than {}", seconds(deadline)),
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

/// `10s`, or `0.25s` for a deadline shorter than a second.
fn seconds(d: std::time::Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}s", d.as_secs_f64())
    }
}

/// The most of a framework's plain-text error body kept as the message; its
/// rejections say what is wrong in a line.
const MAX_PLAIN_ERROR_BYTES: usize = 1024;

/// Turns an error answer that is not JSON (axum's rejections answer in plain
/// text: `413 Failed to buffer the request body: length limit exceeded`) into
/// the one JSON shape, with the same status and headers.
async fn json_errors(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let plain = response.extensions().get::<PlainAnswer>().is_some();
    if !(status.is_client_error() || status.is_server_error()) || is_json || plain {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, MAX_PLAIN_ERROR_BYTES)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    // The same words as a JSON route's rejection (`Failed to buffer the request
    // body: length limit exceeded` for a 413).
    let message = if !text.is_empty() && status.is_client_error() {
        text.clone()
    } else {
        // A server fault's own words stay in the log.
        status
            .canonical_reason()
            .unwrap_or("the request failed")
            .to_lowercase()
    };
    if status.is_server_error() {
        tracing::error!(status = status.as_u16(), error = %text, "answered a framework error");
    }
    let json = ApiError::new(status, message).into_response();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, json.into_body())
}
