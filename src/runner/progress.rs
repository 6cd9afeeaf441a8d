//! What the runner shows while it works. Without a terminal (CI) every line is
//! plain and starts with an RFC 3339 UTC timestamp:
//! `2026-11-27T06:40:01Z [2/4] deploy web-2 (v2)`. On a terminal the same lines
//! scroll above a live status line (step n of m, elapsed, ETA from the plan)
//! that is redrawn every quarter second. Hook output goes through here too, so
//! it never tears the status line. Stamps, elapsed time and the ETA come from
//! the run's clock; only the redraw ticks on real time.

use crate::clock::{Clock, SystemClock};
use crate::time::duration::format_duration;
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// The shared display; clones print to the same place (hook output readers
/// run on their own threads).
#[derive(Clone)]
pub struct Progress {
    shared: Arc<Shared>,
}

struct Shared {
    tty: bool,
    clock: Arc<dyn Clock>,
    state: Mutex<Status>,
    stop: AtomicBool,
}

/// Where plain lines go.
enum Sink {
    Stdout,
    /// Stamped lines to a writer (a run embedded in another program, tests).
    Writer(Box<dyn Write + Send>),
    /// Unstamped lines kept in memory (unit tests).
    Captured(Vec<String>),
}

struct Status {
    started: DateTime<Utc>,
    total: usize,
    /// `[2/4] deploy web-2` while a step runs.
    current: Option<String>,
    eta: Option<DateTime<Utc>>,
    /// Whether the status line is on screen (and must be cleared before a line).
    drawn: bool,
    sink: Sink,
}

/// The timestamp that starts a plain line.
pub fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl Progress {
    /// A display on stdout: live when `tty`, plain lines otherwise.
    pub fn new(tty: bool, clock: Arc<dyn Clock>) -> Progress {
        let progress = Progress::build(tty, Sink::Stdout, clock);
        if tty {
            let ticker = progress.clone();
            std::thread::spawn(move || {
                while !ticker.shared.stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(250));
                    let mut status = ticker.lock();
                    if status.current.is_some() {
                        ticker.draw(&mut status);
                    }
                }
            });
        }
        progress
    }

    /// Plain lines, stamped by `clock`, to `writer`.
    pub fn plain(writer: Box<dyn Write + Send>, clock: Arc<dyn Clock>) -> Progress {
        Progress::build(false, Sink::Writer(writer), clock)
    }

    /// A plain display that keeps its lines (without timestamps) in memory.
    pub fn capture() -> Progress {
        Progress::build(false, Sink::Captured(Vec::new()), Arc::new(SystemClock))
    }

    fn build(tty: bool, sink: Sink, clock: Arc<dyn Clock>) -> Progress {
        Progress {
            shared: Arc::new(Shared {
                tty,
                state: Mutex::new(Status {
                    started: clock.now(),
                    total: 0,
                    current: None,
                    eta: None,
                    drawn: false,
                    sink,
                }),
                clock,
                stop: AtomicBool::new(false),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Status> {
        // A panicking reader thread must not silence the rest of the run.
        self.shared
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The number of steps, for `[n/m]`.
    pub fn set_total(&self, total: usize) {
        self.lock().total = total;
    }

    /// `[n/m] what`, shown as a line and kept on the status line until the next
    /// step; `eta` is when the plan expects the whole run (monitoring included)
    /// to end.
    pub fn step(&self, index: usize, what: &str, eta: Option<DateTime<Utc>>) {
        let mut status = self.lock();
        let tag = format!("[{index}/{}] {what}", status.total);
        status.current = Some(tag.clone());
        status.eta = eta;
        self.emit(&mut status, &tag);
    }

    /// Leaves the step (monitoring, rollback and the end are not numbered steps).
    pub fn phase(&self, what: &str, eta: Option<DateTime<Utc>>) {
        let mut status = self.lock();
        status.current = Some(what.to_string());
        status.eta = eta;
        self.emit(&mut status, what);
    }

    /// One line from the runner.
    pub fn say(&self, line: &str) {
        let mut status = self.lock();
        self.emit(&mut status, line);
    }

    /// One line of a hook's output: `  [deploy web-2] …`.
    pub fn hook_line(&self, label: &str, line: &str) {
        let mut status = self.lock();
        self.emit(&mut status, &format!("  [{label}] {line}"));
    }

    /// Something people must not miss (a failed rollback hook).
    pub fn alarm(&self, line: &str) {
        let mut status = self.lock();
        self.emit(&mut status, &format!("!! {line}"));
    }

    /// Clears the status line and stops redrawing it.
    pub fn finish(&self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        let mut status = self.lock();
        status.current = None;
        if status.drawn {
            let mut out = std::io::stdout().lock();
            let _ = write!(out, "\r\x1b[2K");
            let _ = out.flush();
            status.drawn = false;
        }
    }

    /// The captured lines (`capture()` only).
    pub fn lines(&self) -> Vec<String> {
        match &self.lock().sink {
            Sink::Captured(lines) => lines.clone(),
            _ => Vec::new(),
        }
    }

    fn emit(&self, status: &mut Status, line: &str) {
        let now = self.shared.clock.now();
        match &mut status.sink {
            Sink::Stdout => {}
            Sink::Captured(lines) => return lines.push(line.to_string()),
            Sink::Writer(w) => {
                let _ = writeln!(w, "{} {line}", stamp(now));
                let _ = w.flush();
                return;
            }
        }
        let mut out = std::io::stdout().lock();
        if self.shared.tty {
            if status.drawn {
                let _ = write!(out, "\r\x1b[2K");
                status.drawn = false;
            }
            let _ = writeln!(out, "{} {line}", now.format("%H:%M:%S"));
            drop(out);
            if status.current.is_some() {
                self.draw(status);
            }
        } else {
            let _ = writeln!(out, "{} {line}", stamp(now));
            let _ = out.flush();
        }
    }

    fn draw(&self, status: &mut Status) {
        let Some(current) = status.current.as_deref() else {
            return;
        };
        let now = self.shared.clock.now();
        let elapsed = TimeDelta::seconds((now - status.started).num_seconds());
        let eta = match status.eta {
            Some(eta) => {
                let left = (eta - now).max(TimeDelta::zero());
                format!(
                    " · ETA {} (~{} left)",
                    eta.format("%H:%M:%SZ"),
                    format_duration(left)
                )
            }
            None => String::new(),
        };
        let mut out = std::io::stdout().lock();
        let _ = write!(
            out,
            "\r\x1b[2K\x1b[1m▶ {current}\x1b[0m · {} elapsed{eta}",
            format_duration(elapsed)
        );
        let _ = out.flush();
        status.drawn = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_numbered_out_of_the_total_and_hook_lines_are_prefixed() {
        let p = Progress::capture();
        p.set_total(4);
        p.step(2, "deploy web-2 (v2)", None);
        p.hook_line("deploy web-2", "pulling image");
        p.alarm("rollback web-2 failed");
        assert_eq!(
            p.lines(),
            [
                "[2/4] deploy web-2 (v2)",
                "  [deploy web-2] pulling image",
                "!! rollback web-2 failed"
            ]
        );
    }

    #[test]
    fn plain_lines_are_stamped_in_utc_to_the_second() {
        let t = DateTime::parse_from_rfc3339("2026-11-27T15:40:01.5+09:00")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(stamp(t), "2026-11-27T06:40:01Z");
    }
}
