//! `shipwindow run` end to end with a scratch policy, state directory and
//! scripted hooks (tests/it/support/hooks.rs). Most runs are in-process on a
//! manual clock (`run_in`): durations are a second each, and the clock jumps
//! over them, so no test waits for time to pass. What needs a real process
//! (the exit code and message of a denial or a refusal, signals, `kill -9`)
//! runs the built binary (`run`, `spawn`), with strategies that wait for
//! nothing (verify and monitoring of 0s).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::hooks::{Ran, World, fast_clock, held_clock, signal, text, wait};
use chrono::{SecondsFormat, TimeDelta, Utc};
use shipwindow::clock::Clock;
use std::time::{Duration, Instant};

pub(crate) const ROLLING: &str = r#"
[[strategy]]
name = "web-rolling"
kind = "rolling"
service = "web"
env = "prod"
targets = ["web-1", "web-2", "web-3", "web-4"]
batch = 1
step_time = "1s"
verify = "1s"
health_interval = "1s"
monitoring = "1s"
on_window_close = "ON_CLOSE"
MAX_PAUSE

[strategy.hooks]
deploy = { run = ["HOOK", "deploy", "{target}", "{version}"], timeout = "3s" }
health = ["HOOK", "health", "{target}"]
rollback = ["HOOK", "rollback", "{target}", "{previous}"]
"#;

fn rolling(w: &World, on_close: &str) {
    let max_pause = if on_close == "pause" {
        "max_pause = \"30s\""
    } else {
        ""
    };
    w.policy(
        "strategies.toml",
        &ROLLING
            .replace("ON_CLOSE", on_close)
            .replace("MAX_PAUSE", max_pause),
    );
}

/// [`rolling`] with nothing to wait for: no verify, no monitoring (for runs
/// of the real binary).
fn rolling_instant(w: &World) {
    w.policy(
        "strategies.toml",
        &ROLLING
            .replace("ON_CLOSE", "pause")
            .replace("MAX_PAUSE", "max_pause = \"30s\"")
            .replace("verify = \"1s\"", "verify = \"0s\"")
            .replace("monitoring = \"1s\"", "monitoring = \"0s\""),
    );
}

