//! The runner's state file names (issue 13, class 10): services whose names the
//! old `_` replacement merged (`pay.api`, `pay/api`, `pay_api`) keep apart files,
//! and an interrupted run written under the old name is still its own service's.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::hooks::{World, text};
use std::time::Duration;

/// A one-target rolling strategy for `service` to `prod` that waits for nothing.
fn strategy(name: &str, service: &str) -> String {
    format!(
        r#"
[[strategy]]
name = "{name}"
kind = "rolling"
service = "{service}"
env = "prod"
targets = ["{name}-1"]
batch = 1
step_time = "1s"
verify = "0s"
health_interval = "1s"
monitoring = "0s"

[strategy.hooks]
deploy = {{ run = ["HOOK", "deploy", "{{target}}", "{{version}}"], timeout = "30s" }}
health = ["HOOK", "health", "{{target}}"]
rollback = ["HOOK", "rollback", "{{target}}", "{{previous}}"]
"#
    )
}

#[test]
fn services_the_old_names_merged_never_read_each_others_state() {
    let w = World::new();
    w.policy(
        "strategies.toml",
        &[
            strategy("underscore", "pay_api"),
            strategy("dot", "pay.api"),
            strategy("slash", "pay/api"),
        ]
        .concat(),
    );
    let o = w.run(&[
        "--strategy",
        "underscore",
        "--version",
        "v7",
        "--previous",
        "v6",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(
        w.file("state/versions/pay_api.prod").as_deref(),
        Some("v7\n")
    );
    // `pay.api` and `pay/api` have deployed nothing: no {previous} of theirs.
    for name in ["dot", "slash"] {
        let o = w.run(&["--strategy", name, "--version", "v1"]);
        let out = text(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: {out}");
        assert!(out.contains("--previous is needed"), "{name}: {out}");
    }
    let o = w.run(&["--strategy", "dot", "--version", "v2", "--previous", "v1"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(
        w.file("state/versions/pay%2Eapi.prod").as_deref(),
        Some("v2\n")
    );
    assert_eq!(
        w.file("state/versions/pay_api.prod").as_deref(),
        Some("v7\n")
    );
    assert_eq!(w.file("state/versions/pay%2Fapi.prod"), None);
}

#[test]
fn an_interrupted_run_under_the_old_name_is_taken_by_its_own_service_only() {
    let w = World::new();
    w.policy(
        "strategies.toml",
        &[strategy("dot", "pay.api"), strategy("slash", "pay/api")].concat(),
    );
    // `pay.api` is interrupted in its deploy, as by a crash.
    w.ctl("hold-deploy-dot-1", "");
    let mut child = w.spawn(
        "held",
        &["--strategy", "dot", "--version", "v2", "--previous", "v1"],
    );
    w.wait_for("begin deploy dot-1 v2", Duration::from_secs(15));
    child.kill().unwrap();
    child.wait().unwrap();
    w.kill_hook("deploy-dot-1");
    w.unctl("hold-deploy-dot-1");
    // Its journal as an older version named it.
    let runs = w.state().join("runs");
    std::fs::rename(
        runs.join("pay%2Eapi.prod.jsonl"),
        runs.join("pay_api.prod.jsonl"),
    )
    .unwrap();

    // `pay/api` shares that old name, but the journal says it is not its own.
    let o = w.run(&["--strategy", "slash", "--resume"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(
        out.contains("there is no interrupted run of pay/api"),
        "{out}"
    );
    assert!(runs.join("pay_api.prod.jsonl").exists());

    // `pay.api` finds it and refuses to start over it, at its new name.
    let o = w.run(&["--strategy", "dot", "--version", "v3", "--previous", "v1"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(
        out.contains("an interrupted run of dot (version v2)"),
        "{out}"
    );
    assert!(out.contains("pay%2Eapi.prod.jsonl"), "{out}");
    assert!(!runs.join("pay_api.prod.jsonl").exists());
    // And rolls it back.
    let o = w.run(&["--strategy", "dot", "--rollback"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(3), "{out}");
    assert!(
        w.log().contains(&"rollback dot-1 v1".to_string()),
        "{:?}",
        w.log()
    );
}
