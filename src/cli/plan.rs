//! `shipwindow plan`: a strategy's timeline from a start time — every step with
//! its times, capacity kept, extra capacity and share of users on the new
//! version — then the monitoring, then the decision for the whole plan.
//! `plan --compare` puts every strategy for a service and environment side by
//! side instead, one row each (see `crate::plan::compare` and docs/compare.md).

use super::error::{CliError, flag_error};
use super::exit::{EXIT_ALLOWED, EXIT_DENIED};
use super::format::{WindowsFormat, to_json};
use super::human;
use super::output::{out, outln};
use super::state_dir::StateDirArg;
use crate::input::RequestText;
use crate::plan::compare::{self, Comparison};
use crate::plan::{self, Color, Plan, PlanStep, StepAction};
use crate::policy::{PolicySet, Strategy, StrategyKind};
use crate::runner::state::StateDir;
use crate::time::duration::{DurationStyle, format_duration, format_duration_as};
use crate::wire;
use chrono::{DateTime, Offset, Utc};
use chrono_tz::Tz;
use clap::Args;
use std::fmt::Write;

#[derive(Args, Debug)]
pub(super) struct PlanArgs {
    /// The [[strategy]] to plan
    #[arg(
        long,
        value_name = "NAME",
        required_unless_present = "compare",
        conflicts_with = "compare"
    )]
    strategy: Option<String>,
    /// Compare every [[strategy]] for --service and --env, one row each: deploy
    /// time, capacity, blast radius, rollback time, whether it fits now and when
    /// it next would (exit 0 if any fits now, 1 if none, 2 bad input)
    #[arg(long, requires_all = ["service", "env"])]
    compare: bool,
    /// With --compare: the service
    #[arg(long, requires = "compare")]
    service: Option<String>,
    /// With --compare: the environment
    #[arg(long, requires = "compare")]
    env: Option<String>,
    /// With --compare: also rolling (batch 1), blue-green (N blue + N green) and
    /// canary (weights 5, 25, 50, 100) on N synthetic targets with default settings
    #[arg(
        long,
        value_name = "N",
        requires = "compare",
        value_parser = clap::value_parser!(u32).range(1..=10_000)
    )]
    targets: Option<u32>,
    /// Start time: RFC 3339, or local YYYY-MM-DDTHH:MM in the policy's zone (default: now)
    #[arg(long)]
    at: Option<String>,
    #[arg(long, value_enum, default_value_t = WindowsFormat::Human)]
    pub(super) format: WindowsFormat,
    #[command(flatten)]
    pub(super) state: StateDirArg,
}

pub(super) fn plan(
    policy: &PolicySet,
    args: &PlanArgs,
    now: DateTime<Utc>,
) -> Result<u8, CliError> {
    if args.compare {
        return compare(policy, args, now);
    }
    let name = args.strategy.as_deref().unwrap_or_default();
    let strategy =
        plan::find(policy, name).map_err(|e| CliError::Usage(format!("--strategy: {e}")))?;
    // The same validation as `check --strategy`, so `--at` means the same here.
    let text = RequestText {
        service: Some(strategy.service.clone()),
        env: Some(strategy.env.clone()),
        at: args.at.clone(),
        strategy: Some(strategy.name.clone()),
        ..RequestText::default()
    };
    let req = text.resolve(policy, now).map_err(flag_error)?;
    let live = live_color(args, strategy)?;
    let plan = plan::plan(policy, strategy, req.at, live)?;
    match args.format {
        WindowsFormat::Json => outln!("{}", to_json(&wire::Plan::from(&plan))),
        WindowsFormat::Human => out!("{}", render(policy, &plan)),
    }
    Ok(if plan.decision.allowed {
        EXIT_ALLOWED
    } else {
        EXIT_DENIED
    })
}

/// The colour a blue-green plan starts from: the one the runner recorded as live,
/// blue before any blue-green run. Other kinds ignore it.
fn live_color(args: &PlanArgs, strategy: &Strategy) -> Result<Color, CliError> {
    Ok(match strategy.kind {
        StrategyKind::BlueGreen { .. } => StateDir::new(&args.state.state_dir)
            .live_color(&strategy.service, &strategy.env)
            .map_err(|e| CliError::Usage(format!("--state-dir: {e}")))?
            .unwrap_or(Color::Blue),
        _ => Color::Blue,
    })
}

