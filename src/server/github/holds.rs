//! The hold worker: every stored hold is decided on when it falls due — as soon
//! as its webhook is stored, then at the `next_allowed` of each denial — like
//! `check` decides (policy reloads and runtime freezes count), and answered:
//! approved when allowed; a status report and a later turn when denied with a
//! window opening before the hold's deadline; rejected otherwise. Holds live in
//! the state database, so a restarted server picks them up where they were.
//!
//! It waits on the server's clock (a test's manual clock moves it), looking
//! again at once when a webhook stores a hold; one hold is answered at a time.

use super::app::GithubApp;
use super::callback::{CallbackOutcome, Callbacks, Delivered, Review};
use super::report;
use crate::clock::Waited;
use crate::input::RequestText;
use crate::policy::{GithubTarget, github_target};
use crate::server::actions::decide;
use crate::server::auth::Caller;
use crate::server::state::AppState;
use crate::store::{AuditAction, GithubHold, NewAuditEntry};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};
use std::sync::Arc;

/// Who the audit log says acted.
pub(super) const ACTOR: &str = "github";
/// When nothing is held, the worker still looks at the store this often.
const IDLE_LOOK: TimeDelta = TimeDelta::hours(1);
/// A verdict whose callback failed every attempt is tried again after this.
const RETRY_LATER: TimeDelta = TimeDelta::minutes(1);
/// Past its deadline by this, a hold whose callbacks keep failing is given up.
const GIVE_UP_AFTER: TimeDelta = TimeDelta::hours(1);
/// The soonest a held deployment is decided again: a denial whose next window
/// is "now" (it cannot be, but a loop must not hinge on that) waits this long.
const MIN_TURN: TimeDelta = TimeDelta::seconds(1);
/// After the state database could not be read, the worker waits this long.
const STORE_RETRY: std::time::Duration = std::time::Duration::from_secs(5);

/// Runs until the App is stopped: answers every hold when it falls due.
pub(crate) async fn run(state: Arc<AppState>, app: Arc<GithubApp>) {
    // Holds a previous run left (a restart, or a crash) are re-armed as stored.
    if let Ok(holds) = state.with_store(|s| s.github_holds()).await
        && !holds.is_empty()
    {
        tracing::info!(
            holds = holds.len(),
            "re-armed the GitHub holds in the state database"
        );
    }
    while !app.stopped() {
        // Forgotten before the store is read: a hold stored after the read
        // wakes the wait below.
        app.take_wake();
        let holds = match state.with_store(|s| s.github_holds()).await {
            Ok(holds) => holds,
            Err(e) => {
                tracing::error!(error = %e.message, "cannot read the GitHub holds; trying again");
                tokio::time::sleep(STORE_RETRY).await;
                continue;
            }
        };
        let now = state.now();
        let due: Vec<GithubHold> = holds.iter().filter(|h| h.next_at <= now).cloned().collect();
        if !due.is_empty() {
            for hold in due {
                if app.stopped() {
                    return;
                }
                answer(&state, &app, hold).await;
            }
            continue;
        }
        let next = holds.first().map(|h| h.next_at).unwrap_or(now + IDLE_LOOK);
        let clock = state.clock();
        let waiter = Arc::clone(&app);
        let waited = tokio::task::spawn_blocking(move || {
            clock.wait_until(next, &|| waiter.woken() || waiter.stopped())
        })
        .await;
        if matches!(waited, Ok(Waited::Elapsed | Waited::Cancelled)) {
            continue;
        }
        // The waiting task itself failed: do not spin.
        tokio::time::sleep(STORE_RETRY).await;
    }
}

/// What a decision asks of a hold.
enum Verdict {
    Approve { comment: String },
    Report { comment: String, at: DateTime<Utc> },
    Reject { comment: String },
}

