//! A real PostgreSQL for the store's tests: `initdb` + `pg_ctl` in a temp dir,
//! listening on a free loopback port. Tests share one server while any of them
//! holds it (it stops, and its directory goes, when the last one lets go) and
//! each gets a fresh database. PostgreSQL refuses to run as root, so as root
//! the server runs as `nobody`. Without the server binaries the tests fail,
//! naming the package, unless `SHIPWINDOW_SKIP_POSTGRES=1` says to skip them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test helper should fail loudly at the failing step"
)]

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, Weak};

/// The unprivileged user the server runs as when the tests run as root.
const UNPRIVILEGED: u32 = 65534;

/// A running PostgreSQL server, stopped on drop.
pub struct Server {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    /// Run the server's tools as [`UNPRIVILEGED`] (the tests run as root).
    drop_root: bool,
    next_db: AtomicU32,
}

/// A fresh database on a running server; the server lives while this does.
pub struct Database {
    pub url: String,
    pub server: Arc<Server>,
}

/// A fresh database on the shared server, or `None` when
/// `SHIPWINDOW_SKIP_POSTGRES=1` says to skip (local runs only).
pub fn database() -> Option<Database> {
    let server = shared()?;
    Some(server.create_database())
}

/// The shared server, started if no test holds it now.
pub fn shared() -> Option<Arc<Server>> {
    static SHARED: Mutex<Weak<Server>> = Mutex::new(Weak::new());
    let bin = binaries()?;
    let mut shared = SHARED.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(server) = shared.upgrade() {
        return Some(server);
    }
    let server = Arc::new(Server::start(&bin));
    *shared = Arc::downgrade(&server);
    Some(server)
}

/// A server of the caller's own (to stop on purpose), or `None` when skipped.
pub fn own() -> Option<Server> {
    Some(Server::start(&binaries()?))
}

/// The directory holding `initdb` and `pg_ctl`: where `initdb` on PATH really
/// lives, or the newest `/usr/lib/postgresql/*/bin`.
fn binaries() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("initdb"))
            .find(|f| f.is_file())
            .and_then(|f| std::fs::canonicalize(f).ok())
            .and_then(|f| f.parent().map(Path::to_path_buf))
    });
    let found = on_path.or_else(|| {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path().join("bin"))
            .filter(|bin| bin.join("initdb").is_file())
            .collect();
        dirs.sort_by_key(|d| {
            d.parent()
                .and_then(|v| v.file_name()?.to_str()?.parse::<u32>().ok())
                .unwrap_or(0)
        });
        dirs.pop()
    });
    if found.is_some() {
        return found;
    }
    if std::env::var("SHIPWINDOW_SKIP_POSTGRES").as_deref() == Ok("1") {
        eprintln!("skipping a PostgreSQL test: SHIPWINDOW_SKIP_POSTGRES=1");
        return None;
    }
    panic!(
        "the PostgreSQL store's tests need a PostgreSQL server: no `initdb` on PATH or under \
         /usr/lib/postgresql/*/bin. Install the Debian package `postgresql` (scripts/test.sh \
         does), or set SHIPWINDOW_SKIP_POSTGRES=1 to skip these tests in a local run"
    );
}

impl Server {
    fn start(bin: &Path) -> Server {
        let drop_root = std::fs::metadata("/proc/self")
            .map(|m| m.uid() == 0)
            .unwrap_or(false);
        let dir = tempfile::Builder::new()
            .prefix("shipwindow-pg-")
            .tempdir()
            .expect("a temp dir for PostgreSQL");
        if drop_root {
            std::os::unix::fs::chown(dir.path(), Some(UNPRIVILEGED), Some(UNPRIVILEGED))
                .expect("chown the PostgreSQL dir to nobody");
        }
        let mut server = Server {
            dir,
            bin: bin.to_path_buf(),
            port: 0,
            drop_root,
            next_db: AtomicU32::new(0),
        };
        let data = server.data();
        server.run(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ],
        );
        // A port another process takes between choosing and binding fails the
        // start; a few tries make that harmless.
        for attempt in 1..=3 {
            server.port = free_port();
            let out = server.pg_ctl_start();
            if out.status.success() {
                return server;
            }
            if attempt == 3 {
                server.start_failed(&out);
            }
        }
        unreachable!("the loop returns or panics")
    }

    /// Starts the server again after [`Server::stop`], on the same port with
    /// the same data (clients reconnect to the same URL).
    pub fn start_again(&self) {
        let out = self.pg_ctl_start();
        if !out.status.success() {
            self.start_failed(&out);
        }
    }

    fn pg_ctl_start(&self) -> Output {
        let data = self.data();
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -F",
            self.port,
            self.dir.path().display()
        );
        let log = self.log();
        self.try_run(
            "pg_ctl",
            &[
                "-D", &data, "-o", &options, "-l", &log, "-w", "-t", "30", "start",
            ],
        )
    }

    fn start_failed(&self, out: &Output) -> ! {
        let log = std::fs::read_to_string(self.log()).unwrap_or_default();
        panic!(
            "pg_ctl start failed: {}\n{log}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn log(&self) -> String {
        self.dir.path().join("server.log").display().to_string()
    }

    /// `postgres://postgres@127.0.0.1:<port>/<db>`.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// Creates database `t_<n>`, new to this server.
    pub fn create_database(self: &Arc<Server>) -> Database {
        let n = self.next_db.fetch_add(1, Ordering::Relaxed);
        let name = format!("t_{n}");
        self.sql(&format!("CREATE DATABASE {name}"));
        Database {
            url: self.url(&name),
            server: Arc::clone(self),
        }
    }

    /// Runs `sql` as the superuser in database `postgres`.
    pub fn sql(&self, sql: &str) -> String {
        self.sql_in("postgres", sql)
    }

    /// Runs `sql` as the superuser in database `db`; its rows, `|`-separated.
    pub fn sql_in(&self, db: &str, sql: &str) -> String {
        let out = Command::new(self.bin.join("psql"))
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d"])
            .arg(self.url(db))
            .args(["-c", sql])
            .output()
            .expect("run psql");
        assert!(
            out.status.success(),
            "psql -c {sql:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Stops the server at once (clients see their connections end).
    pub fn stop(&self) {
        let data = self.data();
        let _ = self.try_run("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let out = self.try_run(tool, args);
        assert!(
            out.status.success(),
            "{tool} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn try_run(&self, tool: &str, args: &[&str]) -> Output {
        let program = self.bin.join(tool);
        let mut command = if self.drop_root {
            let mut c = Command::new("setpriv");
            c.args([
                "--reuid",
                &UNPRIVILEGED.to_string(),
                "--regid",
                &UNPRIVILEGED.to_string(),
                "--clear-groups",
            ])
            .arg(&program);
            c
        } else {
            Command::new(&program)
        };
        command
            .args(args)
            // The tools look at their working directory; nobody can read this one.
            .current_dir(self.dir.path())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}
