//! The decision endpoints — `/v1/check`, `/v1/next`, `/v1/windows` — and the
//! operational ones, `/healthz` and `/metrics`.

use super::actions;
use super::auth::Caller;
use super::error::ApiError;
use super::freshness::STALE_STORE;
use super::metrics::Exposition;
use super::state::AppState;
use crate::eval::{self, Decision};
use crate::input::{RequestText, WindowsText};
use crate::wire::{self, ErrorBody, WindowsReport, ZONE_HEADER};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use std::sync::Arc;

/// A decision, why an override was refused (when one was), and the zone header.
pub struct DecisionResponse {
    decision: Decision,
    refused: Vec<String>,
    zone: chrono_tz::Tz,
}

impl IntoResponse for DecisionResponse {
    fn into_response(self) -> Response {
        let mut body = wire::Decision::from(&self.decision);
        body.override_refused = self.refused;
        let mut response = Json(body).into_response();
        if let Ok(value) = HeaderValue::from_str(self.zone.name()) {
            response
                .headers_mut()
                .insert(HeaderName::from_static(ZONE_HEADER), value);
        }
        response
    }
}

/// Decides `text` against the served policy (an override is audited first, by
/// [`actions::decide`]) and answers with the zone header.
async fn decide(
    state: &AppState,
    text: &RequestText,
    caller: &Caller,
) -> Result<DecisionResponse, ApiError> {
    let (decision, zone) = actions::decide(state, text, caller).await?;
    let refused = refusals(state, text, &decision);
    Ok(DecisionResponse {
        decision,
        refused,
        zone,
    })
}

/// Why the request's override did not push a denied deploy through, read
/// against the policy that decided it (none when it has been reloaded since).
fn refusals(state: &AppState, text: &RequestText, decision: &Decision) -> Vec<String> {
    let Some(o) = &text.override_ else {
        return Vec::new();
    };
    let policy = state.policy();
    if decision.verdict != eval::Verdict::Deny || policy.fingerprint != decision.policy {
        return Vec::new();
    }
    let o = eval::Override {
        reason: o.reason.clone().unwrap_or_default(),
        approver: o.approver.clone().filter(|a| !a.trim().is_empty()),
    };
    eval::override_refusals(&policy, &decision.blocked_by, &o)
}

#[utoipa::path(get, path = "/v1/check", operation_id = "checkQuery", tag = "decisions", security(("bearer" = [])), params(RequestText),
    responses((status = 200, description = "The decision: verdict, blocking rules, next allowed start", body = wire::Decision),
              (status = 400, description = "Malformed input, naming the field", body = ErrorBody),
              (status = 401, description = "A bearer token is required", body = ErrorBody)))]
pub(super) async fn check_query(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    query: Result<Query<RequestText>, QueryRejection>,
) -> Result<DecisionResponse, ApiError> {
    let Query(text) = query?;
    if text.override_.is_some() {
        return Err(ApiError::bad_request(
            "`override` is accepted in a POST body only",
        ));
    }
    decide(&state, &text, &caller).await
}

#[utoipa::path(post, path = "/v1/check", operation_id = "checkBody", tag = "decisions", security(("bearer" = [])), request_body = RequestText,
    responses((status = 200, description = "The decision: verdict, blocking rules, next allowed start; overrides are audited", body = wire::Decision),
              (status = 400, description = "Malformed input, naming the field", body = ErrorBody),
              (status = 401, description = "A bearer token is required", body = ErrorBody)))]
pub(super) async fn check_body(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    body: Result<Json<RequestText>, JsonRejection>,
) -> Result<DecisionResponse, ApiError> {
    let Json(text) = body?;
    decide(&state, &text, &caller).await
}

/// `GET /v1/next`: the §4 object for the request, whose `next_allowed` (or `start`
/// when allowed) is the answer; overrides play no part.
#[utoipa::path(get, path = "/v1/next", operation_id = "next", tag = "decisions", security(("bearer" = [])), params(RequestText),
    responses((status = 401, description = "A bearer token is required (when tokens are configured)", body = ErrorBody),
              (status = 200, description = "The decision; `next_allowed` (or `start` when allowed) is the answer", body = wire::Decision),
              (status = 400, description = "Malformed input", body = ErrorBody)))]
