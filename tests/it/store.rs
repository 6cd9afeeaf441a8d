//! The store interface, the same tests against both stores: the embedded
//! SQLite one and PostgreSQL (a real server from `support::postgres`). Runtime
//! freezes, the audit log, GitHub holds, schema migrations, and what happens
//! when PostgreSQL goes away (an unavailable store, answered 503 while checks
//! go on).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::postgres as pg;
use chrono::{DateTime, Utc};
use serde_json::json;
use shipwindow::store::{
    AuditAction, GithubHold, NewAuditEntry, NewFreeze, NewGithubHold, NewReservation, Store,
    StoreError,
};

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap()
}

const T0: i64 = 1_800_000_000;

fn freeze(start: i64, until: i64, who: &str) -> NewFreeze {
    NewFreeze {
        services: vec!["web".into(), "!web-canary".into()],
        envs: vec!["prod*".into()],
        start: at(start),
        until: at(until),
        reason: format!("incident by {who}"),
        created_by: who.into(),
    }
}

fn entry(secs: i64, action: AuditAction, actor: &str) -> NewAuditEntry {
    NewAuditEntry {
        at: at(secs),
        action,
        actor: actor.into(),
        detail: json!({ "actor": actor, "nested": [1, {"x": null}] }),
    }
}

fn hold(url: &str, next_at: i64) -> NewGithubHold {
    NewGithubHold {
        callback_url: url.into(),
        installation_id: 42,
        repository: "acme/web".into(),
        environment: "production".into(),
        event: "push".into(),
        sha: Some("abc123".into()),
        git_ref: None,
        sender: Some("octocat".into()),
        received_at: at(T0),
        deadline: at(T0 + 86_400),
        next_at: at(next_at),
    }
}

/// Generates each case twice: `sqlite::<case>` on an in-memory SQLite store
/// and `postgres::<case>` on a fresh PostgreSQL database.
macro_rules! both_stores {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $case() {
                    super::$case(&shipwindow::store::Store::in_memory().unwrap());
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $case() {
                    let Some(db) = crate::support::postgres::database() else { return };
                    super::$case(&shipwindow::store::Store::connect(&db.url).unwrap());
                }
            )*
        }
    };
}

both_stores!(
    a_freeze_is_created_with_its_entry_and_found_by_id,
    unexpired_freezes_are_ordered_and_exclude_lifted_and_ended_ones,
    the_cap_counts_only_unexpired_freezes,
    lifting_refuses_unknown_lifted_and_expired_freezes,
    an_empty_freeze_is_refused_and_writes_nothing,
    the_audit_log_reads_latest_since_and_limit,
    a_github_hold_is_kept_once_rescheduled_and_ended,
    creates_at_once_cannot_both_take_the_last_place,
    a_reservation_is_booked_with_its_entry_and_found_by_id,
    an_overlap_in_the_lane_is_refused_naming_the_holder,
    released_and_expired_slots_no_longer_block_and_are_not_listed,
    releasing_refuses_unknown_released_and_expired_slots,
    slots_out_of_order_or_over_are_refused,
    bookings_at_once_never_overlap_in_a_lane,
);

fn slot(
    lane: &str,
    service: &str,
    start: i64,
    deploy_end: i64,
    end: i64,
    by: &str,
) -> NewReservation {
    NewReservation {
        service: service.into(),
        env: "prod".into(),
        lane: lane.into(),
        start: at(start),
        deploy_end: at(deploy_end),
        monitoring_end: at(end),
        by: by.into(),
    }
}

fn a_reservation_is_booked_with_its_entry_and_found_by_id(store: &Store) {
    let (r, e) = store
        .reserve(
            slot("db", "api", T0 + 60, T0 + 600, T0 + 1200, "alice"),
            at(T0),
        )
        .unwrap();
    assert_eq!(
        (r.lane.as_str(), r.service.as_str(), r.by.as_str()),
        ("db", "api", "alice")
    );
    assert_eq!(
        (r.start, r.deploy_end, r.monitoring_end),
        (at(T0 + 60), at(T0 + 600), at(T0 + 1200))
    );
    assert_eq!(r.created_at, at(T0));
    assert_eq!(e.action, AuditAction::ReservationCreate);
    assert_eq!(e.actor, "alice");
    assert_eq!(e.detail["id"], json!(r.id));
    assert_eq!(e.detail["lane"], json!("db"));
    assert_eq!(store.reservation(&r.id).unwrap(), Some(r.clone()));
    assert_eq!(store.reservation(&format!("0{}", r.id)).unwrap(), None);
    assert_eq!(
        store.unexpired_reservations(at(T0), None, None).unwrap(),
        std::slice::from_ref(&r)
    );
    assert_eq!(
        store
            .unexpired_reservations(at(T0), Some("api"), Some("prod"))
            .unwrap(),
        [r]
    );
    assert!(
        store
            .unexpired_reservations(at(T0), Some("web"), None)
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .unexpired_reservations(at(T0), None, Some("staging"))
            .unwrap()
            .is_empty()
    );
}

