//! A scratch deploy world for runner tests: a policy directory, a state
//! directory and one scripted hook, `hooks/hook.sh ACTION [ARGS…]`, that
//! appends `ACTION ARGS…` to `hooks.log` (health polls to `health.log`) and
//! does what files in `ctl/` tell it, keyed by `ACTION-FIRSTARG` (or just
//! `ACTION`):
//!
//! - `ctl/exit-KEY`: exit with the code it holds;
//! - `ctl/sleep-KEY`: log `begin ACTION ARGS…`, write its pid to
//!   `ctl/pid-KEY`, then sleep that many seconds before doing the rest (a hook
//!   that is killed before it wakes);
//! - `ctl/hold-KEY`: the same, but wait until the test removes the file;
//! - `ctl/then-KEY`: after running, write each `NAME CONTENT` line of it to
//!   `ctl/NAME` (a hook that changes what later hooks do).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]
#![allow(dead_code, reason = "each test file uses the helpers it needs")]

use chrono::{SubsecRound, Utc};
use shipwindow::clock::ManualClock;
use shipwindow::runner::{self, Mode, Options, progress::Progress, signals::Stop};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const HOOK: &str = r#"#!/bin/sh
d=$(cd "$(dirname "$0")/.." && pwd)
action=$1
shift
key="$action${1:+-$1}"
if [ -f "$d/ctl/sleep-$key" ]; then
  echo $$ > "$d/ctl/pid-$key"
  echo "begin $action $*" >> "$d/hooks.log"
  sleep "$(cat "$d/ctl/sleep-$key")"
fi
if [ -f "$d/ctl/hold-$key" ]; then
  echo $$ > "$d/ctl/pid-$key"
  echo "begin $action $*" >> "$d/hooks.log"
  while [ -f "$d/ctl/hold-$key" ]; do sleep 0.02; done
fi
code=0
[ -f "$d/ctl/exit-$key" ] && code=$(cat "$d/ctl/exit-$key")
if [ "$action" = health ]; then
  echo "$action $*" >> "$d/health.log"
else
  echo "$action $*" >> "$d/hooks.log"
fi
if [ -f "$d/ctl/then-$key" ]; then
  while read -r name content; do echo "$content" > "$d/ctl/$name"; done < "$d/ctl/then-$key"
fi
echo "did $action $*"
exit "$code"
"#;

pub struct World {
    pub dir: tempfile::TempDir,
}

impl World {
    pub fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["policies", "state", "hooks", "ctl"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        let hook = dir.path().join("hooks/hook.sh");
        std::fs::write(&hook, HOOK).unwrap();
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
        let w = World { dir };
        w.policy("settings.toml", "[settings]\ntimezone = \"UTC\"\n");
        w
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn hook(&self) -> String {
        self.root().join("hooks/hook.sh").display().to_string()
    }

    pub fn policies(&self) -> PathBuf {
        self.root().join("policies")
    }

    pub fn state(&self) -> PathBuf {
        self.root().join("state")
    }

    /// Writes a policy file; `HOOK` in the text becomes the hook script's path.
    pub fn policy(&self, name: &str, text: &str) {
        let path = self.policies().join(name);
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, text.replace("HOOK", &self.hook())).unwrap();
        std::fs::rename(tmp, path).unwrap();
    }

    pub fn ctl(&self, name: &str, content: &str) {
        std::fs::write(self.root().join("ctl").join(name), content).unwrap();
    }

    pub fn unctl(&self, name: &str) {
        let _ = std::fs::remove_file(self.root().join("ctl").join(name));
    }

    /// `shipwindow --policies … run --state-dir … ARGS`.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_shipwindow"));
        cmd.arg("--policies")
            .arg(self.policies())
            .arg("run")
            .arg("--state-dir")
            .arg(self.state())
            .args(args)
            .env_remove("SHIPWINDOW_POLICIES")
            .env_remove("SHIPWINDOW_STATE_DIR")
            .stdin(Stdio::null());
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    /// Starts a run in the background, its output going to `name.out`/`name.err`.
    pub fn spawn(&self, name: &str, args: &[&str]) -> Child {
        let out = std::fs::File::create(self.root().join(format!("{name}.out"))).unwrap();
        let err = std::fs::File::create(self.root().join(format!("{name}.err"))).unwrap();
        self.cmd(args).stdout(out).stderr(err).spawn().unwrap()
    }

    /// `run ARGS` in this process, on `clock`: its exit code and its output
    /// (plain lines stamped by the clock, then the error of an exit 2).
    pub fn run_in(&self, args: &[&str], clock: &Arc<ManualClock>) -> Ran {
        self.spawn_in(args, clock).join().unwrap()
    }

