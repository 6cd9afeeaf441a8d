//! Reservations on PostgreSQL. No overlap, ever, across replicas: an exclusion
//! constraint over (lane, time range) of the live rows makes an overlapping
//! insert fail, and that failure is answered with the holder, as the embedded
//! store answers. Released and expired rows leave the constraint (`active`
//! false). Every write notifies `shipwindow_state` in its transaction, so other
//! replicas listening learn of it when it commits.

use super::notify::announce_change;
use super::ops::{decode, insert_audit, time};
use super::pool::{Failure, PostgresStore};
use crate::store::audit::{AuditAction, AuditEntry, NewAuditEntry};
use crate::store::error::StoreError;
use crate::store::reservations::{canonical_id, checked};
use crate::store::slot::{NewReservation, Reservation};
use chrono::{DateTime, SubsecRound, Utc};
use deadpool_postgres::Transaction;
use tokio_postgres::Row;
use tokio_postgres::error::SqlState;

const COLUMNS: &str = "id, service, env, lane, start, deploy_end, monitoring_end, held_by, \
     created_at, released_at, released_by";

impl PostgresStore {
    pub(super) fn reserve_slot(
        &self,
        new: NewReservation,
        now: DateTime<Utc>,
    ) -> Result<(Reservation, AuditEntry), StoreError> {
        let now = now.trunc_subsecs(0);
        let new = checked(new, now)?;
        self.transaction(Box::new(move |tx| {
            Box::pin(async move {
                let secs = now.timestamp();
                // Slots over by now leave the constraint, so they never block.
                tx.execute(
                    "UPDATE reservations SET active = false
                     WHERE lane = $1 AND active AND monitoring_end <= $2",
                    &[&new.lane, &secs],
                )
                .await?;
                tx.batch_execute("SAVEPOINT reserve").await?;
                let inserted = tx
                    .query_one(
                        "INSERT INTO reservations (service, env, lane, start, deploy_end,
                             monitoring_end, held_by, created_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                        &[
                            &new.service,
                            &new.env,
                            &new.lane,
                            &new.start.timestamp(),
                            &new.deploy_end.timestamp(),
                            &new.monitoring_end.timestamp(),
                            &new.by,
                            &secs,
                        ],
                    )
                    .await;
                let id: i64 = match inserted {
                    Ok(row) => row.try_get(0)?,
                    Err(e) if e.code() == Some(&SqlState::EXCLUSION_VIOLATION) => {
                        tx.batch_execute("ROLLBACK TO SAVEPOINT reserve").await?;
                        return Err(overlap(tx, &new).await);
                    }
                    Err(e) => return Err(e.into()),
                };
                let reservation = new.stored(id.to_string(), now);
                let by = reservation.by.clone();
                let entry =
                    record(tx, AuditAction::ReservationCreate, &by, &reservation, now).await?;
                announce_change(tx, "reservations").await?;
                Ok((reservation, entry))
            })
        }))
    }

