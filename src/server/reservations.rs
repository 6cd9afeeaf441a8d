//! The reservation endpoints: `POST /v1/reservations` books a slot in a lane
//! (at a time, or the earliest free one), `GET` lists the unexpired ones,
//! `DELETE /v1/reservations/{id}` releases one. Each write is stored with its
//! audit entry and composed into the served policy at once, so the next check
//! on this server sees it.

use super::error::{ApiError, ErrorBody};
use super::state::AppState;
use crate::input::{InputError, RequestText};
use crate::store::{BookError, Reservation, ReservationView, SlotRequest, StoreError, book};
use crate::wire;
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// `POST /v1/reservations` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReservationRequest {
    #[schema(required = true, value_type = String)]
    pub service: Option<String>,
    #[schema(required = true, value_type = String)]
    pub env: Option<String>,
    /// RFC 3339, or a local `YYYY-MM-DDTHH:MM` in the policy's zone; default now.
    /// Not with `next`.
    pub at: Option<String>,
    /// `true`: the earliest slot the policy allows and no other reservation holds.
    pub next: Option<bool>,
    pub duration: Option<String>,
    pub monitoring: Option<String>,
    /// A `[[strategy]]`: its plan's length is the deploy's. Not with `duration`.
    pub strategy: Option<String>,
    /// Who holds the slot (required): the name an override by its holder gives
    /// as approver.
    #[schema(required = true, value_type = String)]
    pub by: Option<String>,
}

/// `GET /v1/reservations`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReservationList {
    pub reservations: Vec<ReservationView>,
}

/// 409: the slot is another's (`holder`) or the policy does not allow the
/// deploy then (`decision`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SlotRefused {
    pub error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holder: Option<ReservationView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<wire::Decision>,
}

/// A booking's failure as an answer.
pub(super) enum Refusal {
    Conflict(Box<SlotRefused>),
    Api(ApiError),
}

impl Refusal {
    /// What went wrong, as the answer's `error` says it.
    pub(super) fn message(&self) -> String {
        match self {
            Refusal::Conflict(body) => body.error.clone(),
            Refusal::Api(e) => e.message.clone(),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Conflict(body) => (StatusCode::CONFLICT, Json(*body)).into_response(),
            Refusal::Api(e) => e.into_response(),
        }
    }
}

impl From<ApiError> for Refusal {
    fn from(e: ApiError) -> Refusal {
        Refusal::Api(e)
    }
}

/// A booking's failure, with the zone its times are shown in.
pub(super) fn refusal(e: BookError, tz: Tz) -> Refusal {
    let message = e.to_string();
    match e {
        BookError::Input(e) => Refusal::Api(e.into()),
        BookError::Eval(e) => Refusal::Api(e.into()),
        BookError::NoLane { .. } => Refusal::Api(ApiError::bad_request(message)),
        BookError::Taken(holder) => Refusal::Conflict(Box::new(SlotRefused {
            error: format!("slot taken: {}", holder.holds_words(tz)),
            holder: Some(holder.view(tz)),
            decision: None,
        })),
        BookError::Denied(d) => Refusal::Conflict(Box::new(SlotRefused {
            error: message,
            holder: None,
            decision: Some(wire::Decision::from(d.as_ref())),
        })),
        BookError::NothingFree { .. } => Refusal::Conflict(Box::new(SlotRefused {
            error: message,
            holder: None,
            decision: None,
        })),
        BookError::Store(e) => Refusal::Api(e.into()),
    }
}

/// Books `slot` (its audit entry with it) and serves it at once.
pub(super) async fn book_slot(state: &AppState, slot: SlotRequest) -> Result<Reservation, Refusal> {
    let policy = state.policy();
    let tz = policy.settings.timezone;
    let now = state.now();
    // Store failures count as failed writes (`/healthz`); refusals write nothing.
    let outcome = state
        .write_store(move |store| match book(store, &policy, &slot, now) {
            Err(BookError::Store(e)) => Err(e),
            other => Ok(other),
        })
        .await?;
    let (reservation, _) = outcome.map_err(|e| refusal(e, tz))?;
    state.install(None);
    tracing::info!(
        id = %reservation.id, lane = %reservation.lane, by = %reservation.by,
        until = %reservation.monitoring_end, "slot reserved"
    );
    Ok(reservation)
}

/// Releases reservation `id` and stops serving it at once.
pub(super) async fn release_slot(
    state: &AppState,
    id: String,
    by: String,
) -> Result<Reservation, ApiError> {
    let now = state.now();
    let (reservation, _) = state.write_store(move |s| s.release(&id, &by, now)).await?;
    state.install(None);
    tracing::info!(id = %reservation.id, by = ?reservation.released_by, "slot released");
    Ok(reservation)
}

