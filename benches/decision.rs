//! `cargo bench --bench decision`: how fast a decision is, on a realistic policy set.
//!
//! The fixture `benches/fixtures/policy-50` holds 52 rules in five zones; a request
//! for `web` in `prod` meets 20 of them. Every figure is meant to be read as a ratio
//! against the baseline of the same kind measured in the same run (the project's
//! standard: speed is measured in benchmarks, never in timed tests):
//!
//! - in-process figures against `baseline/tz_to_civil`, one instant read as wall-clock
//!   time in a zone (the primitive the decision is made of);
//! - process figures against `process/true`, spawning `/bin/true`.
//!
//! Targets (BENCHMARKS.md): one `check` decision under 10 µs, `next_allowed` with the
//! answer three weeks away under 100 µs, the whole `shipwindow check` process under
//! 20 ms wall.
//!
//! Before measuring, every benchmark checks that it computes the answer the fixture
//! was designed for, so a change to the fixture or the engine cannot silently turn a
//! three-week search into a trivial one.

#![expect(
    clippy::expect_used,
    reason = "a benchmark whose setup fails has nothing to measure"
)]

use chrono::{DateTime, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use shipwindow::{DeployRequest, PolicySet, Verdict, decide, next_allowed};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Denied: Monday 2026-03-02 10:30 KST, inside the Seoul IDC migration freeze.
const DENIED_AT: &str = "2026-03-02T10:30:00+09:00";
/// Its next allowed start, three weeks later (Monday night's window, after the US
/// login peak).
const DENIED_NEXT: &str = "2026-03-23T23:00:00+09:00";
/// Allowed: Tuesday 2026-03-24 23:15 KST, inside the weeknight window.
const ALLOWED_AT: &str = "2026-03-24T23:15:00+09:00";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/fixtures/policy-50")
}

fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("a valid RFC 3339 instant")
        .with_timezone(&Utc)
}

fn load() -> PolicySet {
    PolicySet::load(&fixture()).expect("the benchmark fixture loads")
}

fn request(at: &str) -> DeployRequest {
    DeployRequest::new("web", "prod", instant(at))
}

fn in_process(c: &mut Criterion) {
    let policy = load();
    let denied = request(DENIED_AT);
    let allowed = request(ALLOWED_AT);

    let d = decide(&policy, &denied).expect("decides");
    assert_eq!(d.verdict, Verdict::Deny, "fixture: the denied request");
    assert_eq!(
        d.next_allowed.map(|t| t.to_rfc3339()).as_deref(),
        Some(DENIED_NEXT),
        "fixture: the next allowed start of the denied request"
    );
    assert_eq!(
        decide(&policy, &allowed).expect("decides").verdict,
        Verdict::Allow,
        "fixture: the allowed request"
    );
    assert_eq!(
        next_allowed(&policy, &denied)
            .expect("searches")
            .map(|t| t.to_rfc3339())
            .as_deref(),
        Some(DENIED_NEXT),
        "fixture: next_allowed"
    );

    let mut g = c.benchmark_group("in_process");
    g.measurement_time(Duration::from_secs(4))
        .warm_up_time(Duration::from_secs(1))
        .sample_size(50);

    // Baseline: one instant read as wall-clock time in a zone.
    let zone = chrono_tz::Asia::Seoul;
    let t = instant(DENIED_AT);
    g.bench_function("baseline/tz_to_civil", |b| {
        b.iter(|| black_box(t).with_timezone(black_box(&zone)).naive_local())
    });

    // One decision, allowed: the blockers, then how long the deploy may overrun.
    g.bench_function("decide/allowed", |b| {
        b.iter(|| decide(black_box(&policy), black_box(&allowed)))
    });
    // One decision, denied: the blockers and their extents, plus the next allowed
    // start, which every denial carries.
    g.bench_function("decide/denied", |b| {
        b.iter(|| decide(black_box(&policy), black_box(&denied)))
    });
    // next_allowed alone, the answer three weeks into the 60-day horizon.
    g.bench_function("next_allowed/three_weeks", |b| {
        b.iter(|| next_allowed(black_box(&policy), black_box(&denied)))
    });

    // Loading the set, which the CLI pays on every run: from the directory, and from
    // memory (the same text, no file system) to separate parsing from IO.
    let dir = fixture();
    g.bench_function("load/directory", |b| {
        b.iter(|| PolicySet::load(black_box(&dir)))
    });
    let texts = fixture_texts(&dir);
    let files: Vec<(&str, &str)> = texts
        .iter()
        .map(|(rel, text)| (rel.as_str(), text.as_str()))
        .collect();
    g.bench_function("load/from_memory", |b| {
        b.iter(|| PolicySet::from_files(black_box(&files)))
    });
    g.finish();
}

/// Every `*.toml` of the fixture as (relative path, text).
fn fixture_texts(dir: &Path) -> Vec<(String, String)> {
    fn walk(dir: &Path, rel: &str, out: &mut Vec<(String, String)>) {
        let entries = std::fs::read_dir(dir).expect("the fixture directory is readable");
        for entry in entries {
            let entry = entry.expect("a readable directory entry");
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            let path = entry.path();
            if path.is_dir() {
                walk(&path, &rel, out);
            } else if rel.ends_with(".toml") {
                let text = std::fs::read_to_string(&path).expect("a readable fixture file");
                out.push((rel, text));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, "", &mut out);
    out
}

fn process(c: &mut Criterion) {
    let bin = env!("CARGO_BIN_EXE_shipwindow");
    let dir = fixture();
    let check = |at: &str| {
        let mut cmd = Command::new(bin);
        cmd.arg("check")
            .arg("--policies")
            .arg(&dir)
            .args(["--service", "web", "--env", "prod", "--at", at])
            .args(["--format", "json"])
            .env_remove("SHIPWINDOW_POLICIES");
        cmd
    };
    let mut denied = check(DENIED_AT);
    let mut allowed = check(ALLOWED_AT);
    let mut version = Command::new(bin);
    version.arg("--version");
    let mut baseline = Command::new("/bin/true");

    let out = denied.output().expect("shipwindow check runs");
    assert_eq!(out.status.code(), Some(1), "fixture: the CLI denies");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("\"next_allowed\": \"{DENIED_NEXT}\"")),
        "fixture: the CLI's next_allowed\n{stdout}"
    );
    let out = allowed.output().expect("shipwindow check runs");
    assert_eq!(out.status.code(), Some(0), "fixture: the CLI allows");
    assert!(baseline.status().expect("/bin/true runs").success());

    let mut g = c.benchmark_group("process");
    g.measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_secs(1))
        .sample_size(30);
    // Baseline: the cost of spawning and waiting for a process that does nothing.
    g.bench_function("true", |b| b.iter(|| baseline.output()));
    // The binary doing no policy work: start-up, argument parsing, exit.
    g.bench_function("shipwindow_version", |b| b.iter(|| version.output()));
    g.bench_function("shipwindow_check/denied", |b| b.iter(|| denied.output()));
    g.bench_function("shipwindow_check/allowed", |b| b.iter(|| allowed.output()));
    g.finish();
}

criterion_group!(benches, in_process, process);
criterion_main!(benches);
