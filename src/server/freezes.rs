//! Runtime freezes — "stop the line" from chat or CI: `POST /v1/freezes` creates
//! one, `GET` lists them, `DELETE /v1/freezes/{id}` lifts one. Each is stored
//! durably with an audit entry, and blocks every check at once as a freeze rule
//! named `runtime:<id>` (a rule of runtime origin: see `policy::runtime`).

use super::auth::Caller;
use super::error::ErrorBody;
use super::{ApiError, AppState};
use crate::input::InputError;
use crate::policy::{PolicySet, RuleSource, Scope};
use crate::store::{NewFreeze, RuntimeFreeze};
use crate::time::duration::parse_duration;
use crate::time::parse_instant;
use crate::time::spec::TimeSpec;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The longest runtime freeze: it is an incident brake, not a calendar.
pub const MAX_FREEZE: TimeDelta = TimeDelta::days(30);

/// The served policy: the files' rules, then one freeze rule per runtime freeze.
pub(super) fn compose(files: &PolicySet, freezes: &[RuntimeFreeze]) -> PolicySet {
    let tz = files.settings.timezone;
    files.with_runtime_rules(freezes.iter().filter_map(|f| f.spec().rule(tz)))
}

/// How many runtime freeze rules in `policy` have not ended by `now`.
pub(super) fn unexpired_rules(policy: &PolicySet, now: DateTime<Utc>) -> usize {
    policy
        .runtime_rules()
        .filter(|r| matches!(&r.source, RuleSource::Spec(TimeSpec::Once { end, .. }) if *end > now))
        .count()
}

/// `files` with the runtime rules of `previous` (when the store cannot be read).
pub(super) fn carry_over(files: &PolicySet, previous: &PolicySet) -> PolicySet {
    files.with_runtime_rules(previous.runtime_rules().cloned())
}

/// How long a new freeze lasts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FreezeLength {
    /// From now, for this long (more than zero).
    For(TimeDelta),
    /// Until this time: RFC 3339, or local `YYYY-MM-DDTHH:MM` in the policy's zone.
    Until(String),
}

/// Checks a freeze request (patterns, length, reason) and makes it storable.
pub(super) fn validate(
    policy: &PolicySet,
    services: Vec<String>,
    envs: Vec<String>,
    length: FreezeLength,
    reason: &str,
    created_by: String,
    now: DateTime<Utc>,
) -> Result<NewFreeze, InputError> {
    for (field, list) in [("services", &services), ("envs", &envs)] {
        if list.is_empty() {
            return Err(InputError {
                field: field.into(),
                message: "needs at least one name or pattern (e.g. `payments-*`)".into(),
            });
        }
        Scope::parse(list.iter().map(String::as_str)).map_err(|(i, message)| InputError {
            field: format!("{field}[{i}]"),
            message,
        })?;
    }
    let field = match length {
        FreezeLength::For(_) => "for",
        FreezeLength::Until(_) => "until",
    };
    let until = match length {
        FreezeLength::For(d) => now + d,
        FreezeLength::Until(text) => {
            parse_instant(&text, policy.settings.timezone).map_err(|e| InputError {
                field: "until".into(),
                message: e.to_string(),
            })?
        }
    };
    if until <= now {
        let message = match field {
            "for" => "must be longer than zero",
            _ => "must be in the future",
        };
        return Err(InputError {
            field: field.into(),
            message: message.into(),
        });
    }
    if until - now > MAX_FREEZE {
        return Err(InputError {
            field: field.into(),
            message: "a runtime freeze lasts at most 30 days; put longer ones in a policy file"
                .into(),
        });
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(InputError {
            field: "reason".into(),
            message: "is required (say why: an incident number, an event)".into(),
        });
    }
    Ok(NewFreeze {
        services,
        envs,
        start: now,
        until,
        reason: reason.to_string(),
        created_by,
    })
}

/// `POST /v1/freezes` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FreezeRequest {
    pub services: Vec<String>,
    pub envs: Vec<String>,
    /// RFC 3339 or local `YYYY-MM-DDTHH:MM` in the policy's zone.
    pub until: Option<String>,
    /// A length such as `2h`.
    #[serde(rename = "for")]
    pub for_: Option<String>,
    pub reason: String,
    /// Who asks (a person's name); recorded with the caller's token id.
    pub by: Option<String>,
}

/// A runtime freeze as the API shows it; times in the policy's zone.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FreezeView {
    pub id: String,
    pub rule: String,
    pub services: Vec<String>,
    pub envs: Vec<String>,
    pub start: String,
    pub until: String,
    pub reason: String,
    pub created_by: String,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifted_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifted_by: Option<String>,
}

