//! `diff`: a policy change as the time it blocks and opens, hand-computed —
//! a window shortened by an hour across both DST changes, a freeze added (and
//! removed), a glob widened to a service named elsewhere, a rule renamed only;
//! the base read from a git ref in a real temporary repository (and its
//! errors); the JSON shape, the Markdown summary, the SVG, the held GitHub
//! deploys in the store, and the exit codes of `--fail-on-new-blocks`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::ics::{Dir, shipwindow, t};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use shipwindow::eval::WindowState;
use shipwindow::policy::{ChangeKind, PolicySet};
use shipwindow::review::{Became, NameFilter, PairDiff, diff_pair, pairs};
use shipwindow::store::{NewGithubHold, NewReservation, Store};
use std::path::Path;
use std::process::Command;

fn policy(toml: &str) -> PolicySet {
    PolicySet::from_files(&[("p.toml", toml)]).unwrap_or_else(|e| panic!("{e}"))
}

/// Every pair both sets name, compared over `[from, to)`.
fn diff_all(base: &PolicySet, head: &PolicySet, from: &str, to: &str) -> Vec<PairDiff> {
    let tz = head.settings.timezone;
    pairs(base, head, None, None)
        .unwrap()
        .into_iter()
        .map(|(s, e)| {
            let w = |p: &PolicySet| {
                shipwindow::windows(p, &s, &e, ChangeKind::Deploy, t(from), t(to)).unwrap()
            };
            diff_pair(&s, &e, &w(base), &w(head), tz)
        })
        .collect()
}

/// The changed stretches of a pair as (start, end) in UTC RFC 3339 and which
/// way they went.
fn stretches(d: &PairDiff) -> Vec<(String, String, Became)> {
    let utc = |t: &DateTime<chrono_tz::Tz>| t.with_timezone(&Utc).to_rfc3339();
    d.changes
        .iter()
        .map(|c| (utc(&c.start), utc(&c.end), c.became))
        .collect()
}

fn night(zone: &str, end: &str, name: &str) -> String {
    format!(
        "[settings]\ntimezone = \"{zone}\"\n\n[[window]]\nname = \"{name}\"\ndays = [\"daily\"]\n\
         start = \"22:00\"\nend = \"{end}\"\nservices = [\"web\"]\nenvs = [\"prod\"]\n"
    )
}

#[test]
fn a_window_shortened_by_an_hour_is_exact_across_dst_changes() {
    // (zone, end before, end after, range, the stretches that became blocked).
    let cases = [
        // New York falls back at 02:00 EDT on Sunday 1 November 2026. The hour
        // 05:00-06:00 is 09:00Z on the Saturday (EDT) and 10:00Z on the Sunday
        // (EST): 25 hours apart, not 24.
        (
            "America/New_York",
            "06:00",
            "05:00",
            ("2026-10-31T00:00:00Z", "2026-11-02T00:00:00Z"),
            vec![
                ("2026-10-31T09:00:00+00:00", "2026-10-31T10:00:00+00:00"),
                ("2026-11-01T10:00:00+00:00", "2026-11-01T11:00:00+00:00"),
            ],
        ),
        // New York springs forward at 02:00 EST on Sunday 8 March 2026. An end
        // at 02:00 that night falls in the gap and ends at its end, 03:00 EDT
        // (07:00Z), as the old end at 03:00 did: nothing changes that night.
        // The night before, 02:00-03:00 EST is 07:00Z; the night after, EDT, 06:00Z.
        (
            "America/New_York",
            "03:00",
            "02:00",
            ("2026-03-06T12:00:00Z", "2026-03-09T12:00:00Z"),
            vec![
                ("2026-03-07T07:00:00+00:00", "2026-03-07T08:00:00+00:00"),
                ("2026-03-09T06:00:00+00:00", "2026-03-09T07:00:00+00:00"),
            ],
        ),
        // London springs forward at 01:00 GMT on 29 March 2026: 05:00-06:00 is
        // 05:00Z on the Saturday and 04:00Z on the Sunday.
        (
            "Europe/London",
            "06:00",
            "05:00",
            ("2026-03-28T00:00:00Z", "2026-03-30T00:00:00Z"),
            vec![
                ("2026-03-28T05:00:00+00:00", "2026-03-28T06:00:00+00:00"),
                ("2026-03-29T04:00:00+00:00", "2026-03-29T05:00:00+00:00"),
            ],
        ),
    ];
    for (zone, before, after, (from, to), want) in cases {
        let base = policy(&night(zone, before, "night"));
        let head = policy(&night(zone, after, "night"));
        let diffs = diff_all(&base, &head, from, to);
        assert_eq!(diffs.len(), 1, "\nzone: {zone}");
        let d = &diffs[0];
        assert_eq!((d.service.as_str(), d.env.as_str()), ("web", "prod"));
        let want: Vec<(String, String, Became)> = want
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string(), Became::Blocked))
            .collect();
        assert_eq!(stretches(d), want, "\nzone: {zone} end {before} → {after}");
        assert_eq!(d.blocked.num_seconds(), 2 * 3600, "\nzone: {zone}");
        assert_eq!(d.opened.num_seconds(), 0, "\nzone: {zone}");
        for c in &d.changes {
            assert_eq!(c.base.state, WindowState::Open);
            assert_eq!(c.base.rules, ["night"]);
            assert_eq!(c.head.state, WindowState::Closed);
            assert_eq!(c.head.rules, ["night"], "outside the window, named");
        }
    }
}

