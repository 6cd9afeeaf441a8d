//! The [`Storage`] operations on PostgreSQL, each one transaction, with the
//! same meaning as the embedded store's: a change and its audit entry commit
//! together, ids are never reused, times are whole seconds.

use super::notify::announce_change;
use super::pool::{Failure, PostgresStore};
use crate::store::audit::{AuditAction, AuditEntry, NewAuditEntry, UnknownAction};
use crate::store::error::StoreError;
use crate::store::freezes::{NewFreeze, RuntimeFreeze};
use crate::store::github_holds::{GithubHold, NewGithubHold};
use crate::store::slot::{NewReservation, Reservation};
use crate::store::storage::Storage;
use chrono::{DateTime, SubsecRound, Utc};
use deadpool_postgres::Transaction;
use tokio_postgres::Row;

const FREEZE_COLUMNS: &str =
    "id, services, envs, start, until, reason, created_by, created_at, lifted_at, lifted_by";

const HOLD_COLUMNS: &str = "id, callback_url, installation_id, repository, environment, event, \
     sha, git_ref, sender, received_at, deadline, next_at, reports";

impl Storage for PostgresStore {
    fn location(&self) -> String {
        PostgresStore::location(self).to_string()
    }

    fn append(&self, entry: NewAuditEntry) -> Result<AuditEntry, StoreError> {
        self.transaction(Box::new(move |tx| Box::pin(insert_audit(tx, entry))))
    }

