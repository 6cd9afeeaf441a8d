//! The command line: flags in, one resolved request, a decision out as
//! text, JSON or GitHub Actions commands, and an exit code. No policy logic here.
//!
//! `args` holds the flags, `dispatch` runs a command: `request` turns flags
//! into a request, `human`, `github` and `format` print the answer, `remote`
//! asks a server instead, and `next`, `plan`, `run`, `serve`, `validate`,
//! `markets`, `traffic`, `wait` and `reserve` (with `release` and `reservations`)
//! are one command each; `slots` reads the reservations a local decision sees.
//! `exit` and `error` say how a command ends.

mod args;
mod diff;
mod dispatch;
mod error;
mod exit;
mod format;
mod github;
mod github_app;
mod human;
mod markets;
mod next;
mod output;
mod plan;
mod remote;
mod request;
mod reserve;
mod run;
mod serve;
mod slots;
mod state_dir;
mod store_arg;
mod token;
mod traffic;
mod validate;
mod wait;

pub use exit::{EXIT_ALLOWED, EXIT_BAD_INPUT, EXIT_DENIED};
pub use serve::log_subscriber;

use crate::wire;
use args::{Cli, Command};
use clap::Parser;
use exit::finish;
use format::{Format, WindowsFormat, WindowsOutput};
use output::outln;
use std::process::ExitCode;

/// Whether the raw arguments ask for `--format github`, for a usage error
/// clap found before there were flags to read it from.
fn github_asked(args: impl Iterator<Item = String>) -> bool {
    let mut previous_was_format = false;
    for arg in args {
        if arg == "--format=github" || (previous_was_format && arg == "github") {
            return true;
        }
        previous_was_format = arg == "--format";
    }
    false
}

/// Runs the command line and maps the outcome to an exit code.
pub fn main() -> ExitCode {
    const VERSION: &str = env!("CARGO_PKG_VERSION");
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            if e.use_stderr() && github_asked(std::env::args()) {
                let text = e.to_string();
                let first = text.lines().next().unwrap_or_default();
                github::bad_input(first.trim_start_matches("error: "));
            }
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
        return finish(EXIT_ALLOWED, false);
    }
    let Some(command) = cli.command else {
        eprintln!(
            "error: a command is required (check, next, wait, windows, validate, markets, plan, run, serve, audit, reserve, release, reservations, diff, traffic); see `shipwindow --help`"
        );
        return ExitCode::from(EXIT_BAD_INPUT);
    };
    let json_errors = matches!(&command, Command::Check(a) | Command::Next(a) if a.format == Format::Json)
        || matches!(&command, Command::Wait(a) if a.request.format == Format::Json)
        || matches!(&command, Command::Windows(a) if a.format == WindowsOutput::Json)
        || matches!(&command, Command::Markets(a) if a.format == WindowsFormat::Json)
        || matches!(&command, Command::Plan(a) if a.format == WindowsFormat::Json)
        || matches!(&command, Command::Audit(a) if a.format == WindowsFormat::Json)
        || matches!(&command, Command::Diff(a) if a.format == diff::DiffFormat::Json)
        || matches!(&command, Command::Traffic(a) if a.format == traffic::TrafficFormat::Json)
        || matches!(&command, Command::Reserve(a) if a.json())
        || matches!(&command, Command::Release(a) if a.json())
        || matches!(&command, Command::Reservations(a) if a.json());
    let github_errors = matches!(&command, Command::Check(a) | Command::Next(a) if a.format == Format::Github)
        || matches!(&command, Command::Wait(a) if a.request.format == Format::Github)
        || matches!(&command, Command::Validate(a) if a.format == Format::Github)
        || matches!(&command, Command::Diff(a) if a.format == diff::DiffFormat::Github);
    match dispatch::run(cli.policies, command) {
        Ok(code) => finish(code, github_errors),
        Err(err) => {
            if github_errors {
                github::bad_input(&err.to_string());
            }
            if json_errors {
                let body = wire::ErrorBody::new(err.to_string());
                outln!("{}", serde_json::to_string(&body).unwrap_or_default());
            }
            eprintln!("error: {err}");
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}