const LUNCH: &str = "[settings]\ntimezone = \"Asia/Seoul\"\n\n\
    [[freeze]]\nname = \"lunch\"\ndays = [\"mon-fri\"]\nstart = \"11:30\"\nend = \"13:30\"\n\
    services = [\"web\"]\nenvs = [\"prod\"]\n";

const XMAS: &str = "\n[[freeze]]\nname = \"xmas\"\nreason = \"Christmas\"\n\
    start_at = \"2026-12-24T00:00\"\nend_at = \"2026-12-26T00:00\"\n\
    services = [\"web\"]\nenvs = [\"prod\"]\n";

#[test]
fn a_freeze_added_blocks_what_was_open_and_removed_opens_it() {
    let base = policy(LUNCH);
    let head = policy(&format!("{LUNCH}{XMAS}"));
    // Thursday 24 and Friday 25 December 2026 in Seoul (UTC+9). The lunch
    // freeze already closes 11:30-13:30 on both days, so three stretches
    // become blocked: 11h30m, 22h and 10h30m.
    let (from, to) = ("2026-12-22T15:00:00Z", "2026-12-26T15:00:00Z");
    let added = diff_all(&base, &head, from, to);
    assert_eq!(added.len(), 1);
    let want = [
        ("2026-12-23T15:00:00+00:00", "2026-12-24T02:30:00+00:00"),
        ("2026-12-24T04:30:00+00:00", "2026-12-25T02:30:00+00:00"),
        ("2026-12-25T04:30:00+00:00", "2026-12-25T15:00:00+00:00"),
    ];
    let blocked: Vec<_> = want
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string(), Became::Blocked))
        .collect();
    assert_eq!(stretches(&added[0]), blocked);
    assert_eq!(added[0].blocked.num_seconds(), 44 * 3600);
    let c = &added[0].changes[0];
    assert_eq!((c.base.state, c.base.rules.len()), (WindowState::Open, 0));
    assert_eq!(c.head.rules, ["xmas"]);
    // Shown in the head policy's zone.
    assert_eq!(c.start.to_rfc3339(), "2026-12-24T00:00:00+09:00");

    let removed = diff_all(&head, &base, from, to);
    let opened: Vec<_> = want
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string(), Became::Open))
        .collect();
    assert_eq!(stretches(&removed[0]), opened);
    assert_eq!(removed[0].opened.num_seconds(), 44 * 3600);
    assert_eq!(removed[0].blocked.num_seconds(), 0);
    assert_eq!(removed[0].changes[0].base.rules, ["xmas"]);
}

