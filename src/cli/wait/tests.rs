//! The waiting loop on a hand-moved clock: real policy files (reloaded for each
//! decision), no real waiting.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use super::deciders::Local;
use super::display::Display;
use super::stop::Stop;
use super::waiting::{AskError, Decided, Decider, Ended, wait_for_window};
use crate::cli::error::CliError;
use crate::clock::{Clock, ManualClock, Waited};
use crate::input::RequestText;
use chrono::{DateTime, TimeDelta, Utc};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-07T09:00:00Z")
        .unwrap()
        .to_utc()
}

fn at(minutes: i64) -> DateTime<Utc> {
    t0() + TimeDelta::minutes(minutes)
}

fn rfc(t: DateTime<Utc>) -> String {
    t.to_rfc3339()
}

/// A policy in UTC, deploys of 10 minutes with no monitoring, and one freeze
/// per `(name, from, until)`.
fn write_policy(dir: &Path, freezes: &[(&str, DateTime<Utc>, DateTime<Utc>)]) {
    let mut text = String::from(
        "[settings]\ntimezone = \"UTC\"\ndeploy_duration = \"10m\"\nmonitoring = \"0s\"\nhorizon = \"2d\"\n",
    );
    for (name, from, until) in freezes {
        text.push_str(&format!(
            "\n[[freeze]]\nname = \"{name}\"\nreason = \"{name} freeze\"\nstart_at = \"{}\"\nend_at = \"{}\"\n",
            rfc(*from),
            rfc(*until)
        ));
    }
    // Written whole and renamed, as an editor saves: a reload never reads half a file.
    let tmp = dir.join("policy.toml.new");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(tmp, dir.join("policy.toml")).unwrap();
}

fn local(dir: &Path) -> Local {
    Local::new(
        dir.to_path_buf(),
        RequestText {
            service: Some("web".into()),
            env: Some("prod".into()),
            ..RequestText::default()
        },
        crate::cli::slots::SlotsStore::under(dir.join(".state")),
    )
}

/// A decider that counts its decisions.
struct Counted {
    inner: Local,
    decisions: Arc<AtomicUsize>,
}

impl Decider for Counted {
    fn decide(&mut self, now: DateTime<Utc>) -> Result<Decided, AskError> {
        let decided = self.inner.decide(now)?;
        self.decisions.fetch_add(1, Ordering::SeqCst);
        Ok(decided)
    }
}

fn counted(dir: &Path) -> (Counted, Arc<AtomicUsize>) {
    let decisions = Arc::new(AtomicUsize::new(0));
    let decider = Counted {
        inner: local(dir),
        decisions: Arc::clone(&decisions),
    };
    (decider, decisions)
}

fn start(decided: &Decided) -> DateTime<Utc> {
    decided.decision.start.to_utc()
}

/// Runs the loop on a thread against a held clock; the test moves time.
struct Running {
    clock: Arc<ManualClock>,
    display: Display,
    stop: Stop,
    decisions: Arc<AtomicUsize>,
    done: std::thread::JoinHandle<Ended>,
}

impl Running {
    fn start(dir: &Path, deadline: DateTime<Utc>) -> Running {
        let clock = Arc::new(ManualClock::new(t0()));
        let display = Display::capture(clock.clone(), deadline);
        let stop = Stop::default();
        let (mut decider, decisions) = counted(dir);
        let (c, d, s) = (Arc::clone(&clock), display.clone(), stop.clone());
        let done = std::thread::spawn(move || {
            wait_for_window(&mut decider, &*c, deadline, &|| s.requested(), &d)
        });
        Running {
            clock,
            display,
            stop,
            decisions,
            done,
        }
    }

    /// Blocks until the display has `n` lines and the loop waits on the clock.
    fn until_waiting_with_lines(&self, n: usize) -> Vec<String> {
        let guard = Instant::now();
        loop {
            let lines = self.display.lines();
            if lines.len() >= n && self.clock.waiting() == 1 {
                assert_eq!(lines.len(), n, "{lines:#?}");
                return lines;
            }
            assert!(!self.done.is_finished(), "the loop ended early: {lines:#?}");
            assert!(guard.elapsed() < Duration::from_secs(20), "{lines:#?}");
            std::thread::yield_now();
        }
    }

