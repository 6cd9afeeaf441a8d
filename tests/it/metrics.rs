//! `GET /metrics` as a scraper sees it: counters with known label values are
//! there at zero before their first event, the gauges follow a failed reload and
//! the runtime freezes in force and the slots booked, and `Accept` picks OpenMetrics or Prometheus
//! text 0.0.4.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::ics::{Dir, t};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::json;
use shipwindow::clock::ManualClock;
use shipwindow::server::{AppState, Tokens, app};
use shipwindow::store::Store;
use std::sync::Arc;
use tower::ServiceExt;

const POLICY: &str = r#"
[settings]
timezone = "UTC"

[[freeze]]
name = "weekend"
from = "fri 17:00"
to = "mon 06:00"

[[window]]
name = "daytime"
days = ["mon-fri"]
start = "09:00"
end = "17:00"

[[lane]]
name = "web"
services = ["web"]
envs = ["prod"]
"#;

fn state(dir: &Dir) -> Arc<AppState> {
    let clock = Arc::new(ManualClock::new(t("2026-12-07T10:00:00Z")));
    let state = AppState::from_dir(dir.policies(), Store::in_memory().unwrap())
        .unwrap()
        .with_clock(clock);
    Arc::new(state)
}

/// The status, content type and body of `GET /metrics` with this `Accept`.
async fn scrape(state: &Arc<AppState>, accept: Option<&str>) -> (String, String) {
    let mut req = Request::get("/metrics");
    if let Some(accept) = accept {
        req = req.header("accept", accept);
    }
    let resp = app(Arc::clone(state), Tokens::default())
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let ctype = resp.headers()["content-type"].to_str().unwrap().to_string();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (ctype, String::from_utf8(body.to_vec()).unwrap())
}

fn has_line(text: &str, line: &str) {
    assert!(text.lines().any(|l| l == line), "no `{line}` in:\n{text}");
}

#[tokio::test]
async fn known_counters_start_at_zero() {
    let dir = Dir::new(&[("p.toml", POLICY)]);
    let state = state(&dir);
    let (_, text) = scrape(&state, None).await;
    for line in [
        "shipwindow_reloads_total{outcome=\"ok\"} 0",
        "shipwindow_reloads_total{outcome=\"failed\"} 0",
        "shipwindow_audit_writes_total{outcome=\"ok\"} 0",
        "shipwindow_audit_writes_total{outcome=\"failed\"} 0",
        "shipwindow_decisions_total{verdict=\"deny\"} 0",
        "shipwindow_blocked_total{rule=\"weekend\",kind=\"freeze\"} 0",
        "shipwindow_blocked_total{rule=\"daytime\",kind=\"window\"} 0",
        "shipwindow_blocked_total{rule=\"runtime\",kind=\"freeze\"} 0",
        "shipwindow_degraded 0",
        "shipwindow_runtime_freezes_active 0",
        "shipwindow_reservations_active 0",
    ] {
        has_line(&text, line);
    }
    // The first failed reload is then a step from 0 to 1 that `increase()` sees.
    std::fs::write(dir.policies().join("p.toml"), "[[freeze]]\nname = 1\n").unwrap();
    assert!(state.reload().is_err());
    let (_, text) = scrape(&state, None).await;
    has_line(&text, "shipwindow_reloads_total{outcome=\"failed\"} 1");
    has_line(&text, "shipwindow_degraded 1");
    std::fs::write(dir.policies().join("p.toml"), POLICY).unwrap();
    state.reload().unwrap();
    let (_, text) = scrape(&state, None).await;
    has_line(&text, "shipwindow_degraded 0");
}

#[tokio::test]
async fn the_runtime_freeze_gauge_counts_the_freezes_in_force() {
    let dir = Dir::new(&[("p.toml", POLICY)]);
    let state = state(&dir);
    for _ in 0..2 {
        let req = Request::post("/v1/freezes")
            .header("content-type", "application/json")
            .body(Body::from(
                json!({"services": ["web"], "envs": ["prod"], "for": "2h", "reason": "INC-1"})
                    .to_string(),
            ))
            .unwrap();
        let resp = app(Arc::clone(&state), Tokens::default())
            .oneshot(req)
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::CREATED);
    }
    let (_, text) = scrape(&state, None).await;
    has_line(&text, "shipwindow_runtime_freezes_active 2");
    has_line(&text, "shipwindow_audit_writes_total{outcome=\"ok\"} 2");
}

async fn send(
    state: &Arc<AppState>,
    method: &str,
    path: &str,
    body: serde_json::Value,
) -> StatusCode {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let resp = app(Arc::clone(state), Tokens::default())
        .oneshot(req)
        .await
        .unwrap();
    resp.status()
}

#[tokio::test]
async fn the_reservation_gauge_counts_the_slots_booked_until_released() {
    let dir = Dir::new(&[("p.toml", POLICY)]);
    let state = state(&dir);
    for at in ["2026-12-07T11:00:00Z", "2026-12-07T14:00:00Z"] {
        let body = json!({"service": "web", "env": "prod", "at": at, "duration": "30m",
                          "monitoring": "30m", "by": "alice"});
        let status = send(&state, "POST", "/v1/reservations", body).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (_, text) = scrape(&state, None).await;
    has_line(&text, "shipwindow_reservations_active 2");
    let status = send(&state, "DELETE", "/v1/reservations/1?by=alice", json!(null)).await;
    assert_eq!(status, StatusCode::OK);
    let (_, text) = scrape(&state, None).await;
    has_line(&text, "shipwindow_reservations_active 1");
}

#[tokio::test]
async fn accept_picks_the_text_format() {
    let dir = Dir::new(&[("p.toml", POLICY)]);
    let state = state(&dir);
    let openmetrics = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    let prometheus = "text/plain; version=0.0.4; charset=utf-8";
    for (accept, want) in [
        (None, openmetrics),
        (Some("*/*"), openmetrics),
        (Some("application/openmetrics-text"), openmetrics),
        (Some("text/plain"), prometheus),
        (Some("text/plain; version=0.0.4"), prometheus),
        // What Prometheus sends: OpenMetrics first.
        (
            Some(
                "application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
            ),
            openmetrics,
        ),
        (
            Some("application/openmetrics-text;q=0.2, text/plain;q=0.9"),
            prometheus,
        ),
    ] {
        let (ctype, text) = scrape(&state, accept).await;
        assert_eq!(ctype, want, "Accept: {accept:?}");
        if want == prometheus {
            // 0.0.4: a counter's TYPE names its `_total` samples; no EOF.
            has_line(&text, "# TYPE shipwindow_decisions_total counter");
            has_line(&text, "# TYPE shipwindow_degraded gauge");
            has_line(&text, "shipwindow_decisions_total{verdict=\"allow\"} 0");
            assert!(!text.contains("# EOF"), "{text}");
            assert!(!text.contains("# UNIT"), "{text}");
        } else {
            has_line(&text, "# TYPE shipwindow_decisions counter");
            assert!(text.ends_with("# EOF\n"), "{text}");
        }
    }
}
