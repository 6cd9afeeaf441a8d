//! `shipwindow run`: executes a strategy's plan with its hooks.
//!
//! Exit codes: 0 finished (deployed and monitored), 1 the policy denied the
//! plan (nothing ran), 2 bad input or refused (unknown strategy, the lock is
//! held, an unfinished run is in the journal, `--previous` needed), 3 a step
//! failed and the run was rolled back, 130 stopped by SIGINT/SIGTERM after the
//! current hook (the journal is resumable with `--resume` or `--rollback`).

use super::error::CliError;
use super::human;
use super::output::{out, outln};
use super::state_dir::StateDirArg;
use crate::clock::{Clock, SystemClock};
use crate::runner::{self, Mode, Options, Outcome, RunError, progress::Progress, signals::Stop};
use clap::Args;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

/// Shown after the flags in `shipwindow run --help`.
const AFTER_HELP: &str = "\
Exit codes:
  0    finished: every step and the monitoring passed
  1    the policy denies the plan now; nothing was run
  2    bad input or refused: unknown strategy, another run holds the lock,
       an unfinished run is in the journal, --previous is needed
  3    a hook or a health check failed (or the window closed) and the run
       was rolled back
  130  stopped by SIGINT/SIGTERM after the current hook; the journal is
       resumable: `run --resume` finishes it, `run --rollback` undoes it

Hooks run without a shell, in the current directory, each in a process group
of its own; they must be idempotent: --resume re-runs a step that was started
but not recorded as done. State lives under --state-dir: locks/, runs/ (the journal),
versions/ and bluegreen/.";

#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub(super) struct RunArgs {
    /// The `[[strategy]]` to run
    #[arg(long, value_name = "NAME")]
    strategy: String,
    /// The version to deploy ({version}); with --resume/--rollback it is taken
    /// from the journal (and must match it if given)
    #[arg(
        long,
        value_name = "V",
        required_unless_present_any = ["resume", "rollback"]
    )]
    version: Option<String>,
    /// The version a rollback goes back to ({previous}); default: the version
    /// this runner last deployed to the service and environment
    #[arg(long, value_name = "V")]
    previous: Option<String>,
    #[command(flatten)]
    state: StateDirArg,
    /// Finish the interrupted run in the journal (a started step is re-run:
    /// hooks must be idempotent)
    #[arg(long, conflicts_with = "rollback")]
    resume: bool,
    /// Undo the interrupted run in the journal
    #[arg(long)]
    rollback: bool,
}

pub(super) fn run(dir: PathBuf, args: &RunArgs) -> Result<u8, CliError> {
    let opts = Options {
        policies: dir,
        strategy: args.strategy.clone(),
        version: args.version.clone(),
        previous: args.previous.clone(),
        state_dir: args.state.state_dir.clone(),
        mode: if args.resume {
            Mode::Resume
        } else if args.rollback {
            Mode::Rollback
        } else {
            Mode::Start
        },
    };
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let out = Progress::new(std::io::stdout().is_terminal(), Arc::clone(&clock));
    let stop = Stop::install(&out)
        .map_err(|e| CliError::Usage(format!("cannot install the signal handlers: {e}")))?;
    let result = runner::run(&opts, &out, &stop, &*clock);
    out.finish();
    match result {
        Ok(Outcome::Denied { decision, horizon }) => {
            out!("{}", human::decision(Some(horizon), &decision));
            outln!("nothing was run: the policy does not allow the whole plan now");
            Ok(runner::EXIT_DENIED)
        }
        Ok(outcome) => Ok(outcome.exit_code()),
        Err(RunError::Policy(e)) => Err(CliError::Policy(e)),
        Err(RunError::Eval(e)) => Err(CliError::Eval(e)),
        Err(e) => Err(CliError::Usage(e.to_string())),
    }
}