    /// How the loop ended, its lines, and how many decisions it made.
    fn end(self) -> (Ended, Vec<String>, usize) {
        let ended = self.done.join().unwrap();
        let decisions = self.decisions.load(Ordering::SeqCst);
        (ended, self.display.lines(), decisions)
    }
}

#[test]
fn allowed_now_ends_at_once_with_one_decision_and_no_lines() {
    let dir = tempfile::tempdir().unwrap();
    write_policy(dir.path(), &[("later", at(30), at(60))]);
    let clock = ManualClock::new(t0());
    let display = Display::capture(Arc::new(ManualClock::new(t0())), at(720));
    let (mut decider, decisions) = counted(dir.path());
    let ended = wait_for_window(&mut decider, &clock, at(720), &|| false, &display);
    let Ended::Allowed { decided, waited } = ended else {
        panic!("{ended:?}")
    };
    let decisions = decisions.load(Ordering::SeqCst);
    assert_eq!((start(&decided), decisions, waited), (t0(), 1, false));
    assert_eq!(clock.now(), t0());
    assert!(display.lines().is_empty());
}

#[test]
fn a_freeze_is_waited_out_to_its_exact_end() {
    let dir = tempfile::tempdir().unwrap();
    write_policy(dir.path(), &[("incident", at(-60), at(47))]);
    let run = Running::start(dir.path(), at(720));
    let lines = run.until_waiting_with_lines(1);
    assert_eq!(
        lines[0],
        "2026-12-07T09:00:00Z denied: incident (freeze: incident freeze) until Mon 2026-12-07 09:47 UTC; \
         waiting until Mon 2026-12-07 09:47 UTC (in 47m)"
    );
    run.clock.set(at(47));
    let clock = Arc::clone(&run.clock);
    let (ended, lines, decisions) = run.end();
    let Ended::Allowed { decided, .. } = ended else {
        panic!("{ended:?}")
    };
    assert_eq!((start(&decided), decisions), (at(47), 2));
    assert_eq!(clock.now(), at(47));
    assert_eq!(lines.len(), 1);
}

#[test]
fn a_freeze_added_while_waiting_extends_the_wait() {
    let dir = tempfile::tempdir().unwrap();
    write_policy(dir.path(), &[("incident", at(-60), at(30))]);
    let run = Running::start(dir.path(), at(720));
    run.until_waiting_with_lines(1);
    // Someone adds a freeze that begins before the first one ends.
    write_policy(
        dir.path(),
        &[
            ("incident", at(-60), at(30)),
            ("db-migration", at(25), at(90)),
        ],
    );
    run.clock.set(at(30));
    let lines = run.until_waiting_with_lines(2);
    assert_eq!(
        lines[1],
        "2026-12-07T09:30:00Z denied: db-migration (freeze: db-migration freeze) until Mon 2026-12-07 10:30 UTC; \
         waiting until Mon 2026-12-07 10:30 UTC (in 1h)"
    );
    run.clock.set(at(90));
    let (ended, _, decisions) = run.end();
    let Ended::Allowed { decided, .. } = ended else {
        panic!("{ended:?}")
    };
    assert_eq!((start(&decided), decisions), (at(90), 3));
}

#[test]
fn an_opening_after_the_timeout_ends_at_once_denied() {
    let dir = tempfile::tempdir().unwrap();
    write_policy(dir.path(), &[("incident", at(-60), at(121))]);
    let clock = ManualClock::new(t0());
    clock.auto_advance(true);
    let display = Display::capture(Arc::new(ManualClock::new(t0())), at(120));
    let ended = wait_for_window(&mut local(dir.path()), &clock, at(120), &|| false, &display);
    let Ended::NotInTime { decided } = ended else {
        panic!("{ended:?}")
    };
    assert_eq!(
        decided.decision.next_allowed.map(|t| t.to_utc()),
        Some(at(121))
    );
    // Nothing was waited for.
    assert_eq!(clock.now(), t0());
    display.not_in_time(&decided);
    assert_eq!(
        display.lines(),
        [
            "2026-12-07T09:00:00Z denied: incident (freeze: incident freeze) until Mon 2026-12-07 11:01 UTC; \
          the next opening, Mon 2026-12-07 11:01 UTC, is after the timeout (Mon 2026-12-07 11:00 UTC)"
        ]
    );
}

