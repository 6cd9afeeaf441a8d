//! `plan --compare` (issue 7, part 2): every strategy for a service and
//! environment side by side, plus the three kinds on N synthetic targets. The
//! figures are checked against values computed by hand from the plan rules
//! and the loader's defaults (step_time 5m, verify 2m, pause 5m,
//! keep_previous 1h); then the human table, the JSON fields, fits-now and the
//! next start around a freeze, and the exit codes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::plan as support;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};
use shipwindow::PolicySet;
use shipwindow::plan::compare::{self, Comparison};
use shipwindow::plan::{self, Color};
use shipwindow::policy::StrategyKind;
use support::{at, err, json_out, min, out, policy_dir, t};

/// Seoul time, one hour of monitoring, and a maintenance freeze from 23:20 on
/// Tuesday 2026-12-01 to 01:00 the next day. Planned from 22:00, a plan whose
/// length plus monitoring is over 80 minutes runs into it; no windows.
const POLICY: &str = r#"
[settings]
timezone = "Asia/Seoul"
deploy_duration = "30m"
monitoring = "1h"
horizon = "30d"

[[freeze]]
name = "db-maintenance"
reason = "Database maintenance"
start_at = "2026-12-01T23:20"
end_at = "2026-12-02T01:00"
"#;

/// In policy order: web-rolling, api-rolling (another service: left out),
/// web-bg, web-canary. Not alphabetical, so the order is checked too.
const STRATEGIES: &str = r#"
[[strategy]]
name = "web-rolling"
kind = "rolling"
service = "web"
env = "prod"
targets = ["web-1", "web-2", "web-3", "web-4"]
batch = 1
step_time = "4m"
verify = "2m"
monitoring = "1h"

[strategy.hooks]
deploy = ["./deploy.sh", "{target}", "{version}"]
health = ["./health.sh", "{target}"]
rollback = ["./deploy.sh", "{target}", "{previous}"]

[[strategy]]
name = "api-rolling"
kind = "rolling"
service = "api"
env = "prod"
targets = ["api-1", "api-2"]
batch = 1

[strategy.hooks]
deploy = ["./deploy.sh", "{target}", "{version}"]
health = ["./health.sh", "{target}"]
rollback = ["./deploy.sh", "{target}", "{previous}"]

[[strategy]]
name = "web-bg"
kind = "blue-green"
service = "web"
env = "prod"
blue = ["blue-1", "blue-2"]
green = ["green-1", "green-2", "green-3"]
keep_previous = "30m"
step_time = "3m"
verify = "1m"
monitoring = "30m"

[strategy.hooks]
deploy = ["./deploy.sh", "{color}", "{version}"]
health = ["./health.sh", "{color}"]
switch = ["./switch.sh", "{color}"]

[[strategy]]
name = "web-canary"
kind = "canary"
service = "web"
env = "prod"
targets = ["web-1", "web-2", "web-3", "web-4"]
steps = [5, 25, 50, 100]
pause = "6m"
step_time = "4m"
verify = "2m"

[strategy.hooks]
deploy = ["./deploy.sh", "{target}", "{version}"]
health = ["./health.sh", "{target}"]
rollback = ["./deploy.sh", "{target}", "{previous}"]
"#;

fn policy() -> PolicySet {
    PolicySet::from_files(&[("policy.toml", POLICY), ("strategies.toml", STRATEGIES)]).unwrap()
}

/// A policy with no rules at all: every plan fits.
fn open_policy() -> PolicySet {
    PolicySet::from_files(&[(
        "policy.toml",
        "[settings]\ntimezone = \"Asia/Seoul\"\nmonitoring = \"1h\"\n",
    )])
    .unwrap()
}

/// The figures of a row that do not depend on the policy's rules: name, kind,
/// deploy time, all users after, min capacity kept, peak extra capacity, blast
/// radius, rollback time.
type Figures = (
    String,
    &'static str,
    TimeDelta,
    Option<TimeDelta>,
    f64,
    f64,
    f64,
    TimeDelta,
);

fn figures(r: &Comparison) -> Figures {
    (
        r.strategy.clone(),
        r.kind,
        r.deploy_time,
        r.all_users_after,
        r.min_capacity_kept_pct,
        r.peak_extra_capacity_pct,
        r.blast_radius_pct,
        r.rollback_time,
    )
}