#[test]
fn a_widened_glob_covers_a_service_named_elsewhere() {
    let side = |services: &str| {
        format!(
            "[[freeze]]\nname = \"nights\"\ndays = [\"daily\"]\nstart = \"00:00\"\nend = \"06:00\"\n\
             services = {services}\nenvs = [\"prod\"]\n\n\
             [[freeze]]\nname = \"audit-day\"\nstart_at = \"2030-01-01T00:00\"\nend_at = \"2030-01-02T00:00\"\n\
             services = [\"payments\"]\n"
        )
    };
    let base = policy(&side("[\"web\"]"));
    let head = policy(&side("[\"web\", \"pay*\"]"));
    // `pay*` is no name: `payments` is named by the other rule, and `prod` by
    // both; so the pairs are payments and web in prod.
    assert_eq!(
        pairs(&base, &head, None, None).unwrap(),
        [
            ("payments".to_string(), "prod".to_string()),
            ("web".to_string(), "prod".to_string())
        ]
    );
    let diffs = diff_all(&base, &head, "2026-12-07T00:00:00Z", "2026-12-08T00:00:00Z");
    let payments = diffs.iter().find(|d| d.service == "payments").unwrap();
    assert_eq!(
        stretches(payments),
        [(
            "2026-12-07T00:00:00+00:00".to_string(),
            "2026-12-07T06:00:00+00:00".to_string(),
            Became::Blocked
        )]
    );
    assert_eq!(payments.changes[0].head.rules, ["nights"]);
    let web = diffs.iter().find(|d| d.service == "web").unwrap();
    assert!(web.changes.is_empty(), "web was covered before: {web:?}");
    // `--service`: a glob filters; a plain name is compared even unnamed.
    let only = |service: &str| {
        let filter = NameFilter::parse(service).unwrap();
        pairs(&base, &head, Some(&filter), None).unwrap()
    };
    assert_eq!(only("pay*"), [("payments".to_string(), "prod".to_string())]);
    assert_eq!(only("api"), [("api".to_string(), "prod".to_string())]);
    assert_eq!(only("!web").len(), 1);
}

#[test]
fn a_rule_renamed_only_changes_nothing() {
    let base = policy(&format!(
        "{}{XMAS}",
        night("Asia/Seoul", "06:00", "weeknight")
    ));
    let head = policy(&format!(
        "{}{}",
        night("Asia/Seoul", "06:00", "night-window"),
        XMAS.replace("\"xmas\"", "\"christmas\"")
    ));
    let diffs = diff_all(&base, &head, "2026-12-20T00:00:00Z", "2027-01-20T00:00:00Z");
    assert!(!diffs.is_empty());
    for d in &diffs {
        assert!(d.changes.is_empty(), "{d:?}");
        assert!(d.blocked.is_zero() && d.opened.is_zero());
    }
}

