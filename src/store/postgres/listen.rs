//! The listening connection: one connection per server, outside the pool,
//! that runs `LISTEN shipwindow_state` and turns what arrives on it into
//! [`StoreEvent`]s. It reconnects by itself (waiting a little longer after each
//! failure, up to [`MAX_RETRY`]), pings the server so a connection that died
//! without a word is noticed, and stops when its [`ChangeFeed`] is dropped.

use super::notify::CHANNEL;
use super::pool::{CONNECT_TIMEOUT, PostgresStore, reason};
use crate::store::changes::{ChangeFeed, StoreEvent};
use std::time::Duration;
use tokio::sync::mpsc::Sender;
use tokio_postgres::{AsyncMessage, Client, Config, NoTls};

/// The first wait before reconnecting; it doubles after each failure.
const FIRST_RETRY: Duration = Duration::from_millis(100);
/// The longest wait between two tries: a database back from a restart is
/// noticed within this.
const MAX_RETRY: Duration = Duration::from_secs(2);
/// How often an idle listening connection is checked: a connection whose peer
/// vanished (a network cut, no reset) reports nothing until something is sent.
const PING_EVERY: Duration = Duration::from_secs(5);
/// How long LISTEN or a ping may take before the connection counts as dead.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(5);

impl PostgresStore {
    /// Starts listening for changes on the store's runtime. The first event is
    /// [`StoreEvent::Listening`] (or [`StoreEvent::Lost`] when the database
    /// cannot be reached).
    pub fn changes(&self) -> ChangeFeed {
        let (events, feed) = ChangeFeed::channel();
        let config = self.config().clone();
        // Ends by itself when the feed is dropped; with the runtime when the store is.
        let _ = self.spawn(listen(config, events));
        feed
    }
}

/// Listens, reconnecting after each loss, until nobody reads the events.
async fn listen(config: Config, events: Sender<StoreEvent>) {
    let mut wait = FIRST_RETRY;
    loop {
        let ended = tokio::select! {
            ended = session(&config, &events) => ended,
            () = events.closed() => return,
        };
        if ended.listened {
            wait = FIRST_RETRY;
        }
        if events.send(StoreEvent::Lost(ended.reason)).await.is_err() {
            return;
        }
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = events.closed() => return,
        }
        wait = (wait * 2).min(MAX_RETRY);
    }
}

/// How one connection ended.
struct Ended {
    /// Whether LISTEN had succeeded on it.
    listened: bool,
    reason: String,
}

impl Ended {
    fn before_listening(reason: String) -> Ended {
        Ended {
            listened: false,
            reason,
        }
    }
}

/// One connection: connect, LISTEN, say so, then pass notifications on until
/// the connection fails.
async fn session(config: &Config, events: &Sender<StoreEvent>) -> Ended {
    let connected = tokio::time::timeout(CONNECT_TIMEOUT, config.connect(NoTls)).await;
    let (client, mut connection) = match connected {
        Ok(Ok(pair)) => pair,
        Ok(Err(e)) => return Ended::before_listening(reason(&e)),
        Err(_) => {
            return Ended::before_listening(format!("no connection within {CONNECT_TIMEOUT:?}"));
        }
    };
    // The connection must be polled for the client's queries to progress, and
    // it is where notifications arrive: this future does both until it fails.
    let notifications = events.clone();
    let pump = async move {
        loop {
            match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                Some(Ok(AsyncMessage::Notification(n))) if n.channel() == CHANNEL => {
                    // A full feed already holds a reason to read again.
                    let _ = notifications.try_send(StoreEvent::Changed(n.payload().to_string()));
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return reason(&e),
                None => return "the database closed the connection".to_string(),
            }
        }
    };
    tokio::pin!(pump);
    let listen = format!("LISTEN {CHANNEL}");
    tokio::select! {
        lost = &mut pump => return Ended::before_listening(lost),
        answer = ask(&client, &listen) => {
            if let Err(e) = answer {
                return Ended::before_listening(e);
            }
        }
    }
    if events.send(StoreEvent::Listening).await.is_err() {
        return Ended::before_listening("nobody listens any more".into());
    }
    loop {
        tokio::select! {
            lost = &mut pump => return Ended { listened: true, reason: lost },
            () = tokio::time::sleep(PING_EVERY) => {
                // The pump must go on while the ping waits for its answer.
                let answer = tokio::select! {
                    lost = &mut pump => Err(lost),
                    answer = ask(&client, "SELECT 1") => answer,
                };
                if let Err(reason) = answer {
                    return Ended { listened: true, reason };
                }
            }
        }
    }
}

/// Runs `sql` on `client`, at most [`ANSWER_TIMEOUT`].
async fn ask(client: &Client, sql: &str) -> Result<(), String> {
    match tokio::time::timeout(ANSWER_TIMEOUT, client.batch_execute(sql)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(reason(&e)),
        Err(_) => Err(format!("no answer within {ANSWER_TIMEOUT:?}")),
    }
}
