//! Watches the `health` hook for a while (a step's verify, or the monitoring
//! period). Its exit code is the verdict: 0 healthy, 1 unhealthy, 75 no data
//! yet (retried, does not count); any other code, a timeout or a hook that
//! cannot start is unhealthy. `failure_limit` consecutive unhealthy polls fail
//! the watch.
//!
//! A poll's output is shown only when it is unhealthy.
//!
//! A hook whose argv uses `{target}` is per target: each poll asks every
//! target of the step and is unhealthy if any of them is. Otherwise one call
//! per poll.
//!
//! Polls run at the start, every `health_interval`, and once more at the end
//! of the period, so the period's end state is seen. A period that ends with
//! an unhealthy streak still under the limit is extended until the streak
//! resolves (healthy, or the limit; "no data" in the extension counts towards
//! the limit, so the extension always ends); one in which health never answered
//! (only "no data") fails: an unverified step is not a verified one.

use super::hooks::{HookOutcome, run_hook_quiet, timeout_of};
use super::progress::Progress;
use super::signals::Stop;
use crate::clock::Clock;
use crate::policy::{Hook, HookValues};
use std::path::Path;
use std::time::Duration;

/// Exit code for "no data yet" (EX_TEMPFAIL).
pub const NO_DATA: i32 = 75;

/// One poll's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Poll {
    Healthy,
    /// Why: which target and what the hook did.
    Unhealthy(String),
    NoData,
}

/// How a watch ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Watch {
    Healthy,
    Failed(String),
    /// A stop was asked for; the watch was cut short.
    Interrupted,
}

/// The health hook and what to poll it with.
pub struct HealthCheck<'a> {
    pub hook: &'a Hook,
    /// Targets for a per-target hook; empty means one call with no target.
    pub targets: Vec<String>,
    /// The other placeholders (`{version}`, `{color}`, …).
    pub values: HookValues<'a>,
    pub interval: Duration,
    pub failure_limit: u32,
    pub cwd: Option<&'a Path>,
    /// Times the period and the polls (and each poll's hook timeout).
    pub clock: &'a dyn Clock,
}

/// Whether the hook asks about one target at a time.
pub fn per_target(hook: &Hook) -> bool {
    hook.argv.iter().any(|a| a.contains("{target}"))
}

