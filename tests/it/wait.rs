//! `shipwindow wait` as a real process: allowed at once, a freeze waited out to
//! its end, a runtime freeze added on a real server extending the wait, the
//! timeout, signals, an unreachable server, and the output formats. Freezes end
//! a few seconds ahead, so each test waits a few seconds at most.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::server::Server;
use chrono::{DateTime, SecondsFormat, SubsecRound, TimeDelta, Timelike, Utc};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

/// Longer than any wait here takes; only a hang reaches it.
const HANG: Duration = Duration::from_secs(60);

fn rfc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A whole second a few seconds from now: time enough for a process to start
/// and decide once, even on a busy machine.
fn seconds_ahead(n: i64) -> DateTime<Utc> {
    Utc::now().trunc_subsecs(0) + TimeDelta::seconds(n + 1)
}

/// A policy in UTC with one-minute deploys and no monitoring, and a freeze of
/// web in prod from an hour ago until `until` (none when `None`).
fn policy(dir: &Path, until: Option<DateTime<Utc>>) {
    let mut text = String::from(
        "[settings]\ntimezone = \"UTC\"\ndeploy_duration = \"1m\"\nmonitoring = \"0s\"\nhorizon = \"2d\"\n",
    );
    if let Some(until) = until {
        text.push_str(&format!(
            "\n[[freeze]]\nname = \"incident\"\nreason = \"INC-9 checkout errors\"\nservices = [\"web\"]\nenvs = [\"prod\"]\nstart_at = \"{}\"\nend_at = \"{}\"\n",
            rfc(Utc::now() - TimeDelta::hours(1)),
            rfc(until)
        ));
    }
    std::fs::write(dir.join("policy.toml"), text).unwrap();
}

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_shipwindow"));
    cmd.arg("--policies")
        .arg(dir)
        .args(args)
        .current_dir(dir)
        .env("SHIPWINDOW_STATE_DIR", dir.join("state"))
        .env_remove("SHIPWINDOW_TOKEN")
        .env_remove("GITHUB_OUTPUT")
        .env_remove("GITHUB_STEP_SUMMARY");
    cmd
}

fn run(dir: &Path, args: &[&str]) -> Output {
    command(dir, args).output().unwrap()
}