/// A directory of policy files beside the `Dir`'s own `policies/`.
fn write_dir(root: &Path, name: &str, files: &[(&str, &str)]) -> std::path::PathBuf {
    let dir = root.join(name);
    for (rel, text) in files {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn run(dir: &Dir, args: &[&str]) -> (i32, String, String) {
    let out = shipwindow(dir, args);
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Head: lunch and Christmas; base (`base/`): lunch only.
fn xmas_dirs() -> (Dir, String) {
    let dir = Dir::new(&[("p.toml", &format!("{LUNCH}{XMAS}"))]);
    let base = write_dir(dir.tmp.path(), "base", &[("p.toml", LUNCH)]);
    (dir, base.display().to_string())
}

const RANGE: [&str; 4] = ["--from", "2026-12-23T00:00", "--to", "+4d"];

#[test]
fn the_json_shape() {
    let (dir, base) = xmas_dirs();
    let mut args = vec!["diff", "--base", &base, "--format", "json"];
    args.extend(RANGE);
    let (code, stdout, stderr) = run(&dir, &args);
    assert_eq!(code, 0, "{stderr}");
    let got: Value = serde_json::from_str(&stdout).unwrap();
    let fingerprint = |side: &str| got[side]["policy"].as_str().unwrap().to_string();
    assert!(fingerprint("base").starts_with("sha256:"));
    assert_ne!(fingerprint("base"), fingerprint("head"));
    let side = |state: &str, rules: &[&str]| json!({"state": state, "rules": rules});
    let change = |start: &str, end: &str, seconds: i64| {
        json!({
            "start": start, "end": end, "became": "blocked", "seconds": seconds,
            "base": side("open", &[]), "head": side("closed", &["xmas"]),
        })
    };
    let want = json!({
        "base": {"source": base, "kind": "directory", "policy": fingerprint("base")},
        "head": {"source": dir.policies().display().to_string(), "kind": "directory",
                 "policy": fingerprint("head")},
        "from": "2026-12-23T00:00:00+09:00",
        "to": "2026-12-27T00:00:00+09:00",
        "blocked_seconds": 158400,
        "opened_seconds": 0,
        "pairs": [{
            "service": "web", "env": "prod", "blocked_seconds": 158400, "opened_seconds": 0,
            "changes": [
                change("2026-12-24T00:00:00+09:00", "2026-12-24T11:30:00+09:00", 41400),
                change("2026-12-24T13:30:00+09:00", "2026-12-25T11:30:00+09:00", 79200),
                change("2026-12-25T13:30:00+09:00", "2026-12-26T00:00:00+09:00", 37800),
            ],
        }],
        "held": {"checked": false, "why_not": format!(
            "no --store, and no {} yet", dir.state().join("shipwindow.db").display()),
            "count": 0, "newly_blocked": []},
    });
    assert_eq!(got, want, "{stdout}");
}

#[test]
fn the_markdown_summary_goes_to_stdout_and_the_step_summary() {
    let (dir, base) = xmas_dirs();
    let summary = dir.tmp.path().join("summary.md");
    let mut args = vec!["diff", "--base", &base, "--format", "github"];
    args.extend(RANGE);
    let out = Command::new(env!("CARGO_BIN_EXE_shipwindow"))
        .arg("--policies")
        .arg(dir.policies())
        .args(&args)
        .env("SHIPWINDOW_STATE_DIR", dir.state())
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), stdout);
    let want_rows = "\
| service | env | change |
|---|---|---|
| `web` | `prod` | +1d 20h blocked |

#### web to prod: +1d 20h blocked

| | from | to | length | base | head |
|---|---|---|---|---|---|
| ➕ blocked | Thu 2026-12-24 00:00 KST | Thu 2026-12-24 11:30 KST | 11h 30m | open (no window rule applies) | closed (xmas) |
| ➕ blocked | Thu 2026-12-24 13:30 KST | Fri 2026-12-25 11:30 KST | 22h | open (no window rule applies) | closed (xmas) |
| ➕ blocked | Fri 2026-12-25 13:30 KST | Sat 2026-12-26 00:00 KST | 10h 30m | open (no window rule applies) | closed (xmas) |
";
    assert!(
        stdout.starts_with("### shipwindow: policy change\n"),
        "{stdout}"
    );
    assert!(stdout.contains(want_rows), "{stdout}");
    assert!(stdout.contains("Held deploys: not checked"), "{stdout}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        stderr.trim(),
        "::warning title=Policy change::+1d 20h blocked",
        "the annotation on stderr, not in a comment made from stdout"
    );
    // A long change: the first 40 stretches of a pair, and how many more.
    let nights = dir.tmp.path().join("nights");
    let nights = write_dir(
        &nights,
        "",
        &[("p.toml", &night("Asia/Seoul", "05:00", "night"))],
    );
    let before = write_dir(
        dir.tmp.path(),
        "before",
        &[("p.toml", &night("Asia/Seoul", "06:00", "night"))],
    );
    let out = Command::new(env!("CARGO_BIN_EXE_shipwindow"))
        .args([
            "diff",
            "--format",
            "github",
            "--from",
            "2026-12-01T00:00",
            "--to",
            "+60d",
        ])
        .arg("--base")
        .arg(&before)
        .arg("--head")
        .arg(&nights)
        .env("SHIPWINDOW_STATE_DIR", dir.state())
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .unwrap();
    let long = String::from_utf8(out.stdout).unwrap();
    assert_eq!(long.matches("| ➕ blocked |").count(), 40, "{long}");
    assert!(
        long.contains(
            "\n…and 20 more stretches (`shipwindow diff --format json` lists them all).\n"
        ),
        "{long}"
    );
    assert!(
        long.contains("| `web` | `prod` | +2d 12h blocked |"),
        "60 hours: {long}"
    );
    // Nothing changed: a notice.
    let same = dir.policies().display().to_string();
    let (code, _, stderr) = run(&dir, &["diff", "--base", &same, "--format", "github"]);
    assert_eq!(code, 0);
    assert_eq!(stderr.trim(), "::notice title=Policy change::no change");
}

#[test]
fn fail_on_new_blocks_exits_1_only_when_something_became_blocked() {
    let (dir, base) = xmas_dirs();
    let head = dir.policies().display().to_string();
    let mut cases: Vec<(Vec<&str>, i32)> = vec![
        (vec!["diff", "--base", &base], 0),
        (vec!["diff", "--base", &base, "--fail-on-new-blocks"], 1),
        // The other way round only opens time.
        (
            vec![
                "diff",
                "--base",
                &head,
                "--head",
                &base,
                "--fail-on-new-blocks",
            ],
            0,
        ),
        (vec!["diff", "--base", &head, "--fail-on-new-blocks"], 0),
    ];
    for (args, _) in &mut cases {
        args.extend(RANGE);
    }
    for (args, want) in &cases {
        let (code, stdout, stderr) = run(&dir, args);
        assert_eq!(code, *want, "{args:?}\n{stdout}{stderr}");
    }
    // Bad input: exit 2 with what is wrong.
    for (args, needle) in [
        (vec!["diff", "--base", &base, "--to", "yesterday"], "--to"),
        (
            vec!["diff", "--base", &base, "--service", "web-[ab"],
            "--service",
        ),
        (vec!["diff", "--base", &base, "--format", "pdf"], "pdf"),
        (vec!["diff", "--base", &base, "--env", "pr\u{7}od"], "--env"),
        (
            vec!["diff", "--base", &base, "--head", "/nonexistent/x"],
            "head policy set",
        ),
    ] {
        let (code, _, stderr) = run(&dir, &args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
}

#[test]
fn a_range_outside_a_calendars_data_is_bad_input_naming_the_pair_and_side() {
    let market = "[[market]]\nname = \"krx\"\nexchange = \"XKRX\"\nservices = [\"ledger\"]\nenvs = [\"prod\"]\n";
    let dir = Dir::new(&[("p.toml", market)]);
    let base = write_dir(dir.tmp.path(), "base", &[("p.toml", market)]);
    let base = base.display().to_string();
    let args = [
        "diff",
        "--base",
        &base,
        "--from",
        "2031-01-01T00:00",
        "--format",
        "json",
    ];
    let (code, stdout, stderr) = run(&dir, &args);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(
            "error: ledger to prod on the base policy: rule `krx` uses the XKRX calendar"
        ),
        "{stderr}"
    );
    let body: Value = serde_json::from_str(&stdout).unwrap();
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .starts_with("ledger to prod on the base policy: ")
    );
}

#[test]
fn human_output_marks_blocked_with_plus_and_opened_with_minus() {
    let (dir, base) = xmas_dirs();
    let head = dir.policies().display().to_string();
    let mut args = vec!["diff", "--base", &head, "--head", &base];
    args.extend(RANGE);
    let (code, stdout, _) = run(&dir, &args);
    assert_eq!(code, 0);
    assert!(stdout.contains("\nweb to prod: −1d 20h open\n"), "{stdout}");
    assert!(
        stdout.contains(
            "  − Thu 2026-12-24 00:00 KST to Thu 2026-12-24 11:30 KST (11h 30m) became open\n      base: closed (xmas); head: open (no window rule applies)\n"
        ),
        "{stdout}"
    );
}

fn git(repo: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .output()
        .expect("git is installed");
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

#[test]
fn a_git_ref_base_is_read_without_touching_the_work_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    let policies = write_dir(
        &repo,
        "deploy/policies",
        &[("p.toml", LUNCH), ("README", "x")],
    );
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "base"]);
    let edited = format!("{LUNCH}{XMAS}");
    std::fs::write(policies.join("p.toml"), &edited).unwrap();
    std::fs::write(policies.join("new.toml"), "").unwrap();
    let diff = |base: &str, head: &Path| {
        Command::new(env!("CARGO_BIN_EXE_shipwindow"))
            .current_dir(tmp.path())
            .args(["diff", "--base", base, "--head"])
            .arg(head)
            .args(["--format", "json"])
            .args(RANGE)
            .env("SHIPWINDOW_STATE_DIR", tmp.path().join("state"))
            .output()
            .unwrap()
    };
    let out = diff("HEAD", &policies);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got["base"]["kind"], "git-ref");
    assert_eq!(got["base"]["source"], "HEAD");
    assert_eq!(got["blocked_seconds"], 158400);
    // The same as a directory holding the committed file.
    let copy = write_dir(tmp.path(), "copy", &[("p.toml", LUNCH)]);
    let from_dir: Value =
        serde_json::from_slice(&diff(&copy.display().to_string(), &policies).stdout).unwrap();
    assert_eq!(got["base"]["policy"], from_dir["base"]["policy"]);
    assert_eq!(got["pairs"], from_dir["pairs"]);
    // The work tree and index are as they were.
    assert_eq!(
        std::fs::read_to_string(policies.join("p.toml")).unwrap(),
        edited
    );
    let status = Command::new("git")
        .arg("-C")
        .arg(&repo)
        .args(["status", "--porcelain"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(status.stdout).unwrap(),
        " M deploy/policies/p.toml\n?? deploy/policies/new.toml\n"
    );

    // Errors: exit 2, saying what is wrong.
    let new_dir = write_dir(&repo, "later", &[("p.toml", LUNCH)]);
    let outside = write_dir(tmp.path(), "outside", &[("p.toml", LUNCH)]);
    for (base, head, needle) in [
        ("no-such-ref", &policies, "unknown git ref `no-such-ref`"),
        ("HEAD", &new_dir, "`later` does not exist at `HEAD`"),
        ("HEAD", &outside, "is not in a git repository"),
    ] {
        let out = diff(base, head);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "{base} {head:?}: {stderr}");
        assert!(stderr.contains(needle), "{stderr}");
    }
    // A base that fails to load names its files at the ref, not a temporary copy.
    std::fs::write(policies.join("p.toml"), "[[freeze]]\nname = \"Bad\"\n").unwrap();
    git(&repo, &["commit", "-q", "-am", "broken"]);
    std::fs::write(policies.join("p.toml"), LUNCH).unwrap();
    let out = diff("HEAD", &policies);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("the base policy set (`HEAD`) failed to load"),
        "{stderr}"
    );
    assert!(stderr.contains("HEAD:p.toml:"), "{stderr}");
    assert!(!stderr.contains("shipwindow-base-"), "{stderr}");
}

