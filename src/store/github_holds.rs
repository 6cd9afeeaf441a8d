//! GitHub deployments held until their window opens: each with the callback
//! URL and installation that answer it, and when it is next decided on. A hold
//! is written before the webhook is acknowledged, so one that a crash
//! interrupts is decided again after a restart. Ending a hold, or rescheduling
//! it after a report, writes its audit entry in the same transaction.

use super::audit::{self, AuditEntry, NewAuditEntry};
use super::columns::{time_at, to_secs};
use super::database::SqliteStore;
use super::error::StoreError;
use chrono::{DateTime, SubsecRound, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

/// A GitHub deployment waiting for a verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GithubHold {
    /// Assigned by the store; never reused.
    pub id: i64,
    /// Where the verdict and reports go (GitHub's `deployment_callback_url`).
    pub callback_url: String,
    /// The App installation whose token answers the callback.
    pub installation_id: i64,
    /// `owner/name`.
    pub repository: String,
    /// The GitHub environment's name (the callback's `environment_name`).
    pub environment: String,
    /// What triggered the deployment (`push`, `workflow_dispatch`, …).
    pub event: String,
    pub sha: Option<String>,
    #[serde(rename = "ref")]
    pub git_ref: Option<String>,
    /// Who triggered it, by GitHub login.
    pub sender: Option<String>,
    pub received_at: DateTime<Utc>,
    /// Past this, a deployment still denied is rejected.
    pub deadline: DateTime<Utc>,
    /// When it is decided on next.
    pub next_at: DateTime<Utc>,
    /// Status reports posted so far.
    pub reports: i64,
}

/// A hold to store (the store assigns its id; no reports yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGithubHold {
    pub callback_url: String,
    pub installation_id: i64,
    pub repository: String,
    pub environment: String,
    pub event: String,
    pub sha: Option<String>,
    pub git_ref: Option<String>,
    pub sender: Option<String>,
    pub received_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    pub next_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, callback_url, installation_id, repository, environment, event, \
     sha, git_ref, sender, received_at, deadline, next_at, reports";

impl SqliteStore {
    /// Stores `new`, or — when a hold for the same callback URL exists (GitHub
    /// delivered the webhook again) — keeps that one. Returns the hold as stored
    /// and whether it is new.
    pub fn hold_github(&self, new: NewGithubHold) -> Result<(GithubHold, bool), StoreError> {
        self.write(|tx| {
            let inserted = tx
                .prepare_cached(
                    "INSERT INTO github_holds (callback_url, installation_id, repository,
                         environment, event, sha, git_ref, sender, received_at, deadline, next_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                     ON CONFLICT (callback_url) DO NOTHING",
                )?
                .execute(params![
                    new.callback_url,
                    new.installation_id,
                    new.repository,
                    new.environment,
                    new.event,
                    new.sha,
                    new.git_ref,
                    new.sender,
                    to_secs(new.received_at),
                    to_secs(new.deadline.max(new.received_at)),
                    to_secs(new.next_at),
                ])?;
            let hold = tx
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM github_holds WHERE callback_url = ?1"
                ))?
                .query_row(params![new.callback_url], hold_from_row)?;
            Ok((hold, inserted == 1))
        })
    }

    /// Every hold, the one due first first.
    pub fn github_holds(&self) -> Result<Vec<GithubHold>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM github_holds ORDER BY next_at, id"
            ))?;
            let rows = stmt.query_map([], hold_from_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// Moves hold `id` to `next_at`, counting a report when `entry` is one, and
    /// appends `entry` in the same transaction. `None` when the hold is gone.
    pub fn reschedule_github_hold(
        &self,
        id: i64,
        next_at: DateTime<Utc>,
        reported: bool,
        entry: NewAuditEntry,
    ) -> Result<Option<(GithubHold, AuditEntry)>, StoreError> {
        self.write(|tx| {
            let changed = tx
                .prepare_cached(
                    "UPDATE github_holds SET next_at = ?2, reports = reports + ?3 WHERE id = ?1",
                )?
                .execute(params![id, to_secs(next_at), i64::from(reported)])?;
            if changed == 0 {
                return Ok(None);
            }
            let hold = tx
                .prepare_cached(&format!("SELECT {COLUMNS} FROM github_holds WHERE id = ?1"))?
                .query_row(params![id], hold_from_row)?;
            let entry = audit::insert(tx, entry)?;
            Ok(Some((hold, entry)))
        })
    }

    /// Ends hold `id` (approved, rejected, or nothing pending any more) and
    /// appends `entry` in the same transaction. `None` when it was already gone.
    pub fn end_github_hold(
        &self,
        id: i64,
        entry: NewAuditEntry,
    ) -> Result<Option<AuditEntry>, StoreError> {
        self.write(|tx| {
            let gone = tx
                .prepare_cached("DELETE FROM github_holds WHERE id = ?1 RETURNING id")?
                .query_row(params![id], |row| row.get::<_, i64>(0))
                .optional()?;
            match gone {
                Some(_) => Ok(Some(audit::insert(tx, entry)?)),
                None => Ok(None),
            }
        })
    }
}

