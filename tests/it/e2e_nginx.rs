//! End to end with real processes and a real nginx: the demo of
//! `examples/nginx/` (Python app instances on loopback ports behind nginx,
//! deployed by the example hook scripts) driven by the built `shipwindow run`,
//! while a bounded load loop requests the app through nginx and counts every
//! request that does not come back `200`.
//!
//! They need nginx (on PATH or at /usr/sbin/nginx) and python3, so they are
//! `#[ignore]`d with that reason and a plain `cargo test` lists them as ignored;
//! `scripts/test.sh` (the README's test command, which `.ci/run` calls) installs
//! both when missing and runs them with `--include-ignored`. Run without those
//! tools, a test fails and says what is missing. The tests take
//! turns (one demo at a time on a small machine) and each tears its demo down
//! when it ends, panics included.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// One demo at a time: each runs nginx, a few instances and a load loop.
static TURN: Mutex<()> = Mutex::new(());

/// How long each request in the app takes, so that there are always requests
/// in flight when an instance is taken out of the upstream.
const APP_DELAY_MS: &str = "50";

fn turn() -> MutexGuard<'static, ()> {
    TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn example(script: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/nginx")
        .join(script)
}

fn executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| executable(p))
}

/// nginx on PATH, else /usr/sbin/nginx (not on a normal user's PATH).
fn find_nginx() -> Option<PathBuf> {
    on_path("nginx").or_else(|| {
        let sbin = PathBuf::from("/usr/sbin/nginx");
        executable(&sbin).then_some(sbin)
    })
}

/// The nginx to run; a test without nginx or python3 fails saying which is
/// missing (it is ignored unless asked for, so being asked means it must run).
fn tools() -> PathBuf {
    let nginx = find_nginx()
        .expect("nginx not found (on PATH or /usr/sbin/nginx): install it (apt-get install nginx-light) or run scripts/test.sh");
    assert!(
        on_path("python3").is_some(),
        "python3 not found (the demo app needs it): install it or run scripts/test.sh"
    );
    nginx
}

/// Loopback ports that were free a moment ago, all different.
fn free_ports(n: usize) -> Vec<u16> {
    let held: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    held.iter()
        .map(|l| l.local_addr().unwrap().port())
        .collect()
}

fn get(port: u16, path: &str) -> Result<(u16, String), String> {
    request(port, "GET", path)
}

/// One request on a loopback port, one connection per request (no keep-alive,
/// so each request is a whole trip through nginx): the status and the body.
/// A POST carries a small body; nginx does not retry it on another instance
/// once it was sent to one, so it fails if that instance goes away under it.
fn request(port: u16, method: &str, path: &str) -> Result<(u16, String), String> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2))
        .map_err(|e| format!("{method}: connect: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.set_write_timeout(Some(Duration::from_secs(2))).unwrap();
    let body = if method == "POST" { "order=42\n" } else { "" };
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .map_err(|e| format!("{method}: write: {e}"))?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)
        .map_err(|e| format!("{method}: read: {e}"))?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("{method}: no header end in {text:?}"))?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("{method}: no status in {head:?}"))?;
    Ok((status, body.trim().to_string()))
}

/// What the load loop saw.
#[derive(Debug, Default)]
struct Tally {
    requests: usize,
    /// Of which POSTs.
    posts: usize,
    failures: Vec<String>,
    /// Response bodies (`web-1 v2`) and how often each came back.
    bodies: BTreeMap<String, usize>,
}

impl Tally {
    /// Requests answered by a version, over all instances.
    fn by_version(&self, version: &str) -> usize {
        self.bodies
            .iter()
            .filter(|(body, _)| body.split_whitespace().nth(1) == Some(version))
            .map(|(_, n)| n)
            .sum()
    }
}

/// Requests through nginx on a few threads until stopped (or for at most 55
/// seconds), a short pause between two requests of a thread; GET and POST in
/// turn.
struct LoadLoop {
    stop: Arc<AtomicBool>,
    tally: Arc<Mutex<Tally>>,
    threads: Vec<JoinHandle<()>>,
    started: Instant,
}

