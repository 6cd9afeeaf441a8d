//! The policy check before every step: reload the policy from disk (a reload
//! that fails keeps the policy in hand, with a warning), then decide the rest
//! of the plan — the remaining steps plus the monitoring period — starting
//! now. When it is denied the strategy's `on_window_close` says what happens:
//! `pause` waits at this step boundary, re-deciding every second so a changed
//! policy or a freeze that ends is noticed, for at most `max_pause`, then
//! gives up (the caller rolls back); `rollback` gives up at once.

use super::progress::Progress;
use super::signals::Stop;
use crate::clock::Clock;
use crate::eval::{self, Decision, DeployRequest, EvalError};
use crate::policy::{LoadOptions, OnWindowClose, PolicySet, Strategy};
use crate::time::duration::format_duration;
use chrono::{DateTime, SecondsFormat, SubsecRound, TimeDelta, Utc};
use std::path::PathBuf;
use std::time::Duration;

/// How often a paused run asks the policy again.
pub const PAUSE_SLICE: Duration = Duration::from_secs(1);

/// What to do at a step boundary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pass {
    /// The rest of the plan fits: go on.
    Go,
    /// It does not, and will not in time: roll back (why).
    GiveUp(String),
    /// A stop was asked for while paused.
    Interrupted,
}

/// A turn of a pause, for the journal (`paused`, `resumed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pausing {
    /// The rest of the plan is denied; the run waits at the step boundary.
    Paused,
    /// The policy allows the rest again; the run goes on.
    Resumed,
}

/// What a run adds to the policy files after each load: the reservations in
/// the store (and the run's own slot taken out, when it holds one). An error
/// says why they cannot be read.
pub type Compose =
    std::sync::Arc<dyn Fn(PolicySet, DateTime<Utc>) -> Result<PolicySet, String> + Send + Sync>;

/// The policy in hand and where it came from.
pub struct Gate {
    dir: PathBuf,
    /// Applied to every policy loaded (`None`: the files as they are).
    compose: Option<Compose>,
    /// Where calendar feed copies are cached between reloads.
    state_dir: PathBuf,
    policy: PolicySet,
    /// The last reload error reported, so a broken file is not reported every second.
    last_error: Option<String>,
}

impl Gate {
    pub fn new(dir: PathBuf, state_dir: PathBuf, policy: PolicySet) -> Gate {
        Gate {
            dir,
            compose: None,
            state_dir,
            policy,
            last_error: None,
        }
    }

    /// Applies `compose` to every policy loaded from now on.
    pub fn composing(mut self, compose: Option<Compose>) -> Gate {
        self.compose = compose;
        self
    }

    pub fn policy(&self) -> &PolicySet {
        &self.policy
    }

    /// Reads the policy directory again (at `now`, for calendar feeds); keeps
    /// the old set if that fails.
    pub fn reload(&mut self, out: &Progress, now: DateTime<Utc>) {
        let options = LoadOptions::new(self.state_dir.clone(), now.trunc_subsecs(0));
        let loaded = PolicySet::load_with(&self.dir, &options).map_err(|e| e.to_string());
        // A store that cannot be read keeps the policy in hand, with the
        // reservations it had: dropping them would let the run into others' slots.
        let loaded = match (&self.compose, loaded) {
            (Some(compose), Ok(policy)) => compose(policy, now)
                .map_err(|why| format!("the reservations cannot be read ({why})")),
            (_, loaded) => loaded,
        };
        match loaded {
            Ok(policy) => {
                if self.last_error.take().is_some() {
                    out.say("the policy loads again; using it");
                }
                self.policy = policy;
            }
            Err(text) => {
                if self.last_error.as_deref() != Some(text.as_str()) {
                    out.say(&format!(
                        "warning: the policy failed to reload; keeping the policy loaded before ({}):\n{text}",
                        self.policy.fingerprint
                    ));
                    self.last_error = Some(text);
                }
            }
        }
    }

    /// The decision for starting the rest of the plan (`remaining`, then the
    /// strategy's monitoring) at `at`.
    pub fn decide(
        &self,
        strategy: &Strategy,
        at: DateTime<Utc>,
        remaining: TimeDelta,
    ) -> Result<Decision, EvalError> {
        let mut req = DeployRequest::new(&strategy.service, &strategy.env, at.trunc_subsecs(0));
        req.duration = Some(remaining);
        req.monitoring = strategy.monitoring;
        eval::decide(&self.policy, &req)
    }

