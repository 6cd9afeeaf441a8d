//! `GET /?service=&env=&days=&change=`: gathers what the page shows from one
//! snapshot of the served policy and one "now" — the decision `/v1/check`
//! gives for a deploy of that service to that environment now, the grid of
//! the days asked, the runtime freezes — and renders it. Bad input is shown on
//! the page (400) next to the form that can fix it.

use super::html::{Body, FormValues, FreezeRow, PageView, render};
use super::respond::page;
use crate::eval;
use crate::input::RequestText;
use crate::policy::{ChangeKind, PolicySet};
use crate::server::error::ApiError;
use crate::server::grid::{GridQuery, draw};
use crate::server::state::AppState;
use crate::store::RuntimeFreeze;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;
use std::sync::Arc;

/// `GET /`.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    pub service: Option<String>,
    pub env: Option<String>,
    pub days: Option<String>,
    pub change: Option<String>,
    /// Checked by the access middleware; carried on by the form and links.
    pub token: Option<String>,
}

/// The services and environments `policy` names outright (in rules' scopes
/// and strategies), sorted.
fn names(policy: &PolicySet) -> (Vec<String>, Vec<String>) {
    let mut services = BTreeSet::new();
    let mut envs = BTreeSet::new();
    for rule in &policy.rules {
        services.extend(rule.services.names().map(str::to_string));
        envs.extend(rule.envs.names().map(str::to_string));
    }
    for s in &policy.strategies {
        services.insert(s.service.clone());
        envs.insert(s.env.clone());
    }
    (services.into_iter().collect(), envs.into_iter().collect())
}

fn given(v: &Option<String>) -> bool {
    v.as_deref().is_some_and(|s| !s.trim().is_empty())
}

/// The decision and the grid for `q`, or what is wrong with it.
fn answer(
    policy: &PolicySet,
    q: &PageQuery,
    now: DateTime<Utc>,
) -> Result<(eval::Decision, String), ApiError> {
    // The request `/v1/check?service=&env=&change=` makes, at this instant.
    let text = RequestText {
        service: q.service.clone(),
        env: q.env.clone(),
        change: q.change.clone(),
        ..RequestText::default()
    };
    let request = text.resolve(policy, now)?;
    let decision = eval::decide(policy, &request)?;
    let grid = GridQuery {
        service: q.service.clone(),
        env: q.env.clone(),
        days: q.days.clone(),
        change: q.change.clone(),
        ..GridQuery::default()
    };
    let w = grid.resolve(policy, now)?;
    Ok((decision, draw(policy, &w, now)?))
}

/// The runtime freezes not yet ended, each marked when it blocks `q`'s
/// service and environment (by the served rule made from it).
fn freeze_rows(policy: &PolicySet, freezes: &[RuntimeFreeze], q: &PageQuery) -> Vec<FreezeRow> {
    let tz = policy.settings.timezone;
    let change = q
        .change
        .as_deref()
        .and_then(ChangeKind::parse)
        .unwrap_or(ChangeKind::Deploy);
    freezes
        .iter()
        .map(|f| {
            let rule = f.rule_name();
            let applies = match (q.service.as_deref(), q.env.as_deref()) {
                (Some(s), Some(e)) => policy
                    .runtime_rules()
                    .any(|r| r.name == rule && r.applies(s.trim(), e.trim(), change)),
                _ => false,
            };
            FreezeRow {
                rule,
                services: f.services.clone(),
                envs: f.envs.clone(),
                start: f.start.with_timezone(&tz),
                until: f.until.with_timezone(&tz),
                reason: f.reason.clone(),
                created_by: f.created_by.clone(),
                applies,
            }
        })
        .collect()
}

pub(crate) async fn show(
    State(state): State<Arc<AppState>>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    let now = state.now();
    let policy = state.policy();
    let tz = policy.settings.timezone;
    let (services, envs) = names(&policy);
    let (q, problem) = match query {
        Ok(Query(q)) => (q, None),
        Err(e) => (PageQuery::default(), Some(ApiError::from(e))),
    };
    let form = FormValues {
        service: q.service.clone().unwrap_or_default(),
        env: q.env.clone().unwrap_or_default(),
        days: q.days.clone().unwrap_or_default(),
        change: q.change.clone().unwrap_or_default(),
    };
    let (status, body) = match problem {
        Some(e) => (e.status, Body::Problem(e.message)),
        None if !given(&q.service) && !given(&q.env) => (StatusCode::OK, Body::Pick),
        None => {
            let asked = q.clone();
            match state
                .evaluate(Arc::clone(&policy), move |p| answer(p, &asked, now))
                .await
            {
                Ok((decision, grid)) => (
                    StatusCode::OK,
                    Body::Shown {
                        decision: Box::new(decision),
                        grid,
                    },
                ),
                Err(e) => (e.status, Body::Problem(e.message)),
            }
        }
    };
    let freezes = state
        .with_store(move |s| s.unexpired_freezes(now))
        .await
        .map(|list| freeze_rows(&policy, &list, &q))
        .map_err(|e| e.message);
    let view = PageView {
        now: now.with_timezone(&tz),
        fingerprint: policy.fingerprint.clone(),
        services,
        envs,
        form,
        token: q.token.clone().filter(|t| !t.is_empty()),
        body,
        freezes,
    };
    page(status, render(&view))
}

/// `GET /favicon.ico`: nothing, said at once, so a browser opening the page
/// neither waits for an icon nor logs a missing one.
pub(crate) async fn favicon() -> StatusCode {
    StatusCode::NO_CONTENT
}
