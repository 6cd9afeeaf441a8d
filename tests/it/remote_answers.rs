//! `check --remote` against a server that answers whatever the test tells it to:
//! an answer that is not a decision about what was asked is exit 2, never a
//! verdict (issue 13, class 5), and no error prints the URL's credentials.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::server::run;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;

/// A server on a free port that answers every request with `status` and `body`.
pub(crate) fn answering(status: u16, body: String) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let mut reader = BufReader::new(stream);
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let lower = line.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                if line == "\r\n" {
                    break;
                }
            }
            let mut request = vec![0; length];
            let _ = reader.read_exact(&mut request);
            let mut stream = reader.into_inner();
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

/// The decision a real server gives for `web` to `prod` at a free time.
fn allowed_web_prod() -> Value {
    json!({
        "allowed": true,
        "verdict": "allow",
        "service": "web",
        "env": "prod",
        "change": "deploy",
        "start": "2026-12-01T23:00:00+09:00",
        "deploy_end": "2026-12-01T23:30:00+09:00",
        "monitoring_end": "2026-12-02T00:00:00+09:00",
        "blocked_by": [],
        "next_allowed": null,
        "free_until": null,
        "policy": "sha256:0"
    })
}

fn check(port: u16, extra: &[&str]) -> std::process::Output {
    let url = format!("http://127.0.0.1:{port}");
    let mut args = vec![
        "check",
        "--remote",
        &url,
        "--service",
        "web",
        "--env",
        "prod",
    ];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn a_consistent_answer_about_what_was_asked_is_printed() {
    let port = answering(200, allowed_web_prod().to_string());
    let out = check(port, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_answer_that_contradicts_itself_or_answers_another_question_is_refused() {
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "allowed with deny",
            json!({"verdict": "deny"}),
            "`allowed` is true but `verdict` is `deny`",
        ),
        (
            "denied with allow",
            json!({"allowed": false}),
            "`allowed` is false but `verdict` is `allow`",
        ),
        (
            "denied with override",
            json!({"allowed": false, "verdict": "override"}),
            "`allowed` is false but `verdict` is `override`",
        ),
        (
            "another service",
            json!({"service": "payments"}),
            "service `payments`, not `web`",
        ),
        (
            "another env",
            json!({"env": "staging"}),
            "env `staging`, not `prod`",
        ),
        (
            "another service and env",
            json!({"service": "pay_api", "env": "dev"}),
            "service `pay_api`, not `web`, env `dev`, not `prod`",
        ),
        (
            "another change",
            json!({"change": "hotfix"}),
            "change `hotfix`, not `deploy`",
        ),
        (
            "a service that differs in case",
            json!({"service": "Web"}),
            "service `Web`, not `web`",
        ),
    ];
    for (name, patch, want) in cases {
        let mut body = allowed_web_prod();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let port = answering(200, body.to_string());
        for format in ["human", "json", "github"] {
            let out = check(port, &["--format", format]);
            assert_eq!(out.status.code(), Some(2), "{name} ({format})");
            // `--format json` prints its error as `{"error": …}` on stdout.
            let err = if format == "json" {
                let body: Value = serde_json::from_slice(&out.stdout).unwrap();
                assert!(body.get("verdict").is_none(), "{name}: {body}");
                body["error"].as_str().unwrap().to_string()
            } else {
                assert!(
                    out.stdout.is_empty(),
                    "{name} ({format}): printed a verdict"
                );
                String::from_utf8_lossy(&out.stderr).into_owned()
            };
            assert!(
                err.contains("answered with no valid decision"),
                "{name}: {err}"
            );
            assert!(err.contains(want), "{name}: {err}");
        }
        // `next --remote` reads the same answer the same way.
        let url = format!("http://127.0.0.1:{port}");
        let out = run(&[
            "next",
            "--remote",
            &url,
            "--service",
            "web",
            "--env",
            "prod",
        ]);
        assert_eq!(out.status.code(), Some(2), "{name} (next)");
        assert!(out.stdout.is_empty(), "{name} (next)");
    }
}

#[test]
fn a_decision_from_a_servers_last_synced_state_says_so() {
    let mut decision = allowed_web_prod();
    decision["stale"] = json!(["store"]);
    let port = answering(200, decision.to_string());
    let out = check(port, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(
            "  warning: decided on the server's last synced state: its store cannot be reached\n"
        ),
        "{stdout}"
    );
    assert!(!stdout.contains("old copy"), "{stdout}");
}
