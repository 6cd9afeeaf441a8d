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
use super::reserve;
use super::slots::{SlotsStore, with_reservations};
use super::state_dir::StateDirArg;
use super::store_arg::StoreArg;
use crate::clock::{Clock, SystemClock};
use crate::input::RequestText;
use crate::plan;
use crate::policy::{LoadOptions, PolicySet};
use crate::runner::{self, Mode, Options, Outcome, RunError, progress::Progress, signals::Stop};
use crate::store::{BookError, SlotRequest, Store, book};
use chrono::{SubsecRound, Utc};
use clap::Args;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
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
    #[command(flatten)]
    store: StoreArg,
    /// Book the plan's slot in its lane (start, deploy end, monitoring end)
    /// before the first step, or fail naming the holder (exit 1); released
    /// when the run ends early
    #[arg(long, conflicts_with_all = ["resume", "rollback"])]
    reserve: bool,
    /// Who holds the slot with --reserve (default: $USER)
    #[arg(long, value_name = "WHO", requires = "reserve")]
    by: Option<String>,
    /// Finish the interrupted run in the journal (a started step is re-run:
    /// hooks must be idempotent)
    #[arg(long, conflicts_with = "rollback")]
    resume: bool,
    /// Undo the interrupted run in the journal
    #[arg(long)]
    rollback: bool,
}

pub(super) fn run(dir: PathBuf, args: &RunArgs) -> Result<u8, CliError> {
    let slots = SlotsStore {
        state: args.state.clone(),
        store: args.store.clone(),
    };
    let held = match args.reserve {
        true => match reserve_plan(&dir, args, &slots)? {
            Ok(held) => Some(held),
            Err(refused) => {
                outln!("not reserved: {refused}");
                return Ok(runner::EXIT_DENIED);
            }
        },
        false => None,
    };
    let result = run_reserved(
        dir,
        args,
        &slots,
        held.as_ref().map(|(_, id, _)| id.clone()),
    );
    if let Some((store, id, by)) = held
        && !matches!(result, Ok(code) if code == runner::EXIT_FINISHED)
    {
        // The run ended early: the slot goes back to the lane.
        match store.release(&id, &by, Utc::now()) {
            Ok(_) => outln!("released reservation {id}: the run ended early"),
            Err(e) => eprintln!("warning: cannot release reservation {id}: {e}"),
        }
    }
    result
}

/// Books the slot of `--strategy`'s plan starting now: the store and the id,
/// or why the slot is refused (exit 1).
fn reserve_plan(
    dir: &Path,
    args: &RunArgs,
    slots: &SlotsStore,
) -> Result<Result<(Store, String, String), String>, CliError> {
    let by = reserve::holder(args.by.as_deref())?;
    let now = Utc::now().trunc_subsecs(0);
    let options = LoadOptions::new(args.state.state_dir.clone(), now);
    let policy = PolicySet::load_with(dir, &options).map_err(CliError::Policy)?;
    let strategy = plan::find(&policy, &args.strategy)
        .map_err(|e| CliError::Usage(format!("--strategy: {e}")))?;
    let text = RequestText {
        service: Some(strategy.service.clone()),
        env: Some(strategy.env.clone()),
        strategy: Some(strategy.name.clone()),
        ..RequestText::default()
    };
    let store = Store::select(slots.store.url(), &slots.state.state_dir)
        .map_err(|e| CliError::Usage(format!("cannot open the store: {e}")))?;
    let tz = policy.settings.timezone;
    let slot = SlotRequest {
        text,
        next: false,
        by: by.clone(),
    };
    match book(&store, &policy, &slot, now) {
        Ok((r, _)) => {
            outln!("reserved {}", reserve::line(&r.view(tz)));
            Ok(Ok((store, r.id, by)))
        }
        Err(BookError::Taken(holder)) => Ok(Err(format!("slot taken: {}", holder.holds_words(tz)))),
        Err(e @ (BookError::Denied(_) | BookError::NothingFree { .. })) => Ok(Err(e.to_string())),
        Err(e) => Err(CliError::Usage(e.to_string())),
    }
}

/// Runs the strategy, every policy it loads with the store's reservations (its
/// own slot, `held`, taken out).
fn run_reserved(
    dir: PathBuf,
    args: &RunArgs,
    slots: &SlotsStore,
    held: Option<String>,
) -> Result<u8, CliError> {
    let slots = slots.clone();
    let compose: runner::gate::Compose = Arc::new(move |policy, now| {
        let policy = with_reservations(policy, &slots, now).map_err(|e| e.to_string())?;
        Ok(match &held {
            Some(id) => policy.presenting(id),
            None => policy,
        })
    });
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
    let result = runner::run_with(&opts, Some(compose), &out, &stop, &*clock);
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