pub(super) async fn next(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    query: Result<Query<RequestText>, QueryRejection>,
) -> Result<DecisionResponse, ApiError> {
    let Query(mut text) = query?;
    text.override_ = None;
    decide(&state, &text, &caller).await
}

#[utoipa::path(get, path = "/v1/windows", operation_id = "windows", tag = "decisions", security(("bearer" = [])), params(WindowsText),
    responses((status = 401, description = "A bearer token is required (when tokens are configured)", body = ErrorBody),
              (status = 200, description = "Open and closed intervals covering [from, to), open ones with their `last_start`; only the open ones with `open=true`", body = WindowsReport),
              (status = 400, description = "Malformed input", body = ErrorBody)))]
pub(super) async fn windows(
    State(state): State<Arc<AppState>>,
    query: Result<Query<WindowsText>, QueryRejection>,
) -> Result<Json<WindowsReport>, ApiError> {
    let Query(text) = query?;
    let now = state.now();
    let report = state
        .evaluate(state.policy(), move |policy| {
            let q = text.resolve(policy, now)?;
            let report = q.report(policy)?;
            let mut json = WindowsReport::from(&report);
            if q.open {
                json.retain_open();
            }
            Ok(json)
        })
        .await?;
    Ok(Json(report))
}

/// `GET /v1/calendar.ics`: the closed stretches of the next `days` as an
/// iCalendar file, for calendar apps to subscribe to.
#[derive(Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CalendarQuery {
    #[param(required = true, value_type = String)]
    pub service: Option<String>,
    #[param(required = true, value_type = String)]
    pub env: Option<String>,
    /// Days from now (default 30, at most 400)
    pub days: Option<String>,
    /// `deploy` (default), `hotfix`, `rollback` or `config`
    pub change: Option<String>,
    /// `true`: a feed of the open windows (when to deploy, each with its last
    /// start) instead of the closed stretches
    #[param(value_type = Option<bool>)]
    pub open: Option<bool>,
    /// The bearer token, for calendar apps that cannot send an `Authorization`
    /// header (used only when the header is absent)
    #[expect(
        dead_code,
        reason = "read by the token_from_query middleware; declared so the query is accepted"
    )]
    pub token: Option<String>,
}

/// The default and the largest `days` of `/v1/calendar.ics`.
pub const CALENDAR_DAYS: (i64, i64) = (30, 400);

#[utoipa::path(get, path = "/v1/calendar.ics", operation_id = "calendar", tag = "decisions", security(("bearer" = [])), params(CalendarQuery),
    responses((status = 200, description = "The closed intervals from now for `days` days, one VEVENT each (iCalendar, UTC times)", content_type = "text/calendar", body = String),
              (status = 400, description = "Malformed input", body = ErrorBody),
              (status = 401, description = "A bearer token is required (when tokens are configured)", body = ErrorBody)))]
