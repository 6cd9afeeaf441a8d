//! The Slack slash command, `POST /v1/slack/command` (SPEC §7): this handler
//! verifies Slack's signature before anything else, records the request in the
//! audit log, then answers the command in Block Kit. Signed requests need no
//! bearer token; unsigned ones are refused with 401 and nothing is evaluated.
//!
//! The parts it ties together are pure (no IO, no clock; the handler passes `now`
//! and the policy's zone), and none of them knows the others:
//! [`signature`] checks the `v0` HMAC, [`form`] decodes the body, [`command`] parses
//! the text after the slash command, and [`blocks`] renders the answers.

mod blocks;
mod command;
mod form;
mod signature;

use super::auth::Caller;
use super::error::ErrorBody;
use super::freezes::{self, create_in, lift_in};
use super::{ApiError, AppState, api};
use crate::store::{AuditAction, NewAuditEntry};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use blocks::{
    render_decision, render_error, render_freeze_created, render_freeze_lifted, render_freezes,
    render_help,
};
use command::{SlackCommand, parse_command};
use form::parse_form;
use serde_json::{Value, json};
use signature::{SIGNATURE_HEADER, SignatureError, TIMESTAMP_HEADER, verify_signature};
use std::sync::Arc;

#[utoipa::path(post, path = "/v1/slack/command", tag = "chatops",
    description = "A Slack slash command (`application/x-www-form-urlencoded`, as Slack sends it), verified by Slack's v0 signature over `v0:timestamp:body` with the signing secret; no bearer token. Commands: `check`, `next`, `windows`, `freeze`, `unfreeze`, `freezes`, `strategy`, `help`.",
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "Slack's form fields (`command`, `text`, `user_id`, `user_name`, `team_id`, `channel_id`, …)"),
    params(
        ("X-Slack-Request-Timestamp" = String, Header, description = "Unix seconds; refused when more than 5 minutes from the server's clock"),
        ("X-Slack-Signature" = String, Header, description = "`v0=` and the hex HMAC-SHA256 of `v0:timestamp:body`"),
    ),
    responses((status = 200, description = "A Block Kit message; errors in the command are ephemeral messages, still 200 as Slack expects", content_type = "application/json", body = Object),
              (status = 401, description = "A missing, wrong or expired signature: nothing is evaluated or audited", body = ErrorBody),
              (status = 503, description = "No signing secret is configured", body = ErrorBody)))]
pub(super) async fn command(
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
        chrono::Utc::now(),
    );
    if let Err(e) = verified {
        // Logged, not audited: anyone can send these, and the log must not fill up.
        tracing::warn!(reason = %e, "refused an unsigned or badly signed Slack request");
        let status = match e {
            SignatureError::NoSecret => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::UNAUTHORIZED,
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
            api::decide_in(state, &request, &Caller(actor))
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
            match freezes::validate(&policy, services, envs, length, &reason, actor, state.now()) {
                Ok(new) => create_in(state, new)
                    .await
                    .map(|f| render_freeze_created(&f, tz)),
                Err(e) => Err(e.into()),
            }
        }
        Ok(SlackCommand::Unfreeze { id }) => lift_in(state, id, actor)
            .await
            .map(|f| render_freeze_lifted(&f, tz)),
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

/// Slack's documented example of a signed request, and ways to look into a Block
/// Kit answer, for the parts' tests.
#[cfg(test)]
mod testing {
    use serde_json::Value;

    /// The signing secret, timestamp, body and signature of the request in Slack's
    /// "Verifying requests from Slack" guide.
    pub(super) const SECRET: &[u8] = b"8f742231b10e8888abcd99yyyzzz85a5";
    pub(super) const TS: &str = "1531420618";
    pub(super) const BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    pub(super) const EXPECTED: &str =
        "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    /// Every text in the response, joined, to search.
    pub(super) fn all_text(v: &Value) -> String {
        let mut out = v["text"].as_str().unwrap().to_string();
        for b in v["blocks"].as_array().unwrap() {
            if let Some(t) = b["text"]["text"].as_str() {
                out.push('\n');
                out.push_str(t);
            }
            for e in b["elements"].as_array().into_iter().flatten() {
                out.push('\n');
                out.push_str(e["text"].as_str().unwrap());
            }
        }
        out
    }

    pub(super) fn well_formed(v: &Value, response_type: &str) {
        assert_eq!(v["response_type"], response_type, "{v}");
        assert!(!v["text"].as_str().unwrap().is_empty(), "{v}");
        let blocks = v["blocks"].as_array().unwrap();
        assert!(!blocks.is_empty() && blocks.len() <= 50, "{v}");
        for b in blocks {
            match b["type"].as_str().unwrap() {
                "section" => assert_eq!(b["text"]["type"], "mrkdwn"),
                "context" => assert!(!b["elements"].as_array().unwrap().is_empty()),
                other => panic!("unexpected block type {other}"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{all_text, well_formed};
    use super::*;

    fn error_for(text: &str) -> Value {
        match parse_command(text) {
            Err(e) => render_error(&e.to_string()),
            Ok(c) => panic!("{text}: parsed as {c:?}"),
        }
    }

    #[test]
    fn command_errors_are_escaped_for_the_asker() {
        // User text in a message is escaped for mrkdwn when rendered.
        let shown = all_text(&error_for("web prod <!channel>"));
        assert!(shown.contains("`&lt;!channel&gt;`"), "{shown}");
        assert!(!shown.contains('<'), "{shown}");
        let v = error_for("web");
        well_formed(&v, "ephemeral");
        assert!(all_text(&v).contains("/shipwindow &lt;service&gt; &lt;env&gt;"));
    }
}