fn lines(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn rfc(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn freeze(w: &World, from: chrono::DateTime<Utc>, to: chrono::DateTime<Utc>) {
    w.policy(
        "freeze.toml",
        &format!(
            "[[freeze]]\nname = \"incident\"\nstart_at = \"{}\"\nend_at = \"{}\"\nreason = \"Incident in progress\"\n",
            rfc(from),
            rfc(to)
        ),
    );
}

fn events(journal: &[serde_json::Value]) -> Vec<String> {
    journal
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn rolling_success_deploys_each_batch_in_order_and_records_the_version() {
    let w = World::new();
    rolling(&w, "pause");
    let clock = fast_clock();
    let o = w.run_in(
        &[
            "--strategy",
            "web-rolling",
            "--version",
            "v2",
            "--previous",
            "v1",
        ],
        &clock,
    );
    let out = o.text;
    assert_eq!(o.code, Some(0), "{out}");
    assert_eq!(
        w.log(),
        lines(&[
            "deploy web-1 v2",
            "deploy web-2 v2",
            "deploy web-3 v2",
            "deploy web-4 v2"
        ])
    );
    // Each batch is verified on its own target; monitoring polls them all.
    let health = w.health_log();
    for t in ["web-1", "web-2", "web-3", "web-4"] {
        assert!(health.contains(&format!("health {t}")), "{health:?}");
    }
    assert_eq!(w.file("state/versions/web.prod").as_deref(), Some("v2\n"));
    // Plain (non-TTY) lines: an RFC 3339 UTC stamp, the step, the hook output prefixed.
    let step2 = out
        .lines()
        .find(|l| l.contains("[2/4] deploy web-2 (v2)"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        chrono::DateTime::parse_from_rfc3339(step2.split(' ').next().unwrap()).is_ok(),
        "{step2}"
    );
    assert!(step2.split(' ').next().unwrap().ends_with('Z'), "{step2}");
    assert!(
        out.contains("  [deploy web-2] did deploy web-2 v2"),
        "{out}"
    );
    // The journal was archived under its run id, and tells the whole story.
    assert!(!w.state().join("runs/web.prod.jsonl").exists());
    let journal = w.archived_journal();
    assert_eq!(
        events(&journal),
        [
            "started",
            "step-started",
            "step-done",
            "step-started",
            "step-done",
            "step-started",
            "step-done",
            "step-started",
            "step-done",
            "monitoring-started",
            "finished"
        ]
    );
    for e in &journal {
        assert_eq!(e["strategy"], "web-rolling");
        assert_eq!(e["version"], "v2");
        assert_eq!(e["previous"], "v1");
        assert_eq!(e["run"], journal[0]["run"]);
    }
    // The next run takes {previous} from what this one recorded.
    let o = w.run_in(&["--strategy", "web-rolling", "--version", "v3"], &clock);
    assert_eq!(o.code, Some(0), "{}", o.text);
    assert_eq!(w.file("state/versions/web.prod").as_deref(), Some("v3\n"));
}

#[test]
fn a_health_failure_at_batch_3_rolls_back_batches_3_2_1_and_exits_3() {
    let w = World::new();
    rolling(&w, "pause");
    w.ctl("exit-health-web-3", "1");
    let o = w.run_in(
        &[
            "--strategy",
            "web-rolling",
            "--version",
            "v2",
            "--previous",
            "v1",
        ],
        &fast_clock(),
    );
    let out = o.text;
    assert_eq!(o.code, Some(3), "{out}");
    assert_eq!(
        w.log(),
        lines(&[
            "deploy web-1 v2",
            "deploy web-2 v2",
            "deploy web-3 v2",
            "rollback web-3 v1",
            "rollback web-2 v1",
            "rollback web-1 v1"
        ])
    );
    assert!(
        out.contains("rolling back: [3/4] verify: 1 consecutive unhealthy health check"),
        "{out}"
    );
    assert_eq!(w.file("state/versions/web.prod"), None);
    let journal = w.archived_journal();
    let ev = events(&journal);
    assert_eq!(ev.iter().filter(|e| *e == "rollback-step-done").count(), 3);
    assert_eq!(ev.last().unwrap(), "rolled-back");
}

#[test]
fn a_deploy_hook_that_times_out_is_killed_and_the_run_rolled_back() {
    let w = World::new();
    rolling(&w, "pause");
    w.ctl("sleep-deploy-web-2", "20");
    let t = Instant::now();
    let clock = fast_clock();
    let run = w.spawn_in(
        &[
            "--strategy",
            "web-rolling",
            "--version",
            "v2",
            "--previous",
            "v1",
        ],
        &clock,
    );
    // The hook's 3s go by on the run's clock while it sleeps.
    w.wait_for("begin deploy web-2 v2", Duration::from_secs(10));
    clock.advance(TimeDelta::seconds(3));
    let o = run.join().unwrap();
    let out = o.text;
    assert_eq!(o.code, Some(3), "{out}");
    assert!(t.elapsed() < Duration::from_secs(15), "{:?}", t.elapsed());
    assert!(
        out.contains("rolling back: [2/4] deploy web-2 timed out after 3s"),
        "{out}"
    );
    // The killed hook never got to finish (its group was killed with it).
    assert_eq!(
        w.log(),
        lines(&[
            "deploy web-1 v2",
            "begin deploy web-2 v2",
            "rollback web-2 v1",
            "rollback web-1 v1"
        ])
    );
}

#[test]
fn a_plan_the_policy_denies_exits_1_and_runs_nothing() {
    let w = World::new();
    rolling(&w, "pause");
    let now = Utc::now();
    freeze(&w, now - TimeDelta::hours(1), now + TimeDelta::hours(1));
    let o = w.run(&[
        "--strategy",
        "web-rolling",
        "--version",
        "v2",
        "--previous",
        "v1",
    ]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("DENIED"), "{out}");
    assert!(out.contains("incident"), "{out}");
    assert!(out.contains("nothing was run"), "{out}");
    assert!(w.log().is_empty(), "{:?}", w.log());
    assert!(w.health_log().is_empty());
    assert!(!w.state().join("runs/web.prod.jsonl").exists());
}

/// Runs web v1 -> v2 in-process and, once web-1 is deployed (the run then
/// waits for its verify on a held clock), adds a freeze from 2s to 5s ahead
/// and lets the clock run: the run's exit code, its output and the freeze's end.
fn run_into_a_freeze(w: &World) -> (Option<i32>, String, chrono::DateTime<Utc>) {
    let clock = held_clock();
    let run = w.spawn_in(
        &[
            "--strategy",
            "web-rolling",
            "--version",
            "v2",
            "--previous",
            "v1",
        ],
        &clock,
    );
    w.wait_for("deploy web-1 v2", Duration::from_secs(10));
    // A freeze a couple of seconds ahead: the rest of the plan (3 steps of 2s
    // plus 1s of monitoring) no longer fits from the next step boundary.
    let now = clock.now();
    let (from, until) = (now + TimeDelta::seconds(2), now + TimeDelta::seconds(5));
    freeze(w, from, until);
    clock.auto_advance(true);
    let o = run.join().unwrap();
    (o.code, o.text, until)
}

#[test]
fn a_freeze_that_starts_mid_run_pauses_before_the_next_step_until_it_ends() {
    let w = World::new();
    rolling(&w, "pause");
    let (code, out, until) = run_into_a_freeze(&w);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("paused before step 2"), "{out}");
    assert!(out.contains("incident (freeze)"), "{out}");
    assert!(out.contains("resumed before step 2"), "{out}");
    assert_eq!(
        w.log(),
        lines(&[
            "deploy web-1 v2",
            "deploy web-2 v2",
            "deploy web-3 v2",
            "deploy web-4 v2"
        ])
    );
    let journal = w.archived_journal();
    let ev = events(&journal);
    let paused = ev.iter().position(|e| e == "paused").expect("paused");
    assert_eq!(ev[paused + 1], "resumed");
    assert_eq!(journal[paused]["step"]["index"], 2);
    // Step 2 started only once the freeze was over.
    let step2 = journal
        .iter()
        .find(|e| e["event"] == "step-started" && e["step"]["index"] == 2)
        .unwrap();
    let at = chrono::DateTime::parse_from_rfc3339(step2["at"].as_str().unwrap()).unwrap();
    assert!(
        at >= until,
        "step 2 started at {at}, the freeze ended at {until}"
    );
}

#[test]
fn with_on_window_close_rollback_a_freeze_mid_run_rolls_back_instead() {
    let w = World::new();
    rolling(&w, "rollback");
    let (code, out, _) = run_into_a_freeze(&w);
    assert_eq!(code, Some(3), "{out}");
    assert!(out.contains("on_window_close = rollback"), "{out}");
    assert_eq!(w.log(), lines(&["deploy web-1 v2", "rollback web-1 v1"]));
}

#[test]
fn the_lock_refuses_a_second_run_naming_the_holder() {
    let w = World::new();
    rolling(&w, "pause");
    w.ctl("hold-deploy-web-1", "");
    let first = w.spawn_in(
        &[
            "--strategy",
            "web-rolling",
            "--version",
            "v2",
            "--previous",
            "v1",
        ],
        &fast_clock(),
    );
    w.wait_for("begin deploy web-1 v2", Duration::from_secs(10));
    let o = w.run(&[
        "--strategy",
        "web-rolling",
        "--version",
        "v3",
        "--previous",
        "v1",
    ]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(
        out.contains("another run of web to prod is in progress"),
        "{out}"
    );
    // The first run is this test process.
    assert!(
        out.contains(&format!("pid: {}", std::process::id())),
        "{out}"
    );
    assert!(out.contains("version: v2"), "{out}");
    assert!(out.contains("strategy: web-rolling"), "{out}");
    w.unctl("hold-deploy-web-1");
    let first = first.join().unwrap();
    assert_eq!(first.code, Some(0), "{}", first.text);
    assert!(!w.log().iter().any(|l| l.contains("v3")));
}

/// Starts a rolling run, waits until the deploy of web-3 is under way, and
/// kills the runner (and the hook) with SIGKILL.
fn killed_at_web_3(w: &World) {
    rolling_instant(w);
    w.ctl("hold-deploy-web-3", "");
    let mut child = w.spawn(
        "killed",
        &[
            "--strategy",
            "web-rolling",
            "--version",
            "v2",
            "--previous",
            "v1",
        ],
    );
    w.wait_for("begin deploy web-3 v2", Duration::from_secs(15));
    child.kill().unwrap();
    child.wait().unwrap();
    w.kill_hook("deploy-web-3");
    w.unctl("hold-deploy-web-3");
    assert!(w.state().join("runs/web.prod.jsonl").exists());
}

#[test]
fn after_kill_9_run_refuses_and_resume_finishes_rerunning_only_the_unfinished_step() {
    let w = World::new();
    killed_at_web_3(&w);
    let o = w.run(&[
        "--strategy",
        "web-rolling",
        "--version",
        "v3",
        "--previous",
        "v2",
    ]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(
        out.contains("an interrupted run of web-rolling (version v2) is in the journal; use --resume to finish it or --rollback to undo it"),
        "{out}"
    );
    let o = w.run(&["--strategy", "web-rolling", "--resume"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("resuming web-rolling v2 of web to prod from step 3"),
        "{out}"
    );
    assert_eq!(
        w.log(),
        lines(&[
            "deploy web-1 v2",
            "deploy web-2 v2",
            "begin deploy web-3 v2",
            "deploy web-3 v2",
            "deploy web-4 v2"
        ])
    );
    assert_eq!(w.file("state/versions/web.prod").as_deref(), Some("v2\n"));
    let ev = events(&w.archived_journal());
    assert_eq!(ev.last().unwrap(), "finished");
    assert!(ev.contains(&"resumed".to_string()));
    // Nothing is left to resume.
    let o = w.run(&["--strategy", "web-rolling", "--resume"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("nothing to resume"), "{}", text(&o));
}

#[test]
fn after_kill_9_rollback_restores_the_previous_version_on_every_started_batch() {
    let w = World::new();
    std::fs::create_dir_all(w.state().join("versions")).unwrap();
    std::fs::write(w.state().join("versions/web.prod"), "v1\n").unwrap();
    rolling_instant(&w);
    w.ctl("hold-deploy-web-3", "");
    // {previous} comes from the version recorded as deployed.
    let mut child = w.spawn("killed", &["--strategy", "web-rolling", "--version", "v2"]);
    w.wait_for("begin deploy web-3 v2", Duration::from_secs(15));
    child.kill().unwrap();
    child.wait().unwrap();
    w.kill_hook("deploy-web-3");
    w.unctl("hold-deploy-web-3");

    let o = w.run(&["--strategy", "web-rolling", "--rollback"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(3), "{out}");
    assert_eq!(
        w.log(),
        lines(&[
            "deploy web-1 v2",
            "deploy web-2 v2",
            "begin deploy web-3 v2",
            "rollback web-3 v1",
            "rollback web-2 v1",
            "rollback web-1 v1"
        ])
    );
    assert_eq!(w.file("state/versions/web.prod").as_deref(), Some("v1\n"));
    assert!(!w.state().join("runs/web.prod.jsonl").exists());
    // A new run may start.
    let o = w.run(&["--strategy", "web-rolling", "--version", "v2"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn sigint_finishes_the_current_hook_then_leaves_a_resumable_journal() {
    let w = World::new();
    rolling_instant(&w);
    w.ctl("hold-deploy-web-2", "");
    let mut child = w.spawn(
        "int",
        &[
            "--strategy",
            "web-rolling",
            "--version",
            "v2",
            "--previous",
            "v1",
        ],
    );
    w.wait_for("begin deploy web-2 v2", Duration::from_secs(10));
    signal(&child, "INT");
    // The runner took the signal; then the hook in flight finishes.
    w.wait_for_output("int", "SIGINT: stopping", Duration::from_secs(10));
    w.unctl("hold-deploy-web-2");
    let code = wait(&mut child, Duration::from_secs(20));
    let out = w.output_of("int");
    assert_eq!(code, Some(130), "{out}");
    // The hook in flight finished; nothing after it started.
    assert_eq!(
        w.log(),
        lines(&[
            "deploy web-1 v2",
            "begin deploy web-2 v2",
            "deploy web-2 v2"
        ])
    );
    assert!(out.contains("--resume"), "{out}");
    let journal = std::fs::read_to_string(w.state().join("runs/web.prod.jsonl")).unwrap();
    assert!(
        journal.lines().last().unwrap().contains("\"interrupted\""),
        "{journal}"
    );
    let o = w.run(&["--strategy", "web-rolling", "--resume"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(
        w.log()[3..],
        lines(&["deploy web-2 v2", "deploy web-3 v2", "deploy web-4 v2"])
    );
}

#[test]
fn an_interrupted_rollback_is_continued_by_resume_without_redoing_done_hooks() {
    let w = World::new();
    rolling_instant(&w);
    // Step 2 fails (its deploy hook, as there is no verify), and the rollback
    // of web-2 is held until the signal has been taken.
    w.ctl("exit-deploy-web-2", "1");
    w.ctl("hold-rollback-web-2", "");
    let mut child = w.spawn(
        "int",
        &[
            "--strategy",
            "web-rolling",
            "--version",
            "v2",
            "--previous",
            "v1",
        ],
    );
    w.wait_for("begin rollback web-2 v1", Duration::from_secs(15));
    signal(&child, "TERM");
    w.wait_for_output("int", "SIGTERM: stopping", Duration::from_secs(10));
    w.unctl("hold-rollback-web-2");
    let code = wait(&mut child, Duration::from_secs(20));
    assert_eq!(code, Some(130), "{}", w.output_of("int"));
    let o = w.run(&["--strategy", "web-rolling", "--version", "v3"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let o = w.run(&["--strategy", "web-rolling", "--resume"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(3), "{out}");
    assert!(out.contains("unfinished rollback"), "{out}");
    assert_eq!(
        w.log(),
        lines(&[
            "deploy web-1 v2",
            "deploy web-2 v2",
            "begin rollback web-2 v1",
            "rollback web-2 v1",
            "rollback web-1 v1"
        ])
    );
    assert!(!w.state().join("runs/web.prod.jsonl").exists());
}

const BLUE_GREEN: &str = r#"
[[strategy]]
name = "web-bg"
kind = "blue-green"
service = "web"
env = "prod"
blue = ["b-1", "b-2"]
green = ["g-1", "g-2"]
keep_previous = "1m"
step_time = "1s"
verify = "1s"
health_interval = "1s"
monitoring = "1s"

[strategy.hooks]
deploy = ["HOOK", "deploy", "{color}", "{version}"]
switch = ["HOOK", "switch", "{color}"]
health = ["HOOK", "health", "{color}", "{target}"]
"#;

#[test]
fn blue_green_deploys_the_idle_colour_switches_and_records_the_live_one() {
    let w = World::new();
    w.policy("strategies.toml", BLUE_GREEN);
    let clock = fast_clock();
    let o = w.run_in(&["--strategy", "web-bg", "--version", "v2"], &clock);
    assert_eq!(o.code, Some(0), "{}", o.text);
    assert_eq!(
        w.file("state/bluegreen/web.prod").as_deref(),
        Some("green\n")
    );
    // Health is asked per target of the new colour, in verify and monitoring alike.
    let health = w.health_log();
    assert!(
        health.contains(&"health green g-1".to_string()),
        "{health:?}"
    );
    assert!(
        health.contains(&"health green g-2".to_string()),
        "{health:?}"
    );
    assert!(
        health.iter().all(|l| l.starts_with("health green g-")),
        "{health:?}"
    );
    // The next deploy goes to the other colour.
    let o = w.run_in(&["--strategy", "web-bg", "--version", "v3"], &clock);
    assert_eq!(o.code, Some(0), "{}", o.text);
    assert_eq!(
        w.log(),
        lines(&[
            "deploy green v2",
            "switch green",
            "deploy blue v3",
            "switch blue"
        ])
    );
    assert_eq!(
        w.file("state/bluegreen/web.prod").as_deref(),
        Some("blue\n")
    );
}

#[test]
fn blue_green_rollback_switches_back_and_nothing_else() {
    let w = World::new();
    w.policy("strategies.toml", BLUE_GREEN);
    // Green turns unhealthy once traffic reaches it.
    w.ctl("then-switch-green", "exit-health-green 1\n");
    let o = w.run_in(&["--strategy", "web-bg", "--version", "v2"], &fast_clock());
    assert_eq!(o.code, Some(3), "{}", o.text);
    assert_eq!(
        w.log(),
        lines(&["deploy green v2", "switch green", "switch blue"])
    );
    assert_eq!(w.file("state/bluegreen/web.prod"), None);
}

const CANARY_WEIGHT: &str = r#"
[[strategy]]
name = "web-canary"
kind = "canary"
service = "web"
env = "prod"
steps = [50, 100]
pause = "1s"
step_time = "1s"
verify = "1s"
health_interval = "1s"
monitoring = "1s"

[strategy.hooks]
deploy = ["HOOK", "deploy", "{version}"]
set_weight = ["HOOK", "weight", "{weight}"]
health = ["HOOK", "health"]
rollback = ["HOOK", "rollback", "{previous}"]
"#;

/// `run` of [`CANARY_WEIGHT`] from v1 to v2.
fn run_web_canary(w: &World) -> Ran {
    w.run_in(
        &[
            "--strategy",
            "web-canary",
            "--version",
            "v2",
            "--previous",
            "v1",
        ],
        &fast_clock(),
    )
}

#[test]
fn canary_by_weight_moves_traffic_step_by_step() {
    let w = World::new();
    w.policy("strategies.toml", CANARY_WEIGHT);
    let o = run_web_canary(&w);
    assert_eq!(o.code, Some(0), "{}", o.text);
    assert_eq!(w.log(), lines(&["deploy v2", "weight 50", "weight 100"]));
}

#[test]
fn canary_by_weight_rollback_sets_weight_0_then_rolls_back() {
    let w = World::new();
    w.policy("strategies.toml", CANARY_WEIGHT);
    w.ctl("then-weight-50", "exit-health 1\n");
    let o = run_web_canary(&w);
    assert_eq!(o.code, Some(3), "{}", o.text);
    assert_eq!(
        w.log(),
        lines(&["deploy v2", "weight 50", "weight 0", "rollback v1"])
    );
}

#[test]
fn an_unhealthy_canary_pool_is_rolled_back_before_any_traffic() {
    let w = World::new();
    w.policy("strategies.toml", CANARY_WEIGHT);
    w.ctl("exit-health", "1\n");
    let o = run_web_canary(&w);
    assert_eq!(o.code, Some(3), "{}", o.text);
    // No weight was ever set, so there is none to take back.
    assert_eq!(w.log(), lines(&["deploy v2", "rollback v1"]));
    assert!(o.text.contains("before traffic"), "{}", o.text);
}

#[test]
fn a_canary_pool_with_no_health_data_yet_gets_its_first_weight() {
    let w = World::new();
    w.policy("strategies.toml", CANARY_WEIGHT);
    // Metrics-based health has nothing to say before traffic; once the
    // first weight is set it answers healthy.
    w.ctl("exit-health", "75\n");
    w.ctl("then-weight-50", "exit-health 0\n");
    let o = run_web_canary(&w);
    assert_eq!(o.code, Some(0), "{}", o.text);
    assert_eq!(w.log(), lines(&["deploy v2", "weight 50", "weight 100"]));
}

const CANARY_TARGETS: &str = r#"
[[strategy]]
name = "web-canary-targets"
kind = "canary"
service = "web"
env = "prod"
targets = ["c-1", "c-2", "c-3", "c-4"]
steps = [25, 100]
pause = "1s"
step_time = "1s"
verify = "1s"
health_interval = "1s"
monitoring = "1s"

[strategy.hooks]
deploy = ["HOOK", "deploy", "{target}", "{version}"]
health = ["HOOK", "health", "{target}"]
rollback = ["HOOK", "rollback", "{target}", "{previous}"]
"#;

#[test]
fn canary_by_targets_updates_targets_step_by_step_and_undoes_them_in_reverse() {
    let w = World::new();
    w.policy("strategies.toml", CANARY_TARGETS);
    let o = w.run_in(
        &[
            "--strategy",
            "web-canary-targets",
            "--version",
            "v2",
            "--previous",
            "v1",
        ],
        &fast_clock(),
    );
    assert_eq!(o.code, Some(0), "{}", o.text);
    assert_eq!(
        w.log(),
        lines(&[
            "deploy c-1 v2",
            "deploy c-2 v2",
            "deploy c-3 v2",
            "deploy c-4 v2"
        ])
    );

    // Step 2's verify finds c-3 unhealthy: every updated target goes back, last first.
    let w = World::new();
    w.policy("strategies.toml", CANARY_TARGETS);
    w.ctl("then-deploy-c-4", "exit-health-c-3 1\n");
    let o = w.run_in(
        &[
            "--strategy",
            "web-canary-targets",
            "--version",
            "v2",
            "--previous",
            "v1",
        ],
        &fast_clock(),
    );
    assert_eq!(o.code, Some(3), "{}", o.text);
    assert_eq!(
        w.log()[4..],
        lines(&[
            "rollback c-4 v1",
            "rollback c-3 v1",
            "rollback c-2 v1",
            "rollback c-1 v1"
        ])
    );
}

#[test]
fn refusals_exit_2_before_anything_runs() {
    let w = World::new();
    rolling(&w, "pause");
    let o = w.run(&["--strategy", "web-rollin", "--version", "v2"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("did you mean `web-rolling`?"),
        "{}",
        text(&o)
    );
    // The rollback hook needs {previous}, and nothing says what it is.
    let o = w.run(&["--strategy", "web-rolling", "--version", "v2"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("--previous is needed"), "{}", text(&o));
    assert!(w.log().is_empty());
}
