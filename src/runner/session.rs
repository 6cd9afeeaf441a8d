//! Setting a run up: the policy, the strategy, the lock and the journal; then
//! either a new run (checked against the policy as a whole plan, its `started`
//! line written) or the unfinished run in the journal picked up again, to go
//! on (`--resume`) or to undo (`--rollback`). Hands a [`Runner`] to the
//! forward machine or to the rollback.

use super::gate::{Compose, Gate};
use super::journal::{self, Journal, Record, Replay, RunInfo, StepRecord};
use super::lock::{LockError, RunLock};
use super::machine::Runner;
use super::options::{Mode, Options};
use super::outcome::{Outcome, RunError};
use super::progress::{self, Progress};
use super::signals::Stop;
use super::state::StateDir;
use crate::clock::Clock;
use crate::plan::{self, Color, Plan};
use crate::policy::{LoadOptions, PolicySet, Strategy, StrategyKind};
use chrono::{DateTime, SubsecRound, Utc};
use std::collections::BTreeSet;

/// Runs (or resumes, or rolls back) a strategy, start to end as the runner's
/// module docs tell it. Every "now" and every wait is `clock`'s.
pub fn run(
    opts: &Options,
    out: &Progress,
    stop: &Stop,
    clock: &dyn Clock,
) -> Result<Outcome, RunError> {
    run_with(opts, None, out, stop, clock)
}

/// [`run`], with `compose` applied to every policy loaded (the first one too:
/// when it fails there, nothing runs).
pub fn run_with(
    opts: &Options,
    compose: Option<Compose>,
    out: &Progress,
    stop: &Stop,
    clock: &dyn Clock,
) -> Result<Outcome, RunError> {
    opts.check_versions().map_err(RunError::Refused)?;
    let policy = PolicySet::load_with(&opts.policies, &load_options(opts, clock.now()))
        .map_err(RunError::Policy)?;
    let policy = match &compose {
        Some(c) => c(policy, clock.now()).map_err(RunError::Refused)?,
        None => policy,
    };
    let strategy = plan::find(&policy, &opts.strategy)
        .map_err(|e| RunError::Refused(format!("--strategy: {e}")))?
        .clone();
    let state = StateDir::new(&opts.state_dir);
    let state_err = |source| RunError::State {
        path: opts.state_dir.clone(),
        source,
    };
    state.prepare().map_err(state_err)?;
    let now = clock.now().trunc_subsecs(0);
    let (service, env) = (strategy.service.clone(), strategy.env.clone());

    let lock_path = state.lock(&service, &env);
    let details = |version: &str| {
        format!(
            "pid: {}\nhost: {}\nstrategy: {}\nversion: {version}\nmode: {}\nstarted: {}\n",
            std::process::id(),
            host(),
            strategy.name,
            flag(opts.mode),
            progress::stamp(now),
        )
    };
    let version = opts.version.as_deref().unwrap_or("(from the journal)");
    let mut lock = match RunLock::acquire(&lock_path, &details(version)) {
        Ok(lock) => lock,
        Err(LockError::Held { path, holder }) => {
            return Err(RunError::Refused(format!(
                "another run of {service} to {env} is in progress; it holds {}:\n{holder}\n\
                 (the lock is released when that process ends)",
                path.display()
            )));
        }
        Err(e) => return Err(e.into()),
    };

    let journal_path = state.journal(&service, &env);
    adopt_legacy_journal(&state, &service, &env, &journal_path).map_err(state_err)?;
    let mut existing = journal::replay(&journal_path)?;
    if let Some(r) = &existing {
        if r.ended.is_some() {
            // The run ended but was not archived (a crash in between): archive it now.
            journal::archive(&journal_path, &r.info().run)?;
            existing = None;
        }
    } else if journal_path.exists() {
        // No complete `started` line: that run never touched anything.
        std::fs::remove_file(&journal_path).map_err(state_err)?;
    }
    if let (None, Some(r)) = (&opts.version, &existing) {
        // Best effort: the details are for people.
        let _ = lock.rewrite(&details(&r.info().version));
    }

    let ctx = Context {
        opts,
        compose,
        state: &state,
        out,
        stop,
        clock,
    };
    let outcome = match (opts.mode, existing) {
        (Mode::Start, Some(r)) => Err(RunError::Refused(format!(
            "an interrupted run of {} (version {}) is in the journal; use --resume to finish it or --rollback to undo it\n  \
             run {}, started {}, last event: {}\n  journal: {}",
            r.info().strategy,
            r.info().version,
            r.info().run,
            progress::stamp(r.since()),
            r.last_event(),
            journal_path.display()
        ))),
        (Mode::Start, None) => start(&ctx, policy, strategy),
        (mode, None) => Err(RunError::Refused(format!(
            "there is no interrupted run of {service} to {env} in the journal ({}): nothing to {}",
            journal_path.display(),
            if mode == Mode::Resume {
                "resume"
            } else {
                "roll back"
            }
        ))),
        (mode, Some(r)) => reopen(&ctx, mode, policy, strategy, r),
    };
    lock.release();
    outcome
}

