//! SIGINT and SIGTERM: the first one asks the run to stop at the next safe
//! point (after the current hook: the journal then says what is left, and
//! `run --resume` picks it up); a second one exits at once with 130, leaving
//! the journal as it is (still resumable: an unfinished step is re-run).
//!
//! The handlers live on a small single-threaded tokio runtime on a thread of
//! their own, so the runner itself stays plain blocking code.

use super::progress::Progress;
use crate::clock::{Clock, Waited};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Whether a stop was asked for; cheap to clone and check.
#[derive(Clone, Debug, Default)]
pub struct Stop(Arc<AtomicBool>);

impl Stop {
    /// A flag no signal sets (tests, embedders).
    pub fn never() -> Stop {
        Stop::default()
    }

    pub fn requested(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    pub fn request(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Waits `d` on `clock`; true when a stop was asked for meanwhile (the
    /// wait is cut short then).
    pub fn sleep(&self, clock: &dyn Clock, d: Duration) -> bool {
        clock.wait_for(d, &|| self.requested()) == Waited::Cancelled
    }

    /// Installs the SIGINT/SIGTERM handlers; the flag they set is returned.
    pub fn install(out: &Progress) -> std::io::Result<Stop> {
        use tokio::signal::unix::{SignalKind, signal};
        let stop = Stop::default();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        // Registered here, before the run starts, so no early signal is lost.
        let (mut int, mut term) = {
            let _guard = rt.enter();
            (
                signal(SignalKind::interrupt())?,
                signal(SignalKind::terminate())?,
            )
        };
        let flag = stop.clone();
        let out = out.clone();
        std::thread::spawn(move || {
            rt.block_on(async move {
                loop {
                    let name = tokio::select! {
                        _ = int.recv() => "SIGINT",
                        _ = term.recv() => "SIGTERM",
                    };
                    if flag.requested() {
                        out.alarm(&format!(
                            "{name} again: exiting now; the journal is resumable (run --resume or --rollback)"
                        ));
                        out.finish();
                        std::process::exit(130);
                    }
                    flag.request();
                    out.say(&format!(
                        "{name}: stopping after the current hook (send it again to exit at once)"
                    ));
                }
            });
        });
        Ok(stop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    #[test]
    fn sleep_returns_early_once_a_stop_is_requested() {
        // A held clock never reaches the deadline: only the stop ends the wait.
        let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
        let stop = Stop::never();
        let (other, watched) = (stop.clone(), Arc::clone(&clock));
        std::thread::spawn(move || {
            while watched.waiting() == 0 {
                std::thread::yield_now();
            }
            other.request();
        });
        assert!(stop.sleep(&*clock, Duration::from_secs(10)));
        assert!(stop.sleep(&*clock, Duration::from_secs(10)));
    }
}
