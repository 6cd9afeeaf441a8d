//! No error prints a URL's `user:password@` (issue 13, class 12): not
//! `check --remote`'s, whatever goes wrong, and not a calendar feed's, in the
//! message or in the source line a diagnostic shows.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::remote_answers::answering;
use crate::support::server::run;
use std::process::{Command, Output};

const SECRET: &str = "s3cret";

/// A port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn everything(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn check_remote_errors_leave_the_password_out() {
    let wrong_service = r#"{"allowed":true,"verdict":"allow","service":"api","env":"prod","change":"deploy","start":"2026-12-01T23:00:00+09:00","deploy_end":"2026-12-01T23:30:00+09:00","monitoring_end":"2026-12-02T00:00:00+09:00","blocked_by":[],"policy":"x"}"#;
    let remotes = [
        // Nothing listens.
        format!("http://ci:{SECRET}@127.0.0.1:{}", closed_port()),
        // No host at all: the HTTP library quotes the address.
        format!("http://ci:{SECRET}@"),
        format!("ftp://ci:{SECRET}@127.0.0.1:1"),
        // An error status with a body that is not JSON.
        format!(
            "http://ci:{SECRET}@127.0.0.1:{}",
            answering(500, "<html>oops</html>".into())
        ),
        // An error status with the server's message.
        format!(
            "http://ci:{SECRET}@127.0.0.1:{}",
            answering(400, r#"{"error":"at: bad"}"#.into())
        ),
        // A decision about something else.
        format!(
            "http://ci:{SECRET}@127.0.0.1:{}/",
            answering(200, wrong_service.into())
        ),
    ];
    for remote in &remotes {
        for format in ["human", "json"] {
            let out = run(&[
                "check",
                "--remote",
                remote,
                "--service",
                "web",
                "--env",
                "prod",
                "--format",
                format,
            ]);
            let text = everything(&out);
            assert_eq!(out.status.code(), Some(2), "{remote}: {text}");
            assert!(text.contains("--remote"), "{remote}: {text}");
            assert!(!text.contains(SECRET), "{remote} ({format}): {text}");
        }
    }
}

#[test]
fn calendar_feed_errors_leave_the_password_out() {
    let feeds = [
        format!("http://ci:{SECRET}@127.0.0.1:{}/team/x.ics", closed_port()),
        format!(
            "http://ci:{SECRET}@127.0.0.1:{}/x.ics",
            answering(500, "down".into())
        ),
        format!(
            "http://ci:{SECRET}@127.0.0.1:{}/x.ics?token=t0k",
            answering(200, "BEGIN:VCALENDAR\r\nnot a calendar".into())
        ),
        format!("webcal://ci:{SECRET}@127.0.0.1:{}/x.ics", closed_port()),
    ];
    for feed in &feeds {
        let dir = tempfile::tempdir().unwrap();
        let policies = dir.path().join("policies");
        std::fs::create_dir(&policies).unwrap();
        std::fs::write(
            policies.join("calendars.toml"),
            format!("[[freeze]]\nname = \"team\"\nics = \"{feed}\"\n"),
        )
        .unwrap();
        for args in [
            &["validate"][..],
            &["validate", "--format", "json"],
            &["check", "--service", "web", "--env", "prod"],
        ] {
            let out = Command::new(env!("CARGO_BIN_EXE_shipwindow"))
                .arg("--policies")
                .arg(&policies)
                .args(args)
                .env("SHIPWINDOW_STATE_DIR", dir.path().join("state"))
                .env_remove("SHIPWINDOW_POLICIES")
                .output()
                .unwrap();
            let text = everything(&out);
            assert_eq!(out.status.code(), Some(2), "{feed} {args:?}: {text}");
            assert!(text.contains("calendars.toml"), "{feed} {args:?}: {text}");
            assert!(!text.contains(SECRET), "{feed} {args:?}: {text}");
        }
    }
}
