//! `cargo bench --bench worst_case`: the slowest valid input found for one
//! decision and one windows report (BENCHMARKS.md, "Worst case on valid input").
//!
//! The fixture `benches/fixtures/worst-case` holds rules as dense as the policy
//! format allows (a cron firing every minute, stretches shorter than a minute or
//! just touching) at the longest horizon (`730d`), in a zone with DST. Each request
//! below is denied and its `next_allowed` search runs to the horizon or close to
//! it, expanding the rule over up to two years; a windows report of the same rules
//! is timed just under its cap in pieces, and refused over 400 days. Figures are read as ratios against
//! the baselines of the same run: `baseline/tz_to_civil` (one instant read as
//! wall-clock time) and `baseline/decide_policy_50` (the denied three-week search
//! of the `decision` benchmark).
//!
//! Before measuring, every benchmark checks the answer it was designed for, so a
//! change cannot quietly turn a two-year search into a short one.

#![expect(
    clippy::expect_used,
    reason = "a benchmark whose setup fails has nothing to measure"
)]

use chrono::{DateTime, TimeDelta, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use shipwindow::eval::MAX_PIECES;
use shipwindow::{ChangeKind, DeployRequest, EvalError, PolicySet, Verdict, decide, windows};
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

/// Monday 2026-03-02 10:30 in New York: every dense rule blocks it.
const AT: &str = "2026-03-02T10:30:00-05:00";

fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("a valid RFC 3339 instant")
        .with_timezone(&Utc)
}

fn fixture(name: &str) -> PolicySet {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("benches/fixtures")
        .join(name);
    PolicySet::load(&dir).expect("the benchmark fixture loads")
}

fn worst_case(c: &mut Criterion) {
    let policy = fixture("worst-case");
    let shop = fixture("policy-50");
    let shop_denied = DeployRequest::new("web", "prod", instant("2026-03-02T10:30:00+09:00"));
    let at = instant(AT);
    // (service, the next allowed start it must find, or none within the horizon)
    let cases = [
        ("cron-for", Some("2026-11-01T01:59:30-04:00")),
        ("cron-pair", Some("2026-11-01T01:59:00-04:00")),
        ("touching", Some("2026-11-01T01:00:00-05:00")),
        ("window", None),
        ("all", None),
    ];
    for (service, next) in cases {
        let d = decide(&policy, &DeployRequest::new(service, "prod", at)).expect("decides");
        assert_eq!(d.verdict, Verdict::Deny, "fixture: {service} is denied");
        assert_eq!(
            d.next_allowed.map(|t| t.to_rfc3339()).as_deref(),
            next,
            "fixture: the next allowed start for {service}"
        );
    }
    // The longest range is refused for its length in pieces; 17 days are just
    // under the cap.
    let from = at;
    let year = at + TimeDelta::days(400);
    let refused = windows(&policy, "all", "prod", ChangeKind::Deploy, from, year);
    assert_eq!(
        refused.err(),
        Some(EvalError::TooManyPieces { max: MAX_PIECES }),
        "fixture: a 400-day report is refused"
    );
    let weeks = at + TimeDelta::days(17);
    let report = windows(&policy, "all", "prod", ChangeKind::Deploy, from, weeks).expect("windows");
    assert!(
        (40_000..=MAX_PIECES).contains(&report.intervals.len()),
        "fixture: a 17-day report of just under the cap, found {}",
        report.intervals.len()
    );

    let mut g = c.benchmark_group("worst_case");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    let zone = chrono_tz::America::New_York;
    g.bench_function("baseline/tz_to_civil", |b| {
        b.iter(|| black_box(at).with_timezone(black_box(&zone)).naive_local())
    });
    g.bench_function("baseline/decide_policy_50", |b| {
        b.iter(|| decide(black_box(&shop), black_box(&shop_denied)))
    });
    for (service, _) in cases {
        let req = DeployRequest::new(service, "prod", at);
        g.bench_function(format!("decide/{service}"), |b| {
            b.iter(|| decide(black_box(&policy), black_box(&req)))
        });
    }
    for (name, to) in [
        ("windows_17_days/all", weeks),
        ("windows_400_days_refused/all", year),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                windows(
                    black_box(&policy),
                    "all",
                    "prod",
                    ChangeKind::Deploy,
                    from,
                    to,
                )
            })
        });
    }
    g.finish();
}

criterion_group!(benches, worst_case);
criterion_main!(benches);
