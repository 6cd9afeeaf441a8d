//! `[[strategy]]` tables load with the rest of the policy set into the
//! exact model values, defaults applied; every class of mistake gives a diagnostic
//! with `file:line:column`, a message and help saying what would be right.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::diagnostic::{expect_diagnostic, expect_one};
use chrono::TimeDelta;
use shipwindow::PolicySet;
use shipwindow::policy::{Batch, Hook, Hooks, OnWindowClose, Strategy, StrategyKind};

const FILE: &str = "strategies.toml";

/// Loads one file and returns each diagnostic as (`file:line:col: message`, help).
fn problems(text: &str) -> Vec<(String, String)> {
    crate::support::diagnostic::problems(&[(FILE, text)])
}

/// Asserts exactly one problem, with this location+message and help containing `help`.
#[track_caller]
fn one(text: &str, want: &str, help: &str) {
    let got = problems(text);
    assert_eq!(got.len(), 1, "expected one problem, got {got:#?}");
    assert_eq!(got[0].0, want);
    assert!(
        got[0].1.contains(help),
        "help `{}` should contain `{help}`",
        got[0].1
    );
}

fn loads(text: &str) -> Vec<Strategy> {
    match PolicySet::from_files(&[(FILE, text)]) {
        Ok(set) => set.strategies,
        Err(e) => panic!("the policy should load, got:\n{e}"),
    }
}

