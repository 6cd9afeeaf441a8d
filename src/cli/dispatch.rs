//! Running one parsed command: the commands that need no policy set first,
//! then load the set and answer `check`, `next`, `windows` or `plan`.

use super::args::Command;
use super::error::CliError;
use super::exit::{EXIT_ALLOWED, EXIT_DENIED};
use super::format::{Format, WindowsFormat, WindowsOutput, to_json};
use super::output::{out, outln};
use super::request::request;
use super::validate::validate;
use super::{
    diff, github, human, markets, next, plan, remote, reserve, run, serve, slots, traffic, wait,
};
use crate::eval::{self, Decision, Verdict};
use crate::input::WindowsText;
use crate::policy::{LoadOptions, PolicySet};
use crate::wire;
use chrono::{SubsecRound, Utc};
use std::mem::ManuallyDrop;
use std::path::PathBuf;

fn policy_dir(flag: Option<PathBuf>) -> PathBuf {
    flag.or_else(|| {
        std::env::var_os("SHIPWINDOW_POLICIES")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    })
    .unwrap_or_else(|| PathBuf::from("policies"))
}

pub(super) fn run(policies: Option<PathBuf>, command: Command) -> Result<u8, CliError> {
    let dir = policy_dir(policies);
    match &command {
        Command::Validate(args) => return Ok(validate(&dir, args)),
        Command::Markets(args) => {
            let json_out = args.format == WindowsFormat::Json;
            let text = match (&args.code, &args.from, &args.to) {
                (None, _, _) => markets::list(json_out),
                (Some(code), Some(from), Some(to)) => markets::days(code, from, to, json_out)?,
                (Some(_), _, _) => {
                    return Err(CliError::Usage(
                        "markets CODE needs --from and --to (YYYY-MM-DD)".into(),
                    ));
                }
            };
            out!("{text}");
            return Ok(EXIT_ALLOWED);
        }
        _ => {}
    }
    match &command {
        Command::Serve(args) => return serve::serve(dir, args),
        Command::Audit(args) => return serve::audit(args),
        Command::Run(args) => return run::run(dir, args),
        Command::Wait(args) => return wait::wait(dir, args),
        Command::Diff(args) => return diff::diff(dir, args),
        Command::Traffic(args) => return traffic::traffic(&dir, args),
        Command::Reserve(args) => return reserve::reserve(dir, args),
        Command::Release(args) => return reserve::release(dir, args),
        Command::Reservations(args) => return reserve::list(dir, args),
        Command::Check(args) if args.remote.is_some() => return remote::check(args),
        Command::Next(args) if args.remote.is_some() => return remote::next(args),
        _ => {}
    }
    let now = Utc::now().trunc_subsecs(0);
    // Feed copies live in the state directory: `plan` has a flag for it, the other
    // commands read $SHIPWINDOW_STATE_DIR.
    let options = match &command {
        Command::Plan(args) => LoadOptions::new(args.state.state_dir.clone(), now),
        _ => LoadOptions::from_env(),
    };
    let policy = PolicySet::load_with(&dir, &options).map_err(CliError::Policy)?;
    match command {
        Command::Check(args) => {
            // Never freed: the process exits once the answer is printed, and
            // freeing thousands of rules one by one would only delay that.
            let policy = ManuallyDrop::new(slots::with_reservations(policy, &args.slots, now)?);
            let req = request(&policy, &args, now)?;
            let decision = eval::decide(&policy, &req)?;
            let refused = match (&req.override_, decision.verdict) {
                (Some(o), Verdict::Deny) => {
                    eval::override_refusals(&policy, &decision.blocked_by, o)
                }
                _ => Vec::new(),
            };
            print_decision(&policy, &decision, &refused, args.format);
            Ok(if decision.allowed {
                EXIT_ALLOWED
            } else {
                EXIT_DENIED
            })
        }
        Command::Next(args) => {
            // Never freed, as for `check`.
            let policy = ManuallyDrop::new(slots::with_reservations(policy, &args.slots, now)?);
            let mut req = request(&policy, &args, now)?;
            req.override_ = None;
            let found = next::next(&policy, &req, args.format)?;
            Ok(if found { EXIT_ALLOWED } else { EXIT_DENIED })
        }
        Command::Windows(args) => {
            let text = WindowsText {
                service: Some(args.service.clone()),
                env: Some(args.env.clone()),
                from: args.from.clone(),
                to: args.to.clone(),
                change: Some(args.change.clone()),
                open: Some(args.open),
                reservation: args.reservation.clone(),
            };
            // Never freed, as for `check`.
            let policy = ManuallyDrop::new(slots::with_reservations(policy, &args.slots, now)?);
            let q = text
                .resolve(&policy, now)
                .map_err(|e| CliError::Usage(format!("--{}: {}", e.field, e.message)))?;
            let mut report = q.report(&policy)?;
            match args.format {
                WindowsOutput::Json => {
                    let mut json = wire::WindowsReport::from(&report);
                    if q.open {
                        json.retain_open();
                    }
                    outln!("{}", to_json(&json))
                }
                WindowsOutput::Human => {
                    out!(
                        "{}",
                        human::windows(&args.service, &args.env, &report, q.open)
                    );
                    out!("{}", human::stale(&policy));
                }
                WindowsOutput::Svg => {
                    if q.open {
                        // Only the open windows drawn; the rest left blank.
                        report
                            .intervals
                            .retain(|s| s.state == eval::WindowState::Open);
                    }
                    let options = wire::svg::GridOptions {
                        service: &q.service,
                        env: &q.env,
                        now,
                    };
                    let table = wire::svg::RuleTable::from_policy(&policy);
                    out!("{}", wire::svg::render(&report, &table, &options))
                }
                WindowsOutput::Ics => out!(
                    "{}",
                    wire::ics::export(
                        &report,
                        &policy,
                        &wire::ics::ExportOptions {
                            service: &q.service,
                            env: &q.env,
                            stamp: now,
                            refresh: None,
                            feed: if q.open {
                                wire::ics::Feed::Open
                            } else {
                                wire::ics::Feed::Closed
                            },
                        },
                    )
                ),
            }
            Ok(EXIT_ALLOWED)
        }
        // Never freed, as for `check`.
        Command::Plan(args) => plan::plan(&ManuallyDrop::new(policy), &args, now),
        Command::Validate(_)
        | Command::Markets(_)
        | Command::Serve(_)
        | Command::Audit(_)
        | Command::Run(_)
        | Command::Wait(_)
        | Command::Diff(_)
        | Command::Traffic(_)
        | Command::Reserve(_)
        | Command::Release(_)
        | Command::Reservations(_) => Err(CliError::Usage(
            "this command was answered before the policy set was loaded".into(),
        )),
    }
}

/// The decision in `format`, with why an override was refused when it was.
fn print_decision(policy: &PolicySet, decision: &Decision, refused: &[String], format: Format) {
    match format {
        Format::Json => {
            let mut wire = wire::Decision::from(decision);
            wire.override_refused = refused.to_vec();
            outln!("{}", to_json(&wire))
        }
        Format::Human => out!(
            "{}",
            human::decision_refused(Some(policy.settings.horizon), decision, refused)
        ),
        Format::Github => github::decision_refused(decision, refused),
    }
    debug_assert!(decision.allowed == (decision.verdict != Verdict::Deny));
}
