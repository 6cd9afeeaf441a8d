//! Strategy plans: exact, hand-computed timelines for every kind — the
//! steps' times, capacity kept, extra capacity and share on the new version —
//! the deploy and monitoring ends, the decision for the whole plan, and the same
//! plan length behind `check --strategy`, `/v1/check?strategy=` and Slack's
//! `strategy <name>`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::plan as support;
use crate::support::server::call_json as call;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{TimeDelta, Utc};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use shipwindow::input::RequestText;
use shipwindow::plan::{self, Color, Plan, StepAction};
use shipwindow::policy::{Batch, Hooks, OnWindowClose, Strategy, StrategyKind};
use shipwindow::server::{AppState, Tokens, app};
use shipwindow::store::Store;
use shipwindow::wire;
use shipwindow::{PolicySet, Verdict};
use std::collections::BTreeSet;
use std::sync::Arc;
use support::{at, err, json_out, min, out, policy_dir, t};
use tower::ServiceExt;

/// Seoul time, a one-hour monitoring default, and one maintenance freeze on the
/// night of Tuesday 2026-12-01, 23:30 to 01:00. No windows: only the freeze and
/// the plan's length decide.
const POLICY: &str = r#"
[settings]
timezone = "Asia/Seoul"
deploy_duration = "30m"
monitoring = "1h"

[[freeze]]
name = "db-maintenance"
reason = "Database maintenance"
start_at = "2026-12-01T23:30"
end_at = "2026-12-02T01:00"
"#;

fn names(prefix: &str, n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("{prefix}-{i}")).collect()
}

/// A strategy for web in prod: 4m a step, 2m of verify, no monitoring of its own.
fn strategy(name: &str, kind: StrategyKind) -> Strategy {
    Strategy {
        name: name.into(),
        service: "web".into(),
        env: "prod".into(),
        kind,
        step_time: min(4),
        verify: min(2),
        monitoring: None,
        on_window_close: OnWindowClose::Pause,
        max_pause: min(60),
        failure_limit: 1,
        health_interval: TimeDelta::seconds(10),
        hooks: Hooks::default(),
    }
}

fn rolling(name: &str, n: usize, batch: Batch) -> Strategy {
    strategy(
        name,
        StrategyKind::Rolling {
            targets: names("web", n),
            batch,
        },
    )
}

fn policy_with(strategies: Vec<Strategy>) -> PolicySet {
    let mut policy = PolicySet::from_files(&[("policy.toml", POLICY)]).unwrap();
    policy.strategies = strategies;
    policy
}

fn plan_of(s: &Strategy, live: Color) -> Plan {
    plan::plan(&policy_with(vec![s.clone()]), s, at(), live).unwrap()
}

/// One row per step: action, targets, weight, start and end (KST, `HH:MM`),
/// capacity kept, extra capacity, new-version share.
type Row = (
    &'static str,
    Vec<&'static str>,
    Option<u8>,
    &'static str,
    &'static str,
    f64,
    f64,
    f64,
);

/// A [`Row`] as read from a plan.
type OwnedRow = (
    String,
    Vec<String>,
    Option<u8>,
    String,
    String,
    f64,
    f64,
    f64,
);

fn rows(p: &Plan) -> Vec<OwnedRow> {
    p.steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            assert_eq!(s.index, i + 1, "indexes count from 1");
            let action = serde_json::to_value(wire::StepAction::from(s.action)).unwrap();
            (
                action.as_str().unwrap().to_string(),
                s.targets.clone(),
                s.weight,
                s.start.format("%H:%M").to_string(),
                s.end.format("%H:%M").to_string(),
                s.capacity_kept_pct,
                s.extra_capacity_pct,
                s.new_version_share_pct,
            )
        })
        .collect()
}

fn expect(p: &Plan, want: &[Row]) {
    let want: Vec<_> = want
        .iter()
        .map(|(a, targets, w, s, e, k, x, n)| {
            (
                a.to_string(),
                targets.iter().map(|t| t.to_string()).collect::<Vec<_>>(),
                *w,
                s.to_string(),
                e.to_string(),
                *k,
                *x,
                *n,
            )
        })
        .collect();
    assert_eq!(rows(p), want, "plan {}", p.strategy);
}

fn ends(p: &Plan) -> (String, String) {
    (p.deploy_end.to_rfc3339(), p.monitoring_end.to_rfc3339())
}

#[test]
fn rolling_four_targets_batch_one_keeps_75_percent() {
    let s = rolling("web-rolling", 4, Batch::Count(1));
    let p = plan_of(&s, Color::Blue);
    expect(
        &p,
        &[
            (
                "deploy",
                vec!["web-1"],
                None,
                "22:00",
                "22:06",
                75.0,
                0.0,
                25.0,
            ),
            (
                "deploy",
                vec!["web-2"],
                None,
                "22:06",
                "22:12",
                75.0,
                0.0,
                50.0,
            ),
            (
                "deploy",
                vec!["web-3"],
                None,
                "22:12",
                "22:18",
                75.0,
                0.0,
                75.0,
            ),
            (
                "deploy",
                vec!["web-4"],
                None,
                "22:18",
                "22:24",
                75.0,
                0.0,
                100.0,
            ),
        ],
    );
    assert_eq!(
        ends(&p),
        (
            "2026-12-01T22:24:00+09:00".into(),
            "2026-12-01T23:24:00+09:00".into()
        )
    );
    assert_eq!(plan::deploy_length(&s), min(24));
    assert_eq!(
        (p.kind, p.service.as_str(), p.env.as_str()),
        ("rolling", "web", "prod")
    );
    assert!(p.steps.iter().all(|st| st.color.is_none()));
}

