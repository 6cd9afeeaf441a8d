//! What the CI runners in miniature (`github_runner`, `gitlab_runner`) share: the
//! YAML they read, a script run with nothing inherited and a hang guard, and a
//! stand-in shipwindow that records how it was called.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test should fail loudly at the failing step"
)]
#![allow(dead_code, reason = "each test file uses the helpers it needs")]

use std::collections::BTreeMap;
use std::io::Read as _;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use yaml_rust2::{Yaml, YamlLoader};

/// A step or a job that runs longer than this is stuck: it is killed and the test fails.
const HANG_GUARD: Duration = Duration::from_secs(120);

/// The system's directories for the PATH a step starts with.
pub const SYSTEM_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every YAML document of a file.
pub fn documents(path: &Path) -> Vec<Yaml> {
    let text = std::fs::read_to_string(path).unwrap();
    YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn string(y: &Yaml) -> Option<&str> {
    y.as_str()
}

/// The keys of a mapping, as text.
pub fn keys(y: &Yaml) -> Vec<String> {
    y.as_hash()
        .map(|h| h.keys().map(|k| k.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

/// Writes an executable script.
pub fn script(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A stand-in for shipwindow that writes each argument it was given, NUL-terminated,
/// to `argv` in `dir`, and `$SHIPWINDOW_TOKEN` to `token`, then exits 0 (wherever it
/// is copied to).
pub fn recording_binary(dir: &Path) -> PathBuf {
    let path = dir.join("fake-shipwindow");
    script(
        &path,
        &format!(
            r#"#!/bin/sh
d="{dir}"
[ "$1" = --version ] && {{ echo "fake shipwindow"; exit 0; }}
: > "$d/argv"
for a in "$@"; do printf '%s\0' "$a" >> "$d/argv"; done
printf '%s' "${{SHIPWINDOW_TOKEN-unset}}" > "$d/token"
exit 0
"#,
            dir = dir.display()
        ),
    );
    path
}

/// What a [`recording_binary`] in `dir` was given, if it ran.
pub fn recorded_argv(dir: &Path) -> Option<Vec<String>> {
    let bytes = std::fs::read(dir.join("argv")).ok()?;
    Some(
        bytes
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8(a.to_vec()).unwrap())
            .collect(),
    )
}

/// What one script printed and how it ended.
pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs a program with exactly the environment given (nothing inherited), killing
/// it and failing the test if it outlives [`HANG_GUARD`].
pub fn run(program: &str, args: &[&Path], cwd: &Path, env: &BTreeMap<String, String>) -> Ran {
    let mut child = Command::new(program)
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .envs(env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut stdout = String::new();
        let mut stderr = String::new();
        let reader = std::thread::spawn(move || {
            err.read_to_string(&mut stderr).unwrap();
            stderr
        });
        out.read_to_string(&mut stdout).unwrap();
        let stderr = reader.join().unwrap();
        let status = child.wait().unwrap();
        let _ = tx.send(Ran {
            code: status.code().unwrap_or(-1),
            stdout,
            stderr,
        });
    });
    match rx.recv_timeout(HANG_GUARD) {
        Ok(ran) => ran,
        Err(_) => {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            panic!("{program} {args:?} still running after {HANG_GUARD:?}");
        }
    }
}
