//! What `wait` shows while it waits, on stderr (stdout keeps the final decision
//! alone, for scripts, as `check` prints it): one line per decision that leads
//! to more waiting, each starting with an RFC 3339 UTC timestamp:
//! `2026-11-27T08:15:07Z denied: weekend (freeze) until Mon 2026-11-30 06:00 KST;
//! waiting until …`. On a terminal a live countdown line sits below them,
//! redrawn every quarter second; lines scroll above it without tearing it.

use super::waiting::{Decided, Report};
use crate::cli::human::when;
use crate::clock::Clock;
use crate::eval::Decision;
use crate::text::escape;
use crate::time::duration::{format_duration, format_until};
use chrono::{DateTime, SecondsFormat, TimeDelta, Timelike, Utc};
use chrono_tz::Tz;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// Clears the terminal line the cursor is on.
const CLEAR_LINE: &str = "\r\x1b[2K";

/// The display; clones draw to the same place (the countdown ticks on a thread).
#[derive(Clone)]
pub(super) struct Display {
    shared: Arc<Shared>,
}

struct Shared {
    tty: bool,
    clock: Arc<dyn Clock>,
    /// The end of the whole wait (the timeout), for the countdown.
    deadline: DateTime<Utc>,
    state: Mutex<Status>,
    done: AtomicBool,
}

struct Status {
    /// What the countdown counts down to, while waiting.
    countdown: Option<(DateTime<Utc>, Tz)>,
    /// Whether the countdown is on screen (and must be cleared before a line).
    drawn: bool,
    /// Lines kept in memory instead of written (unit tests).
    captured: Option<Vec<String>>,
}