fn synthetic_rows(policy: &PolicySet, n: usize) -> Vec<Comparison> {
    compare::compare(policy, "web", "prod", at(), Some(n), |_| Color::Blue)
        .unwrap()
        .into_iter()
        .filter(|r| r.synthetic)
        .collect()
}

#[test]
fn four_synthetic_targets_match_the_hand_computed_figures() {
    let rows = synthetic_rows(&open_policy(), 4);
    let got: Vec<Figures> = rows.iter().map(figures).collect();
    assert_eq!(
        got,
        vec![
            // Rolling, batch 1: four deploy steps of 5m + 2m verify = 28m; the
            // fourth batch lands 3 × 7m + 5m = 26m in; one of four targets out
            // at a time keeps 75% and exposes 25%; a failure at the last batch
            // rolls back all four batches, 4 × 5m.
            (
                "rolling (4 targets)".to_string(),
                "rolling",
                min(28),
                Some(min(26)),
                75.0,
                0.0,
                25.0,
                min(20),
            ),
            // Blue-green, 4 + 4: deploy to green 5m + 2m, switch 5m + 2m = 14m;
            // everyone is on green once the switch is done, 7m + 5m = 12m; green
            // runs beside blue (100% extra); the switch exposes 100%; rollback is
            // one switch back, 5m.
            (
                "blue-green (4+4 targets)".to_string(),
                "blue-green",
                min(14),
                Some(min(12)),
                100.0,
                100.0,
                100.0,
                min(5),
            ),
            // Canary by weight 5, 25, 50, 100: deploy the pool 5m, three weights
            // of 5m + 5m pause, the last 5m + 2m verify = 42m; weight 100 is set
            // 5m + 30m + 5m = 40m in; the 5% step exposes 5%; the pool sized for
            // weight 100 next to the old pool is 100% extra; rollback is one
            // weight change back to 0, 5m.
            (
                "canary (4 targets)".to_string(),
                "canary",
                min(42),
                Some(min(40)),
                100.0,
                100.0,
                5.0,
                min(5),
            ),
        ]
    );
    // No rules: everything fits now, and the next start is the start itself.
    for r in &rows {
        assert!(r.fits_now, "{}", r.strategy);
        assert_eq!(r.next_start.unwrap().to_utc(), at(), "{}", r.strategy);
    }
}

#[test]
fn synthetic_strategies_use_the_loader_defaults() {
    let s = compare::synthetic("web", "prod", 4);
    assert_eq!(s.len(), 3);
    for strategy in &s {
        assert_eq!(
            (strategy.service.as_str(), strategy.env.as_str()),
            ("web", "prod")
        );
        assert_eq!(strategy.step_time, min(5), "{}", strategy.name);
        assert_eq!(strategy.verify, min(2), "{}", strategy.name);
        assert_eq!(strategy.monitoring, None, "{}", strategy.name);
    }
    match &s[0].kind {
        StrategyKind::Rolling { targets, batch } => {
            assert_eq!(targets, &["target-1", "target-2", "target-3", "target-4"]);
            assert_eq!(batch.size(targets.len()), 1);
        }
        other => panic!("not rolling: {other:?}"),
    }
    match &s[1].kind {
        StrategyKind::BlueGreen {
            blue,
            green,
            keep_previous,
        } => {
            assert_eq!((blue.len(), green.len()), (4, 4));
            assert_eq!(*keep_previous, TimeDelta::hours(1));
        }
        other => panic!("not blue-green: {other:?}"),
    }
    match &s[2].kind {
        StrategyKind::Canary {
            steps,
            pause,
            targets,
        } => {
            assert_eq!(steps, &[5, 25, 50, 100]);
            assert_eq!(*pause, min(5));
            assert_eq!(*targets, None);
        }
        other => panic!("not canary: {other:?}"),
    }
    // The monitoring is the policy's: the guarded interval of the synthetic
    // rolling plan is 28m + 1h.
    let policy = open_policy();
    let req = plan::request(&policy, &s[0], at());
    assert_eq!(req.duration, Some(min(28)));
    assert_eq!(req.monitoring, Some(TimeDelta::hours(1)));
}