/// `plan --compare`: one row per strategy for the service and environment, then
/// the synthetic three with `--targets`. Exit 0 when a row fits now, 1 when none
/// does, 2 when there is nothing to compare.
fn compare(policy: &PolicySet, args: &PlanArgs, now: DateTime<Utc>) -> Result<u8, CliError> {
    let text = RequestText {
        service: args.service.clone(),
        env: args.env.clone(),
        at: args.at.clone(),
        ..RequestText::default()
    };
    let req = text.resolve(policy, now).map_err(flag_error)?;
    let defined = compare::strategies_for(policy, &req.service, &req.env);
    if defined.is_empty() && args.targets.is_none() {
        return Err(CliError::Usage(no_strategies(
            policy,
            &req.service,
            &req.env,
        )));
    }
    let mut live = Vec::new();
    for s in &defined {
        live.push((s.name.clone(), live_color(args, s)?));
    }
    let rows = compare::compare(
        policy,
        &req.service,
        &req.env,
        req.at,
        args.targets.map(|n| n as usize),
        |s| {
            live.iter()
                .find(|(name, _)| *name == s.name)
                .map_or(Color::Blue, |(_, c)| *c)
        },
    )?;
    match args.format {
        WindowsFormat::Json => {
            let json: Vec<wire::Comparison> = rows.iter().map(wire::Comparison::from).collect();
            outln!("{}", to_json(&json))
        }
        WindowsFormat::Human => out!(
            "{}",
            render_comparison(
                &req.service,
                &req.env,
                &req.at.with_timezone(&policy.settings.timezone),
                &rows
            )
        ),
    }
    Ok(if rows.iter().any(|r| r.fits_now) {
        EXIT_ALLOWED
    } else {
        EXIT_DENIED
    })
}

/// Why `--compare` has nothing to compare, and what would help.
fn no_strategies(policy: &PolicySet, service: &str, env: &str) -> String {
    let defined: Vec<String> = policy
        .strategies
        .iter()
        .map(|s| format!("`{}` ({} to {})", s.name, s.service, s.env))
        .collect();
    let defined = if defined.is_empty() {
        "the policy set defines no [[strategy]]".to_string()
    } else {
        format!("defined: {}", defined.join(", "))
    };
    format!(
        "--compare: no [[strategy]] deploys `{service}` to `{env}` ({defined}); \
         add --targets N to compare rolling, blue-green and canary on N targets with default settings"
    )
}

