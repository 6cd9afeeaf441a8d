//! Durable server state under `--state-dir`: the audit log and the runtime
//! freezes, in one embedded SQLite database (WAL, synchronous writes), so an
//! acknowledged write survives `kill -9`. Knows nothing of HTTP or the CLI.
//!
//! [`Store`] (`database`) opens the file and runs transactions; `schema` owns
//! the tables and their migrations, `columns` how a value is stored in one;
//! `audit` and `freezes` add their operations to [`Store`] (lifting or
//! adding a freeze writes its audit entry in the same transaction).

mod audit;
mod columns;
mod database;
mod error;
mod freezes;
mod schema;

pub use audit::{AuditAction, AuditEntry, NewAuditEntry, UnknownAction};
pub use database::Store;
pub use error::StoreError;
pub use freezes::{NewFreeze, RuntimeFreeze};
pub use schema::DB_FILE;