impl LoadLoop {
    const THREADS: usize = 6;
    const PAUSE: Duration = Duration::from_millis(5);
    const LIMIT: Duration = Duration::from_secs(55);

    fn start(port: u16) -> LoadLoop {
        let stop = Arc::new(AtomicBool::new(false));
        let tally = Arc::new(Mutex::new(Tally::default()));
        let started = Instant::now();
        let threads = (0..Self::THREADS)
            .map(|_| {
                let (stop, tally) = (Arc::clone(&stop), Arc::clone(&tally));
                std::thread::spawn(move || {
                    let mut n = 0usize;
                    while !stop.load(Ordering::Relaxed) && started.elapsed() < Self::LIMIT {
                        let method = if n.is_multiple_of(2) { "GET" } else { "POST" };
                        n += 1;
                        let result = request(port, method, "/");
                        let mut t = tally.lock().unwrap_or_else(|p| p.into_inner());
                        t.requests += 1;
                        if method == "POST" {
                            t.posts += 1;
                        }
                        match result {
                            Ok((200, body)) => *t.bodies.entry(body).or_default() += 1,
                            Ok((status, body)) => {
                                t.failures.push(format!("{method}: {status} {body}"));
                            }
                            Err(e) => t.failures.push(e),
                        }
                        drop(t);
                        std::thread::sleep(Self::PAUSE);
                    }
                })
            })
            .collect();
        LoadLoop {
            stop,
            tally,
            threads,
            started,
        }
    }

    /// Waits until the loop has answered `more` requests beyond those it had
    /// answered when called (an event, not a span of time: on a busy machine the
    /// load is in flight before and after the run however slow it starts).
    fn wait_for_requests(&self, more: usize) {
        let count = || {
            self.tally
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .requests
        };
        let target = count() + more;
        while count() < target {
            assert!(
                self.started.elapsed() < Self::LIMIT,
                "the load loop made no progress"
            );
            std::thread::sleep(Self::PAUSE);
        }
    }

