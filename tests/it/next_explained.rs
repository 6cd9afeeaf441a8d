//! `next` keeps its one machine-readable line on stdout and tells people on
//! stderr when that is, as `check` shows times, or why nothing fits; its exit
//! code is the same in every format.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use std::path::Path;
use std::process::{Command, Output};

fn next(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shipwindow"))
        .arg("--policies")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("policies"))
        .args(["next", "--service", "web", "--env", "prod"])
        .args(args)
        .env_remove("SHIPWINDOW_POLICIES")
        .env_remove("GITHUB_OUTPUT")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_next_start_is_one_line_on_stdout_and_readable_on_stderr() {
    // Monday 7 December 2026, 13:39 in Seoul: the weeknight window opens at 22:00.
    let o = next(&["--at", "2026-12-07T13:39"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(text(&o.stdout), "2026-12-07T22:00:00+09:00\n");
    assert_eq!(text(&o.stderr), "Mon 2026-12-07 22:00 KST (in 8h 21m)\n");
    // Allowed at once.
    let o = next(&["--at", "2026-12-01T23:00"]);
    assert_eq!(text(&o.stdout), "2026-12-01T23:00:00+09:00\n");
    assert_eq!(text(&o.stderr), "Tue 2026-12-01 23:00 KST (now)\n");
}

#[test]
fn none_says_why_nothing_fits() {
    let o = next(&["--at", "2026-12-01T23:00", "--duration", "9h"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(text(&o.stdout), "none\n");
    assert_eq!(
        text(&o.stderr),
        "none within the 60d horizon: a 9h deploy + 1h monitoring never fits \
         (the longest open stretch is 8h, Wed 2026-12-02 22:00 KST to Thu 2026-12-03 06:00 KST)\n"
    );
    // With every stretch closed, the rules that close them are named.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.toml"),
        "[[freeze]]\nname = \"always\"\nfrom = \"mon 00:00\"\nto = \"sun 23:59\"\n\n\
         [[freeze]]\nname = \"sunday-night\"\ndays = [\"sun\"]\nstart = \"23:00\"\nend = \"00:00\"\n",
    )
    .unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_shipwindow"))
        .arg("--policies")
        .arg(dir.path())
        .args([
            "next",
            "--service",
            "web",
            "--env",
            "prod",
            "--at",
            "2026-12-01T00:00:00Z",
        ])
        .env_remove("SHIPWINDOW_POLICIES")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        text(&o.stderr),
        "none within the 60d horizon: closed throughout by always, sunday-night\n"
    );
}

#[test]
fn the_exit_code_is_the_same_in_every_format() {
    for (args, code) in [
        (&["--at", "2026-11-27T17:30"][..], 0),
        (&["--at", "2026-12-01T23:00", "--duration", "9h"][..], 1),
    ] {
        for format in ["human", "json", "github"] {
            let mut all = args.to_vec();
            all.extend(["--format", format]);
            let o = next(&all);
            assert_eq!(o.status.code(), Some(code), "{all:?}");
        }
        // JSON is the decision at `--at` (denied here, though a start exists
        // later): the exit code answers "is there a next start", not "now".
        let mut all = args.to_vec();
        all.extend(["--format", "json"]);
        let json: serde_json::Value = serde_json::from_slice(&next(&all).stdout).unwrap();
        assert_eq!(json["allowed"], false, "{all:?}");
    }
}

/// `next --remote` keeps the same shape: the line on stdout, the moment in
/// words on stderr.
#[test]
fn next_from_a_server_says_when_too() {
    use crate::support::server::Server;
    let state = tempfile::tempdir().unwrap();
    let server = Server::start(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("policies"),
        state.path(),
        &[],
    );
    let o = next(&[
        "--remote",
        &format!("http://127.0.0.1:{}", server.port),
        "--at",
        "2026-12-07T13:39",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "2026-12-07T22:00:00+09:00\n");
    assert_eq!(text(&o.stderr), "Mon 2026-12-07 22:00 KST (in 8h 21m)\n");
}