/// Decides `hold` now and answers it through its callback.
async fn answer(state: &Arc<AppState>, app: &Arc<GithubApp>, hold: GithubHold) {
    let policy = state.policy();
    let target = github_target(&policy.github, &hold.repository, &hold.environment);
    let text = RequestText {
        service: Some(target.service.clone()),
        env: Some(target.env.clone()),
        ..RequestText::default()
    };
    let now = state.now();
    let decided = decide(state, &text, &Caller(ACTOR.into())).await;
    let mut detail = base_detail(&hold, &target);
    let verdict = match &decided {
        Err(e) => {
            detail["error"] = json!(e.message);
            Verdict::Reject {
                comment: report::undecidable(&target.service, &target.env, &e.message),
            }
        }
        Ok((d, _)) => {
            detail["policy"] = json!(d.policy);
            detail["verdict"] = json!(d.verdict.as_str());
            detail["blocked_by"] = json!(d.blocked_by.iter().map(|b| &b.rule).collect::<Vec<_>>());
            detail["next_allowed"] = json!(d.next_allowed.map(|t| t.to_rfc3339()));
            match d.next_allowed {
                _ if d.allowed => Verdict::Approve {
                    comment: report::approval(d),
                },
                Some(at) if at.to_utc() <= hold.deadline => Verdict::Report {
                    comment: report::status_report(d, &at),
                    at: at.to_utc().max(now + MIN_TURN),
                },
                _ => Verdict::Reject {
                    comment: report::rejection(d, app.max_hold),
                },
            }
        }
    };
    let (review, comment) = match &verdict {
        Verdict::Approve { comment } => (Review::Approve, comment.clone()),
        Verdict::Report { comment, .. } => (Review::Report, comment.clone()),
        Verdict::Reject { comment } => (Review::Reject, comment.clone()),
    };
    let outcome = send(app, &hold, review, &comment).await;
    detail["comment"] = json!(comment);
    detail["attempts"] = json!(outcome.attempts);
    if !outcome.failures.is_empty() {
        detail["failures"] = json!(outcome.failures);
    }
    let entry = |action: AuditAction, detail: Value| NewAuditEntry {
        at: state.now(),
        action,
        actor: ACTOR.into(),
        detail,
    };
    let id = hold.id;
    let written = match (&verdict, &outcome.delivered) {
        (_, Delivered::NothingPending(message)) => {
            // Approved by hand, or the run was cancelled: nothing left to do.
            detail["reason"] = json!(format!("nothing pending: {message}"));
            tracing::info!(hold = id, repository = %hold.repository, "GitHub hold ended: nothing pending");
            let e = entry(AuditAction::GithubHoldEnd, detail);
            state
                .write_store(move |s| s.end_github_hold(id, e).map(|_| ()))
                .await
        }
        (Verdict::Approve { .. }, Delivered::Done) => {
            tracing::info!(hold = id, repository = %hold.repository, environment = %hold.environment, "GitHub deployment approved");
            let e = entry(AuditAction::GithubApprove, detail);
            state
                .write_store(move |s| s.end_github_hold(id, e).map(|_| ()))
                .await
        }
        (Verdict::Reject { .. }, Delivered::Done) => {
            tracing::info!(hold = id, repository = %hold.repository, environment = %hold.environment, "GitHub deployment rejected");
            let e = entry(AuditAction::GithubReject, detail);
            state
                .write_store(move |s| s.end_github_hold(id, e).map(|_| ()))
                .await
        }
        (Verdict::Report { at, .. }, delivered) => {
            // A lost report is not worth a retry: the verdict at `at` matters.
            let (action, reported) = match delivered {
                Delivered::Done => (AuditAction::GithubReport, true),
                _ => (AuditAction::GithubCallbackFailed, false),
            };
            tracing::info!(hold = id, repository = %hold.repository, until = %at, "GitHub deployment held");
            let e = entry(action, detail);
            let at = *at;
            state
                .write_store(move |s| s.reschedule_github_hold(id, at, reported, e).map(|_| ()))
                .await
        }
        (_, Delivered::Failed(reason)) => {
            tracing::warn!(hold = id, reason = %reason, "a GitHub callback failed every attempt");
            if now > hold.deadline + GIVE_UP_AFTER {
                detail["reason"] = json!(format!("gave up: the callback kept failing ({reason})"));
                let e = entry(AuditAction::GithubHoldEnd, detail);
                state
                    .write_store(move |s| s.end_github_hold(id, e).map(|_| ()))
                    .await
            } else {
                let e = entry(AuditAction::GithubCallbackFailed, detail);
                let later = state.now() + RETRY_LATER;
                state
                    .write_store(move |s| s.reschedule_github_hold(id, later, false, e).map(|_| ()))
                    .await
            }
        }
    };
    if let Err(e) = written {
        // The hold stays as it was and is answered again on its next turn.
        tracing::error!(hold = id, error = %e.message, "cannot record a GitHub hold's outcome");
        tokio::time::sleep(STORE_RETRY).await;
    }
}

/// The callback, off the async workers (it blocks and may pause between tries).
async fn send(
    app: &Arc<GithubApp>,
    hold: &GithubHold,
    review: Review,
    comment: &str,
) -> CallbackOutcome {
    let app = Arc::clone(app);
    let (url, installation, environment, comment) = (
        hold.callback_url.clone(),
        hold.installation_id,
        hold.environment.clone(),
        comment.to_string(),
    );
    let task = tokio::task::spawn_blocking(move || {
        Callbacks {
            client: &app.client,
            key: &app.key,
            tokens: &app.tokens,
            backoff: &app.backoff,
        }
        .send(&url, installation, &environment, review, &comment)
    });
    task.await.unwrap_or_else(|e| CallbackOutcome {
        delivered: Delivered::Failed(format!("the callback task failed: {e}")),
        attempts: 0,
        failures: Vec::new(),
    })
}

/// What every audit entry about a hold says.
fn base_detail(hold: &GithubHold, target: &GithubTarget) -> Value {
    json!({
        "hold": hold.id,
        "repository": hold.repository,
        "environment": hold.environment,
        "service": target.service,
        "env": target.env,
        "event": hold.event,
        "sha": hold.sha,
        "ref": hold.git_ref,
        "sender": hold.sender,
        "callback_url": hold.callback_url,
    })
}

/// The worker running alongside a server, stopped with it.
pub struct HoldWorker {
    app: Arc<GithubApp>,
    task: tokio::task::JoinHandle<()>,
}

impl HoldWorker {
    /// Starts the worker when `state` has a GitHub App (call inside a runtime).
    pub(crate) fn start(state: &Arc<AppState>) -> Option<HoldWorker> {
        let app = state.github()?;
        let task = tokio::spawn(run(Arc::clone(state), Arc::clone(&app)));
        Some(HoldWorker { app, task })
    }

    /// Stops it: a wait ends within the clock's cancel check; a callback under
    /// way is abandoned (its hold stays stored and is answered after a restart).
    pub(crate) fn stop(self) {
        // Dropping does it.
    }
}

impl Drop for HoldWorker {
    /// Also when the server's future is dropped without [`HoldWorker::stop`] (a
    /// panic unwinding through it): the runtime waits for its blocking tasks
    /// when it is dropped, and the worker's wait must not keep it waiting.
    fn drop(&mut self) {
        self.app.stop();
        self.task.abort();
    }
}
