//! Runtime freezes: created from chat or `POST /v1/freezes`, lifted with
//! `DELETE /v1/freezes/{id}`. Every change is recorded in the audit log in the
//! same transaction, so there is never a freeze change without its entry.

use super::audit::{self, AuditAction, AuditEntry, NewAuditEntry};
use super::columns::{from_secs, json_at, time_at, to_json, to_secs};
use super::database::SqliteStore;
use super::error::{Failure, StoreError};
use chrono::{DateTime, SubsecRound, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

/// A freeze created at run time (from chat or `POST /v1/freezes`). It blocks like a
/// `[[freeze]]` rule named `runtime:<id>` from `start` until `until`, unless lifted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuntimeFreeze {
    /// Assigned by the store: the decimal text of an integer that is never
    /// reused (e.g. `12`), so unique and URL-safe.
    pub id: String,
    /// Service patterns, as in a rule's `services` (globs, `!` exclusions).
    pub services: Vec<String>,
    /// Environment patterns, as in a rule's `envs`.
    pub envs: Vec<String>,
    pub start: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub reason: String,
    /// Who created it (a token's label, a Slack user).
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// Set when someone lifted it before it expired.
    pub lifted_at: Option<DateTime<Utc>>,
    pub lifted_by: Option<String>,
}

impl RuntimeFreeze {
    /// The name it blocks under: `runtime:<id>`.
    pub fn rule_name(&self) -> String {
        crate::policy::runtime_rule_name(&self.id)
    }

    /// What the policy layer needs to make it a rule.
    pub fn spec(&self) -> crate::policy::RuntimeFreezeSpec<'_> {
        crate::policy::RuntimeFreezeSpec {
            id: &self.id,
            services: &self.services,
            envs: &self.envs,
            start: self.start,
            until: self.until,
            reason: &self.reason,
            created_by: &self.created_by,
        }
    }

    /// In force at `now`: started, not expired, not lifted.
    pub fn active_at(&self, now: DateTime<Utc>) -> bool {
        self.lifted_at.is_none() && self.start <= now && now < self.until
    }
}

/// A freeze to create. The caller has validated the patterns; the store only
/// insists that it ends after it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFreeze {
    pub services: Vec<String>,
    pub envs: Vec<String>,
    /// Stored to the second, like `until`.
    pub start: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub reason: String,
    pub created_by: String,
}

const COLUMNS: &str =
    "id, services, envs, start, until, reason, created_by, created_at, lifted_at, lifted_by";

impl SqliteStore {
    /// Creates a freeze and its `freeze.create` audit entry (actor = creator,
    /// detail = the freeze) in one transaction. The returned freeze is as stored:
    /// times to the second, `id` assigned. When `max_unexpired` freezes are
    /// already unexpired at `now` (not lifted, not ended), nothing is written:
    /// [`StoreError::TooManyFreezes`]. Counted in the same transaction, so two
    /// creates at once cannot both take the last place.
    pub fn create_freeze(
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
        self.write(|tx| {
            if unexpired_count(tx, now)? >= max_unexpired {
                return Err(StoreError::TooManyFreezes {
                    limit: max_unexpired,
                }
                .into());
            }
            tx.prepare_cached(
                "INSERT INTO freezes (services, envs, start, until, reason, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                to_json(&new.services)?,
                to_json(&new.envs)?,
                to_secs(start),
                to_secs(until),
                new.reason,
                new.created_by,
                to_secs(now),
            ])?;
            let freeze = RuntimeFreeze {
                id: tx.last_insert_rowid().to_string(),
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
            let entry = record(
                tx,
                AuditAction::FreezeCreate,
                &freeze.created_by,
                &freeze,
                now,
            )?;
            Ok((freeze, entry))
        })
    }

