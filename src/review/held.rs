//! Deploys that wait somewhere — a GitHub deployment held until its window, a
//! reservation — and which of them a policy change would now block: those
//! whose time is wholly open under the base policy and closed somewhere under
//! the head. Each kind says what it is, which service and environment a policy
//! decides it as, and the time it needs; the question is asked the same way
//! for all of them.

use crate::calendar::Interval;
use crate::eval::{EvalError, WindowState, windows};
use crate::policy::{ChangeKind, PolicySet};
use chrono::{DateTime, TimeDelta, Utc};

/// A deploy waiting to be carried out.
pub trait HeldDeploy {
    /// Its kind, one word for JSON (`github`, `reservation`).
    fn kind(&self) -> &'static str;
    /// Its id in the store.
    fn id(&self) -> String;
    /// What it is, for people: `acme/web to production (hold 3)`.
    fn what(&self) -> String;
    /// The service and environment `policy` decides it as (a mapping in the
    /// policy may name them, so each side may answer differently).
    fn target(&self, policy: &PolicySet) -> (String, String);
    /// The time it needs to be open: an instant (`start == end`) for a deploy
    /// decided at that moment, else the half-open interval it occupies.
    fn span(&self) -> Interval;
}

/// One side's answer for a held deploy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldSide {
    pub service: String,
    pub env: String,
    /// Closed at some instant of the span.
    pub closed: bool,
    /// The rules of the closed pieces (when closed), else of the open ones.
    pub rules: Vec<String>,
}

/// A held deploy the change would now block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldOutcome {
    pub kind: &'static str,
    pub id: String,
    pub what: String,
    pub span: Interval,
    pub base: HeldSide,
    pub head: HeldSide,
}

/// `policy`'s answer for `held` over its span (an instant is asked as the
/// second that starts there: pieces start and end on whole seconds).
fn side(policy: &PolicySet, held: &dyn HeldDeploy) -> Result<HeldSide, EvalError> {
    let (service, env) = held.target(policy);
    let span = held.span();
    let end = span.end.max(span.start + TimeDelta::seconds(1));
    let report = windows(policy, &service, &env, ChangeKind::Deploy, span.start, end)?;
    let closed = report
        .intervals
        .iter()
        .any(|p| p.state == WindowState::Closed);
    let want = if closed {
        WindowState::Closed
    } else {
        WindowState::Open
    };
    let mut rules: Vec<String> = Vec::new();
    for piece in report.intervals.iter().filter(|p| p.state == want) {
        for rule in &piece.rules {
            if !rules.contains(rule) {
                rules.push(rule.clone());
            }
        }
    }
    Ok(HeldSide {
        service,
        env,
        closed,
        rules,
    })
}

/// The held deploys open on `base` and closed on `head`, in the order given.
/// An error (a time outside a calendar's data) is the caller's to report: a
/// deploy that cannot be checked is not reported as unaffected.
pub fn newly_blocked(
    base: &PolicySet,
    head: &PolicySet,
    held: &[&dyn HeldDeploy],
) -> Result<Vec<HeldOutcome>, EvalError> {
    let mut out = Vec::new();
    for deploy in held {
        let (before, after) = (side(base, *deploy)?, side(head, *deploy)?);
        if !before.closed && after.closed {
            out.push(HeldOutcome {
                kind: deploy.kind(),
                id: deploy.id(),
                what: deploy.what(),
                span: deploy.span(),
                base: before,
                head: after,
            });
        }
    }
    Ok(out)
}

/// The instant a deploy due at `due` is decided on, when asked at `now`: a
/// deploy already due is decided at once.
pub fn decided_at(due: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    due.max(now)
}
