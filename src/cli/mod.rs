//! The command line (SPEC §5): flags in, one resolved request, a decision out as
//! text, JSON or GitHub Actions commands, and an exit code. No policy logic here.

mod github;
mod human;
mod markets;

use crate::eval::{self, Decision, DeployRequest, Verdict};
use crate::input::{OverrideText, RequestText, WindowsText};
use crate::policy::{LoadError, PolicySet};
use chrono::{DateTime, SubsecRound, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

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
    Validate,
    /// List the built-in exchange calendars, or one calendar's days
    Markets(MarketsArgs),
    /// Answer the same questions over HTTP (JSON API for bots and CI runners)
    Serve(ServeArgs),
}

#[derive(Args, Debug)]
struct ServeArgs {
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: std::net::SocketAddr,
    /// Bearer tokens for /v1/*, one a line (also $SHIPWINDOW_TOKENS, comma-separated)
    #[arg(long, value_name = "FILE")]
    tokens_file: Option<PathBuf>,
    /// Allow a non-loopback address although requests are not authenticated
    #[arg(long)]
    insecure_no_auth: bool,
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
    /// Time reserved after the deploy (default: settings.monitoring)
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
    #[arg(long, value_enum, default_value_t = WindowsFormat::Human)]
    format: WindowsFormat,
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
        println!(
            "shipwindow {VERSION} (tz database {})",
            chrono_tz::IANA_TZDB_VERSION
        );
        return ExitCode::SUCCESS;
    }
    let Some(command) = cli.command else {
        eprintln!(
            "error: a command is required (check, next, windows, validate, markets, serve); see `shipwindow --help`"
        );
        return ExitCode::from(EXIT_BAD_INPUT);
    };
    let json_errors = matches!(&command, Command::Check(a) | Command::Next(a) if a.format == Format::Json)
        || matches!(&command, Command::Windows(a) if a.format == WindowsFormat::Json)
        || matches!(&command, Command::Markets(a) if a.format == WindowsFormat::Json);
    match run(cli.policies, command) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            if json_errors {
                println!("{}", serde_json::json!({ "error": err.to_string() }));
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
        Command::Validate => return Ok(validate(&dir)),
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
            print!("{text}");
            return Ok(EXIT_ALLOWED);
        }
        _ => {}
    }
    if let Command::Serve(args) = &command {
        return serve(dir, args);
    }
    let policy = PolicySet::load(&dir).map_err(CliError::Policy)?;
    let now = Utc::now().trunc_subsecs(0);
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
                Format::Json => println!("{}", to_json(&eval::decide(&policy, &req)?)),
                Format::Github => github::next(&req, next.as_ref()),
                Format::Human => match next {
                    Some(t) => {
                        println!("{}", t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false))
                    }
                    None => println!("none"),
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
                WindowsFormat::Json => println!("{}", to_json(&report)),
                WindowsFormat::Human => {
                    print!("{}", human::windows(&args.service, &args.env, &report))
                }
            }
            Ok(EXIT_ALLOWED)
        }
        Command::Validate | Command::Markets(_) | Command::Serve(_) => Ok(validate(&dir)),
    }
}

