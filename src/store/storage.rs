//! The storage interface every store implements ([`Storage`]): the runtime
//! freezes, the reservations, the audit log and the held GitHub deployments, each change with
//! its audit entry in one transaction. Blocking: the server calls it from its
//! blocking pool, the CLI and tests call it directly.

use super::audit::{AuditEntry, NewAuditEntry};
use super::error::StoreError;
use super::freezes::{NewFreeze, RuntimeFreeze};
use super::github_holds::{GithubHold, NewGithubHold};
use super::slot::{NewReservation, Reservation};
use chrono::{DateTime, Utc};

/// What the server keeps durably, whatever holds it. Implementations:
/// [`SqliteStore`](super::SqliteStore) (one file under `--state-dir`) and
/// [`PostgresStore`](super::PostgresStore) (a database several servers share).
/// Every method is one transaction; an error changes nothing.
pub trait Storage: Send + Sync {
    /// Where the data lives, for logs and messages: a file path, or a
    /// PostgreSQL URL without its password.
    fn location(&self) -> String;

    /// Appends `entry` and returns it as stored (with its id, `at` to the second).
    fn append(&self, entry: NewAuditEntry) -> Result<AuditEntry, StoreError>;

    /// Entries oldest first (by id), at most `limit`: with `since`, the first
    /// `limit` entries at or after it; without, the latest `limit` entries.
    fn audit(
        &self,
        since: Option<DateTime<Utc>>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError>;

    /// Creates a freeze and its `freeze.create` entry, unless `max_unexpired`
    /// freezes are unexpired at `now` already ([`StoreError::TooManyFreezes`]).
    fn create_freeze(
        &self,
        new: NewFreeze,
        now: DateTime<Utc>,
        max_unexpired: usize,
    ) -> Result<(RuntimeFreeze, AuditEntry), StoreError>;

    /// Lifts an unexpired freeze and appends `freeze.lift`.
    fn lift_freeze(
        &self,
        id: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(RuntimeFreeze, AuditEntry), StoreError>;

    /// Freezes not lifted whose `until` is after `now`, by start, then id.
    fn unexpired_freezes(&self, now: DateTime<Utc>) -> Result<Vec<RuntimeFreeze>, StoreError>;

    /// One freeze by its canonical id, in any state.
    fn freeze(&self, id: &str) -> Result<Option<RuntimeFreeze>, StoreError>;

    /// Books `new` and appends `reservation.create`, unless an unexpired,
    /// unreleased reservation of its lane overlaps `[start, monitoring_end)`
    /// at `now` ([`StoreError::ReservationOverlap`], naming that holder).
    fn reserve(
        &self,
        new: NewReservation,
        now: DateTime<Utc>,
    ) -> Result<(Reservation, AuditEntry), StoreError>;

    /// Releases an unexpired reservation and appends `reservation.release`.
    fn release(
        &self,
        id: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(Reservation, AuditEntry), StoreError>;

    /// Reservations not released whose monitoring ends after `now`, of
    /// `service` and `env` when given; by start, then id.
    fn unexpired_reservations(
        &self,
        now: DateTime<Utc>,
        service: Option<&str>,
        env: Option<&str>,
    ) -> Result<Vec<Reservation>, StoreError>;

    /// One reservation by its canonical id, in any state.
    fn reservation(&self, id: &str) -> Result<Option<Reservation>, StoreError>;

    /// Stores `new`, or keeps the hold for the same callback URL; whether it is new.
    fn hold_github(&self, new: NewGithubHold) -> Result<(GithubHold, bool), StoreError>;

    /// Every hold, the one due first first.
    fn github_holds(&self) -> Result<Vec<GithubHold>, StoreError>;

    /// Moves hold `id` to `next_at` (counting a report when `reported`) with
    /// `entry`; `None` when the hold is gone.
    fn reschedule_github_hold(
        &self,
        id: i64,
        next_at: DateTime<Utc>,
        reported: bool,
        entry: NewAuditEntry,
    ) -> Result<Option<(GithubHold, AuditEntry)>, StoreError>;

    /// Ends hold `id` with `entry`; `None` when it was already gone.
    fn end_github_hold(
        &self,
        id: i64,
        entry: NewAuditEntry,
    ) -> Result<Option<AuditEntry>, StoreError>;
}
