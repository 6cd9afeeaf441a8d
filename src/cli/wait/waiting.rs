//! The waiting loop of `shipwindow wait`, on a [`Clock`] so that tests move time
//! by hand: decide; while denied with an opening at or before the deadline, wait
//! until exactly that opening and decide again (the policy, or the server's
//! runtime freezes, may have changed meanwhile); end when allowed, when nothing
//! opens by the deadline, when the answer is bad input, or when stopped.
//!
//! An opening is an exact instant, so the loop wakes at it, never before: a
//! clock wait only ends once its deadline has come (a wait cut short by a stop
//! ends the loop instead). Each round waits until an instant later than the one
//! it decided at, and every such instant is at or before the deadline, so the
//! loop runs at most once per second of the timeout, and in practice once per
//! change of the rules. A server that gives no answer is asked again after a
//! pause that doubles (1 s up to a minute), never past the deadline; it is never
//! taken as "allowed".

use crate::cli::error::CliError;
use crate::clock::{Clock, Waited};
use crate::eval::Decision;
use chrono::{DateTime, SubsecRound, TimeDelta, Utc};

/// One answer: the decision, and the policy's search horizon when known (a
/// server's answer does not carry it).
#[derive(Debug, Clone)]
pub(super) struct Decided {
    pub(super) decision: Decision,
    pub(super) horizon: Option<TimeDelta>,
}

/// Why there is no decision this time.
#[derive(Debug)]
pub(super) enum AskError {
    /// No answer this time (a server that cannot be reached or fails): asked
    /// again after a pause.
    NoAnswer(String),
    /// The request or the policy is wrong: waiting cannot mend it (exit 2).
    Invalid(CliError),
}

/// Decides the request as of `now`, afresh each time it is asked.
pub(super) trait Decider {
    fn decide(&mut self, now: DateTime<Utc>) -> Result<Decided, AskError>;
}

/// What the loop tells as it goes: one call per decision that leads to more
/// waiting.
pub(super) trait Report {
    /// Denied at `now`; waiting until `until`, the next opening.
    fn denied(&self, now: DateTime<Utc>, decided: &Decided, until: DateTime<Utc>);
    /// No answer at `now` (why); asking again at `retry_at`.
    fn no_answer(&self, now: DateTime<Utc>, why: &str, retry_at: DateTime<Utc>);
}

/// How the wait ended.
#[derive(Debug)]
pub(super) enum Ended {
    /// The last decision allows the deploy (exit 0).
    Allowed {
        decided: Decided,
        /// Whether it waited at all (for an opening, or for an answer).
        waited: bool,
    },
    /// Denied, and the next opening is after the deadline or there is none
    /// within the horizon (exit 1).
    NotInTime { decided: Decided },
    /// No answer could be had, up to the deadline (exit 2: nobody knows).
    NoAnswer { why: String },
    /// The request or the policy is bad input (exit 2).
    Invalid(CliError),
    /// A stop was asked for (exit 130).
    Stopped,
}

/// The first pause before asking again after no answer, and the longest one.
const FIRST_RETRY: TimeDelta = TimeDelta::seconds(1);
const LONGEST_RETRY: TimeDelta = TimeDelta::minutes(1);

/// Runs the loop until it ends (see the module doc); `stopped` is looked at
/// before every decision and while waiting.
pub(super) fn wait_for_window(
    decider: &mut dyn Decider,
    clock: &dyn Clock,
    deadline: DateTime<Utc>,
    stopped: &dyn Fn() -> bool,
    report: &dyn Report,
) -> Ended {
    let mut retry = FIRST_RETRY;
    let mut waited = false;
    loop {
        if stopped() {
            return Ended::Stopped;
        }
        // Decisions are to the second, like `check`'s.
        let now = clock.now().trunc_subsecs(0);
        let wake = match decider.decide(now) {
            Ok(decided) => {
                retry = FIRST_RETRY;
                if decided.decision.allowed {
                    return Ended::Allowed { decided, waited };
                }
                let Some(next) = decided.decision.next_allowed.map(|t| t.to_utc()) else {
                    return Ended::NotInTime { decided };
                };
                if next > deadline {
                    return Ended::NotInTime { decided };
                }
                // A denial's opening is later than the instant decided; a server
                // whose clock lags could say otherwise, so never ask in a tight loop.
                let wake = next.max(now + FIRST_RETRY);
                report.denied(now, &decided, wake);
                wake
            }
            Err(AskError::Invalid(e)) => return Ended::Invalid(e),
            Err(AskError::NoAnswer(why)) => {
                if now >= deadline {
                    return Ended::NoAnswer { why };
                }
                let wake = (now + retry).min(deadline);
                retry = (retry * 2).min(LONGEST_RETRY);
                report.no_answer(now, &why, wake);
                wake
            }
        };
        if clock.wait_until(wake, stopped) == Waited::Cancelled {
            return Ended::Stopped;
        }
        waited = true;
    }
}
