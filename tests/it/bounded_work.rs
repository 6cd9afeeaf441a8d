//! Issue 13, class 8: the work of one request is bounded. The server evaluates
//! off its async workers under a deadline that really answers 503 while the
//! evaluation still runs, and `/healthz` and `/metrics` answer meanwhile.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::server::{bundled, call_json};
use axum::http::StatusCode;
use shipwindow::PolicySet;
use shipwindow::server::{AppState, EvaluationHook, Tokens, app};
use shipwindow::store::Store;
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

/// How long a test waits for an event before it calls the code under test hung.
const HANG_GUARD: Duration = Duration::from_secs(60);

/// Evaluations that report their start and then wait to be released.
struct Held {
    started: Arc<Mutex<mpsc::Receiver<()>>>,
    release: mpsc::Sender<()>,
}

impl Held {
    /// Waits (off the async thread) until an evaluation has started.
    async fn started(&self) {
        let started = Arc::clone(&self.started);
        tokio::task::spawn_blocking(move || started.lock().unwrap().recv_timeout(HANG_GUARD))
            .await
            .unwrap()
            .expect("no evaluation started");
    }
}

/// The bundled policies served with `deadline`, every evaluation held.
fn held_router(deadline: Duration) -> (axum::Router, Held) {
    let (started_tx, started) = mpsc::channel();
    let (release, release_rx) = mpsc::channel::<()>();
    let release_rx = Mutex::new(release_rx);
    let hook: EvaluationHook = Arc::new(move || {
        let _ = started_tx.send(());
        // A test that ends without releasing must not leave the thread behind.
        let _ = release_rx.lock().unwrap().recv_timeout(HANG_GUARD);
    });
    let policy = PolicySet::load(&bundled()).unwrap();
    let state = AppState::new(policy, Store::in_memory().unwrap())
        .unwrap()
        .with_deadline(deadline)
        .with_evaluation_hook(hook);
    let held = Held {
        started: Arc::new(Mutex::new(started)),
        release,
    };
    (app(Arc::new(state), Tokens::default()), held)
}

// One async thread: had an evaluation run on it, nothing else could answer and
// no deadline could fire until it ended.
#[tokio::test(flavor = "current_thread")]
async fn a_held_evaluation_answers_503_at_the_deadline_while_healthz_answers() {
    let paths = [
        ("GET", "/v1/check?service=web&env=prod&at=2026-11-27T10:00"),
        ("GET", "/v1/next?service=web&env=prod&at=2026-11-27T10:00"),
        (
            "GET",
            "/v1/windows?service=web&env=prod&from=2026-11-23T00:00&to=2026-11-30T00:00",
        ),
        ("GET", "/v1/calendar.ics?service=web&env=prod"),
        ("POST", "/v1/check"),
    ];
    for (method, path) in paths {
        let (router, held) = held_router(Duration::from_millis(200));
        let body = (method == "POST").then(
            || serde_json::json!({"service": "web", "env": "prod", "at": "2026-11-27T10:00"}),
        );
        let asked = tokio::spawn({
            let router = router.clone();
            async move { call_json(&router, method, path, body).await }
        });
        held.started().await;
        // The evaluation is still running (it waits for `release`), and the
        // operational endpoints answer all the same.
        let (status, health) = call_json(&router, "GET", "/healthz", None).await;
        assert_eq!(status, StatusCode::OK, "{path}: {health}");
        assert_eq!(health["status"], "ok", "{path}");
        let (status, _) = call_json(&router, "GET", "/metrics", None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let (status, answer) = tokio::time::timeout(HANG_GUARD, asked)
            .await
            .expect("the deadline never fired")
            .unwrap();
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{path}: {answer}");
        assert_eq!(
            answer["error"], "the request took longer than 0.2s",
            "{path}"
        );
        held.release.send(()).unwrap();
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_released_evaluation_within_the_deadline_answers_as_usual() {
    let (router, held) = held_router(Duration::from_secs(60));
    let asked = tokio::spawn({
        let router = router.clone();
        async move {
            let path = "/v1/check?service=web&env=prod&at=2026-11-27T17:30:00%2B09:00";
            call_json(&router, "GET", path, None).await
        }
    });
    held.started().await;
    held.release.send(()).unwrap();
    let (status, decision) = asked.await.unwrap();
    assert_eq!(status, StatusCode::OK, "{decision}");
    assert_eq!(decision["verdict"], "deny");
}
