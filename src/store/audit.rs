//! The audit log: an append-only record of who did what to the server
//! (overrides, Slack commands, reloads, runtime freezes, GitHub verdicts and
//! reports), read in write order.

use super::columns::{json_at, time_at, to_json, to_secs};
use super::database::SqliteStore;
use super::error::{Failure, StoreError};
use chrono::{DateTime, SubsecRound, Utc};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

/// What an audit entry records. Stored as its [`as_str`](AuditAction::as_str) text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum AuditAction {
    #[serde(rename = "override")]
    Override,
    #[serde(rename = "slack")]
    Slack,
    #[serde(rename = "reload")]
    Reload,
    #[serde(rename = "freeze.create")]
    FreezeCreate,
    #[serde(rename = "freeze.lift")]
    FreezeLift,
    /// A GitHub deployment approved through its callback.
    #[serde(rename = "github.approve")]
    GithubApprove,
    /// A GitHub deployment rejected through its callback.
    #[serde(rename = "github.reject")]
    GithubReject,
    /// A status report posted on a held GitHub deployment.
    #[serde(rename = "github.report")]
    GithubReport,
    /// A callback that failed every attempt; the hold tries again later.
    #[serde(rename = "github.callback_failed")]
    GithubCallbackFailed,
    /// A hold that ended without a verdict from us (nothing pending any more).
    #[serde(rename = "github.hold_end")]
    GithubHoldEnd,
    /// A slot booked in a lane.
    #[serde(rename = "reservation.create")]
    ReservationCreate,
    /// A slot released before it expired.
    #[serde(rename = "reservation.release")]
    ReservationRelease,
}

impl AuditAction {
    pub const ALL: [AuditAction; 12] = [
        AuditAction::Override,
        AuditAction::Slack,
        AuditAction::Reload,
        AuditAction::FreezeCreate,
        AuditAction::FreezeLift,
        AuditAction::GithubApprove,
        AuditAction::GithubReject,
        AuditAction::GithubReport,
        AuditAction::GithubCallbackFailed,
        AuditAction::GithubHoldEnd,
        AuditAction::ReservationCreate,
        AuditAction::ReservationRelease,
    ];

    /// The stored and serialized name, e.g. `freeze.create`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Override => "override",
            AuditAction::Slack => "slack",
            AuditAction::Reload => "reload",
            AuditAction::FreezeCreate => "freeze.create",
            AuditAction::FreezeLift => "freeze.lift",
            AuditAction::GithubApprove => "github.approve",
            AuditAction::GithubReject => "github.reject",
            AuditAction::GithubReport => "github.report",
            AuditAction::GithubCallbackFailed => "github.callback_failed",
            AuditAction::GithubHoldEnd => "github.hold_end",
            AuditAction::ReservationCreate => "reservation.create",
            AuditAction::ReservationRelease => "reservation.release",
        }
    }
}

impl std::fmt::Display for AuditAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is no [`AuditAction`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown audit action `{0}` (expected override, slack, reload, freeze.create, freeze.lift, github.approve, github.reject, github.report, github.callback_failed or github.hold_end)"
)]
pub struct UnknownAction(pub String);

impl std::str::FromStr for AuditAction {
    type Err = UnknownAction;

    fn from_str(s: &str) -> Result<AuditAction, UnknownAction> {
        AuditAction::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| UnknownAction(s.to_string()))
    }
}

/// An entry to append; the store assigns its id.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAuditEntry {
    /// Stored to the second.
    pub at: DateTime<Utc>,
    pub action: AuditAction,
    /// Who acted: a token label, a Slack user, `sighup`.
    pub actor: String,
    pub detail: serde_json::Value,
}

/// A stored entry. `at` serializes as RFC 3339 with `Z`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    /// Increases with every append and is never reused: the log's order.
    pub id: i64,
    pub at: DateTime<Utc>,
    pub action: AuditAction,
    pub actor: String,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

impl SqliteStore {
    /// Appends `entry` and returns it as stored (with its id, `at` to the second).
    /// Returns only once the entry is on disk.
    pub fn append(&self, entry: NewAuditEntry) -> Result<AuditEntry, StoreError> {
        self.write(|tx| insert(tx, entry))
    }

    /// Entries oldest first (by id), at most `limit`: with `since`, the first
    /// `limit` entries at or after it, so a reader can page forward; without, the
    /// latest `limit` entries.
    pub fn audit(
        &self,
        since: Option<DateTime<Utc>>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let Some(since) = since else {
            // No `since`: the latest `limit` entries, still oldest first.
            return self.read(|conn| {
                let mut stmt = conn.prepare_cached(
                    "SELECT * FROM (SELECT id, at, action, actor, detail FROM audit
                     ORDER BY id DESC LIMIT ?1) ORDER BY id",
                )?;
                let rows = stmt.query_map(params![limit], entry_from_row)?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?)
            });
        };
        // Stored seconds are whole, so `at >= since` is `at >= ceil(since)`.
        let since = to_secs(since).saturating_add(i64::from(since.timestamp_subsec_nanos() > 0));
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, at, action, actor, detail FROM audit
                 WHERE at >= ?1 ORDER BY id LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![since, limit], entry_from_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }
}