/// The holder's name: given, one line, not blank.
pub(super) fn holder_name(by: Option<&str>) -> Result<String, InputError> {
    InputError::check_line("by", by)?;
    match by.map(str::trim).filter(|b| !b.is_empty()) {
        Some(name) => Ok(name.to_string()),
        None => Err(InputError {
            field: "by".into(),
            message: "is required: name who holds the slot (an override they approve passes it)"
                .into(),
        }),
    }
}

#[utoipa::path(post, path = "/v1/reservations", operation_id = "createReservation", tag = "reservations", security(("bearer" = [])), request_body = ReservationRequest,
    responses((status = 201, description = "The slot, booked and blocking the lane's other deploys at once", body = ReservationView),
              (status = 400, description = "Malformed input, naming the field; or no lane covers the deploy", body = ErrorBody),
              (status = 401, description = "A bearer token is required (when tokens are configured)", body = ErrorBody),
              (status = 409, description = "Another reservation of the lane overlaps (`holder`), or the policy does not allow the deploy then (`decision`)", body = SlotRefused),
              (status = 503, description = "The store is unavailable; nothing was booked", body = ErrorBody)))]
pub(super) async fn create(
    State(state): State<Arc<AppState>>,
    body: Result<Json<ReservationRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<ReservationView>), Refusal> {
    let Json(req) = body.map_err(ApiError::from)?;
    let by = holder_name(req.by.as_deref()).map_err(ApiError::from)?;
    let next = req.next.unwrap_or(false);
    if next && req.at.is_some() {
        return Err(ApiError::bad_request("give `at` or `next`, not both").into());
    }
    let slot = SlotRequest {
        text: RequestText {
            service: req.service,
            env: req.env,
            at: req.at,
            duration: req.duration,
            strategy: req.strategy,
            monitoring: req.monitoring,
            ..RequestText::default()
        },
        next,
        by,
    };
    let tz = state.policy().settings.timezone;
    let reservation = book_slot(&state, slot).await?;
    Ok((StatusCode::CREATED, Json(reservation.view(tz))))
}

/// `GET /v1/reservations?service=&env=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub service: Option<String>,
    pub env: Option<String>,
}

#[utoipa::path(get, path = "/v1/reservations", operation_id = "listReservations", tag = "reservations", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, description = "Reservations not released or expired, by start", body = ReservationList),
              (status = 401, description = "A bearer token is required (when tokens are configured)", body = ErrorBody),
              (status = 503, description = "The store is unavailable", body = ErrorBody)))]
pub(super) async fn list(
    State(state): State<Arc<AppState>>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<ReservationList>, ApiError> {
    let Query(q) = query?;
    InputError::check_line("service", q.service.as_deref())?;
    InputError::check_line("env", q.env.as_deref())?;
    let tz = state.policy().settings.timezone;
    let now = state.now();
    let held = state
        .with_store(move |s| s.unexpired_reservations(now, q.service.as_deref(), q.env.as_deref()))
        .await?;
    let reservations = held.iter().map(|r| r.view(tz)).collect();
    Ok(Json(ReservationList { reservations }))
}

/// `DELETE /v1/reservations/{id}?by=NAME`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReleaseQuery {
    /// Who releases it (required).
    pub by: Option<String>,
}

#[utoipa::path(delete, path = "/v1/reservations/{id}", operation_id = "releaseReservation", tag = "reservations", security(("bearer" = [])),
    params(("id" = String, Path, description = "The reservation's id"), ReleaseQuery),
    responses((status = 200, description = "The released reservation; the lane is free at once", body = ReservationView),
              (status = 400, description = "Malformed input", body = ErrorBody),
              (status = 401, description = "A bearer token is required (when tokens are configured)", body = ErrorBody),
              (status = 404, description = "No such reservation", body = ErrorBody),
              (status = 409, description = "Already released or expired", body = ErrorBody),
              (status = 503, description = "The store is unavailable", body = ErrorBody)))]
pub(super) async fn release(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    who: Result<Query<ReleaseQuery>, QueryRejection>,
) -> Result<Json<ReservationView>, ApiError> {
    let Query(who) = who?;
    let by = holder_name(who.by.as_deref())?;
    let tz = state.policy().settings.timezone;
    let reservation = release_slot(&state, id, by).await?;
    Ok(Json(reservation.view(tz)))
}

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Refusal {
        Refusal::Api(e.into())
    }
}