impl Display {
    /// Lines on stderr; with `tty`, the live countdown too.
    pub(super) fn new(tty: bool, clock: Arc<dyn Clock>, deadline: DateTime<Utc>) -> Display {
        let display = Display::build(tty, clock, deadline, None);
        if tty {
            let ticker = display.clone();
            std::thread::spawn(move || {
                while !ticker.shared.done.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(250));
                    let mut status = ticker.lock();
                    if status.countdown.is_some() && !ticker.shared.done.load(Ordering::Relaxed) {
                        ticker.draw(&mut status);
                    }
                }
            });
        }
        display
    }

    /// A display that keeps its lines in memory.
    #[cfg(test)]
    pub(super) fn capture(clock: Arc<dyn Clock>, deadline: DateTime<Utc>) -> Display {
        Display::build(false, clock, deadline, Some(Vec::new()))
    }

    fn build(
        tty: bool,
        clock: Arc<dyn Clock>,
        deadline: DateTime<Utc>,
        captured: Option<Vec<String>>,
    ) -> Display {
        Display {
            shared: Arc::new(Shared {
                tty,
                clock,
                deadline,
                state: Mutex::new(Status {
                    countdown: None,
                    drawn: false,
                    captured,
                }),
                done: AtomicBool::new(false),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Status> {
        self.shared
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The lines kept so far (a capturing display).
    #[cfg(test)]
    pub(super) fn lines(&self) -> Vec<String> {
        self.lock().captured.clone().unwrap_or_default()
    }

    /// One line, stamped with the clock's time.
    pub(super) fn say(&self, line: &str) {
        let mut status = self.lock();
        let stamp = self
            .shared
            .clock
            .now()
            .to_rfc3339_opts(SecondsFormat::Secs, true);
        let line = format!("{stamp} {line}");
        if let Some(kept) = &mut status.captured {
            kept.push(line);
            return;
        }
        let mut err = std::io::stderr().lock();
        if status.drawn {
            let _ = write!(err, "{CLEAR_LINE}");
            status.drawn = false;
        }
        let _ = writeln!(err, "{line}");
        drop(err);
        if self.shared.tty && status.countdown.is_some() {
            self.draw(&mut status);
        }
    }

    /// Draws the countdown line (a terminal only).
    fn draw(&self, status: &mut Status) {
        let Some((until, zone)) = status.countdown else {
            return;
        };
        let now = self.shared.clock.now();
        let left = (until - now).max(TimeDelta::zero());
        let deadline = self.shared.deadline.with_timezone(&zone);
        let text = format!(
            "waiting {} until {} (timeout {})",
            // Rounded up: "1s left" until it is time, never "0s" early.
            format_duration(TimeDelta::seconds((left.num_milliseconds() + 999) / 1000)),
            exactly(&until.with_timezone(&zone)),
            when(&deadline)
        );
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "{CLEAR_LINE}{text}");
        let _ = err.flush();
        status.drawn = true;
    }

    /// Stops the countdown and clears it from the screen.
    pub(super) fn finish(&self) {
        self.shared.done.store(true, Ordering::Relaxed);
        let mut status = self.lock();
        status.countdown = None;
        if status.drawn {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "{CLEAR_LINE}");
            let _ = err.flush();
            status.drawn = false;
        }
    }

    /// The closing line of a wait that had to wait and ends allowed.
    pub(super) fn allowed(&self, d: &Decision, waited: TimeDelta) {
        self.say(&format!(
            "allowed: {} {} to {} may start now (waited {})",
            d.change.as_str(),
            escape(&d.service),
            escape(&d.env),
            format_duration(waited)
        ));
    }

    /// The closing line of a wait that ends denied: why, and why not later.
    pub(super) fn not_in_time(&self, decided: &Decided) {
        let d = &decided.decision;
        let zone = d.start.timezone();
        let why = match (&d.next_allowed, &d.data_end) {
            (Some(next), _) => format!(
                "the next opening, {}, is after the timeout ({})",
                exactly(next),
                exactly(&self.shared.deadline.with_timezone(&zone))
            ),
            (None, Some((end, data))) => {
                format!("nothing opens before {} (the end of {data})", when(end))
            }
            (None, None) => match decided.horizon {
                Some(h) => format!("nothing opens within the {} horizon", format_duration(h)),
                None => "nothing opens within the policy's horizon".into(),
            },
        };
        self.say(&format!("denied: {}; {why}", blockers(d)));
    }
}

/// `weekend (freeze: Nobody is around …) until Mon 2026-11-30 06:00 KST, …`.
fn blockers(d: &Decision) -> String {
    let list: Vec<String> = d
        .blocked_by
        .iter()
        .map(|b| {
            format!(
                "{} ({}: {}) until {}",
                escape(&b.rule),
                b.kind.as_str(),
                escape(&b.reason),
                exactly(&b.until)
            )
        })
        .collect();
    if list.is_empty() {
        "no rule named".into()
    } else {
        list.join(", ")
    }
}

/// `when`, with the seconds when they are not zero: a wait of a few seconds
/// says to the second when it ends.
fn exactly(t: &DateTime<Tz>) -> String {
    if t.second() == 0 {
        when(t)
    } else {
        t.format("%a %Y-%m-%d %H:%M:%S %Z").to_string()
    }
}

impl Report for Display {
    fn denied(&self, now: DateTime<Utc>, decided: &Decided, until: DateTime<Utc>) {
        let d = &decided.decision;
        let zone = d.start.timezone();
        {
            let mut status = self.lock();
            status.countdown = Some((until, zone));
        }
        self.say(&format!(
            "denied: {}; waiting until {} ({})",
            blockers(d),
            exactly(&until.with_timezone(&zone)),
            format_until(now, until)
        ));
    }

    fn no_answer(&self, now: DateTime<Utc>, why: &str, retry_at: DateTime<Utc>) {
        {
            // The zone of the last answer, if there was one.
            let mut status = self.lock();
            let zone = status.countdown.map_or(chrono_tz::UTC, |(_, zone)| zone);
            status.countdown = Some((retry_at, zone));
        }
        self.say(&format!(
            "no answer: {why}; asking again {}",
            format_until(now, retry_at)
        ));
    }
}
