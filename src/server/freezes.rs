//! The runtime freeze endpoints — "stop the line" from chat or CI: `POST
//! /v1/freezes` creates one, `GET` lists them, `DELETE /v1/freezes/{id}` lifts
//! one. Each is stored durably with an audit entry (`actions`), and blocks every
//! check at once as a freeze rule named `runtime:<id>` (a rule of runtime origin:
//! see `policy::runtime`; composed into the served policy by `served`).

use super::actions::{create_freeze, lift_freeze};
use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::new_freeze::{FreezeLength, validate};
use super::state::AppState;
use crate::input::InputError;
use crate::store::RuntimeFreeze;
use crate::time::duration::parse_duration;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

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

#[utoipa::path(post, path = "/v1/freezes", operation_id = "createFreeze", tag = "runtime freezes", security(("bearer" = [])), request_body = FreezeRequest,
    responses((status = 401, description = "A bearer token is required (when tokens are configured)", body = ErrorBody),
              (status = 201, description = "The freeze, in force at once", body = FreezeView),
              (status = 400, description = "Malformed input, naming the field", body = ErrorBody)))]
pub(super) async fn create(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    body: Result<Json<FreezeRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<FreezeView>), ApiError> {
    let Json(req) = body?;
    InputError::check_line("by", req.by.as_deref())?;
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
    let freeze = create_freeze(&state, new).await?;
    Ok((
        StatusCode::CREATED,
        Json(FreezeView::new(&freeze, policy.settings.timezone)),
    ))
}

#[utoipa::path(get, path = "/v1/freezes", operation_id = "listFreezes", tag = "runtime freezes", security(("bearer" = [])),
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
#[utoipa::path(delete, path = "/v1/freezes/{id}", operation_id = "liftFreeze", tag = "runtime freezes", security(("bearer" = [])),
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
    InputError::check_line("by", who.by.as_deref())?;
    let tz = state.policy().settings.timezone;
    let freeze = lift_freeze(&state, id, actor(who.by.as_deref(), &caller)).await?;
    Ok(Json(FreezeView::new(&freeze, tz)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LiftQuery {
    /// Who lifts it (a person's name).
    pub by: Option<String>,
}
