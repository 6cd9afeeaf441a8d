//! What a store operation can fail with: [`StoreError`] for callers, and
//! [`Failure`], the inside form before the database path is attached.

use chrono::{DateTime, Utc};
use std::path::PathBuf;

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
    /// The PostgreSQL store could not be set up: a bad URL, no server
    /// answering at start, or a schema this build cannot use.
    #[error("cannot open store {location}: {source}")]
    Connect {
        location: String,
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The store cannot be reached now (PostgreSQL down, restarting, or no
    /// connection free in time). Nothing was written; trying again may work.
    #[error("store {location} is unavailable: {reason}")]
    Unavailable { location: String, reason: String },
    /// A PostgreSQL statement failed (a constraint, a row that does not decode).
    #[error("store {location}: {reason}")]
    Postgres { location: String, reason: String },
    #[error("no runtime freeze `{0}`")]
    FreezeNotFound(String),
    #[error("runtime freeze `{0}` is already lifted or expired")]
    FreezeNotActive(String),
    /// As many freezes as allowed are already unexpired (in force or scheduled).
    #[error(
        "too many runtime freezes: at most {limit} may be in force or scheduled at once; lift one first"
    )]
    TooManyFreezes { limit: usize },
    /// Another unexpired reservation of the same lane overlaps the slot asked for.
    #[error(
        "lane `{}` is taken: reservation {} of {}/{} by {} holds it from {} until {}",
        holder.lane, holder.id, holder.service, holder.env, holder.by, holder.start, holder.monitoring_end
    )]
    ReservationOverlap {
        holder: Box<crate::store::slot::Reservation>,
    },
    #[error("no reservation `{0}`")]
    ReservationNotFound(String),
    #[error("reservation `{0}` is already released or expired")]
    ReservationNotActive(String),
    /// A slot's times out of order, or over already.
    #[error("{why}")]
    ReservationTimes { why: String },
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
            StoreError::Connect { source, .. } => format!("cannot open the store: {source}"),
            StoreError::Unavailable { reason, .. } => format!("the store is unavailable: {reason}"),
            StoreError::Postgres { reason, .. } => reason.clone(),
            other => other.to_string(),
        }
    }
}

/// What a store operation can fail with before the path is attached.
pub(super) enum Failure {
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
