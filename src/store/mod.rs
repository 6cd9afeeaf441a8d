//! Durable server state under `--state-dir`: the audit log and the runtime
//! freezes, in one embedded SQLite database (WAL, synchronous writes), so an
//! acknowledged write survives `kill -9`. Knows nothing of HTTP or the CLI.
//!
//! Schema (version 1, tracked in `PRAGMA user_version`); every timestamp is an
//! INTEGER of UTC unix seconds, so comparisons and `since` filters are exact:
//!
//! - `audit(id INTEGER PRIMARY KEY AUTOINCREMENT, at, action TEXT, actor TEXT,
//!   detail TEXT /* JSON */)`, read in `id` order;
//! - `freezes(id INTEGER PRIMARY KEY AUTOINCREMENT, services TEXT /* JSON */,
//!   envs TEXT /* JSON */, start, until, reason, created_by, created_at,
//!   lifted_at NULL, lifted_by NULL)`.

mod audit;
mod freezes;

pub use audit::{AuditAction, AuditEntry, NewAuditEntry, UnknownAction};
pub use freezes::{NewFreeze, RuntimeFreeze};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// The database file inside `--state-dir`.
pub const DB_FILE: &str = "shipwindow.db";

/// How long a statement waits for another connection's lock (a reader
/// checkpointing, the CLI reading) before failing with "database is locked".
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// `MIGRATIONS[i]` takes the schema from version `i` to `i + 1`. Append only:
/// a database records in `user_version` how many of these it has run.
const MIGRATIONS: &[&str] = &["
    CREATE TABLE audit (
        id     INTEGER PRIMARY KEY AUTOINCREMENT,
        at     INTEGER NOT NULL,
        action TEXT    NOT NULL,
        actor  TEXT    NOT NULL,
        detail TEXT    NOT NULL
    ) STRICT;
    CREATE INDEX audit_at ON audit(at);
    CREATE TABLE freezes (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        services   TEXT    NOT NULL,
        envs       TEXT    NOT NULL,
        start      INTEGER NOT NULL,
        until      INTEGER NOT NULL,
        reason     TEXT    NOT NULL,
        created_by TEXT    NOT NULL,
        created_at INTEGER NOT NULL,
        lifted_at  INTEGER,
        lifted_by  TEXT,
        CHECK (until > start),
        CHECK ((lifted_at IS NULL) = (lifted_by IS NULL))
    ) STRICT;
    CREATE INDEX freezes_unlifted ON freezes(until) WHERE lifted_at IS NULL;
"];

/// The schema version this build writes and reads.
const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The directory, the file, a pragma or the schema could not be set up.
    #[error("cannot open database {}: {source}", path.display())]
    Open {
        path: PathBuf,
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// `open_read_only` found no database: no server has run with this state dir.
    #[error("no audit log at {} (the server writes it under --state-dir)", path.display())]
    Missing { path: PathBuf },
    /// A statement failed (disk full, locked for longer than the busy timeout,
    /// a write on a read-only store, a row that does not decode).
    #[error("database {}: {source}", path.display())]
    Sql {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("no runtime freeze `{0}`")]
    FreezeNotFound(String),
    #[error("runtime freeze `{0}` is already lifted or expired")]
    FreezeNotActive(String),
    /// A freeze must cover some time; the server checks this first, the store
    /// refuses anyway so no empty freeze is ever recorded.
    #[error("a freeze must end after it starts (start {start}, until {until})")]
    InvalidRange {
        start: DateTime<Utc>,
        until: DateTime<Utc>,
    },
}

impl StoreError {
    /// What went wrong without where: no file paths, for answers anyone may read
    /// (`/healthz`). The log gets the whole error.
    pub fn reason(&self) -> String {
        match self {
            StoreError::Open { source, .. } => format!("cannot open the database: {source}"),
            StoreError::Missing { .. } => "no database".to_string(),
            StoreError::Sql { source, .. } => source.to_string(),
            other => other.to_string(),
        }
    }
}

/// The server's durable state. One connection behind a mutex: SQLite allows one
/// writer at a time anyway, and every call is short.
pub struct Store {
    conn: Mutex<Connection>,
    /// `None` for an in-memory store.
    path: Option<PathBuf>,
}

/// What a store operation can fail with before the path is attached.
enum Failure {
    Sql(rusqlite::Error),
    Store(StoreError),
}

impl From<rusqlite::Error> for Failure {
    fn from(e: rusqlite::Error) -> Failure {
        Failure::Sql(e)
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Failure {
        Failure::Store(e)
    }
}

impl Store {
    /// Creates `dir` if needed and opens (or creates) `dir/shipwindow.db`.
    /// WAL lets `shipwindow audit` read while the server writes; synchronous=FULL
    /// makes every commit reach the disk before it returns, so a write the server
    /// acknowledged survives `kill -9` and power loss.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
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
        Ok(Store::new(conn, Some(path)))
    }

    /// A private in-memory store (for tests and for a server without state dir).
    pub fn in_memory() -> Result<Store, StoreError> {
        let path = PathBuf::from(":memory:");
        let fail = |source: Box<dyn std::error::Error + Send + Sync>| StoreError::Open {
            path: path.clone(),
            source,
        };
        let mut conn = Connection::open_in_memory().map_err(|e| fail(e.into()))?;
        configure(&conn).map_err(|e| fail(e.into()))?;
        migrate(&mut conn).map_err(fail)?;
        Ok(Store::new(conn, None))
    }

    /// Opens an existing database read-only, for `shipwindow audit` while a
    /// server may be writing (WAL readers see every committed write and never
    /// block the writer). Writes through it fail with [`StoreError::Sql`].
    pub fn open_read_only(dir: &Path) -> Result<Store, StoreError> {
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
        Ok(Store::new(conn, Some(path)))
    }

    /// The database file path (`None` for in-memory).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn new(conn: Connection, path: Option<PathBuf>) -> Store {
        Store {
            conn: Mutex::new(conn),
            path,
        }
    }

    /// The connection. A panic while holding it cannot leave a half-done write
    /// (an unfinished transaction rolls back when dropped), so poisoning is ignored.
    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the connection, naming this database in any SQL error.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T, Failure>) -> Result<T, StoreError> {
        f(&self.conn()).map_err(|e| self.error(e))
    }

    /// Runs `f` in one write transaction, committed only if `f` succeeds.
    /// IMMEDIATE takes the write lock up front, so a concurrent writer waits for
    /// the busy timeout instead of failing on a read-to-write upgrade.
    fn write<T>(
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

/// Per-connection settings (these pragmas are not stored in the file).
fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)
}

fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
}

/// Brings the schema to [`SCHEMA_VERSION`] in one transaction, so a crash or a
/// second server starting at the same time never sees a half-migrated file.
fn migrate(conn: &mut Connection) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version = user_version(&tx)?;
    let done = usize::try_from(version)
        .ok()
        .filter(|&v| v <= MIGRATIONS.len());
    let Some(done) = done else {
        return Err(format!(
            "schema version {version} is newer than this shipwindow understands \
             ({SCHEMA_VERSION}); upgrade shipwindow"
        )
        .into());
    };
    for sql in &MIGRATIONS[done..] {
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}

/// Stored form of a timestamp: UTC unix seconds (sub-second parts are dropped,
/// like every instant the server decides on).
fn to_secs(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

/// Reads column `idx` as a stored timestamp.
fn time_at(row: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<DateTime<Utc>> {
    let secs: i64 = row.get(idx)?;
    from_secs(secs, idx)
}

fn from_secs(secs: i64, idx: usize) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::from_timestamp(secs, 0).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            idx,
            rusqlite::types::Type::Integer,
            format!("timestamp {secs} out of range").into(),
        )
    })
}

/// Reads column `idx` as JSON text.
fn json_at<T: serde::de::DeserializeOwned>(
    row: &rusqlite::Row<'_>,
    idx: usize,
) -> rusqlite::Result<T> {
    let text: String = row.get(idx)?;
    serde_json::from_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// Stored form of a JSON column.
fn to_json<T: serde::Serialize>(value: &T) -> rusqlite::Result<String> {
    serde_json::to_string(value).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;

    fn pragma(store: &Store, name: &str) -> String {
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
        check::<Store>();
    }

    #[test]
    fn open_creates_the_directory_and_a_durable_wal_database() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("state").join("nested");
        let store = Store::open(&dir).unwrap();
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
        let store = Store::open(tmp.path()).unwrap();
        store
            .append(NewAuditEntry {
                at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
                action: AuditAction::Reload,
                actor: "sighup".into(),
                detail: serde_json::json!({"ok": true}),
            })
            .unwrap();
        drop(store);
        let store = Store::open(tmp.path()).unwrap();
        let entries = store.audit(None, 10).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].actor, "sighup");
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        drop(Store::open(tmp.path()).unwrap());
        let conn = Connection::open(tmp.path().join(DB_FILE)).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        let err = Store::open(tmp.path()).err().unwrap().to_string();
        assert!(err.contains("schema version 99"), "{err}");
        assert!(err.contains(DB_FILE), "{err}");
    }

    #[test]
    fn open_fails_with_the_path_when_the_directory_cannot_be_created() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("a-file");
        std::fs::write(&file, "").unwrap();
        let err = Store::open(&file.join("sub")).err().unwrap();
        assert!(matches!(err, StoreError::Open { .. }), "{err:?}");
        assert!(err.to_string().contains("a-file"), "{err}");
    }

    #[test]
    fn in_memory_works_and_has_no_path() {
        let store = Store::in_memory().unwrap();
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
        let err = Store::open_read_only(&dir).err().unwrap();
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
        let writer = Store::open(tmp.path()).unwrap();
        let reader = Store::open_read_only(tmp.path()).unwrap();
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
        let writer = Store::open(tmp.path()).unwrap();
        writer
            .append(NewAuditEntry {
                at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
                action: AuditAction::Slack,
                actor: "U123".into(),
                detail: serde_json::Value::Null,
            })
            .unwrap();
        drop(writer);
        let reader = Store::open_read_only(tmp.path()).unwrap();
        assert_eq!(reader.audit(None, 10).unwrap().len(), 1);
    }
}
