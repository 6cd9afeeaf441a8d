//! The GitHub custom deployment protection rule: a GitHub App whose
//! `deployment_protection_rule` webhook (`POST /v1/github/webhook`) holds a
//! deployment until its window opens, then approves it through GitHub's
//! callback — or rejects it when no window opens within the longest hold.
//!
//! How the parts fit: `signature` checks a delivery, `payload` reads it, and
//! `handler` stores it as a hold (the state database keeps holds across
//! restarts) and answers at once. `holds` is the worker that decides each hold
//! when it falls due and answers it through `callback`, with the comments of
//! `report`. `client` makes the HTTP calls; `app_auth` signs the App's JWT and
//! keeps its installation tokens; `app` is the configured App.

pub(super) mod app;
mod app_auth;
mod callback;
mod client;
pub(super) mod handler;
mod holds;
mod payload;
mod report;
mod signature;

pub use app::{DEFAULT_API_URL, DEFAULT_MAX_HOLD, GithubApp, GithubAppError, MAX_MAX_HOLD};
pub use app_auth::{AppKey, KeyError};
pub use handler::MAX_WEBHOOK_BYTES;
pub(super) use holds::HoldWorker;
pub use signature::sign;