    pub(super) fn release_slot(
        &self,
        id: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(Reservation, AuditEntry), StoreError> {
        let now = now.trunc_subsecs(0);
        let (id, by) = (id.to_string(), by.to_string());
        self.transaction(Box::new(move |tx| {
            Box::pin(async move {
                let Some(mut r) = select(tx, &id, " FOR UPDATE").await? else {
                    return Err(StoreError::ReservationNotFound(id).into());
                };
                if r.released_at.is_some() || r.monitoring_end <= now {
                    return Err(StoreError::ReservationNotActive(id).into());
                }
                let row_id = canonical_id(&r.id).unwrap_or_default();
                tx.execute(
                    "UPDATE reservations SET active = false, released_at = $1, released_by = $2
                     WHERE id = $3",
                    &[&now.timestamp(), &by, &row_id],
                )
                .await?;
                r.released_at = Some(now);
                r.released_by = Some(by.clone());
                let entry = record(tx, AuditAction::ReservationRelease, &by, &r, now).await?;
                announce_change(tx, "reservations").await?;
                Ok((r, entry))
            })
        }))
    }

    pub(super) fn live_reservations(
        &self,
        now: DateTime<Utc>,
        service: Option<&str>,
        env: Option<&str>,
    ) -> Result<Vec<Reservation>, StoreError> {
        let now = now.timestamp();
        let (service, env) = (service.map(str::to_string), env.map(str::to_string));
        self.transaction(Box::new(move |tx| {
            Box::pin(async move {
                tx.query(
                    &format!(
                        "SELECT {COLUMNS} FROM reservations
                         WHERE released_at IS NULL AND monitoring_end > $1
                           AND ($2::TEXT IS NULL OR service = $2)
                           AND ($3::TEXT IS NULL OR env = $3)
                         ORDER BY start, id"
                    ),
                    &[&now, &service, &env],
                )
                .await?
                .iter()
                .map(from_row)
                .collect()
            })
        }))
    }

    pub(super) fn one_reservation(&self, id: &str) -> Result<Option<Reservation>, StoreError> {
        let id = id.to_string();
        self.transaction(Box::new(move |tx| {
            Box::pin(async move { select(tx, &id, "").await })
        }))
    }
}

/// The refusal of an insert the constraint turned down: the live reservation of
/// the lane that overlaps (committed by now, since the constraint waited for it).
async fn overlap(tx: &Transaction<'_>, new: &NewReservation) -> Failure {
    let holder = tx
        .query_opt(
            &format!(
                "SELECT {COLUMNS} FROM reservations
                 WHERE lane = $1 AND active AND start < $2 AND monitoring_end > $3
                 ORDER BY start, id LIMIT 1"
            ),
            &[
                &new.lane,
                &new.monitoring_end.timestamp(),
                &new.start.timestamp(),
            ],
        )
        .await;
    match holder {
        Ok(Some(row)) => match from_row(&row) {
            Ok(holder) => Failure::Store(StoreError::ReservationOverlap {
                holder: Box::new(holder),
            }),
            Err(e) => e,
        },
        // Released between the refusal and this read: still a refusal, and
        // trying again may succeed.
        Ok(None) => Failure::Store(StoreError::Unavailable {
            location: String::new(),
            reason: format!(
                "lane `{}` was taken and freed while booking; try again",
                new.lane
            ),
        }),
        Err(e) => e.into(),
    }
}

async fn select(
    tx: &Transaction<'_>,
    id: &str,
    lock: &str,
) -> Result<Option<Reservation>, Failure> {
    let Some(row_id) = canonical_id(id) else {
        return Ok(None);
    };
    let row = tx
        .query_opt(
            &format!("SELECT {COLUMNS} FROM reservations WHERE id = $1{lock}"),
            &[&row_id],
        )
        .await?;
    row.as_ref().map(from_row).transpose()
}

async fn record(
    tx: &Transaction<'_>,
    action: AuditAction,
    actor: &str,
    reservation: &Reservation,
    now: DateTime<Utc>,
) -> Result<AuditEntry, Failure> {
    let detail = serde_json::to_value(reservation).map_err(|e| decode(e.to_string()))?;
    let entry = NewAuditEntry {
        at: now,
        action,
        actor: actor.to_string(),
        detail,
    };
    insert_audit(tx, entry).await
}

fn from_row(row: &Row) -> Result<Reservation, Failure> {
    let id: i64 = row.try_get(0)?;
    let released_at = match row.try_get::<_, Option<i64>>(9)? {
        Some(secs) => Some(time(secs)?),
        None => None,
    };
    Ok(Reservation {
        id: id.to_string(),
        service: row.try_get(1)?,
        env: row.try_get(2)?,
        lane: row.try_get(3)?,
        start: time(row.try_get(4)?)?,
        deploy_end: time(row.try_get(5)?)?,
        monitoring_end: time(row.try_get(6)?)?,
        by: row.try_get(7)?,
        created_at: time(row.try_get(8)?)?,
        released_at,
        released_by: row.try_get(10)?,
    })
}
