//! Blank or whitespace-only values where a value is needed are bad input (issue
//! 13, class 12): an override's reason and approver, from the flags and from a
//! POST body, and a run's `--version` and `--previous`. Never a verdict, never a
//! run.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::hooks::World;
use crate::support::server::{Server, bundled, run};
use serde_json::json;

const BLANKS: [&str; 5] = ["", " ", "\t", "\n ", "\u{3000}"];

/// Thursday night: only the sale blocks, and it takes an approver's override.
fn check_with(extra: &[&str]) -> std::process::Output {
    let policies = bundled();
    let mut args = vec![
        "--policies",
        policies.to_str().unwrap(),
        "check",
        "--service",
        "web",
        "--env",
        "prod",
        "--at",
        "2026-11-26T23:00",
    ];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn a_blank_override_reason_or_approver_is_bad_input_on_the_command_line() {
    let good = check_with(&["--override-reason", "INC-42", "--approver", "oncall-lead"]);
    assert_eq!(good.status.code(), Some(0));
    for blank in BLANKS {
        let o = check_with(&["--override-reason", blank, "--approver", "oncall-lead"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "reason {blank:?}: {err}");
        assert!(o.stdout.is_empty(), "reason {blank:?}");
        assert!(err.contains("--override-reason"), "{err}");

        let o = check_with(&["--override-reason", "INC-42", "--approver", blank]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "approver {blank:?}: {err}");
        assert!(o.stdout.is_empty(), "approver {blank:?}");
        assert!(err.contains("--approver: is blank"), "{err}");
    }
}

#[test]
fn a_blank_override_reason_or_approver_is_bad_input_to_the_server() {
    let state = tempfile::tempdir().unwrap();
    let server = Server::start(&bundled(), state.path(), &[]);
    let ask = |reason: &str, approver: Option<&str>| {
        let body = json!({
            "service": "web", "env": "prod", "at": "2026-11-26T23:00",
            "override": {"reason": reason, "approver": approver},
        });
        server.send_json("POST", "/v1/check", &body)
    };
    let (status, body) = ask("INC-42", Some("oncall-lead"));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["verdict"], "override");
    for blank in BLANKS {
        let (status, body) = ask(blank, Some("oncall-lead"));
        assert_eq!(status, 400, "reason {blank:?}: {body}");
        assert!(
            body["error"].as_str().unwrap().contains("override.reason"),
            "{body}"
        );
        let (status, body) = ask("INC-42", Some(blank));
        assert_eq!(status, 400, "approver {blank:?}: {body}");
        assert!(
            body["error"]
                .as_str()
                .unwrap()
                .contains("override.approver"),
            "{body}"
        );
    }
}

#[test]
fn a_blank_version_is_bad_input_to_run() {
    let w = World::new();
    for blank in BLANKS {
        for args in [
            [
                "--strategy",
                "web-rolling",
                "--version",
                blank,
                "--previous",
                "v1",
            ],
            [
                "--strategy",
                "web-rolling",
                "--version",
                "v2",
                "--previous",
                blank,
            ],
        ] {
            let o = w.run(&args);
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
            assert!(err.contains("is blank"), "{args:?}: {err}");
        }
    }
    assert!(w.log().is_empty(), "a hook ran: {:?}", w.log());
}
