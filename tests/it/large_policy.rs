//! The benchmarks' large-policy generator (`benches/generate/large_policy.rs`): the policy it
//! writes loads with `validate` (exit 0, no problem), has the size and the mix of
//! time specs it promises, is the same on every run, and its heaviest and light
//! services are what the decisions see.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

#[path = "../../benches/generate/large_policy.rs"]
mod generator;

use shipwindow::{DeployRequest, PolicySet, decide};
use std::process::Command;

#[test]
fn the_full_policy_validates_and_has_every_kind() {
    let dir = tempfile::tempdir().unwrap();
    let s = generator::generate(dir.path(), generator::FULL).unwrap();
    assert_eq!((s.rules, s.services), (5_000, 500));
    assert_eq!(s.kinds.iter().map(|(_, n)| n).sum::<usize>(), 5_000);
    for (kind, n) in &s.kinds {
        assert!(*n > 0, "no rule of kind {kind}");
    }
    // A hub and a long tail: the heaviest service meets many times the rules of the
    // light one.
    assert!(s.heaviest.1 >= 1_000, "heaviest {:?}", s.heaviest);
    assert!(s.light.1 <= 100, "light {:?}", s.light);

    let out = Command::new(env!("CARGO_BIN_EXE_shipwindow"))
        .arg("validate")
        .arg("--policies")
        .arg(dir.path())
        .env_remove("SHIPWINDOW_POLICIES")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("ok: 5000 rules"),
        "validate's summary: {stdout}"
    );
    assert!(!stderr.contains("warning"), "no warnings: {stderr}");
}

#[test]
fn the_same_seed_writes_the_same_bytes() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let small = generator::Size {
        services: 60,
        rules: 600,
    };
    let sa = generator::generate(a.path(), small).unwrap();
    let sb = generator::generate(b.path(), small).unwrap();
    assert_eq!(
        (sa.heaviest, sa.light),
        (sb.heaviest.clone(), sb.light.clone())
    );
    assert_eq!(sa.kinds, sb.kinds);
    assert_eq!((sa.rules, sa.services), (sb.rules, sb.services));
    for part in ["settings.toml", "rules/part-00.toml", "rules/part-01.toml"] {
        let ta = std::fs::read(a.path().join(part)).unwrap();
        assert_eq!(ta, std::fs::read(b.path().join(part)).unwrap(), "{part}");
    }
    assert!(
        !a.path().join("rules/part-03.toml").exists(),
        "600 rules, 250 a file"
    );
    let pa = PolicySet::load(a.path()).unwrap();

    // The heaviest service is blocked by more rules than the light one at a busy time
    // (the generator's count of applicable rules is the decision's view).
    let at = chrono::DateTime::parse_from_rfc3339("2027-02-01T10:00:00+09:00")
        .unwrap()
        .to_utc();
    let heavy = decide(&pa, &DeployRequest::new(&sb.heaviest.0, generator::ENV, at)).unwrap();
    let light = decide(&pa, &DeployRequest::new(&sb.light.0, generator::ENV, at)).unwrap();
    assert!(heavy.blocked_by.len() > light.blocked_by.len());
}

/// A server's policy keeps its expansions and finds rules through its scope
/// index; on the generated organisation (every time-spec kind, exact lists, team
/// globs, `*` less a team, markets, leads and tails, six zones) it answers every
/// service exactly as a policy that expands everything afresh, cold and warm.
#[test]
fn kept_expansions_answer_as_fresh_ones_for_every_service() {
    let dir = tempfile::tempdir().unwrap();
    let size = generator::Size {
        services: 60,
        rules: 600,
    };
    let summary = generator::generate(dir.path(), size).unwrap();
    let fresh = PolicySet::load(dir.path()).unwrap();
    let kept = PolicySet::load(dir.path()).unwrap();
    kept.reuse_expansions();
    let services: Vec<String> = fresh
        .rules
        .iter()
        .flat_map(|r| {
            r.services
                .exact_names()
                .map(String::from)
                .collect::<Vec<_>>()
        })
        .chain([
            summary.heaviest.0.clone(),
            summary.light.0.clone(),
            "nobody".into(),
        ])
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert!(services.len() > 30, "{services:?}");
    let instants = [
        "2027-02-01T10:00:00+09:00",
        "2027-02-01T23:59:30Z",
        "2027-03-28T00:30:00Z",
        "2027-11-07T05:45:00Z",
    ];
    let mut denied = 0;
    for round in ["cold", "warm"] {
        for service in &services {
            for env in ["prod", "staging"] {
                for at in instants {
                    let at = chrono::DateTime::parse_from_rfc3339(at).unwrap().to_utc();
                    for change in [
                        shipwindow::ChangeKind::Deploy,
                        shipwindow::ChangeKind::Hotfix,
                    ] {
                        let mut req = DeployRequest::new(service, env, at);
                        req.change = change;
                        let want = decide(&fresh, &req).unwrap();
                        denied += usize::from(!want.allowed);
                        assert_eq!(
                            decide(&kept, &req).unwrap(),
                            want,
                            "{round}: {service}/{env} at {at} ({change:?})"
                        );
                    }
                }
            }
        }
    }
    // Both answers occur, so the comparison is not of empty decisions.
    assert!(denied > 0 && denied < 2 * services.len() * 2 * instants.len() * 2);
}