#[test]
fn rolling_five_targets_batch_two_has_an_uneven_last_batch() {
    let s = rolling("web-pairs", 5, Batch::Count(2));
    let p = plan_of(&s, Color::Blue);
    expect(
        &p,
        &[
            (
                "deploy",
                vec!["web-1", "web-2"],
                None,
                "22:00",
                "22:06",
                60.0,
                0.0,
                40.0,
            ),
            (
                "deploy",
                vec!["web-3", "web-4"],
                None,
                "22:06",
                "22:12",
                60.0,
                0.0,
                80.0,
            ),
            (
                "deploy",
                vec!["web-5"],
                None,
                "22:12",
                "22:18",
                80.0,
                0.0,
                100.0,
            ),
        ],
    );
    assert_eq!(
        ends(&p),
        (
            "2026-12-01T22:18:00+09:00".into(),
            "2026-12-01T23:18:00+09:00".into()
        )
    );
    assert_eq!(plan::deploy_length(&s), min(18));
}

#[test]
fn a_percentage_batch_rounds_up_and_percentages_keep_two_decimals() {
    // 25% of 4 is one target: the same plan as batch 1.
    let quarter = plan_of(&rolling("q", 4, Batch::Percent(25)), Color::Blue);
    let one = plan_of(&rolling("q", 4, Batch::Count(1)), Color::Blue);
    assert_eq!(rows(&quarter), rows(&one));
    // 25% of 6 is 1.5, rounded up to 2: thirds.
    let p = plan_of(&rolling("q6", 6, Batch::Percent(25)), Color::Blue);
    expect(
        &p,
        &[
            (
                "deploy",
                vec!["web-1", "web-2"],
                None,
                "22:00",
                "22:06",
                66.67,
                0.0,
                33.33,
            ),
            (
                "deploy",
                vec!["web-3", "web-4"],
                None,
                "22:06",
                "22:12",
                66.67,
                0.0,
                66.67,
            ),
            (
                "deploy",
                vec!["web-5", "web-6"],
                None,
                "22:12",
                "22:18",
                66.67,
                0.0,
                100.0,
            ),
        ],
    );
}

fn blue_green(blue: usize, green: usize, keep_previous: TimeDelta) -> Strategy {
    strategy(
        "web-bg",
        StrategyKind::BlueGreen {
            blue: names("blue", blue),
            green: names("green", green),
            keep_previous,
        },
    )
}

#[test]
fn blue_green_from_blue_needs_double_capacity_while_the_old_colour_is_kept() {
    let s = blue_green(2, 2, min(30));
    let p = plan_of(&s, Color::Blue);
    expect(
        &p,
        &[
            (
                "deploy",
                vec!["green-1", "green-2"],
                None,
                "22:00",
                "22:06",
                100.0,
                100.0,
                0.0,
            ),
            (
                "switch",
                vec!["green-1", "green-2"],
                None,
                "22:06",
                "22:12",
                100.0,
                100.0,
                100.0,
            ),
            (
                "keep-previous",
                vec!["blue-1", "blue-2"],
                None,
                "22:12",
                "22:42",
                100.0,
                100.0,
                100.0,
            ),
        ],
    );
    let colors: Vec<_> = p.steps.iter().map(|st| st.color).collect();
    assert_eq!(
        colors,
        [Some(Color::Green), Some(Color::Green), Some(Color::Blue)]
    );
    // Keeping the old colour is not part of the deploy.
    assert_eq!(
        ends(&p),
        (
            "2026-12-01T22:12:00+09:00".into(),
            "2026-12-01T23:12:00+09:00".into()
        )
    );
    assert_eq!(plan::deploy_length(&s), min(12));
    assert_eq!(p.decision.deploy_end, p.deploy_end);
}

#[test]
fn blue_green_from_green_deploys_blue_and_sizes_extra_by_the_colours() {
    // Blue has two targets, green three: the idle blue colour is 2/3 of the live one.
    let s = blue_green(2, 3, min(45));
    let p = plan_of(&s, Color::Green);
    expect(
        &p,
        &[
            (
                "deploy",
                vec!["blue-1", "blue-2"],
                None,
                "22:00",
                "22:06",
                100.0,
                66.67,
                0.0,
            ),
            (
                "switch",
                vec!["blue-1", "blue-2"],
                None,
                "22:06",
                "22:12",
                100.0,
                100.0,
                100.0,
            ),
            (
                "keep-previous",
                vec!["green-1", "green-2", "green-3"],
                None,
                "22:12",
                "22:57",
                100.0,
                100.0,
                100.0,
            ),
        ],
    );
    let colors: Vec<_> = p.steps.iter().map(|st| st.color).collect();
    assert_eq!(
        colors,
        [Some(Color::Blue), Some(Color::Blue), Some(Color::Green)]
    );
    // From blue the other way round: three idle targets beside two live ones.
    let from_blue = plan_of(&s, Color::Blue);
    assert_eq!(from_blue.steps[0].extra_capacity_pct, 150.0);
    assert_eq!(from_blue.steps[0].targets, names("green", 3));
}