#[test]
fn held_github_deploys_and_slots_the_change_would_now_block() {
    let mapping = "\n[[github]]\nrepository = \"acme/*\"\nservice = \"web\"\n\
                   environments = { production = \"prod\" }\n";
    // Christmas 2040, so that the holds are due in the future whenever the
    // test runs; and a freeze long past, for a hold already due.
    let xmas = XMAS.replace("2026-12-2", "2040-12-2");
    let past = "\n[[freeze]]\nname = \"past\"\nstart_at = \"2020-01-01T00:00\"\n\
                end_at = \"2020-01-02T00:00\"\n";
    let dir = Dir::new(&[("p.toml", &format!("{LUNCH}{xmas}{past}{mapping}"))]);
    let base = write_dir(
        dir.tmp.path(),
        "base",
        &[("p.toml", &format!("{LUNCH}{mapping}"))],
    );
    let store = Store::open(&dir.state()).unwrap();
    let hold = |n: i64, env: &str, next_at: &str| NewGithubHold {
        callback_url: format!("https://api.github.com/cb/{n}"),
        installation_id: 1,
        repository: "acme/shop".into(),
        environment: env.into(),
        event: "push".into(),
        sha: None,
        git_ref: None,
        sender: None,
        received_at: t("2019-12-01T00:00:00Z"),
        deadline: t("2041-01-31T00:00:00Z"),
        next_at: t(next_at),
    };
    // Due Monday 24 December 2040, 10:00 KST: open before, now frozen.
    let (eve, _) = store
        .hold_github(hold(1, "production", "2040-12-24T01:00:00Z"))
        .unwrap();
    // The same day at lunch: closed on both sides.
    store
        .hold_github(hold(2, "production", "2040-12-24T03:00:00Z"))
        .unwrap();
    // Another environment: not covered by either freeze.
    store
        .hold_github(hold(3, "staging", "2040-12-24T01:00:00Z"))
        .unwrap();
    // Due after Christmas: open on both.
    store
        .hold_github(hold(4, "production", "2040-12-27T01:00:00Z"))
        .unwrap();
    // Due in the past freeze, so decided now, when that freeze is long over.
    store
        .hold_github(hold(5, "production", "2020-01-01T12:00:00Z"))
        .unwrap();
    let slot = |day: &str| NewReservation {
        service: "web".into(),
        env: "prod".into(),
        lane: "db".into(),
        start: t(&format!("2040-12-{day}T00:00:00Z")),
        deploy_end: t(&format!("2040-12-{day}T00:30:00Z")),
        monitoring_end: t(&format!("2040-12-{day}T01:00:00Z")),
        by: "alice".into(),
    };
    // A slot Christmas Eve 09:00–10:00 KST: open before, now frozen; and one
    // after Christmas, open on both sides.
    let (eve_slot, _) = store
        .reserve(slot("24"), t("2019-12-01T00:00:00Z"))
        .unwrap();
    store
        .reserve(slot("27"), t("2019-12-01T00:00:00Z"))
        .unwrap();
    drop(store);
    let base = base.display().to_string();
    let mut args = vec![
        "diff",
        "--base",
        &base,
        "--format",
        "json",
        "--fail-on-new-blocks",
    ];
    args.extend(RANGE);
    let (code, stdout, stderr) = run(&dir, &args);
    assert_eq!(code, 1, "{stderr}");
    let got: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(got["blocked_seconds"], 0, "the range itself did not change");
    let held = &got["held"];
    assert_eq!(held["checked"], true);
    assert_eq!(held["count"], 7);
    assert_eq!(
        held["newly_blocked"],
        json!([{
            "kind": "github",
            "id": eve.id.to_string(),
            "what": format!("GitHub deployment of acme/shop to production (hold {})", eve.id),
            "start": "2040-12-24T10:00:00+09:00",
            "end": "2040-12-24T10:00:00+09:00",
            "base": {"service": "web", "env": "prod", "state": "open", "rules": []},
            "head": {"service": "web", "env": "prod", "state": "closed", "rules": ["xmas"]},
        }, {
            "kind": "reservation",
            "id": eve_slot.id,
            "what": format!("slot of web/prod held by alice (reservation {})", eve_slot.id),
            "start": "2040-12-24T09:00:00+09:00",
            "end": "2040-12-24T10:00:00+09:00",
            "base": {"service": "web", "env": "prod", "state": "open", "rules": []},
            "head": {"service": "web", "env": "prod", "state": "closed", "rules": ["xmas"]},
        }])
    );
    let (code, stdout, _) = run(&dir, &["diff", "--base", &base, "--fail-on-new-blocks"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("held deploys: 2 of 7 in ")
            && stdout.contains("GitHub deployment of acme/shop to production"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "  - GitHub deployment of acme/shop to production (hold {}), due Mon 2040-12-24 10:00 KST\n      \
             base: web to prod, open (no window rule applies); head: web to prod, closed (xmas)\n",
            eve.id
        )),
        "{stdout}"
    );
    let (_, markdown, _) = run(&dir, &["diff", "--base", &base, "--format", "github"]);
    assert!(
        markdown.contains(&format!(
            "#### Held deploys the change would now block (2 of 7)\n\n| deploy | at | base | head |\n|---|---|---|---|\n\
             | GitHub deployment of acme/shop to production (hold {}) | Mon 2040-12-24 10:00 KST \
             | `web` to `prod`: open (no window rule applies) | `web` to `prod`: closed (xmas) |\n",
            eve.id
        )),
        "{markdown}"
    );
    // Without --fail-on-new-blocks: reported, exit 0.
    let (code, _, _) = run(&dir, &["diff", "--base", &base]);
    assert_eq!(code, 0);
    // A store that is given but cannot be reached is an error, not "nothing held".
    let (code, _, stderr) = run(
        &dir,
        &[
            "diff",
            "--base",
            &base,
            "--store",
            "postgres://nobody@127.0.0.1:1/x",
        ],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--store"), "{stderr}");
}

#[test]
fn the_svg_draws_both_timelines_and_escapes_its_text() {
    let dir = Dir::new(&[("p.toml", &format!("{LUNCH}{XMAS}"))]);
    // A base whose name is markup: it is shown in the title, escaped.
    let base = write_dir(dir.tmp.path(), "b&<i>'\"", &[("p.toml", LUNCH)]);
    let base = base.display().to_string();
    let mut args = vec!["diff", "--base", &base, "--format", "svg"];
    args.extend(RANGE);
    let (code, svg, stderr) = run(&dir, &args);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
        "{svg}"
    );
    assert!(svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains("b&amp;&lt;i&gt;&#39;&quot; ("), "{svg}");
    assert!(!svg.contains("<i>"), "{svg}");
    assert!(
        svg.contains(">web to prod: +1d 20h blocked</text>"),
        "{svg}"
    );
    // Both timelines, each piece titled: the base open but for the lunches,
    // the head closed by Christmas.
    let titled = |text: &str| svg.matches(&format!("<title>{text}</title>")).count();
    let open =
        "Wed 2026-12-23 00:00 KST to Wed 2026-12-23 11:30 KST: open (no window rule applies)";
    assert_eq!(titled(open), 2, "{svg}");
    let base_lunch =
        "Thu 2026-12-24 13:30 KST to Fri 2026-12-25 11:30 KST: open (no window rule applies)";
    assert_eq!(titled(base_lunch), 1, "{svg}");
    let frozen = "Thu 2026-12-24 11:30 KST to Thu 2026-12-24 13:30 KST: closed (lunch, xmas)";
    assert_eq!(titled(frozen), 1, "{svg}");
    // Three blocked stretches in the change row, titled with their rules.
    assert_eq!(svg.matches("fill=\"#d9534f\"><title>").count(), 3, "{svg}");
    assert!(
        svg.contains("became blocked (base open (no window rule applies); head closed (xmas))")
    );
    // Self-contained: no link to anything but the SVG namespace.
    assert_eq!(svg.matches("http").count(), 1);
    assert!(!svg.contains("href"));
}

