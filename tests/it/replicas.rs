//! Several `serve` replicas on one store: a change made through one reaches the
//! decisions of the others within a second (PostgreSQL's notifications), or
//! within the resync period (a SQLite file two servers share); with the
//! store down, checks go on from the last synced state and say so, writes are
//! refused, and everything comes back without a restart.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::postgres as pg;
use crate::support::server::{Server, run};
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};

/// How fast a change on one replica must reach another's decisions.
const PROPAGATION: Duration = Duration::from_secs(1);
/// How often a replica is asked while waiting for a change to reach it.
const POLL: Duration = Duration::from_millis(50);

const CHECK: &str = "/v1/check?service=web&env=prod";

/// A policy with no rules: every deploy is allowed unless a runtime freeze
/// says otherwise, whatever the time of the run.
fn open_policy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("policy.toml"),
        "[settings]\ntimezone = \"UTC\"\n",
    )
    .unwrap();
    dir
}

fn replica(policies: &Path, state: &Path, args: &[&str]) -> Server {
    Server::start(policies, state, args)
}

fn freeze_web() -> Value {
    json!({"services": ["web"], "envs": ["prod"], "for": "1h", "reason": "incident", "by": "ops"})
}

/// Asks `server` every [`POLL`] until its check of web/prod says `allowed` is
/// `want`, for at most `within` from `since`; the last decision.
fn check_turns(server: &Server, want: bool, since: Instant, within: Duration, what: &str) -> Value {
    loop {
        let decision = server.get_json(CHECK);
        if decision["allowed"] == json!(want) {
            return decision;
        }
        assert!(
            since.elapsed() < within,
            "{what}: the check did not turn to allowed={want} within {within:?}: {decision}"
        );
        std::thread::sleep(POLL);
    }
}

/// Polls `server`'s `path` until `done` holds, for at most `within`.
fn until(
    server: &Server,
    path: &str,
    within: Duration,
    done: impl Fn(u16, &Value) -> bool,
) -> Value {
    let since = Instant::now();
    loop {
        let (status, text) = server.get(path);
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if done(status, &body) {
            return body;
        }
        assert!(
            since.elapsed() < within,
            "GET {path} never reached the expected state within {within:?}: {status} {body}"
        );
        std::thread::sleep(POLL);
    }
}

/// Waits until `server` has read the store once since it started listening for
/// changes (its first sync): from then on, another replica's write reaches it
/// by notification only.
fn wait_listening(server: &Server) {
    let since = Instant::now();
    loop {
        let text = server.get("/metrics").1;
        let synced = text
            .lines()
            .filter_map(|l| l.strip_prefix("shipwindow_store_syncs_total{outcome=\"ok\"} "))
            .any(|n| n != "0");
        if synced {
            return;
        }
        assert!(
            since.elapsed() < Duration::from_secs(10),
            "the replica never synced after starting to listen:\n{text}"
        );
        std::thread::sleep(POLL);
    }
}