#[test]
fn blue_green_without_keep_previous_has_no_informational_step() {
    let p = plan_of(&blue_green(2, 2, TimeDelta::zero()), Color::Blue);
    let actions: Vec<_> = p.steps.iter().map(|st| st.action).collect();
    assert_eq!(actions, [StepAction::Deploy, StepAction::Switch]);
    assert_eq!(p.deploy_end.to_rfc3339(), "2026-12-01T22:12:00+09:00");
}

fn canary(targets: Option<Vec<String>>) -> Strategy {
    let mut s = strategy(
        "web-canary",
        StrategyKind::Canary {
            steps: vec![5, 25, 50, 100],
            pause: min(10),
            targets,
        },
    );
    s.step_time = min(1);
    s.verify = min(5);
    s.monitoring = Some(min(30));
    s
}

#[test]
fn canary_by_weight_moves_traffic_step_by_step() {
    let s = canary(None);
    let p = plan_of(&s, Color::Blue);
    expect(
        &p,
        &[
            ("deploy", vec![], None, "22:00", "22:01", 100.0, 0.0, 0.0),
            (
                "set-weight",
                vec![],
                Some(5),
                "22:01",
                "22:12",
                100.0,
                5.0,
                5.0,
            ),
            (
                "set-weight",
                vec![],
                Some(25),
                "22:12",
                "22:23",
                100.0,
                25.0,
                25.0,
            ),
            (
                "set-weight",
                vec![],
                Some(50),
                "22:23",
                "22:34",
                100.0,
                50.0,
                50.0,
            ),
            // The last step verifies (5m) instead of pausing (10m).
            (
                "set-weight",
                vec![],
                Some(100),
                "22:34",
                "22:40",
                100.0,
                100.0,
                100.0,
            ),
        ],
    );
    // The strategy's own monitoring (30m), not the settings' hour.
    assert_eq!(
        ends(&p),
        (
            "2026-12-01T22:40:00+09:00".into(),
            "2026-12-01T23:10:00+09:00".into()
        )
    );
    assert_eq!(plan::deploy_length(&s), min(40));
}

#[test]
fn canary_by_targets_skips_steps_that_round_to_no_new_target() {
    let s = canary(Some(names("c", 4)));
    let p = plan_of(&s, Color::Blue);
    // 5% of 4 rounds up to 1 target; 25% is 1 again, so that step is left out.
    expect(
        &p,
        &[
            (
                "deploy",
                vec!["c-1"],
                None,
                "22:00",
                "22:11",
                75.0,
                0.0,
                25.0,
            ),
            (
                "deploy",
                vec!["c-2"],
                None,
                "22:11",
                "22:22",
                75.0,
                0.0,
                50.0,
            ),
            (
                "deploy",
                vec!["c-3", "c-4"],
                None,
                "22:22",
                "22:28",
                50.0,
                0.0,
                100.0,
            ),
        ],
    );
    assert_eq!(
        ends(&p),
        (
            "2026-12-01T22:28:00+09:00".into(),
            "2026-12-01T22:58:00+09:00".into()
        )
    );
    // Ten targets: 1, 3 (2.5 up), 5 and 10.
    let p = plan_of(&canary(Some(names("c", 10))), Color::Blue);
    let figures: Vec<_> = p
        .steps
        .iter()
        .map(|st| {
            (
                st.targets.len(),
                st.capacity_kept_pct,
                st.new_version_share_pct,
            )
        })
        .collect();
    assert_eq!(
        figures,
        [
            (1, 90.0, 10.0),
            (2, 80.0, 30.0),
            (2, 80.0, 50.0),
            (5, 50.0, 100.0)
        ]
    );
    assert_eq!(p.deploy_end.to_rfc3339(), "2026-12-01T22:39:00+09:00");
}

#[test]
fn the_plan_decision_denies_a_plan_whose_tail_meets_a_freeze() {
    // 4 targets: 24m + 1h ends at 23:24, before the 23:30 maintenance.
    let short = rolling("short", 4, Batch::Count(1));
    // 6 targets: 36m + 1h ends at 23:36, six minutes into it.
    let long = rolling("long", 6, Batch::Count(1));
    let policy = policy_with(vec![short.clone(), long.clone()]);

    let ok = plan::plan(&policy, &short, at(), Color::Blue).unwrap();
    assert_eq!(ok.decision.verdict, Verdict::Allow);
    assert!(ok.decision.allowed);
    assert_eq!(ok.decision.deploy_end, ok.deploy_end);
    assert_eq!(ok.decision.monitoring_end, ok.monitoring_end);
    assert_eq!(
        ok.decision.free_until.unwrap().to_rfc3339(),
        "2026-12-01T23:30:00+09:00"
    );

    let denied = plan::plan(&policy, &long, at(), Color::Blue).unwrap();
    assert_eq!(denied.decision.verdict, Verdict::Deny);
    assert_eq!(denied.deploy_end.to_rfc3339(), "2026-12-01T22:36:00+09:00");
    assert_eq!(
        denied.monitoring_end.to_rfc3339(),
        "2026-12-01T23:36:00+09:00"
    );
    assert_eq!(denied.decision.deploy_end, denied.deploy_end);
    assert_eq!(denied.decision.monitoring_end, denied.monitoring_end);
    let rules: Vec<_> = denied
        .decision
        .blocked_by
        .iter()
        .map(|b| b.rule.as_str())
        .collect();
    assert_eq!(rules, ["db-maintenance"]);
    assert_eq!(
        denied.decision.next_allowed.unwrap().to_rfc3339(),
        "2026-12-02T01:00:00+09:00"
    );
    // The timeline itself does not depend on the verdict.
    assert_eq!(denied.steps.len(), 6);
}

