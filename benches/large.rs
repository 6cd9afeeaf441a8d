//! `cargo bench --bench large`: one gate for a whole organisation, on the generated
//! policy of `benches/generate/large_policy.rs` (500 services, 5,000 rules, fixed seed).
//!
//! Measured in one run, to be read as ratios (BENCHMARKS.md, "One gate for a
//! thousand services"):
//!
//! - in-process `decide` for the small fixture (`benches/fixtures/policy-50`, its
//!   allowed request and its denied three-week search), for the large policy's heaviest service (the one the
//!   most rules apply to) and for a light one, against `baseline/tz_to_civil`: each
//!   once from scratch (`decide/…`, as a one-shot `check` decides) and once on a
//!   policy that keeps its expansions, warm (`kept/…`, as a server decides);
//! - the whole `shipwindow check` process on the large policy, heaviest and light,
//!   against spawning `/bin/true`.
//!
//! The policy is written to a temporary directory before measuring; nothing of it is
//! committed. Before measuring, the setup checks the verdicts the generator's policy
//! gives at the benchmark's instant, so a change to the generator or the engine cannot
//! silently turn the heavy search into a trivial one.

#![expect(
    clippy::expect_used,
    reason = "a benchmark whose setup fails has nothing to measure"
)]

#[path = "generate/large_policy.rs"]
mod large_policy;

use chrono::{DateTime, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use shipwindow::{DeployRequest, PolicySet, Verdict, decide};
use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Monday 2027-02-01 10:00 KST: a working morning, when most freezes are near.
const AT: &str = "2027-02-01T10:00:00+09:00";
/// The small fixture's denied request (as in `benches/decision.rs`).
const SMALL_AT: &str = "2026-03-02T10:30:00+09:00";
/// The small fixture's allowed request: the figure the cache target is written for.
const SMALL_ALLOWED_AT: &str = "2026-03-24T23:15:00+09:00";

fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("a valid RFC 3339 instant")
        .with_timezone(&Utc)
}

fn large(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let summary = large_policy::generate(dir.path(), large_policy::FULL).expect("generates");
    let (heavy, heavy_rules) = summary.heaviest.clone();
    let (light, light_rules) = summary.light.clone();
    eprintln!(
        "large policy: {} rules, {} services; heaviest {heavy} ({heavy_rules} rules apply), light {light} ({light_rules}); kinds {:?}",
        summary.rules, summary.services, summary.kinds
    );
    let policy = PolicySet::load(dir.path()).expect("the large policy loads");
    let small =
        PolicySet::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/fixtures/policy-50"))
            .expect("the fixture loads");

    // The same policies, keeping their expansions as a server's do (loaded again:
    // a policy and its clones share what they keep).
    let kept = PolicySet::load(dir.path()).expect("the large policy loads");
    kept.reuse_expansions();
    let small_kept =
        PolicySet::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/fixtures/policy-50"))
            .expect("the fixture loads");
    small_kept.reuse_expansions();

    let at = instant(AT);
    let heavy_req = DeployRequest::new(&heavy, large_policy::ENV, at);
    let light_req = DeployRequest::new(&light, large_policy::ENV, at);
    let small_req = DeployRequest::new("web", "prod", instant(SMALL_AT));
    let small_allowed = DeployRequest::new("web", "prod", instant(SMALL_ALLOWED_AT));

    // The answers the benchmark was built around: the heaviest service is denied with
    // no allowed start within the horizon (the whole 60-day search runs), the light one
    // is denied with an allowed start a day later.
    let d = decide(&policy, &heavy_req).expect("decides");
    assert_eq!(d.verdict, Verdict::Deny, "setup: {heavy} is denied");
    assert_eq!(
        d.next_allowed, None,
        "setup: {heavy} has no start within the horizon"
    );
    let d = decide(&policy, &light_req).expect("decides");
    assert_eq!(d.verdict, Verdict::Deny, "setup: {light} is denied");
    assert!(
        d.next_allowed.is_some(),
        "setup: {light} has a next allowed start"
    );
    assert_eq!(
        decide(&small, &small_req).expect("decides").verdict,
        Verdict::Deny,
        "setup: the fixture's request is denied"
    );
    assert_eq!(
        decide(&small, &small_allowed).expect("decides").verdict,
        Verdict::Allow,
        "setup: the fixture's allowed request"
    );

    let mut g = c.benchmark_group("large/in_process");
    g.measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_secs(1))
        .sample_size(20);
    let zone = chrono_tz::Asia::Seoul;
    g.bench_function("baseline/tz_to_civil", |b| {
        b.iter(|| black_box(at).with_timezone(black_box(&zone)).naive_local())
    });
    g.bench_function("decide/policy_50_allowed", |b| {
        b.iter(|| decide(black_box(&small), black_box(&small_allowed)))
    });
    g.bench_function("decide/policy_50_denied", |b| {
        b.iter(|| decide(black_box(&small), black_box(&small_req)))
    });
    g.bench_function("decide/light", |b| {
        b.iter(|| decide(black_box(&policy), black_box(&light_req)))
    });
    g.bench_function("decide/heaviest", |b| {
        b.iter(|| decide(black_box(&policy), black_box(&heavy_req)))
    });
    for (name, policy, plain, req) in [
        (
            "kept/policy_50_allowed",
            &small_kept,
            &small,
            &small_allowed,
        ),
        ("kept/policy_50_denied", &small_kept, &small, &small_req),
        ("kept/light", &kept, &policy, &light_req),
        ("kept/heaviest", &kept, &policy, &heavy_req),
    ] {
        // Kept or not, the answer is the same.
        assert_eq!(
            decide(policy, req).expect("decides"),
            decide(plain, req).expect("decides"),
            "setup: {name} answers as without kept expansions"
        );
        g.bench_function(name, |b| {
            b.iter(|| decide(black_box(policy), black_box(req)))
        });
    }
    g.bench_function("load/directory", |b| {
        b.iter(|| PolicySet::load(black_box(dir.path())))
    });
    g.finish();

    let bin = env!("CARGO_BIN_EXE_shipwindow");
    let check = |service: &str| {
        let mut cmd = Command::new(bin);
        cmd.arg("check")
            .arg("--policies")
            .arg(dir.path())
            .args(["--service", service, "--env", large_policy::ENV, "--at", AT])
            .args(["--format", "json"])
            .env_remove("SHIPWINDOW_POLICIES");
        cmd
    };
    let mut heavy_cmd = check(&heavy);
    let mut light_cmd = check(&light);
    let mut baseline = Command::new("/bin/true");
    for (name, cmd) in [("heaviest", &mut heavy_cmd), ("light", &mut light_cmd)] {
        let out = cmd.output().expect("shipwindow check runs");
        assert_eq!(out.status.code(), Some(1), "setup: the CLI denies {name}");
    }
    assert!(baseline.status().expect("/bin/true runs").success());

    let mut g = c.benchmark_group("large/process");
    g.measurement_time(Duration::from_secs(8))
        .warm_up_time(Duration::from_secs(1))
        .sample_size(10);
    g.bench_function("true", |b| b.iter(|| baseline.output()));
    g.bench_function("check/light", |b| b.iter(|| light_cmd.output()));
    g.bench_function("check/heaviest", |b| b.iter(|| heavy_cmd.output()));
    g.finish();
}

criterion_group!(benches, large);
criterion_main!(benches);
