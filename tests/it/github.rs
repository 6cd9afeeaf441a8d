//! The GitHub deployment protection rule against a fake GitHub API on loopback:
//! approved inside a window; held with a status report and approved when the
//! window opens; a runtime freeze during a hold extends it; rejected when
//! nothing opens within the longest hold; unsigned or tampered deliveries
//! refused; failing callbacks retried and audited; a 422 ends the hold; and a
//! hold survives `kill -9` of the server.
//!
//! The in-process servers run on a manual clock, so a hold of hours passes at
//! once; the `kill -9` test runs the binary against a freeze a few seconds long.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::github::{
    APP_ID, FakeGithub, INSTALLATION, SECRET, delivery, private_key_file, signed_headers,
};
use crate::support::server::{Server, request};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};
use shipwindow::PolicySet;
use shipwindow::clock::ManualClock;
use shipwindow::server::github::{AppKey, GithubApp};
use shipwindow::server::{AppState, Tokens};
use shipwindow::store::Store;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A hang guard for events that take milliseconds.
const GUARD: Duration = Duration::from_secs(20);

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

/// A freeze on `prod` from 10:00 to 12:00 UTC on 27 November 2026, and every
/// `acme/*` repository's `production` environment decided as `prod`.
const POLICY: &str = r#"
[[freeze]]
name = "release-freeze"
reason = "Release candidate soak"
start_at = "2026-11-27T10:00"
end_at = "2026-11-27T12:00"
envs = ["prod"]

[[github]]
repository = "acme/*"
environments = { production = "prod" }
"#;

/// A server with the App configured, on a manual clock, and the fake it calls.
struct Gate {
    port: u16,
    clock: Arc<ManualClock>,
    fake: FakeGithub,
    runtime: Option<tokio::runtime::Runtime>,
    _state: tempfile::TempDir,
}

impl Gate {
    fn start(policy: &str, now: &str, max_hold: TimeDelta) -> Gate {
        let fake = FakeGithub::start();
        let clock = Arc::new(ManualClock::new(at(now)));
        let state_dir = tempfile::tempdir().unwrap();
        let key = AppKey::from_pem(APP_ID, &std::fs::read(private_key_file()).unwrap()).unwrap();
        let app = GithubApp::new(key, SECRET.as_bytes().to_vec(), max_hold, &fake.url)
            .unwrap()
            .with_backoff(&[Duration::from_millis(10); 3]);
        let policy = PolicySet::from_files(&[("policy.toml", policy)]).unwrap();
        let state = AppState::new(policy, Store::open(state_dir.path()).unwrap())
            .unwrap()
            .with_clock(clock.clone())
            .with_github(app);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        runtime.spawn(shipwindow::server::serve(
            listener,
            Arc::new(state),
            Tokens::default(),
            std::future::pending(),
        ));
        Gate {
            port,
            clock,
            fake,
            runtime: Some(runtime),
            _state: state_dir,
        }
    }

