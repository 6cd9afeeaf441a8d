//! The strategy runner (SPEC §6, `shipwindow run`): executes a strategy's plan
//! with its hooks, asking the policy before every step, and undoes what it did
//! when a hook or a health check fails.
//!
//! One run, start to end:
//!
//! 1. Load the policy and the strategy; take the service+env lock ([`lock`]).
//! 2. Look at the journal ([`journal`]): an unfinished run there must be
//!    resumed (`--resume`) or rolled back (`--rollback`) first.
//! 3. Plan at now; a plan the policy denies ends the run here (exit 1), before
//!    anything is touched.
//! 4. For each step: the gate ([`gate`]: the rest of the plan plus monitoring,
//!    decided at now, pausing or rolling back when denied), `step-started`,
//!    the step's hooks ([`actions`], [`hooks`]), the health watch ([`health`]),
//!    `step-done`.
//! 5. `monitoring-started`, the monitoring watch; then record the version (and
//!    the live colour for blue-green) and `finished`.
//!
//! Any failure after the first `step-started` rolls back what the journal
//! says was started, in reverse, never gated by the policy (freezes stop
//! forward progress only), and ends with exit 3. SIGINT/SIGTERM stop after the
//! current hook with `interrupted` (exit 130); the journal then resumes.
//!
//! Hooks must be idempotent: `--resume` re-runs a step that was started but
//! not recorded as done, from its first hook.

pub mod actions;
pub mod gate;
pub mod health;
pub mod hooks;
pub mod journal;
pub mod lock;
pub mod progress;
pub mod signals;
pub mod state;

use crate::eval::{Decision, EvalError};
use crate::plan::{self, Color, Plan, StepAction};
use crate::policy::{HookValues, LoadError, LoadOptions, PolicySet, Strategy, StrategyKind};
use crate::time::duration::format_duration;
use actions::Call;
use chrono::{SubsecRound, TimeDelta, Utc};
use gate::{Gate, Pass};
use health::{HealthCheck, Watch};
use hooks::{HookOutcome, run_hook, timeout_of};
use journal::{Entry, Event, Journal, JournalError, Replay, RunInfo, StepRecord, UndoRecord};
use lock::{LockError, RunLock};
use progress::Progress;
use signals::Stop;
use state::StateDir;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

/// Exit codes of `run` (SPEC §5, plus 130 for an interrupted run).
pub const EXIT_FINISHED: u8 = 0;
pub const EXIT_DENIED: u8 = 1;
pub const EXIT_BAD_INPUT: u8 = 2;
pub const EXIT_ROLLED_BACK: u8 = 3;
pub const EXIT_INTERRUPTED: u8 = 130;

/// Which way to go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A new run (refused while the journal holds an unfinished one).
    Start,
    /// Finish the unfinished run in the journal.
    Resume,
    /// Undo the unfinished run in the journal.
    Rollback,
}

/// What `shipwindow run` was asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    pub policies: PathBuf,
    pub strategy: String,
    /// Required to start; with `--resume`/`--rollback` it must match the journal.
    pub version: Option<String>,
    pub previous: Option<String>,
    pub state_dir: PathBuf,
    pub mode: Mode,
}

/// How a run ended.
#[derive(Debug)]
pub enum Outcome {
    /// Every step and the monitoring passed.
    Finished,
    /// The policy denied the plan before anything ran.
    Denied {
        decision: Box<Decision>,
        horizon: TimeDelta,
    },
    /// Something failed (or the policy closed) and the run was rolled back;
    /// `failures` rollback hooks failed themselves.
    RolledBack { failures: usize },
    /// Stopped by SIGINT/SIGTERM; the journal is resumable.
    Interrupted,
}

impl Outcome {
    pub fn exit_code(&self) -> u8 {
        match self {
            Outcome::Finished => EXIT_FINISHED,
            Outcome::Denied { .. } => EXIT_DENIED,
            Outcome::RolledBack { .. } => EXIT_ROLLED_BACK,
            Outcome::Interrupted => EXIT_INTERRUPTED,
        }
    }
}