    fn audit(
        &self,
        since: Option<DateTime<Utc>>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.transaction(Box::new(move |tx| {
            Box::pin(async move {
                let rows = match since {
                    // No `since`: the latest `limit` entries, still oldest first.
                    None => {
                        tx.query(
                            "SELECT * FROM (SELECT id, at, action, actor, detail FROM audit
                             ORDER BY id DESC LIMIT $1) AS latest ORDER BY id",
                            &[&limit],
                        )
                        .await?
                    }
                    Some(since) => {
                        // Stored times are whole seconds: `at >= since` is `at >= ceil(since)`.
                        let since = since
                            .timestamp()
                            .saturating_add(i64::from(since.timestamp_subsec_nanos() > 0));
                        tx.query(
                            "SELECT id, at, action, actor, detail FROM audit
                             WHERE at >= $1 ORDER BY id LIMIT $2",
                            &[&since, &limit],
                        )
                        .await?
                    }
                };
                rows.iter().map(entry_from_row).collect()
            })
        }))
    }

    fn create_freeze(
        &self,
        new: NewFreeze,
        now: DateTime<Utc>,
        max_unexpired: usize,
    ) -> Result<(RuntimeFreeze, AuditEntry), StoreError> {
        let (start, until) = (new.start.trunc_subsecs(0), new.until.trunc_subsecs(0));
        if until <= start {
            return Err(StoreError::InvalidRange {
                start: new.start,
                until: new.until,
            });
        }
        let now = now.trunc_subsecs(0);
        self.transaction(Box::new(move |tx| {
            Box::pin(async move {
                // Creates take turns (reads go on), so two at once cannot both
                // count the last free place.
                tx.batch_execute("LOCK TABLE freezes IN EXCLUSIVE MODE")
                    .await?;
                let count: i64 = tx
                    .query_one(
                        "SELECT COUNT(*) FROM freezes WHERE lifted_at IS NULL AND until > $1",
                        &[&now.timestamp()],
                    )
                    .await?
                    .try_get(0)?;
                if usize::try_from(count).unwrap_or(usize::MAX) >= max_unexpired {
                    return Err(StoreError::TooManyFreezes {
                        limit: max_unexpired,
                    }
                    .into());
                }
                let id: i64 = tx
                    .query_one(
                        "INSERT INTO freezes (services, envs, start, until, reason, created_by, created_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                        &[
                            &to_json(&new.services)?,
                            &to_json(&new.envs)?,
                            &start.timestamp(),
                            &until.timestamp(),
                            &new.reason,
                            &new.created_by,
                            &now.timestamp(),
                        ],
                    )
                    .await?
                    .try_get(0)?;
                let freeze = RuntimeFreeze {
                    id: id.to_string(),
                    services: new.services,
                    envs: new.envs,
                    start,
                    until,
                    reason: new.reason,
                    created_by: new.created_by,
                    created_at: now,
                    lifted_at: None,
                    lifted_by: None,
                };
                let by = freeze.created_by.clone();
                let entry = record(tx, AuditAction::FreezeCreate, &by, &freeze, now).await?;
                announce_change(tx, "freezes").await?;
                Ok((freeze, entry))
            })
        }))
    }

    fn lift_freeze(
        &self,
        id: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(RuntimeFreeze, AuditEntry), StoreError> {
        let now = now.trunc_subsecs(0);
        let (id, by) = (id.to_string(), by.to_string());
        self.transaction(Box::new(move |tx| {
            Box::pin(async move {
                let Some(mut freeze) = select_freeze(tx, &id, " FOR UPDATE").await? else {
                    return Err(StoreError::FreezeNotFound(id).into());
                };
                if freeze.lifted_at.is_some() || freeze.until <= now {
                    return Err(StoreError::FreezeNotActive(id).into());
                }
                let row_id: i64 = freeze.id.parse().unwrap_or_default();
                tx.execute(
                    "UPDATE freezes SET lifted_at = $1, lifted_by = $2 WHERE id = $3",
                    &[&now.timestamp(), &by, &row_id],
                )
                .await?;
                freeze.lifted_at = Some(now);
                freeze.lifted_by = Some(by.clone());
                let entry = record(tx, AuditAction::FreezeLift, &by, &freeze, now).await?;
                announce_change(tx, "freezes").await?;
                Ok((freeze, entry))
            })
        }))
    }

    fn unexpired_freezes(&self, now: DateTime<Utc>) -> Result<Vec<RuntimeFreeze>, StoreError> {
        // Stored `until` is whole seconds, so `until > now` is `until > floor(now)`.
        let now = now.timestamp();
        self.transaction(Box::new(move |tx| {
            Box::pin(async move {
                tx.query(
                    &format!(
                        "SELECT {FREEZE_COLUMNS} FROM freezes
                         WHERE lifted_at IS NULL AND until > $1 ORDER BY start, id"
                    ),
                    &[&now],
                )
                .await?
                .iter()
                .map(freeze_from_row)
                .collect()
            })
        }))
    }

    fn freeze(&self, id: &str) -> Result<Option<RuntimeFreeze>, StoreError> {
        let id = id.to_string();
        self.transaction(Box::new(move |tx| {
            Box::pin(async move { select_freeze(tx, &id, "").await })
        }))
    }

    fn reserve(
        &self,
        new: NewReservation,
        now: DateTime<Utc>,
    ) -> Result<(Reservation, AuditEntry), StoreError> {
        self.reserve_slot(new, now)
    }

    fn release(
        &self,
        id: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(Reservation, AuditEntry), StoreError> {
        self.release_slot(id, by, now)
    }

    fn unexpired_reservations(
        &self,
        now: DateTime<Utc>,
        service: Option<&str>,
        env: Option<&str>,
    ) -> Result<Vec<Reservation>, StoreError> {
        self.live_reservations(now, service, env)
    }

    fn reservation(&self, id: &str) -> Result<Option<Reservation>, StoreError> {
        self.one_reservation(id)
    }

    fn hold_github(&self, new: NewGithubHold) -> Result<(GithubHold, bool), StoreError> {
        self.transaction(Box::new(move |tx| {
            Box::pin(async move {
                let inserted = tx
                    .execute(
                        "INSERT INTO github_holds (callback_url, installation_id, repository,
                             environment, event, sha, git_ref, sender, received_at, deadline, next_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                         ON CONFLICT (callback_url) DO NOTHING",
                        &[
                            &new.callback_url,
                            &new.installation_id,
                            &new.repository,
                            &new.environment,
                            &new.event,
                            &new.sha,
                            &new.git_ref,
                            &new.sender,
                            &new.received_at.timestamp(),
                            &new.deadline.max(new.received_at).timestamp(),
                            &new.next_at.timestamp(),
                        ],
                    )
                    .await?;
                let row = tx
                    .query_one(
                        &format!("SELECT {HOLD_COLUMNS} FROM github_holds WHERE callback_url = $1"),
                        &[&new.callback_url],
                    )
                    .await?;
                Ok((hold_from_row(&row)?, inserted == 1))
            })
        }))
    }

    fn github_holds(&self) -> Result<Vec<GithubHold>, StoreError> {
        self.transaction(Box::new(move |tx| {
            Box::pin(async move {
                tx.query(
                    &format!("SELECT {HOLD_COLUMNS} FROM github_holds ORDER BY next_at, id"),
                    &[],
                )
                .await?
                .iter()
                .map(hold_from_row)
                .collect()
            })
        }))
    }

    fn reschedule_github_hold(
        &self,
        id: i64,
        next_at: DateTime<Utc>,
        reported: bool,
        entry: NewAuditEntry,
    ) -> Result<Option<(GithubHold, AuditEntry)>, StoreError> {
        self.transaction(Box::new(move |tx| {
            Box::pin(async move {
                let row = tx
                    .query_opt(
                        &format!(
                            "UPDATE github_holds SET next_at = $2, reports = reports + $3
                             WHERE id = $1 RETURNING {HOLD_COLUMNS}"
                        ),
                        &[&id, &next_at.timestamp(), &i64::from(reported)],
                    )
                    .await?;
                let Some(row) = row else {
                    return Ok(None);
                };
                let hold = hold_from_row(&row)?;
                let entry = insert_audit(tx, entry).await?;
                Ok(Some((hold, entry)))
            })
        }))
    }

    fn end_github_hold(
        &self,
        id: i64,
        entry: NewAuditEntry,
    ) -> Result<Option<AuditEntry>, StoreError> {
        self.transaction(Box::new(move |tx| {
            Box::pin(async move {
                let gone = tx
                    .query_opt(
                        "DELETE FROM github_holds WHERE id = $1 RETURNING id",
                        &[&id],
                    )
                    .await?;
                match gone {
                    Some(_) => Ok(Some(insert_audit(tx, entry).await?)),
                    None => Ok(None),
                }
            })
        }))
    }
}

pub(super) async fn insert_audit(
    tx: &Transaction<'_>,
    entry: NewAuditEntry,
) -> Result<AuditEntry, Failure> {
    let detail = to_json(&entry.detail)?;
    let id: i64 = tx
        .query_one(
            "INSERT INTO audit (at, action, actor, detail) VALUES ($1, $2, $3, $4) RETURNING id",
            &[
                &entry.at.timestamp(),
                &entry.action.as_str(),
                &entry.actor,
                &detail,
            ],
        )
        .await?
        .try_get(0)?;
    Ok(AuditEntry {
        id,
        at: entry.at.trunc_subsecs(0),
        action: entry.action,
        actor: entry.actor,
        detail: entry.detail,
    })
}

/// Appends the audit entry for a change to `freeze`, whose detail is the freeze.
async fn record(
    tx: &Transaction<'_>,
    action: AuditAction,
    actor: &str,
    freeze: &RuntimeFreeze,
    now: DateTime<Utc>,
) -> Result<AuditEntry, Failure> {
    let detail = serde_json::to_value(freeze).map_err(|e| decode(e.to_string()))?;
    let entry = NewAuditEntry {
        at: now,
        action,
        actor: actor.to_string(),
        detail,
    };
    insert_audit(tx, entry).await
}

/// The freeze whose id is exactly `id` (only the canonical decimal text
/// matches, so `007` is not freeze `7`); `lock` is appended to the query.
async fn select_freeze(
    tx: &Transaction<'_>,
    id: &str,
    lock: &str,
) -> Result<Option<RuntimeFreeze>, Failure> {
    let Some(row_id) = id.parse::<i64>().ok().filter(|n| n.to_string() == id) else {
        return Ok(None);
    };
    let row = tx
        .query_opt(
            &format!("SELECT {FREEZE_COLUMNS} FROM freezes WHERE id = $1{lock}"),
            &[&row_id],
        )
        .await?;
    row.as_ref().map(freeze_from_row).transpose()
}

fn freeze_from_row(row: &Row) -> Result<RuntimeFreeze, Failure> {
    let id: i64 = row.try_get(0)?;
    let lifted_at = match row.try_get::<_, Option<i64>>(8)? {
        Some(secs) => Some(time(secs)?),
        None => None,
    };
    Ok(RuntimeFreeze {
        id: id.to_string(),
        services: from_json(&row.try_get::<_, String>(1)?)?,
        envs: from_json(&row.try_get::<_, String>(2)?)?,
        start: time(row.try_get(3)?)?,
        until: time(row.try_get(4)?)?,
        reason: row.try_get(5)?,
        created_by: row.try_get(6)?,
        created_at: time(row.try_get(7)?)?,
        lifted_at,
        lifted_by: row.try_get(9)?,
    })
}

fn hold_from_row(row: &Row) -> Result<GithubHold, Failure> {
    Ok(GithubHold {
        id: row.try_get(0)?,
        callback_url: row.try_get(1)?,
        installation_id: row.try_get(2)?,
        repository: row.try_get(3)?,
        environment: row.try_get(4)?,
        event: row.try_get(5)?,
        sha: row.try_get(6)?,
        git_ref: row.try_get(7)?,
        sender: row.try_get(8)?,
        received_at: time(row.try_get(9)?)?,
        deadline: time(row.try_get(10)?)?,
        next_at: time(row.try_get(11)?)?,
        reports: row.try_get(12)?,
    })
}

fn entry_from_row(row: &Row) -> Result<AuditEntry, Failure> {
    let action: String = row.try_get(2)?;
    Ok(AuditEntry {
        id: row.try_get(0)?,
        at: time(row.try_get(1)?)?,
        action: action
            .parse()
            .map_err(|e: UnknownAction| decode(e.to_string()))?,
        actor: row.try_get(3)?,
        detail: from_json(&row.try_get::<_, String>(4)?)?,
    })
}

pub(super) fn time(secs: i64) -> Result<DateTime<Utc>, Failure> {
    DateTime::from_timestamp(secs, 0)
        .ok_or_else(|| decode(format!("timestamp {secs} out of range")))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, Failure> {
    serde_json::to_string(value).map_err(|e| decode(e.to_string()))
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, Failure> {
    serde_json::from_str(text).map_err(|e| decode(format!("a stored value is not valid JSON: {e}")))
}

/// A value that does not convert to or from its column: a failed statement.
pub(super) fn decode(reason: String) -> Failure {
    Failure::Store(StoreError::Postgres {
        location: String::new(),
        reason,
    })
}