pub(super) async fn calendar(
    State(state): State<Arc<AppState>>,
    query: Result<Query<CalendarQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query?;
    let (default_days, max_days) = CALENDAR_DAYS;
    let days = match q.days.as_deref().map(str::trim) {
        None | Some("") => default_days,
        Some(d) => d
            .parse::<i64>()
            .ok()
            .filter(|d| (1..=max_days).contains(d))
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "`days` must be a whole number from 1 to {max_days}"
                ))
            })?,
    };
    let from = state.now();
    let to = from + chrono::TimeDelta::days(days);
    let text = WindowsText {
        service: q.service,
        env: q.env,
        from: Some(from.to_rfc3339()),
        to: Some(to.to_rfc3339()),
        change: q.change,
        open: q.open,
        reservation: None,
    };
    let (w, body) = state
        .evaluate(state.policy(), move |policy| {
            let w = text.resolve(policy, from)?;
            let report = eval::windows(policy, &w.service, &w.env, w.change, w.from, w.to)?;
            let body = wire::ics::export(
                &report,
                policy,
                &wire::ics::ExportOptions {
                    service: &w.service,
                    env: &w.env,
                    stamp: from,
                    refresh: Some(chrono::TimeDelta::hours(1)),
                    feed: if w.open {
                        wire::ics::Feed::Open
                    } else {
                        wire::ics::Feed::Closed
                    },
                },
            );
            Ok((w, body))
        })
        .await?;
    let filename = format!("shipwindow-{}-{}.ics", w.service, w.env).replace(
        |c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')),
        "_",
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// `ok`, or `degraded` (still 200: the server answers, with the last good policy
/// and TLS pair) with the reload error.
#[utoipa::path(get, path = "/healthz", operation_id = "healthz", tag = "operations",
    responses((status = 200, description = "`ok`, or `degraded` with the reload error while the last good policy serves", body = Health)))]
pub(super) async fn healthz(State(state): State<Arc<AppState>>) -> Json<Health> {
    let (rules, runtime_freezes, policy) = state.summary();
    let error = state.reload_error();
    let store_error = state.write_error();
    let tls_error = state.tls_error();
    let sync_error = state.store_behind();
    let mut stale = state.stale_feeds();
    if sync_error.is_some() {
        stale.push(STALE_STORE.to_string());
    }
    Json(Health {
        status: if error.is_some()
            || store_error.is_some()
            || tls_error.is_some()
            || sync_error.is_some()
        {
            "degraded"
        } else {
            "ok"
        },
        policy,
        rules,
        runtime_freezes,
        error,
        store_error,
        tls_error,
        sync_error,
        stale,
    })
}

/// `GET /healthz`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`, or `degraded` when the last reload failed (of the policy or of the
    /// TLS pair), the last write to the state database did, or the state served
    /// may be behind the store.
    #[schema(value_type = String, example = "ok")]
    pub status: &'static str,
    /// The fingerprint of the policy files being served.
    pub policy: String,
    /// Rules loaded from the policy files.
    pub rules: usize,
    /// Runtime freezes in force or scheduled.
    pub runtime_freezes: usize,
    /// The failed reload's problems, `file:line:column: message`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Why the last write to the state database (an audit entry, a runtime
    /// freeze) failed, until one succeeds: overrides and freezes are refused
    /// meanwhile, decisions are still answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store_error: Option<String>,
    /// Why the last reload of the TLS certificate and key failed, while the
    /// previous pair keeps serving; absent when it did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_error: Option<String>,
    /// Why the state served may be behind the store (it cannot be read, or
    /// the connection that hears of other servers' changes is down), until
    /// the next successful sync; absent when it is current.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync_error: Option<String>,
    /// Calendar feeds served from an older copy because their last refresh
    /// failed, and `store` while the state served may be behind the store (as
    /// in a decision's `stale`); absent when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stale: Vec<String>,
}

#[utoipa::path(get, path = "/metrics", operation_id = "metrics", tag = "operations",
    params(("Accept" = Option<String>, Header, description = "`text/plain` for Prometheus text 0.0.4; OpenMetrics otherwise (the higher `q` wins when both are named)")),
    responses((status = 200, description = "OpenMetrics text, or Prometheus text 0.0.4 when `Accept` prefers `text/plain`",
        content((String = "application/openmetrics-text"), (String = "text/plain")))))]
pub(super) async fn render_metrics(
    State(state): State<Arc<AppState>>,
    headers: axum::http::HeaderMap,
) -> Response {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let format = Exposition::negotiate(accept);
    let (readings, files) = state.gauges();
    state.metrics.observe(&readings, &files);
    (
        [
            (header::CONTENT_TYPE, format.content_type()),
            (header::VARY, "accept"),
        ],
        state.metrics.render(format),
    )
        .into_response()
}

pub(super) async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "no such endpoint")
}

pub(super) async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method not allowed on this endpoint",
    )
}
