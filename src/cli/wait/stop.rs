//! SIGINT and SIGTERM during `wait`: the first one asks the loop to end (a
//! clock wait looks at the flag every few milliseconds); if the loop is busy
//! asking a server and has not ended within [`GRACE`], or a second signal
//! comes, the process exits with 130 from here. Nothing is left half-done by a
//! wait, so exiting at once is safe.
//!
//! The handlers live on a small single-threaded tokio runtime on a thread of
//! their own, so the loop itself stays plain blocking code.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// The exit code of a wait ended by a signal (128 + SIGINT, as shells report it).
pub(super) const EXIT_STOPPED: u8 = 130;

/// How long the loop has to notice a stop before the handler ends the process:
/// longer than a clock wait takes to notice, shorter than a server request may
/// take.
const GRACE: Duration = Duration::from_secs(1);

/// Which signal asked to stop, once one has; cheap to clone and check.
#[derive(Clone, Debug, Default)]
pub(super) struct Stop(Arc<OnceLock<&'static str>>);

impl Stop {
    pub(super) fn requested(&self) -> bool {
        self.0.get().is_some()
    }

    /// The signal's name, once one came.
    pub(super) fn signal(&self) -> Option<&'static str> {
        self.0.get().copied()
    }

    #[cfg(test)]
    pub(super) fn request(&self, name: &'static str) {
        let _ = self.0.set(name);
    }

    /// Installs the SIGINT/SIGTERM handlers; `say` writes the last line when the
    /// handler itself ends the process.
    pub(super) fn install(say: impl Fn(&str) + Send + 'static) -> std::io::Result<Stop> {
        use tokio::signal::unix::{SignalKind, signal};
        let stop = Stop::default();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        // Registered before the first decision, so no early signal is lost.
        let (mut int, mut term) = {
            let _guard = rt.enter();
            (
                signal(SignalKind::interrupt())?,
                signal(SignalKind::terminate())?,
            )
        };
        let flag = stop.clone();
        std::thread::spawn(move || {
            rt.block_on(async move {
                let first = tokio::select! {
                    _ = int.recv() => "SIGINT",
                    _ = term.recv() => "SIGTERM",
                };
                let _ = flag.0.set(first);
                // The loop normally ends the process well within the grace.
                let name = tokio::select! {
                    _ = int.recv() => "SIGINT",
                    _ = term.recv() => "SIGTERM",
                    () = tokio::time::sleep(GRACE) => first,
                };
                say(&format!("{name}: stopped waiting"));
                std::process::exit(i32::from(EXIT_STOPPED));
            });
        });
        Ok(stop)
    }
}
