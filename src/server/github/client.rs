//! The HTTP calls to GitHub's REST API (blocking, with a deadline each): a JSON
//! POST with a bearer credential, answered with its body or with why it failed.
//! Knows nothing of tokens, holds or retries.

use crate::credentials;
use std::time::Duration;

/// GitHub answers in well under a second; a call still waiting after this is
/// given up (and retried by the caller).
pub(super) const CALL_TIMEOUT: Duration = Duration::from_secs(10);
/// The most of an answer read: GitHub's are a few hundred bytes.
const MAX_ANSWER_BYTES: u64 = 64 * 1024;
/// The REST API version these calls are written against.
const API_VERSION: &str = "2022-11-28";

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum CallError {
    /// GitHub answered, with an error status.
    #[error("HTTP {status}: {message}")]
    Status { status: u16, message: String },
    /// No answer (refused, timed out), or one that could not be read.
    #[error("{0}")]
    Failed(String),
}

/// The API at one base URL (`https://api.github.com`, a GitHub Enterprise
/// Server's `/api/v3`, or a test's fake).
#[derive(Debug, Clone)]
pub(super) struct ApiClient {
    base: String,
    agent: ureq::Agent,
}

impl ApiClient {
    pub(super) fn new(base: &str) -> ApiClient {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(CALL_TIMEOUT))
            .http_status_as_error(false)
            .user_agent(format!("shipwindow/{}", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        ApiClient {
            base: base.trim_end_matches('/').to_string(),
            agent,
        }
    }

    /// The base URL, without a trailing `/`.
    pub(super) fn base(&self) -> &str {
        &self.base
    }

    /// Whether `url` is on this API (callbacks carry the installation's token,
    /// which must go nowhere else).
    pub(super) fn owns(&self, url: &str) -> bool {
        url.strip_prefix(self.base.as_str())
            .is_some_and(|rest| rest.starts_with('/'))
    }

    /// POSTs `body` to `path` (below the base URL) with `bearer`.
    pub(super) fn post_json(
        &self,
        path: &str,
        bearer: &str,
        body: &serde_json::Value,
    ) -> Result<String, CallError> {
        self.post_url(&format!("{}{path}", self.base), bearer, body)
    }

    /// POSTs `body` to `url` with `bearer`: the answer's body on a 2xx status.
    pub(super) fn post_url(
        &self,
        url: &str,
        bearer: &str,
        body: &serde_json::Value,
    ) -> Result<String, CallError> {
        // A library's message may quote the address, password and all.
        let hide = |e: &dyn std::fmt::Display| credentials::strip(&e.to_string());
        let mut response = self
            .agent
            .post(url)
            .header("Authorization", &format!("Bearer {bearer}"))
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", API_VERSION)
            .send_json(body)
            .map_err(|e| CallError::Failed(hide(&e)))?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER_BYTES)
            .read_to_string()
            .unwrap_or_default();
        if (200..300).contains(&status) {
            return Ok(text);
        }
        // GitHub's errors are `{"message": "…"}`; anything else is shown short.
        let message = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["message"].as_str().map(String::from))
            .unwrap_or_else(|| text.chars().take(200).collect());
        Err(CallError::Status {
            status,
            message: crate::text::escape(&message).into_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_urls_under_the_base_are_owned() {
        let c = ApiClient::new("https://api.github.com/");
        assert_eq!(c.base(), "https://api.github.com");
        assert!(
            c.owns("https://api.github.com/repos/a/b/actions/runs/1/deployment_protection_rule")
        );
        assert!(!c.owns("https://api.github.com.evil.example/repos"));
        assert!(!c.owns("https://evil.example/https://api.github.com/"));
        assert!(!c.owns("https://api.github.com"));
    }
}
