//! What a CI log shows when a step fails: under `--format github` every kind of
//! bad input is an `::error` annotation (on stderr: stdout carries answers only),
//! and a step whose outputs could not be written never announces a verdict.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bundled() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("policies")
}

fn shipwindow(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_shipwindow"));
    cmd.args(args)
        .env_remove("SHIPWINDOW_POLICIES")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GITHUB_OUTPUT");
    cmd
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn every_kind_of_bad_input_is_an_error_annotation_under_github() {
    let policies = bundled();
    let p = policies.to_str().unwrap();
    let bad_policy = tempfile::tempdir().unwrap();
    std::fs::write(
        bad_policy.path().join("a.toml"),
        "[settings]\ntimezone = \"Asia/Seol\"\n",
    )
    .unwrap();
    let b = bad_policy.path().to_str().unwrap();
    let cases: [(&[&str], &str); 5] = [
        // A flag clap refuses.
        (
            &[
                "check",
                "--service",
                "web",
                "--env",
                "prod",
                "--format",
                "github",
                "--bogus",
            ],
            "unexpected argument '--bogus' found",
        ),
        // A request value the command refuses.
        (
            &[
                "--policies",
                p,
                "check",
                "--service",
                "web",
                "--env",
                "prod",
                "--at",
                "tomorrow",
                "--format",
                "github",
            ],
            "--at: `tomorrow` is not a date and time",
        ),
        (
            &[
                "--policies",
                p,
                "next",
                "--service",
                "web",
                "--env",
                "prod",
                "--duration",
                "soon",
                "--format=github",
            ],
            "--duration",
        ),
        // A policy that fails to load.
        (
            &[
                "--policies",
                b,
                "check",
                "--service",
                "web",
                "--env",
                "prod",
                "--format",
                "github",
            ],
            "unknown time zone `Asia/Seol`",
        ),
        (
            &[
                "--policies",
                b,
                "wait",
                "--service",
                "web",
                "--env",
                "prod",
                "--format",
                "github",
            ],
            "unknown time zone `Asia/Seol`",
        ),
    ];
    for (args, says) in cases {
        let o = shipwindow(args).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert_eq!(stdout(&o), "", "{args:?}");
        let err = stderr(&o);
        let annotations: Vec<&str> = err.lines().filter(|l| l.starts_with("::")).collect();
        // The whole message is one workflow command.
        assert_eq!(annotations.len(), 1, "{args:?}: {err}");
        assert!(
            annotations[0].starts_with("::error title=shipwindow%3A bad input::"),
            "{args:?}: {err}"
        );
        assert!(annotations[0].contains(says), "{args:?}: {err}");
    }
    // Without `--format github` nothing on stdout pretends to be a command.
    let o = shipwindow(&[
        "--policies",
        b,
        "check",
        "--service",
        "web",
        "--env",
        "prod",
    ])
    .output()
    .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(!stderr(&o).contains("::error"), "{}", stderr(&o));
}

/// A step whose `$GITHUB_OUTPUT` cannot be written fails with exit 2 and says
/// so as an annotation, and never prints "allowed" before it.
#[test]
fn an_unwritable_github_output_prints_no_allowed_notice_first() {
    let dir = tempfile::tempdir().unwrap();
    let p = bundled();
    for command in ["check", "next"] {
        let o = shipwindow(&[
            "--policies",
            p.to_str().unwrap(),
            command,
            "--service",
            "web",
            "--env",
            "prod",
            "--at",
            "2026-12-01T23:00",
            "--format",
            "github",
        ])
        // A directory cannot be appended to.
        .env("GITHUB_OUTPUT", dir.path())
        .output()
        .unwrap();
        assert_eq!(o.status.code(), Some(2), "{command}: {}", stderr(&o));
        assert_eq!(stdout(&o), "", "{command}: a verdict was announced");
        let err = stderr(&o);
        assert!(
            err.starts_with(
                "::error title=shipwindow%3A bad input::cannot write the output: cannot append to $GITHUB_OUTPUT"
            ),
            "{command}: {err}"
        );
    }
}
