//! The database's file name and schema: the migrations, the version they
//! bring a file to (tracked in `PRAGMA user_version`), and the per-connection
//! settings.
//!
//! Schema version 3; every timestamp is an INTEGER of UTC unix seconds, so
//! comparisons and `since` filters are exact:
//!
//! - `audit(id INTEGER PRIMARY KEY AUTOINCREMENT, at, action TEXT, actor TEXT,
//!   detail TEXT /* JSON */)`, read in `id` order;
//! - `freezes(id INTEGER PRIMARY KEY AUTOINCREMENT, services TEXT /* JSON */,
//!   envs TEXT /* JSON */, start, until, reason, created_by, created_at,
//!   lifted_at NULL, lifted_by NULL)`;
//! - since version 2, `github_holds(id INTEGER PRIMARY KEY AUTOINCREMENT,
//!   callback_url TEXT UNIQUE, installation_id, repository, environment, event,
//!   sha NULL, git_ref NULL, sender NULL, received_at, deadline, next_at,
//!   reports)`: GitHub deployments waiting for their window;
//! - since version 3, `reservations(id INTEGER PRIMARY KEY AUTOINCREMENT,
//!   service, env, lane, start, deploy_end, monitoring_end, held_by,
//!   created_at, released_at NULL, released_by NULL)`: slots booked in lanes.

use rusqlite::{Connection, TransactionBehavior};

/// The database file inside `--state-dir`.
pub const DB_FILE: &str = "shipwindow.db";

/// `MIGRATIONS[i]` takes the schema from version `i` to `i + 1`. Append only:
/// a database records in `user_version` how many of these it has run.
const MIGRATIONS: &[&str] = &[
    "
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
",
    "
    CREATE TABLE github_holds (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        callback_url    TEXT    NOT NULL UNIQUE,
        installation_id INTEGER NOT NULL,
        repository      TEXT    NOT NULL,
        environment     TEXT    NOT NULL,
        event           TEXT    NOT NULL,
        sha             TEXT,
        git_ref         TEXT,
        sender          TEXT,
        received_at     INTEGER NOT NULL,
        deadline        INTEGER NOT NULL,
        next_at         INTEGER NOT NULL,
        reports         INTEGER NOT NULL DEFAULT 0,
        CHECK (deadline >= received_at)
    ) STRICT;
    CREATE INDEX github_holds_next ON github_holds(next_at);
",
    "
    CREATE TABLE reservations (
        id             INTEGER PRIMARY KEY AUTOINCREMENT,
        service        TEXT    NOT NULL,
        env            TEXT    NOT NULL,
        lane           TEXT    NOT NULL,
        start          INTEGER NOT NULL,
        deploy_end     INTEGER NOT NULL,
        monitoring_end INTEGER NOT NULL,
        held_by        TEXT    NOT NULL,
        created_at     INTEGER NOT NULL,
        released_at    INTEGER,
        released_by    TEXT,
        CHECK (deploy_end > start AND monitoring_end >= deploy_end),
        CHECK ((released_at IS NULL) = (released_by IS NULL))
    ) STRICT;
    CREATE INDEX reservations_live ON reservations(lane, monitoring_end) WHERE released_at IS NULL;
",
];

/// The schema version this build writes and reads.
pub(super) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Per-connection settings (these pragmas are not stored in the file).
pub(super) fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)
}

pub(super) fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
}

/// Brings the schema to [`SCHEMA_VERSION`] in one transaction, so a crash or a
/// second server starting at the same time never sees a half-migrated file.
pub(super) fn migrate(
    conn: &mut Connection,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
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
