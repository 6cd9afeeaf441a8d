//! Runs one hook: the argv with its placeholders substituted per argument (no
//! shell), the `SHIPWINDOW_*` variables in its environment, stdin closed, its
//! stdout and stderr printed line by line with a `[label]` prefix, and killed
//! when it outlives its timeout. The timeout is measured on the run's
//! [`Clock`] (a test moves it instead of waiting); the process itself is real.
//!
//! A hook runs in a process group of its own, so a Ctrl-C at the terminal
//! reaches the runner (which lets the hook finish) and not the hook. On a
//! timeout the hook is killed (`Child::kill`), and so is what it started in
//! its group, best effort, through `kill(1)`.
//!
//! [`HookName`] names the hooks the runner calls (and the journal records).

use super::progress::Progress;
use crate::clock::Clock;
use crate::policy::{Hook, HookValues, Hooks};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long the output of a hook that has exited is still read: what it
/// started in the background may keep its pipes open for good.
const DRAIN_GRACE: Duration = Duration::from_millis(500);

/// A hook the runner calls (`health` aside: the health watch calls it,
/// through [`run_hook_quiet`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HookName {
    Deploy,
    Switch,
    SetWeight,
    Rollback,
}

impl HookName {
    pub fn as_str(self) -> &'static str {
        match self {
            HookName::Deploy => "deploy",
            HookName::Switch => "switch",
            HookName::SetWeight => "set-weight",
            HookName::Rollback => "rollback",
        }
    }

    /// The strategy's hook of this name.
    pub fn of(self, hooks: &Hooks) -> Option<&Hook> {
        match self {
            HookName::Deploy => hooks.deploy.as_ref(),
            HookName::Switch => hooks.switch.as_ref(),
            HookName::SetWeight => hooks.set_weight.as_ref(),
            HookName::Rollback => hooks.rollback.as_ref(),
        }
    }

    /// The key in `[strategy.hooks]`.
    pub fn key(self) -> &'static str {
        match self {
            HookName::SetWeight => "set_weight",
            other => other.as_str(),
        }
    }
}

/// How a hook ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookOutcome {
    /// Exited with this code.
    Exited(i32),
    /// Killed by a signal it did not get from us.
    Signaled(i32),
    /// Outlived its timeout and was killed.
    TimedOut,
    /// Could not be started at all.
    SpawnFailed(String),
}

impl HookOutcome {
    pub fn success(&self) -> bool {
        *self == HookOutcome::Exited(0)
    }

    /// For messages: `exited with 1`, `timed out after 30s`, ….
    pub fn describe(&self, timeout: Duration) -> String {
        match self {
            HookOutcome::Exited(code) => format!("exited with {code}"),
            HookOutcome::Signaled(sig) => format!("was killed by signal {sig}"),
            HookOutcome::TimedOut => format!(
                "timed out after {}",
                crate::time::duration::format_duration(chrono::TimeDelta::seconds(
                    timeout.as_secs() as i64
                ))
            ),
            HookOutcome::SpawnFailed(e) => format!("could not be started: {e}"),
        }
    }
}

/// Runs `hook` with `values`, printing its output as `  [label] …`, in `cwd`
/// when given (else the runner's own directory).
pub fn run_hook(
    hook: &Hook,
    values: &HookValues<'_>,
    label: &str,
    out: &Progress,
    cwd: Option<&Path>,
    clock: &dyn Clock,
) -> HookOutcome {
    run_with(
        hook,
        values,
        label,
        Sink::Print(out),
        cwd,
        clock,
        DRAIN_GRACE,
    )
}

/// Like [`run_hook`], but keeps the output instead of printing it (health
/// polls: their output is shown only when they are not healthy).
pub fn run_hook_quiet(
    hook: &Hook,
    values: &HookValues<'_>,
    cwd: Option<&Path>,
    clock: &dyn Clock,
) -> (HookOutcome, Vec<String>) {
    let kept = Arc::new(Mutex::new(Vec::new()));
    let outcome = run_with(hook, values, "", Sink::Keep(&kept), cwd, clock, DRAIN_GRACE);
    let lines = kept
        .lock()
        .map(|mut l| std::mem::take(&mut *l))
        .unwrap_or_default();
    (outcome, lines)
}