/// A `wait` running in the background, its stderr read line by line.
struct Waiting {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Waiting {
    fn spawn(mut cmd: Command) -> Waiting {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in stderr.lines() {
                if tx.send(line.unwrap()).is_err() {
                    break;
                }
            }
        });
        Waiting {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Reads stderr until a line holds `text`; returns that line.
    fn line_with(&mut self, text: &str) -> String {
        let guard = Instant::now();
        loop {
            let left = HANG.saturating_sub(guard.elapsed());
            let line = self
                .lines
                .recv_timeout(left)
                .unwrap_or_else(|e| panic!("no line with `{text}` ({e}): {:#?}", self.seen));
            self.seen.push(line.clone());
            if line.contains(text) {
                return line;
            }
        }
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the exit (a hang fails the test): the code, stdout, and
    /// every stderr line.
    fn finish(mut self) -> (Option<i32>, String, Vec<String>) {
        let guard = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if guard.elapsed() > HANG {
                let _ = self.child.kill();
                panic!("wait did not end: {:#?}", self.seen);
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut stdout = String::new();
        self.child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut stdout)
            .unwrap();
        self.seen.extend(self.lines.iter());
        (status.code(), stdout, std::mem::take(&mut self.seen))
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn allowed_now_it_returns_at_once_with_check_s_output() {
    let dir = tempfile::tempdir().unwrap();
    policy(dir.path(), None);
    let args = ["--service", "web", "--env", "prod", "--format"];
    let answer = |command: &str, format: &str| {
        let mut all = vec![command];
        all.extend_from_slice(&args);
        all.push(format);
        let out = run(dir.path(), &all);
        assert_eq!(out.status.code(), Some(0), "{command}: {out:?}");
        assert!(out.stderr.is_empty(), "{command}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    // The two run a moment apart: all but the times must agree.
    let (waited, checked) = (answer("wait", "human"), answer("check", "human"));
    let head = "ALLOWED: deploy web to prod at ";
    assert!(
        waited.starts_with(head) && checked.starts_with(head),
        "{waited}"
    );
    assert_eq!(
        waited.lines().skip(1).collect::<Vec<_>>(),
        checked.lines().skip(1).collect::<Vec<_>>()
    );
    let without_times = |text: &str| {
        let mut v: Value = serde_json::from_str(text).unwrap();
        for key in ["start", "deploy_end", "monitoring_end"] {
            assert!(v[key].is_string(), "{text}");
            v[key] = Value::Null;
        }
        v
    };
    let (waited, checked) = (answer("wait", "json"), answer("check", "json"));
    assert_eq!(without_times(&waited), without_times(&checked));
    assert_eq!(without_times(&waited)["allowed"], json!(true));
}

#[test]
fn a_freeze_ending_in_a_few_seconds_is_waited_out_and_not_a_moment_less() {
    let dir = tempfile::tempdir().unwrap();
    let end = seconds_ahead(3);
    policy(dir.path(), Some(end));
    let mut wait = Waiting::spawn(command(
        dir.path(),
        &[
            "wait",
            "--service",
            "web",
            "--env",
            "prod",
            "--timeout",
            "1m",
        ],
    ));
    let line = wait.line_with("denied:");
    // To the second, unless it is a whole minute.
    let exactly = if end.second() == 0 {
        "%a %Y-%m-%d %H:%M UTC"
    } else {
        "%a %Y-%m-%d %H:%M:%S UTC"
    };
    let at = end.format(exactly).to_string();
    assert!(
        line.contains(&format!(
            "denied: incident (freeze: INC-9 checkout errors) until {at}; waiting until {at} (in "
        )),
        "{line}"
    );
    let (code, stdout, lines) = wait.finish();
    let exited = Utc::now();
    assert_eq!(code, Some(0), "{stdout}{lines:#?}");
    assert!(
        exited >= end,
        "exited at {exited}, before the freeze ended at {end}"
    );
    assert!(
        exited - end < TimeDelta::seconds(15),
        "exited at {exited}, long after the freeze ended at {end}"
    );
    assert!(
        stdout.starts_with("ALLOWED: deploy web to prod at "),
        "{stdout}"
    );
    assert!(
        lines
            .last()
            .unwrap()
            .contains("allowed: deploy web to prod may start now (waited "),
        "{lines:#?}"
    );
}

#[test]
fn on_a_terminal_a_countdown_line_is_redrawn_and_cleared() {
    let dir = tempfile::tempdir().unwrap();
    let end = seconds_ahead(3);
    policy(dir.path(), Some(end));
    // `script` (util-linux) runs the command on a pseudo-terminal.
    let line = format!(
        "{} --policies {} wait --service web --env prod",
        env!("CARGO_BIN_EXE_shipwindow"),
        dir.path().display()
    );
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &line, "/dev/null"])
        .current_dir(dir.path())
        .env("SHIPWINDOW_STATE_DIR", dir.path().join("state"));
    assert!(
        Command::new("script").arg("--version").output().is_ok(),
        "this test runs `script` from util-linux (Debian's bsdutils)"
    );
    let (code, screen, _) = Waiting::spawn(cmd).finish();
    assert_eq!(code, Some(0), "{screen}");
    let countdown = "\r\x1b[2Kwaiting ";
    assert!(screen.contains(countdown), "{screen:?}");
    assert!(
        screen.contains(" until ") && screen.contains("(timeout "),
        "{screen:?}"
    );
    // Cleared before the closing line, which starts a line of its own.
    assert!(
        screen.contains("\x1b[2K") && screen.contains(" allowed: deploy web to prod may start now"),
        "{screen:?}"
    );
    let last_countdown = screen.rfind(countdown).unwrap();
    let closing = screen.find(" allowed: deploy web").unwrap();
    assert!(last_countdown < closing, "{screen:?}");
    assert!(
        screen.contains("ALLOWED: deploy web to prod at "),
        "{screen:?}"
    );
}

#[test]
fn json_is_the_final_decision_made_at_or_after_the_freeze_s_end() {
    let dir = tempfile::tempdir().unwrap();
    let end = seconds_ahead(3);
    policy(dir.path(), Some(end));
    let mut wait = Waiting::spawn(command(
        dir.path(),
        &[
            "wait",
            "--service",
            "web",
            "--env",
            "prod",
            "--format",
            "json",
        ],
    ));
    wait.line_with("denied:");
    let (code, stdout, lines) = wait.finish();
    assert_eq!(code, Some(0), "{stdout}{lines:#?}");
    let decision: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(decision["allowed"], json!(true));
    assert_eq!(decision["verdict"], json!("allow"));
    let start = DateTime::parse_from_rfc3339(decision["start"].as_str().unwrap()).unwrap();
    assert!(start >= end, "decided at {start}, before {end}");
}

#[test]
fn github_writes_the_final_decision_s_annotation_and_step_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let end = seconds_ahead(3);
    policy(dir.path(), Some(end));
    let outputs = dir.path().join("github_output");
    let summary = dir.path().join("step_summary");
    let mut cmd = command(
        dir.path(),
        &[
            "wait",
            "--service",
            "web",
            "--env",
            "prod",
            "--format",
            "github",
        ],
    );
    cmd.env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_STEP_SUMMARY", &summary);
    let mut wait = Waiting::spawn(cmd);
    wait.line_with("denied:");
    let (code, stdout, lines) = wait.finish();
    assert_eq!(code, Some(0), "{stdout}{lines:#?}");
    assert!(
        stdout.starts_with("::notice title=Deploy allowed%3A web to prod::Clear from "),
        "{stdout}"
    );
    let outputs = std::fs::read_to_string(&outputs).unwrap();
    assert!(
        outputs.starts_with("allowed=true\nverdict=allow\nnext_allowed=\npolicy=sha256:"),
        "{outputs}"
    );
    let summary = std::fs::read_to_string(&summary).unwrap();
    assert!(summary.contains("✅ allowed"), "{summary}");
}

#[test]
fn an_opening_after_the_timeout_exits_1_at_once_with_the_denial() {
    let dir = tempfile::tempdir().unwrap();
    policy(dir.path(), Some(Utc::now() + TimeDelta::hours(1)));
    let started = Instant::now();
    let out = run(
        dir.path(),
        &[
            "wait",
            "--service",
            "web",
            "--env",
            "prod",
            "--timeout",
            "30m",
            "--format",
            "json",
        ],
    );
    assert!(started.elapsed() < HANG);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let decision: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(decision["verdict"], json!("deny"));
    assert_eq!(decision["blocked_by"][0]["rule"], json!("incident"));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("denied: incident (freeze: INC-9 checkout errors) until ")
            && stderr.contains(", is after the timeout ("),
        "{stderr}"
    );
}

#[test]
fn the_timeout_coming_first_exits_1() {
    // The freeze ends within the timeout, but the deploy's minute does not fit
    // before a second freeze that a policy edit adds while it waits.
    let dir = tempfile::tempdir().unwrap();
    let end = seconds_ahead(3);
    policy(dir.path(), Some(end));
    let mut wait = Waiting::spawn(command(
        dir.path(),
        &[
            "wait",
            "--service",
            "web",
            "--env",
            "prod",
            "--timeout",
            "10s",
        ],
    ));
    wait.line_with("denied:");
    policy(dir.path(), Some(Utc::now() + TimeDelta::hours(1)));
    let (code, stdout, lines) = wait.finish();
    assert_eq!(code, Some(1), "{stdout}{lines:#?}");
    assert!(stdout.starts_with("DENIED: deploy web to prod"), "{stdout}");
    assert!(
        lines.last().unwrap().contains(", is after the timeout ("),
        "{lines:#?}"
    );
}

#[test]
fn a_policy_broken_while_waiting_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    policy(dir.path(), Some(seconds_ahead(3)));
    let mut wait = Waiting::spawn(command(
        dir.path(),
        &["wait", "--service", "web", "--env", "prod"],
    ));
    wait.line_with("denied:");
    std::fs::write(
        dir.path().join("policy.toml"),
        "[settings]\ntimezone = \"Asia/Seol\"\n",
    )
    .unwrap();
    let (code, stdout, lines) = wait.finish();
    assert_eq!(code, Some(2), "{stdout}{lines:#?}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("error: the policy set failed to load")),
        "{lines:#?}"
    );
}

fn stopped_by(signal: &str) {
    let dir = tempfile::tempdir().unwrap();
    policy(dir.path(), Some(Utc::now() + TimeDelta::hours(1)));
    let mut wait = Waiting::spawn(command(
        dir.path(),
        &["wait", "--service", "web", "--env", "prod"],
    ));
    wait.line_with("denied:");
    let sent = Instant::now();
    wait.signal(signal);
    let (code, stdout, lines) = wait.finish();
    assert_eq!(code, Some(130), "{stdout}{lines:#?}");
    // Promptly: not at the end of the hour's wait (a generous bound).
    assert!(sent.elapsed() < Duration::from_secs(10));
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        lines
            .last()
            .unwrap()
            .ends_with(&format!("SIG{signal}: stopped waiting")),
        "{lines:#?}"
    );
}

