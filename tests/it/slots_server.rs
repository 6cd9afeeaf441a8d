//! Slots over HTTP and between replicas: `POST/GET/DELETE /v1/reservations`,
//! the checks that see them at once (and let their holder through), expiry at
//! the monitoring end on the server's clock; and two `serve` replicas on one
//! store with sixteen clients racing for one lane — never two overlapping slots,
//! every refusal naming a winner — on SQLite and on PostgreSQL.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::server::call_json as call;
use crate::support::server::{Server, run};
use axum::http::StatusCode;
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde_json::{Value, json};
use shipwindow::PolicySet;
use shipwindow::clock::ManualClock;
use shipwindow::server::{AppState, Tokens, app};
use shipwindow::store::Store;
use std::path::Path;
use std::sync::Arc;

/// Evenings open, one lane for the payments database, one for the cache.
const POLICY: &str = "[settings]\ntimezone = \"Asia/Seoul\"\ndeploy_duration = \"30m\"\nmonitoring = \"30m\"\n\n\
    [[window]]\nname = \"evenings\"\ndays = [\"mon-sun\"]\nstart = \"18:00\"\nend = \"23:00\"\n\n\
    [[lane]]\nname = \"payments-db\"\nservices = [\"payments-*\", \"ledger\"]\nenvs = [\"prod\"]\n\n\
    [[lane]]\nname = \"cache\"\nservices = [\"cache-*\"]\nenvs = [\"prod\"]\n";

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn q(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A router on POLICY with an in-memory store, its clock at 17:00 KST on 7 December 2026.
fn router() -> (axum::Router, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(t("2026-12-07T17:00:00+09:00")));
    let policy = PolicySet::from_files(&[("p.toml", POLICY)]).unwrap();
    let state = AppState::new(policy, Store::in_memory().unwrap())
        .unwrap()
        .with_clock(clock.clone());
    (app(Arc::new(state), Tokens::default()), clock)
}

