//! [`SqliteStore`] as a [`Storage`]: the embedded store behind the common
//! interface (its operations live with their tables in `audit`, `freezes`
//! and `github_holds`).

use super::audit::{AuditEntry, NewAuditEntry};
use super::database::SqliteStore;
use super::error::StoreError;
use super::freezes::{NewFreeze, RuntimeFreeze};
use super::github_holds::{GithubHold, NewGithubHold};
use super::slot::{NewReservation, Reservation};
use super::storage::Storage;
use chrono::{DateTime, Utc};

impl Storage for SqliteStore {
    fn location(&self) -> String {
        self.path()
            .map_or_else(|| ":memory:".to_string(), |p| p.display().to_string())
    }

    fn append(&self, entry: NewAuditEntry) -> Result<AuditEntry, StoreError> {
        SqliteStore::append(self, entry)
    }

    fn audit(
        &self,
        since: Option<DateTime<Utc>>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        SqliteStore::audit(self, since, limit)
    }

    fn create_freeze(
        &self,
        new: NewFreeze,
        now: DateTime<Utc>,
        max_unexpired: usize,
    ) -> Result<(RuntimeFreeze, AuditEntry), StoreError> {
        SqliteStore::create_freeze(self, new, now, max_unexpired)
    }

    fn lift_freeze(
        &self,
        id: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(RuntimeFreeze, AuditEntry), StoreError> {
        SqliteStore::lift_freeze(self, id, by, now)
    }

    fn unexpired_freezes(&self, now: DateTime<Utc>) -> Result<Vec<RuntimeFreeze>, StoreError> {
        SqliteStore::unexpired_freezes(self, now)
    }

    fn freeze(&self, id: &str) -> Result<Option<RuntimeFreeze>, StoreError> {
        SqliteStore::freeze(self, id)
    }

    fn reserve(
        &self,
        new: NewReservation,
        now: DateTime<Utc>,
    ) -> Result<(Reservation, AuditEntry), StoreError> {
        SqliteStore::reserve(self, new, now)
    }

    fn release(
        &self,
        id: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(Reservation, AuditEntry), StoreError> {
        SqliteStore::release(self, id, by, now)
    }

    fn unexpired_reservations(
        &self,
        now: DateTime<Utc>,
        service: Option<&str>,
        env: Option<&str>,
    ) -> Result<Vec<Reservation>, StoreError> {
        SqliteStore::unexpired_reservations(self, now, service, env)
    }

    fn reservation(&self, id: &str) -> Result<Option<Reservation>, StoreError> {
        SqliteStore::reservation(self, id)
    }

    fn hold_github(&self, new: NewGithubHold) -> Result<(GithubHold, bool), StoreError> {
        SqliteStore::hold_github(self, new)
    }

    fn github_holds(&self) -> Result<Vec<GithubHold>, StoreError> {
        SqliteStore::github_holds(self)
    }

    fn reschedule_github_hold(
        &self,
        id: i64,
        next_at: DateTime<Utc>,
        reported: bool,
        entry: NewAuditEntry,
    ) -> Result<Option<(GithubHold, AuditEntry)>, StoreError> {
        SqliteStore::reschedule_github_hold(self, id, next_at, reported, entry)
    }

    fn end_github_hold(
        &self,
        id: i64,
        entry: NewAuditEntry,
    ) -> Result<Option<AuditEntry>, StoreError> {
        SqliteStore::end_github_hold(self, id, entry)
    }
}
