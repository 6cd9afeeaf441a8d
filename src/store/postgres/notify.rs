//! Telling every server on the database that what decisions see has changed:
//! one `pg_notify` on the [`CHANNEL`] inside the writing transaction.
//! PostgreSQL delivers it to every listener when the transaction commits, and
//! never when it rolls back, so a listener hears of a change exactly when the
//! change can be read.

use super::pool::Failure;
use deadpool_postgres::Transaction;

/// The channel every server listens on (`LISTEN shipwindow_state`).
pub(super) const CHANNEL: &str = "shipwindow_state";

/// Announces, in `tx`, a change to `table` (the payload listeners receive).
/// Every write that changes what decisions see calls this in its transaction:
/// freezes created and lifted, reservations made and released.
pub(super) async fn announce_change(tx: &Transaction<'_>, table: &str) -> Result<(), Failure> {
    tx.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &table])
        .await?;
    Ok(())
}