/// Inserts `entry` on `conn` (inside the caller's transaction when there is one,
/// so a freeze change and its entry commit together or not at all).
pub(super) fn insert(conn: &Connection, entry: NewAuditEntry) -> Result<AuditEntry, Failure> {
    let detail = to_json(&entry.detail)?;
    conn.prepare_cached("INSERT INTO audit (at, action, actor, detail) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![
            to_secs(entry.at),
            entry.action.as_str(),
            entry.actor,
            detail
        ])?;
    Ok(AuditEntry {
        id: conn.last_insert_rowid(),
        at: entry.at.trunc_subsecs(0),
        action: entry.action,
        actor: entry.actor,
        detail: entry.detail,
    })
}

fn entry_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<AuditEntry> {
    let action: String = row.get(2)?;
    Ok(AuditEntry {
        id: row.get(0)?,
        at: time_at(row, 1)?,
        action: action.parse().map_err(|e: UnknownAction| {
            rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, Box::new(e))
        })?,
        actor: row.get(3)?,
        detail: json_at(row, 4)?,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(secs, 0).unwrap()
    }

    fn entry(secs: i64, action: AuditAction, actor: &str) -> NewAuditEntry {
        NewAuditEntry {
            at: at(secs),
            action,
            actor: actor.into(),
            detail: json!({ "actor": actor, "nested": [1, 2, {"x": null}] }),
        }
    }

    #[test]
    fn action_names_round_trip_through_text_and_serde() {
        for action in AuditAction::ALL {
            assert_eq!(action.as_str().parse::<AuditAction>().unwrap(), action);
            assert_eq!(
                serde_json::to_value(action).unwrap(),
                json!(action.as_str())
            );
        }
        let err = "freeze".parse::<AuditAction>().unwrap_err();
        assert!(err.to_string().contains("`freeze`"), "{err}");
    }

    #[test]
    fn append_returns_the_stored_entry_with_increasing_ids() {
        let store = SqliteStore::in_memory().unwrap();
        let first = store
            .append(entry(100, AuditAction::Override, "alice"))
            .unwrap();
        let second = store.append(entry(50, AuditAction::Slack, "bob")).unwrap();
        assert!(second.id > first.id);
        assert_eq!(first.actor, "alice");
        assert_eq!(first.detail["nested"][2], json!({"x": null}));
        assert_eq!(store.audit(None, 10).unwrap(), vec![first, second]);
    }

    #[test]
    fn audit_is_in_append_order_filtered_by_since_and_limited() {
        let store = SqliteStore::in_memory().unwrap();
        // `at` out of order on purpose: the log's order is the append order.
        for (secs, who) in [(300, "a"), (100, "b"), (200, "c"), (400, "d")] {
            store.append(entry(secs, AuditAction::Reload, who)).unwrap();
        }
        let actors = |v: Vec<AuditEntry>| v.into_iter().map(|e| e.actor).collect::<Vec<_>>();
        assert_eq!(actors(store.audit(None, 10).unwrap()), ["a", "b", "c", "d"]);
        assert_eq!(
            actors(store.audit(Some(at(200)), 10).unwrap()),
            ["a", "c", "d"]
        );
        assert_eq!(actors(store.audit(Some(at(200)), 2).unwrap()), ["a", "c"]);
        // Without `since`, the latest entries, still oldest first.
        assert_eq!(actors(store.audit(None, 1).unwrap()), ["d"]);
        assert_eq!(actors(store.audit(None, 3).unwrap()), ["b", "c", "d"]);
        assert!(store.audit(None, 0).unwrap().is_empty());
        assert!(store.audit(Some(at(401)), 10).unwrap().is_empty());
        assert_eq!(store.audit(None, usize::MAX).unwrap().len(), 4);
    }

    #[test]
    fn since_with_a_fraction_excludes_the_whole_second_before_it() {
        let store = SqliteStore::in_memory().unwrap();
        store.append(entry(200, AuditAction::Reload, "x")).unwrap();
        let since = at(200) + chrono::Duration::milliseconds(500);
        assert!(store.audit(Some(since), 10).unwrap().is_empty());
        let since = at(199) + chrono::Duration::milliseconds(500);
        assert_eq!(store.audit(Some(since), 10).unwrap().len(), 1);
    }

    #[test]
    fn at_is_stored_to_the_second_and_serialized_with_z() {
        let store = SqliteStore::in_memory().unwrap();
        let mut new = entry(1_800_000_000, AuditAction::Override, "alice");
        new.at += chrono::Duration::milliseconds(750);
        let stored = store.append(new).unwrap();
        assert_eq!(stored.at, at(1_800_000_000));
        assert_eq!(store.audit(None, 1).unwrap()[0], stored);
        let value = serde_json::to_value(&stored).unwrap();
        assert_eq!(value["at"], json!("2027-01-15T08:00:00Z"));
        assert_eq!(value["action"], json!("override"));
    }
}
