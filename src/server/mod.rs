//! The HTTP front door for chatops bots and CI runners that cannot ship
//! the binary: the same requests, the same decision code and the same §4/§5 JSON
//! as the command line, over axum.
//!
//! How the parts fit, from the bottom up: `error` is the one failure shape,
//! `served` composes the policy files with the runtime freezes and the
//! reservations, and `state` holds
//! what every handler shares ([`AppState`]), and runs evaluations on the
//! blocking pool through `evaluations`. `sync` reads the store again when
//! another server changes it (or periodically), and `freshness` says whether
//! what is served is current. `actions` are what a request asks of
//! that state, whichever door it came in by; the handlers (`api`, `freezes`,
//! `reservations` (slots booked in lanes), `audit`, and `slack`, whose grammar shares `new_freeze` with `freezes`) turn
//! transport input into an action and its outcome back into JSON or Block Kit.
//! `k8s` holds the Kubernetes gates (the admission
//! webhook and Flagger's). `router` puts the handlers behind their paths, `auth` and the limits; `serve`
//! runs the router on a listener (`net`, over `tls` when it has a certificate) with the feed refresher from `reload`
//! alongside. `openapi` describes the handlers and `metrics` counts what they do;
//! `replay` remembers the signed requests already answered. `github` is the
//! GitHub deployment protection rule: its webhook, and the worker that answers
//! the deployments it holds. `grid` draws the windows as SVG
//! (`/v1/windows.svg`), and `page` is the read-only page at `/` for people.

mod actions;
mod api;
mod audit;
mod auth;
mod error;
mod evaluations;
mod freezes;
mod freshness;
pub mod github;
mod grid;
mod k8s;
mod metrics;
mod net;
mod new_freeze;
mod openapi;
mod page;
mod reload;
mod replay;
mod reservations;
mod router;
mod serve;
mod served;
mod slack;
mod state;
mod sync;
mod tls;

pub use auth::{Caller, Tokens};
pub use error::ApiError;
pub use evaluations::{EvaluationHook, MAX_EVALUATIONS};
pub use freshness::STALE_STORE;
pub use grid::GRID_DAYS;
pub use net::{DRAIN_TIMEOUT, HEADER_READ_TIMEOUT, Timeouts};
pub use new_freeze::{MAX_PATTERN_CHARS, MAX_PATTERNS, MAX_UNEXPIRED_FREEZES};
pub use openapi::ApiDoc;
pub use reload::{FEED_CHECK, reload_on_sighup, watch_policies};
pub use router::{MAX_BODY_BYTES, MAX_CONCURRENT, app};
pub use serve::{serve, serve_with};
pub use state::{AppState, DEFAULT_RESYNC, REQUEST_TIMEOUT, StartError};
pub use tls::{TlsError, TlsIdentity};