fn stale(decision: &Value) -> Vec<String> {
    decision["stale"]
        .as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

#[test]
fn a_freeze_made_on_one_replica_blocks_the_other_within_a_second_and_a_lift_frees_it() {
    let Some(db) = pg::database() else { return };
    let policies = open_policy();
    let (state_a, state_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // A resync period far beyond the bound: only the notifications can meet it.
    let args = ["--store", db.url.as_str(), "--store-resync", "1h"];
    let a = replica(policies.path(), state_a.path(), &args);
    let b = replica(policies.path(), state_b.path(), &args);
    wait_listening(&a);
    wait_listening(&b);
    assert_eq!(b.get_json(CHECK)["allowed"], json!(true));
    assert_eq!(a.get_json(CHECK)["allowed"], json!(true));

    let (status, created) = a.send_json("POST", "/v1/freezes", &freeze_web());
    assert_eq!(status, 201, "{created}");
    let acknowledged = Instant::now();
    let denied = check_turns(
        &b,
        false,
        acknowledged,
        PROPAGATION,
        "freeze on A, check on B",
    );
    let rule = format!("runtime:{}", created["id"].as_str().unwrap());
    assert_eq!(denied["blocked_by"][0]["rule"], json!(rule), "{denied}");
    assert!(stale(&denied).is_empty(), "B is current: {denied}");

    let id = created["id"].as_str().unwrap();
    let (status, lifted) = b.send_json("DELETE", &format!("/v1/freezes/{id}?by=ops"), &json!(null));
    assert_eq!(status, 200, "{lifted}");
    let acknowledged = Instant::now();
    check_turns(&a, true, acknowledged, PROPAGATION, "lift on B, check on A");

    let metrics = a.get("/metrics").1;
    assert!(
        metrics.lines().any(
            |l| l.starts_with("shipwindow_store_syncs_total{outcome=\"ok\"} ")
                && !l.ends_with(" 0")
        ),
        "A read the store when B's lift was announced:\n{metrics}"
    );
}

/// Makes a write on replica A, kills A with SIGKILL as soon as it is
/// acknowledged, and waits for B's check of web/prod to be blocked by it.
fn killed_after_write(policies: &Path, path: &str, body: &Value, rule_prefix: &str) {
    let Some(db) = pg::database() else { return };
    let (state_a, state_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let args = ["--store", db.url.as_str(), "--store-resync", "1h"];
    let mut a = replica(policies, state_a.path(), &args);
    let b = replica(policies, state_b.path(), &args);
    wait_listening(&b);
    assert_eq!(b.get_json(CHECK)["allowed"], json!(true));

    let (status, created) = a.send_json("POST", path, body);
    assert_eq!(status, 201, "{created}");
    let acknowledged = Instant::now();
    a.child.kill().unwrap(); // SIGKILL: nothing of A runs after the answer
    a.child.wait().unwrap();

    let denied = check_turns(
        &b,
        false,
        acknowledged,
        PROPAGATION,
        &format!("POST {path} on A, then A killed"),
    );
    let rule = format!("{rule_prefix}{}", created["id"].as_str().unwrap());
    assert_eq!(denied["blocked_by"][0]["rule"], json!(rule), "{denied}");
}

#[test]
fn a_freeze_acknowledged_just_before_its_replica_is_killed_reaches_the_other() {
    let policies = open_policy();
    killed_after_write(policies.path(), "/v1/freezes", &freeze_web(), "runtime:");
}

#[test]
fn a_reservation_acknowledged_just_before_its_replica_is_killed_reaches_the_other() {
    let policies = open_policy();
    let lane = "\n[[lane]]\nname = \"shop\"\nservices = [\"web\", \"api\"]\nenvs = [\"prod\"]\n";
    let path = policies.path().join("policy.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{text}{lane}")).unwrap();
    // api books the lane from now: web's deploy now overlaps it.
    let slot = json!({"service": "api", "env": "prod", "duration": "30m", "monitoring": "30m", "by": "alice"});
    killed_after_write(policies.path(), "/v1/reservations", &slot, "reservation:");
}

#[test]
fn with_postgres_stopped_checks_answer_stale_and_writes_503_until_it_is_back_without_a_restart() {
    let Some(server) = pg::own() else { return };
    let server = std::sync::Arc::new(server);
    let db = server.create_database();
    let policies = open_policy();
    let state = tempfile::tempdir().unwrap();
    let a = replica(
        policies.path(),
        state.path(),
        &["--store", db.url.as_str(), "--store-resync", "1h"],
    );
    let (status, created) = a.send_json("POST", "/v1/freezes", &freeze_web());
    assert_eq!(status, 201, "{created}");
    let fresh = a.get_json(CHECK);
    assert_eq!(fresh["allowed"], json!(false));
    assert!(stale(&fresh).is_empty(), "{fresh}");
    assert_eq!(a.get_json("/healthz")["status"], "ok");

    server.stop();
    // The lost notification connection says so at once; a generous guard.
    let decision = until(&a, CHECK, Duration::from_secs(10), |status, d| {
        status == 200 && stale(d).contains(&"store".to_string())
    });
    assert_eq!(
        decision["allowed"],
        json!(false),
        "the last synced state still blocks: {decision}"
    );
    assert_eq!(stale(&decision), ["store"], "{decision}");
    let (status, refused) = a.send_json("POST", "/v1/freezes", &freeze_web());
    assert_eq!(status, 503, "{refused}");
    let health = a.get_json("/healthz");
    assert_eq!(health["status"], "degraded", "{health}");
    assert!(health["sync_error"].as_str().is_some(), "{health}");
    assert!(
        health["stale"]
            .as_array()
            .unwrap()
            .contains(&json!("store")),
        "{health}"
    );
    let metrics = a.get("/metrics").1;
    assert!(
        metrics.lines().any(|l| l == "shipwindow_degraded 1"),
        "{metrics}"
    );

    server.start_again();
    // Back without restarting `serve`: the stale mark goes at the next sync
    // (the notification connection reconnects, then the store is read).
    let decision = until(&a, CHECK, Duration::from_secs(15), |status, d| {
        status == 200 && stale(d).is_empty()
    });
    assert_eq!(decision["allowed"], json!(false), "{decision}");
    let write =
        json!({"services": ["api"], "envs": ["prod"], "for": "1h", "reason": "after", "by": "ops"});
    let (status, body) = a.send_json("POST", "/v1/freezes", &write);
    assert_eq!(status, 201, "writes work again: {body}");
    let health = a.get_json("/healthz");
    assert_eq!(health["status"], "ok", "{health}");
    assert!(health.get("sync_error").is_none(), "{health}");
    let metrics = a.get("/metrics").1;
    assert!(
        metrics.lines().any(|l| l == "shipwindow_degraded 0"),
        "{metrics}"
    );
}

#[test]
fn two_servers_on_one_sqlite_file_see_each_others_freezes_by_the_periodic_resync() {
    let policies = open_policy();
    let state = tempfile::tempdir().unwrap();
    // SQLite tells nobody of a write: only the resync brings it to the other.
    let args = ["--store-resync", "1s"];
    let a = replica(policies.path(), state.path(), &args);
    let b = replica(policies.path(), state.path(), &args);
    assert_eq!(b.get_json(CHECK)["allowed"], json!(true));

    let (status, created) = a.send_json("POST", "/v1/freezes", &freeze_web());
    assert_eq!(status, 201, "{created}");
    // One period, plus a generous margin for a loaded machine.
    let decision = check_turns(
        &b,
        false,
        Instant::now(),
        Duration::from_secs(10),
        "freeze on A, SQLite, resync 1s",
    );
    assert!(stale(&decision).is_empty(), "{decision}");
    let id = created["id"].as_str().unwrap();
    let (status, _) = b.send_json("DELETE", &format!("/v1/freezes/{id}?by=ops"), &json!(null));
    assert_eq!(status, 200);
    check_turns(
        &a,
        true,
        Instant::now(),
        Duration::from_secs(10),
        "lift on B, SQLite",
    );
}

#[test]
fn serve_with_the_store_down_at_start_exits_2_and_never_serves() {
    let policies = open_policy();
    let state = tempfile::tempdir().unwrap();
    // Port 1 on loopback: nothing listens, refused at once.
    let out = run(&[
        "--policies",
        policies.path().to_str().unwrap(),
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--state-dir",
        state.path().to_str().unwrap(),
        "--store",
        "postgres://ship@127.0.0.1:1/shipwindow",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--store") && err.contains("127.0.0.1:1"),
        "{err}"
    );
    assert!(!err.contains(" on http://"), "it never served: {err}");
}

#[test]
fn store_resync_out_of_range_or_malformed_is_a_usage_error_naming_the_bounds() {
    let policies = open_policy();
    for bad in ["0s", "2d", "soon"] {
        let out = run(&[
            "--policies",
            policies.path().to_str().unwrap(),
            "serve",
            "--store-resync",
            bad,
        ]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("--store-resync"), "{bad}: {err}");
    }
    let out = run(&[
        "--policies",
        policies.path().to_str().unwrap(),
        "serve",
        "--store-resync",
        "0s",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("give 1s to 1d"), "{err}");
}

/// The next event of `feed`, within a hang guard (not a timing).
async fn next(feed: &mut shipwindow::store::ChangeFeed) -> Option<shipwindow::store::StoreEvent> {
    tokio::time::timeout(Duration::from_secs(10), feed.next())
        .await
        .expect("an event within the hang guard")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_freeze_create_and_lift_is_announced_at_commit_and_a_refused_write_is_not() {
    use shipwindow::store::{NewFreeze, Store, StoreEvent};
    let Some(db) = pg::database() else { return };
    let url = db.url.clone();
    let (listener, writer) = tokio::task::spawn_blocking(move || {
        (Store::connect(&url).unwrap(), Store::connect(&url).unwrap())
    })
    .await
    .unwrap();
    let mut feed = listener.changes().expect("PostgreSQL has a change feed");
    assert_eq!(next(&mut feed).await, Some(StoreEvent::Listening));

    let now = chrono::Utc::now();
    let new = NewFreeze {
        services: vec!["web".into()],
        envs: vec!["prod".into()],
        start: now,
        until: now + chrono::TimeDelta::hours(1),
        reason: "incident".into(),
        created_by: "ops".into(),
    };
    let name = db.url.rsplit('/').next().unwrap().to_string();
    let server = std::sync::Arc::clone(&db.server);
    tokio::task::spawn_blocking(move || {
        let (freeze, _) = writer.create_freeze(new.clone(), now, 10).unwrap();
        // Refused (at most one unexpired): rolled back, so never announced.
        assert!(writer.create_freeze(new, now, 1).is_err());
        // The audit log changes no decision: an append is not announced.
        writer
            .append(shipwindow::store::NewAuditEntry {
                at: now,
                action: shipwindow::store::AuditAction::Reload,
                actor: "sighup".into(),
                detail: json!({}),
            })
            .unwrap();
        writer.lift_freeze(&freeze.id, "ops", now).unwrap();
        // Delivered in commit order: whatever was announced comes before this.
        server.sql_in(&name, "NOTIFY shipwindow_state, 'marker'");
    })
    .await
    .unwrap();
    let changed = |table: &str| Some(StoreEvent::Changed(table.into()));
    assert_eq!(next(&mut feed).await, changed("freezes"), "the create");
    assert_eq!(next(&mut feed).await, changed("freezes"), "the lift");
    assert_eq!(next(&mut feed).await, changed("marker"), "nothing else");
    drop(listener);
}
