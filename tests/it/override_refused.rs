//! A refused override says why, rule by rule — on the command line and over
//! HTTP, in the same words.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::server::{bundled, call_json};
use serde_json::json;
use shipwindow::PolicySet;
use shipwindow::server::{AppState, Tokens, app};
use shipwindow::store::Store;
use std::process::Command;
use std::sync::Arc;

fn check(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_shipwindow"))
        .arg("--policies")
        .arg(bundled())
        .args(["check", "--service", "web", "--env", "prod"])
        .args(args)
        .env_remove("SHIPWINDOW_POLICIES")
        .output()
        .unwrap()
}

const FRIDAY_EVENING: [&str; 2] = ["--at", "2026-11-27T17:30"];

#[test]
fn the_cli_names_each_rule_that_refused_and_why() {
    let mut args = FRIDAY_EVENING.to_vec();
    args.extend([
        "--override-reason",
        "INC-42 checkout fix",
        "--approver",
        "bob",
    ]);
    let o = check(&args);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains(
            "  override refused: bob is not an approver of black-friday (approvers: oncall-lead, cto)\n\
             \x20 override refused: rule weeknight cannot be overridden\n\
             \x20 override refused: rule weekend cannot be overridden\n\
             \x20 policy sha256:"
        ),
        "{out}"
    );
    args.extend(["--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&check(&args).stdout).unwrap();
    assert_eq!(
        json["override_refused"],
        json!([
            "bob is not an approver of black-friday (approvers: oncall-lead, cto)",
            "rule weeknight cannot be overridden",
            "rule weekend cannot be overridden"
        ])
    );
    // A CI log reads the same sentences in the denial's annotation.
    let mut github = args[..args.len() - 2].to_vec();
    github.extend(["--format", "github"]);
    let out = String::from_utf8_lossy(&check(&github).stdout).into_owned();
    assert!(
        out.starts_with("::error title=Deploy blocked%3A web to prod::"),
        "{out}"
    );
    assert!(
        out.contains(
            ". Override refused: bob is not an approver of black-friday (approvers: oncall-lead, cto); \
             rule weeknight cannot be overridden; rule weekend cannot be overridden\n"
        ),
        "{out}"
    );
    // No approver at all for a rule that needs one.
    let o = check(&[
        "--at",
        "2026-11-26T23:00",
        "--override-reason",
        "INC-42",
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        json["override_refused"],
        json!([
            "rule black-friday needs an approver to be overridden (approvers: oncall-lead, cto)"
        ])
    );
    // Without an override, or with one that is accepted, there is no such field.
    let json: serde_json::Value =
        serde_json::from_slice(&check(&["--at", "2026-11-27T17:30", "--format", "json"]).stdout)
            .unwrap();
    assert!(json.get("override_refused").is_none(), "{json}");
}

#[tokio::test]
async fn http_says_why_in_the_same_words() {
    let policy = PolicySet::load(&bundled()).unwrap();
    let state = Arc::new(AppState::new(policy, Store::in_memory().unwrap()).unwrap());
    let router = app(state, Tokens::default());
    let body = json!({"service": "web", "env": "prod", "at": "2026-11-27T17:30",
        "override": {"reason": "INC-42 checkout fix", "approver": "bob"}});
    let (status, got) = call_json(&router, "POST", "/v1/check", Some(body)).await;
    assert_eq!(status, 200);
    assert_eq!(got["verdict"], "deny");
    assert_eq!(
        got["override_refused"],
        json!([
            "bob is not an approver of black-friday (approvers: oncall-lead, cto)",
            "rule weeknight cannot be overridden",
            "rule weekend cannot be overridden"
        ])
    );
    // An accepted override has nothing refused.
    let body = json!({"service": "web", "env": "prod", "at": "2026-11-26T23:00",
        "override": {"reason": "INC-42 checkout fix", "approver": "oncall-lead"}});
    let (_, got) = call_json(&router, "POST", "/v1/check", Some(body)).await;
    assert_eq!(got["verdict"], "override");
    assert!(got.get("override_refused").is_none(), "{got}");
}
