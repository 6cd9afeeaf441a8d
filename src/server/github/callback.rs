//! Answering a waiting deployment through its `deployment_callback_url`:
//! approve or reject it (`state`), or post a status report (no `state`), each
//! with a Markdown comment. A failing call is tried again a few times with a
//! growing pause (bounded: [`BACKOFF`]); a 422 means nothing is pending any
//! more (approved by hand, or the run was cancelled) and is not retried.

use super::app_auth::{AppKey, TokenCache};
use super::client::{ApiClient, CallError};
use serde_json::json;
use std::time::Duration;

/// The pauses before the second, third and fourth attempts: four in all,
/// about four seconds, well inside the hold's next turn.
pub(super) const BACKOFF: [Duration; 3] = [
    Duration::from_millis(500),
    Duration::from_secs(1),
    Duration::from_secs(2),
];

/// What a callback says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Review {
    Approve,
    Reject,
    /// A status report: the deployment keeps waiting.
    Report,
}

impl Review {
    fn state(self) -> Option<&'static str> {
        match self {
            Review::Approve => Some("approved"),
            Review::Reject => Some("rejected"),
            Review::Report => None,
        }
    }
}

/// How a callback ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Delivered {
    /// GitHub took it.
    Done,
    /// 422: the deployment waits for nothing any more.
    NothingPending(String),
    /// Every attempt failed; the last reason.
    Failed(String),
}

/// A callback's outcome and the failed attempts before it, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CallbackOutcome {
    pub delivered: Delivered,
    pub attempts: usize,
    pub failures: Vec<String>,
}

/// Everything a callback needs: the API, the App's key and its token cache.
pub(super) struct Callbacks<'a> {
    pub client: &'a ApiClient,
    pub key: &'a AppKey,
    pub tokens: &'a TokenCache,
    /// Pauses between attempts (tests shorten them).
    pub backoff: &'a [Duration],
}

impl Callbacks<'_> {
    /// Posts `review` with `comment` for `environment` to `url` on behalf of
    /// `installation` (blocking: run it off the async workers).
    pub(super) fn send(
        &self,
        url: &str,
        installation: i64,
        environment: &str,
        review: Review,
        comment: &str,
    ) -> CallbackOutcome {
        let mut body = json!({ "environment_name": environment, "comment": comment });
        if let Some(state) = review.state() {
            body["state"] = json!(state);
        }
        let mut failures = Vec::new();
        let attempts = self.backoff.len() + 1;
        for attempt in 0..attempts {
            if attempt > 0 {
                std::thread::sleep(self.backoff[attempt - 1]);
            }
            match self.attempt(url, installation, &body) {
                Ok(()) => {
                    return CallbackOutcome {
                        delivered: Delivered::Done,
                        attempts: attempt + 1,
                        failures,
                    };
                }
                Err(CallError::Status {
                    status: 422,
                    message,
                }) => {
                    return CallbackOutcome {
                        delivered: Delivered::NothingPending(message),
                        attempts: attempt + 1,
                        failures,
                    };
                }
                Err(e) => {
                    if matches!(e, CallError::Status { status: 401, .. }) {
                        // A refused token may be revoked: fetch another.
                        self.tokens.forget(installation);
                    }
                    failures.push(e.to_string());
                }
            }
        }
        let last = failures.last().cloned().unwrap_or_default();
        CallbackOutcome {
            delivered: Delivered::Failed(last),
            attempts,
            failures,
        }
    }
}

impl Callbacks<'_> {
    /// One try: a token (cached or fresh), then the POST.
    fn attempt(
        &self,
        url: &str,
        installation: i64,
        body: &serde_json::Value,
    ) -> Result<(), CallError> {
        let token = self
            .tokens
            .token(self.key, self.client, installation)
            .map_err(|e| CallError::Failed(format!("installation token: {e}")))?;
        self.client.post_url(url, &token, body).map(|_| ())
    }
}
