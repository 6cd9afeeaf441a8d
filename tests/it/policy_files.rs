//! Issue 13, class 7: a policy entry or a local calendar that is not a regular
//! file — a dangling link, a link cycle, a FIFO, a device, a file over 16 MiB —
//! is a load error naming the path and what would be right (exit 2), never
//! skipped and never a stalled or memory-hungry read; names that start with `.`
//! are not read at all. Also blank `approvers` entries (class 12).

#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::ics::Dir;
use crate::support::server::{Server, run};
use std::os::unix::fs::symlink;
use std::path::Path;

const RULE: &str = "[[freeze]]\nname = \"migration\"\nstart_at = \"2026-12-01T20:00\"\nend_at = \"2026-12-02T04:00\"\n";
const SIXTEEN_MIB: u64 = 16 * 1024 * 1024;

fn fifo(path: &Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap()
        .success();
    assert!(ok, "mkfifo {}", path.display());
}

/// A sparse file of `len` bytes: large on paper, nothing on disk.
fn sparse(path: &Path, len: u64) {
    std::fs::File::create(path).unwrap().set_len(len).unwrap();
}

/// How one bad entry is made in a policy directory, and what the error says.
type Make = fn(&Path);
const BAD_ENTRIES: [(&str, Make, &str, &str); 9] = [
    (
        "bad.toml",
        |p| symlink("missing.toml", p).unwrap(),
        "it is a symbolic link to `missing.toml`, which does not exist",
        "point the link at a regular file, or remove it",
    ),
    (
        "teams/bad.toml",
        |p| symlink("../gone/away.toml", p).unwrap(),
        "it is a symbolic link to `../gone/away.toml`, which does not exist",
        "point the link at a regular file, or remove it",
    ),
    (
        "bad.toml",
        |p| symlink("bad.toml", p).unwrap(),
        "it is a symbolic link that leads back to itself (a cycle)",
        "point the link at a regular file, or remove it",
    ),
    (
        "bad.toml",
        |p| symlink("/dev/zero", p).unwrap(),
        "it is a device, not a regular file",
        "replace it with a regular file, or remove it",
    ),
    (
        "bad.toml",
        |p| symlink("/dev/null", p).unwrap(),
        "it is a device, not a regular file",
        "replace it with a regular file",
    ),
    (
        "bad.toml",
        fifo,
        "it is a FIFO (named pipe), not a regular file",
        "(a name that starts with `.` is not read)",
    ),
    (
        "teams/deep/bad.toml",
        fifo,
        "it is a FIFO (named pipe), not a regular file",
        "replace it with a regular file",
    ),
    (
        "bad.toml",
        |p| sparse(p, SIXTEEN_MIB + 1),
        "it is larger than 16 MiB, the most a policy or calendar file may hold",
        "split it into smaller files",
    ),
    (
        "bad.toml",
        |p| sparse(p, 1 << 40),
        "it is larger than 16 MiB, the most a policy or calendar file may hold",
        "split it into smaller files",
    ),
];

#[test]
fn a_policy_entry_that_is_not_a_regular_file_is_a_load_error() {
    for (rel, make, want, help) in BAD_ENTRIES {
        let dir = Dir::new(&[("p.toml", RULE), ("teams/deep/t.toml", "")]);
        let path = dir.policies().join(rel);
        make(&path);
        let err = dir.load().expect_err(rel);
        assert_eq!(err.diagnostics.len(), 1, "{rel}: {err}");
        let d = &err.diagnostics[0];
        assert_eq!(d.file, path, "{rel}");
        assert_eq!(
            d.message,
            format!("cannot read the policy file: {want}"),
            "{rel}"
        );
        assert!(d.help.as_deref().unwrap().contains(help), "{rel}: {d:?}");
    }
}

#[test]
fn every_unreadable_entry_is_reported_and_the_command_line_exits_2() {
    let dir = Dir::new(&[("p.toml", RULE)]);
    let p = dir.policies();
    symlink("a.toml", p.join("b.toml")).unwrap();
    symlink("b.toml", p.join("a.toml")).unwrap();
    fifo(&p.join("pipe.toml"));
    symlink("/dev/zero", p.join("zero.toml")).unwrap();
    let err = dir.load().unwrap_err();
    let names: Vec<String> = err
        .diagnostics
        .iter()
        .map(|d| d.file.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["a.toml", "b.toml", "pipe.toml", "zero.toml"]);

    for command in [
        vec![
            "check",
            "--service",
            "web",
            "--env",
            "prod",
            "--at",
            "2026-12-01T23:00",
        ],
        vec!["validate"],
    ] {
        let mut args = vec!["--policies", p.to_str().unwrap()];
        args.extend(command);
        let o = run(&args);
        // `check` says it on stderr, `validate` on stdout.
        let stderr = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
        for want in [
            "pipe.toml: cannot read the policy file: it is a FIFO (named pipe), not a regular file",
            "zero.toml: cannot read the policy file: it is a device",
            "a.toml: cannot read the policy file: it is a symbolic link that leads back to itself",
        ] {
            assert!(stderr.contains(want), "{args:?}: {stderr}");
        }
    }
}

#[test]
fn names_that_start_with_a_dot_are_not_read() {
    let dir = Dir::new(&[
        ("p.toml", RULE),
        (".git/config.toml", "not [ toml"),
        (".hidden.toml", "[[freeze]]\nname = \"migration\"\n"),
        ("teams/.backup/old.toml", RULE),
    ]);
    let p = dir.policies();
    // An Emacs lock file is a dangling link; a FIFO and a device hidden by a dot.
    symlink("user@host.1234:1700000000", p.join(".#p.toml")).unwrap();
    fifo(&p.join(".pipe.toml"));
    symlink("/dev/zero", p.join("teams/.zero.toml")).unwrap();
    symlink(".", p.join(".loop")).unwrap();
    let policy = dir.load().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(policy.rules.len(), 1);
}