fn an_overlap_in_the_lane_is_refused_naming_the_holder(store: &Store) {
    let (first, _) = store
        .reserve(slot("db", "api", T0, T0 + 600, T0 + 1200, "alice"), at(T0))
        .unwrap();
    // Overlapping by one second, in the same lane: refused with the holder.
    let err = store
        .reserve(
            slot("db", "ledger", T0 + 1199, T0 + 1300, T0 + 1400, "bob"),
            at(T0),
        )
        .unwrap_err();
    match &err {
        StoreError::ReservationOverlap { holder } => assert_eq!(**holder, first),
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("by alice"), "{err}");
    // Touching is not overlapping; another lane is free.
    store
        .reserve(
            slot("db", "ledger", T0 + 1200, T0 + 1300, T0 + 1400, "bob"),
            at(T0),
        )
        .unwrap();
    store
        .reserve(
            slot("cache", "web", T0, T0 + 600, T0 + 1200, "carol"),
            at(T0),
        )
        .unwrap();
    assert_eq!(
        store
            .unexpired_reservations(at(T0), None, None)
            .unwrap()
            .len(),
        3
    );
    let creates = store
        .audit(None, 10)
        .unwrap()
        .iter()
        .filter(|e| e.action == AuditAction::ReservationCreate)
        .count();
    assert_eq!(creates, 3, "a refusal writes nothing");
}

fn released_and_expired_slots_no_longer_block_and_are_not_listed(store: &Store) {
    let (r, _) = store
        .reserve(slot("db", "api", T0, T0 + 600, T0 + 1200, "alice"), at(T0))
        .unwrap();
    let (released, e) = store.release(&r.id, "alice", at(T0 + 10)).unwrap();
    assert_eq!(released.released_at, Some(at(T0 + 10)));
    assert_eq!(released.released_by.as_deref(), Some("alice"));
    assert_eq!(
        (e.action, e.actor.as_str()),
        (AuditAction::ReservationRelease, "alice")
    );
    assert!(
        store
            .unexpired_reservations(at(T0 + 10), None, None)
            .unwrap()
            .is_empty()
    );
    let (second, _) = store
        .reserve(
            slot("db", "ledger", T0 + 10, T0 + 600, T0 + 1200, "bob"),
            at(T0 + 10),
        )
        .unwrap();
    // At its monitoring end it expires: no longer listed, and no longer in the way
    // of a slot that starts then, nor of one booked later over its old range.
    assert!(
        store
            .unexpired_reservations(at(T0 + 1200), None, None)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .unexpired_reservations(at(T0 + 1199), None, None)
            .unwrap(),
        [second]
    );
    store
        .reserve(
            slot("db", "api", T0 + 1200, T0 + 1800, T0 + 2400, "carol"),
            at(T0 + 1200),
        )
        .unwrap();
}

fn releasing_refuses_unknown_released_and_expired_slots(store: &Store) {
    assert!(matches!(
        store.release("999", "x", at(T0)),
        Err(StoreError::ReservationNotFound(id)) if id == "999"
    ));
    let (r, _) = store
        .reserve(slot("db", "api", T0, T0 + 600, T0 + 1200, "alice"), at(T0))
        .unwrap();
    assert!(matches!(
        store.release(&r.id, "x", at(T0 + 1200)),
        Err(StoreError::ReservationNotActive(_))
    ));
    store.release(&r.id, "alice", at(T0 + 5)).unwrap();
    assert!(matches!(
        store.release(&r.id, "alice", at(T0 + 6)),
        Err(StoreError::ReservationNotActive(_))
    ));
}

