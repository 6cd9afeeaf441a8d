//! The flags: the command line as clap reads it, one struct per command. The
//! plan, run, serve, audit and validate commands keep their flags next to their
//! code.

use super::format::{Format, WindowsFormat, WindowsOutput};
use super::slots::SlotsStore;
use super::{diff, plan, reserve, run, serve, traffic, validate};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "shipwindow",
    about = "May we ship this now? Deploy-window policy checks.",
    disable_version_flag = true
)]
pub(super) struct Cli {
    /// Policy directory (default: $SHIPWINDOW_POLICIES, else ./policies)
    #[arg(long, global = true, value_name = "DIR")]
    pub(super) policies: Option<PathBuf>,
    /// Print the version and the time zone database it was built with
    #[arg(long, short = 'V')]
    pub(super) version: bool,
    #[command(subcommand)]
    pub(super) command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub(super) enum Command {
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
    /// Wait until the deploy may start, re-deciding at each opening (exit 0
    /// allowed, 1 nothing opens before the timeout, 2 bad input, 130 stopped)
    Wait(WaitArgs),
    /// Show a policy change as the time it blocks and opens, per service and
    /// environment, and the held deploys it would now block (exit 0; 1 with
    /// --fail-on-new-blocks when something became blocked; 2 bad input)
    Diff(diff::DiffArgs),
    /// Learn low-traffic windows from a Prometheus series: the weekly profile,
    /// the windows, and the [[window]] tables that encode them (exit 0 a
    /// window found, 1 none, 2 bad input or Prometheus cannot answer)
    Traffic(traffic::TrafficArgs),
    /// Book a slot in the deploy's lane, at a time or the earliest free one
    /// (exit 0 booked, 1 refused naming the holder or the rules, 2 bad input)
    Reserve(reserve::ReserveArgs),
    /// Release a reservation before it expires
    Release(reserve::ReleaseArgs),
    /// List the reservations not yet released or expired
    Reservations(reserve::ReservationsArgs),
}

#[derive(Args, Debug)]
pub(super) struct MarketsArgs {
    /// A calendar code such as XKRX; without it, list the calendars
    pub(super) code: Option<String>,
    /// First date, YYYY-MM-DD (with CODE)
    #[arg(long, requires = "code")]
    pub(super) from: Option<String>,
    /// Last date, YYYY-MM-DD, inclusive (with CODE)
    #[arg(long, requires = "code")]
    pub(super) to: Option<String>,
    #[arg(long, value_enum, default_value_t = WindowsFormat::Human)]
    pub(super) format: WindowsFormat,
}

#[derive(Args, Debug)]
pub(super) struct RequestArgs {
    #[arg(long)]
    pub(super) service: String,
    #[arg(long)]
    pub(super) env: String,
    /// Start time: RFC 3339, or local YYYY-MM-DDTHH:MM in the policy's zone (default: now)
    #[arg(long)]
    pub(super) at: Option<String>,
    /// Length of the deploy itself, e.g. 45m (default: settings.deploy_duration)
    #[arg(long)]
    pub(super) duration: Option<String>,
    /// Time the deploy by this [[strategy]]'s plan (its service and env must be
    /// --service and --env); its monitoring is the default
    #[arg(long, value_name = "NAME", conflicts_with = "duration")]
    pub(super) strategy: Option<String>,
    /// Time reserved after the deploy (default: the strategy's, else settings.monitoring)
    #[arg(long)]
    pub(super) monitoring: Option<String>,
    /// deploy, hotfix, rollback or config
    #[arg(long, default_value = "deploy")]
    pub(super) change: String,
    /// Push through rules that accept overrides, giving a reason
    #[arg(long)]
    pub(super) override_reason: Option<String>,
    /// Who approves the override (for rules with override = "approver")
    #[arg(long, requires = "override_reason")]
    pub(super) approver: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(super) format: Format,
    /// Ask a shipwindow server (its base URL) instead of reading local policies;
    /// an unreachable server is exit 2, never "allowed" (check and next; wait
    /// asks again until its timeout)
    #[arg(long, value_name = "URL")]
    pub(super) remote: Option<String>,
    /// Bearer token for --remote, from a file (also $SHIPWINDOW_TOKEN)
    #[arg(long, value_name = "FILE", requires = "remote")]
    pub(super) token_file: Option<PathBuf>,
    /// The id of a reservation this deploy holds: its slot does not block it
    #[arg(long, value_name = "ID")]
    pub(super) reservation: Option<String>,
    #[command(flatten)]
    pub(super) slots: SlotsStore,
}

/// `wait`: the request flags of `check` (but no `--at`: a wait is about now) and
/// how long to wait at most.
#[derive(Args, Debug)]
#[command(mut_arg("at", |a| a.hide(true)))]
pub(super) struct WaitArgs {
    #[command(flatten)]
    pub(super) request: RequestArgs,
    /// The longest wait, e.g. 12h or 2d30m (at most 30d); when the deploy
    /// cannot start by then, exit 1
    #[arg(long, value_name = "D", default_value = "12h")]
    pub(super) timeout: String,
    /// When the window opens, book the deploy's slot in its lane (a slot taken
    /// first means: keep waiting); its id is printed (and is the `reservation`
    /// output with --format github)
    #[arg(long, conflicts_with = "remote")]
    pub(super) reserve: bool,
    /// Who holds the slot with --reserve (default: $USER)
    #[arg(long, value_name = "WHO", requires = "reserve")]
    pub(super) by: Option<String>,
}

#[derive(Args, Debug)]
pub(super) struct WindowsArgs {
    #[arg(long)]
    pub(super) service: String,
    #[arg(long)]
    pub(super) env: String,
    /// Start: RFC 3339, local YYYY-MM-DDTHH:MM in the policy's zone, `now`, or
    /// relative to now (`-2h`, `now+1d`) (default: now)
    #[arg(long, allow_hyphen_values = true)]
    pub(super) from: Option<String>,
    /// End: as --from, where `+14d` counts from --from (default: --from + 7d)
    #[arg(long, allow_hyphen_values = true)]
    pub(super) to: Option<String>,
    #[arg(long, default_value = "deploy")]
    pub(super) change: String,
    /// Only the open windows (with --format ics: a feed of the open windows
    /// instead of the closed stretches)
    #[arg(long)]
    pub(super) open: bool,
    /// human, json, ics (an iCalendar file of the closed stretches, for
    /// calendar apps), or svg (a week-by-week grid of the range, hours across)
    #[arg(long, value_enum, default_value_t = WindowsOutput::Human)]
    pub(super) format: WindowsOutput,
    /// The id of a reservation held for this service and env: its slot shows open
    #[arg(long, value_name = "ID")]
    pub(super) reservation: Option<String>,
    #[command(flatten)]
    pub(super) slots: SlotsStore,
}
