//! What a request asks of the server, whichever door it came in by (the JSON API
//! or Slack): a decision, whose override is audited before it is answered, and
//! creating or lifting a runtime freeze, which is stored with its audit entry and
//! served at once.

use super::auth::Caller;
use super::error::ApiError;
use super::freshness::STALE_STORE;
use super::new_freeze::MAX_UNEXPIRED_FREEZES;
use super::state::AppState;
use crate::eval::{self, Decision};
use crate::input::RequestText;
use crate::store::{AuditAction, NewAuditEntry, NewFreeze, RuntimeFreeze};
use serde_json::json;
use std::sync::Arc;

/// What a decision leaves behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Record {
    /// An override is audited before it is answered.
    Overrides,
    /// Nothing: a dry run (an admission review with `dryRun`) asks what would be
    /// decided and must have no side effects.
    Nothing,
}

/// Decides `text` against the served policy (off the async workers): the
/// decision and the zone of the policy that made it. A decision that used an override is written to the audit
/// log before it is answered: an override nobody can trace is not acknowledged.
/// One made while the served state may be behind the store says
/// `"stale": ["store"]`: it is still a decision on known data, the last synced.
pub(super) async fn decide(
    state: &AppState,
    text: &RequestText,
    caller: &Caller,
) -> Result<(Decision, chrono_tz::Tz), ApiError> {
    decide_then(state, text, caller, Record::Overrides).await
}

/// [`decide`], leaving behind what `record` says.
pub(super) async fn decide_then(
    state: &AppState,
    text: &RequestText,
    caller: &Caller,
    record: Record,
) -> Result<(Decision, chrono_tz::Tz), ApiError> {
    // Read before the policy: a sync installs its state before it clears the
    // mark, so a decision that finds no mark is made from the current state.
    let stale_store = state.store_behind().is_some();
    let policy = state.policy();
    let (text, now) = (text.clone(), state.now());
    let (req, mut decision) = state
        .evaluate(Arc::clone(&policy), move |policy| {
            let req = text.resolve(policy, now)?;
            let decision = eval::decide(policy, &req)?;
            Ok((req, decision))
        })
        .await?;
    if stale_store {
        decision.stale.push(STALE_STORE.to_string());
    }
    if let Some(o) = req
        .override_
        .as_ref()
        .filter(|_| record == Record::Overrides)
    {
        let entry = NewAuditEntry {
            at: state.now(),
            action: AuditAction::Override,
            actor: o.approver.clone().unwrap_or_else(|| caller.0.clone()),
            detail: json!({
                "caller": caller.0,
                "service": decision.service,
                "env": decision.env,
                "change": decision.change.as_str(),
                "start": decision.start.to_rfc3339(),
                "reason": o.reason,
                "approver": o.approver,
                "verdict": decision.verdict.as_str(),
                "blocked_by": decision.blocked_by.iter().map(|b| &b.rule).collect::<Vec<_>>(),
                "policy": decision.policy,
            }),
        };
        state.audit(entry).await?;
    }
    state.metrics.decision(&decision, &policy);
    Ok((decision, policy.settings.timezone))
}

/// Stores `new` (with its audit entry) and serves it at once.
pub(super) async fn create_freeze(
    state: &AppState,
    new: NewFreeze,
) -> Result<RuntimeFreeze, ApiError> {
    let (freeze, _) = state
        .write_store({
            let now = state.now();
            move |s| s.create_freeze(new, now, MAX_UNEXPIRED_FREEZES)
        })
        .await?;
    state.install(None);
    tracing::info!(id = %freeze.id, by = %freeze.created_by, until = %freeze.until, "runtime freeze created");
    Ok(freeze)
}

/// Lifts freeze `id` (with its audit entry) and stops serving it at once.
pub(super) async fn lift_freeze(
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
