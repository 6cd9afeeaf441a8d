//! Keeping the served policy in step with a store several servers share. One
//! task per server reads the store again (through [`AppState::resync`], the
//! same path every install takes) when:
//!
//! - the store says another server changed something (PostgreSQL's
//!   notifications): after [`SETTLE`], so a burst of changes costs one read;
//! - the connection that hears those notifications is back after a loss: at
//!   once, since changes made meanwhile went unheard;
//! - nothing has been read for the resync period (`--store-resync`, by default
//!   [`DEFAULT_RESYNC`](crate::server::DEFAULT_RESYNC)): the fallback for a notification missed, and the only
//!   way a server on a SQLite file another process writes learns of it.
//!
//! While the store cannot be read or the notifications are not heard, the
//! server answers from the state it last read and says so (`freshness`); the
//! next successful read ends that. Expiry needs no read: a freeze's end is a
//! time the served rule already knows.

use super::state::AppState;
use crate::store::{ChangeFeed, StoreEvent};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// How long a change notification waits for others before the store is read:
/// a burst (a script lifting ten freezes) is one read, and a change still
/// reaches decisions well within a second.
const SETTLE: Duration = Duration::from_millis(50);

/// What the events seen since the last read ask for.
#[derive(Default)]
struct Pending {
    /// Read the store.
    read: bool,
    /// The listening connection came back and has not been lost since: once
    /// the store has been read, nothing is missing any more.
    reconnected: bool,
}

/// Reads the store whenever `changes` or the resync period says to, for as
/// long as the server runs (the caller aborts it). `changes` is the store's
/// [`ChangeFeed`] (`None` on SQLite).
pub(super) async fn keep_in_sync(state: Arc<AppState>, mut changes: Option<ChangeFeed>) {
    let period = state.resync_period();
    let mut resync_at = Instant::now() + period;
    loop {
        let mut pending = Pending::default();
        tokio::select! {
            () = tokio::time::sleep_until(resync_at) => pending.read = true,
            event = next_event(&mut changes) => {
                note(&state, event, &mut pending, &mut changes);
                if !pending.read {
                    continue;
                }
                // More events arriving meanwhile join this read.
                let until = Instant::now() + SETTLE;
                while let Ok(event) = tokio::time::timeout_at(until, next_event(&mut changes)).await {
                    note(&state, event, &mut pending, &mut changes);
                }
            }
        }
        resync(&state, pending.reconnected).await;
        resync_at = Instant::now() + period;
    }
}

/// The next event of `changes`; never, when there are none.
async fn next_event(changes: &mut Option<ChangeFeed>) -> Option<StoreEvent> {
    match changes {
        Some(feed) => feed.next().await,
        None => std::future::pending().await,
    }
}

/// Takes `event` into account: a change or a reconnection asks for a read, a
/// loss marks the served state as possibly behind at once.
fn note(
    state: &AppState,
    event: Option<StoreEvent>,
    pending: &mut Pending,
    changes: &mut Option<ChangeFeed>,
) {
    match event {
        Some(StoreEvent::Changed(table)) => {
            tracing::debug!(%table, "the store changed");
            pending.read = true;
        }
        Some(StoreEvent::Listening) => {
            tracing::debug!("listening for the store's changes");
            pending.read = true;
            pending.reconnected = true;
        }
        Some(StoreEvent::Lost(reason)) => {
            pending.reconnected = false;
            let before = state.store_behind();
            state.freshness().listener_lost(reason);
            report(before, state.store_behind());
        }
        None => {
            // Only when the store itself is gone; resyncing goes on regardless.
            tracing::warn!(
                "the store's change notifications ended; reading it every {:?} only",
                state.resync_period()
            );
            *changes = None;
        }
    }
}