fn slots_out_of_order_or_over_are_refused(store: &Store) {
    for bad in [
        slot("db", "api", T0, T0, T0 + 60, "a"),
        slot("db", "api", T0, T0 + 60, T0 + 30, "a"),
        slot("db", "api", T0 - 120, T0 - 60, T0, "a"),
    ] {
        assert!(
            matches!(
                store.reserve(bad.clone(), at(T0)),
                Err(StoreError::ReservationTimes { .. })
            ),
            "{bad:?}"
        );
    }
    assert!(store.audit(None, 10).unwrap().is_empty());
}

fn bookings_at_once_never_overlap_in_a_lane(store: &Store) {
    let outcomes = std::thread::scope(|scope| {
        let tries: Vec<_> = (0..8i64)
            .map(|n| {
                scope.spawn(move || {
                    let start = T0 + n * 300;
                    store.reserve(
                        slot(
                            "db",
                            "api",
                            start,
                            start + 300,
                            start + 900,
                            &format!("u{n}"),
                        ),
                        at(T0),
                    )
                })
            })
            .collect();
        tries
            .into_iter()
            .map(|t| t.join().unwrap())
            .collect::<Vec<_>>()
    });
    let mut won = Vec::new();
    for outcome in outcomes {
        match outcome {
            Ok((r, _)) => won.push(r),
            Err(StoreError::ReservationOverlap { holder }) => {
                assert!(
                    store.reservation(&holder.id).unwrap().is_some(),
                    "a real holder"
                )
            }
            Err(other) => panic!("{other:?}"),
        }
    }
    assert!(!won.is_empty());
    for (i, a) in won.iter().enumerate() {
        for b in &won[i + 1..] {
            assert!(
                !a.overlaps(b.start, b.monitoring_end),
                "{a:?} overlaps {b:?}"
            );
        }
    }
    assert_eq!(
        store
            .unexpired_reservations(at(T0), None, None)
            .unwrap()
            .len(),
        won.len()
    );
}

fn a_freeze_is_created_with_its_entry_and_found_by_id(store: &Store) {
    let now = at(T0)
        .checked_add_signed(chrono::TimeDelta::milliseconds(700))
        .unwrap();
    let (created, audited) = store
        .create_freeze(freeze(T0 + 60, T0 + 3600, "alice"), now, 10)
        .unwrap();
    assert_eq!(created.created_at, at(T0), "stored to the second");
    assert_eq!(created.services, ["web", "!web-canary"]);
    assert_eq!(audited.action, AuditAction::FreezeCreate);
    assert_eq!(audited.actor, "alice");
    assert_eq!(audited.detail["id"], json!(created.id));
    assert_eq!(store.freeze(&created.id).unwrap(), Some(created.clone()));
    assert_eq!(store.freeze("999999").unwrap(), None);
    assert_eq!(
        store.freeze(&format!("0{}", created.id)).unwrap(),
        None,
        "only the canonical id"
    );
    assert_eq!(store.freeze("not-a-number").unwrap(), None);
    let (second, _) = store
        .create_freeze(freeze(T0, T0 + 60, "bob"), at(T0), 10)
        .unwrap();
    assert_ne!(second.id, created.id);
    assert_eq!(store.audit(None, 10).unwrap().len(), 2);
}

fn unexpired_freezes_are_ordered_and_exclude_lifted_and_ended_ones(store: &Store) {
    let (later, _) = store
        .create_freeze(freeze(T0 + 500, T0 + 900, "a"), at(T0), 10)
        .unwrap();
    let (sooner, _) = store
        .create_freeze(freeze(T0, T0 + 100, "b"), at(T0), 10)
        .unwrap();
    let (lifted, _) = store
        .create_freeze(freeze(T0, T0 + 900, "c"), at(T0), 10)
        .unwrap();
    store.lift_freeze(&lifted.id, "ops", at(T0 + 1)).unwrap();
    let ids = |now: i64| -> Vec<String> {
        store
            .unexpired_freezes(at(now))
            .unwrap()
            .into_iter()
            .map(|f| f.id)
            .collect()
    };
    assert_eq!(ids(T0 + 1), [sooner.id.clone(), later.id.clone()]);
    assert_eq!(ids(T0 + 100), [later.id], "`until` is exclusive");
    assert!(ids(T0 + 900).is_empty());
}