fn hold_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<GithubHold> {
    Ok(GithubHold {
        id: row.get(0)?,
        callback_url: row.get(1)?,
        installation_id: row.get(2)?,
        repository: row.get(3)?,
        environment: row.get(4)?,
        event: row.get(5)?,
        sha: row.get(6)?,
        git_ref: row.get(7)?,
        sender: row.get(8)?,
        received_at: time_at(row, 9)?.trunc_subsecs(0),
        deadline: time_at(row, 10)?,
        next_at: time_at(row, 11)?,
        reports: row.get(12)?,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;
    use crate::store::AuditAction;
    use serde_json::json;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(secs, 0).unwrap()
    }

    fn new_hold(url: &str) -> NewGithubHold {
        NewGithubHold {
            callback_url: url.into(),
            installation_id: 42,
            repository: "acme/web".into(),
            environment: "production".into(),
            event: "push".into(),
            sha: Some("abc123".into()),
            git_ref: Some("refs/heads/main".into()),
            sender: Some("octocat".into()),
            received_at: at(1000),
            deadline: at(1000 + 86_400),
            next_at: at(1000),
        }
    }

    fn entry(action: AuditAction) -> NewAuditEntry {
        NewAuditEntry {
            at: at(2000),
            action,
            actor: "github".into(),
            detail: json!({"n": 1}),
        }
    }

    #[test]
    fn a_webhook_delivered_again_keeps_the_first_hold() {
        let store = SqliteStore::in_memory().unwrap();
        let (first, new) = store.hold_github(new_hold("https://x/1")).unwrap();
        assert!(new);
        let mut again = new_hold("https://x/1");
        again.next_at = at(5000);
        let (second, new) = store.hold_github(again).unwrap();
        assert!(!new);
        assert_eq!(first, second);
        assert_eq!(store.github_holds().unwrap(), vec![first]);
    }

    #[test]
    fn holds_are_listed_due_first_and_survive_reopening() {
        let tmp = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(tmp.path()).unwrap();
        let mut late = new_hold("https://x/late");
        late.next_at = at(9000);
        store.hold_github(late).unwrap();
        store.hold_github(new_hold("https://x/soon")).unwrap();
        drop(store);
        let store = SqliteStore::open(tmp.path()).unwrap();
        let urls: Vec<_> = store
            .github_holds()
            .unwrap()
            .into_iter()
            .map(|h| h.callback_url)
            .collect();
        assert_eq!(urls, ["https://x/soon", "https://x/late"]);
    }

    #[test]
    fn rescheduling_counts_reports_and_audits_in_one_go() {
        let store = SqliteStore::in_memory().unwrap();
        let (hold, _) = store.hold_github(new_hold("https://x/1")).unwrap();
        let (moved, audited) = store
            .reschedule_github_hold(hold.id, at(7000), true, entry(AuditAction::GithubReport))
            .unwrap()
            .unwrap();
        assert_eq!((moved.next_at, moved.reports), (at(7000), 1));
        assert_eq!(audited.action, AuditAction::GithubReport);
        let (moved, _) = store
            .reschedule_github_hold(
                hold.id,
                at(8000),
                false,
                entry(AuditAction::GithubCallbackFailed),
            )
            .unwrap()
            .unwrap();
        assert_eq!((moved.next_at, moved.reports), (at(8000), 1));
        assert_eq!(store.audit(None, 10).unwrap().len(), 2);
    }

    #[test]
    fn ending_a_hold_removes_it_once_with_its_entry() {
        let store = SqliteStore::in_memory().unwrap();
        let (hold, _) = store.hold_github(new_hold("https://x/1")).unwrap();
        let ended = store
            .end_github_hold(hold.id, entry(AuditAction::GithubApprove))
            .unwrap();
        assert_eq!(ended.unwrap().action, AuditAction::GithubApprove);
        assert!(store.github_holds().unwrap().is_empty());
        assert!(
            store
                .end_github_hold(hold.id, entry(AuditAction::GithubApprove))
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .reschedule_github_hold(hold.id, at(1), false, entry(AuditAction::GithubReport))
                .unwrap()
                .is_none()
        );
        assert_eq!(store.audit(None, 10).unwrap().len(), 1, "only the one end");
    }
}
