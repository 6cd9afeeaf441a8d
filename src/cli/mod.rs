//! The command line (SPEC §5): flags in, one resolved request, a decision out as
//! text, JSON or GitHub Actions commands, and an exit code. No policy logic here.

mod github;
mod human;
mod markets;
mod output;
mod plan;
mod remote;
mod run;
mod serve;
mod state_dir;
mod validate;

use crate::eval::{self, Decision, DeployRequest, Verdict};
use crate::input::{OverrideText, RequestText, WindowsText};
use crate::policy::{LoadError, LoadOptions, PolicySet};
use crate::wire;
use chrono::{DateTime, SubsecRound, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};
use output::{out, outln};
use std::path::PathBuf;
use std::process::ExitCode;
use validate::validate;

/// Exit codes (SPEC §5).
pub const EXIT_ALLOWED: u8 = 0;
pub const EXIT_DENIED: u8 = 1;
pub const EXIT_BAD_INPUT: u8 = 2;

const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"));

#[derive(Parser, Debug)]
#[command(
    name = "shipwindow",
    about = "May we ship this now? Deploy-window policy checks.",
    disable_version_flag = true
)]
struct Cli {
    /// Policy directory (default: $SHIPWINDOW_POLICIES, else ./policies)
    #[arg(long, global = true, value_name = "DIR")]
    policies: Option<PathBuf>,
    /// Print the version and the time zone database it was built with
    #[arg(long, short = 'V')]
    version: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Decide whether a deploy may start (exit 0 allowed, 1 denied, 2 bad input)
    Check(RequestArgs),
    /// Print the earliest start at or after --at at which the deploy would be allowed
    Next(RequestArgs),
    /// Show the open and closed stretches for a service and environment
    Windows(WindowsArgs),
    /// Check the policy files and print every problem
    Validate(validate::ValidateArgs),
    /// List the built-in exchange calendars, or one calendar's days
    Markets(MarketsArgs),
    /// Show a strategy's steps from a start time and decide the whole plan
    /// (exit 0 allowed, 1 denied, 2 bad input)
    Plan(plan::PlanArgs),
    /// Answer the same questions over HTTP (JSON API for bots and CI runners)
    Serve(serve::ServeArgs),
    /// Run a strategy: deploy with its hooks, gated by the policy before every step
    Run(run::RunArgs),
    /// Read the server's audit log (overrides, Slack commands, reloads, runtime freezes)
    Audit(serve::AuditArgs),
}

#[derive(Args, Debug)]
struct MarketsArgs {
    /// A calendar code such as XKRX; without it, list the calendars
    code: Option<String>,
    /// First date, YYYY-MM-DD (with CODE)
    #[arg(long, requires = "code")]
    from: Option<String>,
    /// Last date, YYYY-MM-DD, inclusive (with CODE)
    #[arg(long, requires = "code")]
    to: Option<String>,
    #[arg(long, value_enum, default_value_t = WindowsFormat::Human)]
    format: WindowsFormat,
}