/// The comparison for people: a heading, then one aligned row per strategy.
fn render_comparison(
    service: &str,
    env: &str,
    start: &DateTime<Tz>,
    rows: &[Comparison],
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{service} to {env} from {}: {} strateg{}",
        human::when(start),
        rows.len(),
        if rows.len() == 1 { "y" } else { "ies" }
    );
    let header = [
        "strategy",
        "kind",
        "deploy",
        "all users",
        "min capacity",
        "peak extra",
        "blast radius",
        "rollback",
        "fits now",
        "next start",
    ];
    let table: Vec<[String; 10]> = rows
        .iter()
        .map(|r| {
            [
                r.strategy.clone(),
                r.kind.to_string(),
                policy_duration(r.deploy_time),
                r.all_users_after
                    .map_or_else(|| "-".to_string(), policy_duration),
                pct(r.min_capacity_kept_pct),
                pct(r.peak_extra_capacity_pct),
                pct(r.blast_radius_pct),
                policy_duration(r.rollback_time),
                if r.fits_now { "yes" } else { "no" }.to_string(),
                r.next_start
                    .as_ref()
                    .map_or_else(|| "none".to_string(), human::when),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &table {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    // Figures align right, words left.
    let right = [
        false, false, true, true, true, true, true, true, false, false,
    ];
    let line = |cells: &[&str]| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let pad = widths[i].saturating_sub(cell.chars().count());
            text.push_str("  ");
            if right[i] {
                text.push_str(&" ".repeat(pad));
                text.push_str(cell);
            } else {
                text.push_str(cell);
                text.push_str(&" ".repeat(pad));
            }
        }
        text.trim_end().to_string()
    };
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", line(&header));
    for row in &table {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        let _ = writeln!(out, "{}", line(&cells));
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "  deploy: start to the last step verified; all users: until the step reaching 100% has acted"
    );
    let _ = writeln!(
        out,
        "  blast radius: users on the new version before the first health verdict"
    );
    let _ = writeln!(
        out,
        "  rollback: worst-case estimate from step_time; fits now: the whole plan plus its monitoring"
    );
    out
}

/// The plan for people: a heading, the aligned steps, the monitoring, then the
/// decision as `check` prints it.
fn render(policy: &PolicySet, plan: &Plan) -> String {
    let mut out = String::new();
    let start = &plan.decision.start;
    let deploy_steps = plan
        .steps
        .iter()
        .filter(|s| s.action != StepAction::KeepPrevious)
        .count();
    let _ = writeln!(
        out,
        "{}: {} deploy of {} to {}, {deploy_steps} step{} from {}",
        plan.strategy,
        plan.kind,
        plan.service,
        plan.env,
        if deploy_steps == 1 { "" } else { "s" },
        human::when(start)
    );
    let clock = Clock::for_plan(plan);
    let header = [
        "#",
        "action",
        "targets / weight",
        "start",
        "end",
        "capacity kept",
        "extra capacity",
        "on new version",
    ];
    let rows: Vec<[String; 8]> = plan
        .steps
        .iter()
        .map(|s| {
            [
                s.index.to_string(),
                action(s.action).to_string(),
                what(s),
                clock.show(&s.start),
                clock.show(&s.end),
                pct(s.capacity_kept_pct),
                pct(s.extra_capacity_pct),
                pct(s.new_version_share_pct),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    // Numbers align right, words left.
    let right = [true, false, false, false, false, true, true, true];
    let line = |cells: &[&str]| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let pad = widths[i].saturating_sub(cell.chars().count());
            text.push_str("  ");
            if right[i] {
                text.push_str(&" ".repeat(pad));
                text.push_str(cell);
            } else {
                text.push_str(cell);
                text.push_str(&" ".repeat(pad));
            }
        }
        text.trim_end().to_string()
    };
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", line(&header));
    for row in &rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        let _ = writeln!(out, "{}", line(&cells));
    }
    if plan
        .steps
        .iter()
        .any(|s| s.action == StepAction::KeepPrevious)
    {
        let _ = writeln!(
            out,
            "  (keep-previous: the old colour stays up for an instant switch back; not part of the deploy)"
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "  deploy {} until {}",
        format_duration(plan.deploy_end - *start),
        human::when(&plan.deploy_end)
    );
    let _ = writeln!(
        out,
        "  monitoring {} until {}",
        format_duration(plan.monitoring_end - plan.deploy_end),
        human::when(&plan.monitoring_end)
    );
    let _ = writeln!(out);
    out.push_str(&human::decision(
        Some(policy.settings.horizon),
        &plan.decision,
    ));
    out
}

fn action(a: StepAction) -> &'static str {
    match a {
        StepAction::Deploy => "deploy",
        StepAction::Switch => "switch",
        StepAction::SetWeight => "set-weight",
        StepAction::KeepPrevious => "keep-previous",
    }
}

/// What a step acts on: its targets (the first few), the colour, or the weight.
fn what(s: &PlanStep) -> String {
    const SHOWN: usize = 4;
    if let Some(w) = s.weight {
        return format!("weight {w}%");
    }
    if s.targets.is_empty() {
        return match s.action {
            StepAction::Deploy => "canary pool".into(),
            _ => "-".into(),
        };
    }
    let mut names = s
        .targets
        .iter()
        .take(SHOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if s.targets.len() > SHOWN {
        let _ = write!(names, " +{} more", s.targets.len() - SHOWN);
    }
    match s.color {
        Some(c) => format!("{}: {names}", c.as_str()),
        None => names,
    }
}

/// `75%`, `66.67%`: at most two decimals, no trailing zeros.
fn pct(x: f64) -> String {
    let text = format!("{x:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}%")
}

/// How step times are shown: the weekday and clock time, with seconds only when
/// some time has them, the date when the plan spans most of a week, and the zone
/// when an offset changes within the plan (a DST fold repeats clock times).
struct Clock {
    format: String,
}

impl Clock {
    fn for_plan(plan: &Plan) -> Clock {
        let times: Vec<&DateTime<Tz>> =
            plan.steps.iter().flat_map(|s| [&s.start, &s.end]).collect();
        let seconds = times.iter().any(|t| t.timestamp() % 60 != 0);
        let first = plan.decision.start;
        let long = times
            .iter()
            .any(|t| **t - first >= chrono::TimeDelta::days(6));
        let offset = first.offset().fix();
        let zone = times.iter().any(|t| t.offset().fix() != offset);
        let mut format = String::from(if long { "%a %m-%d %H:%M" } else { "%a %H:%M" });
        if seconds {
            format.push_str(":%S");
        }
        if zone {
            format.push_str(" %Z");
        }
        Clock { format }
    }

    fn show(&self, t: &DateTime<Tz>) -> String {
        t.format(&self.format).to_string()
    }
}

/// `1h30m`: the compare table's durations, as a policy would write them.
fn policy_duration(d: chrono::TimeDelta) -> String {
    format_duration_as(d, DurationStyle::Policy)
}