#[test]
fn remaining_length_is_the_deploy_left_from_a_step() {
    let p = plan_of(&rolling("r", 4, Batch::Count(1)), Color::Blue);
    let left: Vec<_> = (0..5).map(|i| p.remaining_length(i)).collect();
    assert_eq!(left, [min(24), min(18), min(12), min(6), TimeDelta::zero()]);
    // Keep-previous is after the deploy: nothing of the deploy is left there.
    let bg = plan_of(&blue_green(2, 2, min(30)), Color::Blue);
    assert_eq!(
        [
            bg.remaining_length(0),
            bg.remaining_length(1),
            bg.remaining_length(2)
        ],
        [min(12), min(6), TimeDelta::zero()]
    );
}

#[test]
fn deploy_length_matches_the_plan_for_every_kind() {
    for s in [
        rolling("r", 5, Batch::Count(2)),
        blue_green(2, 3, min(30)),
        canary(None),
        canary(Some(names("c", 7))),
    ] {
        for live in [Color::Blue, Color::Green] {
            let p = plan_of(&s, live);
            assert_eq!(
                p.deploy_end.to_utc() - at(),
                plan::deploy_length(&s),
                "{} from {live:?}",
                s.name
            );
            assert_eq!(p.decision.deploy_end, p.deploy_end, "{}", s.name);
        }
    }
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

const PLAN_KEYS: [&str; 8] = [
    "strategy",
    "kind",
    "service",
    "env",
    "steps",
    "deploy_end",
    "monitoring_end",
    "decision",
];
const STEP_KEYS: [&str; 9] = [
    "index",
    "action",
    "targets",
    "weight",
    "start",
    "end",
    "capacity_kept_pct",
    "extra_capacity_pct",
    "new_version_share_pct",
];
const DECISION_KEYS: [&str; 12] = [
    "allowed",
    "verdict",
    "service",
    "env",
    "change",
    "start",
    "deploy_end",
    "monitoring_end",
    "blocked_by",
    "next_allowed",
    "free_until",
    "policy",
];

/// The plan object: its keys, the steps' keys, and the §4 decision inside.
fn assert_spec_shape(v: &Value) {
    assert_eq!(keys(v), set(&PLAN_KEYS), "{v}");
    for step in v["steps"].as_array().unwrap() {
        assert_eq!(keys(step), set(&STEP_KEYS), "{step}");
        assert!(step["capacity_kept_pct"].is_number(), "{step}");
    }
    assert_eq!(keys(&v["decision"]), set(&DECISION_KEYS), "{v}");
}

#[test]
fn the_plan_serializes_as_the_spec_object() {
    let p = plan_of(&canary(None), Color::Blue);
    let v = serde_json::to_value(wire::Plan::from(&p)).unwrap();
    assert_spec_shape(&v);
    assert_eq!(v["kind"], "canary");
    assert_eq!(v["steps"][0]["action"], "deploy");
    assert_eq!(v["steps"][0]["weight"], Value::Null);
    assert_eq!(v["steps"][1]["action"], "set-weight");
    assert_eq!(v["steps"][1]["weight"], 5);
    assert_eq!(v["steps"][1]["extra_capacity_pct"].as_f64(), Some(5.0));
    assert_eq!(v["steps"][1]["start"], "2026-12-01T22:01:00+09:00");
    assert_eq!(v["deploy_end"], "2026-12-01T22:40:00+09:00");
    let bg = plan_of(&blue_green(2, 2, min(30)), Color::Blue);
    let bg = serde_json::to_value(wire::Plan::from(&bg)).unwrap();
    assert_eq!(bg["steps"][2]["action"], "keep-previous");
}

// ---------------------------------------------------------------------------
// The plan's length as a request's duration
// ---------------------------------------------------------------------------

fn text(at: &str, strategy: Option<&str>) -> RequestText {
    RequestText {
        service: Some("web".into()),
        env: Some("prod".into()),
        at: Some(at.into()),
        strategy: strategy.map(str::to_string),
        ..RequestText::default()
    }
}

/// `long` (6 targets, 36m) and `quick` (rolling 4 targets with its own 30m of monitoring: 54m).
fn request_policy() -> PolicySet {
    let mut quick = rolling("quick", 4, Batch::Count(1));
    quick.monitoring = Some(min(30));
    policy_with(vec![rolling("long", 6, Batch::Count(1)), quick])
}

fn verdict(policy: &PolicySet, text: &RequestText) -> Verdict {
    let req = text.resolve(policy, Utc::now()).unwrap();
    shipwindow::decide(policy, &req).unwrap().verdict
}

#[test]
fn a_strategy_times_the_request_by_its_plan() {
    let policy = request_policy();
    // 22:00: the default 30m + 1h ends at 23:30, as the maintenance starts;
    // `long`'s 36m + 1h runs into it.
    assert_eq!(
        verdict(&policy, &text("2026-12-01T22:00", None)),
        Verdict::Allow
    );
    assert_eq!(
        verdict(&policy, &text("2026-12-01T22:00", Some("long"))),
        Verdict::Deny
    );
    // 22:30: the default runs to 00:00, into it; `quick`'s 24m + its own 30m
    // ends at 23:24.
    assert_eq!(
        verdict(&policy, &text("2026-12-01T22:30", None)),
        Verdict::Deny
    );
    assert_eq!(
        verdict(&policy, &text("2026-12-01T22:30", Some("quick"))),
        Verdict::Allow
    );
    let req = text("2026-12-01T22:30", Some("quick"))
        .resolve(&policy, Utc::now())
        .unwrap();
    assert_eq!(
        (req.duration, req.monitoring),
        (Some(min(24)), Some(min(30)))
    );
    // A monitoring given with the request wins over the strategy's.
    let mut longer = text("2026-12-01T22:30", Some("quick"));
    longer.monitoring = Some("2h".into());
    let req = longer.resolve(&policy, Utc::now()).unwrap();
    assert_eq!(
        (req.duration, req.monitoring),
        (Some(min(24)), Some(min(120)))
    );
    assert_eq!(verdict(&policy, &longer), Verdict::Deny);
    // The same decision as the plan's.
    let quick = plan::find(&policy, "quick").unwrap();
    let p = plan::plan(&policy, quick, t("2026-12-01T22:30:00+09:00"), Color::Blue).unwrap();
    let req = text("2026-12-01T22:30", Some("quick"))
        .resolve(&policy, Utc::now())
        .unwrap();
    assert_eq!(shipwindow::decide(&policy, &req).unwrap(), p.decision);
}

#[test]
fn a_bad_strategy_names_the_field_and_what_is_defined() {
    let policy = request_policy();
    let err = text("2026-12-01T22:00", Some("lnog"))
        .resolve(&policy, Utc::now())
        .unwrap_err();
    assert_eq!(err.field, "strategy");
    assert_eq!(
        err.message,
        "`lnog` is not defined (did you mean `long`? defined: `long`, `quick`)"
    );
    // Another service's strategy: both pairs are named.
    let mut other = text("2026-12-01T22:00", Some("long"));
    other.service = Some("api".into());
    let err = other.resolve(&policy, Utc::now()).unwrap_err();
    assert_eq!(err.field, "strategy");
    assert_eq!(
        err.message,
        "`long` deploys `web` to `prod`, not `api` to `prod` as requested"
    );
    // A duration and a strategy are two answers to one question.
    let mut both = text("2026-12-01T22:00", Some("long"));
    both.duration = Some("45m".into());
    let err = both.resolve(&policy, Utc::now()).unwrap_err();
    assert_eq!(err.field, "strategy");
    assert!(err.message.contains("`duration`"), "{}", err.message);
    // No strategies at all.
    let none = policy_with(Vec::new());
    let err = text("2026-12-01T22:00", Some("long"))
        .resolve(&none, Utc::now())
        .unwrap_err();
    assert_eq!(
        err.message,
        "`long` is not defined (the policy set defines no `[[strategy]]`)"
    );
}

// ---------------------------------------------------------------------------
// HTTP and Slack
// ---------------------------------------------------------------------------

fn router(policy: PolicySet, slack_secret: Option<&str>) -> axum::Router {
    let mut state = AppState::new(policy, Store::in_memory().unwrap()).unwrap();
    if let Some(secret) = slack_secret {
        state = state.with_slack_secret(secret.as_bytes().to_vec());
    }
    app(Arc::new(state), Tokens::default())
}

#[tokio::test]
async fn http_strategy_gives_the_plans_decision() {
    let policy = request_policy();
    let long = plan::find(&policy, "long").unwrap().clone();
    let want = plan::plan(&policy, &long, at(), Color::Blue)
        .unwrap()
        .decision;
    let want = serde_json::to_value(wire::Decision::from(&want)).unwrap();
    let router = router(policy, None);

    let uri = "/v1/check?service=web&env=prod&at=2026-12-01T22:00&strategy=long";
    let (status, got) = call(&router, "GET", uri, None).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got, want);
    assert_eq!(got["verdict"], "deny");
    assert_eq!(got["deploy_end"], "2026-12-01T22:36:00+09:00");

    let body =
        json!({"service": "web", "env": "prod", "at": "2026-12-01T22:00", "strategy": "long"});
    let (status, got) = call(&router, "POST", "/v1/check", Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got, want);

    // Without the strategy, the default 30m is allowed at the same time.
    let uri = "/v1/check?service=web&env=prod&at=2026-12-01T22:00";
    let (_, got) = call(&router, "GET", uri, None).await;
    assert_eq!(got["verdict"], "allow");

    for (uri, says) in [
        (
            "/v1/check?service=web&env=prod&strategy=lnog",
            "`strategy` `lnog` is not defined (did you mean `long`?",
        ),
        (
            "/v1/check?service=api&env=prod&strategy=long",
            "`strategy` `long` deploys `web` to `prod`, not `api` to `prod`",
        ),
        (
            "/v1/check?service=web&env=prod&strategy=long&duration=45m",
            "`strategy` cannot be combined with `duration`",
        ),
    ] {
        let (status, got) = call(&router, "GET", uri, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {got}");
        let error = got["error"].as_str().unwrap();
        assert!(error.starts_with(says), "{uri}: {error}");
    }
}

#[tokio::test]
async fn slack_strategy_times_the_check_by_the_plan() {
    use hmac::{Hmac, KeyInit, Mac};
    const SECRET: &str = "plan-test-secret";
    let router = router(request_policy(), Some(SECRET));
    let text = "web prod at 2026-12-01T22:00 strategy long";
    let body = format!(
        "team_id=T1&channel_id=C1&user_id=U42&user_name=alice&command=%2Fshipwindow&text={}",
        text.replace(' ', "+").replace(':', "%3A")
    );
    let ts = Utc::now().timestamp().to_string();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("v0:{ts}:{body}").as_bytes());
    let sig: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let req = Request::builder()
        .method("POST")
        .uri("/v1/slack/command")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-slack-request-timestamp", &ts)
        .header("x-slack-signature", format!("v0={sig}"))
        .body(Body::from(body))
        .unwrap();
    let resp = router.oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let answer = String::from_utf8_lossy(&bytes).into_owned();
    assert!(
        answer.contains("deploy 36m, then monitoring 1h"),
        "{answer}"
    );
    assert!(answer.contains("db-maintenance"), "{answer}");
    assert!(!answer.contains("not available"), "{answer}");
}

