//! Durable server state under `--state-dir`: the audit log, the runtime
//! freezes and the held GitHub deployments, in one embedded SQLite database (WAL, synchronous writes), so an
//! acknowledged write survives `kill -9`. Knows nothing of HTTP or the CLI.
//!
//! [`Store`] (`database`) opens the file and runs transactions; `schema` owns
//! the tables and their migrations, `columns` how a value is stored in one;
//! `audit` and `freezes` add their operations to [`Store`] (lifting or
//! adding a freeze writes its audit entry in the same transaction); `github_holds`
//! keeps the GitHub deployments waiting for their window.

mod audit;
mod columns;
mod database;
mod error;
mod freezes;
mod github_holds;
mod schema;

pub use audit::{AuditAction, AuditEntry, NewAuditEntry, UnknownAction};
pub use database::Store;
pub use error::StoreError;
pub use freezes::{NewFreeze, RuntimeFreeze};
pub use github_holds::{GithubHold, NewGithubHold};
pub use schema::DB_FILE;
