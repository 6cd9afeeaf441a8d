//! Durable server state: the audit log, the runtime freezes, the reservations
//! and the held GitHub deployments, behind one interface ([`Storage`]) with two stores:
//! the embedded SQLite file under `--state-dir` (WAL, synchronous writes, so
//! an acknowledged write survives `kill -9`), and PostgreSQL, which several
//! servers can share. Knows nothing of HTTP or the CLI.
//!
//! [`Store`] (`handle`) is the one callers hold, whichever kind `--store`
//! selects. `storage` is the interface. [`SqliteStore`] (`database`) opens the
//! file and runs transactions; `schema` owns its tables and migrations,
//! `columns` how a value is stored in one, `slot` what a reservation is; `audit`, `freezes`, `reservations`
//! and `github_holds` add their operations to it (a change writes its audit entry in
//! the same transaction) and `sqlite` offers them as [`Storage`].
//! [`PostgresStore`] (`postgres`) is the same on PostgreSQL, and also tells
//! each server of the changes others make (`changes`: a [`ChangeFeed`]).
//! `booking` books a slot: the policy's answer for it, then the store's.

mod audit;
mod booking;
mod changes;
mod columns;
mod database;
mod error;
mod freezes;
mod github_holds;
mod handle;
mod postgres;
mod reservations;
mod schema;
mod slot;
mod sqlite;
mod storage;

pub use audit::{AuditAction, AuditEntry, NewAuditEntry, UnknownAction};
pub use booking::{BOOKING_ATTEMPTS, BookError, SlotRequest, book};
pub use changes::{ChangeFeed, StoreEvent};
pub use database::SqliteStore;
pub use error::StoreError;
pub use freezes::{NewFreeze, RuntimeFreeze};
pub use github_holds::{GithubHold, NewGithubHold};
pub use handle::Store;
pub use postgres::PostgresStore;
pub use schema::DB_FILE;
pub use slot::{NewReservation, Reservation, ReservationView};
pub use storage::Storage;
