//! Whether the state a server answers from is the store's current state. Two
//! things can put it behind: the last read of the store failed (the store is
//! down), or the connection that hears of other servers' writes is down (a
//! change made elsewhere may go unheard). Either marks decisions
//! `"stale": ["store"]` and `/healthz` degraded, until the next successful
//! sync. Knows nothing of how or when the store is read.

use std::sync::RwLock;

/// The `stale` entry of a decision answered from the last synced state.
pub const STALE_STORE: &str = "store";

/// Why the served state may be behind the store; nothing when it is current.
#[derive(Default)]
pub(super) struct Freshness {
    behind: RwLock<Behind>,
}

#[derive(Default, Clone)]
struct Behind {
    /// Why the last read of the store failed.
    read: Option<String>,
    /// Why the connection that hears of changes is down.
    listener: Option<String>,
}

impl Freshness {
    /// The store was read and its state installed.
    pub(super) fn read_ok(&self) {
        self.write().read = None;
    }

    /// The store could not be read; the last synced state goes on serving.
    pub(super) fn read_failed(&self, reason: String) {
        self.write().read = Some(reason);
    }

    /// Changes made by other servers are not heard meanwhile.
    pub(super) fn listener_lost(&self, reason: String) {
        self.write().listener = Some(format!("no change notifications from the store: {reason}"));
    }

    /// Listening again, and the store has been read since it came back.
    pub(super) fn listener_back(&self) {
        self.write().listener = None;
    }

    /// Why the served state may be behind (a failed read first), or `None`
    /// when it is current.
    pub(super) fn behind(&self) -> Option<String> {
        let behind = self.behind.read().unwrap_or_else(|p| p.into_inner());
        behind.read.clone().or_else(|| behind.listener.clone())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Behind> {
        self.behind.write().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn current_only_when_neither_the_read_nor_the_listener_is_behind() {
        let f = Freshness::default();
        assert_eq!(f.behind(), None);
        f.listener_lost("connection refused".into());
        f.read_failed("the store is unavailable: connection refused".into());
        assert_eq!(
            f.behind().as_deref(),
            Some("the store is unavailable: connection refused"),
            "a failed read is the reason given first"
        );
        f.read_ok();
        assert_eq!(
            f.behind().as_deref(),
            Some("no change notifications from the store: connection refused"),
            "a read alone does not make up for changes not heard"
        );
        f.listener_back();
        assert_eq!(f.behind(), None);
    }
}
