//! `POST /v1/github/webhook` and `GET /v1/github/holds`. The webhook checks
//! the signature before anything else, ignores every event but
//! `deployment_protection_rule`, and stores the deployment as a hold due now,
//! answering at once: the hold worker decides and calls GitHub back after the
//! acknowledgement, so a slow GitHub API never makes the delivery time out.

use super::app::GithubApp;
use super::payload::{Delivery, EVENT, parse_delivery};
use super::signature::{SIGNATURE_HEADER, verify_signature};
use crate::policy::github_target;
use crate::server::error::{ApiError, ErrorBody};
use crate::server::state::AppState;
use crate::store::{GithubHold, NewGithubHold};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::sync::Arc;

/// The header naming the event a delivery is about.
const EVENT_HEADER: &str = "x-github-event";
/// The largest delivery read. GitHub's payload carries the repository and the
/// pull requests behind the deployment, often more than the API's usual body
/// limit; refusing it would leave the deployment waiting for nothing.
pub const MAX_WEBHOOK_BYTES: usize = 1024 * 1024;

#[utoipa::path(post, path = "/v1/github/webhook", tag = "ci",
    description = "GitHub's `deployment_protection_rule` webhook for a GitHub App (only when the App is configured; 404 otherwise). Verified by `X-Hub-Signature-256` (HMAC-SHA256 of the body with the webhook secret); no bearer token. The deployment is held and answered through its `deployment_callback_url` after this acknowledgement.",
    request_body(content = Object, description = "GitHub's webhook payload"),
    params(
        ("X-Hub-Signature-256" = String, Header, description = "`sha256=` and the hex HMAC-SHA256 of the body"),
        ("X-GitHub-Event" = String, Header, description = "`deployment_protection_rule`; any other event is acknowledged and ignored"),
    ),
    responses((status = 202, description = "Held: decided and answered through the callback", content_type = "application/json", body = Object),
              (status = 200, description = "Another event or action, ignored", content_type = "application/json", body = Object),
              (status = 400, description = "A payload without the fields GitHub sends, or a callback URL outside the configured API", body = ErrorBody),
              (status = 401, description = "A missing or wrong signature: nothing is evaluated or stored", body = ErrorBody)))]
pub(crate) async fn webhook(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(app) = state.github() else {
        return ApiError::new(StatusCode::NOT_FOUND, "no GitHub App is configured").into_response();
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Err(e) = verify_signature(&app.secret, header(SIGNATURE_HEADER), &body) {
        // Logged, not audited: anyone can send these.
        tracing::warn!(reason = %e, "refused an unsigned or badly signed GitHub delivery");
        return ApiError::new(StatusCode::UNAUTHORIZED, e.to_string()).into_response();
    }
    let Some(event) = header(EVENT_HEADER) else {
        return ApiError::bad_request("missing X-GitHub-Event header").into_response();
    };
    if event != EVENT {
        let ignored = format!("event `{}`", crate::text::escape(event));
        return Json(json!({ "ignored": ignored })).into_response();
    }
    match accept(&state, &app, &body).await {
        Ok(response) => response,
        Err(e) => e.into_response(),
    }
}

/// Stores a requested deployment as a hold due now and wakes the worker.
async fn accept(
    state: &Arc<AppState>,
    app: &Arc<GithubApp>,
    body: &[u8],
) -> Result<Response, ApiError> {
    let request = match parse_delivery(body).map_err(|e| ApiError::bad_request(e.to_string()))? {
        Delivery::Requested(r) => r,
        Delivery::Other(action) => {
            let ignored = format!("action `{}`", crate::text::escape(&action));
            return Ok(Json(json!({ "ignored": ignored })).into_response());
        }
    };
    // The callback carries the installation's token: it goes to the configured
    // API and nowhere else.
    if !app.client.owns(&request.callback_url) {
        return Err(ApiError::bad_request(format!(
            "`deployment_callback_url` is not on the configured GitHub API ({})",
            app.client.base()
        )));
    }
    let now = state.now();
    let new = NewGithubHold {
        callback_url: request.callback_url,
        installation_id: request.installation_id,
        repository: request.repository,
        environment: request.environment,
        event: request.event,
        sha: request.sha,
        git_ref: request.git_ref,
        sender: request.sender,
        received_at: now,
        deadline: now + app.max_hold,
        next_at: now,
    };
    let (hold, created) = state.with_store(move |s| s.hold_github(new)).await?;
    app.wake();
    tracing::info!(hold = hold.id, repository = %hold.repository, environment = %hold.environment, new = created, "GitHub deployment received");
    let status = if created { "accepted" } else { "already held" };
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "hold": hold.id, "status": status })),
    )
        .into_response())
}

/// One hold as listed: as stored, with the service and environment it is
/// decided as under the policy now served.
#[derive(serde::Serialize)]
struct Listed {
    #[serde(flatten)]
    hold: GithubHold,
    service: String,
    env: String,
}

#[utoipa::path(get, path = "/v1/github/holds", tag = "ci", security(("bearer" = [])),
    description = "The GitHub deployments held until their window opens, due first (only when the GitHub App is configured; 404 otherwise).",
    responses((status = 200, description = "`{\"holds\": [...]}`: each with its repository, environment, service, env, `next_at`, `deadline` and reports so far", content_type = "application/json", body = Object),
              (status = 401, description = "A bearer token is required (when tokens are configured)", body = ErrorBody)))]
pub(crate) async fn holds(
    State(state): State<Arc<AppState>>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let holds = state.with_store(|s| s.github_holds()).await?;
    let policy = state.policy();
    let listed: Vec<Listed> = holds
        .into_iter()
        .map(|hold| {
            let t = github_target(&policy.github, &hold.repository, &hold.environment);
            Listed {
                hold,
                service: t.service,
                env: t.env,
            }
        })
        .collect();
    Ok(Json(json!({ "holds": listed })))
}