    /// The check before a step (`what` names it for messages), at `clock`'s
    /// now. `journal` records `paused`/`resumed` with a reason; its error ends
    /// the wait.
    #[expect(clippy::too_many_arguments, reason = "the run's context, passed as is")]
    pub fn pass<E>(
        &mut self,
        strategy: &Strategy,
        what: &str,
        remaining: TimeDelta,
        out: &Progress,
        stop: &Stop,
        clock: &dyn Clock,
        journal: &mut dyn FnMut(Pausing, String) -> Result<(), E>,
    ) -> Result<Pass, E> {
        self.reload(out, clock.now());
        let first = match self.decide(strategy, clock.now(), remaining) {
            Ok(d) if d.allowed => return Ok(Pass::Go),
            Ok(d) => blockers(&d),
            Err(e) => format!("the policy cannot decide: {e}"),
        };
        if strategy.on_window_close == OnWindowClose::Rollback {
            return Ok(Pass::GiveUp(format!(
                "before {what}, the rest of the plan no longer fits the policy ({first}); on_window_close = rollback"
            )));
        }
        let max = strategy.max_pause.to_std().unwrap_or(Duration::ZERO);
        out.say(&format!(
            "paused before {what}: {first}; waiting up to {} for the policy to allow the rest (on_window_close = pause)",
            format_duration(strategy.max_pause)
        ));
        journal(Pausing::Paused, first.clone())?;
        let since = clock.now();
        let waited = || (clock.now() - since).to_std().unwrap_or(Duration::ZERO);
        let mut why = first;
        loop {
            let left = max.saturating_sub(waited());
            if left.is_zero() {
                return Ok(Pass::GiveUp(format!(
                    "paused before {what} for {} (max_pause) and the policy still does not allow the rest: {why}",
                    format_duration(strategy.max_pause)
                )));
            }
            if stop.sleep(clock, PAUSE_SLICE.min(left)) {
                return Ok(Pass::Interrupted);
            }
            self.reload(out, clock.now());
            match self.decide(strategy, clock.now(), remaining) {
                Ok(d) if d.allowed => {
                    let waited = TimeDelta::seconds(waited().as_secs() as i64);
                    let note = format!(
                        "the policy allows the rest of the plan after a pause of {}",
                        format_duration(waited)
                    );
                    out.say(&format!("resumed before {what}: {note}"));
                    journal(Pausing::Resumed, note)?;
                    return Ok(Pass::Go);
                }
                Ok(d) => why = blockers(&d),
                Err(e) => why = format!("the policy cannot decide: {e}"),
            }
        }
    }
}