// ---------------------------------------------------------------------------
// Strategies from TOML, through the binary
// ---------------------------------------------------------------------------

/// The strategies above as `[[strategy]]` tables.
const STRATEGIES: &str = r#"
[[strategy]]
name = "web-rolling"
kind = "rolling"
service = "web"
env = "prod"
targets = ["web-1", "web-2", "web-3", "web-4"]
batch = "25%"
step_time = "4m"
verify = "2m"

[strategy.hooks]
deploy = ["./hooks/deploy.sh", "{target}", "{version}"]
health = ["./hooks/health.sh", "{target}"]
rollback = ["./hooks/deploy.sh", "{target}", "{previous}"]

[[strategy]]
name = "long"
kind = "rolling"
service = "web"
env = "prod"
targets = ["web-1", "web-2", "web-3", "web-4", "web-5", "web-6"]
batch = 1
step_time = "4m"
verify = "2m"

[strategy.hooks]
deploy = ["./hooks/deploy.sh", "{target}", "{version}"]
health = ["./hooks/health.sh", "{target}"]
rollback = ["./hooks/deploy.sh", "{target}", "{previous}"]

[[strategy]]
name = "quick"
kind = "rolling"
service = "web"
env = "prod"
targets = ["web-1", "web-2", "web-3", "web-4"]
batch = 1
step_time = "4m"
verify = "2m"
monitoring = "30m"

