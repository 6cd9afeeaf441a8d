//! The PostgreSQL schema and its migrations. The versions match the embedded
//! store's (version 1: `audit` and `freezes`; version 2: `github_holds`;
//! version 3: `reservations`, with an exclusion constraint over the live
//! slots of a lane, which needs `btree_gist`), with
//! the same columns: timestamps are BIGINT UTC unix seconds, lists and audit
//! details JSON text. The version a database is at is the one row of
//! `shipwindow_schema`.

use deadpool_postgres::Client;

/// `MIGRATIONS[i]` takes the schema from version `i` to `i + 1`. Append only.
const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE audit (
        id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at     BIGINT NOT NULL,
        action TEXT   NOT NULL,
        actor  TEXT   NOT NULL,
        detail TEXT   NOT NULL
    );
    CREATE INDEX audit_at ON audit(at);
    CREATE TABLE freezes (
        id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        services   TEXT   NOT NULL,
        envs       TEXT   NOT NULL,
        start      BIGINT NOT NULL,
        until      BIGINT NOT NULL,
        reason     TEXT   NOT NULL,
        created_by TEXT   NOT NULL,
        created_at BIGINT NOT NULL,
        lifted_at  BIGINT,
        lifted_by  TEXT,
        CHECK (until > start),
        CHECK ((lifted_at IS NULL) = (lifted_by IS NULL))
    );
    CREATE INDEX freezes_unlifted ON freezes(until) WHERE lifted_at IS NULL;
",
    "
    CREATE TABLE github_holds (
        id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        callback_url    TEXT   NOT NULL UNIQUE,
        installation_id BIGINT NOT NULL,
        repository      TEXT   NOT NULL,
        environment     TEXT   NOT NULL,
        event           TEXT   NOT NULL,
        sha             TEXT,
        git_ref         TEXT,
        sender          TEXT,
        received_at     BIGINT NOT NULL,
        deadline        BIGINT NOT NULL,
        next_at         BIGINT NOT NULL,
        reports         BIGINT NOT NULL DEFAULT 0,
        CHECK (deadline >= received_at)
    );
    CREATE INDEX github_holds_next ON github_holds(next_at);
",
    "
    CREATE EXTENSION IF NOT EXISTS btree_gist;
    CREATE TABLE reservations (
        id             BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        service        TEXT    NOT NULL,
        env            TEXT    NOT NULL,
        lane           TEXT    NOT NULL,
        start          BIGINT  NOT NULL,
        deploy_end     BIGINT  NOT NULL,
        monitoring_end BIGINT  NOT NULL,
        held_by        TEXT    NOT NULL,
        created_at     BIGINT  NOT NULL,
        released_at    BIGINT,
        released_by    TEXT,
        active         BOOLEAN NOT NULL DEFAULT true,
        CHECK (deploy_end > start AND monitoring_end >= deploy_end),
        CHECK ((released_at IS NULL) = (released_by IS NULL)),
        CHECK (NOT (active AND released_at IS NOT NULL)),
        EXCLUDE USING gist (lane WITH =, int8range(start, monitoring_end) WITH &&)
            WHERE (active)
    );
    CREATE INDEX reservations_live ON reservations(monitoring_end) WHERE released_at IS NULL;
",
];

/// The schema version this build writes and reads.
pub(super) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The advisory lock every migration holds: replicas starting at once take
/// turns, and each one after the first finds the work done.
const MIGRATION_LOCK: i64 = 0x7368_6970_7769_6e64; // "shipwind"

/// Brings the database to [`SCHEMA_VERSION`] in one transaction under
/// [`MIGRATION_LOCK`], so no replica ever sees a half-migrated schema.
pub(super) async fn migrate(
    client: &mut Client,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS shipwindow_schema (version BIGINT NOT NULL)")
        .await?;
    let version: i64 = match tx
        .query_opt("SELECT version FROM shipwindow_schema", &[])
        .await?
    {
        Some(row) => row.try_get(0)?,
        None => {
            tx.execute("INSERT INTO shipwindow_schema (version) VALUES (0)", &[])
                .await?;
            0
        }
    };
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
        tx.batch_execute(sql).await?;
    }
    tx.execute(
        "UPDATE shipwindow_schema SET version = $1",
        &[&SCHEMA_VERSION],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
