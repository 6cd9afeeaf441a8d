//! `POST /v1/k8s/admission`: a validating admission webhook. Always HTTP 200 with
//! an AdmissionReview whose `response.uid` echoes the request's (the API server
//! refuses anything else), except for a body that is not a review at all (400).

use super::change::changes_running_code;
use super::denial::one_line;
use super::review::{self, Answer, Request};
use super::target::{APPROVER, CHANGE, ENV_LABEL, Metadata, OVERRIDE_REASON};
use crate::eval::Verdict;
use crate::input::{OverrideText, RequestText};
use crate::policy::kubernetes_env;
use crate::server::actions::{self, Record};
use crate::server::auth::Caller;
use crate::server::error::ApiError;
use crate::server::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use std::sync::Arc;

#[utoipa::path(post, path = "/v1/k8s/admission", tag = "gates",
    request_body(content = String, description = "An AdmissionReview (admission.k8s.io/v1)", content_type = "application/json"),
    responses((status = 200, description = "An AdmissionReview whose response allows or denies (with status code 403 and a one-line message)"),
              (status = 400, description = "The body is not an AdmissionReview", body = crate::wire::ErrorBody)))]
pub(crate) async fn admit(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> Result<Json<Answer>, ApiError> {
    let request = review::parse(&body).map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok(Json(answer(&state, &request).await))
}

async fn answer(state: &AppState, request: &Request) -> Answer {
    if !changes_running_code(request) {
        return Answer::allow(&request.uid, Vec::new());
    }
    let meta = Metadata::of(request.object.as_ref());
    let policy = state.policy();
    let env = match meta.label(ENV_LABEL) {
        Some(env) => env,
        None => kubernetes_env(&policy.kubernetes, &request.namespace),
    };
    let text = RequestText {
        service: Some(meta.service(&request.name)),
        env: Some(env.to_string()),
        change: meta.annotation(CHANGE).map(str::to_string),
        override_: meta.annotation(OVERRIDE_REASON).map(|reason| OverrideText {
            reason: Some(reason.to_string()),
            approver: meta.annotation(APPROVER).map(str::to_string),
        }),
        ..RequestText::default()
    };
    // Who asked, for the audit of an override: the user the API server names.
    let caller = Caller(format!("kubernetes:{}", request.user_info.username));
    // A dry run is decided like any request but leaves no trace.
    let record = if request.dry_run {
        Record::Nothing
    } else {
        Record::Overrides
    };
    match actions::decide_then(state, &text, &caller, record).await {
        Ok((decision, _)) => match decision.verdict {
            Verdict::Allow => Answer::allow(&request.uid, Vec::new()),
            Verdict::Override => Answer::allow(&request.uid, vec![one_line(&decision)]),
            Verdict::Deny => Answer::deny(&request.uid, 403, one_line(&decision)),
        },
        // Fail closed: what cannot be decided is not admitted.
        Err(e) => Answer::deny(
            &request.uid,
            e.status.as_u16(),
            crate::text::escape(&format!("shipwindow: {}", e.message)).into_owned(),
        ),
    }
}