[strategy.hooks]
deploy = ["./hooks/deploy.sh", "{target}", "{version}"]
health = ["./hooks/health.sh", "{target}"]
rollback = ["./hooks/deploy.sh", "{target}", "{previous}"]

[[strategy]]
name = "web-bg"
kind = "blue-green"
service = "web"
env = "prod"
blue = ["blue-1", "blue-2"]
green = ["green-1", "green-2", "green-3"]
keep_previous = "45m"
step_time = "4m"
verify = "2m"

[strategy.hooks]
deploy = ["./hooks/deploy.sh", "{color}", "{version}"]
health = ["./hooks/health.sh", "{color}"]
switch = ["./hooks/switch.sh", "{color}"]

[[strategy]]
name = "web-canary"
kind = "canary"
service = "web"
env = "prod"
steps = [5, 25, 50, 100]
pause = "10m"
step_time = "1m"
verify = "5m"
monitoring = "30m"

[strategy.hooks]
deploy = ["./hooks/deploy.sh", "canary", "{version}"]
set_weight = ["./hooks/weight.sh", "{weight}"]
health = ["./hooks/health.sh", "canary"]
rollback = ["./hooks/deploy.sh", "canary", "{previous}"]
"#;

fn shipwindow(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_shipwindow"))
        .arg("--policies")
        .arg(dir)
        .args(args)
        .env_remove("SHIPWINDOW_POLICIES")
        .env_remove("SHIPWINDOW_STATE_DIR")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .unwrap()
}

#[test]
fn strategies_loaded_from_toml_plan_as_built_by_hand() {
    let dir = policy_dir(POLICY, STRATEGIES);
    let policy = PolicySet::load(dir.path()).unwrap();
    let by_toml = |name: &str, live| {
        let s = plan::find(&policy, name).unwrap();
        plan::plan(&policy, s, at(), live).unwrap()
    };
    let by_hand = |s: &Strategy, live| plan::plan(&policy, s, at(), live).unwrap();
    let pairs = [
        ("web-rolling", rolling("x", 4, Batch::Count(1)), Color::Blue),
        ("long", rolling("x", 6, Batch::Count(1)), Color::Blue),
        ("web-bg", blue_green(2, 3, min(45)), Color::Green),
        ("web-canary", canary(None), Color::Blue),
    ];
    for (name, hand, live) in pairs {
        let (a, b) = (by_toml(name, live), by_hand(&hand, live));
        assert_eq!(rows(&a), rows(&b), "{name}");
        assert_eq!(ends(&a), ends(&b), "{name}");
        assert_eq!(a.decision, b.decision, "{name}");
    }
    assert_eq!(
        plan::deploy_length(plan::find(&policy, "web-canary").unwrap()),
        min(40)
    );
}

