//! Evaluations (decisions, windows reports, calendar exports) run on tokio's
//! blocking pool, never on the async workers: a long one then cannot stall the
//! server, `/healthz` and `/metrics` answer meanwhile, and the request deadline
//! can fire while it runs.
//!
//! A deadline answers the client but cannot stop a thread. So each evaluation
//! holds a slot from start to finish, and there are [`MAX_EVALUATIONS`] slots:
//! evaluations that outlived their request still count, and new ones wait for a
//! slot (inside their own deadline, so a saturated server answers 503 rather than
//! queueing without end). What is in flight is bounded by the slots; how long
//! each runs is bounded by the policy's limits on dense rules and the horizon.

use super::error::ApiError;
use crate::policy::PolicySet;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Evaluations in flight at once, whether or not their request still waits:
/// as many as the API takes requests at once (`MAX_CONCURRENT`), so slots only
/// run short when evaluations outlive their requests.
pub const MAX_EVALUATIONS: usize = 256;

/// Something run on the blocking thread just before each evaluation.
pub type EvaluationHook = Arc<dyn Fn() + Send + Sync>;

/// The slots evaluations take, and an optional hook run before each.
pub(super) struct Evaluations {
    slots: Arc<Semaphore>,
    hook: Option<EvaluationHook>,
}

impl Default for Evaluations {
    fn default() -> Evaluations {
        Evaluations::new(MAX_EVALUATIONS)
    }
}

impl Evaluations {
    pub fn new(slots: usize) -> Evaluations {
        Evaluations {
            slots: Arc::new(Semaphore::new(slots)),
            hook: None,
        }
    }

    /// Runs `hook` on the blocking thread before each evaluation (a test holds
    /// one there to have an evaluation in flight at a known moment).
    pub fn with_hook(mut self, hook: EvaluationHook) -> Evaluations {
        self.hook = Some(hook);
        self
    }

    /// Runs `work` against `policy` on the blocking pool once a slot is free,
    /// holding the slot until `work` returns, even after the caller gave up.
    pub async fn run<T: Send + 'static>(
        &self,
        policy: Arc<PolicySet>,
        work: impl FnOnce(&PolicySet) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let slot = Arc::clone(&self.slots)
            .acquire_owned()
            .await
            .map_err(|e| ApiError::internal("the evaluation slots are closed", e))?;
        let hook = self.hook.clone();
        let task = tokio::task::spawn_blocking(move || {
            let _slot = slot;
            if let Some(hook) = hook {
                hook();
            }
            work(&policy)
        });
        match task.await {
            Ok(outcome) => outcome,
            Err(e) => Err(ApiError::internal("an evaluation task failed", e)),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        reason = "a test should fail loudly at the failing step"
    )]

    use super::*;
    use std::sync::Mutex;
    use std::sync::mpsc;

    fn policy() -> Arc<PolicySet> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
        Arc::new(PolicySet::load(&dir).unwrap())
    }

    /// A hook that says when an evaluation started and holds it until released.
    fn held() -> (EvaluationHook, mpsc::Receiver<()>, mpsc::Sender<()>) {
        let (started_tx, started) = mpsc::channel();
        let (release, release_rx) = mpsc::channel::<()>();
        let release_rx = Mutex::new(release_rx);
        let hook: EvaluationHook = Arc::new(move || {
            // Nobody listens any more for a later evaluation's start.
            let _ = started_tx.send(());
            release_rx.lock().unwrap().recv().unwrap();
        });
        (hook, started, release)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_abandoned_evaluation_keeps_its_slot_until_it_ends() {
        let (hook, started, release) = held();
        let evaluations = Arc::new(Evaluations::new(1).with_hook(hook));
        let first = tokio::spawn({
            let evaluations = Arc::clone(&evaluations);
            async move { evaluations.run(policy(), |p| Ok(p.rules.len())).await }
        });
        tokio::task::spawn_blocking(move || started.recv().unwrap())
            .await
            .unwrap();
        // The caller gives up, as a deadline does; the thread goes on.
        first.abort();
        assert!(first.await.unwrap_err().is_cancelled());
        // The only slot is still taken, so a second evaluation cannot start.
        let second = tokio::spawn({
            let evaluations = Arc::clone(&evaluations);
            async move { evaluations.run(policy(), |p| Ok(p.rules.len())).await }
        });
        tokio::task::yield_now().await;
        assert_eq!(evaluations.slots.available_permits(), 0);
        assert!(!second.is_finished());
        // Once the first ends, the second runs (its hook is released too).
        release.send(()).unwrap();
        release.send(()).unwrap();
        let guard = tokio::time::timeout(std::time::Duration::from_secs(30), second);
        assert!(guard.await.unwrap().unwrap().unwrap() > 0);
    }
}