/// What setting up a run hands on to the [`Runner`].
struct Context<'a> {
    opts: &'a Options,
    compose: Option<Compose>,
    state: &'a StateDir,
    out: &'a Progress,
    stop: &'a Stop,
    clock: &'a dyn Clock,
}

impl<'a> Context<'a> {
    /// A runner with nothing done yet over `steps`, its journal open.
    fn runner(
        &self,
        policy: PolicySet,
        strategy: Strategy,
        info: RunInfo,
        steps: Vec<StepRecord>,
        plan: Option<Plan>,
        live: Color,
    ) -> Result<Runner<'a>, RunError> {
        let journal = Journal::open(&self.state.journal(&info.service, &info.env))?;
        Ok(Runner {
            gate: Gate::new(
                self.opts.policies.clone(),
                self.opts.state_dir.clone(),
                policy,
            )
            .composing(self.compose.clone()),
            strategy,
            state: self.state.clone(),
            journal: Some(journal),
            info,
            steps,
            plan,
            live,
            started: BTreeSet::new(),
            done: BTreeSet::new(),
            undone: BTreeSet::new(),
            rollback_started: false,
            out: self.out,
            stop: self.stop,
            clock: self.clock,
        })
    }
}

/// Feed copies go to the run's own state directory, and each load reads the clock.
fn load_options(opts: &Options, now: DateTime<Utc>) -> LoadOptions {
    LoadOptions::new(opts.state_dir.clone(), now.trunc_subsecs(0))
}

fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".into())
}

fn flag(mode: Mode) -> &'static str {
    match mode {
        Mode::Start => "run",
        Mode::Resume => "run --resume",
        Mode::Rollback => "run --rollback",
    }
}

/// The journal's form of the plan's steps.
fn records(plan: &Plan) -> Vec<StepRecord> {
    plan.steps
        .iter()
        .map(|s| StepRecord {
            index: s.index,
            action: s.action,
            targets: s.targets.clone(),
            weight: s.weight,
            color: s.color,
        })
        .collect()
}

fn uses_previous(strategy: &Strategy) -> Option<&'static str> {
    let h = &strategy.hooks;
    [
        ("rollback", &h.rollback),
        ("deploy", &h.deploy),
        ("switch", &h.switch),
        ("set_weight", &h.set_weight),
        ("health", &h.health),
    ]
    .into_iter()
    .find(|(_, hook)| {
        hook.as_ref()
            .is_some_and(|k| k.argv.iter().any(|a| a.contains("{previous}")))
    })
    .map(|(name, _)| name)
}

/// Moves an unfinished journal that an older version wrote under this service's
/// old file name to the new one, when its lines say it is this service's and
/// env's: another service may share the old name, and its journal stays put.
fn adopt_legacy_journal(
    state: &StateDir,
    service: &str,
    env: &str,
    journal_path: &std::path::Path,
) -> std::io::Result<()> {
    if journal_path.exists() {
        return Ok(());
    }
    let Some(old) = state.legacy_journal(service, env) else {
        return Ok(());
    };
    match journal::replay(&old) {
        Ok(Some(r)) if r.ended.is_none() && r.info().service == service && r.info().env == env => {
            std::fs::rename(&old, journal_path)
        }
        // Someone else's, finished, unreadable or absent: not this run's business.
        _ => Ok(()),
    }
}

/// A new run: the plan at now, allowed as a whole, then forward.
fn start(ctx: &Context<'_>, policy: PolicySet, strategy: Strategy) -> Result<Outcome, RunError> {
    let (service, env) = (strategy.service.clone(), strategy.env.clone());
    let state_err = |source| RunError::State {
        path: ctx.state.root().to_path_buf(),
        source,
    };
    let Some(version) = ctx.opts.version.clone() else {
        return Err(RunError::Refused(
            "--version is required to start a run".into(),
        ));
    };
    let previous = match &ctx.opts.previous {
        Some(p) => Some(p.clone()),
        None => ctx.state.last_version(&service, &env).map_err(state_err)?,
    };
    if previous.is_none()
        && let Some(hook) = uses_previous(&strategy)
    {
        return Err(RunError::Refused(format!(
            "the `{hook}` hook uses {{previous}}, but no version of {service} to {env} is recorded as deployed ({}); \
             --previous is needed: pass --previous V (the version to go back to on a rollback)",
            ctx.state.versions(&service, &env).display()
        )));
    }
    let blue_green = matches!(strategy.kind, StrategyKind::BlueGreen { .. });
    let live = if blue_green {
        ctx.state
            .live_color(&service, &env)
            .map_err(RunError::Refused)?
            .unwrap_or(Color::Blue)
    } else {
        Color::Blue
    };
    let now = ctx.clock.now().trunc_subsecs(0);
    let plan = plan::plan(&policy, &strategy, now, live)?;
    if !plan.decision.allowed {
        return Ok(Outcome::Denied {
            horizon: policy.settings.horizon,
            decision: Box::new(plan.decision),
        });
    }
    let info = RunInfo {
        run: format!("{}-{}", now.format("%Y%m%dT%H%M%SZ"), std::process::id()),
        strategy: strategy.name.clone(),
        service,
        env,
        version,
        previous,
    };
    let steps = records(&plan);
    let header = Record::Started {
        kind: strategy.kind.as_str().to_string(),
        live: blue_green.then_some(live),
        steps: steps.clone(),
        policy: policy.fingerprint.clone(),
        pid: std::process::id(),
        host: host(),
    };
    let until = plan.monitoring_end.to_rfc3339();
    let mut runner = ctx.runner(policy, strategy, info, steps, Some(plan), live)?;
    runner.append(header)?;
    let (s, info) = (&runner.strategy, &runner.info);
    ctx.out.say(&format!(
        "run {}: {} ({}) of {} {} to {}, previous {}; the policy allows the whole plan, monitoring included (until {until})",
        info.run,
        s.name,
        s.kind.as_str(),
        info.service,
        info.version,
        info.env,
        info.previous.as_deref().unwrap_or("unknown"),
    ));
    runner.forward()
}