#[test]
fn one_synthetic_target_keeps_no_capacity_while_it_rolls() {
    let got: Vec<Figures> = synthetic_rows(&open_policy(), 1)
        .iter()
        .map(figures)
        .collect();
    assert_eq!(
        got[0],
        (
            "rolling (1 target)".to_string(),
            "rolling",
            min(7),
            Some(min(5)),
            0.0,
            0.0,
            100.0,
            min(5),
        )
    );
    assert_eq!(got[1].0, "blue-green (1+1 targets)");
    assert_eq!(got[2].0, "canary (1 target)");
    // Blue-green and canary by weight do not depend on the count.
    assert_eq!(got[1].2, min(14));
    assert_eq!(got[2].2, min(42));
}

#[test]
fn defined_strategies_come_in_policy_order_for_the_service_and_env_only() {
    let rows = compare::compare(&policy(), "web", "prod", at(), None, |_| Color::Blue).unwrap();
    let got: Vec<Figures> = rows.iter().map(figures).collect();
    assert_eq!(
        got,
        vec![
            // 4 × (4m + 2m) = 24m; the last batch lands 18m + 4m = 22m in; the
            // rollback undoes four batches of 4m.
            (
                "web-rolling".to_string(),
                "rolling",
                min(24),
                Some(min(22)),
                75.0,
                0.0,
                25.0,
                min(16),
            ),
            // Blue live (2 targets), green (3) deployed beside it: 3/2 = 150%
            // extra. 2 × (3m + 1m) = 8m; switched at 4m + 3m = 7m; rollback one
            // switch, 3m.
            (
                "web-bg".to_string(),
                "blue-green",
                min(8),
                Some(min(7)),
                100.0,
                150.0,
                100.0,
                min(3),
            ),
            // Canary by 4 targets through 5, 25, 50, 100: 1, (1: left out), 2, 4
            // targets. Steps of 4m + 6m, 4m + 6m, 4m + 2m = 26m; the last two
            // targets land 20m + 4m = 24m in; adding two at once keeps 50%; the
            // first step exposes one target of four, 25%; rolling back three
            // steps takes 3 × 4m.
            (
                "web-canary".to_string(),
                "canary",
                min(26),
                Some(min(24)),
                50.0,
                0.0,
                25.0,
                min(12),
            ),
        ]
    );
    assert!(rows.iter().all(|r| !r.synthetic));
    let api = compare::compare(&policy(), "api", "prod", at(), None, |_| Color::Blue).unwrap();
    assert_eq!(api.len(), 1);
    assert_eq!(api[0].strategy, "api-rolling");
    assert!(
        compare::compare(&policy(), "web", "staging", at(), None, |_| Color::Blue)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_blue_green_row_starts_from_the_live_colour() {
    // Green (3 targets) live: blue (2) is deployed beside it, 2/3 extra; the
    // switch and keep-previous still need the whole old colour, 100%.
    let rows = compare::compare(&policy(), "web", "prod", at(), Some(4), |s| {
        if s.name == "web-bg" {
            Color::Green
        } else {
            Color::Blue
        }
    })
    .unwrap();
    let bg = rows.iter().find(|r| r.strategy == "web-bg").unwrap();
    assert_eq!(bg.peak_extra_capacity_pct, 100.0);
    let synthetic = rows
        .iter()
        .find(|r| r.strategy == "blue-green (4+4 targets)")
        .unwrap();
    assert_eq!(synthetic.peak_extra_capacity_pct, 100.0);
}

#[test]
fn the_freeze_blocks_only_the_plans_that_run_into_it() {
    let rows = compare::compare(&policy(), "web", "prod", at(), Some(4), |_| Color::Blue).unwrap();
    let got: Vec<(&str, bool, DateTime<Utc>)> = rows
        .iter()
        .map(|r| {
            (
                r.strategy.as_str(),
                r.fits_now,
                r.next_start.unwrap().to_utc(),
            )
        })
        .collect();
    let now = at();
    let after = t("2026-12-02T01:00:00+09:00");
    assert_eq!(
        got,
        vec![
            // 24m + 1h from 22:00 ends 23:24: past 23:20.
            ("web-rolling", false, after),
            // 8m + 30m ends 22:38.
            ("web-bg", true, now),
            // 26m + 1h ends 23:26.
            ("web-canary", false, after),
            // 28m + 1h ends 23:28.
            ("rolling (4 targets)", false, after),
            // 14m + 1h ends 23:14.
            ("blue-green (4+4 targets)", true, now),
            // 42m + 1h ends 23:42.
            ("canary (4 targets)", false, after),
        ]
    );
    // Each row agrees with the plan's own decision at the same start.
    let policy = policy();
    for s in compare::strategies_for(&policy, "web", "prod") {
        let p = plan::plan(&policy, s, at(), Color::Blue).unwrap();
        let row = rows.iter().find(|r| r.strategy == s.name).unwrap();
        assert_eq!(row.fits_now, p.decision.allowed, "{}", s.name);
        assert_eq!(row.deploy_time, p.deploy_end.to_utc() - at(), "{}", s.name);
    }
}

#[test]
fn next_start_is_none_when_nothing_fits_within_the_horizon() {
    let policy = PolicySet::from_files(&[(
        "policy.toml",
        r#"
[settings]
timezone = "Asia/Seoul"
monitoring = "1h"
horizon = "1d"

[[freeze]]
name = "migration"
reason = "Data centre migration"
start_at = "2026-12-01T00:00"
end_at = "2026-12-05T00:00"
"#,
    )])
    .unwrap();
    let rows = synthetic_rows(&policy, 4);
    assert_eq!(rows.len(), 3);
    for r in &rows {
        assert!(!r.fits_now, "{}", r.strategy);
        assert_eq!(r.next_start, None, "{}", r.strategy);
    }
}

// ---- the command line -------------------------------------------------------

/// Runs the binary with `--policies dir` and an empty state dir of its own
/// (nothing recorded: blue-green plans start from blue).
fn shipwindow(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    let state = tempfile::tempdir().unwrap();
    std::process::Command::new(env!("CARGO_BIN_EXE_shipwindow"))
        .arg("--policies")
        .arg(dir)
        .args(args)
        .env("SHIPWINDOW_STATE_DIR", state.path())
        .env_remove("SHIPWINDOW_POLICIES")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .unwrap()
}

const COMPARE_AT_22: [&str; 9] = [
    "plan",
    "--compare",
    "--service",
    "web",
    "--env",
    "prod",
    "--at",
    "2026-12-01T22:00",
    "--targets",
];

#[test]
fn the_human_table_has_a_header_and_one_aligned_row_per_strategy() {
    let dir = policy_dir(POLICY, STRATEGIES);
    let mut args = COMPARE_AT_22.to_vec();
    args.push("4");
    let o = shipwindow(dir.path(), &args);
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    let text = out(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "web to prod from Tue 2026-12-01 22:00 KST: 6 strategies"
    );
    assert_eq!(lines[1], "");
    let expected = [
        "  strategy                  kind        deploy  all users  min capacity  peak extra  blast radius  rollback  fits now  next start",
        "  web-rolling               rolling        24m        22m           75%          0%           25%       16m  no        Wed 2026-12-02 01:00 KST",
        "  web-bg                    blue-green      8m         7m          100%        150%          100%        3m  yes       Tue 2026-12-01 22:00 KST",
        "  web-canary                canary         26m        24m           50%          0%           25%       12m  no        Wed 2026-12-02 01:00 KST",
        "  rolling (4 targets)       rolling        28m        26m           75%          0%           25%       20m  no        Wed 2026-12-02 01:00 KST",
        "  blue-green (4+4 targets)  blue-green     14m        12m          100%        100%          100%        5m  yes       Tue 2026-12-01 22:00 KST",
        "  canary (4 targets)        canary         42m        40m          100%        100%            5%        5m  no        Wed 2026-12-02 01:00 KST",
    ];
    assert_eq!(&lines[2..9], &expected, "\n{text}");
    // The figures end where their header ends; the words start where theirs do.
    let header = expected[0];
    let col = |name: &str| header.find(name).unwrap();
    for row in &expected[1..] {
        let b = row.as_bytes();
        for name in [
            "deploy",
            "all users",
            "min capacity",
            "blast radius",
            "rollback",
        ] {
            let end = col(name) + name.len();
            assert!(b[end - 1] != b' ' && b[end] == b' ', "{name}: {row}");
        }
        for name in ["kind", "fits now", "next start"] {
            assert!(
                b[col(name) - 1] == b' ' && b[col(name)] != b' ',
                "{name}: {row}"
            );
        }
    }
    assert!(
        text.contains("rollback: worst-case estimate from step_time"),
        "{text}"
    );
}

#[test]
fn the_json_rows_have_the_documented_fields() {
    let dir = policy_dir(POLICY, STRATEGIES);
    let mut args = COMPARE_AT_22.to_vec();
    args.extend(["4", "--format", "json"]);
    let o = shipwindow(dir.path(), &args);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let v = json_out(&o);
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 6);
    // Every row has exactly these fields, printed in this order.
    let fields = [
        "strategy",
        "kind",
        "synthetic",
        "deploy_time_s",
        "all_users_after_s",
        "min_capacity_kept_pct",
        "peak_extra_capacity_pct",
        "blast_radius_pct",
        "rollback_time_s",
        "fits_now",
        "next_start",
    ];
    for r in rows {
        let mut keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
        let mut sorted = fields.to_vec();
        keys.sort_unstable();
        sorted.sort_unstable();
        assert_eq!(keys, sorted, "{r}");
    }
    let text = out(&o);
    let first = &text[..text.find('}').unwrap()];
    let at: Vec<usize> = fields
        .iter()
        .map(|f| first.find(&format!("\"{f}\":")).unwrap())
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{first}");
    assert_eq!(
        rows[0],
        json!({
            "strategy": "web-rolling",
            "kind": "rolling",
            "synthetic": false,
            "deploy_time_s": 1440,
            "all_users_after_s": 1320,
            "min_capacity_kept_pct": 75.0,
            "peak_extra_capacity_pct": 0.0,
            "blast_radius_pct": 25.0,
            "rollback_time_s": 960,
            "fits_now": false,
            "next_start": "2026-12-02T01:00:00+09:00",
        })
    );
    assert_eq!(
        rows[4],
        json!({
            "strategy": "blue-green (4+4 targets)",
            "kind": "blue-green",
            "synthetic": true,
            "deploy_time_s": 840,
            "all_users_after_s": 720,
            "min_capacity_kept_pct": 100.0,
            "peak_extra_capacity_pct": 100.0,
            "blast_radius_pct": 100.0,
            "rollback_time_s": 300,
            "fits_now": true,
            "next_start": "2026-12-01T22:00:00+09:00",
        })
    );
    assert_eq!(rows[5]["blast_radius_pct"], json!(5.0));
    assert_eq!(rows[5]["deploy_time_s"], json!(2520));
    let names: Vec<&str> = rows
        .iter()
        .map(|r| r["strategy"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "web-rolling",
            "web-bg",
            "web-canary",
            "rolling (4 targets)",
            "blue-green (4+4 targets)",
            "canary (4 targets)"
        ]
    );
}

#[test]
fn the_live_colour_recorded_in_the_state_dir_shapes_the_blue_green_row() {
    let dir = policy_dir(POLICY, STRATEGIES);
    let state = tempfile::tempdir().unwrap();
    let state_dir = state.path().to_str().unwrap();
    let peak = || {
        let mut args = COMPARE_AT_22[..8].to_vec();
        args.extend(["--format", "json", "--state-dir", state_dir]);
        let o = shipwindow(dir.path(), &args);
        assert_eq!(o.status.code(), Some(0), "{}", err(&o));
        json_out(&o)[1]["peak_extra_capacity_pct"].as_f64().unwrap()
    };
    assert_eq!(peak(), 150.0);
    std::fs::create_dir_all(state.path().join("bluegreen")).unwrap();
    std::fs::write(state.path().join("bluegreen/web.prod"), "green\n").unwrap();
    assert_eq!(peak(), 100.0);
}

#[test]
fn exit_codes_say_whether_any_row_fits_now() {
    let dir = policy_dir(POLICY, STRATEGIES);
    let compare_at = |at: &str, extra: &[&str]| {
        let mut args = vec![
            "plan",
            "--compare",
            "--service",
            "web",
            "--env",
            "prod",
            "--at",
        ];
        args.push(at);
        args.extend(extra);
        shipwindow(dir.path(), &args)
    };
    // 22:00: web-bg fits.
    assert_eq!(compare_at("2026-12-01T22:00", &[]).status.code(), Some(0));
    // 23:30, inside the freeze: nothing fits; every row can start at 01:00.
    let o = compare_at("2026-12-01T23:30", &["--targets", "2", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    let rows = json_out(&o);
    assert_eq!(rows.as_array().unwrap().len(), 6);
    for r in rows.as_array().unwrap() {
        assert_eq!(r["fits_now"], json!(false), "{r}");
        assert_eq!(r["next_start"], json!("2026-12-02T01:00:00+09:00"), "{r}");
    }
    let o = compare_at("2026-12-01T23:30", &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("  no  "), "{}", out(&o));
}

#[test]
fn none_within_the_horizon_prints_none_and_null() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("policy.toml"),
        r#"
[settings]
timezone = "Asia/Seoul"
horizon = "1d"

[[freeze]]
name = "migration"
reason = "Data centre migration"
start_at = "2026-12-01T00:00"
end_at = "2026-12-05T00:00"
"#,
    )
    .unwrap();
    // No strategies defined: --targets alone is enough.
    let mut args = COMPARE_AT_22.to_vec();
    args.push("3");
    let o = shipwindow(dir.path(), &args);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    let text = out(&o);
    let rows: Vec<&str> = text.lines().skip(3).take(3).collect();
    assert_eq!(rows.len(), 3, "{text}");
    for row in rows {
        assert!(row.ends_with("  no        none"), "{row}");
    }
    args.extend(["--format", "json"]);
    let o = shipwindow(dir.path(), &args);
    assert_eq!(o.status.code(), Some(1));
    for r in json_out(&o).as_array().unwrap() {
        assert_eq!(r["next_start"], Value::Null, "{r}");
    }
}

#[test]
fn bad_input_exits_2_with_a_reason() {
    let dir = policy_dir(POLICY, STRATEGIES);
    let code = |args: &[&str]| {
        let o = shipwindow(dir.path(), args);
        (o.status.code(), err(&o))
    };
    // Nothing defined for staging and no --targets.
    let (c, e) = code(&["plan", "--compare", "--service", "web", "--env", "staging"]);
    assert_eq!(c, Some(2));
    assert!(
        e.contains("no [[strategy]] deploys `web` to `staging`") && e.contains("--targets N"),
        "{e}"
    );
    // ... and the same as JSON when asked for JSON.
    let o = shipwindow(
        dir.path(),
        &[
            "plan",
            "--compare",
            "--service",
            "web",
            "--env",
            "staging",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        json_out(&o)["error"]
            .as_str()
            .unwrap()
            .contains("no [[strategy]]")
    );
    // With --targets the synthetic rows are enough.
    let (c, e) = code(&[
        "plan",
        "--compare",
        "--service",
        "web",
        "--env",
        "staging",
        "--targets",
        "4",
    ]);
    assert_eq!(c, Some(0), "{e}");
    for args in [
        &["plan", "--compare", "--service", "web"][..],
        &["plan", "--compare", "--env", "prod"],
        &[
            "plan",
            "--compare",
            "--service",
            "web",
            "--env",
            "prod",
            "--targets",
            "0",
        ],
        &[
            "plan",
            "--compare",
            "--service",
            "web",
            "--env",
            "prod",
            "--targets",
            "x",
        ],
        &[
            "plan",
            "--compare",
            "--service",
            "web",
            "--env",
            "prod",
            "--strategy",
            "web-bg",
        ],
        &[
            "plan",
            "--compare",
            "--service",
            "web",
            "--env",
            "prod",
            "--at",
            "tomorrow",
        ],
        &["plan", "--compare", "--service", " ", "--env", "prod"],
        &["plan", "--targets", "4", "--strategy", "web-bg"],
        &["plan"],
    ] {
        let (c, e) = code(args);
        assert_eq!(c, Some(2), "{args:?}: {e}");
        assert!(!e.is_empty(), "{args:?}");
    }
}

#[test]
fn plan_strategy_still_prints_one_plan() {
    let dir = policy_dir(POLICY, STRATEGIES);
    let o = shipwindow(
        dir.path(),
        &[
            "plan",
            "--strategy",
            "web-bg",
            "--at",
            "2026-12-01T22:00",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let v = json_out(&o);
    assert_eq!(v["strategy"], json!("web-bg"));
    assert_eq!(v["decision"]["allowed"], json!(true));
    let o = shipwindow(
        dir.path(),
        &[
            "plan",
            "--strategy",
            "web-rolling",
            "--at",
            "2026-12-01T22:00",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(
        out(&o).starts_with("web-rolling: rolling deploy of web to prod"),
        "{}",
        out(&o)
    );
}
