//! `GET /v1/audit?since=…&limit=…`: the audit log, oldest first.

use super::error::{ApiError, ErrorBody};
use super::state::AppState;
use crate::store::AuditEntry;
use crate::time::parse_instant;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use serde::Deserialize;
use std::sync::Arc;

/// Entries per answer when `limit` is not given, and the most one answer holds.
pub const DEFAULT_LIMIT: usize = 100;
pub const MAX_LIMIT: usize = 1000;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Entries at or after this time (RFC 3339, or local in the policy's zone).
    pub since: Option<String>,
    /// At most this many (default 100, at most 1000).
    pub limit: Option<usize>,
}

/// `GET /v1/audit`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct AuditList {
    pub entries: Vec<AuditEntry>,
}

#[utoipa::path(get, path = "/v1/audit", operation_id = "listAudit", tag = "audit", security(("bearer" = [])), params(AuditQuery),
    responses((status = 401, description = "A bearer token is required (when tokens are configured)", body = ErrorBody),
              (status = 200, description = "Audit entries, oldest first", body = AuditList),
              (status = 400, description = "Malformed input", body = ErrorBody)))]
pub(super) async fn list(
    State(state): State<Arc<AppState>>,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Json<AuditList>, ApiError> {
    let Query(q) = query?;
    let tz = state.policy().settings.timezone;
    let since = q
        .since
        .as_deref()
        .map(|t| parse_instant(t, tz))
        .transpose()
        .map_err(|e| ApiError::bad_request(format!("`since` {e}")))?;
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ApiError::bad_request(format!(
            "`limit` must be from 1 to {MAX_LIMIT}"
        )));
    }
    let entries = state.with_store(move |s| s.audit(since, limit)).await?;
    Ok(Json(AuditList { entries }))
}