    /// Delivers `body` as `event` with `headers`; the status and JSON answer.
    fn post(&self, headers: &[(String, String)], body: &[u8]) -> (u16, Value) {
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let (status, text) = request(
            self.port,
            "POST",
            "/v1/github/webhook",
            &headers,
            Some(body),
        );
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// A signed `deployment_protection_rule` delivery for run `run` of `acme/web`.
    fn deliver(&self, run: u64) -> (u16, Value) {
        let url = self.fake.callback_url("acme/web", run);
        let body = delivery("acme/web", "production", &url).to_string();
        self.post(
            &signed_headers("deployment_protection_rule", body.as_bytes()),
            body.as_bytes(),
        )
    }

    fn get(&self, path: &str) -> Value {
        let (status, text) = request(self.port, "GET", path, &[], None);
        assert_eq!(status, 200, "GET {path}: {text}");
        serde_json::from_str(&text).unwrap()
    }

    fn holds(&self) -> Vec<Value> {
        self.get("/v1/github/holds")["holds"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// The audit entries about GitHub, as (action, detail).
    fn github_audit(&self) -> Vec<(String, Value)> {
        self.get("/v1/audit")["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"].as_str().unwrap().starts_with("github."))
            .map(|e| {
                (
                    e["action"].as_str().unwrap().to_string(),
                    e["detail"].clone(),
                )
            })
            .collect()
    }

    /// Waits until the hold worker is waiting on the clock (it has answered
    /// everything due).
    fn worker_waiting(&self) {
        let deadline = Instant::now() + GUARD;
        while self.clock.waiting() == 0 {
            assert!(Instant::now() < deadline, "the hold worker never waited");
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

#[test]
fn a_deployment_inside_its_window_is_approved_naming_the_policy() {
    let gate = Gate::start(POLICY, "2026-11-27T08:00:00Z", TimeDelta::hours(24));
    let (status, answer) = gate.deliver(1);
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer["status"], "accepted");
    let callbacks = gate.fake.wait_for_callbacks(1, GUARD);
    let approval = &callbacks[0];
    assert_eq!(approval.state(), Some("approved"), "{:?}", approval.body);
    assert_eq!(approval.body["environment_name"], "production");
    assert_eq!(
        approval.path,
        "/repos/acme/web/actions/runs/1/deployment_protection_rule"
    );
    assert!(
        approval.comment().contains("sha256:"),
        "{}",
        approval.comment()
    );
    assert!(
        approval.comment().contains("`web` to `prod`"),
        "{}",
        approval.comment()
    );
    gate.worker_waiting();
    assert!(gate.holds().is_empty());
    let audit = gate.github_audit();
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(audit[0].0, "github.approve");
    assert_eq!(audit[0].1["repository"], "acme/web");
    assert_eq!(audit[0].1["env"], "prod");
    assert_eq!(gate.fake.token_requests(), 1);
}

#[test]
fn outside_its_window_it_is_held_with_a_report_then_approved_when_the_window_opens() {
    let gate = Gate::start(POLICY, "2026-11-27T10:30:00Z", TimeDelta::hours(24));
    assert_eq!(gate.deliver(7).0, 202);
    let report = gate.fake.wait_for_callbacks(1, GUARD)[0].clone();
    assert_eq!(
        report.state(),
        None,
        "a status report has no state: {:?}",
        report.body
    );
    assert_eq!(report.body["environment_name"], "production");
    let comment = report.comment();
    assert!(
        comment.contains("`release-freeze` (freeze): Release candidate soak"),
        "{comment}"
    );
    assert!(
        comment.contains("Will approve at **2026-11-27T12:00:00Z**"),
        "{comment}"
    );
    assert!(comment.chars().count() <= 1024);

    gate.worker_waiting();
    let holds = gate.holds();
    assert_eq!(holds.len(), 1, "{holds:?}");
    assert_eq!(holds[0]["repository"], "acme/web");
    assert_eq!(holds[0]["service"], "web");
    assert_eq!(holds[0]["env"], "prod");
    assert_eq!(holds[0]["next_at"], "2026-11-27T12:00:00Z");
    assert_eq!(holds[0]["installation_id"], INSTALLATION);
    assert_eq!(holds[0]["reports"], 1);

    // Not a second before the window opens.
    gate.clock.set(at("2026-11-27T11:59:59Z"));
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(gate.fake.callbacks().len(), 1);

    gate.clock.set(at("2026-11-27T12:00:00Z"));
    let callbacks = gate.fake.wait_for_callbacks(2, GUARD);
    assert_eq!(callbacks[1].state(), Some("approved"));
    gate.worker_waiting();
    assert!(gate.holds().is_empty());
    let actions: Vec<String> = gate.github_audit().into_iter().map(|(a, _)| a).collect();
    assert_eq!(actions, ["github.report", "github.approve"]);
}

#[test]
fn a_runtime_freeze_created_during_a_hold_reports_again_and_approves_after_it() {
    let gate = Gate::start(POLICY, "2026-11-27T10:30:00Z", TimeDelta::hours(24));
    assert_eq!(gate.deliver(3).0, 202);
    gate.fake.wait_for_callbacks(1, GUARD);
    let (status, text) = request(
        gate.port,
        "POST",
        "/v1/freezes",
        &[("content-type", "application/json")],
        Some(
            json!({"services": ["web"], "envs": ["prod"], "until": "2026-11-27T13:00:00Z",
                   "reason": "INC-7 database failover"})
            .to_string()
            .as_bytes(),
        ),
    );
    assert_eq!(status, 201, "{text}");
    let rule = format!(
        "runtime:{}",
        serde_json::from_str::<Value>(&text).unwrap()["id"]
            .as_str()
            .unwrap()
    );

    gate.clock.set(at("2026-11-27T12:00:00Z"));
    let again = gate.fake.wait_for_callbacks(2, GUARD)[1].clone();
    assert_eq!(again.state(), None, "{:?}", again.body);
    assert!(
        again.comment().contains(&format!("`{rule}`")),
        "{}",
        again.comment()
    );
    assert!(
        again.comment().contains("INC-7 database failover"),
        "{}",
        again.comment()
    );
    assert!(
        again
            .comment()
            .contains("Will approve at **2026-11-27T13:00:00Z**"),
        "{}",
        again.comment()
    );
    gate.worker_waiting();
    assert_eq!(gate.holds()[0]["reports"], 2);

    gate.clock.set(at("2026-11-27T13:00:00Z"));
    let callbacks = gate.fake.wait_for_callbacks(3, GUARD);
    assert_eq!(callbacks[2].state(), Some("approved"));
    gate.worker_waiting();
    let actions: Vec<String> = gate.github_audit().into_iter().map(|(a, _)| a).collect();
    assert_eq!(
        actions,
        ["github.report", "github.report", "github.approve"]
    );
}

#[test]
fn nothing_opening_within_the_longest_hold_is_rejected_naming_the_rules() {
    // The freeze ends at 12:00; a hold of at most an hour from 10:30 cannot reach it.
    let gate = Gate::start(POLICY, "2026-11-27T10:30:00Z", TimeDelta::hours(1));
    assert_eq!(gate.deliver(9).0, 202);
    let rejection = gate.fake.wait_for_callbacks(1, GUARD)[0].clone();
    assert_eq!(rejection.state(), Some("rejected"), "{:?}", rejection.body);
    let comment = rejection.comment();
    assert!(comment.contains("`release-freeze`"), "{comment}");
    assert!(comment.contains("Release candidate soak"), "{comment}");
    assert!(comment.contains("longest hold (1h)"), "{comment}");
    gate.worker_waiting();
    assert!(gate.holds().is_empty());
    let audit = gate.github_audit();
    assert_eq!(audit[0].0, "github.reject");
    assert_eq!(audit[0].1["blocked_by"], json!(["release-freeze"]));
}

#[test]
fn unsigned_badly_signed_or_tampered_deliveries_are_refused_and_nothing_is_called() {
    let gate = Gate::start(POLICY, "2026-11-27T08:00:00Z", TimeDelta::hours(24));
    let url = gate.fake.callback_url("acme/web", 1);
    let body = delivery("acme/web", "production", &url).to_string();
    let signed = signed_headers("deployment_protection_rule", body.as_bytes());

    let tampered = body.replace("acme/web", "acme/api");
    let (status, answer) = gate.post(&signed, tampered.as_bytes());
    assert_eq!(status, 401, "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("does not match"),
        "{answer}"
    );

    let mut wrong = signed.clone();
    wrong[3].1 = shipwindow::server::github::sign(b"another secret", body.as_bytes());
    assert_eq!(gate.post(&wrong, body.as_bytes()).0, 401);

    let unsigned: Vec<_> = signed.iter().take(3).cloned().collect();
    let (status, answer) = gate.post(&unsigned, body.as_bytes());
    assert_eq!(status, 401);
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("missing X-Hub-Signature-256")
    );

    // Signed, but not the event this rule answers: acknowledged and ignored.
    let ping = br#"{"zen":"Design for failure.","hook_id":1}"#;
    let (status, answer) = gate.post(&signed_headers("ping", ping), ping);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["ignored"], "event `ping`");

    // A callback URL on another host would carry the token away.
    let elsewhere = delivery(
        "acme/web",
        "production",
        "https://evil.example/repos/acme/web/actions/runs/1/deployment_protection_rule",
    )
    .to_string();
    let (status, answer) = gate.post(
        &signed_headers("deployment_protection_rule", elsewhere.as_bytes()),
        elsewhere.as_bytes(),
    );
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("deployment_callback_url")
    );

    assert!(gate.holds().is_empty());
    assert!(gate.github_audit().is_empty());
    assert_eq!(gate.fake.token_requests(), 0);
    assert!(gate.fake.callbacks().is_empty());
}

#[test]
fn without_an_app_the_github_routes_do_not_exist() {
    let policy = PolicySet::from_files(&[("policy.toml", POLICY)]).unwrap();
    let state = AppState::new(policy, Store::in_memory().unwrap()).unwrap();
    let router = shipwindow::server::app(Arc::new(state), Tokens::default());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    for (method, path) in [("POST", "/v1/github/webhook"), ("GET", "/v1/github/holds")] {
        let (status, _) = runtime.block_on(crate::support::server::call_json(
            &router, method, path, None,
        ));
        assert_eq!(status.as_u16(), 404, "{method} {path}");
    }
}

#[test]
fn the_delivery_is_acknowledged_while_githubs_api_is_still_stalled() {
    let gate = Gate::start(POLICY, "2026-11-27T08:00:00Z", TimeDelta::hours(24));
    gate.fake.stall();
    // GitHub's payload carries the repository and pull requests: often more
    // than the API's usual 64 KiB body limit.
    let url = gate.fake.callback_url("acme/web", 31);
    let mut payload = delivery("acme/web", "production", &url);
    payload["pull_requests"] = json!(vec![json!({"body": "x".repeat(50_000)}); 4]);
    let body = payload.to_string();
    assert!(body.len() > 200_000);
    let (status, answer) = gate.post(
        &signed_headers("deployment_protection_rule", body.as_bytes()),
        body.as_bytes(),
    );
    assert_eq!(status, 202, "{answer}");
    // The answer came while the approval waits on GitHub.
    let deadline = Instant::now() + GUARD;
    while gate.fake.stalled() == 0 {
        assert!(Instant::now() < deadline, "the callback never arrived");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(gate.fake.callbacks().is_empty());
    gate.fake.release();
    let callbacks = gate.fake.wait_for_callbacks(1, GUARD);
    assert_eq!(callbacks[0].state(), Some("approved"));
}

#[test]
fn a_callback_answered_500_twice_is_retried_until_it_is_taken_and_audited() {
    let gate = Gate::start(POLICY, "2026-11-27T08:00:00Z", TimeDelta::hours(24));
    gate.fake.script(&[500, 500]);
    assert_eq!(gate.deliver(5).0, 202);
    let callbacks = gate.fake.wait_for_callbacks(3, GUARD);
    let statuses: Vec<u16> = callbacks.iter().map(|c| c.status).collect();
    assert_eq!(statuses, [500, 500, 204]);
    assert!(callbacks.iter().all(|c| c.state() == Some("approved")));
    gate.worker_waiting();
    let audit = gate.github_audit();
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(audit[0].0, "github.approve");
    assert_eq!(audit[0].1["attempts"], 3);
    let failures = audit[0].1["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 2);
    assert!(
        failures[0].as_str().unwrap().contains("HTTP 500"),
        "{failures:?}"
    );
    assert!(gate.holds().is_empty());
}

#[test]
fn installation_tokens_are_reused_and_fetched_again_when_refused() {
    let gate = Gate::start(POLICY, "2026-11-27T08:00:00Z", TimeDelta::hours(24));
    assert_eq!(gate.deliver(41).0, 202);
    gate.fake.wait_for_callbacks(1, GUARD);
    assert_eq!(gate.deliver(42).0, 202);
    gate.fake.wait_for_callbacks(2, GUARD);
    assert_eq!(
        gate.fake.token_requests(),
        1,
        "the first token is still good"
    );
    gate.fake.revoke_tokens();
    assert_eq!(gate.deliver(43).0, 202);
    let callbacks = gate.fake.wait_for_callbacks(3, GUARD);
    assert_eq!(callbacks[2].state(), Some("approved"));
    assert_eq!(gate.fake.token_requests(), 2, "a refused token is replaced");
    assert_eq!(gate.fake.refusals().len(), 1, "{:?}", gate.fake.refusals());
}

#[test]
fn an_approval_that_fails_every_attempt_is_tried_again_a_minute_later() {
    let gate = Gate::start(POLICY, "2026-11-27T08:00:00Z", TimeDelta::hours(24));
    gate.fake.script(&[503, 503, 503, 503]);
    assert_eq!(gate.deliver(51).0, 202);
    gate.fake.wait_for_callbacks(4, GUARD);
    gate.worker_waiting();
    let holds = gate.holds();
    assert_eq!(holds.len(), 1, "the hold stays");
    assert_eq!(holds[0]["next_at"], "2026-11-27T08:01:00Z");
    let audit = gate.github_audit();
    assert_eq!(audit[0].0, "github.callback_failed");
    assert_eq!(audit[0].1["attempts"], 4);
    gate.clock.set(at("2026-11-27T08:01:00Z"));
    let callbacks = gate.fake.wait_for_callbacks(5, GUARD);
    assert_eq!(callbacks[4].status, 204);
    assert_eq!(callbacks[4].state(), Some("approved"));
    gate.worker_waiting();
    assert!(gate.holds().is_empty());
}

#[test]
fn a_422_ends_the_hold_quietly() {
    let gate = Gate::start(POLICY, "2026-11-27T10:30:00Z", TimeDelta::hours(24));
    assert_eq!(gate.deliver(11).0, 202);
    gate.fake.wait_for_callbacks(1, GUARD);
    gate.worker_waiting();
    assert_eq!(gate.holds().len(), 1);
    // Someone approved it by hand meanwhile: GitHub has nothing pending.
    gate.fake.script(&[422]);
    gate.clock.set(at("2026-11-27T12:00:00Z"));
    let callbacks = gate.fake.wait_for_callbacks(2, GUARD);
    assert_eq!(callbacks[1].status, 422);
    gate.worker_waiting();
    assert!(gate.holds().is_empty());
    assert_eq!(gate.fake.callbacks().len(), 2, "a 422 is not retried");
    let audit = gate.github_audit();
    let (action, detail) = audit.last().unwrap();
    assert_eq!(action, "github.hold_end");
    assert!(
        detail["reason"]
            .as_str()
            .unwrap()
            .contains("nothing pending"),
        "{detail}"
    );
}

#[test]
fn a_webhook_delivered_twice_holds_once() {
    let gate = Gate::start(POLICY, "2026-11-27T10:30:00Z", TimeDelta::hours(24));
    assert_eq!(gate.deliver(21).0, 202);
    gate.fake.wait_for_callbacks(1, GUARD);
    let (status, answer) = gate.deliver(21);
    assert_eq!(status, 202);
    assert_eq!(answer["status"], "already held");
    gate.worker_waiting();
    assert_eq!(gate.holds().len(), 1);
}

#[test]
fn a_hold_survives_kill_9_and_is_approved_after_the_restart() {
    let fake = FakeGithub::start();
    let policies = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let secret = state.path().join("webhook-secret");
    std::fs::write(&secret, SECRET).unwrap();
    // A freeze that ends a few seconds from now.
    let end = chrono::SubsecRound::trunc_subsecs(Utc::now() + TimeDelta::seconds(4), 0);
    let rfc = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    std::fs::write(
        policies.path().join("freeze.toml"),
        format!(
            "[[freeze]]\nname = \"short\"\nreason = \"a short freeze\"\nstart_at = \"{}\"\nend_at = \"{}\"\n",
            rfc(Utc::now() - TimeDelta::hours(1)),
            rfc(end)
        ),
    )
    .unwrap();
    let key = private_key_file();
    let args = [
        "--github-app-id",
        APP_ID,
        "--github-private-key",
        key.to_str().unwrap(),
        "--github-webhook-secret-file",
        secret.to_str().unwrap(),
        "--github-api-url",
        &fake.url,
    ];
    let mut server = Server::start(policies.path(), state.path(), &args);
    assert!(
        server.startup.contains("github on (app 4242"),
        "{}",
        server.startup
    );
    let url = fake.callback_url("acme/web", 77);
    let body = delivery("acme/web", "production", &url).to_string();
    let headers = signed_headers("deployment_protection_rule", body.as_bytes());
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let (status, text) = request(
        server.port,
        "POST",
        "/v1/github/webhook",
        &headers,
        Some(body.as_bytes()),
    );
    assert_eq!(status, 202, "{text}");
    let report = fake.wait_for_callbacks(1, GUARD)[0].clone();
    assert_eq!(report.state(), None, "{:?}", report.body);
    // The report is on record and the hold waits for the freeze's end.
    let deadline = Instant::now() + GUARD;
    while server.get_json("/v1/github/holds")["holds"][0]["reports"] != 1 {
        assert!(Instant::now() < deadline, "the report was never recorded");
        std::thread::sleep(Duration::from_millis(10));
    }

    server.child.kill().unwrap();
    server.child.wait().unwrap();
    drop(server);
    let server = Server::start(policies.path(), state.path(), &args);
    let callbacks = fake.wait_for_callbacks(2, GUARD);
    assert_eq!(
        callbacks[1].state(),
        Some("approved"),
        "{:?}",
        callbacks[1].body
    );
    // Not before the freeze ended.
    assert!(Utc::now() >= end, "approved before the freeze ended");
    // The approval is recorded, and the hold gone, just after the callback.
    let deadline = Instant::now() + GUARD;
    while server.get_json("/v1/github/holds")["holds"] != json!([]) {
        assert!(Instant::now() < deadline, "the hold never ended");
        std::thread::sleep(Duration::from_millis(10));
    }
    let audit = server.get_json("/v1/audit");
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["github.report", "github.approve"]);
}

#[test]
fn serve_refuses_incomplete_or_bad_github_flags() {
    let state = tempfile::tempdir().unwrap();
    let key = private_key_file();
    let key = key.to_str().unwrap();
    let cases: [(&[&str], &str); 5] = [
        (&["--github-app-id", "1"], "--github-private-key"),
        (
            &["--github-app-id", "1", "--github-private-key", key],
            "webhook secret",
        ),
        (&["--github-private-key", key], "needs --github-app-id"),
        (
            &["--github-app-id", "1", "--github-private-key", "Cargo.toml"],
            "--github-private-key",
        ),
        (
            &[
                "--github-app-id",
                "1",
                "--github-private-key",
                key,
                "--github-max-hold",
                "31d",
            ],
            "--github-max-hold",
        ),
    ];
    for (args, want) in cases {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_shipwindow"))
            .arg("--policies")
            .arg(crate::support::server::bundled())
            .args(["serve", "--listen", "127.0.0.1:0", "--state-dir"])
            .arg(state.path())
            .args(args)
            .env(
                "SHIPWINDOW_GITHUB_WEBHOOK_SECRET",
                if want == "webhook secret" { "" } else { "s" },
            )
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(want), "{args:?}: {stderr}");
    }
}

/// Each problem of a policy that does not load: `file:line:col: message`, help.
fn problems(text: &str) -> Vec<(String, String)> {
    crate::support::diagnostic::problems(&[("gh.toml", text)])
}

#[test]
fn github_tables_are_validated_with_places_and_help() {
    let cases: [(&str, &str, &str); 8] = [
        (
            "[[github]]\nrepository = \"acme/*\"\nenviroments = { production = \"prod\" }\n",
            "gh.toml:3:1: unknown key `enviroments` in [[github]]",
            "did you mean `environments`?",
        ),
        (
            "[[github]]\nservice = \"web\"\n",
            "gh.toml:1:1: `[[github]]` needs `repository`",
            "repository = \"acme/*\"",
        ),
        (
            "[[github]]\nrepository = \"acme/[web\"\n",
            "gh.toml:2:14: `repository`: `acme/[web` is not a valid glob: unclosed character class; missing ']'",
            "globs use",
        ),
        (
            "[[github]]\nrepository = \"acme/*\"\nenvironments = \"prod\"\n",
            "gh.toml:3:16: `environments` must be a table, found a string",
            "environments = { production = \"prod\" }",
        ),
        (
            "[[github]]\nrepository = \"acme/*\"\nenvironments = { production = 1 }\n",
            "gh.toml:3:31: `production` must be a string, found an integer",
            "production = \"prod\"",
        ),
        (
            "[[github]]\nrepository = \"acme/*\"\nservice = \" \"\n",
            "gh.toml:3:11: `service` must not be blank",
            "remove `service`",
        ),
        (
            "[[github]]\nrepository = 7\n",
            "gh.toml:2:14: `repository` must be a string, found an integer",
            "repository = \"acme/*\"",
        ),
        (
            "[[githb]]\nrepository = \"acme/*\"\n",
            "gh.toml:1:3: unknown table `githb`",
            "did you mean `github`?",
        ),
    ];
    for (text, want, help) in cases {
        let got = problems(text);
        assert_eq!(got.len(), 1, "{text}: {got:#?}");
        assert_eq!(got[0].0, want, "{text}");
        assert!(got[0].1.contains(help), "{text}: help `{}`", got[0].1);
    }
}

#[test]
fn a_github_table_maps_repositories_in_policy_order() {
    let policy = PolicySet::from_files(&[(
        "gh.toml",
        "[[github]]\nrepository = \"acme/web-*\"\nservice = \"web\"\n\n[[github]]\nrepository = \"acme/*\"\nenvironments = { production = \"prod\", staging = \"stage\" }\n",
    )])
    .unwrap();
    let target = |repo: &str, env: &str| {
        let t = shipwindow::policy::github_target(&policy.github, repo, env);
        (t.service, t.env)
    };
    // The first table matches, and it renames no environment.
    assert_eq!(
        target("acme/web-eu", "production"),
        ("web".into(), "production".into())
    );
    assert_eq!(
        target("acme/billing", "staging"),
        ("billing".into(), "stage".into())
    );
    assert_eq!(
        target("other/billing", "staging"),
        ("billing".into(), "staging".into())
    );
}