/// Where a hook's output lines go.
#[derive(Clone, Copy)]
enum Sink<'a> {
    Print(&'a Progress),
    Keep(&'a Arc<Mutex<Vec<String>>>),
}

/// Runs the hook; once it has exited, its output is read for at most `grace`
/// more (until both pipes close, if sooner).
fn run_with(
    hook: &Hook,
    values: &HookValues<'_>,
    label: &str,
    out: Sink<'_>,
    cwd: Option<&Path>,
    clock: &dyn Clock,
    grace: Duration,
) -> HookOutcome {
    let argv = hook.render(values);
    let Some((program, args)) = argv.split_first() else {
        return HookOutcome::SpawnFailed("the hook's argv is empty".into());
    };
    let mut cmd = Command::new(program);
    cmd.args(args)
        .envs(Hook::env(values))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    if let Some(cwd) = cwd {
        cmd.current_dir(cwd);
    }
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => return HookOutcome::SpawnFailed(format!("{program}: {e}")),
    };
    // Readers stop printing once `closed` is set: output from something the
    // hook left running must not be attributed to later steps.
    let closed = Arc::new(AtomicBool::new(false));
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let mut readers = 0;
    if let Some(stdout) = child.stdout.take() {
        spawn_reader(stdout, label, out, &closed, done_tx.clone());
        readers += 1;
    }
    if let Some(stderr) = child.stderr.take() {
        spawn_reader(stderr, label, out, &closed, done_tx.clone());
        readers += 1;
    }
    drop(done_tx);

    let deadline = clock.now() + hook.timeout.max(chrono::TimeDelta::milliseconds(1));
    let outcome = loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                break match (status.code(), status.signal()) {
                    (Some(code), _) => HookOutcome::Exited(code),
                    (None, Some(sig)) => HookOutcome::Signaled(sig),
                    (None, None) => HookOutcome::Signaled(0),
                };
            }
            Ok(None) if clock.now() >= deadline => {
                let _ = child.kill();
                kill_group(child.id());
                let _ = child.wait();
                break HookOutcome::TimedOut;
            }
            // Polling the process (not waiting for time): a short real nap.
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => {
                let _ = child.kill();
                kill_group(child.id());
                let _ = child.wait();
                break HookOutcome::SpawnFailed(format!("waiting for {program}: {e}"));
            }
        }
    };
    // Real time: this waits on pipes, whatever the run's clock says.
    let drained_by = Instant::now() + grace;
    for _ in 0..readers {
        let left = drained_by.saturating_duration_since(Instant::now());
        if done_rx.recv_timeout(left).is_err() {
            break;
        }
    }
    closed.store(true, Ordering::Relaxed);
    outcome
}

/// The hook's timeout as a std duration (at least a millisecond).
pub fn timeout_of(hook: &Hook) -> Duration {
    hook.timeout
        .to_std()
        .unwrap_or(Duration::ZERO)
        .max(Duration::from_millis(1))
}

fn spawn_reader(
    pipe: impl Read + Send + 'static,
    label: &str,
    out: Sink<'_>,
    closed: &Arc<AtomicBool>,
    done: mpsc::Sender<()>,
) {
    enum Owned {
        Print(Progress),
        Keep(Arc<Mutex<Vec<String>>>),
    }
    let label = label.to_string();
    let out = match out {
        Sink::Print(p) => Owned::Print(p.clone()),
        Sink::Keep(k) => Owned::Keep(Arc::clone(k)),
    };
    let closed = Arc::clone(closed);
    std::thread::spawn(move || {
        let mut reader = BufReader::new(pipe);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match reader.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    if closed.load(Ordering::Relaxed) {
                        continue;
                    }
                    let text = String::from_utf8_lossy(&buf);
                    let line = text.trim_end_matches(['\n', '\r']);
                    match &out {
                        Owned::Print(p) => p.hook_line(&label, line),
                        Owned::Keep(k) => {
                            if let Ok(mut k) = k.lock() {
                                k.push(line.to_string());
                            }
                        }
                    }
                }
            }
        }
        let _ = done.send(());
    });
}