#[test]
fn sigterm_ends_the_wait_with_130() {
    stopped_by("TERM");
}

#[test]
fn sigint_ends_the_wait_with_130() {
    stopped_by("INT");
}

#[test]
fn a_runtime_freeze_added_on_the_server_while_waiting_extends_the_wait() {
    let dir = tempfile::tempdir().unwrap();
    policy(dir.path(), None);
    let server = Server::start(dir.path(), &dir.path().join("server-state"), &[]);
    let url = format!("http://127.0.0.1:{}", server.port);
    let freeze = |until: DateTime<Utc>, reason: &str| {
        let (status, body) = server.send_json(
            "POST",
            "/v1/freezes",
            &json!({"services": ["web"], "envs": ["prod"], "until": rfc(until), "reason": reason}),
        );
        assert_eq!(status, 201, "{body}");
        body["rule"].as_str().unwrap().to_string()
    };
    let first_end = seconds_ahead(3);
    let first = freeze(first_end, "INC-1");
    let mut wait = Waiting::spawn(command(
        dir.path(),
        &[
            "wait",
            "--remote",
            &url,
            "--service",
            "web",
            "--env",
            "prod",
        ],
    ));
    let line = wait.line_with("denied:");
    assert!(
        line.contains(&format!(
            "denied: {first} (freeze: INC-1 (runtime freeze by "
        )),
        "{line}"
    );
    // While it waits, a second incident freezes deploys a few seconds longer.
    let second_end = seconds_ahead(6);
    let second = freeze(second_end, "INC-2");
    let line = wait.line_with("denied:");
    assert!(
        line.contains(&format!(
            "denied: {second} (freeze: INC-2 (runtime freeze by "
        )),
        "{line}"
    );
    let (code, stdout, lines) = wait.finish();
    let exited = Utc::now();
    assert_eq!(code, Some(0), "{stdout}{lines:#?}");
    assert!(
        exited >= second_end,
        "exited at {exited}, before {second_end}"
    );
    assert!(
        exited - second_end < TimeDelta::seconds(15),
        "exited at {exited}"
    );
    assert!(
        stdout.starts_with("ALLOWED: deploy web to prod"),
        "{stdout}"
    );
}