#[test]
fn an_opening_exactly_at_the_timeout_is_waited_for() {
    let dir = tempfile::tempdir().unwrap();
    write_policy(dir.path(), &[("incident", at(-60), at(120))]);
    let clock = ManualClock::new(t0());
    clock.auto_advance(true);
    let display = Display::capture(Arc::new(ManualClock::new(t0())), at(120));
    let ended = wait_for_window(&mut local(dir.path()), &clock, at(120), &|| false, &display);
    let Ended::Allowed { decided, .. } = ended else {
        panic!("{ended:?}")
    };
    assert_eq!(start(&decided), at(120));
}

#[test]
fn a_freeze_extended_past_the_timeout_ends_the_wait_denied() {
    let dir = tempfile::tempdir().unwrap();
    write_policy(dir.path(), &[("incident", at(-60), at(30))]);
    let run = Running::start(dir.path(), at(60));
    run.until_waiting_with_lines(1);
    write_policy(dir.path(), &[("incident", at(-60), at(61))]);
    run.clock.set(at(30));
    let (ended, lines, _) = run.end();
    let Ended::NotInTime { decided } = ended else {
        panic!("{ended:?}")
    };
    assert_eq!(start(&decided), at(30));
    assert_eq!(
        decided.decision.next_allowed.map(|t| t.to_utc()),
        Some(at(61))
    );
    assert_eq!(lines.len(), 1);
}

#[test]
fn nothing_within_the_horizon_ends_at_once_denied() {
    let dir = tempfile::tempdir().unwrap();
    // The horizon is two days; the freeze lasts three.
    write_policy(dir.path(), &[("long", at(-60), at(3 * 24 * 60))]);
    let clock = ManualClock::new(t0());
    clock.auto_advance(true);
    let display = Display::capture(Arc::new(ManualClock::new(t0())), at(30 * 24 * 60));
    let ended = wait_for_window(
        &mut local(dir.path()),
        &clock,
        at(30 * 24 * 60),
        &|| false,
        &display,
    );
    let Ended::NotInTime { decided } = ended else {
        panic!("{ended:?}")
    };
    assert_eq!(decided.decision.next_allowed, None);
    display.not_in_time(&decided);
    assert!(
        display.lines()[0].ends_with("; nothing opens within the 2d horizon"),
        "{:?}",
        display.lines()
    );
}

#[test]
fn a_stop_ends_the_wait_without_moving_the_clock() {
    let dir = tempfile::tempdir().unwrap();
    write_policy(dir.path(), &[("incident", at(-60), at(30))]);
    let run = Running::start(dir.path(), at(720));
    run.until_waiting_with_lines(1);
    run.stop.request("SIGTERM");
    let clock = Arc::clone(&run.clock);
    let (ended, _, _) = run.end();
    assert!(matches!(ended, Ended::Stopped), "{ended:?}");
    assert_eq!(clock.now(), t0());
}

#[test]
fn a_policy_broken_while_waiting_ends_the_wait_as_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    write_policy(dir.path(), &[("incident", at(-60), at(30))]);
    let run = Running::start(dir.path(), at(720));
    run.until_waiting_with_lines(1);
    std::fs::write(
        dir.path().join("policy.toml"),
        "[settings]\ntimezone = \"Asia/Seol\"\n",
    )
    .unwrap();
    run.clock.set(at(30));
    let (ended, _, _) = run.end();
    let Ended::Invalid(CliError::Policy(e)) = ended else {
        panic!("{ended:?}")
    };
    assert!(e.to_string().contains("Asia/Seol"), "{e}");
}

/// A clock that wakes the first waiter `early` before its deadline, as a
/// system clock that is stepped could.
#[derive(Debug)]
struct EarlyClock {
    inner: ManualClock,
    early: Mutex<Option<TimeDelta>>,
}

