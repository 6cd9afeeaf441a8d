//! The GitHub App as the server runs it: its key and webhook secret, the
//! longest a deployment is held, the API it answers through, its installation
//! tokens, and the signals to the hold worker (a new hold, a stop).

use super::app_auth::{AppKey, TokenCache};
use super::callback::BACKOFF;
use super::client::ApiClient;
use chrono::TimeDelta;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How long a deployment is held at most unless `--github-max-hold` says.
pub const DEFAULT_MAX_HOLD: TimeDelta = TimeDelta::hours(24);
/// The longest `--github-max-hold`: GitHub fails a deployment whose protection
/// rule has not answered in 30 days.
pub const MAX_MAX_HOLD: TimeDelta = TimeDelta::days(30);
/// GitHub's public API.
pub const DEFAULT_API_URL: &str = "https://api.github.com";

/// Why the App cannot be set up as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GithubAppError {
    #[error("the webhook secret is empty")]
    NoSecret,
    #[error("the longest hold must be from 1s to 30d, not {0}")]
    MaxHold(String),
    #[error("the API URL must start with https:// or http://, not `{0}`")]
    ApiUrl(String),
}

/// A configured GitHub App: what `POST /v1/github/webhook` and the holds need.
#[derive(Debug)]
pub struct GithubApp {
    pub(super) key: AppKey,
    pub(super) secret: Vec<u8>,
    pub(super) max_hold: TimeDelta,
    pub(super) client: ApiClient,
    pub(super) tokens: TokenCache,
    pub(super) backoff: Vec<Duration>,
    /// Set when a hold is stored, so the worker looks again at once.
    wake: AtomicBool,
    /// Set when the server stops.
    stop: AtomicBool,
}

impl GithubApp {
    /// The App with `key`, verifying deliveries with `secret`, holding a
    /// deployment at most `max_hold`, calling the API at `api_url`.
    pub fn new(
        key: AppKey,
        secret: Vec<u8>,
        max_hold: TimeDelta,
        api_url: &str,
    ) -> Result<GithubApp, GithubAppError> {
        if secret.is_empty() {
            return Err(GithubAppError::NoSecret);
        }
        if max_hold < TimeDelta::seconds(1) || max_hold > MAX_MAX_HOLD {
            return Err(GithubAppError::MaxHold(
                crate::time::duration::format_duration(max_hold),
            ));
        }
        let url = api_url.trim();
        if !(url.starts_with("https://") || url.starts_with("http://"))
            || url.contains(char::is_whitespace)
        {
            return Err(GithubAppError::ApiUrl(
                crate::text::escape(api_url).into_owned(),
            ));
        }
        Ok(GithubApp {
            key,
            secret,
            max_hold,
            client: ApiClient::new(url),
            tokens: TokenCache::default(),
            backoff: BACKOFF.to_vec(),
            wake: AtomicBool::new(false),
            stop: AtomicBool::new(false),
        })
    }

    /// The same App with other pauses between a callback's attempts (tests
    /// shorten them; at most four pauses are kept).
    pub fn with_backoff(mut self, pauses: &[Duration]) -> GithubApp {
        self.backoff = pauses.iter().take(BACKOFF.len() + 1).copied().collect();
        self
    }

    /// The longest a deployment is held.
    pub fn max_hold(&self) -> TimeDelta {
        self.max_hold
    }

    /// The API base URL.
    pub fn api_url(&self) -> &str {
        self.client.base()
    }

    /// The App's id.
    pub fn app_id(&self) -> &str {
        self.key.app_id()
    }

    pub(super) fn wake(&self) {
        self.wake.store(true, Ordering::SeqCst);
    }

    /// Whether a wake came since the last call (and forgets it).
    pub(super) fn take_wake(&self) -> bool {
        self.wake.swap(false, Ordering::SeqCst)
    }

    pub(super) fn woken(&self) -> bool {
        self.wake.load(Ordering::SeqCst)
    }

    pub(super) fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    pub(super) fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}
