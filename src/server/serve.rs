//! Running the server: the routes on a listener, with the calendar feed
//! refresher, the store sync and the GitHub hold worker alongside, until the
//! stop signal.

use super::auth::Tokens;
use super::github;
use super::net::{self, Timeouts};
use super::reload::refresh_feeds;
use super::router::app;
use super::state::AppState;
use super::sync::keep_in_sync;
use std::sync::Arc;

/// Serves `app` on `listener` until `shutdown` resolves, then lets in-flight
/// requests finish (up to [`DRAIN_TIMEOUT`](net::DRAIN_TIMEOUT)).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    tokens: Tokens,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, state, tokens, Timeouts::default(), shutdown).await
}

/// [`serve`] with other connection deadlines.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    tokens: Tokens,
    timeouts: Timeouts,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let feeds = tokio::spawn(refresh_feeds(Arc::clone(&state)));
    let sync = tokio::spawn(keep_in_sync(Arc::clone(&state), state.store_changes()));
    let holds = github::HoldWorker::start(&state);
    let tls = state.tls.clone();
    let served = net::serve_router(listener, app(state, tokens), tls, timeouts, shutdown).await;
    feeds.abort();
    sync.abort();
    if let Some(holds) = holds {
        holds.stop();
    }
    served
}
