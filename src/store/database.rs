//! The embedded store, [`SqliteStore`]: opening the database file (read-write, read-only or
//! in memory), the one connection behind it, and its read and write
//! transactions. The audit log and the freezes add their operations to it.

use super::error::{Failure, StoreError};
use super::schema::{DB_FILE, SCHEMA_VERSION, configure, migrate, user_version};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// How long a statement waits for another connection's lock (a reader
/// checkpointing, the CLI reading) before failing with "database is locked".
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The server's durable state. One connection behind a mutex: SQLite allows one
/// writer at a time anyway, and every call is short.
pub struct SqliteStore {
    conn: Mutex<Connection>,
    /// `None` for an in-memory store.
    path: Option<PathBuf>,
}

impl SqliteStore {
    /// Creates `dir` if needed and opens (or creates) `dir/shipwindow.db`.
    /// WAL lets `shipwindow audit` read while the server writes; synchronous=FULL
    /// makes every commit reach the disk before it returns, so a write the server
    /// acknowledged survives `kill -9` and power loss.
    pub fn open(dir: &Path) -> Result<SqliteStore, StoreError> {
        let path = dir.join(DB_FILE);
        let fail = |source: Box<dyn std::error::Error + Send + Sync>| StoreError::Open {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(dir)
            .map_err(|e| fail(format!("cannot create directory {}: {e}", dir.display()).into()))?;
        let mut conn = Connection::open(&path).map_err(|e| fail(e.into()))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| fail(e.into()))?;
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(|e| fail(e.into()))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(fail(
                format!("the file system does not support WAL (journal mode stays {mode})").into(),
            ));
        }
        configure(&conn).map_err(|e| fail(e.into()))?;
        migrate(&mut conn).map_err(fail)?;
        Ok(SqliteStore::new(conn, Some(path)))
    }

    /// A private in-memory store (for tests and for a server without state dir).
    pub fn in_memory() -> Result<SqliteStore, StoreError> {
        let path = PathBuf::from(":memory:");
        let fail = |source: Box<dyn std::error::Error + Send + Sync>| StoreError::Open {
            path: path.clone(),
            source,
        };
        let mut conn = Connection::open_in_memory().map_err(|e| fail(e.into()))?;
        configure(&conn).map_err(|e| fail(e.into()))?;
        migrate(&mut conn).map_err(fail)?;
        Ok(SqliteStore::new(conn, None))
    }

    /// Opens an existing database read-only, for `shipwindow audit` while a
    /// server may be writing (WAL readers see every committed write and never
    /// block the writer). Writes through it fail with [`StoreError::Sql`].
    pub fn open_read_only(dir: &Path) -> Result<SqliteStore, StoreError> {
        let path = dir.join(DB_FILE);
        if !path.is_file() {
            return Err(StoreError::Missing { path });
        }
        let fail = |source: Box<dyn std::error::Error + Send + Sync>| StoreError::Open {
            path: path.clone(),
            source,
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&path, flags).map_err(|e| fail(e.into()))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| fail(e.into()))?;
        let version = user_version(&conn).map_err(|e| fail(e.into()))?;
        if version != SCHEMA_VERSION {
            return Err(fail(
                format!(
                    "schema version {version}, this shipwindow reads version {SCHEMA_VERSION} \
                     (run the same shipwindow version as the server)"
                )
                .into(),
            ));
        }
        Ok(SqliteStore::new(conn, Some(path)))
    }

    /// The database file path (`None` for in-memory).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// This store with statements waiting at most `wait` for another
    /// connection's lock instead of the default 5 s (a test that holds the lock
    /// on purpose need not wait the default out).
    pub fn with_busy_timeout(self, wait: Duration) -> Result<SqliteStore, StoreError> {
        self.read(|c| Ok(c.busy_timeout(wait)?))?;
        Ok(self)
    }

    fn new(conn: Connection, path: Option<PathBuf>) -> SqliteStore {
        SqliteStore {
            conn: Mutex::new(conn),
            path,
        }
    }

    /// The connection. A panic while holding it cannot leave a half-done write
    /// (an unfinished transaction rolls back when dropped), so poisoning is ignored.
    pub(super) fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the connection, naming this database in any SQL error.
    pub(super) fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, Failure>,
    ) -> Result<T, StoreError> {
        f(&self.conn()).map_err(|e| self.error(e))
    }

    /// Runs `f` in one write transaction, committed only if `f` succeeds.
    /// IMMEDIATE takes the write lock up front, so a concurrent writer waits for
    /// the busy timeout instead of failing on a read-to-write upgrade.
    pub(super) fn write<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, Failure>,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn();
        let run = || {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let value = f(&tx)?;
            tx.commit()?;
            Ok(value)
        };
        run().map_err(|e| self.error(e))
    }

    fn error(&self, failure: Failure) -> StoreError {
        match failure {
            Failure::Sql(source) => StoreError::Sql {
                path: self
                    .path
                    .clone()
                    .unwrap_or_else(|| PathBuf::from(":memory:")),
                source,
            },
            Failure::Store(e) => e,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;
    use crate::store::{AuditAction, NewAuditEntry};
    use chrono::DateTime;

    fn pragma(store: &SqliteStore, name: &str) -> String {
        store
            .conn()
            .pragma_query_value(None, name, |row| row.get::<_, rusqlite::types::Value>(0))
            .map(|v| match v {
                rusqlite::types::Value::Integer(i) => i.to_string(),
                rusqlite::types::Value::Text(t) => t,
                other => format!("{other:?}"),
            })
            .unwrap()
    }

    #[test]
    fn store_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<SqliteStore>();
    }

    #[test]
    fn open_creates_the_directory_and_a_durable_wal_database() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("state").join("nested");
        let store = SqliteStore::open(&dir).unwrap();
        assert!(dir.join(DB_FILE).is_file());
        assert_eq!(store.path(), Some(dir.join(DB_FILE).as_path()));
        assert_eq!(pragma(&store, "journal_mode"), "wal");
        assert_eq!(pragma(&store, "synchronous"), "2", "FULL");
        assert_eq!(pragma(&store, "foreign_keys"), "1");
        assert_eq!(pragma(&store, "busy_timeout"), "5000");
        assert_eq!(pragma(&store, "user_version"), SCHEMA_VERSION.to_string());
    }

    #[test]
    fn reopening_keeps_the_schema_and_data() {
        let tmp = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(tmp.path()).unwrap();
        store
            .append(NewAuditEntry {
                at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
                action: AuditAction::Reload,
                actor: "sighup".into(),
                detail: serde_json::json!({"ok": true}),
            })
            .unwrap();
        drop(store);
        let store = SqliteStore::open(tmp.path()).unwrap();
        let entries = store.audit(None, 10).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].actor, "sighup");
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        drop(SqliteStore::open(tmp.path()).unwrap());
        let conn = Connection::open(tmp.path().join(DB_FILE)).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        let err = SqliteStore::open(tmp.path()).err().unwrap().to_string();
        assert!(err.contains("schema version 99"), "{err}");
        assert!(err.contains(DB_FILE), "{err}");
    }

    #[test]
    fn open_fails_with_the_path_when_the_directory_cannot_be_created() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("a-file");
        std::fs::write(&file, "").unwrap();
        let err = SqliteStore::open(&file.join("sub")).err().unwrap();
        assert!(matches!(err, StoreError::Open { .. }), "{err:?}");
        assert!(err.to_string().contains("a-file"), "{err}");
    }

    #[test]
    fn in_memory_works_and_has_no_path() {
        let store = SqliteStore::in_memory().unwrap();
        assert_eq!(store.path(), None);
        assert_eq!(pragma(&store, "user_version"), SCHEMA_VERSION.to_string());
        assert!(store.audit(None, 10).unwrap().is_empty());
        assert!(
            store
                .unexpired_freezes(DateTime::UNIX_EPOCH)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn read_only_on_a_missing_database_names_the_path() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("never-served");
        let err = SqliteStore::open_read_only(&dir).err().unwrap();
        assert!(matches!(err, StoreError::Missing { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains(&dir.join(DB_FILE).display().to_string()),
            "{msg}"
        );
        assert!(msg.contains("--state-dir"), "{msg}");
        assert!(!dir.exists(), "a read-only open must not create anything");
    }

    #[test]
    fn read_only_sees_concurrent_writes_and_cannot_write() {
        let tmp = tempfile::tempdir().unwrap();
        let writer = SqliteStore::open(tmp.path()).unwrap();
        let reader = SqliteStore::open_read_only(tmp.path()).unwrap();
        let entry = |n: i64| NewAuditEntry {
            at: DateTime::from_timestamp(1_800_000_000 + n, 0).unwrap(),
            action: AuditAction::Override,
            actor: format!("user{n}"),
            detail: serde_json::json!({ "n": n }),
        };
        writer.append(entry(1)).unwrap();
        assert_eq!(reader.audit(None, 10).unwrap().len(), 1);
        writer.append(entry(2)).unwrap();
        let seen = reader.audit(None, 10).unwrap();
        assert_eq!(seen.len(), 2, "a WAL reader sees later commits");
        assert_eq!(seen[1].actor, "user2");

        let err = reader.append(entry(3)).err().unwrap();
        assert!(matches!(err, StoreError::Sql { .. }), "{err:?}");
        assert!(err.to_string().contains(DB_FILE), "{err}");
        assert_eq!(writer.audit(None, 10).unwrap().len(), 2);
    }

    #[test]
    fn read_only_opens_a_database_no_server_holds() {
        let tmp = tempfile::tempdir().unwrap();
        let writer = SqliteStore::open(tmp.path()).unwrap();
        writer
            .append(NewAuditEntry {
                at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
                action: AuditAction::Slack,
                actor: "U123".into(),
                detail: serde_json::Value::Null,
            })
            .unwrap();
        drop(writer);
        let reader = SqliteStore::open_read_only(tmp.path()).unwrap();
        assert_eq!(reader.audit(None, 10).unwrap().len(), 1);
    }
}