/// Runs the HTTP server until SIGINT or SIGTERM, then drains in-flight requests.
fn serve(dir: PathBuf, args: &ServeArgs) -> Result<u8, CliError> {
    let file_text = match &args.tokens_file {
        Some(path) => Some(std::fs::read_to_string(path).map_err(|e| {
            CliError::Usage(format!(
                "--tokens-file: cannot read {}: {e}",
                path.display()
            ))
        })?),
        None => None,
    };
    let env = std::env::var("SHIPWINDOW_TOKENS").ok();
    let tokens = crate::server::Tokens::from_sources(file_text.as_deref(), env.as_deref());
    if let (Some(path), true) = (&args.tokens_file, tokens.is_empty()) {
        return Err(CliError::Usage(format!(
            "--tokens-file: {} holds no tokens\n  help: one token a line; blank lines and `#` comments are skipped",
            path.display()
        )));
    }
    if !args.listen.ip().is_loopback() && tokens.is_empty() && !args.insecure_no_auth {
        return Err(CliError::Usage(format!(
            "refusing to listen on {} without authentication\n  help: configure tokens (--tokens-file or $SHIPWINDOW_TOKENS), listen on 127.0.0.1, or pass --insecure-no-auth",
            args.listen
        )));
    }
    let state = crate::server::AppState::from_dir(dir).map_err(CliError::Policy)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Usage(format!("cannot start the server runtime: {e}")))?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| CliError::Usage(format!("cannot listen on {}: {e}", args.listen)))?;
        let addr = listener.local_addr().unwrap_or(args.listen);
        let state = std::sync::Arc::new(state);
        #[cfg(unix)]
        crate::server::reload_on_sighup(std::sync::Arc::clone(&state))
            .map_err(|e| CliError::Usage(format!("cannot listen for SIGHUP: {e}")))?;
        let auth = if tokens.is_empty() {
            "off".to_string()
        } else {
            format!("{tokens:?}")
        };
        eprintln!("shipwindow: authentication {auth}");
        let policy = state.policy();
        eprintln!(
            "shipwindow: serving {} rules (policy {}) on http://{addr}",
            policy.rules.len(),
            policy.fingerprint
        );
        crate::server::serve(listener, state, tokens, shutdown_signal())
            .await
            .map_err(|e| CliError::Usage(format!("server error: {e}")))?;
        eprintln!("shipwindow: stopped");
        Ok(EXIT_ALLOWED)
    })
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

fn validate(dir: &std::path::Path) -> u8 {
    match PolicySet::load(dir) {
        Ok(policy) => {
            use crate::policy::RuleKind;
            let count = |kind| policy.rules.iter().filter(|r| r.kind == kind).count();
            let plural = |n: usize, one: &str, many: &str| {
                format!("{n} {}", if n == 1 { one } else { many })
            };
            let mut kinds = vec![
                plural(count(RuleKind::Window), "window", "windows"),
                plural(count(RuleKind::Freeze), "freeze", "freezes"),
            ];
            if count(RuleKind::Market) > 0 {
                kinds.push(plural(count(RuleKind::Market), "market", "markets"));
            }
            println!(
                "ok: {} rules ({}) in {}, zone {}, policy {}",
                policy.rules.len(),
                kinds.join(", "),
                dir.display(),
                policy.settings.timezone,
                policy.fingerprint
            );
            EXIT_ALLOWED
        }
        Err(err) => {
            println!("{err}");
            let n = err.diagnostics.len();
            eprintln!("{n} problem{} found", if n == 1 { "" } else { "s" });
            EXIT_BAD_INPUT
        }
    }
}

fn request(
    policy: &PolicySet,
    args: &RequestArgs,
    now: DateTime<Utc>,
) -> Result<DeployRequest, CliError> {
    let text = RequestText {
        service: Some(args.service.clone()),
        env: Some(args.env.clone()),
        at: args.at.clone(),
        duration: args.duration.clone(),
        monitoring: args.monitoring.clone(),
        change: Some(args.change.clone()),
        override_: args.override_reason.as_ref().map(|reason| OverrideText {
            reason: Some(reason.clone()),
            approver: args.approver.clone(),
        }),
    };
    text.resolve(policy, now).map_err(|e| {
        let flag = match e.field.as_str() {
            "override.reason" => "--override-reason".to_string(),
            field => format!("--{field}"),
        };
        CliError::Usage(format!("{flag}: {}", e.message))
    })
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

fn print_decision(policy: &PolicySet, decision: &Decision, format: Format) {
    match format {
        Format::Json => println!("{}", to_json(decision)),
        Format::Human => print!("{}", human::decision(policy, decision)),
        Format::Github => github::decision(decision),
    }
    let _ = std::io::stdout().flush();
    debug_assert!(decision.allowed == (decision.verdict != Verdict::Deny));
}