fn hook(argv: &[&str], timeout: TimeDelta) -> Option<Hook> {
    Some(Hook {
        argv: argv.iter().map(|s| s.to_string()).collect(),
        timeout,
    })
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

const ROLLING: &str = r#"[[strategy]]
name = "web"
kind = "rolling"
service = "web"
env = "prod"
targets = ["web-1", "web-2", "web-3", "web-4"]

[strategy.hooks]
deploy = ["./hooks/deploy.sh", "{target}", "{version}"]
health = ["curl", "-fsS", "http://{target}:8080/healthz"]
rollback = ["./hooks/deploy.sh", "{target}", "{previous}"]
"#;

const BLUE_GREEN: &str = r#"[[strategy]]
name = "web-bg"
kind = "blue-green"
service = "web"
env = "prod"
blue = ["web-b1", "web-b2"]
green = ["web-g1", "web-g2"]

[strategy.hooks]
deploy = ["./hooks/deploy-color.sh", "{color}", "{version}"]
health = ["./hooks/health-color.sh", "{color}"]
switch = ["./hooks/switch.sh", "{color}"]
"#;

const CANARY: &str = r#"[[strategy]]
name = "web-canary"
kind = "canary"
service = "web"
env = "prod"
steps = [5, 25, 50, 100]

[strategy.hooks]
deploy = ["./hooks/canary.sh", "{version}"]
set_weight = ["./hooks/weight.sh", "{weight}"]
health = ["./hooks/health.sh", "--service={service}", "--env={env}"]
rollback = ["./hooks/canary-remove.sh", "{previous}"]
"#;

const CANARY_TARGETS: &str = r#"[[strategy]]
name = "web-canary-hosts"
kind = "canary"
service = "web"
env = "prod"
steps = [25, 50, 100]
pause = "10m"
targets = ["web-1", "web-2", "web-3", "web-4"]

[strategy.hooks]
deploy = ["./hooks/deploy.sh", "{target}", "{version}"]
health = ["curl", "-fsS", "http://{target}:8080/healthz"]
rollback = ["./hooks/deploy.sh", "{target}", "{previous}"]
"#;

/// The common keys' defaults, on a strategy with these fields.
fn with_defaults(name: &str, kind: StrategyKind, hooks: Hooks) -> Strategy {
    Strategy {
        name: name.into(),
        service: "web".into(),
        env: "prod".into(),
        kind,
        step_time: TimeDelta::minutes(5),
        verify: TimeDelta::minutes(2),
        monitoring: None,
        on_window_close: OnWindowClose::Pause,
        max_pause: TimeDelta::hours(1),
        failure_limit: 1,
        health_interval: TimeDelta::seconds(10),
        hooks,
    }
}

fn rolling_hooks(deploy_timeout: TimeDelta, health_timeout: TimeDelta) -> Hooks {
    Hooks {
        deploy: hook(
            &["./hooks/deploy.sh", "{target}", "{version}"],
            deploy_timeout,
        ),
        health: hook(
            &["curl", "-fsS", "http://{target}:8080/healthz"],
            health_timeout,
        ),
        rollback: hook(
            &["./hooks/deploy.sh", "{target}", "{previous}"],
            deploy_timeout,
        ),
        ..Hooks::default()
    }
}

#[test]
fn a_rolling_strategy_loads_with_defaults() {
    let got = loads(ROLLING);
    let want = with_defaults(
        "web",
        StrategyKind::Rolling {
            targets: strings(&["web-1", "web-2", "web-3", "web-4"]),
            batch: Batch::Count(1),
        },
        rolling_hooks(TimeDelta::minutes(10), TimeDelta::seconds(30)),
    );
    assert_eq!(got, [want]);
}

#[test]
fn a_rolling_strategy_with_a_percentage_batch() {
    let text = ROLLING.replace(
        "\n\n[strategy.hooks]",
        "\nbatch = \"25%\"\n\n[strategy.hooks]",
    );
    let got = loads(&text);
    let StrategyKind::Rolling { batch, .. } = &got[0].kind else {
        panic!("a rolling strategy, got {:?}", got[0].kind)
    };
    assert_eq!(*batch, Batch::Percent(25));
}

#[test]
fn every_common_key_set_and_a_count_batch() {
    let text = ROLLING
        .replace(
            "\n\n[strategy.hooks]",
            r#"
batch = 2
step_time = "4m"
verify = "0s"
monitoring = "1h"
on_window_close = "rollback"
failure_limit = 3
health_interval = "5s"
hook_timeout = "3m"
health_timeout = "10s"

[strategy.hooks]"#,
        )
        .replace(
            r#"rollback = ["./hooks/deploy.sh", "{target}", "{previous}"]"#,
            r#"rollback = { run = ["./hooks/deploy.sh", "{target}", "{previous}"], timeout = "90s" }"#,
        );
    let got = loads(&text);
    let mut hooks = rolling_hooks(TimeDelta::minutes(3), TimeDelta::seconds(10));
    hooks.rollback = hook(
        &["./hooks/deploy.sh", "{target}", "{previous}"],
        TimeDelta::seconds(90),
    );
    let want = Strategy {
        name: "web".into(),
        service: "web".into(),
        env: "prod".into(),
        kind: StrategyKind::Rolling {
            targets: strings(&["web-1", "web-2", "web-3", "web-4"]),
            batch: Batch::Count(2),
        },
        step_time: TimeDelta::minutes(4),
        verify: TimeDelta::zero(),
        monitoring: Some(TimeDelta::hours(1)),
        on_window_close: OnWindowClose::Rollback,
        max_pause: TimeDelta::hours(1),
        failure_limit: 3,
        health_interval: TimeDelta::seconds(5),
        hooks,
    };
    assert_eq!(got, [want]);
}

#[test]
fn a_blue_green_strategy_loads_with_defaults() {
    let got = loads(BLUE_GREEN);
    let ten = TimeDelta::minutes(10);
    let want = with_defaults(
        "web-bg",
        StrategyKind::BlueGreen {
            blue: strings(&["web-b1", "web-b2"]),
            green: strings(&["web-g1", "web-g2"]),
            keep_previous: TimeDelta::hours(1),
        },
        Hooks {
            deploy: hook(&["./hooks/deploy-color.sh", "{color}", "{version}"], ten),
            health: hook(
                &["./hooks/health-color.sh", "{color}"],
                TimeDelta::seconds(30),
            ),
            switch: hook(&["./hooks/switch.sh", "{color}"], ten),
            ..Hooks::default()
        },
    );
    assert_eq!(got, [want]);

    let text = BLUE_GREEN.replace(
        "\n\n[strategy.hooks]",
        "\nkeep_previous = \"0s\"\n\n[strategy.hooks]",
    );
    let StrategyKind::BlueGreen { keep_previous, .. } = &loads(&text)[0].kind else {
        panic!("a blue-green strategy")
    };
    assert_eq!(*keep_previous, TimeDelta::zero());
}

#[test]
fn a_canary_by_weight_loads_with_defaults() {
    let got = loads(CANARY);
    let ten = TimeDelta::minutes(10);
    let want = with_defaults(
        "web-canary",
        StrategyKind::Canary {
            steps: vec![5, 25, 50, 100],
            pause: TimeDelta::minutes(5),
            targets: None,
        },
        Hooks {
            deploy: hook(&["./hooks/canary.sh", "{version}"], ten),
            set_weight: hook(&["./hooks/weight.sh", "{weight}"], ten),
            health: hook(
                &["./hooks/health.sh", "--service={service}", "--env={env}"],
                TimeDelta::seconds(30),
            ),
            rollback: hook(&["./hooks/canary-remove.sh", "{previous}"], ten),
            ..Hooks::default()
        },
    );
    assert_eq!(got, [want]);
}

#[test]
fn a_canary_by_targets_needs_no_set_weight() {
    let got = loads(CANARY_TARGETS);
    let want = with_defaults(
        "web-canary-hosts",
        StrategyKind::Canary {
            steps: vec![25, 50, 100],
            pause: TimeDelta::minutes(10),
            targets: Some(strings(&["web-1", "web-2", "web-3", "web-4"])),
        },
        rolling_hooks(TimeDelta::minutes(10), TimeDelta::seconds(30)),
    );
    assert_eq!(got, [want]);
}

#[test]
fn strategies_load_in_policy_order_next_to_rules() {
    let window =
        "[[window]]\nname = \"web\"\ndays = [\"daily\"]\nstart = \"22:00\"\nend = \"06:00\"\n\n";
    let a = format!("{CANARY}\n{window}{BLUE_GREEN}");
    let set = PolicySet::from_files(&[("b.toml", ROLLING), ("a.toml", &a)]).unwrap();
    let names: Vec<&str> = set.strategies.iter().map(|s| s.name.as_str()).collect();
    // A strategy may share its name with a rule: they are different things.
    assert_eq!(names, ["web-canary", "web-bg", "web"]);
    assert_eq!(set.rules.len(), 1);
}

#[test]
fn unknown_kind_suggests_the_closest() {
    one(
        &ROLLING.replace("\"rolling\"", "\"rollin\""),
        "strategies.toml:3:8: unknown strategy kind `rollin`",
        "did you mean `rolling`? kinds are rolling, blue-green, canary",
    );
    one(
        &BLUE_GREEN.replace("\"blue-green\"", "\"blue_green\""),
        "strategies.toml:3:8: unknown strategy kind `blue_green`",
        "did you mean `blue-green`?",
    );
}

#[test]
fn a_missing_hook_is_reported_per_kind() {
    let drop = |text: &str, hook: &str| {
        text.lines()
            .filter(|l| !l.starts_with(&format!("{hook} =")))
            .map(|l| format!("{l}\n"))
            .collect::<String>()
    };
    one(
        &drop(ROLLING, "rollback"),
        "strategies.toml:1:1: [[strategy]] `web` has no `rollback` hook",
        "a rolling strategy needs `rollback` to put `{previous}` back on the updated targets when a check fails",
    );
    one(
        &drop(BLUE_GREEN, "switch"),
        "strategies.toml:1:1: [[strategy]] `web-bg` has no `switch` hook",
        "a blue-green strategy needs `switch` to send traffic to `{color}`",
    );
    one(
        &drop(CANARY, "set_weight"),
        "strategies.toml:1:1: [[strategy]] `web-canary` has no `set_weight` hook",
        "a canary by weight needs `set_weight` to send `{weight}` percent",
    );
    one(
        &drop(CANARY_TARGETS, "health"),
        "strategies.toml:1:1: [[strategy]] `web-canary-hosts` has no `health` hook",
        "a canary by targets needs `health`",
    );
    // No hooks at all: every one the kind needs, each at the table.
    let got = problems(&ROLLING[..ROLLING.find("[strategy.hooks]").unwrap()]);
    let got: Vec<&str> = got.iter().map(|(m, _)| m.as_str()).collect();
    assert_eq!(
        got,
        [
            "strategies.toml:1:1: [[strategy]] `web` has no `deploy` hook",
            "strategies.toml:1:1: [[strategy]] `web` has no `health` hook",
            "strategies.toml:1:1: [[strategy]] `web` has no `rollback` hook",
        ]
    );
}

#[test]
fn a_hook_the_kind_never_runs_is_refused() {
    one(
        &format!("{BLUE_GREEN}rollback = [\"./hooks/undo.sh\"]\n"),
        "strategies.toml:13:1: the `rollback` hook is not used by a blue-green strategy",
        "its rollback is a switch back to the old colour with `switch`",
    );
    one(
        &format!("{CANARY_TARGETS}set_weight = [\"./hooks/weight.sh\", \"{{weight}}\"]\n"),
        "strategies.toml:14:1: the `set_weight` hook is not used by a canary by targets",
        "remove `targets` to canary by weight",
    );
}

#[test]
fn unknown_placeholder_suggests_the_closest() {
    one(
        &ROLLING.replace("\"{version}\"]", "\"{verison}\"]"),
        "strategies.toml:9:44: unknown placeholder `{verison}` in the `deploy` hook",
        "did you mean `{version}`? placeholders are `{target}`, `{version}`, `{previous}`, `{color}`, `{weight}`, `{service}`, `{env}`",
    );
    one(
        &ROLLING.replace("\"-fsS\"", "\"--header={token}\""),
        "strategies.toml:10:19: unknown placeholder `{token}` in the `health` hook",
        "placeholders are `{target}`",
    );
}

#[test]
fn a_placeholder_the_hook_can_never_have_is_refused() {
    one(
        &BLUE_GREEN.replace(
            "\"./hooks/switch.sh\", \"{color}\"",
            "\"./hooks/switch.sh\", \"{target}\"",
        ),
        "strategies.toml:12:32: placeholder `{target}` has no value in the `switch` hook of a blue-green strategy",
        "`{target}` is set only in the deploy, health and rollback hooks of a rolling strategy or a canary by targets, and in the deploy and health hooks of a blue-green strategy",
    );
    one(
        &CANARY.replace("\"--env={env}\"", "\"--weight={weight}\""),
        "strategies.toml:11:55: placeholder `{weight}` has no value in the `health` hook of a canary by weight",
        "`{weight}` is set only in the `set_weight` hook of a canary by weight",
    );
    one(
        &ROLLING.replace("\"{previous}\"", "\"{color}\""),
        "strategies.toml:11:46: placeholder `{color}` has no value in the `rollback` hook of a rolling strategy",
        "`{color}` (blue or green) is set only in the hooks of a blue-green strategy",
    );
    // A canary by weight deploys the canary, not a target.
    one(
        &CANARY.replace(
            "\"./hooks/canary.sh\", ",
            "\"./hooks/canary.sh\", \"{target}\", ",
        ),
        "strategies.toml:9:32: placeholder `{target}` has no value in the `deploy` hook of a canary by weight",
        "`{target}` is set only",
    );
}

#[test]
fn a_lone_brace_is_refused() {
    one(
        &ROLLING.replace("\"{version}\"]", "\"{{version}}\"]"),
        "strategies.toml:9:44: lone `{` in the `deploy` hook argument `{{version}}`",
        "`{{` and `}}` are not escapes",
    );
    one(
        &ROLLING.replace("\"{previous}\"", "\"v}\""),
        "strategies.toml:11:46: lone `}` in the `rollback` hook argument `v}`",
        "a placeholder is one of `{target}`",
    );
    one(
        &ROLLING.replace("\"{previous}\"", "\"{previous\""),
        "strategies.toml:11:46: lone `{` in the `rollback` hook argument `{previous`",
        "not escapes",
    );
}

#[test]
fn empty_target_lists_are_refused() {
    one(
        &ROLLING.replace("[\"web-1\", \"web-2\", \"web-3\", \"web-4\"]", "[]"),
        "strategies.toml:6:11: `targets` is empty",
        "list at least one target: `targets = [\"web-1\", \"web-2\"]`",
    );
    one(
        &BLUE_GREEN.replace("[\"web-g1\", \"web-g2\"]", "[]"),
        "strategies.toml:7:9: `green` is empty",
        "list at least one target",
    );
    one(
        &CANARY_TARGETS.replace("[\"web-1\", \"web-2\", \"web-3\", \"web-4\"]", "[]"),
        "strategies.toml:8:11: `targets` is empty",
        "list at least one target",
    );
}

#[test]
fn repeated_and_shared_targets_are_refused() {
    one(
        &ROLLING.replace("\"web-3\"", "\"web-1\""),
        "strategies.toml:6:30: target `web-1` is listed twice in `targets`",
        "each target is deployed once",
    );
    one(
        &BLUE_GREEN.replace("\"web-g2\"", "\"web-b1\""),
        "strategies.toml:7:20: target `web-b1` is in both `blue` and `green`",
        "blue and green are separate sets of targets",
    );
}

#[test]
fn bad_batches() {
    let with = |batch: &str| {
        ROLLING.replace(
            "\n\n[strategy.hooks]",
            &format!("\nbatch = {batch}\n\n[strategy.hooks]"),
        )
    };
    let help = "`batch` is a number of targets (`batch = 2`) or a percentage of them from 1% to 100% (`batch = \"25%\"`)";
    one(
        &with("0"),
        "strategies.toml:7:9: `batch` must be at least 1, found 0",
        help,
    );
    one(
        &with("\"0%\""),
        "strategies.toml:7:9: `batch` percentage must be from 1% to 100%, found 0%",
        help,
    );
    one(
        &with("\"150%\""),
        "strategies.toml:7:9: `batch` percentage must be from 1% to 100%, found 150%",
        help,
    );
    one(
        &with("\"2\""),
        "strategies.toml:7:9: `batch` \"2\" is a string without `%`",
        help,
    );
    one(
        &with("\"half\""),
        "strategies.toml:7:9: `batch` \"half\" is not a count or a percentage",
        help,
    );
    one(
        &with("1.5"),
        "strategies.toml:7:9: `batch` must be an integer or a percentage string, found a float",
        help,
    );
}

#[test]
fn canary_steps_must_increase_and_end_at_100() {
    let with = |steps: &str| CANARY.replace("[5, 25, 50, 100]", steps);
    one(
        &with("[5, 50, 25, 100]"),
        "strategies.toml:6:17: `steps` must increase: 25 comes after 50",
        "increasing percentages of traffic that end at 100",
    );
    one(
        &with("[5, 25, 50]"),
        "strategies.toml:6:17: the last canary step is 50, not 100",
        "end `steps` with 100",
    );
    one(
        &with("[5, 25, 25, 100]"),
        "strategies.toml:6:17: `steps` must increase: 25 comes after 25",
        "increasing",
    );
    one(
        &with("[0, 50, 100]"),
        "strategies.toml:6:10: canary step 0 is not a percentage from 1 to 100",
        "`steps = [5, 25, 50, 100]`",
    );
    one(
        &with("[50, 100, 120]"),
        "strategies.toml:6:19: canary step 120 is not a percentage from 1 to 100",
        "`steps = [5, 25, 50, 100]`",
    );
    one(
        &with("[]"),
        "strategies.toml:6:9: `steps` is empty",
        "end at 100",
    );
}

#[test]
fn duplicate_strategy_names() {
    let got = problems(&format!(
        "{ROLLING}\n{}",
        CANARY.replace("web-canary", "web")
    ));
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(
        got[0].0,
        "strategies.toml:14:8: strategy name `web` is already used at strategies.toml:1:1"
    );
    assert_eq!(got[0].1, "strategy names are unique across the policy set");
    // Across files too, in path order.
    let err = PolicySet::from_files(&[("b.toml", ROLLING), ("a.toml", ROLLING)]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "b.toml:2:8: strategy name `web` is already used at a.toml:1:1\n  help: strategy names are unique across the policy set"
    );
}

#[test]
fn a_key_of_another_kind_names_its_kind() {
    one(
        &BLUE_GREEN.replace("\n\n[strategy.hooks]", "\nbatch = 1\n\n[strategy.hooks]"),
        "strategies.toml:8:1: key `batch` belongs to rolling strategies, not blue-green",
        "a blue-green strategy takes `blue`, `green` and `keep_previous`; remove `batch` or change `kind`",
    );
    one(
        &BLUE_GREEN.replace(
            "\n\n[strategy.hooks]",
            "\ntargets = [\"web-1\"]\n\n[strategy.hooks]",
        ),
        "strategies.toml:8:1: key `targets` belongs to rolling and canary strategies, not blue-green",
        "remove `targets`",
    );
    one(
        &ROLLING.replace(
            "\n\n[strategy.hooks]",
            "\nsteps = [50, 100]\n\n[strategy.hooks]",
        ),
        "strategies.toml:7:1: key `steps` belongs to canary strategies, not rolling",
        "a rolling strategy takes `targets` and `batch`",
    );
}

#[test]
fn unknown_keys_suggest_the_closest() {
    let got = problems(&ROLLING.replace("targets =", "target ="));
    assert_eq!(got.len(), 2, "{got:#?}");
    // The key the typo was meant to be is missing, too.
    assert_eq!(
        got[0].0,
        "strategies.toml:1:1: [[strategy]] `web` is a rolling strategy with no `targets`"
    );
    assert_eq!(
        got[1],
        (
            "strategies.toml:6:1: unknown key `target` in [[strategy]]".to_string(),
            "did you mean `targets`?".to_string()
        )
    );
    one(
        &ROLLING.replace("env = \"prod\"", "env = \"prod\"\nhealth_intreval = \"5s\""),
        "strategies.toml:6:1: unknown key `health_intreval` in [[strategy]]",
        "did you mean `health_interval`?",
    );
}

#[test]
fn unknown_hook_names_suggest_the_closest() {
    one(
        &format!("{ROLLING}helth = [\"true\"]\n"),
        "strategies.toml:12:1: unknown hook `helth`",
        "did you mean `health`? hooks are deploy, health, rollback, switch, set_weight",
    );
    // The hook the typo was meant to be is missing, too.
    let got = problems(&CANARY.replace("set_weight =", "set-weight ="));
    let got: Vec<&str> = got.iter().map(|(m, _)| m.as_str()).collect();
    assert_eq!(
        got,
        [
            "strategies.toml:1:1: [[strategy]] `web-canary` has no `set_weight` hook",
            "strategies.toml:10:1: unknown hook `set-weight`",
        ]
    );
}

#[test]
fn bad_durations() {
    let with = |line: &str| ROLLING.replace("env = \"prod\"", &format!("env = \"prod\"\n{line}"));
    one(
        &with("step_time = \"5 min\""),
        "strategies.toml:6:13: `step_time`: unknown unit ` ` in duration `5 min`",
        "`1h30m`",
    );
    one(
        &with("step_time = \"0s\""),
        "strategies.toml:6:13: `step_time` must be longer than zero",
        "30m",
    );
    one(
        &with("health_interval = \"0s\""),
        "strategies.toml:6:19: `health_interval` must be longer than zero",
        "30m",
    );
    one(
        &with("hook_timeout = 60"),
        "strategies.toml:6:16: `hook_timeout` must be a string, found an integer",
        "write `hook_timeout = \"30m\"`",
    );
    one(
        &ROLLING.replace(
            "health = [\"curl\", \"-fsS\", \"http://{target}:8080/healthz\"]",
            "health = { run = [\"true\"], timeout = \"0s\" }",
        ),
        "strategies.toml:10:38: `timeout` must be longer than zero",
        "30m",
    );
    // `verify`, `monitoring` and `keep_previous` may be zero.
    loads(&with("verify = \"0s\"\nmonitoring = \"0s\""));
}

#[test]
fn failure_limit_must_be_at_least_one() {
    let with = |v: &str| {
        ROLLING.replace(
            "env = \"prod\"",
            &format!("env = \"prod\"\nfailure_limit = {v}"),
        )
    };
    one(
        &with("0"),
        "strategies.toml:6:17: `failure_limit` must be at least 1, found 0",
        "how many unhealthy health checks in a row trigger the rollback",
    );
    one(
        &with("\"3\""),
        "strategies.toml:6:17: `failure_limit` must be an integer, found a string",
        "write `failure_limit = 3`",
    );
}

#[test]
fn on_window_close_and_max_pause() {
    one(
        &ROLLING.replace(
            "env = \"prod\"",
            "env = \"prod\"\non_window_close = \"pasue\"",
        ),
        "strategies.toml:6:19: unknown `on_window_close` action `pasue`",
        "did you mean `pause`?",
    );
    one(
        &ROLLING.replace(
            "env = \"prod\"",
            "env = \"prod\"\non_window_close = \"rollback\"\nmax_pause = \"2h\"",
        ),
        "strategies.toml:7:1: `max_pause` is only used with `on_window_close = \"pause\"`",
        "remove `max_pause`",
    );
}

#[test]
fn service_and_env_are_required_exact_names() {
    one(
        &ROLLING.replace("service = \"web\"\n", ""),
        "strategies.toml:1:1: [[strategy]] `web` has no `service`",
        "a strategy deploys one service: write its exact name, e.g. `service = \"web\"`",
    );
    one(
        &ROLLING.replace("env = \"prod\"", "env = \"prod-*\""),
        "strategies.toml:5:7: `env` must be an exact name, not a glob: `prod-*`",
        "a strategy deploys one env",
    );
    one(
        &ROLLING.replace("kind = \"rolling\"\n", ""),
        "strategies.toml:1:1: [[strategy]] `web` has no `kind`",
        "add `kind = \"rolling\"`",
    );
    one(
        &ROLLING.replace("name = \"web\"", "name = \"Web Rolling\""),
        "strategies.toml:2:8: invalid strategy name `Web Rolling`",
        "lowercase letters, digits",
    );
}

#[test]
fn hooks_are_argv_arrays_never_shell_lines() {
    one(
        &ROLLING.replace(
            "deploy = [\"./hooks/deploy.sh\", \"{target}\", \"{version}\"]",
            "deploy = \"./hooks/deploy.sh {target} {version}\"",
        ),
        "strategies.toml:9:10: the `deploy` hook must be an argv array, found a string",
        "hooks run without a shell: split the command into the program and its arguments",
    );
    one(
        &ROLLING.replace(
            "deploy = [\"./hooks/deploy.sh\", \"{target}\", \"{version}\"]",
            "deploy = []",
        ),
        "strategies.toml:9:10: the `deploy` hook is empty",
        "give the program and its arguments",
    );
    one(
        &ROLLING.replace(
            "[\"./hooks/deploy.sh\", \"{target}\", \"{version}\"]",
            "[\"\", \"{target}\"]",
        ),
        "strategies.toml:9:11: the `deploy` hook's program is empty",
        "the first element is the program to run",
    );
    one(
        &ROLLING.replace("\"-fsS\"", "8080"),
        "strategies.toml:10:19: hook arguments must be strings, found an integer",
        "quote every argument",
    );
    let got = problems(&ROLLING.replace(
        "health = [\"curl\", \"-fsS\", \"http://{target}:8080/healthz\"]",
        "health = { command = [\"true\"] }",
    ));
    assert_eq!(
        got,
        [
            (
                "strategies.toml:10:10: the `health` hook has no `run`".to_string(),
                "write `health = { run = [\"./hooks/health.sh\", \"{version}\"], timeout = \"2m\" }`"
                    .to_string()
            ),
            (
                "strategies.toml:10:12: unknown key `command` in the `health` hook".to_string(),
                "a hook table has `run` (the argv array) and `timeout`".to_string()
            ),
        ]
    );
}

#[test]
fn every_problem_is_reported_in_one_run() {
    let text = format!(
        "{}\n{}",
        ROLLING.replace("\"{version}\"]", "\"{verison}\"]").replace(
            "env = \"prod\"",
            "env = \"prod\"\nbatch = 0\nfailure_limit = 0"
        ),
        CANARY
            .replace("[5, 25, 50, 100]", "[5, 25, 50]")
            .replace("set_weight =", "setweight =")
    );
    let got = problems(&text);
    let got: Vec<&str> = got.iter().map(|(m, _)| m.as_str()).collect();
    assert_eq!(
        got,
        [
            "strategies.toml:6:9: `batch` must be at least 1, found 0",
            "strategies.toml:7:17: `failure_limit` must be at least 1, found 0",
            "strategies.toml:11:44: unknown placeholder `{verison}` in the `deploy` hook",
            "strategies.toml:15:1: [[strategy]] `web-canary` has no `set_weight` hook",
            "strategies.toml:20:17: the last canary step is 50, not 100",
            "strategies.toml:24:1: unknown hook `setweight`",
        ]
    );
}

/// Problems in a strategy and its hooks underline the offending text: the
/// argument with the bad placeholder, the unknown hook's key, the wrong kind.
#[test]
fn strategy_diagnostics_underline_the_offending_text() {
    let load = |text: &str| PolicySet::from_files(&[(FILE, text)]).unwrap_err();
    expect_one(
        &load(&ROLLING.replace("\"{version}\"]", "\"{verison}\"]")),
        "",
        "strategies.toml:9:44: unknown placeholder `{verison}` in the `deploy` hook",
        "\"{verison}\"",
        "did you mean `{version}`? placeholders are `{target}`, `{version}`, `{previous}`, `{color}`, `{weight}`, `{service}`, `{env}`",
    );
    // The misspelt hook is also a missing one.
    let err = load(&ROLLING.replace("rollback = [", "rolback = ["));
    assert_eq!(err.diagnostics.len(), 2, "{err}");
    expect_diagnostic(
        &err.diagnostics[1],
        "",
        "strategies.toml:11:1: unknown hook `rolback`",
        "rolback",
        "did you mean `rollback`? hooks are deploy, health, rollback, switch, set_weight",
    );
    expect_one(
        &load(&ROLLING.replace("kind = \"rolling\"", "kind = \"rollin\"")),
        "",
        "strategies.toml:3:8: unknown strategy kind `rollin`",
        "\"rollin\"",
        "did you mean `rolling`? kinds are rolling, blue-green, canary",
    );
}
