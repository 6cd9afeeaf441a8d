//! Reservations: slots booked in a lane (`reserve`, `POST /v1/reservations`),
//! released early (`release`, `DELETE /v1/reservations/{id}`) or expiring at
//! their monitoring end. No two unexpired reservations of one lane overlap: the
//! check and the insert are one transaction. Every create and release writes its
//! audit entry in that same transaction.

use super::audit::{self, AuditAction, AuditEntry, NewAuditEntry};
use super::columns::{from_secs, time_at, to_secs};
use super::database::SqliteStore;
use super::error::{Failure, StoreError};
use super::slot::{NewReservation, Reservation};
use chrono::{DateTime, SubsecRound, Utc};
use rusqlite::{Connection, OptionalExtension, params};

/// The times to the second, checked to be in order and not over by `now`.
pub(super) fn checked(
    mut new: NewReservation,
    now: DateTime<Utc>,
) -> Result<NewReservation, StoreError> {
    new.start = new.start.trunc_subsecs(0);
    new.deploy_end = new.deploy_end.trunc_subsecs(0);
    new.monitoring_end = new.monitoring_end.trunc_subsecs(0);
    if new.deploy_end <= new.start || new.monitoring_end < new.deploy_end {
        return Err(StoreError::ReservationTimes {
            why: format!(
                "a slot must end its deploy after it starts and its monitoring no earlier \
                 (start {}, deploy end {}, monitoring end {})",
                new.start, new.deploy_end, new.monitoring_end
            ),
        });
    }
    if new.monitoring_end <= now {
        return Err(StoreError::ReservationTimes {
            why: format!(
                "the slot would be over already (it ends {})",
                new.monitoring_end
            ),
        });
    }
    Ok(new)
}

const COLUMNS: &str = "id, service, env, lane, start, deploy_end, monitoring_end, held_by, \
     created_at, released_at, released_by";

impl SqliteStore {
    /// Books `new` and appends `reservation.create` (actor = its holder) in one
    /// IMMEDIATE transaction, so two servers sharing the file take turns: when
    /// an unexpired, unreleased reservation of the same lane overlaps, nothing
    /// is written and the error names it ([`StoreError::ReservationOverlap`]).
    pub fn reserve(
        &self,
        new: NewReservation,
        now: DateTime<Utc>,
    ) -> Result<(Reservation, AuditEntry), StoreError> {
        let now = now.trunc_subsecs(0);
        let new = checked(new, now)?;
        self.write(|tx| {
            let holder = tx
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM reservations
                     WHERE lane = ?1 AND released_at IS NULL AND monitoring_end > ?2
                       AND start < ?3 AND monitoring_end > ?4
                     ORDER BY start, id LIMIT 1"
                ))?
                .query_row(
                    params![
                        new.lane,
                        to_secs(now),
                        to_secs(new.monitoring_end),
                        to_secs(new.start)
                    ],
                    from_row,
                )
                .optional()?;
            if let Some(holder) = holder {
                return Err(StoreError::ReservationOverlap {
                    holder: Box::new(holder),
                }
                .into());
            }
            tx.prepare_cached(
                "INSERT INTO reservations (service, env, lane, start, deploy_end, monitoring_end,
                     held_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                new.service,
                new.env,
                new.lane,
                to_secs(new.start),
                to_secs(new.deploy_end),
                to_secs(new.monitoring_end),
                new.by,
                to_secs(now),
            ])?;
            let reservation = new.stored(tx.last_insert_rowid().to_string(), now);
            let by = reservation.by.clone();
            let entry = record(tx, AuditAction::ReservationCreate, &by, &reservation, now)?;
            Ok((reservation, entry))
        })
    }

    /// Releases an unexpired reservation and appends `reservation.release`
    /// (actor = `by`). Unknown id: [`StoreError::ReservationNotFound`]; released
    /// or expired already: [`StoreError::ReservationNotActive`].
    pub fn release(
        &self,
        id: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(Reservation, AuditEntry), StoreError> {
        let now = now.trunc_subsecs(0);
        self.write(|tx| {
            let Some(mut r) = select(tx, id)? else {
                return Err(StoreError::ReservationNotFound(id.to_string()).into());
            };
            if r.released_at.is_some() || r.monitoring_end <= now {
                return Err(StoreError::ReservationNotActive(id.to_string()).into());
            }
            tx.prepare_cached(
                "UPDATE reservations SET released_at = ?1, released_by = ?2 WHERE id = ?3",
            )?
            .execute(params![to_secs(now), by, r.id])?;
            r.released_at = Some(now);
            r.released_by = Some(by.to_string());
            let entry = record(tx, AuditAction::ReservationRelease, by, &r, now)?;
            Ok((r, entry))
        })
    }

    /// Reservations not released whose monitoring ends after `now` (booked for
    /// later ones too), of `service` and `env` when given; by start, then id.
    pub fn unexpired_reservations(
        &self,
        now: DateTime<Utc>,
        service: Option<&str>,
        env: Option<&str>,
    ) -> Result<Vec<Reservation>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM reservations
                 WHERE released_at IS NULL AND monitoring_end > ?1
                   AND (?2 IS NULL OR service = ?2) AND (?3 IS NULL OR env = ?3)
                 ORDER BY start, id"
            ))?;
            let rows = stmt.query_map(params![to_secs(now), service, env], from_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// One reservation by id, in any state.
    pub fn reservation(&self, id: &str) -> Result<Option<Reservation>, StoreError> {
        self.read(|conn| select(conn, id))
    }
}

/// The reservation whose id is exactly `id` (canonical decimal text only).
fn select(conn: &Connection, id: &str) -> Result<Option<Reservation>, Failure> {
    let Some(rowid) = canonical_id(id) else {
        return Ok(None);
    };
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM reservations WHERE id = ?1"))?
        .query_row([rowid], from_row)
        .optional()?)
}

/// `id` as the integer it is the canonical text of (`7`, not `007` or `+7`).
pub(super) fn canonical_id(id: &str) -> Option<i64> {
    id.parse::<i64>().ok().filter(|n| n.to_string() == id)
}

fn record(
    conn: &Connection,
    action: AuditAction,
    actor: &str,
    reservation: &Reservation,
    now: DateTime<Utc>,
) -> Result<AuditEntry, Failure> {
    let detail = serde_json::to_value(reservation)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    audit::insert(
        conn,
        NewAuditEntry {
            at: now,
            action,
            actor: actor.to_string(),
            detail,
        },
    )
}

fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Reservation> {
    let id: i64 = row.get(0)?;
    let released_at = match row.get::<_, Option<i64>>(9)? {
        Some(secs) => Some(from_secs(secs, 9)?),
        None => None,
    };
    Ok(Reservation {
        id: id.to_string(),
        service: row.get(1)?,
        env: row.get(2)?,
        lane: row.get(3)?,
        start: time_at(row, 4)?,
        deploy_end: time_at(row, 5)?,
        monitoring_end: time_at(row, 6)?,
        by: row.get(7)?,
        created_at: time_at(row, 8)?,
        released_at,
        released_by: row.get(10)?,
    })
}