fn the_cap_counts_only_unexpired_freezes(store: &Store) {
    store
        .create_freeze(freeze(T0, T0 + 60, "a"), at(T0), 2)
        .unwrap();
    let (second, _) = store
        .create_freeze(freeze(T0, T0 + 600, "b"), at(T0), 2)
        .unwrap();
    let err = store
        .create_freeze(freeze(T0, T0 + 600, "c"), at(T0), 2)
        .unwrap_err();
    assert!(
        matches!(err, StoreError::TooManyFreezes { limit: 2 }),
        "{err:?}"
    );
    // One ends, one is lifted: places free up.
    store
        .create_freeze(freeze(T0, T0 + 600, "d"), at(T0 + 60), 2)
        .unwrap();
    store.lift_freeze(&second.id, "ops", at(T0 + 61)).unwrap();
    store
        .create_freeze(freeze(T0, T0 + 600, "e"), at(T0 + 62), 2)
        .unwrap();
    let creates = store
        .audit(None, 100)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == AuditAction::FreezeCreate)
        .count();
    assert_eq!(creates, 4, "the refused create wrote nothing");
}

fn lifting_refuses_unknown_lifted_and_expired_freezes(store: &Store) {
    let (f, _) = store
        .create_freeze(freeze(T0, T0 + 60, "a"), at(T0), 10)
        .unwrap();
    let err = store.lift_freeze("424242", "ops", at(T0)).unwrap_err();
    assert!(
        matches!(err, StoreError::FreezeNotFound(ref id) if id == "424242"),
        "{err:?}"
    );
    let (lifted, entry) = store.lift_freeze(&f.id, "ops", at(T0 + 10)).unwrap();
    assert_eq!(lifted.lifted_at, Some(at(T0 + 10)));
    assert_eq!(lifted.lifted_by.as_deref(), Some("ops"));
    assert_eq!(
        (entry.action, entry.actor.as_str()),
        (AuditAction::FreezeLift, "ops")
    );
    let again = store.lift_freeze(&f.id, "ops", at(T0 + 11)).unwrap_err();
    assert!(matches!(again, StoreError::FreezeNotActive(_)), "{again:?}");
    let (ended, _) = store
        .create_freeze(freeze(T0, T0 + 60, "b"), at(T0), 10)
        .unwrap();
    let late = store
        .lift_freeze(&ended.id, "ops", at(T0 + 60))
        .unwrap_err();
    assert!(matches!(late, StoreError::FreezeNotActive(_)), "{late:?}");
    assert_eq!(
        store.freeze(&f.id).unwrap().unwrap().lifted_by.as_deref(),
        Some("ops")
    );
}

fn an_empty_freeze_is_refused_and_writes_nothing(store: &Store) {
    let err = store
        .create_freeze(freeze(T0, T0, "a"), at(T0), 10)
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidRange { .. }), "{err:?}");
    assert!(store.audit(None, 10).unwrap().is_empty());
}

fn the_audit_log_reads_latest_since_and_limit(store: &Store) {
    let actions = [
        AuditAction::Override,
        AuditAction::Slack,
        AuditAction::Reload,
    ];
    for (n, action) in actions.into_iter().enumerate() {
        let n = i64::try_from(n).unwrap();
        let stored = store
            .append(entry(T0 + 10 * n, action, &format!("u{n}")))
            .unwrap();
        assert_eq!(stored.action, action);
    }
    let all = store.audit(None, 10).unwrap();
    assert_eq!(
        all.iter().map(|e| e.actor.as_str()).collect::<Vec<_>>(),
        ["u0", "u1", "u2"]
    );
    assert!(all.windows(2).all(|w| w[0].id < w[1].id), "ids increase");
    assert_eq!(
        all[0].detail,
        json!({ "actor": "u0", "nested": [1, {"x": null}] })
    );
    let latest = store.audit(None, 2).unwrap();
    assert_eq!(
        latest.iter().map(|e| e.actor.as_str()).collect::<Vec<_>>(),
        ["u1", "u2"]
    );
    let since = store.audit(Some(at(T0 + 10)), 10).unwrap();
    assert_eq!(
        since.iter().map(|e| e.actor.as_str()).collect::<Vec<_>>(),
        ["u1", "u2"]
    );
    // A `since` between seconds starts at the next whole second.
    let between = at(T0 + 9)
        .checked_add_signed(chrono::TimeDelta::milliseconds(1))
        .unwrap();
    assert_eq!(store.audit(Some(between), 10).unwrap().len(), 2);
    let page = store.audit(Some(at(T0)), 1).unwrap();
    assert_eq!(page[0].actor, "u0", "with `since`, the first entries");
}