#[test]
fn plan_json_is_the_spec_object_with_the_exact_timeline() {
    let dir = policy_dir(POLICY, STRATEGIES);
    let o = shipwindow(
        dir.path(),
        &[
            "plan",
            "--strategy",
            "web-rolling",
            "--at",
            "2026-12-01T22:00",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let v = json_out(&o);
    assert_spec_shape(&v);
    assert_eq!(v["strategy"], "web-rolling");
    assert_eq!(v["kind"], "rolling");
    assert_eq!(
        (v["service"].as_str(), v["env"].as_str()),
        (Some("web"), Some("prod"))
    );
    let steps = v["steps"].as_array().unwrap();
    let figures: Vec<_> = steps
        .iter()
        .map(|s| {
            (
                s["index"].as_u64().unwrap(),
                s["targets"][0].as_str().unwrap().to_string(),
                s["start"].as_str().unwrap().to_string(),
                s["capacity_kept_pct"].as_f64().unwrap(),
                s["new_version_share_pct"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        figures,
        [
            (
                1,
                "web-1".into(),
                "2026-12-01T22:00:00+09:00".into(),
                75.0,
                25.0
            ),
            (
                2,
                "web-2".into(),
                "2026-12-01T22:06:00+09:00".into(),
                75.0,
                50.0
            ),
            (
                3,
                "web-3".into(),
                "2026-12-01T22:12:00+09:00".into(),
                75.0,
                75.0
            ),
            (
                4,
                "web-4".into(),
                "2026-12-01T22:18:00+09:00".into(),
                75.0,
                100.0
            ),
        ]
    );
    assert_eq!(v["deploy_end"], "2026-12-01T22:24:00+09:00");
    assert_eq!(v["monitoring_end"], "2026-12-01T23:24:00+09:00");
    assert_eq!(v["decision"]["verdict"], "allow");
    assert_eq!(v["decision"]["deploy_end"], v["deploy_end"]);
}

#[test]
fn plan_exits_1_when_the_plan_runs_into_a_freeze() {
    let dir = policy_dir(POLICY, STRATEGIES);
    let o = shipwindow(
        dir.path(),
        &["plan", "--strategy", "long", "--at", "2026-12-01T22:00"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    let text = out(&o);
    assert!(
        text.starts_with(
            "long: rolling deploy of web to prod, 6 steps from Tue 2026-12-01 22:00 KST\n"
        ),
        "{text}"
    );
    // The table, spaces collapsed: one row a step.
    let squeezed: Vec<String> = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    for row in [
        "# action targets / weight start end capacity kept extra capacity on new version",
        "1 deploy web-1 Tue 22:00 Tue 22:06 83.33% 0% 16.67%",
        "6 deploy web-6 Tue 22:30 Tue 22:36 83.33% 0% 100%",
        "deploy 36m until Tue 2026-12-01 22:36 KST",
        "monitoring 1h until Tue 2026-12-01 23:36 KST",
        "DENIED: deploy web to prod at Tue 2026-12-01 22:00 KST",
        "- db-maintenance (freeze): Database maintenance",
        "next allowed: Wed 2026-12-02 01:00 KST (in 3h)",
    ] {
        assert!(
            squeezed.iter().any(|l| l == row),
            "no line `{row}` in:\n{text}"
        );
    }
    // Same time, the shorter plan: allowed.
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
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(
        out(&o).contains("ALLOWED: deploy web to prod"),
        "{}",
        out(&o)
    );
}

#[test]
fn plan_blue_green_starts_from_the_live_colour_in_the_state_dir() {
    let dir = policy_dir(POLICY, STRATEGIES);
    let state = tempfile::tempdir().unwrap();
    let state_dir = state.path().to_str().unwrap();
    let first_step = |o: &std::process::Output| {
        assert_eq!(o.status.code(), Some(0), "{}", err(o));
        let v = json_out(o);
        let s = &v["steps"][0];
        (
            s["targets"].clone(),
            s["extra_capacity_pct"].as_f64().unwrap(),
        )
    };
    let args = [
        "plan",
        "--strategy",
        "web-bg",
        "--at",
        "2026-12-01T22:00",
        "--format",
        "json",
        "--state-dir",
        state_dir,
    ];
    // Nothing recorded: blue is live, the three green targets are deployed.
    let (targets, extra) = first_step(&shipwindow(dir.path(), &args));
    assert_eq!(targets, json!(["green-1", "green-2", "green-3"]));
    assert_eq!(extra, 150.0);
    std::fs::create_dir_all(state.path().join("bluegreen")).unwrap();
    std::fs::write(state.path().join("bluegreen/web.prod"), "green\n").unwrap();
    let (targets, extra) = first_step(&shipwindow(dir.path(), &args));
    assert_eq!(targets, json!(["blue-1", "blue-2"]));
    assert_eq!(extra, 66.67);
    std::fs::write(state.path().join("bluegreen/web.prod"), "purple\n").unwrap();
    let o = shipwindow(dir.path(), &args);
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    assert!(err(&o).contains("`purple` is not a colour"), "{}", err(&o));
}

#[test]
fn plan_of_an_unknown_strategy_is_bad_input_with_the_defined_names() {
    let dir = policy_dir(POLICY, STRATEGIES);
    let o = shipwindow(dir.path(), &["plan", "--strategy", "web-rollin"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        err(&o).trim(),
        "error: --strategy: `web-rollin` is not defined (did you mean `web-rolling`? \
         defined: `web-rolling`, `long`, `quick`, `web-bg`, `web-canary`)"
    );
    let o = shipwindow(
        dir.path(),
        &["plan", "--strategy", "web-rollin", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        json_out(&o)["error"]
            .as_str()
            .unwrap()
            .contains("did you mean `web-rolling`")
    );
}

fn check(dir: &std::path::Path, at: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["check", "--service", "web", "--env", "prod", "--at", at];
    args.extend_from_slice(extra);
    shipwindow(dir, &args)
}

#[test]
fn check_strategy_uses_the_plan_length_and_its_monitoring() {
    let dir = policy_dir(POLICY, STRATEGIES);
    let dir = dir.path();
    // 22:00: the default 30m + 1h is allowed; `long` (36m + 1h) is not.
    assert_eq!(check(dir, "2026-12-01T22:00", &[]).status.code(), Some(0));
    let o = check(dir, "2026-12-01T22:00", &["--strategy", "long"]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(
        out(&o).contains("deploy 36m + monitoring 1h"),
        "{}",
        out(&o)
    );
    // 22:30: the default runs into the maintenance; `quick` (24m + its 30m) does not.
    assert_eq!(check(dir, "2026-12-01T22:30", &[]).status.code(), Some(1));
    let o = check(dir, "2026-12-01T22:30", &["--strategy", "quick"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(
        out(&o).contains("deploy 24m + monitoring 30m"),
        "{}",
        out(&o)
    );
    // --monitoring still wins.
    let o = check(
        dir,
        "2026-12-01T22:30",
        &["--strategy", "quick", "--monitoring", "2h"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    // The JSON is the plan's decision.
    let o = check(
        dir,
        "2026-12-01T22:00",
        &["--strategy", "long", "--format", "json"],
    );
    let p = shipwindow(
        dir,
        &[
            "plan",
            "--strategy",
            "long",
            "--at",
            "2026-12-01T22:00",
            "--format",
            "json",
        ],
    );
    assert_eq!(json_out(&o), json_out(&p)["decision"]);
}

#[test]
fn check_strategy_refuses_a_duration_and_another_service() {
    let dir = policy_dir(POLICY, STRATEGIES);
    let dir = dir.path();
    let o = check(
        dir,
        "2026-12-01T22:00",
        &["--strategy", "long", "--duration", "45m"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("--duration"), "{}", err(&o));
    let o = shipwindow(
        dir,
        &[
            "check",
            "--service",
            "api",
            "--env",
            "prod",
            "--strategy",
            "long",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        err(&o).trim(),
        "error: --strategy: `long` deploys `web` to `prod`, not `api` to `prod` as requested"
    );
}

#[tokio::test]
async fn http_strategy_gives_the_same_json_as_the_cli() {
    let dir = policy_dir(POLICY, STRATEGIES);
    let router = router(PolicySet::load(dir.path()).unwrap(), None);
    for (at, strategy) in [("2026-12-01T22:00", "long"), ("2026-12-01T22:30", "quick")] {
        let uri = format!("/v1/check?service=web&env=prod&at={at}&strategy={strategy}");
        let (status, got) = call(&router, "GET", &uri, None).await;
        assert_eq!(status, StatusCode::OK, "{got}");
        let cli = check(
            dir.path(),
            at,
            &["--strategy", strategy, "--format", "json"],
        );
        assert_eq!(got, json_out(&cli), "{strategy} at {at}");
    }
}

#[test]
fn the_bundled_example_strategy_plans_inside_the_weeknight_window() {
    let bundled = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    let plan_at = |at: &str| {
        shipwindow(
            &bundled,
            &[
                "plan",
                "--strategy",
                "web-rolling",
                "--at",
                at,
                "--format",
                "json",
            ],
        )
    };
    // Tuesday 23:00: 24m of deploy and an hour of monitoring fit the window.
    let o = plan_at("2026-12-01T23:00");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let v = json_out(&o);
    assert_spec_shape(&v);
    assert_eq!(v["steps"].as_array().unwrap().len(), 4);
    assert_eq!(v["steps"][0]["capacity_kept_pct"].as_f64(), Some(75.0));
    assert_eq!(v["monitoring_end"], "2026-12-02T00:24:00+09:00");
    // Wednesday 04:40: the plan's 1h 24m runs past the window's 06:00 end.
    let o = plan_at("2026-12-02T04:40");
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert_eq!(
        json_out(&o)["decision"]["blocked_by"][0]["rule"],
        "weeknight"
    );
}