impl HealthCheck<'_> {
    /// One poll (every target, for a per-target hook).
    pub fn poll(&self, out: &Progress) -> Poll {
        let targets: Vec<Option<&str>> = if per_target(self.hook) && !self.targets.is_empty() {
            self.targets.iter().map(|t| Some(t.as_str())).collect()
        } else {
            vec![None]
        };
        let mut no_data = false;
        for target in targets {
            let values = HookValues {
                target: target.or(self.values.target),
                ..self.values.clone()
            };
            let label = match target {
                Some(t) => format!("health {t}"),
                None => "health".to_string(),
            };
            let (outcome, output) = run_hook_quiet(self.hook, &values, self.cwd, self.clock);
            match outcome {
                HookOutcome::Exited(0) => {}
                HookOutcome::Exited(NO_DATA) => no_data = true,
                other => {
                    // A healthy poll's output is noise; an unhealthy one's is the story.
                    for line in &output {
                        out.hook_line(&label, line);
                    }
                    let what = other.describe(timeout_of(self.hook));
                    return Poll::Unhealthy(format!("{label} {what}"));
                }
            }
        }
        if no_data { Poll::NoData } else { Poll::Healthy }
    }

    /// Polls for `period`; see the module docs for the rules.
    pub fn watch(&self, period: Duration, what: &str, out: &Progress, stop: &Stop) -> Watch {
        self.watch_until(period, what, out, stop, false)
    }

    /// One look at a new version before any traffic reaches it (a canary pool at
    /// weight 0): polled until it answers, or until `failure_limit` consecutive
    /// unhealthy polls. "No data" passes: nothing has been served yet that could
    /// give data.
    pub fn before_traffic(&self, what: &str, out: &Progress, stop: &Stop) -> Watch {
        self.watch_until(Duration::ZERO, what, out, stop, true)
    }

    fn watch_until(
        &self,
        period: Duration,
        what: &str,
        out: &Progress,
        stop: &Stop,
        no_data_passes: bool,
    ) -> Watch {
        let limit = self.failure_limit.max(1);
        let started = self.clock.now();
        let elapsed = || {
            (self.clock.now() - started)
                .to_std()
                .unwrap_or(Duration::ZERO)
        };
        let mut streak = 0u32;
        let mut answered = false;
        let mut last: Option<Poll> = None;
        loop {
            let overtime = elapsed() >= period;
            let poll = self.poll(out);
            if last.as_ref() != Some(&poll) {
                match &poll {
                    Poll::Healthy => out.say(&format!("{what}: healthy")),
                    Poll::NoData => out.say(&format!("{what}: no health data yet")),
                    Poll::Unhealthy(_) => {}
                }
            }
            match &poll {
                Poll::Healthy => {
                    answered = true;
                    streak = 0;
                }
                // Before traffic, no data is all there can be: an answer.
                Poll::NoData if no_data_passes => {
                    answered = true;
                    streak = 0;
                }
                // Past the period an unhealthy streak waits for a verdict; health
                // that goes quiet instead gives none, so the quiet polls count
                // against the limit (otherwise the watch would never end).
                Poll::NoData if overtime && streak > 0 => {
                    streak += 1;
                    out.say(&format!(
                        "{what}: still no health data after an unhealthy check ({streak} of {limit})"
                    ));
                    if streak >= limit {
                        return Watch::Failed(format!(
                            "{what}: unhealthy, then no health data for {} more check{}",
                            streak - 1,
                            if streak == 2 { "" } else { "s" }
                        ));
                    }
                }
                Poll::NoData => {}
                Poll::Unhealthy(why) => {
                    answered = true;
                    streak += 1;
                    out.say(&format!("{what}: UNHEALTHY ({streak} of {limit}): {why}"));
                    if streak >= limit {
                        return Watch::Failed(format!(
                            "{what}: {streak} consecutive unhealthy health check{}; last: {why}",
                            if streak == 1 { "" } else { "s" }
                        ));
                    }
                }
            }
            last = Some(poll);
            if stop.requested() {
                return Watch::Interrupted;
            }
            let elapsed = elapsed();
            if elapsed >= period && streak == 0 {
                break;
            }
            let nap = if elapsed >= period {
                self.interval
            } else {
                self.interval.min(period - elapsed)
            };
            if stop.sleep(self.clock, nap) {
                return Watch::Interrupted;
            }
        }
        if answered || no_data_passes {
            Watch::Healthy
        } else {
            Watch::Failed(format!(
                "{what}: the health hook reported no data (exit {NO_DATA}) for the whole period"
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use chrono::{TimeDelta, Utc};

    /// Waits jump the clock: a period of seconds is polled at once.
    fn clock() -> &'static ManualClock {
        let clock = Box::leak(Box::new(ManualClock::new(Utc::now())));
        clock.auto_advance(true);
        clock
    }

    /// A health hook that answers each call with the next code of `codes`
    /// (the last one repeats), counting calls in a file.
    fn scripted(dir: &Path, codes: &[i32]) -> Hook {
        let list = codes
            .iter()
            .map(i32::to_string)
            .collect::<Vec<_>>()
            .join(" ");
        let script = format!(
            "n=$(cat {d}/n 2>/dev/null || echo 0); echo $((n+1)) > {d}/n; \
             set -- {list}; i=0; code=0; for c in \"$@\"; do code=$c; i=$((i+1)); \
             [ $i -gt $n ] && break; done; echo \"$SHIPWINDOW_TARGET\" >> {d}/asked; exit $code",
            d = dir.display()
        );
        Hook {
            argv: vec!["sh".into(), "-c".into(), script],
            timeout: TimeDelta::seconds(5),
        }
    }

    fn calls(dir: &Path) -> usize {
        std::fs::read_to_string(dir.join("n"))
            .map(|s| s.trim().parse().unwrap())
            .unwrap_or(0)
    }

    fn check(hook: &Hook, limit: u32) -> HealthCheck<'_> {
        HealthCheck {
            hook,
            targets: Vec::new(),
            values: HookValues::default(),
            interval: Duration::from_millis(50),
            failure_limit: limit,
            cwd: None,
            clock: clock(),
        }
    }

    #[test]
    fn healthy_polls_over_the_period_pass() {
        let dir = tempfile::tempdir().unwrap();
        let hook = scripted(dir.path(), &[0]);
        let out = Progress::capture();
        let w = check(&hook, 1).watch(Duration::from_millis(200), "verify", &out, &Stop::never());
        assert_eq!(w, Watch::Healthy);
        assert!(calls(dir.path()) >= 3, "{}", calls(dir.path()));
    }

    #[test]
    fn no_data_is_retried_and_does_not_count() {
        let dir = tempfile::tempdir().unwrap();
        let hook = scripted(dir.path(), &[75, 75, 0]);
        let out = Progress::capture();
        let w = check(&hook, 1).watch(Duration::from_millis(300), "verify", &out, &Stop::never());
        assert_eq!(w, Watch::Healthy);
        assert!(out.lines().iter().any(|l| l.contains("no health data yet")));
    }

    #[test]
    fn only_no_data_for_the_whole_period_fails() {
        let dir = tempfile::tempdir().unwrap();
        let hook = scripted(dir.path(), &[75]);
        let out = Progress::capture();
        let w = check(&hook, 1).watch(Duration::from_millis(150), "verify", &out, &Stop::never());
        assert!(
            matches!(w, Watch::Failed(ref m) if m.contains("no data")),
            "{w:?}"
        );
    }

    #[test]
    fn before_traffic_passes_on_no_data_and_waits_out_a_short_unhealthy_streak() {
        let out = Progress::capture();
        let dir = tempfile::tempdir().unwrap();
        let hook = scripted(dir.path(), &[75]);
        let w = check(&hook, 1).before_traffic("canary", &out, &Stop::never());
        assert_eq!(w, Watch::Healthy);
        assert_eq!(calls(dir.path()), 1);

        // Two unhealthy polls under a limit of 3, then healthy: it passes.
        let dir = tempfile::tempdir().unwrap();
        let hook = scripted(dir.path(), &[1, 1, 0]);
        let w = check(&hook, 3).before_traffic("canary", &out, &Stop::never());
        assert_eq!(w, Watch::Healthy);
        assert_eq!(calls(dir.path()), 3);

        // Unhealthy once, then quiet: no data is an answer here, so it ends.
        let dir = tempfile::tempdir().unwrap();
        let hook = scripted(dir.path(), &[1, 75]);
        let w = check(&hook, 3).before_traffic("canary", &out, &Stop::never());
        assert_eq!(w, Watch::Healthy);
        assert_eq!(calls(dir.path()), 2);

        // Three in a row: it fails.
        let dir = tempfile::tempdir().unwrap();
        let hook = scripted(dir.path(), &[1]);
        let w = check(&hook, 3).before_traffic("canary", &out, &Stop::never());
        assert!(
            matches!(w, Watch::Failed(ref m) if m.contains("3 consecutive unhealthy")),
            "{w:?}"
        );
    }

    #[test]
    fn an_unhealthy_streak_at_the_end_that_goes_quiet_still_ends() {
        // The period ends in an unhealthy streak (1 of 3); the hook then only says
        // "no data". The watch must not wait for a verdict forever.
        let dir = tempfile::tempdir().unwrap();
        let hook = scripted(dir.path(), &[0, 0, 1, 75]);
        let out = Progress::capture();
        let w = check(&hook, 3).watch(Duration::from_millis(100), "verify", &out, &Stop::never());
        assert!(
            matches!(w, Watch::Failed(ref m) if m.contains("then no health data for 2 more checks")),
            "{w:?}"
        );
        assert!(calls(dir.path()) <= 6, "{}", calls(dir.path()));
    }

    #[test]
    fn failure_limit_counts_consecutive_unhealthy_polls_only() {
        let dir = tempfile::tempdir().unwrap();
        // 1, 1, healthy resets, then 1, 1, 1 → fails on the fifth unhealthy.
        let hook = scripted(dir.path(), &[1, 1, 0, 1, 1, 1, 0]);
        let out = Progress::capture();
        let w = check(&hook, 3).watch(Duration::from_secs(10), "verify", &out, &Stop::never());
        assert!(
            matches!(w, Watch::Failed(ref m) if m.contains("3 consecutive")),
            "{w:?}"
        );
        assert_eq!(calls(dir.path()), 6);
    }

    #[test]
    fn other_exit_codes_and_timeouts_are_unhealthy() {
        let out = Progress::capture();
        let crash = Hook {
            argv: vec!["sh".into(), "-c".into(), "exit 2".into()],
            timeout: TimeDelta::seconds(5),
        };
        assert!(
            matches!(check(&crash, 1).poll(&out), Poll::Unhealthy(ref m) if m.contains("exited with 2"))
        );
        let slow = Hook {
            argv: vec!["sleep".into(), "5".into()],
            timeout: TimeDelta::milliseconds(100),
        };
        // A real 100 ms timeout: the manual clock would never reach it.
        let slow_check = HealthCheck {
            clock: &crate::clock::SystemClock,
            ..check(&slow, 1)
        };
        assert!(matches!(slow_check.poll(&out), Poll::Unhealthy(ref m) if m.contains("timed out")));
    }

    #[test]
    fn only_an_unhealthy_polls_output_is_shown() {
        let out = Progress::capture();
        let hook = |script: &str| Hook {
            argv: vec!["sh".into(), "-c".into(), script.into()],
            timeout: TimeDelta::seconds(5),
        };
        let ok = hook("echo all good");
        assert_eq!(check(&ok, 1).poll(&out), Poll::Healthy);
        assert!(out.lines().is_empty(), "{:?}", out.lines());
        let bad = hook("echo status 500; exit 1");
        assert!(matches!(check(&bad, 1).poll(&out), Poll::Unhealthy(_)));
        assert_eq!(out.lines(), ["  [health] status 500"]);
    }

    #[test]
    fn a_streak_under_the_limit_at_the_end_is_resolved_before_passing() {
        let dir = tempfile::tempdir().unwrap();
        // The period is over after the first poll, which is unhealthy: keep polling.
        let hook = scripted(dir.path(), &[1, 0]);
        let out = Progress::capture();
        let w = check(&hook, 2).watch(Duration::ZERO, "verify", &out, &Stop::never());
        assert_eq!(w, Watch::Healthy);
        assert_eq!(calls(dir.path()), 2);
    }

    #[test]
    fn a_per_target_hook_asks_every_target_of_the_step() {
        let dir = tempfile::tempdir().unwrap();
        let mut hook = scripted(dir.path(), &[0]);
        hook.argv.push("{target}".into());
        let mut c = check(&hook, 1);
        c.targets = vec!["web-1".into(), "web-2".into()];
        let out = Progress::capture();
        assert_eq!(c.poll(&out), Poll::Healthy);
        let asked = std::fs::read_to_string(dir.path().join("asked")).unwrap();
        assert_eq!(asked, "web-1\nweb-2\n");
    }
}
