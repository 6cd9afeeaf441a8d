//! A real Prometheus for the traffic tests: generated OpenMetrics samples
//! backfilled into a temporary TSDB with `promtool tsdb create-blocks-from
//! openmetrics` (once: a server gets its own copy of the blocks), then
//! `prometheus` serving it on a free loopback port with a minimal
//! configuration (nothing scraped), waited for on `/-/ready`, and stopped on
//! drop. Without the binaries the tests fail, naming the Debian package that
//! has them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test helper should fail loudly at the failing step"
)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long Prometheus may take to load the blocks and say it is ready.
const READY_WITHIN: Duration = Duration::from_secs(90);

/// A running Prometheus, stopped (and its directory removed) on drop.
pub struct Prometheus {
    child: Option<Child>,
    pub url: String,
    dir: tempfile::TempDir,
    _blocks: Arc<Blocks>,
}

/// TSDB blocks backfilled from OpenMetrics text (promtool takes tens of
/// seconds for four weeks of two-hour blocks, so tests share them).
pub struct Blocks {
    dir: tempfile::TempDir,
}

impl Blocks {
    /// Backfills `openmetrics` (ending in `# EOF`).
    pub fn create(openmetrics: &str) -> Blocks {
        let (_, promtool) = binaries();
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("samples.om");
        std::fs::write(&input, openmetrics).unwrap();
        let made = Command::new(&promtool)
            .args(["tsdb", "create-blocks-from", "openmetrics", "--quiet"])
            .arg(&input)
            .arg(dir.path().join("data"))
            .output()
            .unwrap();
        assert!(
            made.status.success(),
            "promtool could not backfill the samples: {}{}",
            String::from_utf8_lossy(&made.stdout),
            String::from_utf8_lossy(&made.stderr)
        );
        Blocks { dir }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// `prometheus` and `promtool`, on `PATH` or in `/usr/bin`.
fn binaries() -> (PathBuf, PathBuf) {
    let find = |name: &str| -> Option<PathBuf> {
        let path = std::env::var_os("PATH").unwrap_or_default();
        std::env::split_paths(&path)
            .chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/local/bin")])
            .map(|d| d.join(name))
            .find(|f| f.is_file())
    };
    match (find("prometheus"), find("promtool")) {
        (Some(p), Some(t)) => (p, t),
        _ => panic!(
            "the traffic tests run a real Prometheus: `prometheus` and `promtool` are not installed; \
             install the Debian package `prometheus` (`apt-get install prometheus`, which scripts/test.sh does when it is missing)"
        ),
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Prometheus {
    /// Serves a copy of `blocks`.
    pub fn start(blocks: &Arc<Blocks>) -> Prometheus {
        let (prometheus, _) = binaries();
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        copy_dir(&blocks.dir.path().join("data"), &data);
        let mut server = Prometheus {
            child: None,
            url: String::new(),
            dir,
            _blocks: Arc::clone(blocks),
        };
        server.run(&prometheus, &data);
        server
    }

    fn run(&mut self, prometheus: &Path, data: &Path) {
        let config = self.dir.path().join("prometheus.yml");
        std::fs::write(&config, "global:\n  scrape_interval: 1h\n").unwrap();
        let port = free_port();
        let log = std::fs::File::create(self.dir.path().join("prometheus.log")).unwrap();
        let child = Command::new(prometheus)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", data.display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            // The backfilled weeks are in the past; keep them, whatever today is.
            .arg("--storage.tsdb.retention.time=100y")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
        self.url = format!("http://127.0.0.1:{port}");
        self.wait_ready();
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + READY_WITHIN;
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(2)))
            .http_status_as_error(false)
            .build()
            .into();
        loop {
            if let Ok(r) = agent.get(format!("{}/-/ready", self.url)).call()
                && r.status().as_u16() == 200
            {
                return;
            }
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!(
                    "prometheus exited ({status}) before it was ready:\n{}",
                    self.log()
                );
            }
            assert!(
                Instant::now() < deadline,
                "prometheus was not ready within {READY_WITHIN:?}:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("prometheus.log")).unwrap_or_default()
    }

    /// Stops the server; its address then refuses connections.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        self.stop();
    }
}