/// The unfinished run in the journal, picked up again: its rollback continued,
/// or undone (`--rollback`), or resumed from the first step not done.
fn reopen(
    ctx: &Context<'_>,
    mode: Mode,
    policy: PolicySet,
    strategy: Strategy,
    replay: Replay,
) -> Result<Outcome, RunError> {
    let mut info = replay.info().clone();
    if info.strategy != strategy.name {
        return Err(RunError::Refused(format!(
            "the interrupted run of {} to {} in the journal is of strategy `{}`, not `{}`; pass --strategy {}",
            info.service, info.env, info.strategy, strategy.name, info.strategy
        )));
    }
    if let Some(v) = &ctx.opts.version
        && *v != info.version
    {
        return Err(RunError::Refused(format!(
            "the interrupted run in the journal deploys version {}, not {v}; leave out --version or pass --version {}",
            info.version, info.version
        )));
    }
    match (&info.previous, &ctx.opts.previous) {
        (Some(a), Some(b)) if a != b => {
            return Err(RunError::Refused(format!(
                "the interrupted run in the journal goes back to version {a} on a rollback, not {b}; leave out --previous"
            )));
        }
        (None, Some(b)) => info.previous = Some(b.clone()),
        _ => {}
    }
    if let (None, Some(hook)) = (&info.previous, uses_previous(&strategy)) {
        return Err(RunError::Refused(format!(
            "the `{hook}` hook uses {{previous}}, and the interrupted run recorded none; --previous is needed"
        )));
    }
    let live = replay.started_as.live.unwrap_or(Color::Blue);
    let steps = replay.steps().to_vec();
    // Going forward needs the plan (the remaining length before each step);
    // a rollback needs only the journal's steps, so the policy cannot block it.
    let going_forward = mode == Mode::Resume && replay.rollback.is_none();
    let plan = if going_forward {
        let now = ctx.clock.now().trunc_subsecs(0);
        let plan = plan::plan(&policy, &strategy, now, live)?;
        if records(&plan) != steps {
            return Err(RunError::Refused(format!(
                "strategy `{}` has changed since the interrupted run started (its steps differ from the journal's); \
                 undo the run with --rollback (it uses the journal's steps), or restore the strategy",
                strategy.name
            )));
        }
        Some(plan)
    } else {
        None
    };
    let mut runner = ctx.runner(policy, strategy, info, steps, plan, live)?;
    runner.started = replay.started.clone();
    runner.done = replay.done.clone();
    runner.undone = replay.undone.clone();
    runner.rollback_started = replay.rollback.is_some();
    if let Some(why) = &replay.rollback {
        ctx.out.say(&format!(
            "run {}: the journal has an unfinished rollback ({why}); continuing it",
            runner.info.run
        ));
        runner.append(Record::Resumed {
            step: None,
            reason: format!("{}: continuing the rollback", flag(mode)),
            pid: Some(std::process::id()),
        })?;
        return runner.rollback(why.clone());
    }
    let (verb, from) = match mode {
        Mode::Rollback => ("rolling back", String::new()),
        _ => {
            let next = runner
                .steps
                .iter()
                .find(|s| !runner.done.contains(&s.index))
                .map(|s| format!("step {}", s.index))
                .unwrap_or_else(|| "the monitoring".into());
            ("resuming", next)
        }
    };
    ctx.out.say(&format!(
        "run {}: {verb} {} {} of {} to {}{} (started {}, last event: {})",
        runner.info.run,
        runner.info.strategy,
        runner.info.version,
        runner.info.service,
        runner.info.env,
        if from.is_empty() {
            String::new()
        } else {
            format!(" from {from}")
        },
        progress::stamp(replay.since()),
        replay.last_event()
    ));
    if mode == Mode::Rollback {
        return runner.rollback("run --rollback".into());
    }
    runner.append(Record::Resumed {
        step: None,
        reason: format!("run --resume: continuing from {from}"),
        pid: Some(std::process::id()),
    })?;
    runner.forward()
}