    /// [`World::run_in`] on a thread of its own.
    pub fn spawn_in(
        &self,
        args: &[&str],
        clock: &Arc<ManualClock>,
    ) -> std::thread::JoinHandle<Ran> {
        let opts = self.options(args);
        let clock = Arc::clone(clock);
        std::thread::spawn(move || {
            let lines = Lines::default();
            let out = Progress::plain(Box::new(lines.clone()), clock.clone());
            let result = runner::run(&opts, &out, &Stop::never(), &*clock);
            let mut text = lines.text();
            let code = match result {
                Ok(outcome) => outcome.exit_code(),
                Err(e) => {
                    text.push_str(&format!("{e}\n"));
                    runner::EXIT_BAD_INPUT
                }
            };
            Ran {
                code: Some(i32::from(code)),
                text,
            }
        })
    }

    /// The runner's options for `run ARGS` (`--strategy`, `--version`,
    /// `--previous`, `--resume`, `--rollback`) in this world.
    fn options(&self, args: &[&str]) -> Options {
        let mut opts = Options {
            policies: self.policies(),
            strategy: String::new(),
            version: None,
            previous: None,
            state_dir: self.state(),
            mode: Mode::Start,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = || args.next().unwrap().to_string();
            match *arg {
                "--strategy" => opts.strategy = value(),
                "--version" => opts.version = Some(value()),
                "--previous" => opts.previous = Some(value()),
                "--resume" => opts.mode = Mode::Resume,
                "--rollback" => opts.mode = Mode::Rollback,
                other => panic!("run_in does not know {other}"),
            }
        }
        opts
    }

    pub fn output_of(&self, name: &str) -> String {
        let out =
            std::fs::read_to_string(self.root().join(format!("{name}.out"))).unwrap_or_default();
        let err =
            std::fs::read_to_string(self.root().join(format!("{name}.err"))).unwrap_or_default();
        format!("{out}{err}")
    }

    /// What the hooks did, health polls aside.
    pub fn log(&self) -> Vec<String> {
        read_lines(&self.root().join("hooks.log"))
    }

    pub fn health_log(&self) -> Vec<String> {
        read_lines(&self.root().join("health.log"))
    }

    /// Waits until `line` is in the hook log.
    pub fn wait_for(&self, line: &str, within: Duration) {
        let end = Instant::now() + within;
        while Instant::now() < end {
            if self.log().iter().any(|l| l == line) {
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!(
            "`{line}` not in the hook log within {within:?}: {:?}",
            self.log()
        );
    }

    /// Waits until the output of the spawned run `name` holds `text`.
    pub fn wait_for_output(&self, name: &str, text: &str, within: Duration) {
        let end = Instant::now() + within;
        while Instant::now() < end {
            if self.output_of(name).contains(text) {
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!(
            "`{text}` not in the output of {name} within {within:?}:\n{}",
            self.output_of(name)
        );
    }

    /// Kills a sleeping hook and what it started (its process group).
    pub fn kill_hook(&self, key: &str) {
        let pid =
            std::fs::read_to_string(self.root().join("ctl").join(format!("pid-{key}"))).unwrap();
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &format!("-{}", pid.trim())])
            .status();
    }

    pub fn file(&self, rel: &str) -> Option<String> {
        std::fs::read_to_string(self.root().join(rel)).ok()
    }

    /// The journal lines of the run(s) that ended, oldest file first.
    pub fn archived_journal(&self) -> Vec<serde_json::Value> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.state().join("runs"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        files
            .iter()
            .flat_map(|f| read_lines(f))
            .map(|l| serde_json::from_str(&l).unwrap())
            .collect()
    }
}

/// A clock for an in-process run, from the current second: held (time moves
/// when the test says) until `auto_advance(true)`.
pub fn held_clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(Utc::now().trunc_subsecs(0)))
}

/// A clock for an in-process run whose waits end at once: a run of
/// one-second steps takes no time, and still sees each second pass.
pub fn fast_clock() -> Arc<ManualClock> {
    let clock = held_clock();
    clock.auto_advance(true);
    clock
}

/// How an in-process run ended.
#[derive(Debug)]
pub struct Ran {
    /// The exit code `shipwindow run` would have given.
    pub code: Option<i32>,
    pub text: String,
}

/// The output of an in-process run, shared with its display.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl Lines {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn read_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Sends signal `name` (`INT`, `TERM`, …) to `child`, as a user or CI would.
pub fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args(["-s", name, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -s {name} failed");
}

/// Waits for a child with a deadline; kills it and panics when it overstays.
pub fn wait(child: &mut Child, within: Duration) -> Option<i32> {
    let end = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        if Instant::now() >= end {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the run did not end within {within:?}");
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}