#[test]
fn sixteen_mib_is_the_most_a_policy_file_may_hold() {
    // Exactly at the cap, the file is read (and then is not TOML).
    let dir = Dir::new(&[]);
    std::fs::create_dir_all(dir.policies()).unwrap();
    sparse(&dir.policies().join("big.toml"), SIXTEEN_MIB);
    let e = dir.load().unwrap_err().to_string();
    assert!(!e.contains("larger than 16 MiB"), "{e}");
    assert!(e.contains("big.toml:"), "{e}");
}

#[test]
fn a_local_calendar_that_is_not_a_regular_file_is_a_positioned_error() {
    let toml = "[[freeze]]\nname = \"cal\"\nics = \"cal.ics\"\n";
    let cases: [(Make, &str, &str); 6] = [
        (
            fifo,
            "it is a FIFO (named pipe), not a regular file",
            "replace it with a regular file",
        ),
        (
            |p| symlink("/dev/zero", p).unwrap(),
            "it is a device, not a regular file",
            "replace it",
        ),
        (
            |p| symlink("/dev/urandom", p).unwrap(),
            "it is a device, not a regular file",
            "replace it",
        ),
        (
            |p| symlink("nowhere.ics", p).unwrap(),
            "it is a symbolic link to `nowhere.ics`, which does not exist",
            "point the link",
        ),
        (
            |p| symlink("cal.ics", p).unwrap(),
            "it is a symbolic link that leads back to itself (a cycle)",
            "point the link",
        ),
        (
            |p| sparse(p, SIXTEEN_MIB + 1),
            "it is larger than 16 MiB, the most a policy or calendar file may hold",
            "split it",
        ),
    ];
    for (make, want, help) in cases {
        let dir = Dir::new(&[("p.toml", toml)]);
        let cal = dir.policies().join("cal.ics");
        make(&cal);
        let err = dir.load().unwrap_err();
        assert_eq!(err.diagnostics.len(), 1, "{want}: {err}");
        let d = &err.diagnostics[0];
        assert_eq!(d.position, Some((3, 7)), "{want}: {d:?}");
        assert_eq!(
            d.message,
            format!("`ics`: cannot read `{}`: {want}", cal.display())
        );
        assert!(d.help.as_deref().unwrap().contains(help), "{d:?}");
    }
    // A directory where the calendar should be.
    let dir = Dir::new(&[("p.toml", toml)]);
    std::fs::create_dir(dir.policies().join("cal.ics")).unwrap();
    let e = dir.load().unwrap_err().to_string();
    assert!(e.contains("cal.ics"), "{e}");
}

#[test]
fn a_blank_approver_is_a_positioned_load_error() {
    for blank in ["", " ", "\\t", "\\n ", "\u{3000}"] {
        let toml = format!(
            "[[freeze]]\nname = \"f\"\nstart_at = \"2026-12-01T20:00\"\nend_at = \"2026-12-02T04:00\"\noverride = \"approver\"\napprovers = [\"lead\", \"{blank}\"]\n"
        );
        let err = shipwindow::PolicySet::from_files(&[("a.toml", &toml)]).unwrap_err();
        assert_eq!(err.diagnostics.len(), 1, "{blank:?}: {err}");
        let d = &err.diagnostics[0];
        assert_eq!(d.position, Some((6, 22)), "{blank:?}");
        assert_eq!(d.message, "an entry of `approvers` is blank");
        assert!(
            d.help
                .as_deref()
                .unwrap()
                .contains("approvers = [\"oncall-lead\"]")
        );
    }
    // Only blank entries: each is reported.
    let toml = "[[freeze]]\nname = \"f\"\nstart_at = \"2026-12-01T20:00\"\nend_at = \"2026-12-02T04:00\"\noverride = \"approver\"\napprovers = [\" \", \"\"]\n";
    let err = shipwindow::PolicySet::from_files(&[("a.toml", toml)]).unwrap_err();
    assert_eq!(err.diagnostics.len(), 2, "{err}");
}

/// `--watch` on a directory that gains a symbolic link cycle (or a FIFO) keeps
/// serving the last good policy, degraded, and recovers once it is removed.
#[test]
fn watch_survives_a_link_cycle_and_a_fifo_in_the_policy_directory() {
    let dir = Dir::new(&[("p.toml", RULE)]);
    let state = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.policies(), state.path(), &["--watch"]);
    let first = server.get_json("/healthz");
    assert_eq!(first["status"], "ok");
    let check = "/v1/check?service=web&env=prod&at=2026-12-01T23:00";
    assert_eq!(server.get_json(check)["verdict"], "deny");
    for (name, make, want) in [
        (
            "loop",
            (|p| symlink(".", p).unwrap()) as Make,
            "is the directory `.` again",
        ),
        (
            "up",
            |p| symlink("..", p).unwrap(),
            "again (a symbolic link)",
        ),
        ("pipe.toml", fifo, "FIFO"),
        (
            "cycle.toml",
            |p| symlink("cycle.toml", p).unwrap(),
            "leads back to itself",
        ),
    ] {
        let path = dir.policies().join(name);
        make(&path);
        let degraded = server.healthz_until(|v| v["status"] == "degraded");
        assert_eq!(degraded["policy"], first["policy"], "{name}");
        assert!(
            degraded["error"].as_str().unwrap().contains(want),
            "{name}: {degraded}"
        );
        assert_eq!(server.get_json(check)["verdict"], "deny", "{name}");
        std::fs::remove_file(&path).unwrap();
        let ok = server.healthz_until(|v| v["status"] == "ok");
        assert_eq!(ok["policy"], first["policy"], "{name}");
    }
}