#[test]
fn mappings_and_strategies_name_pairs_but_globs_do_not() {
    let base = policy(
        "[[github]]\nrepository = \"acme/payments-api\"\nenvironments = { production = \"prod\" }\n\n\
         [[github]]\nrepository = \"acme/*\"\nenvironments = { live = \"live\" }\n",
    );
    let head = policy(
        "[[kubernetes]]\nnamespaces = [\"shop-*\"]\nenv = \"k8s-prod\"\n\n\
         [[freeze]]\nname = \"f\"\nfrom = \"fri 17:00\"\nto = \"mon 06:00\"\nservices = [\"web-*\", \"ledger\"]\n",
    );
    let got = pairs(&base, &head, None, None).unwrap();
    let want: Vec<(String, String)> = [
        ("ledger", "k8s-prod"),
        ("ledger", "live"),
        ("ledger", "prod"),
        ("payments-api", "k8s-prod"),
        ("payments-api", "live"),
        ("payments-api", "prod"),
    ]
    .iter()
    .map(|(s, e)| (s.to_string(), e.to_string()))
    .collect();
    assert_eq!(got, want);
}

/// The text after the line `$ {command}` of `doc`, up to the next `$ ` line
/// or the end of the block.
fn shown_after(doc: &str, command: &str) -> String {
    let start = doc
        .find(&format!("$ {command}\n"))
        .unwrap_or_else(|| panic!("no `$ {command}` in the doc"));
    let body = &doc[start..];
    let body = &body[body.find('\n').unwrap() + 1..];
    let end = [body.find("\n$ "), body.find("\n```")]
        .into_iter()
        .flatten()
        .min()
        .unwrap();
    body[..=end].to_string()
}