impl Clock for EarlyClock {
    fn now(&self) -> DateTime<Utc> {
        self.inner.now()
    }

    fn wait_until(&self, deadline: DateTime<Utc>, cancelled: &dyn Fn() -> bool) -> Waited {
        match self.early.lock().unwrap().take() {
            Some(early) => self.inner.wait_until(deadline - early, cancelled),
            None => self.inner.wait_until(deadline, cancelled),
        }
    }
}

#[test]
fn woken_early_it_decides_again_and_waits_on() {
    let dir = tempfile::tempdir().unwrap();
    write_policy(dir.path(), &[("incident", at(-60), at(30))]);
    let clock = EarlyClock {
        inner: ManualClock::new(t0()),
        early: Mutex::new(Some(TimeDelta::seconds(2))),
    };
    clock.inner.auto_advance(true);
    let display = Display::capture(Arc::new(ManualClock::new(t0())), at(720));
    let (mut decider, decisions) = counted(dir.path());
    let ended = wait_for_window(&mut decider, &clock, at(720), &|| false, &display);
    let Ended::Allowed { decided, .. } = ended else {
        panic!("{ended:?}")
    };
    let decisions = decisions.load(Ordering::SeqCst);
    assert_eq!((start(&decided), decisions), (at(30), 3));
    assert_eq!(display.lines().len(), 2);
}

/// Answers from a script: `None` is no answer.
struct Scripted {
    answers: Vec<Option<bool>>,
    asked_at: Vec<DateTime<Utc>>,
    real: Local,
}

impl Decider for Scripted {
    fn decide(&mut self, now: DateTime<Utc>) -> Result<Decided, AskError> {
        self.asked_at.push(now);
        let answer = if self.answers.is_empty() {
            None
        } else {
            self.answers.remove(0)
        };
        match answer {
            None => Err(AskError::NoAnswer("cannot reach the server".into())),
            Some(_) => self.real.decide(now),
        }
    }
}

#[test]
fn no_answer_is_asked_again_with_a_doubling_pause() {
    let dir = tempfile::tempdir().unwrap();
    write_policy(dir.path(), &[]);
    let clock = ManualClock::new(t0());
    clock.auto_advance(true);
    let display = Display::capture(Arc::new(ManualClock::new(t0())), at(720));
    let mut decider = Scripted {
        answers: vec![None, None, None, Some(true)],
        asked_at: Vec::new(),
        real: local(dir.path()),
    };
    let ended = wait_for_window(&mut decider, &clock, at(720), &|| false, &display);
    assert!(
        matches!(ended, Ended::Allowed { waited: true, .. }),
        "{ended:?}"
    );
    let secs: Vec<i64> = decider
        .asked_at
        .iter()
        .map(|t| (*t - t0()).num_seconds())
        .collect();
    assert_eq!(secs, [0, 1, 3, 7]);
    assert_eq!(
        display.lines()[0],
        "2026-12-07T09:00:00Z no answer: cannot reach the server; asking again in 1s"
    );
}

#[test]
fn no_answer_up_to_the_timeout_is_never_allowed() {
    let dir = tempfile::tempdir().unwrap();
    write_policy(dir.path(), &[]);
    let clock = ManualClock::new(t0());
    clock.auto_advance(true);
    let display = Display::capture(Arc::new(ManualClock::new(t0())), at(10));
    let mut decider = Scripted {
        answers: Vec::new(),
        asked_at: Vec::new(),
        real: local(dir.path()),
    };
    let ended = wait_for_window(&mut decider, &clock, at(10), &|| false, &display);
    let Ended::NoAnswer { why } = ended else {
        panic!("{ended:?}")
    };
    assert_eq!(why, "cannot reach the server");
    // 1, 2, 4, … up to a minute apart, and a last try at the timeout itself.
    let secs: Vec<i64> = decider
        .asked_at
        .iter()
        .map(|t| (*t - t0()).num_seconds())
        .collect();
    assert_eq!(
        secs,
        [
            0, 1, 3, 7, 15, 31, 63, 123, 183, 243, 303, 363, 423, 483, 543, 600
        ]
    );
}
