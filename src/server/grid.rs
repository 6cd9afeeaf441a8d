//! The windows grid over HTTP: `GET /v1/windows.svg`, and the range and
//! drawing it shares with the page at `GET /`. With no `from`, a grid starts
//! at the start of today in the policy's zone, so today's row is whole and
//! "now" sits inside it.

use super::error::ApiError;
use super::state::AppState;
use crate::input::{WindowsQuery, WindowsText};
use crate::policy::PolicySet;
use crate::time::civil::{Edge, to_instant};
use crate::wire::svg::{GridOptions, RuleTable, render};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveTime, Utc};
use std::sync::Arc;

/// The default and the largest `days` of a grid: two weeks to look at, and
/// the longest `windows` range.
pub const GRID_DAYS: (i64, i64) = (14, 400);

/// Nothing a grid draws loads or runs anything, and no page may frame it.
pub(super) const SVG_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// `GET /v1/windows.svg`.
#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct GridQuery {
    #[param(required = true, value_type = String)]
    pub service: Option<String>,
    #[param(required = true, value_type = String)]
    pub env: Option<String>,
    /// Days drawn from `from` (default 14, at most 400); not with `to`
    pub days: Option<String>,
    /// As for `/v1/windows` (default: the start of today in the policy's zone)
    pub from: Option<String>,
    /// As for `/v1/windows`; not with `days`
    pub to: Option<String>,
    /// `deploy` (default), `hotfix`, `rollback` or `config`
    pub change: Option<String>,
    /// The id of a reservation this deploy holds: its slot is drawn open
    pub reservation: Option<String>,
    /// The bearer token, for an `<img>` or a dashboard that cannot send an
    /// `Authorization` header (used only when the header is absent)
    #[expect(
        dead_code,
        reason = "read by the token_from_query middleware; declared so the query is accepted"
    )]
    pub token: Option<String>,
}

/// `days` as a count: the default when absent, else 1 to the largest.
pub(super) fn days(text: Option<&str>) -> Result<i64, ApiError> {
    let (default, max) = GRID_DAYS;
    match text.map(str::trim) {
        None | Some("") => Ok(default),
        Some(d) => d
            .parse::<i64>()
            .ok()
            .filter(|d| (1..=max).contains(d))
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "`days` must be a whole number from 1 to {max}, not `{d}`"
                ))
            }),
    }
}

/// The start of `now`'s day in `policy`'s zone.
pub(super) fn start_of_today(policy: &PolicySet, now: DateTime<Utc>) -> DateTime<Utc> {
    let tz = policy.settings.timezone;
    let date = now.with_timezone(&tz).date_naive();
    to_instant(tz, date.and_time(NaiveTime::MIN), Edge::Start)
}

impl GridQuery {
    /// The validated `windows` question the grid draws.
    pub(super) fn resolve(
        &self,
        policy: &PolicySet,
        now: DateTime<Utc>,
    ) -> Result<WindowsQuery, ApiError> {
        let given = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
        if given(&self.days) && given(&self.to) {
            return Err(ApiError::bad_request(
                "give `days` or `to`, not both: `days` counts from `from`",
            ));
        }
        let count = days(self.days.as_deref())?;
        let from = match &self.from {
            Some(f) if !f.trim().is_empty() => f.clone(),
            _ => start_of_today(policy, now).to_rfc3339(),
        };
        let to = match &self.to {
            Some(t) if !t.trim().is_empty() => t.clone(),
            _ => format!("+{count}d"),
        };
        let text = WindowsText {
            service: self.service.clone(),
            env: self.env.clone(),
            from: Some(from),
            to: Some(to),
            change: self.change.clone(),
            open: None,
            reservation: self.reservation.clone(),
        };
        Ok(text.resolve(policy, now)?)
    }
}

/// The grid of `q` as SVG text.
pub(super) fn draw(
    policy: &PolicySet,
    q: &WindowsQuery,
    now: DateTime<Utc>,
) -> Result<String, ApiError> {
    let report = q.report(policy)?;
    let options = GridOptions {
        service: &q.service,
        env: &q.env,
        now,
    };
    Ok(render(&report, &RuleTable::from_policy(policy), &options))
}

#[utoipa::path(get, path = "/v1/windows.svg", operation_id = "windowsSvg", tag = "decisions", security(("bearer" = [])), params(GridQuery),
    responses((status = 200, description = "The open and closed stretches as a week-by-week grid (SVG, hours across in the policy's zone)", content_type = "image/svg+xml", body = String),
              (status = 400, description = "Malformed input", body = super::error::ErrorBody),
              (status = 401, description = "A bearer token is required (when tokens are configured)", body = super::error::ErrorBody)))]
pub(super) async fn windows_svg(
    State(state): State<Arc<AppState>>,
    query: Result<Query<GridQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query?;
    let now = state.now();
    let svg = state
        .evaluate(state.policy(), move |policy| {
            let w = q.resolve(policy, now)?;
            draw(policy, &w, now)
        })
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, SVG_CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        svg,
    )
        .into_response())
}
