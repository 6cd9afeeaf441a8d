//! The spawned server under operations: many clients while the policy reloads,
//! a graceful stop that finishes a slow request, reloading on file changes
//! (`--watch`), and JSON logs.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::server as support;

use serde_json::Value;
use std::io::{Read, Write};
use support::{Connection, Server, bundled, parse_response, policy_copy};

const CHECK: &str = "/v1/check?service=web&env=prod&at=2026-12-01T23:00";
const FREEZE: &str = "\n[[freeze]]\nname = \"db-migration\"\nstart_at = \"2026-12-01T20:00\"\nend_at = \"2026-12-02T04:00\"\n";

#[test]
fn thirty_two_clients_times_300_requests_during_20_reloads_all_get_a_decision() {
    let policies = policy_copy();
    let state = tempfile::tempdir().unwrap();
    let server = Server::start(policies.path(), state.path(), &[]);
    let events = policies.path().join("events.toml");
    let without = std::fs::read_to_string(&events).unwrap();
    let with = format!("{without}{FREEZE}");
    // The two policies and the verdict each gives for CHECK.
    let fp_without = server.get_json("/healthz")["policy"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::write(&events, &with).unwrap();
    server.signal("HUP");
    let fp_with = server.healthz_until(|v| v["policy"] != fp_without.as_str())["policy"]
        .as_str()
        .unwrap()
        .to_string();
    let expected = |fp: &str| {
        if fp == fp_without {
            "allow"
        } else if fp == fp_with {
            "deny"
        } else {
            panic!("a decision from an unknown policy {fp}")
        }
    };

    let port = server.port;
    let clients: Vec<_> = (0..32)
        .map(|_| {
            std::thread::spawn(move || {
                let mut conn = Connection::open(port);
                let mut seen = Vec::with_capacity(300);
                for _ in 0..300 {
                    let (status, body) = conn.get(CHECK);
                    assert_eq!(status, 200, "{body}");
                    let d: Value = serde_json::from_str(&body).unwrap();
                    seen.push((
                        d["policy"].as_str().unwrap().to_string(),
                        d["verdict"].as_str().unwrap().to_string(),
                    ));
                }
                seen
            })
        })
        .collect();
    // Twenty reloads while they run, alternating the two policies.
    let mut reloads = 0;
    let mut current = fp_with.clone();
    while reloads < 20 {
        let (text, next) = if current == fp_with {
            (&without, &fp_without)
        } else {
            (&with, &fp_with)
        };
        std::fs::write(&events, text).unwrap();
        server.signal("HUP");
        server.healthz_until(|v| v["policy"] == next.as_str());
        current = next.clone();
        reloads += 1;
    }
    let mut answers = 0;
    for client in clients {
        for (fp, verdict) in client.join().unwrap() {
            assert_eq!(verdict, expected(&fp));
            answers += 1;
        }
    }
    assert_eq!(answers, 32 * 300);
    let metrics = server.get("/metrics").1;
    assert!(
        metrics.contains("shipwindow_reloads_total{outcome=\"ok\"} 21"),
        "{metrics}"
    );
    let (code, _) = server.stop();
    assert_eq!(code, Some(0));
}

#[test]
fn a_graceful_stop_finishes_a_slow_request_in_flight() {
    let state = tempfile::tempdir().unwrap();
    let mut server = Server::start(&bundled(), state.path(), &["--log-level", "trace"]);
    let body = br#"{"service": "web", "env": "prod", "at": "2026-12-01T23:00"}"#;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    write!(
        stream,
        "POST /v1/check HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    // Half the body; once the request is in flight, the stop signal; then the rest.
    stream.write_all(&body[..20]).unwrap();
    server.wait_for_log("request started");
    server.signal("TERM");
    // The server has begun stopping: it says so in its log.
    server.wait_for_log("stopping");
    // New connections are refused while the slow one is still served.
    assert!(std::net::TcpStream::connect(("127.0.0.1", server.port)).is_err());
    stream.write_all(&body[20..]).unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    let (status, body) = parse_response(&text);
    assert_eq!(status, 200, "{text}");
    let d: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(d["verdict"], "allow");
    assert_eq!(server.child.wait().unwrap().code(), Some(0));
}

#[test]
fn watch_reloads_on_file_changes_and_keeps_the_last_good_policy_on_a_broken_one() {
    let policies = policy_copy();
    let state = tempfile::tempdir().unwrap();
    let mut server = Server::start(
        policies.path(),
        state.path(),
        &["--watch", "--log-level", "debug"],
    );
    assert!(server.startup.contains("watch on"), "{}", server.startup);
    let first = server.get_json("/healthz");
    assert_eq!(server.get_json(CHECK)["verdict"], "allow");
    // A file the loader does not read changes nothing: the watcher sees it and
    // says it does not reload for it.
    std::fs::write(policies.path().join("NOTES.txt"), "not policy").unwrap();
    let seen = server.wait_for_log("not a policy file; no reload");
    assert!(seen.contains("NOTES.txt"), "{seen}");
    let audit = server.get_json("/v1/audit");
    assert_eq!(audit["entries"], serde_json::json!([]), "{audit}");
    let events = policies.path().join("events.toml");
    let good = format!("{}{FREEZE}", std::fs::read_to_string(&events).unwrap());
    std::fs::write(&events, &good).unwrap();
    let second = server.healthz_until(|v| v["policy"] != first["policy"]);
    assert_eq!(second["status"], "ok");
    assert_eq!(server.get_json(CHECK)["verdict"], "deny");

    std::fs::write(&events, format!("{good}\n[[freeze]]\nname = \"oops\"\n")).unwrap();
    let degraded = server.healthz_until(|v| v["status"] == "degraded");
    assert_eq!(degraded["policy"], second["policy"]);
    assert!(
        degraded["error"].as_str().unwrap().contains("events.toml:"),
        "{degraded}"
    );
    assert_eq!(server.get_json(CHECK)["verdict"], "deny");

    std::fs::write(&events, &good).unwrap();
    server.healthz_until(|v| v["status"] == "ok");
    // Each reload is in the audit log with its outcome; the last one's entry is
    // written just after its policy is installed.
    let audit = server.json_until("/v1/audit", |a| {
        let reloads: Vec<&Value> = a["entries"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["action"] == "reload")
            .collect();
        reloads.len() >= 3 && reloads.last().is_some_and(|e| e["detail"]["ok"] == true)
    });
    let reloads: Vec<(bool, &str)> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "reload")
        .map(|e| {
            (
                e["detail"]["ok"].as_bool().unwrap(),
                e["actor"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(reloads.contains(&(false, "watch")), "{audit}");
    assert_eq!(reloads.last(), Some(&(true, "watch")));
}

#[test]
fn logs_can_be_json_lines_and_never_carry_tokens() {
    let state = tempfile::tempdir().unwrap();
    let server = Server::start_with_env(
        &bundled(),
        state.path(),
        &["--log-format", "json", "--log-level", "debug"],
        &[("SHIPWINDOW_TOKENS", "hunter2-token")],
    );
    let (status, _) = support::request(
        server.port,
        "GET",
        CHECK,
        &[("authorization", "Bearer hunter2-token")],
        None,
    );
    assert_eq!(status, 200);
    let startup = server.startup.clone();
    let (code, rest) = server.stop();
    assert_eq!(code, Some(0));
    let log = format!("{startup}{rest}");
    assert!(!log.contains("hunter2"), "{log}");
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
        .collect();
    assert!(lines.iter().any(|l| {
        l["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("serving")
    }));
    // At debug, each request is a line with its path and status.
    assert!(
        lines
            .iter()
            .any(|l| l["message"] == "request" && l["path"] == "/v1/check" && l["status"] == 200),
        "{log}"
    );
    assert!(
        lines
            .iter()
            .all(|l| l["level"].is_string() && l["timestamp"].is_string())
    );
}

/// A client that sends half its headers and stalls loses the connection after
/// the header deadline; other clients are served meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_trickling_its_headers_is_cut_off_at_the_deadline() {
    use shipwindow::server::{AppState, Timeouts, Tokens, serve_with};
    let policy = shipwindow::PolicySet::load(&bundled()).unwrap();
    let store = shipwindow::store::Store::in_memory().unwrap();
    let state = std::sync::Arc::new(AppState::new(policy, store).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let timeouts = Timeouts {
        // Short, so the test waits no more than 200 ms for the deadline to pass.
        header_read: std::time::Duration::from_millis(150),
        drain: std::time::Duration::from_secs(1),
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve_with(
        listener,
        state,
        Tokens::default(),
        timeouts,
        async {
            let _ = stopped.await;
        },
    ));

    let slow = tokio::task::spawn_blocking(move || {
        let mut slow = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        slow.set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: loc")
            .unwrap();
        let started = std::time::Instant::now();
        let mut rest = Vec::new();
        // Ends when the server closes the connection; a timeout is an error.
        let closed = slow.read_to_end(&mut rest).is_ok();
        (
            closed,
            started.elapsed(),
            String::from_utf8_lossy(&rest).to_string(),
        )
    });
    // Meanwhile a normal client is answered.
    let (status, _) =
        tokio::task::spawn_blocking(move || support::request(port, "GET", "/healthz", &[], None))
            .await
            .unwrap();
    assert_eq!(status, 200);
    let (closed, waited, text) = slow.await.unwrap();
    assert!(closed, "the stalled connection was never closed");
    // Closed by the deadline (with or without a 408), not served.
    assert!(
        waited >= std::time::Duration::from_millis(120),
        "{waited:?}"
    );
    assert!(!text.contains("200 OK"), "{text}");
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

/// Regression: the stop signals were listened for only once the server first
/// waited for one, so a SIGTERM right after the "serving" line could end the
/// process at once (no graceful stop, exit by signal). They are now listened
/// for before that line is logged.
#[test]
fn a_stop_signal_right_after_startup_stops_it_gracefully() {
    // The old race lost about one start in ten; twenty starts catch it.
    for _ in 0..20 {
        let state = tempfile::tempdir().unwrap();
        let server = Server::start(&bundled(), state.path(), &[]);
        let (code, log) = server.stop();
        assert_eq!(code, Some(0), "{log}");
        assert!(log.contains("stopping") && log.contains("stopped"), "{log}");
    }
}