/// Reads the store into the served policy, off the async workers, and counts
/// and reports the outcome.
async fn resync(state: &Arc<AppState>, reconnected: bool) {
    let before = state.store_behind();
    let worker = Arc::clone(state);
    let ok = match tokio::task::spawn_blocking(move || worker.resync()).await {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "resync failed");
            false
        }
        Err(e) => {
            tracing::error!(error = %e, "the resync task failed");
            state
                .freshness()
                .read_failed("the resync task failed".into());
            false
        }
    };
    if reconnected {
        // Read after listening again: whatever was missed has been read (or
        // the failed read says why not).
        state.freshness().listener_back();
    }
    state.metrics.store_sync(ok);
    report(before, state.store_behind());
}

/// Logs a change in whether the served state is current, once per change.
fn report(before: Option<String>, after: Option<String>) {
    match (before, after) {
        (None, Some(reason)) => tracing::warn!(
            %reason,
            "answering from the last synced state of the store; decisions say \"stale\": [\"store\"]"
        ),
        (Some(_), None) => tracing::info!("the store is synced again; answers are current"),
        _ => {}
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;
    use crate::policy::PolicySet;
    use crate::server::metrics::Exposition;
    use crate::store::Store;

    fn state_resyncing_every(period: Duration) -> Arc<AppState> {
        let policy = PolicySet::from_files(&[("p.toml", "")]).unwrap();
        let state = AppState::new(policy, Store::in_memory().unwrap()).unwrap();
        Arc::new(state.with_resync(period))
    }

    /// A state whose periodic resync never comes within a test.
    fn state() -> Arc<AppState> {
        state_resyncing_every(Duration::from_secs(3600))
    }

    /// The store reads counted so far.
    fn syncs(state: &AppState) -> u64 {
        let text = state.metrics.render(Exposition::OpenMetrics);
        let line = text
            .lines()
            .find(|l| l.starts_with("shipwindow_store_syncs_total{outcome=\"ok\"} "))
            .unwrap();
        line.rsplit(' ').next().unwrap().parse().unwrap()
    }

    /// Waits (a generous hang guard, not a timing) until `done`.
    async fn until(done: impl Fn() -> bool) {
        for _ in 0..2_000 {
            if done() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("the sync loop never got there");
    }

    #[tokio::test]
    async fn a_burst_of_change_notifications_is_one_read_of_the_store() {
        let state = state();
        let (events, feed) = ChangeFeed::channel();
        // Lost first: the state counts as behind until the read that follows
        // the reconnection (`Listening`, queued last) is done.
        events.send(StoreEvent::Lost("gone".into())).await.unwrap();
        for _ in 0..20 {
            events
                .send(StoreEvent::Changed("freezes".into()))
                .await
                .unwrap();
        }
        events.send(StoreEvent::Listening).await.unwrap();
        let task = tokio::spawn(keep_in_sync(Arc::clone(&state), Some(feed)));
        until(|| syncs(&state) >= 1 && state.store_behind().is_none()).await;
        assert_eq!(
            syncs(&state),
            1,
            "twenty changes and a reconnection, one read"
        );
        task.abort();
    }

    #[tokio::test]
    async fn a_lost_listener_marks_the_state_behind_until_a_read_after_it_is_back() {
        let state = state();
        let (events, feed) = ChangeFeed::channel();
        let task = tokio::spawn(keep_in_sync(Arc::clone(&state), Some(feed)));
        events
            .send(StoreEvent::Lost("connection refused".into()))
            .await
            .unwrap();
        until(|| state.store_behind().is_some()).await;
        let reason = state.store_behind().unwrap();
        assert!(reason.contains("connection refused"), "{reason}");
        // A change heard is not enough: changes made while deaf are unknown.
        events
            .send(StoreEvent::Changed("freezes".into()))
            .await
            .unwrap();
        until(|| syncs(&state) == 1).await;
        assert!(state.store_behind().is_some());
        events.send(StoreEvent::Listening).await.unwrap();
        until(|| syncs(&state) == 2).await;
        until(|| state.store_behind().is_none()).await;
        task.abort();
    }

    #[tokio::test]
    async fn without_notifications_the_store_is_read_every_period() {
        let state = state_resyncing_every(Duration::from_millis(20));
        let task = tokio::spawn(keep_in_sync(Arc::clone(&state), None));
        until(|| syncs(&state) >= 3).await;
        task.abort();
    }
}