/// Kills what a timed-out hook started in its process group (the hook leads
/// the group, so the group id is its pid). Best effort: `kill(1)` may be absent.
fn kill_group(pid: u32) {
    let _ = Command::new("kill")
        .args(["-s", "KILL", "--", &format!("-{pid}")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{ManualClock, SystemClock};
    use chrono::{TimeDelta, Utc};

    fn sh(script: &str, timeout_ms: i64) -> Hook {
        Hook {
            argv: vec!["sh".into(), "-c".into(), script.into(), "hook".into()],
            timeout: TimeDelta::milliseconds(timeout_ms),
        }
    }

    #[test]
    fn exit_codes_and_prefixed_output_from_both_streams() {
        let out = Progress::capture();
        let hook = sh("echo out; echo err >&2; exit 3", 5_000);
        let outcome = run_hook(
            &hook,
            &HookValues::default(),
            "deploy web-1",
            &out,
            None,
            &SystemClock,
        );
        assert_eq!(outcome, HookOutcome::Exited(3));
        let mut lines = out.lines();
        lines.sort();
        assert_eq!(lines, ["  [deploy web-1] err", "  [deploy web-1] out"]);
    }

    #[test]
    fn placeholders_reach_the_argv_and_the_environment() {
        let out = Progress::capture();
        let hook = Hook {
            argv: vec![
                "sh".into(),
                "-c".into(),
                "echo \"$1 $SHIPWINDOW_VERSION\"".into(),
                "hook".into(),
                "{target}".into(),
            ],
            timeout: TimeDelta::seconds(5),
        };
        let values = HookValues {
            target: Some("web 1; rm -rf /"),
            version: Some("v2"),
            ..HookValues::default()
        };
        assert!(run_hook(&hook, &values, "x", &out, None, &SystemClock).success());
        assert_eq!(out.lines(), ["  [x] web 1; rm -rf / v2"]);
    }

    #[test]
    fn a_hook_that_outlives_its_timeout_is_killed_with_what_it_started() {
        let out = Progress::capture();
        let hook = sh("echo started; sleep 30; echo never", 300);
        // The clock passes the timeout once the hook has started.
        let clock = std::sync::Arc::new(ManualClock::new(Utc::now()));
        let (mover, seen) = (std::sync::Arc::clone(&clock), out.clone());
        std::thread::spawn(move || {
            while seen.lines().is_empty() {
                std::thread::sleep(Duration::from_millis(5));
            }
            mover.advance(TimeDelta::milliseconds(300));
        });
        let t = Instant::now();
        let outcome = run_hook(&hook, &HookValues::default(), "slow", &out, None, &*clock);
        assert_eq!(outcome, HookOutcome::TimedOut);
        assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
        assert_eq!(out.lines(), ["  [slow] started"]);
        assert!(outcome.describe(Duration::from_secs(30)).contains("30s"));
    }

    #[test]
    fn a_missing_program_is_a_spawn_failure_not_a_panic() {
        let out = Progress::capture();
        let hook = Hook {
            argv: vec!["/nonexistent/hook".into()],
            timeout: TimeDelta::seconds(1),
        };
        let outcome = run_hook(&hook, &HookValues::default(), "x", &out, None, &SystemClock);
        assert!(
            matches!(outcome, HookOutcome::SpawnFailed(_)),
            "{outcome:?}"
        );
    }

    #[test]
    fn background_children_holding_the_pipes_do_not_block_the_runner() {
        let out = Progress::capture();
        let hook = sh("sleep 3 & echo done", 5_000);
        let t = Instant::now();
        // No grace: the pipes stay open for three more seconds, and the runner
        // must not wait for them (nor for a grace that would only slow the test).
        let outcome = run_with(
            &hook,
            &HookValues::default(),
            "bg",
            Sink::Print(&out),
            None,
            &SystemClock,
            Duration::ZERO,
        );
        assert_eq!(outcome, HookOutcome::Exited(0));
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    }

    #[test]
    fn output_is_read_to_the_end_when_the_pipes_close_within_the_grace() {
        let out = Progress::capture();
        let hook = sh("echo one; echo two >&2", 5_000);
        // The pipes' closing ends the drain, not the (long) grace.
        let t = Instant::now();
        let outcome = run_with(
            &hook,
            &HookValues::default(),
            "fg",
            Sink::Print(&out),
            None,
            &SystemClock,
            Duration::from_secs(60),
        );
        assert_eq!(outcome, HookOutcome::Exited(0));
        assert!(t.elapsed() < Duration::from_secs(30), "{:?}", t.elapsed());
        let mut lines = out.lines();
        lines.sort();
        assert_eq!(lines, ["  [fg] one", "  [fg] two"]);
    }
}