#[test]
fn a_server_that_cannot_be_reached_is_asked_again_and_never_allows() {
    let dir = tempfile::tempdir().unwrap();
    policy(dir.path(), None);
    // A port nothing listens on: bound, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let out = run(
        dir.path(),
        &[
            "wait",
            "--remote",
            &url,
            "--service",
            "web",
            "--env",
            "prod",
            "--timeout",
            "2s",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    let tries = stderr.matches("no answer: --remote: cannot reach").count();
    assert!(tries >= 2, "{stderr}");
    assert!(
        stderr.contains("; no answer by the timeout, so the deploy is not allowed"),
        "{stderr}"
    );
}

#[test]
fn bad_flags_are_exit_2_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    policy(dir.path(), None);
    for (args, message) in [
        (
            &["--timeout", "31d"][..],
            "error: --timeout: `31d` is longer than 30d, the longest wait",
        ),
        (
            &["--timeout", "soon"][..],
            "error: --timeout: missing number",
        ),
        (
            &["--at", "2026-12-01T00:00"][..],
            "error: --at: `wait` is about a deploy starting now",
        ),
    ] {
        let mut all = vec!["wait", "--service", "web", "--env", "prod"];
        all.extend_from_slice(args);
        let out = run(dir.path(), &all);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.starts_with(message), "{args:?}: {stderr}");
    }
}