/// `blocked by black-friday (freeze) until 2026-11-30T00:00:00+09:00`, for each blocker.
pub fn blockers(d: &Decision) -> String {
    if d.blocked_by.is_empty() {
        return "denied".into();
    }
    let list: Vec<String> = d
        .blocked_by
        .iter()
        .map(|b| {
            format!(
                "{} ({}) until {}",
                b.rule,
                b.kind.as_str(),
                b.until.to_rfc3339_opts(SecondsFormat::Secs, true)
            )
        })
        .collect();
    format!("blocked by {}", list.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{ManualClock, SystemClock};
    use crate::policy::{Hooks, StrategyKind};
    use std::sync::Arc;

    fn strategy(on_close: OnWindowClose, max_pause: TimeDelta) -> Strategy {
        Strategy {
            name: "web-rolling".into(),
            service: "web".into(),
            env: "prod".into(),
            kind: StrategyKind::Rolling {
                targets: vec!["web-1".into()],
                batch: crate::policy::Batch::Count(1),
            },
            step_time: TimeDelta::seconds(1),
            verify: TimeDelta::seconds(1),
            monitoring: Some(TimeDelta::seconds(1)),
            on_window_close: on_close,
            max_pause,
            failure_limit: 1,
            health_interval: TimeDelta::seconds(1),
            hooks: Hooks::default(),
        }
    }

    fn freeze(dir: &std::path::Path, from: DateTime<Utc>, to: DateTime<Utc>) {
        let rfc = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
        std::fs::write(
            dir.join("freeze.toml"),
            format!(
                "[[freeze]]\nname = \"incident\"\nstart_at = \"{}\"\nend_at = \"{}\"\nreason = \"incident\"\n",
                rfc(from),
                rfc(to)
            ),
        )
        .unwrap();
    }

    /// A gate on a policy whose freeze began a minute ago and lasts an hour.
    fn frozen_for_an_hour(dir: &std::path::Path) -> Gate {
        let now = Utc::now();
        freeze(dir, now - TimeDelta::minutes(1), now + TimeDelta::hours(1));
        gate(dir)
    }

    fn gate(dir: &std::path::Path) -> Gate {
        Gate::new(
            dir.to_path_buf(),
            dir.join(".shipwindow"),
            PolicySet::load(dir).unwrap(),
        )
    }

    #[test]
    fn the_remaining_plan_and_monitoring_are_what_is_checked() {
        let dir = tempfile::tempdir().unwrap();
        let now = Utc::now().trunc_subsecs(0);
        freeze(
            dir.path(),
            now + TimeDelta::minutes(10),
            now + TimeDelta::minutes(20),
        );
        let g = gate(dir.path());
        let s = strategy(OnWindowClose::Pause, TimeDelta::minutes(1));
        assert!(g.decide(&s, now, TimeDelta::minutes(5)).unwrap().allowed);
        let d = g.decide(&s, now, TimeDelta::minutes(10)).unwrap();
        assert!(!d.allowed);
        assert!(blockers(&d).starts_with("blocked by incident (freeze) until "));
    }

    #[test]
    fn rollback_mode_gives_up_at_once_and_pause_mode_gives_up_after_max_pause() {
        let dir = tempfile::tempdir().unwrap();
        let mut g = frozen_for_an_hour(dir.path());
        let out = Progress::capture();
        let mut events = Vec::new();
        let mut record = |e: Pausing, why: String| -> Result<(), ()> {
            events.push((e, why));
            Ok(())
        };
        let s = strategy(OnWindowClose::Rollback, TimeDelta::minutes(1));
        let pass = g
            .pass(
                &s,
                "step 2",
                TimeDelta::seconds(5),
                &out,
                &Stop::never(),
                &SystemClock,
                &mut record,
            )
            .unwrap();
        assert!(matches!(pass, Pass::GiveUp(ref m) if m.contains("on_window_close = rollback")));

        // The pause waits a second of the clock's time, and no real time.
        let clock = ManualClock::new(Utc::now());
        clock.auto_advance(true);
        let s = strategy(OnWindowClose::Pause, TimeDelta::seconds(1));
        let t = clock.now();
        let pass = g
            .pass(
                &s,
                "step 2",
                TimeDelta::seconds(5),
                &out,
                &Stop::never(),
                &clock,
                &mut record,
            )
            .unwrap();
        assert!(
            matches!(pass, Pass::GiveUp(ref m) if m.contains("max_pause")),
            "{pass:?}"
        );
        assert!(clock.now() - t >= TimeDelta::seconds(1));
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].0, Pausing::Paused);
    }

    #[test]
    fn a_pause_ends_when_the_freeze_is_lifted_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut g = frozen_for_an_hour(dir.path());
        let out = Progress::capture();
        // Once the gate is paused (waiting on the clock), the freeze goes and a
        // second passes.
        let clock = Arc::new(ManualClock::new(Utc::now()));
        let (mover, path) = (Arc::clone(&clock), dir.path().to_path_buf());
        std::thread::spawn(move || {
            while mover.waiting() == 0 {
                std::thread::sleep(Duration::from_millis(5));
            }
            std::fs::write(path.join("freeze.toml"), "[settings]\nhorizon = \"60d\"\n").unwrap();
            mover.advance(TimeDelta::seconds(1));
        });
        let mut events = Vec::new();
        let mut record = |e: Pausing, _: String| -> Result<(), ()> {
            events.push(e);
            Ok(())
        };
        let s = strategy(OnWindowClose::Pause, TimeDelta::seconds(20));
        let pass = g
            .pass(
                &s,
                "step 2",
                TimeDelta::seconds(5),
                &out,
                &Stop::never(),
                &*clock,
                &mut record,
            )
            .unwrap();
        assert_eq!(pass, Pass::Go);
        assert_eq!(events, [Pausing::Paused, Pausing::Resumed]);
    }

    #[test]
    fn a_policy_that_fails_to_reload_is_kept_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let now = Utc::now();
        freeze(
            dir.path(),
            now + TimeDelta::days(1),
            now + TimeDelta::days(2),
        );
        let mut g = gate(dir.path());
        std::fs::write(dir.path().join("broken.toml"), "[[freeze]]\nname = 3\n").unwrap();
        let out = Progress::capture();
        g.reload(&out, now);
        g.reload(&out, now);
        let warnings = out
            .lines()
            .iter()
            .filter(|l| l.contains("failed to reload"))
            .count();
        assert_eq!(warnings, 1, "{:?}", out.lines());
        assert_eq!(g.policy().rules.len(), 1);
    }
}
