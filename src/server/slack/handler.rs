//! The `POST /v1/slack/command` handler: it checks the signature (on the server's
//! clock) and that the request was not received before, decodes the form, puts the request on record, and answers the parsed command with Block
//! Kit, by the same actions as the JSON API.

use super::blocks::{
    render_decision, render_error, render_freeze_created, render_freeze_lifted, render_freezes,
    render_help, render_reservations, render_slot,
};
use super::command::{SlackCommand, parse_command};
use super::form::parse_form;
use super::signature::{SIGNATURE_HEADER, SignatureError, TIMESTAMP_HEADER, verify_signature};
use crate::input::RequestText;
use crate::server::actions::{self, create_freeze, lift_freeze};
use crate::server::auth::Caller;
use crate::server::error::{ApiError, ErrorBody};
use crate::server::new_freeze::validate;
use crate::server::replay::ReplayError;
use crate::server::reservations::{book_slot, release_slot};
use crate::server::state::AppState;
use crate::store::{AuditAction, NewAuditEntry, SlotRequest};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;

#[utoipa::path(post, path = "/v1/slack/command", operation_id = "slackCommand", tag = "chatops",
    description = "A Slack slash command (`application/x-www-form-urlencoded`, as Slack sends it), verified by Slack's v0 signature over `v0:timestamp:body` with the signing secret; no bearer token. Commands: `check`, `next`, `windows`, `freeze`, `unfreeze`, `freezes`, `reserve`, `release`, `reservations`, `strategy`, `help`.",
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "Slack's form fields (`command`, `text`, `user_id`, `user_name`, `team_id`, `channel_id`, …)"),
    params(
        ("X-Slack-Request-Timestamp" = String, Header, description = "Unix seconds; refused when more than 5 minutes from the server's clock"),
        ("X-Slack-Signature" = String, Header, description = "`v0=` and the hex HMAC-SHA256 of `v0:timestamp:body`"),
    ),
    responses((status = 200, description = "A Block Kit message; errors in the command are ephemeral messages, still 200 as Slack expects", content_type = "application/json", body = Object),
              (status = 401, description = "A missing, wrong or expired signature, or a request already received (the same timestamp and signature): nothing is evaluated or audited", body = ErrorBody),
              (status = 413, description = "A body over the size limit", body = ErrorBody),
              (status = 503, description = "No signing secret is configured, or too many signed requests in five minutes", body = ErrorBody)))]
pub(crate) async fn command(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(secret) = &state.slack_secret else {
        return ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the Slack command is not configured: set $SHIPWINDOW_SLACK_SIGNING_SECRET or --slack-secret-file",
        )
        .into_response();
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let verified = verify_signature(
        secret,
        header(TIMESTAMP_HEADER),
        header(SIGNATURE_HEADER),
        &body,
        state.now(),
    );
    let verified = match verified {
        Ok(verified) => verified,
        Err(e) => {
            // Logged, not audited: anyone can send these, and the log must not fill up.
            tracing::warn!(reason = %e, "refused an unsigned or badly signed Slack request");
            let status = match e {
                SignatureError::NoSecret => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::UNAUTHORIZED,
            };
            return ApiError::new(status, e.to_string()).into_response();
        }
    };
    // A signed request counts once: the same one again within its window is a replay.
    let seen = state
        .slack_seen
        .first_time(verified.tag, verified.expires, state.now().timestamp());
    if let Err(e) = seen {
        tracing::warn!(reason = %e, "refused a Slack request");
        let status = match e {
            ReplayError::Replayed => StatusCode::UNAUTHORIZED,
            ReplayError::Full => StatusCode::SERVICE_UNAVAILABLE,
        };
        return ApiError::new(status, e.to_string()).into_response();
    }
    let form = match parse_form(&body) {
        Ok(form) => form,
        Err(e) => return Json(render_error(&e.to_string())).into_response(),
    };
    let actor = form.actor();
    // The request is on record before it acts: an action nobody can trace is not taken.
    let entry = NewAuditEntry {
        at: state.now(),
        action: AuditAction::Slack,
        actor: actor.clone(),
        detail: json!({
            "command": form.command,
            "text": form.text,
            "team_id": form.team_id,
            "channel_id": form.channel_id,
        }),
    };
    if let Err(e) = state.audit(entry).await {
        return Json(render_error(&e.message)).into_response();
    }
    Json(answer(&state, &form.command, &form.text, actor).await).into_response()
}

/// The Block Kit answer to one command; failures are ephemeral error messages
/// (Slack shows a non-200 answer as a bare "failed" to the user).
async fn answer(state: &AppState, slash: &str, text: &str, actor: String) -> Value {
    let tz = state.policy().settings.timezone;
    let outcome = match parse_command(text) {
        Err(e) => return render_error(&e.to_string()),
        Ok(SlackCommand::Help) => return render_help(slash),
        // `strategy <name>` times the check by the strategy's plan, as
        // `check --strategy` and `/v1/check?strategy=` do.
        Ok(SlackCommand::Check {
            mut request,
            strategy,
        }) => {
            request.strategy = strategy;
            actions::decide(state, &request, &Caller(actor))
                .await
                .map(|(decision, zone)| render_decision(&decision, zone))
        }
        Ok(SlackCommand::Freeze {
            services,
            envs,
            length,
            reason,
        }) => {
            let policy = state.policy();
            match validate(&policy, services, envs, length, &reason, actor, state.now()) {
                Ok(new) => create_freeze(state, new)
                    .await
                    .map(|f| render_freeze_created(&f, tz)),
                Err(e) => Err(e.into()),
            }
        }
        Ok(SlackCommand::Unfreeze { id }) => lift_freeze(state, id, actor)
            .await
            .map(|f| render_freeze_lifted(&f, tz)),
        Ok(SlackCommand::Reserve {
            service,
            env,
            at,
            next,
        }) => {
            // The Slack user holds the slot, shown as a mention.
            let slot = SlotRequest {
                text: RequestText {
                    service: Some(service),
                    env: Some(env),
                    at,
                    ..RequestText::default()
                },
                next,
                by: actor,
            };
            return match book_slot(state, slot).await {
                Ok(r) => render_slot(&r, tz, "booked"),
                Err(refusal) => render_error(&refusal.message()),
            };
        }
        Ok(SlackCommand::Release { id }) => release_slot(state, id, actor)
            .await
            .map(|r| render_slot(&r, tz, "released")),
        Ok(SlackCommand::Reservations) => {
            let now = state.now();
            state
                .with_store(move |s| s.unexpired_reservations(now, None, None))
                .await
                .map(|list| render_reservations(&list, tz, now))
        }
        Ok(SlackCommand::Freezes) => {
            let now = state.now();
            state
                .with_store(move |s| s.unexpired_freezes(now))
                .await
                .map(|list| render_freezes(&list, tz, now))
        }
    };
    outcome.unwrap_or_else(|e| render_error(&e.message))
}
