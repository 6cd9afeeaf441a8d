//! The routes and the layers around them: which handler answers which path, which
//! need a bearer token, and the limits (body size, time, concurrency) on the API.

use super::error::ApiError;
use super::state::AppState;
use super::{api, audit, auth, freezes, openapi, slack};
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use std::sync::Arc;

/// A request body is a small JSON object; anything larger is refused with 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// A decision takes microseconds; a request still running after this is stuck.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// Requests handled at once; more wait their turn rather than pile up.
pub const MAX_CONCURRENT: usize = 256;

/// The routes, separate from serving them so tests can call them directly.
/// `/v1/*` needs one of `tokens` when any are configured, except the Slack
/// command, which is signed instead; `/healthz` and `/metrics` never do.
pub fn app(state: Arc<AppState>, tokens: auth::Tokens) -> Router {
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
        .route_layer(axum::middleware::from_fn(auth::token_from_query));
    // Slack signs its requests instead of carrying a token.
    let signed = Router::new().route("/v1/slack/command", post(slack::handler::command));
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