#[test]
fn the_review_doc_shows_real_output() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/review.md")).unwrap();
    // The example run where a fresh clone runs it: a copy of the example
    // policies, and no state directory.
    let tmp = tempfile::tempdir().unwrap();
    for side in ["base", "head"] {
        let file = format!("examples/review/{side}/shop.toml");
        let text = std::fs::read_to_string(root.join(&file)).unwrap();
        write_dir(
            tmp.path(),
            &format!("examples/review/{side}"),
            &[("shop.toml", &text)],
        );
    }
    let run = |args: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_shipwindow"))
            .args(args.split(' ').map(|a| a.trim_matches('\'')))
            .current_dir(tmp.path())
            .env_remove("SHIPWINDOW_STATE_DIR")
            .env_remove("SHIPWINDOW_STORE")
            .env_remove("GITHUB_STEP_SUMMARY")
            .output()
            .unwrap();
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let pair = "diff --base examples/review/base --head examples/review/head";
    let human = format!("{pair} --from 2026-12-28T00:00 --to +7d");
    assert_eq!(
        shown_after(&doc, &format!("shipwindow {human}")),
        run(&human).0
    );
    let json =
        format!("{pair} --from 2026-12-29T00:00 --to +1d --service web --env prod --format json");
    assert_eq!(
        shown_after(&doc, &format!("shipwindow {json}")),
        run(&json).0
    );
    let github =
        format!("{pair} --from 2026-12-28T00:00 --to +7d --service 'payments-*' --format github");
    let (markdown, annotation) = run(&github);
    assert_eq!(
        shown_after(&doc, &format!("shipwindow {github} > diff.md")),
        annotation
    );
    let block = &doc[doc.find("```markdown\n").unwrap() + "```markdown\n".len()..];
    assert_eq!(&block[..block.find("```").unwrap()], markdown);
    let svg = format!("{pair} --from 2026-12-28T00:00 --to +7d --format svg");
    assert_eq!(
        std::fs::read_to_string(root.join("docs/review/diff.svg")).unwrap(),
        run(&svg).0,
        "docs/review/diff.svg is what the command in docs/review.md prints"
    );
}