fn a_github_hold_is_kept_once_rescheduled_and_ended(store: &Store) {
    let (first, new) = store.hold_github(hold("https://gh/cb/1", T0 + 50)).unwrap();
    assert!(new);
    let (again, new) = store
        .hold_github(hold("https://gh/cb/1", T0 + 999))
        .unwrap();
    assert!(!new, "a webhook delivered again keeps the first hold");
    assert_eq!(again, first);
    store.hold_github(hold("https://gh/cb/2", T0 + 10)).unwrap();
    let urls = |holds: Vec<GithubHold>| -> Vec<String> {
        holds.into_iter().map(|h| h.callback_url).collect()
    };
    assert_eq!(
        urls(store.github_holds().unwrap()),
        ["https://gh/cb/2", "https://gh/cb/1"]
    );

    let (moved, audited) = store
        .reschedule_github_hold(
            first.id,
            at(T0 + 5),
            true,
            entry(T0, AuditAction::GithubReport, "github"),
        )
        .unwrap()
        .unwrap();
    assert_eq!((moved.next_at, moved.reports), (at(T0 + 5), 1));
    assert_eq!(audited.action, AuditAction::GithubReport);
    assert_eq!(
        urls(store.github_holds().unwrap()),
        ["https://gh/cb/1", "https://gh/cb/2"]
    );

    let ended = store
        .end_github_hold(first.id, entry(T0, AuditAction::GithubApprove, "github"))
        .unwrap();
    assert_eq!(ended.unwrap().action, AuditAction::GithubApprove);
    assert!(
        store
            .end_github_hold(first.id, entry(T0, AuditAction::GithubApprove, "github"))
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .reschedule_github_hold(
                first.id,
                at(T0),
                false,
                entry(T0, AuditAction::GithubReport, "github")
            )
            .unwrap()
            .is_none()
    );
    assert_eq!(urls(store.github_holds().unwrap()), ["https://gh/cb/2"]);
    assert_eq!(
        store.audit(None, 10).unwrap().len(),
        2,
        "one report, one end"
    );
}

fn creates_at_once_cannot_both_take_the_last_place(store: &Store) {
    let created = std::thread::scope(|scope| {
        let creates: Vec<_> = (0..6)
            .map(|n| {
                scope.spawn(move || {
                    store.create_freeze(freeze(T0, T0 + 600, &format!("u{n}")), at(T0), 1)
                })
            })
            .collect();
        creates
            .into_iter()
            .map(|c| c.join().unwrap())
            .filter(|outcome| match outcome {
                Ok(_) => true,
                Err(StoreError::TooManyFreezes { limit: 1 }) => false,
                Err(other) => panic!("{other:?}"),
            })
            .count()
    });
    assert_eq!(created, 1);
    assert_eq!(store.unexpired_freezes(at(T0)).unwrap().len(), 1);
}

#[test]
fn postgres_migrations_run_once_when_replicas_start_together() {
    let Some(db) = pg::database() else { return };
    let starts: Vec<_> = (0..4)
        .map(|_| {
            let url = db.url.clone();
            std::thread::spawn(move || Store::connect(&url).map(|_| ()))
        })
        .collect();
    for start in starts {
        start.join().unwrap().unwrap();
    }
    let name = db.url.rsplit('/').next().unwrap();
    let versions = db
        .server
        .sql_in(name, "SELECT version FROM shipwindow_schema");
    assert_eq!(
        versions.trim(),
        "3",
        "one row, at the embedded store's version"
    );
    let tables = db.server.sql_in(
        name,
        "SELECT count(*) FROM pg_tables WHERE tablename IN ('audit', 'freezes', 'github_holds')",
    );
    assert_eq!(tables.trim(), "3");
    let slots = db.server.sql_in(
        name,
        "SELECT count(*) FROM pg_constraint WHERE contype = 'x' AND conrelid = 'reservations'::regclass",
    );
    assert_eq!(
        slots.trim(),
        "1",
        "the exclusion constraint keeps a lane's slots apart"
    );
    let store = Store::connect(&db.url).unwrap();
    store
        .append(entry(T0, AuditAction::Reload, "sighup"))
        .unwrap();
    drop(store);
    let store = Store::connect(&db.url).unwrap();
    assert_eq!(
        store.audit(None, 10).unwrap().len(),
        1,
        "reconnecting keeps the data"
    );
}

