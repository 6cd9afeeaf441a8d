//! `POST /v1/gates/flagger`: Flagger's `confirm-rollout`, `confirm-promotion` and
//! `confirm-traffic-increase` webhooks. Flagger goes on when the answer is 2xx
//! and waits (asking again) otherwise, copying the body into its events, so a
//! denial is 423 with one plain-text line.

use super::denial::one_line;
use crate::eval::Verdict;
use crate::input::RequestText;
use crate::policy::kubernetes_env;
use crate::server::actions;
use crate::server::auth::{Caller, Tokens};
use crate::server::error::{ApiError, PlainAnswer};
use crate::server::state::AppState;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Flagger's webhook payload (the fields the gate reads).
#[derive(Debug, serde::Deserialize)]
pub(crate) struct Payload {
    /// The canary's name: the service unless `metadata.service` says otherwise.
    name: String,
    /// Its namespace: the environment unless `metadata.env` says otherwise, or a
    /// `[[kubernetes]]` table maps it.
    namespace: String,
    /// `Progressing`, `Promoting`, … (logged, not decided on).
    #[serde(default)]
    phase: String,
    /// The webhook's `metadata` map: `service`, `env`, `change`, and `token`,
    /// since Flagger cannot send an `Authorization` header.
    #[serde(default)]
    metadata: BTreeMap<String, String>,
}

#[utoipa::path(post, path = "/v1/gates/flagger", tag = "gates",
    request_body(content = String, description = "Flagger's webhook payload: name, namespace, phase, checksum, metadata", content_type = "application/json"),
    responses((status = 200, description = "Allowed: Flagger goes on", body = String, content_type = "text/plain"),
              (status = 423, description = "Denied: one line naming the blocking rules and the next allowed time", body = String, content_type = "text/plain"),
              (status = 400, description = "Not a Flagger payload", body = crate::wire::ErrorBody),
              (status = 401, description = "Tokens are configured and `metadata.token` is not one", body = crate::wire::ErrorBody)))]
pub(crate) async fn gate(
    State(state): State<Arc<AppState>>,
    Extension(tokens): Extension<Arc<Tokens>>,
    payload: Result<Json<Payload>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(payload) = payload?;
    let caller = if tokens.is_empty() {
        Caller::anonymous()
    } else {
        let token = payload.metadata.get("token").map(String::as_str);
        token.and_then(|t| tokens.caller_for(t)).ok_or_else(|| {
            ApiError::unauthorized_because("`metadata.token` must be one of the server's tokens")
        })?
    };
    let field = |key: &str| payload.metadata.get(key).filter(|v| !v.trim().is_empty());
    let policy = state.policy();
    let env = match field("env") {
        Some(env) => env.as_str(),
        None => kubernetes_env(&policy.kubernetes, &payload.namespace),
    };
    let text = RequestText {
        service: Some(field("service").unwrap_or(&payload.name).clone()),
        env: Some(env.to_string()),
        change: field("change").cloned(),
        ..RequestText::default()
    };
    let (decision, _) = actions::decide(&state, &text, &caller).await?;
    let line = one_line(&decision);
    tracing::info!(canary = %payload.name, namespace = %payload.namespace, phase = %payload.phase, allowed = decision.allowed, "flagger gate");
    let status = match decision.verdict {
        Verdict::Allow | Verdict::Override => StatusCode::OK,
        Verdict::Deny => StatusCode::LOCKED,
    };
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        line + "\n",
    )
        .into_response();
    response.extensions_mut().insert(PlainAnswer);
    Ok(response)
}
