//! [`Store`]: the store a server or the CLI uses, whichever kind `--store`
//! selects — the embedded SQLite file under `--state-dir` (the default) or a
//! PostgreSQL database — behind the one [`Storage`] interface.

use super::changes::ChangeFeed;
use super::database::SqliteStore;
use super::error::StoreError;
use super::postgres::PostgresStore;
use super::storage::Storage;
use std::path::Path;
use std::time::Duration;

/// The URL schemes that select PostgreSQL.
const POSTGRES_SCHEMES: [&str; 2] = ["postgres://", "postgresql://"];

/// A store of either kind. Its operations are [`Storage`]'s (reached through
/// `Deref`), so callers never ask which kind it is.
pub struct Store {
    backend: Backend,
}

enum Backend {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl Store {
    /// The store `url` names, or without one the SQLite file in `state_dir`
    /// (created if needed).
    pub fn select(url: Option<&str>, state_dir: &Path) -> Result<Store, StoreError> {
        match url {
            None => Store::open(state_dir),
            Some(url) => Store::connect(url),
        }
    }

    /// The store `url` names, or the existing SQLite file in `state_dir`,
    /// to read (`shipwindow audit`); nothing is created.
    pub fn select_to_read(url: Option<&str>, state_dir: &Path) -> Result<Store, StoreError> {
        match url {
            None => Store::open_read_only(state_dir),
            Some(url) => Store::connect(url),
        }
    }

    /// Connects to the PostgreSQL database at `url` (`postgres://…`) and brings
    /// its schema up to date.
    pub fn connect(url: &str) -> Result<Store, StoreError> {
        let url = url.trim();
        if !POSTGRES_SCHEMES.iter().any(|s| url.starts_with(s)) {
            // Only the scheme: the rest may hold a password.
            let scheme = url.split_once("://").map_or("", |(scheme, _)| scheme);
            return Err(StoreError::Connect {
                location: if scheme.is_empty() {
                    "`…`".into()
                } else {
                    format!("{scheme}://…")
                },
                source:
                    "not a PostgreSQL URL (expected postgres://user:password@host:port/database; \
                         leave --store out for the SQLite file under --state-dir)"
                        .into(),
            });
        }
        Ok(Store::from(PostgresStore::connect(url)?))
    }

    /// Creates `dir` if needed and opens (or creates) the SQLite file in it.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        SqliteStore::open(dir).map(Store::from)
    }

    /// A private in-memory SQLite store (tests, a server without state dir).
    pub fn in_memory() -> Result<Store, StoreError> {
        SqliteStore::in_memory().map(Store::from)
    }

    /// Opens an existing SQLite file read-only.
    pub fn open_read_only(dir: &Path) -> Result<Store, StoreError> {
        SqliteStore::open_read_only(dir).map(Store::from)
    }

    /// The SQLite file's path (`None` in memory or on PostgreSQL).
    pub fn path(&self) -> Option<&Path> {
        match &self.backend {
            Backend::Sqlite(store) => store.path(),
            Backend::Postgres(_) => None,
        }
    }

    /// The changes other processes make, as they commit: PostgreSQL's
    /// notifications, heard on a connection of their own. `None` for SQLite,
    /// which has no such thing (a server on it resyncs periodically instead).
    pub fn changes(&self) -> Option<ChangeFeed> {
        match &self.backend {
            Backend::Sqlite(_) => None,
            Backend::Postgres(store) => Some(store.changes()),
        }
    }

    /// A SQLite store whose statements wait at most `wait` for another
    /// connection's lock; PostgreSQL stores are returned as they are.
    pub fn with_busy_timeout(self, wait: Duration) -> Result<Store, StoreError> {
        match self.backend {
            Backend::Sqlite(store) => store.with_busy_timeout(wait).map(Store::from),
            Backend::Postgres(_) => Ok(self),
        }
    }
}

impl From<SqliteStore> for Store {
    fn from(store: SqliteStore) -> Store {
        Store {
            backend: Backend::Sqlite(store),
        }
    }
}

impl From<PostgresStore> for Store {
    fn from(store: PostgresStore) -> Store {
        Store {
            backend: Backend::Postgres(store),
        }
    }
}

impl std::ops::Deref for Store {
    type Target = dyn Storage;

    fn deref(&self) -> &(dyn Storage + 'static) {
        match &self.backend {
            Backend::Sqlite(store) => store,
            Backend::Postgres(store) => store,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn store_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Store>();
    }

    #[test]
    fn no_url_is_the_sqlite_file_in_the_state_dir() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::select(None, tmp.path()).unwrap();
        assert_eq!(
            store.path(),
            Some(tmp.path().join(super::super::schema::DB_FILE).as_path())
        );
        assert!(store.location().ends_with("shipwindow.db"));
    }

    #[test]
    fn a_url_that_is_not_postgres_says_what_would_be_right() {
        let tmp = tempfile::tempdir().unwrap();
        let err = Store::select(Some("mysql://u:pw@db/x"), tmp.path())
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("expected postgres://"), "{err}");
        assert!(!err.contains("pw"), "no password in messages: {err}");
    }
}