fn rules(decision: &Value) -> Vec<String> {
    decision["blocked_by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["rule"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_slot_is_booked_blocks_its_lane_lets_its_holder_through_and_is_released() {
    let (router, _) = router();
    let body =
        json!({"service": "payments-api", "env": "prod", "at": "2026-12-07T19:00", "by": "alice"});
    let (status, r) = call(&router, "POST", "/v1/reservations", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    assert_eq!(r["lane"], "payments-db");
    assert_eq!(r["start"], "2026-12-07T19:00:00+09:00");
    assert_eq!(r["deploy_end"], "2026-12-07T19:30:00+09:00");
    assert_eq!(r["monitoring_end"], "2026-12-07T20:00:00+09:00");
    assert_eq!(r["by"], "alice");
    let id = r["id"].as_str().unwrap().to_string();
    let rule = format!("reservation:{id}");

    // Another lane member over the slot: denied, naming the holder.
    let (_, d) = call(
        &router,
        "GET",
        "/v1/check?service=ledger&env=prod&at=2026-12-07T19:15",
        None,
    )
    .await;
    assert_eq!(d["allowed"], false);
    let b = &d["blocked_by"][0];
    assert_eq!(
        (b["rule"].as_str(), b["kind"].as_str()),
        (Some(rule.as_str()), Some("reservation"))
    );
    assert!(
        b["reason"]
            .as_str()
            .unwrap()
            .starts_with("slot held by alice for payments-api/prod"),
        "{b}"
    );
    assert_eq!(d["next_allowed"], "2026-12-07T20:00:00+09:00");
    // The holder, presenting it (query and JSON body): allowed.
    let (_, mine) = call(
        &router,
        "GET",
        &format!("/v1/check?service=payments-api&env=prod&at=2026-12-07T19:00&reservation={id}"),
        None,
    )
    .await;
    assert_eq!(mine["allowed"], true, "{mine}");
    let body = json!({"service": "payments-api", "env": "prod", "at": "2026-12-07T19:00", "reservation": id});
    let (_, mine) = call(&router, "POST", "/v1/check", Some(body)).await;
    assert_eq!(mine["allowed"], true, "{mine}");
    // Another lane's service: untouched.
    let (_, other) = call(
        &router,
        "GET",
        "/v1/check?service=cache-eu&env=prod&at=2026-12-07T19:15",
        None,
    )
    .await;
    assert_eq!(other["allowed"], true);
    // A wrong id is bad input, never a pass.
    let (status, e) = call(
        &router,
        "GET",
        "/v1/check?service=ledger&env=prod&at=2026-12-07T19:15&reservation=42",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .contains("`42` is no reservation in force"),
        "{e}"
    );
    let (status, e) = call(
        &router,
        "GET",
        &format!("/v1/check?service=ledger&env=prod&at=2026-12-07T19:15&reservation={id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .contains("held for payments-api/prod, not for ledger/prod"),
        "{e}"
    );
    // `windows` shows it closed, and open to its holder.
    let (_, w) = call(
        &router,
        "GET",
        "/v1/windows?service=ledger&env=prod&from=2026-12-07T18:00&to=2026-12-07T21:00",
        None,
    )
    .await;
    let closed: Vec<&Value> = w["intervals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["state"] == "closed")
        .collect();
    assert_eq!(closed.len(), 1, "{w}");
    assert_eq!(closed[0]["rules"], json!([rule]));
    let (_, w) = call(&router, "GET", &format!("/v1/windows?service=payments-api&env=prod&from=2026-12-07T18:00&to=2026-12-07T21:00&reservation={id}"), None).await;
    assert!(
        w["intervals"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["state"] == "open"),
        "{w}"
    );
    // Listed; then released, which frees the lane at once.
    let (_, list) = call(
        &router,
        "GET",
        "/v1/reservations?service=payments-api",
        None,
    )
    .await;
    assert_eq!(list["reservations"].as_array().unwrap().len(), 1);
    let (status, gone) = call(
        &router,
        "DELETE",
        &format!("/v1/reservations/{id}?by=alice"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{gone}");
    assert_eq!(gone["released_by"], "alice");
    let (_, d) = call(
        &router,
        "GET",
        "/v1/check?service=ledger&env=prod&at=2026-12-07T19:15",
        None,
    )
    .await;
    assert_eq!(d["allowed"], true, "{d}");
    let (status, _) = call(
        &router,
        "DELETE",
        &format!("/v1/reservations/{id}?by=alice"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = call(&router, "DELETE", "/v1/reservations/999?by=alice", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Both writes are audited with who.
    let (_, audit) = call(&router, "GET", "/v1/audit", None).await;
    let actions: Vec<(&str, &str)> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["actor"].as_str().unwrap()))
        .collect();
    assert_eq!(
        actions,
        [
            ("reservation.create", "alice"),
            ("reservation.release", "alice")
        ]
    );
}

#[tokio::test]
async fn refusals_name_the_holder_or_the_rules_and_next_skips_both() {
    let (router, _) = router();
    let alice =
        json!({"service": "payments-api", "env": "prod", "at": "2026-12-07T18:00", "by": "alice"});
    let (status, first) = call(&router, "POST", "/v1/reservations", Some(alice)).await;
    assert_eq!(status, StatusCode::CREATED);
    // Overlapping in the lane: 409 with the holder.
    let bob = json!({"service": "ledger", "env": "prod", "at": "2026-12-07T18:30", "by": "bob"});
    let (status, e) = call(&router, "POST", "/v1/reservations", Some(bob)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{e}");
    assert_eq!(e["holder"]["id"], first["id"]);
    assert!(e["error"].as_str().unwrap().contains("by alice"), "{e}");
    // Outside the evening window: 409 with the decision.
    let early = json!({"service": "ledger", "env": "prod", "at": "2026-12-07T17:10", "duration": "10m", "monitoring": "10m", "by": "bob"});
    let (status, e) = call(&router, "POST", "/v1/reservations", Some(early)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{e}");
    assert_eq!(rules(&e["decision"]), ["evenings"]);
    // `next` from 17:00: the window opens at 18:00, alice holds 18:00–19:00.
    let next = json!({"service": "ledger", "env": "prod", "next": true, "by": "bob"});
    let (status, r) = call(&router, "POST", "/v1/reservations", Some(next)).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    assert_eq!(r["start"], "2026-12-07T19:00:00+09:00");
    // Bad input: 400 naming what is wrong.
    for (body, want) in [
        (
            json!({"service": "web", "env": "prod", "by": "bob"}),
            "no `[[lane]]` covers web/prod",
        ),
        (
            json!({"service": "ledger", "env": "prod"}),
            "`by` is required",
        ),
        (
            json!({"service": "ledger", "env": "prod", "by": "bob", "at": "2026-12-07T20:00", "next": true}),
            "not both",
        ),
        (
            json!({"service": "ledger", "env": "prod", "by": "bob", "at": "soon"}),
            "`at`",
        ),
    ] {
        let (status, e) = call(&router, "POST", "/v1/reservations", Some(body.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {e}");
        assert!(e["error"].as_str().unwrap().contains(want), "{body}: {e}");
    }
}

#[tokio::test]
async fn a_slot_expires_at_its_monitoring_end() {
    let (router, clock) = router();
    let body =
        json!({"service": "payments-api", "env": "prod", "at": "2026-12-07T18:00", "by": "alice"});
    let (status, r) = call(&router, "POST", "/v1/reservations", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED);
    let end = t(r["monitoring_end"].as_str().unwrap());
    clock.set(end - TimeDelta::seconds(1));
    let (_, list) = call(&router, "GET", "/v1/reservations", None).await;
    assert_eq!(list["reservations"].as_array().unwrap().len(), 1);
    clock.set(end);
    let (_, list) = call(&router, "GET", "/v1/reservations", None).await;
    assert_eq!(list["reservations"], json!([]));
    // Its lane takes a new slot from then on.
    let body = json!({"service": "ledger", "env": "prod", "at": q(end), "by": "bob"});
    let (status, e) = call(&router, "POST", "/v1/reservations", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{e}");
}

/// Writes POLICY (with a one-service lane `solo-N` per client too) to a directory.
fn policy_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut text = POLICY.replace(
        "days = [\"mon-sun\"]\nstart = \"18:00\"\nend = \"23:00\"",
        "days = [\"mon-sun\"]\nstart = \"00:00\"\nend = \"24:00\"",
    );
    for n in 0..CLIENTS {
        text.push_str(&format!(
            "\n[[lane]]\nname = \"solo-{n}\"\nservices = [\"solo-{n}\"]\n"
        ));
    }
    std::fs::write(dir.path().join("p.toml"), text).unwrap();
    dir
}

/// Clients racing: 16 on each of the two replicas.
const CLIENTS: usize = 32;

/// [`CLIENTS`] clients at once, alternating between two replicas, each booking
/// a slot `service(n)` at a start 10 minutes after the last (so neighbours
/// overlap).
fn race(a: &Server, b: &Server, service: impl Fn(usize) -> String + Sync) -> Vec<(u16, Value)> {
    let base = Utc::now() + TimeDelta::days(1);
    std::thread::scope(|scope| {
        let clients: Vec<_> = (0..CLIENTS)
            .map(|n| {
                let server = if n % 2 == 0 { a } else { b };
                let service = service(n);
                scope.spawn(move || {
                    let at = base + TimeDelta::minutes(10 * n as i64);
                    let body = json!({"service": service, "env": "prod", "at": q(at),
                        "duration": "20m", "monitoring": "20m", "by": format!("u{n}")});
                    server.send_json("POST", "/v1/reservations", &body)
                })
            })
            .collect();
        clients.into_iter().map(|c| c.join().unwrap()).collect()
    })
}

fn no_two_accepted_overlap_and_refusals_name_a_winner(outcomes: &[(u16, Value)]) {
    let won: Vec<&Value> = outcomes
        .iter()
        .filter(|(s, _)| *s == 201)
        .map(|(_, v)| v)
        .collect();
    assert!(!won.is_empty());
    for (status, body) in outcomes {
        match status {
            201 => {}
            409 => {
                let holder = &body["holder"]["id"];
                assert!(won.iter().any(|w| w["id"] == *holder), "a winner: {body}");
            }
            other => panic!("{other}: {body}"),
        }
    }
    let span = |v: &Value| {
        (
            t(v["start"].as_str().unwrap()),
            t(v["monitoring_end"].as_str().unwrap()),
        )
    };
    for (i, x) in won.iter().enumerate() {
        for y in &won[i + 1..] {
            let ((s1, e1), (s2, e2)) = (span(x), span(y));
            assert!(e1 <= s2 || e2 <= s1, "{x} overlaps {y}");
        }
    }
}

fn two_replicas_race(a: Server, b: Server) {
    let one_lane = race(&a, &b, |n| {
        if n % 2 == 0 {
            "payments-api".into()
        } else {
            "ledger".into()
        }
    });
    no_two_accepted_overlap_and_refusals_name_a_winner(&one_lane);
    assert!(
        one_lane.iter().any(|(s, _)| *s == 409),
        "neighbours overlap, so some lose"
    );
    let own_lanes = race(&a, &b, |n| format!("solo-{n}"));
    for (status, body) in &own_lanes {
        assert_eq!(*status, 201, "different lanes never collide: {body}");
    }
    // Both replicas list every slot booked on either.
    let total = one_lane.iter().filter(|(s, _)| *s == 201).count() + CLIENTS;
    for server in [&a, &b] {
        let list = server.get_json("/v1/reservations");
        assert_eq!(list["reservations"].as_array().unwrap().len(), total);
    }
    a.stop();
    b.stop();
}

#[test]
fn two_replicas_on_one_sqlite_file_never_book_overlapping_slots() {
    let policies = policy_dir();
    let state = tempfile::tempdir().unwrap();
    let a = Server::start(policies.path(), state.path(), &[]);
    let b = Server::start(policies.path(), state.path(), &[]);
    two_replicas_race(a, b);
}

#[test]
fn two_replicas_on_one_postgres_database_never_book_overlapping_slots() {
    let Some(db) = crate::support::postgres::database() else {
        return;
    };
    let policies = policy_dir();
    let (sa, sb) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = Server::start(policies.path(), sa.path(), &["--store", &db.url]);
    let b = Server::start(policies.path(), sb.path(), &["--store", &db.url]);
    two_replicas_race(a, b);
}

#[test]
fn the_cli_books_lists_and_releases_and_a_local_check_sees_the_slot() {
    let policies = policy_dir();
    let state = tempfile::tempdir().unwrap();
    let dir = policies.path().to_str().unwrap();
    let st = state.path().to_str().unwrap();
    let at = q(Utc::now() + TimeDelta::days(1));
    let go = |args: &[&str]| {
        let mut all = vec!["--policies", dir];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--state-dir", st]);
        run(&all)
    };
    let out = go(&[
        "reserve",
        "--service",
        "payments-api",
        "--env",
        "prod",
        "--at",
        &at,
        "--by",
        "alice",
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = r["id"].as_str().unwrap().to_string();
    let out = go(&[
        "reserve",
        "--service",
        "ledger",
        "--env",
        "prod",
        "--at",
        &at,
        "--by",
        "bob",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("reservation {id} of payments-api/prod by alice")),
        "{text}"
    );
    let out = go(&[
        "check",
        "--service",
        "ledger",
        "--env",
        "prod",
        "--at",
        &at,
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rules(&d), [format!("reservation:{id}")]);
    let out = go(&[
        "check",
        "--service",
        "payments-api",
        "--env",
        "prod",
        "--at",
        &at,
        "--reservation",
        &id,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = go(&["reservations", "--format", "json"]);
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list["reservations"][0]["id"], json!(id));
    let out = go(&["release", &id, "--by", "alice"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = go(&["check", "--service", "ledger", "--env", "prod", "--at", &at]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "released frees the lane at once"
    );
    // A policy with lanes and no store to read: exit 2, never a decision.
    let out = run(&[
        "--policies",
        dir,
        "check",
        "--service",
        "ledger",
        "--env",
        "prod",
        "--state-dir",
        &format!("{st}/nowhere"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("reservations cannot be read"));
    let out = run(&[
        "--policies",
        dir,
        "wait",
        "--service",
        "ledger",
        "--env",
        "prod",
        "--timeout",
        "5s",
        "--state-dir",
        &format!("{st}/nowhere"),
    ]);
    assert_eq!(out.status.code(), Some(2), "wait fails closed too");
    assert!(String::from_utf8_lossy(&out.stderr).contains("reservations cannot be read"));
    let _ = Path::new(dir);
}

/// A rolling strategy for `web` to `prod`, and a lane holding it.
fn lane_world() -> crate::support::hooks::World {
    let w = crate::support::hooks::World::new();
    w.policy(
        "strategies.toml",
        &crate::runner::ROLLING
            .replace("ON_CLOSE", "rollback")
            .replace("MAX_PAUSE", ""),
    );
    w.policy(
        "lanes.toml",
        "[[lane]]\nname = \"web\"\nservices = [\"web\"]\n",
    );
    w
}

fn slots_of(w: &crate::support::hooks::World) -> Value {
    let out = run(&[
        "--policies",
        w.policies().to_str().unwrap(),
        "reservations",
        "--state-dir",
        w.state().to_str().unwrap(),
        "--format",
        "json",
    ]);
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn run_reserve_fails_naming_the_holder_when_the_slot_is_taken_and_runs_nothing() {
    let w = lane_world();
    let out = run(&[
        "--policies",
        w.policies().to_str().unwrap(),
        "reserve",
        "--service",
        "web",
        "--env",
        "prod",
        "--by",
        "bob",
        "--state-dir",
        w.state().to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let args = [
        "--strategy",
        "web-rolling",
        "--version",
        "v2",
        "--previous",
        "v1",
    ];
    let o = w.run(&[&args[..], &["--reserve", "--by", "alice"]].concat());
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(
        text.contains("not reserved: slot taken: reservation 1 of web/prod by bob"),
        "{text}"
    );
    assert!(w.log().is_empty(), "nothing ran");
    // Without --reserve, the run sees bob's slot too: denied, nothing run.
    let o = w.run(&args);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("reservation:1"));
    assert!(w.log().is_empty());
}

#[test]
fn run_reserve_holds_the_slot_through_its_steps_and_releases_it_when_rolled_back() {
    let w = lane_world();
    w.ctl("exit-health-web-2", "1");
    let args = [
        "--strategy",
        "web-rolling",
        "--version",
        "v2",
        "--previous",
        "v1",
        "--reserve",
        "--by",
        "alice",
    ];
    let o = w.run(&args);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(3), "{text}");
    assert!(text.contains("reserved 1  web/prod  lane web"), "{text}");
    // Its own slot never held the run back: two batches were deployed.
    assert_eq!(w.log()[..2], ["deploy web-1 v2", "deploy web-2 v2"]);
    assert!(
        text.contains("released reservation 1: the run ended early"),
        "{text}"
    );
    assert_eq!(slots_of(&w)["reservations"], json!([]));
}

#[test]
fn wait_reserve_books_the_slot_when_the_window_opens_and_keeps_waiting_while_it_is_taken() {
    let policies = policy_dir();
    let state = tempfile::tempdir().unwrap();
    let (dir, st) = (
        policies.path().to_str().unwrap(),
        state.path().to_str().unwrap(),
    );
    let wait = |service: &str, by: &str, timeout: &str| {
        run(&[
            "--policies",
            dir,
            "wait",
            "--service",
            service,
            "--env",
            "prod",
            "--timeout",
            timeout,
            "--reserve",
            "--by",
            by,
            "--state-dir",
            st,
        ])
    };
    let out = wait("payments-api", "alice", "5s");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("reserved 1 (payments-api/prod in lane payments-db"),
        "{err}"
    );
    // The lane is alice's now: bob's wait keeps waiting, and runs out of time.
    let out = wait("ledger", "bob", "2s");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&[
        "--policies",
        dir,
        "reservations",
        "--state-dir",
        st,
        "--format",
        "json",
    ]);
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let holders: Vec<&str> = list["reservations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["by"].as_str().unwrap())
        .collect();
    assert_eq!(holders, ["alice"]);
}