    fn finish(mut self) -> (Tally, Duration) {
        self.halt();
        let elapsed = self.started.elapsed();
        let tally = std::mem::take(&mut *self.tally.lock().unwrap_or_else(|p| p.into_inner()));
        (tally, elapsed)
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for LoadLoop {
    fn drop(&mut self) {
        self.halt();
    }
}

/// A demo in a temporary directory: `demo/` (SHIPWINDOW_DEMO_DIR), `policies/`,
/// `state/`. Dropping it runs teardown.sh and then kills, by the pids the demo
/// recorded, whatever is still alive.
struct Demo {
    root: tempfile::TempDir,
    nginx: PathBuf,
    port: u16,
    /// Instance name and its port.
    instances: Vec<(String, u16)>,
    _turn: MutexGuard<'static, ()>,
}

impl Demo {
    /// `setup.sh` with `names` on free ports, all on `version`; None (after
    /// saying why) when nginx or python3 is missing.
    fn start(names: &[&str], version: &str) -> Demo {
        let nginx = tools();
        let turn = turn();
        let root = tempfile::tempdir().unwrap();
        for sub in ["demo", "policies", "state"] {
            std::fs::create_dir_all(root.path().join(sub)).unwrap();
        }
        let mut ports = free_ports(names.len() + 1);
        let port = ports.pop().unwrap();
        let instances: Vec<(String, u16)> =
            names.iter().map(|n| n.to_string()).zip(ports).collect();
        let demo = Demo {
            root,
            nginx,
            port,
            instances,
            _turn: turn,
        };
        std::fs::write(
            demo.root.path().join("policies/settings.toml"),
            "[settings]\ntimezone = \"UTC\"\n",
        )
        .unwrap();
        let specs: Vec<String> = demo
            .instances
            .iter()
            .map(|(n, p)| format!("{n}={p}"))
            .collect();
        let mut cmd = demo.script("setup.sh");
        cmd.args(&specs)
            .env("SHIPWINDOW_DEMO_PORT", port.to_string())
            .env("SHIPWINDOW_DEMO_VERSION", version);
        let (code, out) = demo.wait(cmd, "setup", Duration::from_secs(30));
        assert_eq!(code, Some(0), "setup.sh failed:\n{out}");
        demo
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }

    /// An example script with the demo's environment.
    fn script(&self, name: &str) -> Command {
        let mut cmd = Command::new(example(name));
        self.env(&mut cmd);
        cmd
    }

    fn env(&self, cmd: &mut Command) {
        cmd.env("SHIPWINDOW_DEMO_DIR", self.path("demo"))
            .env("SHIPWINDOW_DEMO_NGINX", &self.nginx)
            .env("SHIPWINDOW_DEMO_DELAY_MS", APP_DELAY_MS)
            .env_remove("SHIPWINDOW_POLICIES")
            .env_remove("SHIPWINDOW_STATE_DIR")
            .stdin(Stdio::null());
    }

    /// Runs `cmd` with its output in a file, killing it after `within`.
    fn wait(&self, mut cmd: Command, name: &str, within: Duration) -> (Option<i32>, String) {
        let file = self.path(&format!("{name}.out"));
        let out = std::fs::File::create(&file).unwrap();
        let err = out.try_clone().unwrap();
        let mut child = cmd.stdout(out).stderr(err).spawn().unwrap();
        let end = Instant::now() + within;
        let code = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status.code();
            }
            if Instant::now() >= end {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "{name} did not end within {within:?}:\n{}",
                    std::fs::read_to_string(&file).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        (code, std::fs::read_to_string(&file).unwrap_or_default())
    }

    /// Writes `policies/strategies.toml`; `HOOKS/` becomes the example directory.
    fn strategies(&self, toml: &str) {
        let hooks = format!(
            "{}/",
            example("").display().to_string().trim_end_matches('/')
        );
        std::fs::write(
            self.path("policies/strategies.toml"),
            toml.replace("HOOKS/", &hooks),
        )
        .unwrap();
    }

    /// `shipwindow run ARGS` with the demo's policies and state; the exit code,
    /// the output and how long it took.
    fn run(&self, args: &[&str]) -> (Option<i32>, String, Duration) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_shipwindow"));
        cmd.arg("--policies")
            .arg(self.path("policies"))
            .arg("run")
            .arg("--state-dir")
            .arg(self.path("state"))
            .args(args);
        self.env(&mut cmd);
        let t = Instant::now();
        let (code, out) = self.wait(cmd, "run", Duration::from_secs(50));
        (code, out, t.elapsed())
    }

    /// `run ARGS` while the load loop requests through nginx, from a few dozen
    /// requests before it to a few dozen after; reports what the load saw as
    /// `what` and returns the exit code, the output and the tally.
    fn run_under_load(&self, what: &str, args: &[&str]) -> (Option<i32>, String, Tally) {
        let load = LoadLoop::start(self.port);
        load.wait_for_requests(2 * LoadLoop::THREADS);
        let (code, out, took) = self.run(args);
        load.wait_for_requests(2 * LoadLoop::THREADS);
        let (tally, load_for) = load.finish();
        report(what, &tally, load_for, took);
        (code, out, tally)
    }

    /// What each instance answers on its own port.
    fn instance_bodies(&self) -> Vec<String> {
        self.instances
            .iter()
            .map(|(name, port)| match get(*port, "/") {
                Ok((200, body)) => body,
                other => panic!("{name} on {port}: {other:?}"),
            })
            .collect()
    }

    /// `n` requests through nginx: each body and how often it came back.
    fn through_nginx(&self, n: usize) -> BTreeMap<String, usize> {
        let mut seen = BTreeMap::new();
        for _ in 0..n {
            match get(self.port, "/") {
                Ok((200, body)) => *seen.entry(body).or_insert(0) += 1,
                other => panic!("through nginx: {other:?}"),
            }
        }
        seen
    }

    fn upstream(&self) -> String {
        std::fs::read_to_string(self.path("demo/upstream.conf")).unwrap_or_default()
    }

    /// The pids the demo recorded: nginx's master first, then the instances.
    fn recorded_pids(&self) -> Vec<u32> {
        let read = |p: PathBuf| {
            std::fs::read_to_string(p)
                .ok()
                .and_then(|s| s.trim().parse::<u32>().ok())
        };
        let mut pids: Vec<u32> = read(self.path("demo/nginx.pid")).into_iter().collect();
        for (name, _) in &self.instances {
            pids.extend(read(self.path(&format!("demo/instances/{name}/pid"))));
        }
        pids
    }
}

/// Children of `pid` (nginx's workers), from /proc.
fn children(pid: u32) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|p| {
            std::fs::read_to_string(format!("/proc/{p}/status")).is_ok_and(|s| {
                s.lines()
                    .any(|l| l.strip_prefix("PPid:").map(str::trim) == Some(&pid.to_string()))
            })
        })
        .collect()
}

