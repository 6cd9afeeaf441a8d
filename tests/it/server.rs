//! The HTTP API in-process through the router, and once over a real
//! loopback socket against the spawned binary: the same JSON as the CLI, and a JSON
//! error naming the field for bad input.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use shipwindow::PolicySet;
use shipwindow::server::{AppState, Tokens, app};
use shipwindow::store::Store;
use std::process::Command;
use std::sync::Arc;
use support::{Server, bundled, policy_copy};
use tower::ServiceExt;

use crate::support::server as support;

fn state() -> Arc<AppState> {
    let policy = PolicySet::load(&bundled()).unwrap();
    Arc::new(AppState::new(policy, Store::in_memory().unwrap()).unwrap())
}

/// Sends one request through the router; returns the status and the JSON body.
async fn call(method: &str, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    let body = match body {
        Some(v) => {
            req = req.header("content-type", "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    let resp = app(state(), Tokens::default())
        .oneshot(req.body(body).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn cli_json(args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_shipwindow"))
        .arg("--policies")
        .arg(bundled())
        .args(args)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test]
async fn check_gives_the_same_json_as_the_cli() {
    let (status, got) = call(
        "GET",
        "/v1/check?service=web&env=prod&at=2026-11-27T17:30",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let want = cli_json(&[
        "check",
        "--service",
        "web",
        "--env",
        "prod",
        "--at",
        "2026-11-27T17:30",
        "--format",
        "json",
    ]);
    assert_eq!(got, want);
    assert_eq!(got["verdict"], "deny");
    // The same request as a POST body.
    let body = json!({"service": "web", "env": "prod", "at": "2026-11-27T17:30"});
    let (status, posted) = call("POST", "/v1/check", Some(body)).await;
    assert_eq!((status, posted), (StatusCode::OK, want));
}

#[tokio::test]
async fn a_post_can_carry_an_override() {
    let body = json!({"service": "web", "env": "prod", "at": "2026-11-26T23:00",
        "override": {"reason": "INC-42 checkout fix", "approver": "oncall-lead"}});
    let (status, got) = call("POST", "/v1/check", Some(body)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (got["verdict"].as_str(), got["allowed"].as_bool()),
        (Some("override"), Some(true))
    );
    let want = cli_json(&[
        "check",
        "--service",
        "web",
        "--env",
        "prod",
        "--at",
        "2026-11-26T23:00",
        "--override-reason",
        "INC-42 checkout fix",
        "--approver",
        "oncall-lead",
        "--format",
        "json",
    ]);
    assert_eq!(got, want);
}

#[tokio::test]
async fn next_and_windows_and_healthz() {
    let (status, got) = call(
        "GET",
        "/v1/next?service=web&env=prod&at=2026-11-27T17:30",
        None,
    )
    .await;
    assert_eq!(
        (status, got["next_allowed"].as_str()),
        (StatusCode::OK, Some("2026-11-30T22:00:00+09:00"))
    );
    let uri = "/v1/windows?service=web&env=prod&from=2026-11-30T00:00&to=2026-12-01T00:00";
    let (status, got) = call("GET", uri, None).await;
    assert_eq!(status, StatusCode::OK);
    let want = cli_json(&[
        "windows",
        "--service",
        "web",
        "--env",
        "prod",
        "--from",
        "2026-11-30T00:00",
        "--to",
        "2026-12-01T00:00",
        "--format",
        "json",
    ]);
    assert_eq!(got, want);
    let (status, got) = call("GET", "/healthz", None).await;
    assert_eq!(
        (status, got["status"].as_str(), got["rules"].as_u64()),
        (StatusCode::OK, Some("ok"), Some(8))
    );
    assert!(got["policy"].as_str().unwrap().starts_with("sha256:"));
}

#[tokio::test]
async fn bad_input_is_400_naming_the_field() {
    let cases: &[(&str, &str, Option<Value>, &str)] = &[
        ("GET", "/v1/check?env=prod", None, "`service` is required"),
        (
            "GET",
            "/v1/check?service=web&env=prod&at=tomorrow",
            None,
            "`at` `tomorrow` is not a date and time",
        ),
        (
            "GET",
            "/v1/check?service=web&env=prod&duration=5x",
            None,
            "`duration` unknown unit `x`",
        ),
        (
            "GET",
            "/v1/check?service=web&env=prod&change=yolo",
            None,
            "`change` unknown change kind `yolo`",
        ),
        (
            "GET",
            "/v1/check?service=web&env=prod&colour=red",
            None,
            "unknown field `colour`",
        ),
        (
            "POST",
            "/v1/check",
            Some(json!({"service": "web", "env": "prod", "override": {"approver": "x"}})),
            "`override.reason` an override needs a reason",
        ),
        (
            "POST",
            "/v1/check",
            Some(json!({"service": 7, "env": "prod"})),
            "service: invalid type",
        ),
        (
            "GET",
            "/v1/windows?service=web&env=prod&from=2026-12-02T00:00&to=2026-12-01T00:00",
            None,
            "`to` is not after `from`",
        ),
        (
            "GET",
            "/v1/check?service=trading-api&env=prod&at=2031-01-02T12:00",
            None,
            "rule `krx` uses the XKRX calendar",
        ),
    ];
    for (method, uri, body, want) in cases {
        let (status, got) = call(method, uri, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{method} {uri}: {got}");
        let error = got["error"].as_str().unwrap_or_default();
        assert!(
            error.contains(want),
            "{method} {uri}: `{error}` should contain `{want}`"
        );
        assert!(got.get("verdict").is_none());
    }
}

#[tokio::test]
async fn unknown_routes_are_404_and_wrong_methods_405() {
    let (status, got) = call("GET", "/v1/nope", None).await;
    assert_eq!(
        (status, got["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("no such endpoint"))
    );
    let (status, got) = call("DELETE", "/v1/check", None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(got["error"].is_string());
    let (status, _) = call("POST", "/healthz", None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}

#[test]
fn the_binary_serves_over_loopback_and_stops_on_sigint() {
    let state = tempfile::tempdir().unwrap();
    let server = Server::start(&bundled(), state.path(), &[]);
    let v = server.get_json("/v1/check?service=web&env=prod&at=2026-12-01T23:00");
    assert_eq!(v["verdict"], "allow");
    assert_eq!(server.get("/nope").0, 404);
    server.signal("INT");
    let (code, rest) = server.stop_after_signal();
    assert_eq!(code, Some(0));
    assert!(rest.contains("stopped"), "{rest}");
}

#[test]
fn a_network_address_without_auth_is_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_shipwindow"))
        .arg("--policies")
        .arg(bundled())
        .args(["serve", "--listen", "0.0.0.0:0"])
        .env_remove("SHIPWINDOW_TOKENS")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("refusing to listen on 0.0.0.0:0 without authentication")
    );
}

#[test]
fn sighup_reloads_and_a_broken_policy_keeps_the_last_good_one_serving() {
    let dir = policy_copy();
    let state = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), state.path(), &[]);
    let first = server.healthz_until(|v| v["status"] == "ok");
    let check = "/v1/check?service=web&env=prod&at=2026-12-01T23:00";
    assert_eq!(server.get_json(check)["verdict"], "allow");

    // A good change: a freeze over Tuesday night is served after SIGHUP.
    let freeze = "\n[[freeze]]\nname = \"db-migration\"\nstart_at = \"2026-12-01T20:00\"\nend_at = \"2026-12-02T04:00\"\n";
    let events = dir.path().join("events.toml");
    let good = format!("{}{freeze}", std::fs::read_to_string(&events).unwrap());
    std::fs::write(&events, &good).unwrap();
    server.signal("HUP");
    let second = server.healthz_until(|v| v["policy"] != first["policy"]);
    assert_eq!(second["status"], "ok");
    assert_eq!(server.get_json(check)["verdict"], "deny");

    // A broken change: the last good policy keeps serving, /healthz is degraded.
    std::fs::write(
        &events,
        format!("{good}\n[[freeze]]\nname = \"oops\"\ncron = \"0 0 9 * * *\"\nduration = \"1h\"\n"),
    )
    .unwrap();
    server.signal("HUP");
    let degraded = server.healthz_until(|v| v["status"] == "degraded");
    assert_eq!(degraded["policy"], second["policy"]);
    assert!(
        degraded["error"].as_str().unwrap().contains("events.toml:"),
        "{degraded}"
    );
    assert_eq!(server.get_json(check)["verdict"], "deny");

    // Fixing it recovers.
    std::fs::write(&events, &good).unwrap();
    server.signal("HUP");
    let recovered = server.healthz_until(|v| v["status"] == "ok");
    assert_eq!(recovered["policy"], second["policy"]);
    let (_, metrics) = server.get("/metrics");
    assert!(
        metrics.contains("shipwindow_reloads_total{outcome=\"ok\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("shipwindow_reloads_total{outcome=\"failed\"} 1"),
        "{metrics}"
    );
    let (code, log) = server.stop();
    assert_eq!(code, Some(0));
    // The failed reload is logged with the file, line and column.
    assert!(
        log.contains("reload failed") && log.contains("events.toml:"),
        "{log}"
    );
}

#[tokio::test]
async fn with_tokens_v1_needs_a_bearer_and_healthz_does_not() {
    let tokens = Tokens::from_sources(Some("s3cret-ci\n"), Some("bot-token"));
    let router = app(state(), tokens);
    let send = |auth: Option<&str>, uri: &str| {
        let mut req = Request::builder().uri(uri);
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        router.clone().oneshot(req.body(Body::empty()).unwrap())
    };
    let uri = "/v1/check?service=web&env=prod&at=2026-12-01T23:00";
    for bad in [
        None,
        Some("Bearer wrong"),
        Some("s3cret-ci"),
        Some("Basic s3cret-ci"),
        Some("Bearer s3cret-c"),
    ] {
        let resp = send(bad, uri).await.unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{bad:?}");
        let body: Value =
            serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
        assert!(body["error"].as_str().unwrap().contains("Bearer"));
    }
    let resp = send(None, uri).await.unwrap();
    assert_eq!(
        resp.headers()["www-authenticate"],
        "Bearer realm=\"shipwindow\""
    );
    for good in ["Bearer s3cret-ci", "Bearer bot-token", "bearer bot-token"] {
        assert_eq!(
            send(Some(good), uri).await.unwrap().status(),
            StatusCode::OK,
            "{good}"
        );
    }
    assert_eq!(
        send(None, "/healthz").await.unwrap().status(),
        StatusCode::OK
    );
}

#[test]
fn tokens_allow_a_network_address_and_are_never_logged() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tokens");
    std::fs::write(&file, "very-secret-token\n").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_shipwindow"))
        .arg("--policies")
        .arg(bundled())
        .args([
            "serve",
            "--listen",
            "0.0.0.0:0",
            "--log-level",
            "debug",
            "--tokens-file",
        ])
        .arg(&file)
        .arg("--state-dir")
        .arg(dir.path().join("state"))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut startup = String::new();
    let port = loop {
        let mut line = String::new();
        assert!(
            std::io::BufRead::read_line(&mut stderr, &mut line).unwrap() > 0,
            "{startup}"
        );
        startup.push_str(&line);
        if let Some((_, rest)) = line.split_once("http://0.0.0.0:") {
            break rest.trim().parse::<u16>().unwrap();
        }
    };
    assert!(
        startup.contains("authentication Tokens(1 configured)"),
        "{startup}"
    );
    assert_eq!(
        support::request(port, "GET", "/v1/check?service=web&env=prod", &[], None).0,
        401
    );
    let auth = [("authorization", "Bearer very-secret-token")];
    assert_eq!(
        support::request(port, "GET", "/v1/check?service=web&env=prod", &auth, None).0,
        200
    );
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    let log = format!("{startup}{rest}");
    assert!(
        log.contains("/v1/check"),
        "requests are logged at debug: {log}"
    );
    assert!(!log.contains("very-secret-token"), "{log}");
}

#[tokio::test]
async fn an_oversized_body_is_refused() {
    let big = json!({"service": "web", "env": "prod", "override": {"reason": "x".repeat(100_000)}});
    let (status, _) = call("POST", "/v1/check", Some(big)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn metrics_count_decisions_by_verdict_and_blocking_rule() {
    let router = app(state(), Tokens::default());
    let get = |uri: &str| {
        router
            .clone()
            .oneshot(Request::builder().uri(uri).body(Body::empty()).unwrap())
    };
    for uri in [
        "/v1/check?service=web&env=prod&at=2026-11-27T17:30",
        "/v1/check?service=web&env=prod&at=2026-11-27T17:30",
        "/v1/check?service=web&env=prod&at=2026-12-01T23:00",
    ] {
        assert_eq!(get(uri).await.unwrap().status(), StatusCode::OK);
    }
    let resp = get("/metrics").await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    let text = String::from_utf8(
        resp.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    assert!(
        text.contains("shipwindow_decisions_total{verdict=\"deny\"} 2"),
        "{text}"
    );
    assert!(
        text.contains("shipwindow_decisions_total{verdict=\"allow\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("shipwindow_blocked_total{rule=\"weekend\",kind=\"freeze\"} 2"),
        "{text}"
    );
    assert!(
        text.contains("shipwindow_request_duration_seconds_count 3"),
        "{text}"
    );
    assert!(text.ends_with("# EOF\n"));
}

/// The names of an OpenAPI operation's parameters (only those `in` one place).
fn parameters<'a>(operation: &'a Value, location: Option<&str>) -> Vec<&'a str> {
    operation["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| location.is_none_or(|l| p["in"] == l))
        .map(|p| p["name"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn the_openapi_document_is_generated_from_the_handlers() {
    let (status, doc) = call("GET", "/v1/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for path in [
        "/v1/check",
        "/v1/next",
        "/v1/windows",
        "/v1/freezes",
        "/v1/freezes/{id}",
        "/v1/audit",
        "/v1/slack/command",
        "/v1/calendar.ics",
        "/healthz",
        "/metrics",
    ] {
        assert!(paths.contains(&path), "{path} missing from {paths:?}");
    }
    assert!(doc["paths"]["/v1/check"]["post"].is_object());
    assert!(doc["paths"]["/v1/freezes/{id}"]["delete"].is_object());
    // The Slack command is signed, not bearer-authenticated, and says which headers.
    let slack = &doc["paths"]["/v1/slack/command"]["post"];
    assert!(slack["security"].is_null(), "{slack}");
    assert_eq!(
        parameters(slack, Some("header")),
        ["X-Slack-Request-Timestamp", "X-Slack-Signature"],
        "{slack}"
    );
    // Calendar apps cannot send headers: the token may come in the query.
    let calendar = parameters(&doc["paths"]["/v1/calendar.ics"]["get"], None);
    assert!(calendar.contains(&"token"), "{calendar:?}");
    // The decision schema has every §4 field, and no internal ones.
    let decision = &doc["components"]["schemas"]["Decision"]["properties"];
    for field in [
        "allowed",
        "verdict",
        "service",
        "env",
        "change",
        "start",
        "deploy_end",
        "monitoring_end",
        "blocked_by",
        "next_allowed",
        "free_until",
        "policy",
    ] {
        assert!(decision[field].is_object(), "Decision.{field}: {decision}");
    }
    assert!(decision["data_end"].is_null());
    // GET /v1/check's parameters are the request fields, without `override`.
    let params = parameters(&doc["paths"]["/v1/check"]["get"], None);
    assert!(
        params.contains(&"service") && params.contains(&"at"),
        "{params:?}"
    );
    assert!(!params.contains(&"override"));
}