/// A server on a free port that gives each request the next of `answers`
/// (status, body), the last one again once they run out.
fn answering_in_turn(answers: Vec<(u16, String)>) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for (i, stream) in listener.incoming().enumerate() {
            let Ok(stream) = stream else { return };
            let mut reader = BufReader::new(stream);
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                if line == "\r\n" {
                    break;
                }
            }
            let mut request = vec![0; length];
            let _ = reader.read_exact(&mut request);
            let (status, body) = &answers[i.min(answers.len() - 1)];
            let _ = write!(
                reader.into_inner(),
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

/// What `check --format json` answers here and now for web to prod.
fn local_decision(dir: &Path) -> String {
    let out = run(
        dir,
        &[
            "check",
            "--service",
            "web",
            "--env",
            "prod",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_failing_server_is_asked_again_until_it_answers() {
    let dir = tempfile::tempdir().unwrap();
    policy(dir.path(), None);
    let restarting = (503, json!({"error": "restarting"}).to_string());
    let port = answering_in_turn(vec![
        restarting.clone(),
        restarting,
        (200, local_decision(dir.path())),
    ]);
    let url = format!("http://127.0.0.1:{port}");
    let out = run(
        dir.path(),
        &[
            "wait",
            "--remote",
            &url,
            "--service",
            "web",
            "--env",
            "prod",
        ],
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(stderr.matches(" answered 503 ").count(), 2, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "no answer: --remote: {url}/v1/check answered 503 Service Unavailable: restarting; asking again in 1s"
        )),
        "{stderr}"
    );
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .starts_with("ALLOWED: deploy web to prod"),
    );
}

#[test]
fn a_server_that_refuses_the_request_ends_the_wait_at_once() {
    let dir = tempfile::tempdir().unwrap();
    policy(dir.path(), None);
    let port = answering_in_turn(vec![(
        401,
        json!({"error": "a bearer token is required"}).to_string(),
    )]);
    let url = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let out = run(
        dir.path(),
        &[
            "wait",
            "--remote",
            &url,
            "--service",
            "web",
            "--env",
            "prod",
            "--format",
            "json",
        ],
    );
    assert!(started.elapsed() < HANG);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("no answer"), "{stderr}");
    assert!(
        stderr.contains("answered 401 Unauthorized: a bearer token is required"),
        "{stderr}"
    );
    // The JSON error body, as for `check --format json`.
    let body: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(body["error"].as_str().unwrap().contains("401"), "{body}");
}