    /// Lifts a freeze that has not expired (one not started yet can be lifted
    /// too) and appends `freeze.lift` (actor = `by`) in one transaction.
    /// Unknown id: [`StoreError::FreezeNotFound`]; lifted already or
    /// `until <= now`: [`StoreError::FreezeNotActive`].
    pub fn lift_freeze(
        &self,
        id: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(RuntimeFreeze, AuditEntry), StoreError> {
        let now = now.trunc_subsecs(0);
        self.write(|tx| {
            let Some(mut freeze) = select(tx, id)? else {
                return Err(StoreError::FreezeNotFound(id.to_string()).into());
            };
            if freeze.lifted_at.is_some() || freeze.until <= now {
                return Err(StoreError::FreezeNotActive(id.to_string()).into());
            }
            tx.prepare_cached("UPDATE freezes SET lifted_at = ?1, lifted_by = ?2 WHERE id = ?3")?
                .execute(params![to_secs(now), by, freeze.id])?;
            freeze.lifted_at = Some(now);
            freeze.lifted_by = Some(by.to_string());
            let entry = record(tx, AuditAction::FreezeLift, by, &freeze, now)?;
            Ok((freeze, entry))
        })
    }

    /// Freezes not lifted whose `until` is after `now`, including ones that start
    /// later: what the server must block on now or soon. Ordered by start, then id.
    pub fn unexpired_freezes(&self, now: DateTime<Utc>) -> Result<Vec<RuntimeFreeze>, StoreError> {
        // Stored `until` is whole seconds, so `until > now` is `until > floor(now)`.
        let now = to_secs(now);
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM freezes
                 WHERE lifted_at IS NULL AND until > ?1 ORDER BY start, id"
            ))?;
            let rows = stmt.query_map([now], freeze_from_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// One freeze by id, in any state (lifted and expired ones included).
    pub fn freeze(&self, id: &str) -> Result<Option<RuntimeFreeze>, StoreError> {
        self.read(|conn| select(conn, id))
    }
}

/// How many freezes are not lifted and end after `now`: those
/// [`SqliteStore::unexpired_freezes`] lists.
fn unexpired_count(conn: &Connection, now: DateTime<Utc>) -> Result<usize, Failure> {
    let count: i64 = conn
        .prepare_cached("SELECT COUNT(*) FROM freezes WHERE lifted_at IS NULL AND until > ?1")?
        .query_row([to_secs(now)], |row| row.get(0))?;
    Ok(usize::try_from(count).unwrap_or(usize::MAX))
}

/// The freeze whose id is exactly `id`. Only the canonical decimal text matches,
/// so `007` or `+7` is not freeze `7`.
fn select(conn: &Connection, id: &str) -> Result<Option<RuntimeFreeze>, Failure> {
    let Some(rowid) = id.parse::<i64>().ok().filter(|n| n.to_string() == id) else {
        return Ok(None);
    };
    let freeze = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM freezes WHERE id = ?1"))?
        .query_row([rowid], freeze_from_row)
        .optional()?;
    Ok(freeze)
}

/// Appends the audit entry for a change to `freeze`, whose detail is the freeze.
fn record(
    conn: &Connection,
    action: AuditAction,
    actor: &str,
    freeze: &RuntimeFreeze,
    now: DateTime<Utc>,
) -> Result<AuditEntry, Failure> {
    let detail = serde_json::to_value(freeze)
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

fn freeze_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<RuntimeFreeze> {
    let id: i64 = row.get(0)?;
    let lifted_at = match row.get::<_, Option<i64>>(8)? {
        Some(secs) => Some(from_secs(secs, 8)?),
        None => None,
    };
    Ok(RuntimeFreeze {
        id: id.to_string(),
        services: json_at(row, 1)?,
        envs: json_at(row, 2)?,
        start: time_at(row, 3)?,
        until: time_at(row, 4)?,
        reason: row.get(5)?,
        created_by: row.get(6)?,
        created_at: time_at(row, 7)?,
        lifted_at,
        lifted_by: row.get(9)?,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;
    use chrono::Duration;

    /// No cap on unexpired freezes, for tests about something else.
    const NO_LIMIT: usize = usize::MAX;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    fn new(start: i64, until: i64) -> NewFreeze {
        NewFreeze {
            services: vec!["payments-*".into(), "!payments-docs".into()],
            envs: vec!["prod".into()],
            start: at(start),
            until: at(until),
            reason: "incident 42".into(),
            created_by: "alice".into(),
        }
    }

    fn ids(freezes: &[RuntimeFreeze]) -> Vec<&str> {
        freezes.iter().map(|f| f.id.as_str()).collect()
    }

    /// Makes every audit append fail, to show a freeze change never commits alone.
    fn break_audit(store: &SqliteStore) {
        store
            .conn()
            .execute_batch(
                "CREATE TRIGGER no_audit BEFORE INSERT ON audit
                 BEGIN SELECT RAISE(ABORT, 'audit broken'); END;",
            )
            .unwrap();
    }

    #[test]
    fn create_lists_the_freeze_and_audits_it() {
        let store = SqliteStore::in_memory().unwrap();
        let (freeze, entry) = store.create_freeze(new(0, 3600), at(0), NO_LIMIT).unwrap();
        assert_eq!(freeze.id, "1");
        assert_eq!(freeze.rule_name(), "runtime:1");
        assert_eq!(freeze.created_at, at(0));
        assert!(freeze.active_at(at(0)));
        assert_eq!(
            store.unexpired_freezes(at(0)).unwrap(),
            vec![freeze.clone()]
        );
        assert_eq!(store.freeze("1").unwrap(), Some(freeze.clone()));

        assert_eq!(entry.action, AuditAction::FreezeCreate);
        assert_eq!(entry.actor, "alice");
        assert_eq!(entry.at, at(0));
        assert_eq!(entry.detail["id"], "1");
        assert_eq!(entry.detail, serde_json::to_value(&freeze).unwrap());
        assert_eq!(store.audit(None, 10).unwrap(), vec![entry]);
    }

    #[test]
    fn create_commits_nothing_when_its_audit_entry_fails() {
        let store = SqliteStore::in_memory().unwrap();
        break_audit(&store);
        let err = store
            .create_freeze(new(0, 3600), at(0), NO_LIMIT)
            .unwrap_err();
        assert!(matches!(err, StoreError::Sql { .. }), "{err:?}");
        assert!(err.to_string().contains("audit broken"), "{err}");
        assert!(store.unexpired_freezes(at(0)).unwrap().is_empty());
        assert_eq!(store.freeze("1").unwrap(), None);
    }

    #[test]
    fn lift_removes_it_once_and_audits_it() {
        let store = SqliteStore::in_memory().unwrap();
        let (created, _) = store.create_freeze(new(0, 3600), at(0), NO_LIMIT).unwrap();
        let (lifted, entry) = store.lift_freeze(&created.id, "bob", at(60)).unwrap();
        assert_eq!(lifted.lifted_at, Some(at(60)));
        assert_eq!(lifted.lifted_by.as_deref(), Some("bob"));
        assert!(!lifted.active_at(at(61)));
        assert!(store.unexpired_freezes(at(60)).unwrap().is_empty());
        assert_eq!(store.freeze(&created.id).unwrap(), Some(lifted.clone()));

        assert_eq!(entry.action, AuditAction::FreezeLift);
        assert_eq!(entry.actor, "bob");
        assert_eq!(entry.detail, serde_json::to_value(&lifted).unwrap());
        let actions: Vec<_> = store
            .audit(None, 10)
            .unwrap()
            .iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(
            actions,
            [AuditAction::FreezeCreate, AuditAction::FreezeLift]
        );

        let again = store.lift_freeze(&created.id, "carol", at(61)).unwrap_err();
        assert!(
            matches!(&again, StoreError::FreezeNotActive(id) if id == "1"),
            "{again:?}"
        );
        assert_eq!(
            store.audit(None, 10).unwrap().len(),
            2,
            "a refused lift is not audited"
        );
    }

    #[test]
    fn lift_of_an_unknown_id_is_not_found() {
        let store = SqliteStore::in_memory().unwrap();
        store.create_freeze(new(0, 3600), at(0), NO_LIMIT).unwrap();
        for id in ["2", "abc", "", "01", "+1", "99999999999999999999"] {
            let err = store.lift_freeze(id, "bob", at(1)).unwrap_err();
            assert!(
                matches!(&err, StoreError::FreezeNotFound(x) if x == id),
                "{id}: {err:?}"
            );
            assert_eq!(store.freeze(id).unwrap(), None, "{id}");
        }
    }

    #[test]
    fn lift_keeps_the_freeze_when_its_audit_entry_fails() {
        let store = SqliteStore::in_memory().unwrap();
        let (created, _) = store.create_freeze(new(0, 3600), at(0), NO_LIMIT).unwrap();
        break_audit(&store);
        assert!(matches!(
            store.lift_freeze(&created.id, "bob", at(1)),
            Err(StoreError::Sql { .. })
        ));
        assert_eq!(store.freeze(&created.id).unwrap(), Some(created.clone()));
        assert_eq!(store.unexpired_freezes(at(1)).unwrap(), vec![created]);
    }

    #[test]
    fn an_expired_freeze_is_not_listed_and_cannot_be_lifted() {
        let store = SqliteStore::in_memory().unwrap();
        let (freeze, _) = store.create_freeze(new(0, 600), at(0), NO_LIMIT).unwrap();
        assert_eq!(ids(&store.unexpired_freezes(at(599)).unwrap()), ["1"]);
        let just_before = at(600) - Duration::milliseconds(1);
        assert_eq!(ids(&store.unexpired_freezes(just_before).unwrap()), ["1"]);
        assert!(store.unexpired_freezes(at(600)).unwrap().is_empty());
        let err = store.lift_freeze("1", "bob", at(600)).unwrap_err();
        assert!(matches!(err, StoreError::FreezeNotActive(_)), "{err:?}");
        assert_eq!(store.freeze("1").unwrap(), Some(freeze), "still readable");
    }

    #[test]
    fn future_freezes_are_listed_in_start_then_id_order_and_can_be_lifted() {
        let store = SqliteStore::in_memory().unwrap();
        store.create_freeze(new(200, 900), at(0), NO_LIMIT).unwrap(); // 1
        store.create_freeze(new(100, 900), at(0), NO_LIMIT).unwrap(); // 2
        store.create_freeze(new(100, 800), at(0), NO_LIMIT).unwrap(); // 3
        store.create_freeze(new(-100, 50), at(0), NO_LIMIT).unwrap(); // 4
        assert_eq!(
            ids(&store.unexpired_freezes(at(0)).unwrap()),
            ["4", "2", "3", "1"]
        );
        store.lift_freeze("1", "bob", at(0)).unwrap();
        assert_eq!(ids(&store.unexpired_freezes(at(60)).unwrap()), ["2", "3"]);
    }

    #[test]
    fn ids_are_never_reused() {
        let tmp = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(tmp.path()).unwrap();
        store.create_freeze(new(0, 600), at(0), NO_LIMIT).unwrap();
        let (second, _) = store.create_freeze(new(0, 600), at(0), NO_LIMIT).unwrap();
        store.lift_freeze(&second.id, "bob", at(1)).unwrap();
        // Even if the newest row is removed by hand, its id stays taken.
        store
            .conn()
            .execute("DELETE FROM freezes WHERE id = 2", [])
            .unwrap();
        drop(store);
        let store = SqliteStore::open(tmp.path()).unwrap();
        let (third, _) = store.create_freeze(new(0, 600), at(2), NO_LIMIT).unwrap();
        assert_eq!(third.id, "3");
    }

    #[test]
    fn freezes_persist_across_reopen() {
        let tmp = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(tmp.path()).unwrap();
        let (kept, _) = store.create_freeze(new(0, 600), at(0), NO_LIMIT).unwrap();
        let (lifted, _) = store.create_freeze(new(0, 600), at(0), NO_LIMIT).unwrap();
        let (lifted, _) = store.lift_freeze(&lifted.id, "bob", at(5)).unwrap();
        drop(store);
        let store = SqliteStore::open(tmp.path()).unwrap();
        assert_eq!(store.unexpired_freezes(at(10)).unwrap(), vec![kept]);
        assert_eq!(store.freeze(&lifted.id).unwrap(), Some(lifted));
        assert_eq!(store.audit(None, 10).unwrap().len(), 3);
    }

    #[test]
    fn a_freeze_must_end_after_it_starts() {
        let store = SqliteStore::in_memory().unwrap();
        for (start, until) in [(600, 600), (600, 0)] {
            let err = store
                .create_freeze(new(start, until), at(0), NO_LIMIT)
                .unwrap_err();
            assert!(matches!(err, StoreError::InvalidRange { .. }), "{err:?}");
        }
        // Within one second, which the stored form cannot tell apart.
        let mut same_second = new(0, 0);
        same_second.until += Duration::milliseconds(900);
        assert!(matches!(
            store.create_freeze(same_second, at(0), NO_LIMIT),
            Err(StoreError::InvalidRange { .. })
        ));
        assert!(store.audit(None, 10).unwrap().is_empty());
    }

    #[test]
    fn returned_freeze_equals_what_is_read_back() {
        let store = SqliteStore::in_memory().unwrap();
        let mut n = new(0, 600);
        n.start += Duration::milliseconds(250);
        n.until += Duration::milliseconds(250);
        let (freeze, _) = store
            .create_freeze(n, at(0) + Duration::milliseconds(999), NO_LIMIT)
            .unwrap();
        assert_eq!(
            (freeze.start, freeze.until, freeze.created_at),
            (at(0), at(600), at(0))
        );
        assert_eq!(store.freeze(&freeze.id).unwrap(), Some(freeze));
    }

    #[test]
    fn the_cap_counts_unexpired_freezes_and_refuses_without_writing() {
        let store = SqliteStore::in_memory().unwrap();
        store.create_freeze(new(0, 600), at(0), 2).unwrap(); // 1
        store.create_freeze(new(300, 900), at(0), 2).unwrap(); // 2, scheduled
        let refused = store.create_freeze(new(0, 600), at(0), 2).unwrap_err();
        assert!(
            matches!(refused, StoreError::TooManyFreezes { limit: 2 }),
            "{refused}"
        );
        assert_eq!(ids(&store.unexpired_freezes(at(0)).unwrap()), ["1", "2"]);
        assert_eq!(
            store.audit(None, 10).unwrap().len(),
            2,
            "a refused create writes no audit entry"
        );
        // A lifted freeze frees its place, and so does one that has ended.
        store.lift_freeze("1", "ops", at(1)).unwrap();
        let (third, _) = store.create_freeze(new(0, 600), at(1), 2).unwrap();
        assert!(store.create_freeze(new(0, 600), at(1), 2).is_err());
        assert_eq!(third.id, "3");
        store.create_freeze(new(900, 1200), at(900), 2).unwrap();
        // A cap of zero refuses every create.
        assert!(store.create_freeze(new(900, 1200), at(900), 0).is_err());
    }
}