/// Why a run could not start or go on: exit 2.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{0}")]
    Refused(String),
    #[error("the policy set failed to load:\n{0}")]
    Policy(LoadError),
    #[error("{0}")]
    Eval(#[from] EvalError),
    #[error("{0}")]
    Journal(#[from] JournalError),
    #[error("{0}")]
    Lock(#[from] LockError),
    #[error("state directory {path}: {source}")]
    State {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Runs (or resumes, or rolls back) a strategy; see the module docs.
pub fn run(opts: &Options, out: &Progress, stop: &Stop) -> Result<Outcome, RunError> {
    let policy =
        PolicySet::load_with(&opts.policies, &load_options(opts)).map_err(RunError::Policy)?;
    let strategy = plan::find(&policy, &opts.strategy)
        .map_err(|e| RunError::Refused(format!("--strategy: {e}")))?
        .clone();
    let state = StateDir::new(&opts.state_dir);
    let state_err = |source| RunError::State {
        path: opts.state_dir.clone(),
        source,
    };
    state.prepare().map_err(state_err)?;
    let now = Utc::now().trunc_subsecs(0);
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
        (Mode::Start, None) => start(opts, policy, strategy, &state, out, stop),
        (mode, None) => Err(RunError::Refused(format!(
            "there is no interrupted run of {service} to {env} in the journal ({}): nothing to {}",
            journal_path.display(),
            if mode == Mode::Resume {
                "resume"
            } else {
                "roll back"
            }
        ))),
        (mode, Some(r)) => reopen(opts, mode, policy, strategy, &state, r, out, stop),
    };
    lock.release();
    outcome
}

/// Feed copies go to the run's own state directory, and each load reads the clock.
fn load_options(opts: &Options) -> LoadOptions {
    LoadOptions::new(opts.state_dir.clone(), Utc::now().trunc_subsecs(0))
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

/// The journal's form of the plan's steps.
fn records(plan: &Plan) -> Vec<StepRecord> {
    plan.steps
        .iter()
        .map(|s| StepRecord {
            index: s.index,
            action: match s.action {
                StepAction::Deploy => "deploy",
                StepAction::Switch => "switch",
                StepAction::SetWeight => "set-weight",
                StepAction::KeepPrevious => "keep-previous",
            }
            .to_string(),
            targets: s.targets.clone(),
            weight: s.weight,
            color: s.color.map(|c| c.as_str().to_string()),
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

fn start(
    opts: &Options,
    policy: PolicySet,
    strategy: Strategy,
    state: &StateDir,
    out: &Progress,
    stop: &Stop,
) -> Result<Outcome, RunError> {
    let (service, env) = (strategy.service.clone(), strategy.env.clone());
    let state_err = |source| RunError::State {
        path: state.root().to_path_buf(),
        source,
    };
    let Some(version) = opts.version.clone() else {
        return Err(RunError::Refused(
            "--version is required to start a run".into(),
        ));
    };
    let previous = match &opts.previous {
        Some(p) => Some(p.clone()),
        None => state.last_version(&service, &env).map_err(state_err)?,
    };
    if previous.is_none()
        && let Some(hook) = uses_previous(&strategy)
    {
        return Err(RunError::Refused(format!(
            "the `{hook}` hook uses {{previous}}, but no version of {service} to {env} is recorded as deployed ({}); \
             --previous is needed: pass --previous V (the version to go back to on a rollback)",
            state.versions(&service, &env).display()
        )));
    }
    let live = match strategy.kind {
        StrategyKind::BlueGreen { .. } => state
            .live_color(&service, &env)
            .map_err(RunError::Refused)?
            .unwrap_or(Color::Blue),
        _ => Color::Blue,
    };
    let now = Utc::now().trunc_subsecs(0);
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
    let mut journal = Journal::open(&state.journal(&info.service, &info.env))?;
    let mut header = Entry::new(Event::Started, &info);
    header.kind = Some(strategy.kind.as_str().to_string());
    header.live =
        matches!(strategy.kind, StrategyKind::BlueGreen { .. }).then(|| live.as_str().to_string());
    header.steps = Some(steps.clone());
    header.pid = Some(std::process::id());
    header.host = Some(host());
    header.policy = Some(policy.fingerprint.clone());
    journal.append(&header)?;
    out.say(&format!(
        "run {}: {} ({}) of {} {} to {}, previous {}; the policy allows the whole plan, monitoring included (until {})",
        info.run,
        strategy.name,
        strategy.kind.as_str(),
        info.service,
        info.version,
        info.env,
        info.previous.as_deref().unwrap_or("unknown"),
        plan.monitoring_end.to_rfc3339()
    ));
    let mut runner = Runner {
        gate: Gate::new(opts.policies.clone(), opts.state_dir.clone(), policy),
        strategy,
        state: state.clone(),
        journal: Some(journal),
        info,
        steps,
        plan: Some(plan),
        live,
        started: BTreeSet::new(),
        done: BTreeSet::new(),
        undone: BTreeSet::new(),
        rollback_started: false,
        out,
        stop,
    };
    runner.forward()
}

#[allow(clippy::too_many_arguments)]
fn reopen(
    opts: &Options,
    mode: Mode,
    policy: PolicySet,
    strategy: Strategy,
    state: &StateDir,
    replay: Replay,
    out: &Progress,
    stop: &Stop,
) -> Result<Outcome, RunError> {
    let mut info = replay.info().clone();
    if info.strategy != strategy.name {
        return Err(RunError::Refused(format!(
            "the interrupted run of {} to {} in the journal is of strategy `{}`, not `{}`; pass --strategy {}",
            info.service, info.env, info.strategy, strategy.name, info.strategy
        )));
    }
    if let Some(v) = &opts.version
        && *v != info.version
    {
        return Err(RunError::Refused(format!(
            "the interrupted run in the journal deploys version {}, not {v}; leave out --version or pass --version {}",
            info.version, info.version
        )));
    }
    match (&info.previous, &opts.previous) {
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
    let live = match replay.header.live.as_deref() {
        Some("green") => Color::Green,
        _ => Color::Blue,
    };
    let steps = replay.steps().to_vec();
    // Going forward needs the plan (the remaining length before each step);
    // a rollback needs only the journal's steps, so the policy cannot block it.
    let going_forward = mode == Mode::Resume && replay.rollback.is_none();
    let plan = if going_forward {
        let plan = plan::plan(&policy, &strategy, Utc::now().trunc_subsecs(0), live)?;
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
    let journal = Journal::open(&state.journal(&info.service, &info.env))?;
    let mut runner = Runner {
        gate: Gate::new(opts.policies.clone(), opts.state_dir.clone(), policy),
        strategy,
        state: state.clone(),
        journal: Some(journal),
        info,
        steps,
        plan,
        live,
        started: replay.started.clone(),
        done: replay.done.clone(),
        undone: replay.undone.clone(),
        rollback_started: replay.rollback.is_some(),
        out,
        stop,
    };
    if let Some(why) = &replay.rollback {
        out.say(&format!(
            "run {}: the journal has an unfinished rollback ({why}); continuing it",
            runner.info.run
        ));
        let mut e = Entry::new(Event::Resumed, &runner.info);
        e.reason = Some(format!("{}: continuing the rollback", flag(mode)));
        e.pid = Some(std::process::id());
        runner.append(e)?;
        return runner.rollback(why.clone());
    }
    match mode {
        Mode::Rollback => {
            out.say(&format!(
                "run {}: rolling back {} {} of {} to {} (started {}, last event: {})",
                runner.info.run,
                runner.info.strategy,
                runner.info.version,
                runner.info.service,
                runner.info.env,
                progress::stamp(replay.since()),
                replay.last_event()
            ));
            runner.rollback("run --rollback".into())
        }
        _ => {
            let next = runner
                .steps
                .iter()
                .find(|s| !runner.done.contains(&s.index))
                .map(|s| format!("step {}", s.index))
                .unwrap_or_else(|| "the monitoring".into());
            out.say(&format!(
                "run {}: resuming {} {} of {} to {} from {next} (started {}, last event: {})",
                runner.info.run,
                runner.info.strategy,
                runner.info.version,
                runner.info.service,
                runner.info.env,
                progress::stamp(replay.since()),
                replay.last_event()
            ));
            let mut e = Entry::new(Event::Resumed, &runner.info);
            e.reason = Some(format!("run --resume: continuing from {next}"));
            e.pid = Some(std::process::id());
            runner.append(e)?;
            runner.forward()
        }
    }
}

fn flag(mode: Mode) -> &'static str {
    match mode {
        Mode::Start => "run",
        Mode::Resume => "run --resume",
        Mode::Rollback => "run --rollback",
    }
}

/// A run in progress.
struct Runner<'a> {
    gate: Gate,
    strategy: Strategy,
    state: StateDir,
    /// `None` once archived.
    journal: Option<Journal>,
    info: RunInfo,
    /// The run's steps as journaled (the plan's, at the start).
    steps: Vec<StepRecord>,
    /// The plan, for the remaining length, the step lengths and the ETA
    /// (`None` when only rolling back).
    plan: Option<Plan>,
    /// Blue-green: the colour that was live before the run.
    live: Color,
    started: BTreeSet<usize>,
    done: BTreeSet<usize>,
    /// Rollback calls that succeeded.
    undone: BTreeSet<UndoRecord>,
    rollback_started: bool,
    out: &'a Progress,
    stop: &'a Stop,
}

impl Runner<'_> {
    fn append(&mut self, entry: Entry) -> Result<(), RunError> {
        match self.journal.as_mut() {
            Some(j) => Ok(j.append(&entry)?),
            None => Ok(()),
        }
    }

    fn event(&mut self, event: Event, reason: Option<String>) -> Result<(), RunError> {
        let mut e = Entry::new(event, &self.info);
        e.reason = reason;
        self.append(e)
    }

    fn step_event(&mut self, event: Event, step: &StepRecord) -> Result<(), RunError> {
        let mut e = Entry::new(event, &self.info);
        e.step = Some(step.clone());
        self.append(e)
    }

    fn monitoring(&self) -> TimeDelta {
        plan::monitoring(self.gate.policy(), &self.strategy)
    }

    /// `deploy web-1, web-2 (v2)`, `switch to green`, `set weight 25%`.
    fn describe(&self, step: &StepRecord) -> String {
        let v = &self.info.version;
        match step.action.as_str() {
            "deploy" => match (&step.color, step.targets.is_empty()) {
                (Some(c), _) => format!("deploy {v} to {c} ({})", step.targets.join(", ")),
                (None, true) => format!("deploy {v} (canary)"),
                (None, false) => format!("deploy {} ({v})", step.targets.join(", ")),
            },
            "switch" => format!("switch traffic to {}", step.color.as_deref().unwrap_or("?")),
            "set-weight" => format!("set weight {}%", step.weight.unwrap_or(0)),
            "keep-previous" => format!(
                "keep {} on the previous version for an instant switch back (nothing to run)",
                step.color.as_deref().unwrap_or("the old colour")
            ),
            other => other.to_string(),
        }
    }

    fn values<'v>(&'v self, call: Option<&'v Call>) -> HookValues<'v> {
        HookValues {
            target: call.and_then(|c| c.target.as_deref()),
            version: Some(&self.info.version),
            previous: self.info.previous.as_deref(),
            color: call.and_then(|c| c.color.as_deref()),
            weight: call.and_then(|c| c.weight),
            service: Some(&self.info.service),
            env: Some(&self.info.env),
        }
    }

    /// Runs one hook call; `Err(why)` when it failed.
    fn call(&self, call: &Call) -> Result<(), String> {
        let label = call.label();
        let Some(hook) = call.hook.of(&self.strategy.hooks) else {
            return Err(format!(
                "{label}: strategy `{}` has no `{}` hook",
                self.strategy.name,
                call.hook.key()
            ));
        };
        match run_hook(hook, &self.values(Some(call)), &label, self.out, None) {
            HookOutcome::Exited(0) => Ok(()),
            other => Err(format!("{label} {}", other.describe(timeout_of(hook)))),
        }
    }

    fn interrupted(&mut self, during: &str) -> Result<Outcome, RunError> {
        self.event(
            Event::Interrupted,
            Some(format!("SIGINT/SIGTERM during {during}")),
        )?;
        let path = self
            .journal
            .as_ref()
            .map(|j| j.path().display().to_string())
            .unwrap_or_default();
        self.out.say(&format!(
            "interrupted during {during}: the journal ({path}) is resumable — `run --resume` to finish, `run --rollback` to undo"
        ));
        Ok(Outcome::Interrupted)
    }

    /// The deploy of a canary by weight: the pool gets the new version while
    /// all traffic still goes to the stable fleet.
    fn is_canary_pool_deploy(&self, step: &StepRecord) -> bool {
        step.action == "deploy"
            && matches!(
                self.strategy.kind,
                StrategyKind::Canary { targets: None, .. }
            )
    }

    /// The health hook set up for `targets` (and `color`), if the strategy has one.
    fn health_check<'s>(
        &'s self,
        targets: Vec<String>,
        color: Option<&'s str>,
    ) -> Option<HealthCheck<'s>> {
        let hook = self.strategy.hooks.health.as_ref()?;
        let mut values = self.values(None);
        values.color = color;
        Some(HealthCheck {
            hook,
            targets,
            values,
            interval: self
                .strategy
                .health_interval
                .to_std()
                .unwrap_or(Duration::from_secs(1))
                .max(Duration::from_millis(100)),
            failure_limit: self.strategy.failure_limit,
            cwd: None,
        })
    }

    /// Watches health for `period` after `what` (healthy at once without a
    /// health hook or a period).
    fn watch(
        &self,
        what: &str,
        period: TimeDelta,
        targets: Vec<String>,
        color: Option<&str>,
    ) -> Watch {
        if period <= TimeDelta::zero() {
            return Watch::Healthy;
        }
        let Some(check) = self.health_check(targets, color) else {
            return Watch::Healthy;
        };
        self.out.say(&format!(
            "{what}: watching health for {}",
            format_duration(period)
        ));
        check.watch(
            period.to_std().unwrap_or(Duration::ZERO),
            what,
            self.out,
            self.stop,
        )
    }

    fn forward(&mut self) -> Result<Outcome, RunError> {
        let total = self.steps.len();
        self.out.set_total(total);
        let steps = self.steps.clone();
        for (pos, step) in steps.iter().enumerate() {
            if self.done.contains(&step.index) {
                continue;
            }
            let what = format!("step {} ({})", step.index, self.describe(step));
            if self.stop.requested() {
                return self.interrupted(&format!("the boundary before {what}"));
            }
            let remaining = self
                .plan
                .as_ref()
                .map_or(TimeDelta::zero(), |p| p.remaining_length(pos));
            let eta = Utc::now() + remaining + self.monitoring();
            if step.action != "keep-previous" {
                let info = self.info.clone();
                let mut journal = self.journal.take();
                let pass = self.gate.pass(
                    &self.strategy,
                    &what,
                    remaining,
                    self.out,
                    self.stop,
                    &mut |event, reason| -> Result<(), JournalError> {
                        let mut e = Entry::new(event, &info);
                        e.reason = Some(reason);
                        e.step = Some(step.clone());
                        match journal.as_mut() {
                            Some(j) => j.append(&e),
                            None => Ok(()),
                        }
                    },
                );
                self.journal = journal;
                match pass? {
                    Pass::Go => {}
                    Pass::GiveUp(why) => return self.rollback(why),
                    Pass::Interrupted => {
                        return self.interrupted(&format!("a pause before {what}"));
                    }
                }
            }
            self.step_event(Event::StepStarted, step)?;
            self.started.insert(step.index);
            self.out.step(step.index, &self.describe(step), Some(eta));
            for call in actions::forward(&self.strategy.kind, step, &self.strategy.hooks) {
                if let Err(why) = self.call(&call) {
                    return self.rollback(format!("[{}/{total}] {why}", step.index));
                }
                if self.stop.requested() {
                    return self.interrupted(&what);
                }
            }
            let watch_for = self
                .plan
                .as_ref()
                .and_then(|p| p.steps.get(pos))
                .map(|p| (p.end - p.start) - self.strategy.step_time)
                .unwrap_or(self.strategy.verify);
            if self.is_canary_pool_deploy(step) {
                // No traffic reaches the pool yet: a pool that is unhealthy now is
                // rolled back with nobody exposed, before the first weight.
                let label = format!("[{}/{total}] before traffic", step.index);
                if let Some(check) = self.health_check(Vec::new(), None) {
                    self.out
                        .say(&format!("{label}: checking the canary's health"));
                    match check.before_traffic(&label, self.out, self.stop) {
                        Watch::Healthy => {}
                        Watch::Interrupted => return self.interrupted(&what),
                        Watch::Failed(why) => return self.rollback(why),
                    }
                }
            } else if step.action != "keep-previous" {
                let label = format!("[{}/{total}] verify", step.index);
                match self.watch(
                    &label,
                    watch_for,
                    step.targets.clone(),
                    step.color.as_deref(),
                ) {
                    Watch::Healthy => {}
                    Watch::Interrupted => return self.interrupted(&what),
                    Watch::Failed(why) => {
                        return self.rollback(why);
                    }
                }
            }
            self.step_event(Event::StepDone, step)?;
            self.done.insert(step.index);
        }
        self.monitor_and_finish()
    }

    fn monitor_and_finish(&mut self) -> Result<Outcome, RunError> {
        if self.stop.requested() {
            return self.interrupted("the boundary before the monitoring");
        }
        let monitoring = self.monitoring();
        self.event(
            Event::MonitoringStarted,
            Some(format!("for {}", format_duration(monitoring))),
        )?;
        self.out.phase(
            &format!(
                "monitoring {} {} for {}",
                self.info.service,
                self.info.version,
                format_duration(monitoring)
            ),
            Some(Utc::now() + monitoring),
        );
        let new_color = self.live.other();
        // A per-target health hook checks every target now on the new version.
        let (targets, color) = match &self.strategy.kind {
            StrategyKind::BlueGreen { .. } => (
                self.steps
                    .iter()
                    .find(|s| s.action == "switch")
                    .map(|s| s.targets.clone())
                    .unwrap_or_default(),
                Some(new_color.as_str()),
            ),
            _ => (
                self.steps
                    .iter()
                    .filter(|s| s.action == "deploy")
                    .flat_map(|s| s.targets.iter().cloned())
                    .collect(),
                None,
            ),
        };
        match self.watch("monitoring", monitoring, targets, color) {
            Watch::Healthy => {}
            Watch::Interrupted => return self.interrupted("the monitoring"),
            Watch::Failed(why) => return self.rollback(why),
        }
        let (service, env) = (self.info.service.clone(), self.info.env.clone());
        let state_err = |source| RunError::State {
            path: self.state.root().to_path_buf(),
            source,
        };
        self.state
            .set_last_version(&service, &env, &self.info.version)
            .map_err(state_err)?;
        if matches!(self.strategy.kind, StrategyKind::BlueGreen { .. }) {
            self.state
                .set_live_color(&service, &env, new_color)
                .map_err(state_err)?;
        }
        self.event(Event::Finished, None)?;
        self.archive()?;
        let live = if matches!(self.strategy.kind, StrategyKind::BlueGreen { .. }) {
            format!(", {} is live", new_color.as_str())
        } else {
            String::new()
        };
        self.out.phase(
            &format!(
                "finished: {} {} is deployed to {}{live} (run {})",
                service, self.info.version, env, self.info.run
            ),
            None,
        );
        Ok(Outcome::Finished)
    }

    fn archive(&mut self) -> Result<(), RunError> {
        if let Some(j) = self.journal.take() {
            j.archive(&self.info.run)?;
        }
        Ok(())
    }

    /// Undoes what the journal says was started, in reverse; never gated.
    fn rollback(&mut self, why: String) -> Result<Outcome, RunError> {
        self.out.alarm(&format!("rolling back: {why}"));
        if !self.rollback_started {
            self.event(Event::RollbackStarted, Some(why.clone()))?;
            self.rollback_started = true;
        }
        let calls = actions::rollback(
            &self.strategy.kind,
            &self.steps,
            &self.started,
            &self.strategy.hooks,
        );
        if calls.is_empty() {
            self.out.say(match self.strategy.kind {
                StrategyKind::BlueGreen { .. } => {
                    "rollback: traffic was never switched; the live colour still serves the previous version"
                }
                _ => "rollback: no step was started; nothing to undo",
            });
        }
        let mut failures = 0;
        let count = calls.len();
        for (i, call) in calls.iter().enumerate() {
            let record = call.undo_record();
            if self.undone.contains(&record) {
                self.out
                    .say(&format!("rollback: {} already done", call.label()));
                continue;
            }
            self.out.phase(
                &format!("rollback {}/{count}: {}", i + 1, call.label()),
                None,
            );
            let result = self.call(call);
            let mut e = Entry::new(Event::RollbackStepDone, &self.info);
            e.undo = Some(record.clone());
            e.ok = Some(result.is_ok());
            if let Err(why) = &result {
                e.reason = Some(why.clone());
            }
            self.append(e)?;
            match result {
                Ok(()) => {
                    self.undone.insert(record);
                }
                Err(why) => {
                    failures += 1;
                    self.out.alarm(&format!(
                        "ROLLBACK HOOK FAILED: {why}; going on with the rest of the rollback — check this by hand"
                    ));
                }
            }
            if self.stop.requested() && i + 1 < count {
                return self.interrupted("the rollback");
            }
        }
        let mut e = Entry::new(Event::RolledBack, &self.info);
        e.reason = Some(why);
        e.failures = Some(failures);
        self.append(e)?;
        self.archive()?;
        if failures == 0 {
            self.out.phase(
                &format!(
                    "rolled back: {} to {} is back on {} (run {})",
                    self.info.service,
                    self.info.env,
                    self.info
                        .previous
                        .as_deref()
                        .unwrap_or("the previous version"),
                    self.info.run
                ),
                None,
            );
        } else {
            self.out.alarm(&format!(
                "rolled back with {failures} failed rollback hook{}: {} to {} may be partly on {} — check it by hand (run {})",
                if failures == 1 { "" } else { "s" },
                self.info.service,
                self.info.env,
                self.info.version,
                self.info.run
            ));
        }
        Ok(Outcome::RolledBack { failures })
    }
}