/// A live process (not a zombie).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        let state = s.rsplit_once(") ").map(|(_, rest)| rest.chars().next());
        !matches!(state, Some(Some('Z' | 'X')) | None)
    })
}

impl Drop for Demo {
    fn drop(&mut self) {
        // Best effort and never a panic: teardown.sh, then SIGKILL for anything
        // it left (a broken script must not leave nginx running).
        let pids = self.recorded_pids();
        let workers: Vec<u32> = pids.first().map(|m| children(*m)).unwrap_or_default();
        let mut cmd = self.script("teardown.sh");
        if let Ok(mut child) = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn() {
            let end = Instant::now() + Duration::from_secs(20);
            while Instant::now() < end {
                if !matches!(child.try_wait(), Ok(None)) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        for pid in pids.iter().chain(&workers) {
            if alive(*pid) {
                let _ = Command::new("kill")
                    .args(["-s", "KILL", &pid.to_string()])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status();
            }
        }
    }
}

/// Rolling over the four web instances, durations of a second.
const ROLLING: &str = r#"
[[strategy]]
name = "web-rolling"
kind = "rolling"
service = "web"
env = "e2e"
targets = ["web-1", "web-2", "web-3", "web-4"]
batch = 1
step_time = "1s"
verify = "1s"
health_interval = "1s"
monitoring = "2s"

[strategy.hooks]
deploy = { run = ["HOOKS/deploy.sh", "{target}", "{version}"], timeout = "30s" }
health = { run = ["HOOKS/health.sh", "{target}"], timeout = "5s" }
rollback = { run = ["HOOKS/deploy.sh", "{target}", "{previous}"], timeout = "30s" }
"#;

const BLUE_GREEN: &str = r#"
[[strategy]]
name = "api-blue-green"
kind = "blue-green"
service = "api"
env = "e2e"
blue = ["blue-1", "blue-2"]
green = ["green-1", "green-2"]
keep_previous = "10m"
step_time = "1s"
verify = "1s"
health_interval = "1s"
monitoring = "2s"

[strategy.hooks]
deploy = { run = ["HOOKS/deploy-color.sh", "{color}", "{version}"], timeout = "30s" }
health = { run = ["HOOKS/health.sh", "{target}"], timeout = "5s" }
switch = { run = ["HOOKS/switch.sh", "{color}"], timeout = "30s" }
"#;

const CANARY: &str = r#"
[[strategy]]
name = "checkout-canary"
kind = "canary"
service = "checkout"
env = "e2e"
steps = [50, 100]
pause = "1s"
step_time = "1s"
verify = "1s"
health_interval = "1s"
monitoring = "2s"

[strategy.hooks]
deploy = { run = ["HOOKS/deploy.sh", "canary-1", "{version}"], timeout = "30s" }
set_weight = { run = ["HOOKS/set-weight.sh", "{weight}"], timeout = "30s" }
health = { run = ["HOOKS/health.sh", "canary-1"], timeout = "5s" }
rollback = { run = ["HOOKS/deploy.sh", "canary-1", "{previous}"], timeout = "30s" }
"#;

/// What the load saw, on the real stderr (shown by `cargo test` and in CI logs).
fn report(what: &str, tally: &Tally, load_for: Duration, run_for: Duration) {
    let _ = writeln!(
        std::io::stderr(),
        "e2e {what}: {} requests ({} POST) through nginx in {:.1}s, {} failed; the run took {:.1}s; answers: {:?}",
        tally.requests,
        tally.posts,
        load_for.as_secs_f64(),
        tally.failures.len(),
        run_for.as_secs_f64(),
        tally.bodies
    );
}

fn assert_no_failures(tally: &Tally, out: &str) {
    assert!(
        tally.failures.is_empty(),
        "{} of {} requests failed, first ones: {:?}\n{out}",
        tally.failures.len(),
        tally.requests,
        &tally.failures[..tally.failures.len().min(10)]
    );
    assert!(
        tally.requests >= 100,
        "the load loop made only {} requests",
        tally.requests
    );
}

#[test]
#[ignore = "needs nginx and python3; scripts/test.sh installs them and runs it"]
fn rolling_deploy_of_v2_fails_no_request_and_every_instance_serves_v2() {
    let demo = Demo::start(&["web-1", "web-2", "web-3", "web-4"], "v1");
    demo.strategies(ROLLING);
    let (code, out, tally) = demo.run_under_load(
        "rolling v1 -> v2",
        &[
            "--strategy",
            "web-rolling",
            "--version",
            "v2",
            "--previous",
            "v1",
        ],
    );
    assert_eq!(code, Some(0), "{out}");
    assert_no_failures(&tally, &out);
    assert!(
        tally.by_version("v1") > 0 && tally.by_version("v2") > 0,
        "{tally:?}"
    );
    for n in 1..=4 {
        assert!(
            out.contains(&format!("[{n}/4] deploy web-{n} (v2)")),
            "{out}"
        );
        assert!(
            out.contains(&format!("web-{n}: out of the upstream")),
            "{out}"
        );
    }
    assert!(out.contains("finished: web v2 is deployed to e2e"), "{out}");
    assert_eq!(
        demo.instance_bodies(),
        ["web-1 v2", "web-2 v2", "web-3 v2", "web-4 v2"]
    );
    let seen = demo.through_nginx(40);
    assert!(seen.keys().all(|b| b.ends_with(" v2")), "{seen:?}");
    assert!(!demo.upstream().contains("down"), "{}", demo.upstream());
    assert_eq!(
        std::fs::read_to_string(demo.path("state/versions/web.e2e")).unwrap(),
        "v2\n"
    );
}

#[test]
#[ignore = "needs nginx and python3; scripts/test.sh installs them and runs it"]
fn blue_green_deploy_of_v2_fails_no_request_and_switches_to_green() {
    let demo = Demo::start(&["blue-1", "blue-2", "green-1", "green-2"], "v1");
    demo.strategies(BLUE_GREEN);
    let (code, out, tally) = demo.run_under_load(
        "blue-green v1 -> v2",
        &[
            "--strategy",
            "api-blue-green",
            "--version",
            "v2",
            "--previous",
            "v1",
        ],
    );
    assert_eq!(code, Some(0), "{out}");
    assert_no_failures(&tally, &out);
    // Before the switch only blue (v1) served; after it only green (v2).
    for body in tally.bodies.keys() {
        assert!(
            body == "blue-1 v1"
                || body == "blue-2 v1"
                || body == "green-1 v2"
                || body == "green-2 v2",
            "{tally:?}"
        );
    }
    assert!(out.contains("[2/3] switch traffic to green"), "{out}");
    assert!(out.contains("green is live"), "{out}");
    // Blue keeps the previous version for an instant switch back.
    assert_eq!(
        demo.instance_bodies(),
        ["blue-1 v1", "blue-2 v1", "green-1 v2", "green-2 v2"]
    );
    let seen = demo.through_nginx(40);
    assert!(seen.keys().all(|b| b.starts_with("green-")), "{seen:?}");
    assert_eq!(
        std::fs::read_to_string(demo.path("state/bluegreen/api.e2e"))
            .unwrap()
            .trim(),
        "green"
    );
}

#[test]
#[ignore = "needs nginx and python3; scripts/test.sh installs them and runs it"]
fn a_broken_v3_is_rolled_back_with_exit_3_and_v2_keeps_serving() {
    let demo = Demo::start(&["web-1", "web-2", "web-3", "web-4"], "v2");
    demo.strategies(ROLLING);
    let (code, out, tally) = demo.run_under_load(
        "rolling v2 -> broken v3",
        &[
            "--strategy",
            "web-rolling",
            "--version",
            "v3-broken",
            "--previous",
            "v2",
        ],
    );
    assert_eq!(code, Some(3), "{out}");
    // The broken version answers `/` but not /healthz: web-1 served a few
    // requests between being put back and the verify that caught it, and no
    // request failed.
    assert_no_failures(&tally, &out);
    let _ = writeln!(
        std::io::stderr(),
        "e2e rolling v2 -> broken v3: answered by v3-broken before the rollback: {}",
        tally.by_version("v3-broken")
    );
    assert!(
        out.contains("[1/4] verify: UNHEALTHY (1 of 1): health web-1 exited with 1"),
        "{out}"
    );
    assert!(
        out.contains("[health web-1] web-1: /healthz answered 500 (v3-broken)"),
        "{out}"
    );
    assert!(out.contains("rollback 1/1: rollback web-1"), "{out}");
    assert!(
        out.contains("rolled back: web to e2e is back on v2"),
        "{out}"
    );
    assert!(!out.contains("deploy web-2 (v3-broken)"), "{out}");
    assert_eq!(
        demo.instance_bodies(),
        ["web-1 v2", "web-2 v2", "web-3 v2", "web-4 v2"]
    );
    let seen = demo.through_nginx(40);
    assert!(seen.keys().all(|b| b.ends_with(" v2")), "{seen:?}");
    assert!(!demo.upstream().contains("down"), "{}", demo.upstream());
    assert!(!demo.path("state/versions/web.e2e").exists());
}

#[test]
#[ignore = "needs nginx and python3; scripts/test.sh installs them and runs it"]
fn a_canary_by_weight_moves_all_traffic_to_v2_without_a_failed_request() {
    let demo = Demo::start(&["stable-1", "stable-2", "canary-1"], "v1");
    demo.strategies(CANARY);
    let (code, out, tally) = demo.run_under_load(
        "canary by weight v1 -> v2",
        &[
            "--strategy",
            "checkout-canary",
            "--version",
            "v2",
            "--previous",
            "v1",
        ],
    );
    assert_eq!(code, Some(0), "{out}");
    assert_no_failures(&tally, &out);
    assert!(tally.bodies.contains_key("canary-1 v2"), "{tally:?}");
    assert!(out.contains("[2/3] set weight 50%"), "{out}");
    assert!(out.contains("[3/3] set weight 100%"), "{out}");
    let seen = demo.through_nginx(40);
    assert_eq!(seen.keys().collect::<Vec<_>>(), ["canary-1 v2"], "{seen:?}");
}

/// The demo's own policy set (examples/nginx/policies) loads and plans; no
/// nginx needed.
#[test]
fn the_example_policies_validate_and_every_strategy_plans() {
    let dir = example("policies");
    let state = tempfile::tempdir().unwrap();
    let shipwindow = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_shipwindow"))
            .arg("--policies")
            .arg(&dir)
            .args(args)
            .env_remove("SHIPWINDOW_POLICIES")
            .env_remove("SHIPWINDOW_STATE_DIR")
            .output()
            .unwrap()
    };
    let o = shipwindow(&["validate"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    for name in [
        "web-rolling",
        "web-canary",
        "api-blue-green",
        "checkout-canary",
    ] {
        let o = shipwindow(&[
            "plan",
            "--strategy",
            name,
            "--format",
            "json",
            "--state-dir",
            state.path().to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(0), "{name}: {o:?}");
        let plan: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(plan["strategy"], name);
        assert_eq!(plan["decision"]["verdict"], "allow");
    }
}
