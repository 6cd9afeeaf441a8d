//! The PostgreSQL store: a database several servers can share. `pool` owns
//! the connections (and the runtime they run on) and turns PostgreSQL's
//! failures into `StoreError`s; `schema` the versioned migrations applied at
//! start; `ops` the `Storage` operations, each one transaction; `reservations`
//! the booking of slots (an exclusion constraint keeps a lane's live slots
//! apart); `notify` how a write announces itself to every server, and `listen`
//! the connection each server hears those announcements on.

mod listen;
mod notify;
mod ops;
mod pool;
mod reservations;
mod schema;

pub use pool::PostgresStore;
