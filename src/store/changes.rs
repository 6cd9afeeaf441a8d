//! [`ChangeFeed`]: what a store tells a server about changes other processes
//! make — another replica's freeze, lift or reservation — so the server can read
//! the store again at once instead of waiting for its next periodic resync.
//! Only PostgreSQL has one (LISTEN/NOTIFY); the SQLite file has none, and a
//! server on it relies on resyncing alone. Knows nothing of what a server does
//! with an event.

use tokio::sync::mpsc;

/// What the store's listening connection reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreEvent {
    /// The listening connection is (again) up: changes made from now on will be
    /// reported, but any made while it was down were not, so read everything.
    Listening,
    /// A transaction that changed what decisions see committed; the payload
    /// names the table (`freezes`, …).
    Changed(String),
    /// The listening connection is down (or could not be opened), with why.
    /// It is retried by itself; `Listening` follows when it is back.
    Lost(String),
}

/// A stream of [`StoreEvent`]s. Dropping it stops the listening.
pub struct ChangeFeed {
    events: mpsc::Receiver<StoreEvent>,
}

/// Events waiting to be read at most; a notification that finds the feed
/// full is dropped, which loses nothing: one already waiting means "read again".
const FEED_CAPACITY: usize = 64;

impl ChangeFeed {
    /// A feed and the sender its producer writes to.
    pub fn channel() -> (mpsc::Sender<StoreEvent>, ChangeFeed) {
        let (send, events) = mpsc::channel(FEED_CAPACITY);
        (send, ChangeFeed { events })
    }

    /// The next event; `None` once the producer has stopped for good (the
    /// store was dropped).
    pub async fn next(&mut self) -> Option<StoreEvent> {
        self.events.recv().await
    }
}