#[test]
fn a_stopped_postgres_is_an_unavailable_store_not_a_failed_statement() {
    let Some(server) = pg::own() else { return };
    let server = std::sync::Arc::new(server);
    let db = server.create_database();
    let store = Store::connect(&db.url).unwrap();
    store
        .append(entry(T0, AuditAction::Reload, "sighup"))
        .unwrap();
    server.stop();
    let err = store
        .append(entry(T0, AuditAction::Reload, "sighup"))
        .unwrap_err();
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err:?}");
    let err = store.unexpired_freezes(at(T0)).unwrap_err();
    assert!(
        matches!(err, StoreError::Unavailable { .. }),
        "a new connection is refused too: {err:?}"
    );
    assert!(!err.to_string().contains("password"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_postgres_down_writes_answer_503_while_checks_still_answer() {
    use crate::support::server::{bundled, call_json};
    use axum::http::StatusCode;
    use shipwindow::PolicySet;
    use shipwindow::server::{AppState, Tokens, app};

    let Some(server) = pg::own() else { return };
    let server = std::sync::Arc::new(server);
    let db = server.create_database();
    let policy = PolicySet::load(&bundled()).unwrap();
    let state = AppState::new(policy, Store::connect(&db.url).unwrap()).unwrap();
    let router = app(std::sync::Arc::new(state), Tokens::default());
    let freeze = json!({"services": ["web"], "envs": ["prod"], "for": "1h", "reason": "incident"});
    let (status, body) = call_json(&router, "POST", "/v1/freezes", Some(freeze.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    server.stop();
    let (status, body) = call_json(&router, "POST", "/v1/freezes", Some(freeze)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("unavailable"),
        "{body}"
    );
    let (status, body) = call_json(&router, "GET", "/v1/check?service=web&env=prod", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["allowed"],
        json!(false),
        "the freeze made before still blocks: {body}"
    );
    let (_, health) = call_json(&router, "GET", "/healthz", None).await;
    assert!(
        health["store_error"]
            .as_str()
            .unwrap_or_default()
            .contains("unavailable"),
        "{health}"
    );
}

#[test]
fn two_servers_on_one_postgres_database_share_the_runtime_freezes_and_the_audit_log() {
    use crate::support::server::{Server, bundled, run};

    let Some(db) = pg::database() else { return };
    let (state_a, state_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let args = ["--store", db.url.as_str()];
    let a = Server::start(&bundled(), state_a.path(), &args);
    assert!(
        a.startup.contains(&format!("store {}", db.url)),
        "{}",
        a.startup
    );
    let b = Server::start_with_env(
        &bundled(),
        state_b.path(),
        &[],
        &[("SHIPWINDOW_STORE", &db.url)],
    );

    let freeze = json!({"services": ["web"], "envs": ["prod"], "for": "1h", "reason": "incident"});
    let (status, created) = a.send_json("POST", "/v1/freezes", &freeze);
    assert_eq!(status, 201, "{created}");
    let listed = b.get_json("/v1/freezes");
    let ids: Vec<_> = listed["freezes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].clone())
        .collect();
    assert_eq!(
        ids,
        [created["id"].clone()],
        "B reads what A wrote: {listed}"
    );
    assert!(
        !state_a.path().join(shipwindow::store::DB_FILE).exists(),
        "no SQLite file when the store is PostgreSQL"
    );

    let out = run(&["audit", "--store", &db.url, "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("freeze.create"), "{text}");
    a.stop();
    b.stop();
}

#[test]
fn serve_with_a_store_url_that_is_not_postgres_exits_2_saying_what_is_expected() {
    use crate::support::server::{bundled, run};
    let policies = bundled();
    let out = run(&[
        "--policies",
        policies.to_str().unwrap(),
        "serve",
        "--store",
        "mysql://u:hunter2@db/x",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--store") && err.contains("postgres://"),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "no password in messages: {err}");
}
