//! `shipwindow wait`: the flags checked, the loop run on the system clock with
//! the signal handlers and the stderr display, and its end turned into the
//! final decision on stdout (printed as `check` prints it) and an exit code.

use super::deciders::{Local, Remote};
use super::display::Display;
use super::stop::{EXIT_STOPPED, Stop};
use super::waiting::{Decided, Decider, Ended, wait_for_window};
use crate::cli::args::WaitArgs;
use crate::cli::error::CliError;
use crate::cli::exit::{EXIT_ALLOWED, EXIT_DENIED};
use crate::cli::format::{Format, to_json};
use crate::cli::github;
use crate::cli::human;
use crate::cli::output::{out, outln};
use crate::cli::request::request_text;
use crate::clock::{Clock, SystemClock};
use crate::time::duration::parse_duration;
use crate::wire;
use chrono::{SubsecRound, TimeDelta};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

/// The longest wait: a CI job that waits longer is better rescheduled.
const MAX_TIMEOUT: TimeDelta = TimeDelta::days(30);

/// Runs `wait` with the policies in `dir`; the exit code, or why there is no
/// answer (exit 2).
pub(crate) fn wait(dir: PathBuf, args: &WaitArgs) -> Result<u8, CliError> {
    let timeout = timeout(&args.timeout)?;
    if args.request.at.is_some() {
        return Err(CliError::Usage(
            "--at: `wait` is about a deploy starting now and waits until it may; \
             to ask about a later start use `check --at` or `next --at`"
                .into(),
        ));
    }
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let started = clock.now().trunc_subsecs(0);
    let deadline = started + timeout;
    let display = Display::new(
        std::io::stderr().is_terminal(),
        Arc::clone(&clock),
        deadline,
    );
    let said = display.clone();
    let stop = Stop::install(move |line| {
        said.finish();
        said.say(line);
    })
    .map_err(|e| CliError::Usage(format!("cannot install the signal handlers: {e}")))?;
    let mut local: Option<Local> = None;
    let mut remote;
    let decider: &mut dyn Decider = if args.request.remote.is_some() {
        remote = Remote::new(&args.request);
        &mut remote
    } else {
        let l = local.insert(Local::new(
            dir,
            request_text(&args.request),
            args.request.slots.clone(),
        ));
        if args.reserve {
            l.reserve = Some(crate::cli::reserve::holder(args.by.as_deref())?);
            // The store it will book in, created now if it is new.
            let slots = &args.request.slots;
            crate::store::Store::select(slots.store.url(), &slots.state.state_dir)
                .map_err(|e| CliError::Usage(format!("cannot open the store: {e}")))?;
        }
        l
    };
    let ended = wait_for_window(decider, &*clock, deadline, &|| stop.requested(), &display);
    display.finish();
    let format = args.request.format;
    match ended {
        Ended::Allowed { decided, waited } => {
            if waited {
                display.allowed(&decided.decision, clock.now() - started);
            }
            print(&decided, format);
            if let Some(r) = local.and_then(|l| l.booked) {
                announce(&r, format);
            }
            Ok(EXIT_ALLOWED)
        }
        Ended::NotInTime { decided } => {
            display.not_in_time(&decided);
            print(&decided, format);
            Ok(EXIT_DENIED)
        }
        Ended::NoAnswer { why } => Err(CliError::Usage(format!(
            "{why}; no answer by the timeout, so the deploy is not allowed"
        ))),
        Ended::Invalid(e) => Err(e),
        Ended::Stopped => {
            display.say(&format!(
                "{}: stopped waiting",
                stop.signal().unwrap_or("signal")
            ));
            Ok(EXIT_STOPPED)
        }
    }
}

/// `--timeout`: a duration of at most [`MAX_TIMEOUT`].
fn timeout(text: &str) -> Result<TimeDelta, CliError> {
    let t = parse_duration(text.trim()).map_err(|e| {
        let help = e.help.map(|h| format!(" ({h})")).unwrap_or_default();
        CliError::Usage(format!("--timeout: {}{help}", e.message))
    })?;
    if t > MAX_TIMEOUT {
        return Err(CliError::Usage(format!(
            "--timeout: `{}` is longer than 30d, the longest wait (a deploy that \
             cannot start within 30 days is better scheduled again)",
            text.trim()
        )));
    }
    Ok(t)
}

/// The final decision as `check` prints it.
/// The slot `--reserve` booked: its id on stderr (stdout holds the decision),
/// and as the `reservation` output with `--format github`.
fn announce(r: &crate::store::Reservation, format: Format) {
    eprintln!(
        "reserved {} ({}/{} in lane {} until {})",
        r.id, r.service, r.env, r.lane, r.monitoring_end
    );
    if format == Format::Github {
        github::append("GITHUB_OUTPUT", &format!("reservation={}\n", r.id));
    }
}

fn print(decided: &Decided, format: Format) {
    let d = &decided.decision;
    match format {
        Format::Json => outln!("{}", to_json(&wire::Decision::from(d))),
        Format::Human => out!("{}", human::decision(decided.horizon, d)),
        Format::Github => github::decision(d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timeout_is_a_duration_of_at_most_thirty_days() {
        assert_eq!(timeout("12h").unwrap(), TimeDelta::hours(12));
        assert_eq!(timeout("30d").unwrap(), MAX_TIMEOUT);
        assert_eq!(timeout("0s").unwrap(), TimeDelta::zero());
        let long = timeout("30d1s").unwrap_err().to_string();
        assert!(long.contains("`30d1s` is longer than 30d"), "{long}");
        let bad = timeout("soon").unwrap_err().to_string();
        assert!(
            bad.starts_with("--timeout: missing number before `s` in duration `soon`"),
            "{bad}"
        );
    }
}
