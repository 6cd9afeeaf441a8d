//! The server's durable state: runtime freezes (create, block at once, expire,
//! survive a restart, lift) and the audit log (overrides, freezes, reloads),
//! through the router and through the spawned binary, and `check --remote`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::server as support;
use crate::support::server::call_json as call;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{SecondsFormat, TimeDelta, Utc};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use shipwindow::PolicySet;
use shipwindow::clock::ManualClock;
use shipwindow::server::{AppState, Tokens, app};
use shipwindow::store::Store;
use std::sync::Arc;
use support::{Server, bundled, run};
use tower::ServiceExt;

fn state() -> Arc<AppState> {
    let policy = PolicySet::load(&bundled()).unwrap();
    Arc::new(AppState::new(policy, Store::in_memory().unwrap()).unwrap())
}

fn rules(decision: &Value) -> Vec<String> {
    decision["blocked_by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["rule"].as_str().unwrap().to_string())
        .collect()
}

fn rfc3339(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[tokio::test]
async fn a_runtime_freeze_blocks_at_once_and_unfreeze_lifts_it_with_both_audited() {
    let router = app(state(), Tokens::default());
    let (status, freeze) = call(
        &router,
        "POST",
        "/v1/freezes",
        Some(json!({"services": ["pay*"], "envs": ["prod"], "for": "2h",
                    "reason": "INC-42", "by": "alice"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{freeze}");
    let id = freeze["id"].as_str().unwrap().to_string();
    let rule = format!("runtime:{id}");
    assert_eq!(freeze["rule"], rule.as_str());
    assert_eq!(freeze["created_by"], "alice (anonymous)");

    // A matching check is blocked by it now; a service outside its scope is not.
    let (_, d) = call(&router, "GET", "/v1/check?service=payments&env=prod", None).await;
    assert_eq!(d["allowed"], false, "{d}");
    let blocker = d["blocked_by"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["rule"] == rule.as_str())
        .unwrap()
        .clone();
    assert_eq!(blocker["kind"], "freeze");
    assert!(blocker["reason"].as_str().unwrap().contains("INC-42"));
    assert_eq!(blocker["overridable"], false);
    let (_, other) = call(&router, "GET", "/v1/check?service=web&env=prod", None).await;
    assert!(!rules(&other).contains(&rule), "{other}");
    let (_, staging) = call(
        &router,
        "GET",
        "/v1/check?service=payments&env=staging",
        None,
    )
    .await;
    assert!(!rules(&staging).contains(&rule));
    // A rollback still goes through: getting back to a good version is allowed.
    let (_, rollback) = call(
        &router,
        "GET",
        "/v1/check?service=payments&env=prod&change=rollback",
        None,
    )
    .await;
    assert!(!rules(&rollback).contains(&rule));

    let (_, list) = call(&router, "GET", "/v1/freezes", None).await;
    assert_eq!(list["freezes"].as_array().unwrap().len(), 1);
    assert_eq!(list["freezes"][0]["reason"], "INC-42");

    let (status, lifted) = call(&router, "DELETE", &format!("/v1/freezes/{id}?by=bob"), None).await;
    assert_eq!(status, StatusCode::OK, "{lifted}");
    assert_eq!(lifted["lifted_by"], "bob (anonymous)");
    let (_, d) = call(&router, "GET", "/v1/check?service=payments&env=prod", None).await;
    assert!(!rules(&d).contains(&rule), "{d}");
    let (_, list) = call(&router, "GET", "/v1/freezes", None).await;
    assert_eq!(list["freezes"], json!([]));
    let (status, _) = call(&router, "DELETE", &format!("/v1/freezes/{id}"), None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, e) = call(&router, "DELETE", "/v1/freezes/999?who=bob", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(e["error"].as_str().unwrap().contains("who"), "{e}");
    let (status, e) = call(&router, "DELETE", "/v1/freezes/999", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(e["error"].as_str().unwrap().contains("999"));

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
            ("freeze.create", "alice (anonymous)"),
            ("freeze.lift", "bob (anonymous)")
        ]
    );
}

#[tokio::test]
async fn a_runtime_freeze_ends_exactly_at_its_until() {
    let router = app(state(), Tokens::default());
    let until = Utc::now() + TimeDelta::hours(3);
    let until_text = rfc3339(until);
    let (status, freeze) = call(
        &router,
        "POST",
        "/v1/freezes",
        Some(
            json!({"services": ["ledger"], "envs": ["*"], "until": until_text, "reason": "INC-7"}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{freeze}");
    let rule = freeze["rule"].as_str().unwrap().to_string();
    // A zero-length question at an instant (monitoring 0, duration 1s).
    let at = |t: chrono::DateTime<Utc>| {
        format!(
            "/v1/check?service=ledger&env=dev&duration=1s&monitoring=0s&at={}",
            rfc3339(t).replace('+', "%2B")
        )
    };
    let (_, before) = call(&router, "GET", &at(until - TimeDelta::seconds(1)), None).await;
    assert!(rules(&before).contains(&rule), "{before}");
    let (_, after) = call(&router, "GET", &at(until), None).await;
    assert!(!rules(&after).contains(&rule), "{after}");
}

#[tokio::test]
async fn an_expired_freeze_is_no_longer_listed() {
    // The freeze's second passes on the state's clock, not on the wall.
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let policy = PolicySet::load(&bundled()).unwrap();
    let state = AppState::new(policy, Store::in_memory().unwrap())
        .unwrap()
        .with_clock(clock.clone());
    let router = app(Arc::new(state), Tokens::default());
    let (status, _) = call(
        &router,
        "POST",
        "/v1/freezes",
        Some(json!({"services": ["web"], "envs": ["prod"], "for": "1s", "reason": "blip"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, list) = call(&router, "GET", "/v1/freezes", None).await;
    assert_eq!(list["freezes"].as_array().unwrap().len(), 1);
    let (_, health) = call(&router, "GET", "/healthz", None).await;
    assert_eq!(
        (health["rules"].as_u64(), health["runtime_freezes"].as_u64()),
        (Some(8), Some(1))
    );
    clock.advance(TimeDelta::milliseconds(2100));
    let (_, list) = call(&router, "GET", "/v1/freezes", None).await;
    assert_eq!(list["freezes"], json!([]));
    let (_, health) = call(&router, "GET", "/healthz", None).await;
    assert_eq!(health["runtime_freezes"], 0);
}

#[tokio::test]
async fn bad_freeze_requests_are_400_naming_the_field() {
    let router = app(state(), Tokens::default());
    let cases = [
        (
            json!({"services": ["web"], "envs": ["prod"], "for": "2h", "reason": " "}),
            "`reason`",
        ),
        (
            json!({"services": [], "envs": ["prod"], "for": "2h", "reason": "x"}),
            "`services`",
        ),
        (
            json!({"services": ["web"], "envs": ["["], "for": "2h", "reason": "x"}),
            "`envs[0]`",
        ),
        (
            json!({"services": ["web"], "envs": ["prod"], "reason": "x"}),
            "exactly one of `for`",
        ),
        (
            json!({"services": ["web"], "envs": ["prod"], "for": "2h", "until": "2030-01-01T00:00", "reason": "x"}),
            "exactly one of `for`",
        ),
        (
            json!({"services": ["web"], "envs": ["prod"], "for": "soon", "reason": "x"}),
            "`for`",
        ),
        (
            json!({"services": ["web"], "envs": ["prod"], "until": "2020-01-01T00:00", "reason": "x"}),
            "`until` must be in the future",
        ),
        (
            json!({"services": ["web"], "envs": ["prod"], "for": "40d", "reason": "x"}),
            "30 days",
        ),
        (
            json!({"services": ["web"], "envs": ["prod"], "for": "2h", "reason": "x", "colour": 1}),
            "colour",
        ),
    ];
    for (body, want) in cases {
        let (status, e) = call(&router, "POST", "/v1/freezes", Some(body.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(e["error"].as_str().unwrap().contains(want), "{body}: {e}");
    }
    let (_, list) = call(&router, "GET", "/v1/freezes", None).await;
    assert_eq!(list["freezes"], json!([]));
}

#[tokio::test]
async fn an_override_decision_is_audited_and_a_plain_one_is_not() {
    let router = app(state(), Tokens::from_sources(Some("ci-token"), None));
    let send = |uri: &str, body: Option<Value>| {
        let mut req = Request::builder()
            .uri(uri)
            .header("authorization", "Bearer ci-token");
        if body.is_some() {
            req = req
                .method("POST")
                .header("content-type", "application/json");
        }
        let body = body.map(|b| Body::from(b.to_string())).unwrap_or_default();
        router.clone().oneshot(req.body(body).unwrap())
    };
    let plain = json!({"service": "web", "env": "prod", "at": "2026-11-26T23:00"});
    assert_eq!(send("/v1/check", Some(plain)).await.unwrap().status(), 200);
    let with_override = json!({"service": "web", "env": "prod", "at": "2026-11-26T23:00",
        "override": {"reason": "INC-42 checkout fix", "approver": "oncall-lead"}});
    assert_eq!(
        send("/v1/check", Some(with_override))
            .await
            .unwrap()
            .status(),
        200
    );
    let resp = send("/v1/audit?limit=10", None).await.unwrap();
    let audit: Value =
        serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
    let entries = audit["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{audit}");
    let e = &entries[0];
    assert_eq!(e["action"], "override");
    assert_eq!(e["actor"], "oncall-lead");
    assert_eq!(e["detail"]["reason"], "INC-42 checkout fix");
    assert_eq!(e["detail"]["verdict"], "override");
    assert_eq!(e["detail"]["service"], "web");
    // The caller is named by its token's digest, never by the token.
    assert!(
        e["detail"]["caller"]
            .as_str()
            .unwrap()
            .starts_with("token:")
    );
    assert!(!audit.to_string().contains("ci-token"));
    // The audit log needs a token like the rest of /v1.
    let resp = router
        .clone()
        .oneshot(
            Request::builder()
                .uri("/v1/audit")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    for bad in [
        "/v1/audit?limit=0",
        "/v1/audit?limit=5000",
        "/v1/audit?since=yesterday",
    ] {
        assert_eq!(send(bad, None).await.unwrap().status(), 400, "{bad}");
    }
}

#[test]
fn kill_9_right_after_an_acknowledged_override_keeps_its_audit_entry() {
    let state = tempfile::tempdir().unwrap();
    let server = Server::start(&bundled(), state.path(), &[]);
    let body = json!({"service": "web", "env": "prod", "at": "2026-11-26T23:00",
        "override": {"reason": "INC-99 hotfix", "approver": "oncall-lead"}});
    let (status, d) = server.send_json("POST", "/v1/check", &body);
    assert_eq!((status, d["verdict"].as_str()), (200, Some("override")));
    server.signal("KILL");
    drop(server);

    // The audit command reads it without a server.
    let out = run(&[
        "audit",
        "--state-dir",
        state.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let audit: Value = serde_json::from_slice(&out.stdout).unwrap();
    let entries = audit["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{audit}");
    assert_eq!(entries[0]["detail"]["reason"], "INC-99 hotfix");

    // And a restarted server serves it.
    let server = Server::start(&bundled(), state.path(), &[]);
    let audit = server.get_json("/v1/audit");
    assert_eq!(audit["entries"][0]["detail"]["reason"], "INC-99 hotfix");
    let human = run(&["audit", "--state-dir", state.path().to_str().unwrap()]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("override") && text.contains("INC-99 hotfix"),
        "{text}"
    );
}

#[test]
fn the_audit_command_without_a_log_is_exit_2_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere");
    let out = run(&["audit", "--state-dir", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(missing.to_str().unwrap()), "{err}");
}

fn remote_check(port: u16, extra: &[&str]) -> std::process::Output {
    let url = format!("http://127.0.0.1:{port}");
    let mut args = vec![
        "check",
        "--remote",
        &url,
        "--service",
        "payments",
        "--env",
        "prod",
    ];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn a_runtime_freeze_survives_a_restart_and_check_remote_sees_it() {
    let state = tempfile::tempdir().unwrap();
    let server = Server::start(&bundled(), state.path(), &[]);
    // The same request through --remote and over HTTP: the same JSON.
    let at = "2026-12-01T23:00:00+09:00";
    let out = remote_check(server.port, &["--at", at, "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let remote: Value = serde_json::from_slice(&out.stdout).unwrap();
    let direct =
        server.get_json("/v1/check?service=payments&env=prod&at=2026-12-01T23:00:00%2B09:00");
    assert_eq!(remote, direct);
    let local = run(&[
        "--policies",
        bundled().to_str().unwrap(),
        "check",
        "--service",
        "payments",
        "--env",
        "prod",
        "--at",
        at,
        "--format",
        "json",
    ]);
    assert_eq!(
        remote,
        serde_json::from_slice::<Value>(&local.stdout).unwrap()
    );

    let (status, freeze) = server.send_json(
        "POST",
        "/v1/freezes",
        &json!({"services": ["payments"], "envs": ["prod"], "for": "2h", "reason": "INC-42 card auth errors"}),
    );
    assert_eq!(status, 201, "{freeze}");
    let rule = freeze["rule"].as_str().unwrap().to_string();
    server.signal("KILL");
    drop(server);

    let server = Server::start(&bundled(), state.path(), &[]);
    let out = remote_check(server.port, &[]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("DENIED"), "{text}");
    assert!(
        text.contains(&rule) && text.contains("INC-42 card auth errors"),
        "{text}"
    );
    let out = remote_check(server.port, &["--format", "github"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("::error"));

    // next --remote waits for the runtime freeze; a local next does not know it.
    let url = format!("http://127.0.0.1:{}", server.port);
    let next = run(&[
        "next",
        "--remote",
        &url,
        "--service",
        "payments",
        "--env",
        "prod",
    ]);
    assert_eq!(
        next.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&next.stderr)
    );
    let text = String::from_utf8_lossy(&next.stdout).trim().to_string();
    let until = chrono::DateTime::parse_from_rfc3339(freeze["until"].as_str().unwrap()).unwrap();
    let next_at = chrono::DateTime::parse_from_rfc3339(&text).unwrap();
    assert!(
        next_at >= until,
        "next {next_at} before the freeze ends {until}"
    );
    let (status, _) = server.send_json(
        "DELETE",
        &format!("/v1/freezes/{}", freeze["id"].as_str().unwrap()),
        &json!({}),
    );
    assert_eq!(status, 200);
    let out = remote_check(server.port, &["--format", "json"]);
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!rules(&d).contains(&rule), "{d}");
    let audit = server.get_json("/v1/audit");
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["freeze.create", "freeze.lift"]);
}

#[test]
fn check_remote_fails_closed() {
    // Nothing listens on the port: exit 2 and no verdict, for check and next.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let out = remote_check(port, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty() || !String::from_utf8_lossy(&out.stdout).contains("ALLOWED"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot reach"));
    let url = format!("http://127.0.0.1:{port}");
    let next = run(&[
        "next",
        "--remote",
        &url,
        "--service",
        "web",
        "--env",
        "prod",
    ]);
    assert_eq!(next.status.code(), Some(2));
    assert!(next.stdout.is_empty());

    // A server that wants a token, asked without one: exit 2 with its message.
    let state = tempfile::tempdir().unwrap();
    let server = Server::start_with_env(
        &bundled(),
        state.path(),
        &[],
        &[("SHIPWINDOW_TOKENS", "t0k")],
    );
    let out = remote_check(server.port, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("401"));
    // With it, an answer.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_shipwindow"))
        .args([
            "check",
            "--remote",
            &format!("http://127.0.0.1:{}", server.port),
        ])
        .args([
            "--service",
            "web",
            "--env",
            "prod",
            "--at",
            "2026-12-01T23:00:00+09:00",
        ])
        .env("SHIPWINDOW_TOKEN", "t0k")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Bad input is exit 2 with the server's message.
    let out = remote_check(server.port, &["--at", "tomorrow"]);
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_write_to_the_state_database_shows_on_healthz_until_one_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let policy = PolicySet::load(&bundled()).unwrap();
    // Writes give up on a held lock after 50 ms instead of the default 5 s.
    let store = Store::open(dir.path())
        .unwrap()
        .with_busy_timeout(std::time::Duration::from_millis(50))
        .unwrap();
    let state = Arc::new(AppState::new(policy, store).unwrap());
    let router = app(state, Tokens::default());
    let (_, health) = call(&router, "GET", "/healthz", None).await;
    assert_eq!(health["status"], "ok");
    assert!(health.get("store_error").is_none(), "{health}");

    // Another process holds the database's write lock past the busy timeout.
    let holder = rusqlite::Connection::open(dir.path().join("shipwindow.db")).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let freeze = json!({"services": ["web"], "envs": ["prod"], "for": "1h", "reason": "incident"});
    let (status, body) = call(&router, "POST", "/v1/freezes", Some(freeze.clone())).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    // Decisions are still answered; /healthz says why writes fail.
    let (status, _) = call(&router, "GET", "/v1/check?service=web&env=prod", None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, health) = call(&router, "GET", "/healthz", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(health["status"], "degraded", "{health}");
    let why = health["store_error"].as_str().unwrap();
    assert!(
        why.starts_with("the server could not use its state database: ") && why.contains("locked"),
        "{why}"
    );
    // Anyone may read /healthz: the reason, not where the database is.
    let dir_name = dir.path().to_str().unwrap();
    assert!(
        !why.contains(dir_name) && !why.contains("shipwindow.db"),
        "{why}"
    );
    holder.execute_batch("ROLLBACK").unwrap();
    // A refused lift (unknown id) writes nothing: it neither clears nor adds to it.
    let (status, _) = call(&router, "DELETE", "/v1/freezes/999", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, health) = call(&router, "GET", "/healthz", None).await;
    assert_eq!(health["status"], "degraded");

    let (status, body) = call(&router, "POST", "/v1/freezes", Some(freeze)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, health) = call(&router, "GET", "/healthz", None).await;
    assert_eq!(health["status"], "ok", "{health}");
    assert!(health.get("store_error").is_none(), "{health}");
    let resp = router
        .clone()
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let metrics = String::from_utf8(bytes.to_vec()).unwrap();
    assert!(
        metrics.contains("shipwindow_audit_writes_total{outcome=\"failed\"} 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("shipwindow_audit_writes_total{outcome=\"ok\"} 1\n"),
        "{metrics}"
    );
}