#[derive(Args, Debug)]
struct RequestArgs {
    #[arg(long)]
    service: String,
    #[arg(long)]
    env: String,
    /// Start time: RFC 3339, or local YYYY-MM-DDTHH:MM in the policy's zone (default: now)
    #[arg(long)]
    at: Option<String>,
    /// Length of the deploy itself, e.g. 45m (default: settings.deploy_duration)
    #[arg(long)]
    duration: Option<String>,
    /// Time the deploy by this [[strategy]]'s plan (its service and env must be
    /// --service and --env); its monitoring is the default
    #[arg(long, value_name = "NAME", conflicts_with = "duration")]
    strategy: Option<String>,
    /// Time reserved after the deploy (default: the strategy's, else settings.monitoring)
    #[arg(long)]
    monitoring: Option<String>,
    /// deploy, hotfix, rollback or config
    #[arg(long, default_value = "deploy")]
    change: String,
    /// Push through rules that accept overrides, giving a reason
    #[arg(long)]
    override_reason: Option<String>,
    /// Who approves the override (for rules with override = "approver")
    #[arg(long, requires = "override_reason")]
    approver: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Ask a shipwindow server (its base URL) instead of reading local policies;
    /// an unreachable server is exit 2, never "allowed" (check and next)
    #[arg(long, value_name = "URL")]
    remote: Option<String>,
    /// Bearer token for --remote, from a file (also $SHIPWINDOW_TOKEN)
    #[arg(long, value_name = "FILE", requires = "remote")]
    token_file: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct WindowsArgs {
    #[arg(long)]
    service: String,
    #[arg(long)]
    env: String,
    #[arg(long)]
    from: String,
    #[arg(long)]
    to: String,
    #[arg(long, default_value = "deploy")]
    change: String,
    /// human, json, or ics (an iCalendar file of the closed stretches, for
    /// calendar apps)
    #[arg(long, value_enum, default_value_t = WindowsOutput::Human)]
    format: WindowsOutput,
}

/// `windows --format`: the other commands' formats, plus iCalendar.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum WindowsOutput {
    Human,
    Json,
    Ics,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Human,
    Json,
    Github,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum WindowsFormat {
    Human,
    Json,
}

/// Why a command could not produce an answer: always exit 2.
#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error("the policy set failed to load:\n{0}")]
    Policy(LoadError),
    #[error("{0}")]
    Eval(#[from] crate::eval::EvalError),
}

/// Runs the command line and maps the outcome to an exit code.
/// `code`, unless the output could not be written: then exit 2 saying so.
fn finish(code: u8) -> ExitCode {
    match output::failure() {
        None => ExitCode::from(code),
        Some(why) => {
            eprintln!("error: cannot write the output: {why}");
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                EXIT_BAD_INPUT
            } else {
                EXIT_ALLOWED
            });
        }
    };
    if cli.version {
        outln!(
            "shipwindow {VERSION} (tz database {})",
            chrono_tz::IANA_TZDB_VERSION
        );
        return finish(EXIT_ALLOWED);
    }
    let Some(command) = cli.command else {
        eprintln!(
            "error: a command is required (check, next, windows, validate, markets, plan, run, serve, audit); see `shipwindow --help`"
        );
        return ExitCode::from(EXIT_BAD_INPUT);
    };
    let json_errors = matches!(&command, Command::Check(a) | Command::Next(a) if a.format == Format::Json)
        || matches!(&command, Command::Windows(a) if a.format == WindowsOutput::Json)
        || matches!(&command, Command::Markets(a) if a.format == WindowsFormat::Json)
        || matches!(&command, Command::Plan(a) if a.format == WindowsFormat::Json)
        || matches!(&command, Command::Audit(a) if a.format == WindowsFormat::Json);
    match run(cli.policies, command) {
        Ok(code) => finish(code),
        Err(err) => {
            if json_errors {
                let body = wire::ErrorBody::new(err.to_string());
                outln!("{}", serde_json::to_string(&body).unwrap_or_default());
            }
            eprintln!("error: {err}");
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

fn policy_dir(flag: Option<PathBuf>) -> PathBuf {
    flag.or_else(|| {
        std::env::var_os("SHIPWINDOW_POLICIES")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    })
    .unwrap_or_else(|| PathBuf::from("policies"))
}

fn run(policies: Option<PathBuf>, command: Command) -> Result<u8, CliError> {
    let dir = policy_dir(policies);
    match &command {
        Command::Validate(args) => return Ok(validate(&dir, args.format)),
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
            let req = request(&policy, &args, now)?;
            let decision = eval::decide(&policy, &req)?;
            print_decision(&policy, &decision, args.format);
            Ok(if decision.allowed {
                EXIT_ALLOWED
            } else {
                EXIT_DENIED
            })
        }
        Command::Next(args) => {
            let mut req = request(&policy, &args, now)?;
            req.override_ = None;
            let next = eval::next_allowed(&policy, &req)?;
            let code = if next.is_some() {
                EXIT_ALLOWED
            } else {
                EXIT_DENIED
            };
            match args.format {
                Format::Json => {
                    let decision = eval::decide(&policy, &req)?;
                    outln!("{}", to_json(&wire::Decision::from(&decision)))
                }
                Format::Github => github::next(&req, next.as_ref()),
                Format::Human => match next {
                    Some(t) => {
                        outln!("{}", t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false))
                    }
                    None => outln!("none"),
                },
            }
            Ok(code)
        }
        Command::Windows(args) => {
            let text = WindowsText {
                service: Some(args.service.clone()),
                env: Some(args.env.clone()),
                from: Some(args.from.clone()),
                to: Some(args.to.clone()),
                change: Some(args.change.clone()),
            };
            let q = text
                .resolve(&policy)
                .map_err(|e| CliError::Usage(format!("--{}: {}", e.field, e.message)))?;
            let report = eval::windows(&policy, &q.service, &q.env, q.change, q.from, q.to)?;
            match args.format {
                WindowsOutput::Json => outln!("{}", to_json(&wire::WindowsReport::from(&report))),
                WindowsOutput::Human => {
                    out!("{}", human::windows(&args.service, &args.env, &report));
                    out!("{}", human::stale(&policy));
                }
                WindowsOutput::Ics => out!(
                    "{}",
                    wire::ics::export(
                        &report,
                        &wire::ics::ExportOptions {
                            service: &q.service,
                            env: &q.env,
                            stamp: now,
                            refresh: None,
                        },
                    )
                ),
            }
            Ok(EXIT_ALLOWED)
        }
        Command::Plan(args) => plan::plan(&policy, &args, now),
        Command::Validate(_)
        | Command::Markets(_)
        | Command::Serve(_)
        | Command::Audit(_)
        | Command::Run(_) => Ok(validate(&dir, WindowsFormat::Human)),
    }
}

fn request_text(args: &RequestArgs) -> RequestText {
    RequestText {
        service: Some(args.service.clone()),
        env: Some(args.env.clone()),
        at: args.at.clone(),
        duration: args.duration.clone(),
        strategy: args.strategy.clone(),
        monitoring: args.monitoring.clone(),
        change: Some(args.change.clone()),
        override_: args.override_reason.as_ref().map(|reason| OverrideText {
            reason: Some(reason.clone()),
            approver: args.approver.clone(),
        }),
    }
}

/// `--flag: message` for a request field's problem.
fn flag_error(e: crate::input::InputError) -> CliError {
    let flag = match e.field.as_str() {
        "override.reason" => "--override-reason".to_string(),
        field => format!("--{field}"),
    };
    CliError::Usage(format!("{flag}: {}", e.message))
}

fn request(
    policy: &PolicySet,
    args: &RequestArgs,
    now: DateTime<Utc>,
) -> Result<DeployRequest, CliError> {
    request_text(args).resolve(policy, now).map_err(flag_error)
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

fn print_decision(policy: &PolicySet, decision: &Decision, format: Format) {
    match format {
        Format::Json => outln!("{}", to_json(&wire::Decision::from(decision))),
        Format::Human => out!(
            "{}",
            human::decision(Some(policy.settings.horizon), decision)
        ),
        Format::Github => github::decision(decision),
    }
    debug_assert!(decision.allowed == (decision.verdict != Verdict::Deny));
}