impl FreezeView {
    pub(super) fn new(f: &RuntimeFreeze, tz: Tz) -> FreezeView {
        let show = |t: DateTime<Utc>| {
            t.with_timezone(&tz)
                .to_rfc3339_opts(SecondsFormat::Secs, false)
        };
        FreezeView {
            id: f.id.clone(),
            rule: f.rule_name(),
            services: f.services.clone(),
            envs: f.envs.clone(),
            start: show(f.start),
            until: show(f.until),
            reason: f.reason.clone(),
            created_by: f.created_by.clone(),
            created_at: show(f.created_at),
            lifted_at: f.lifted_at.map(show),
            lifted_by: f.lifted_by.clone(),
        }
    }
}

/// Who a change is recorded as: the named person, with the credential they used.
pub(super) fn actor(by: Option<&str>, caller: &Caller) -> String {
    match by.map(str::trim).filter(|b| !b.is_empty()) {
        Some(name) => format!("{name} ({})", caller.0),
        None => caller.0.clone(),
    }
}

/// Stores `new` (with its audit entry) and serves it at once.
pub(super) async fn create_in(state: &AppState, new: NewFreeze) -> Result<RuntimeFreeze, ApiError> {
    let (freeze, _) = state
        .write_store({
            let now = state.now();
            move |s| s.create_freeze(new, now)
        })
        .await?;
    state.install(None);
    tracing::info!(id = %freeze.id, by = %freeze.created_by, until = %freeze.until, "runtime freeze created");
    Ok(freeze)
}

/// Lifts freeze `id` (with its audit entry) and stops serving it at once.
pub(super) async fn lift_in(
    state: &AppState,
    id: String,
    by: String,
) -> Result<RuntimeFreeze, ApiError> {
    let (freeze, _) = state
        .write_store({
            let now = state.now();
            move |s| s.lift_freeze(&id, &by, now)
        })
        .await?;
    state.install(None);
    let by = freeze.lifted_by.as_deref().unwrap_or_default();
    tracing::info!(id = %freeze.id, by = %by, "runtime freeze lifted");
    Ok(freeze)
}

#[utoipa::path(post, path = "/v1/freezes", tag = "runtime freezes", security(("bearer" = [])), request_body = FreezeRequest,
    responses((status = 401, description = "A bearer token is required (when tokens are configured)", body = ErrorBody),
              (status = 201, description = "The freeze, in force at once", body = FreezeView),
              (status = 400, description = "Malformed input, naming the field", body = ErrorBody)))]
pub(super) async fn create(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    body: Result<Json<FreezeRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<FreezeView>), ApiError> {
    let Json(req) = body?;
    let length = match (req.for_, req.until) {
        (Some(d), None) => FreezeLength::For(parse_duration(&d).map_err(|e| InputError {
            field: "for".into(),
            message: e.to_string(),
        })?),
        (None, Some(t)) => FreezeLength::Until(t),
        _ => {
            return Err(ApiError::bad_request(
                "give exactly one of `for` (a length such as `2h`) and `until` (a time)",
            ));
        }
    };
    let policy = state.policy();
    let new = validate(
        &policy,
        req.services,
        req.envs,
        length,
        &req.reason,
        actor(req.by.as_deref(), &caller),
        state.now(),
    )?;
    let freeze = create_in(&state, new).await?;
    Ok((
        StatusCode::CREATED,
        Json(FreezeView::new(&freeze, policy.settings.timezone)),
    ))
}

#[utoipa::path(get, path = "/v1/freezes", tag = "runtime freezes", security(("bearer" = [])),
    responses((status = 401, description = "A bearer token is required (when tokens are configured)", body = ErrorBody),
              (status = 200, description = "Freezes not lifted or expired", body = FreezeList)))]
pub(super) async fn list(State(state): State<Arc<AppState>>) -> Result<Json<FreezeList>, ApiError> {
    let tz = state.policy().settings.timezone;
    let now = state.now();
    let freezes = state.with_store(move |s| s.unexpired_freezes(now)).await?;
    let freezes = freezes.iter().map(|f| FreezeView::new(f, tz)).collect();
    Ok(Json(FreezeList { freezes }))
}

/// `GET /v1/freezes`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FreezeList {
    pub freezes: Vec<FreezeView>,
}

/// `DELETE /v1/freezes/{id}?by=NAME`.
#[utoipa::path(delete, path = "/v1/freezes/{id}", tag = "runtime freezes", security(("bearer" = [])),
    params(("id" = String, Path, description = "The freeze's id"), LiftQuery),
    responses((status = 401, description = "A bearer token is required (when tokens are configured)", body = ErrorBody),
              (status = 200, description = "The lifted freeze", body = FreezeView),
              (status = 404, description = "No such freeze", body = ErrorBody),
              (status = 409, description = "Already lifted or expired", body = ErrorBody)))]
pub(super) async fn lift(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    who: Result<axum::extract::Query<LiftQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<FreezeView>, ApiError> {
    let axum::extract::Query(who) = who?;
    let tz = state.policy().settings.timezone;
    let freeze = lift_in(&state, id, actor(who.by.as_deref(), &caller)).await?;
    Ok(Json(FreezeView::new(&freeze, tz)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LiftQuery {
    /// Who lifts it (a person's name).
    pub by: Option<String>,
}
