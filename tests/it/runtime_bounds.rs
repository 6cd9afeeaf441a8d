//! Issue 13, class 9: a runtime write is bounded. A freeze lists at most
//! `MAX_PATTERNS` service and env patterns of at most `MAX_PATTERN_CHARS`
//! characters each, at most `MAX_UNEXPIRED_FREEZES` are in force or scheduled at
//! once — through `POST /v1/freezes` and Slack's `freeze` alike — and `/metrics`
//! keeps the same series however many freezes, services, envs and paths come.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::server::bundled;
use crate::support::server::call_text as call;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use hmac::{Hmac, KeyInit, Mac};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use sha2::Sha256;
use shipwindow::PolicySet;
use shipwindow::server::{
    AppState, MAX_PATTERN_CHARS, MAX_PATTERNS, MAX_UNEXPIRED_FREEZES, Tokens, app,
};
use shipwindow::store::Store;
use std::sync::Arc;
use tower::ServiceExt;

const SECRET: &str = "bounds-test-signing-secret";

fn router() -> axum::Router {
    let policy = PolicySet::load(&bundled()).unwrap();
    let state = AppState::new(policy, Store::in_memory().unwrap())
        .unwrap()
        .with_slack_secret(SECRET.as_bytes().to_vec());
    app(Arc::new(state), Tokens::default())
}

async fn freeze(
    router: &axum::Router,
    services: &[String],
    envs: &[String],
) -> (StatusCode, String) {
    let body = json!({"services": services, "envs": envs, "for": "2h", "reason": "INC-9"});
    call(router, "POST", "/v1/freezes", Some(body)).await
}

/// A signed Slack command; its ephemeral or in-channel answer as text.
async fn slack(router: &axum::Router, text: &str) -> String {
    static TRIGGER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let trigger = TRIGGER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let encoded: String = text
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    let body = format!(
        "team_id=T1&channel_id=C1&user_id=U42&user_name=alice&command=%2Fshipwindow&text={encoded}&trigger_id={trigger}"
    );
    let ts = chrono::Utc::now().timestamp().to_string();
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("v0:{ts}:{body}").as_bytes());
    let sig: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let req = Request::builder()
        .method("POST")
        .uri("/v1/slack/command")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-slack-request-timestamp", &ts)
        .header("x-slack-signature", format!("v0={sig}"))
        .body(Body::from(body))
        .unwrap();
    let resp = router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn names(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i}")).collect()
}

fn one(name: &str) -> Vec<String> {
    vec![name.to_string()]
}

/// The JSON error of a 400, which must name `field` and `limit`.
fn assert_refused(answer: (StatusCode, String), field: &str, limit: usize) {
    let (status, body) = answer;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let error: Value = serde_json::from_str(&body).unwrap();
    let message = error["error"].as_str().unwrap();
    assert!(message.contains(&format!("`{field}`")), "{message}");
    assert!(message.contains(&limit.to_string()), "{message}");
}

#[tokio::test]
async fn too_many_patterns_are_refused_naming_the_field_and_the_limit() {
    let router = router();
    let prod = one("prod");
    assert_refused(
        freeze(&router, &names("svc-", MAX_PATTERNS + 1), &prod).await,
        "services",
        MAX_PATTERNS,
    );
    assert_refused(
        freeze(&router, &names("svc-", 1_000), &prod).await,
        "services",
        MAX_PATTERNS,
    );
    assert_refused(
        freeze(&router, &one("web"), &names("env-", MAX_PATTERNS + 1)).await,
        "envs",
        MAX_PATTERNS,
    );
    // Exclusions are patterns too.
    let mut with_exclusions = names("svc-", MAX_PATTERNS);
    with_exclusions.push("!svc-0".into());
    assert_refused(
        freeze(&router, &with_exclusions, &prod).await,
        "services",
        MAX_PATTERNS,
    );
    // Nothing was stored; exactly the limit is fine.
    let (_, list) = call(&router, "GET", "/v1/freezes", None).await;
    assert_eq!(
        serde_json::from_str::<Value>(&list).unwrap()["freezes"],
        json!([])
    );
    let (status, body) = freeze(
        &router,
        &names("svc-", MAX_PATTERNS),
        &names("env-", MAX_PATTERNS),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // Slack's `freeze` goes through the same checks.
    let services = names("svc-", MAX_PATTERNS + 1).join(",");
    let answer = slack(
        &router,
        &format!("freeze {services} prod for 2h because INC-9"),
    )
    .await;
    assert!(
        answer.contains("`services`") && answer.contains("64"),
        "{answer}"
    );
    let envs = names("env-", MAX_PATTERNS + 1).join(",");
    let answer = slack(&router, &format!("freeze web {envs} for 2h because INC-9")).await;
    assert!(
        answer.contains("`envs`") && answer.contains("64"),
        "{answer}"
    );
    let services = names("svc-", MAX_PATTERNS).join(",");
    let answer = slack(
        &router,
        &format!("freeze {services} prod for 2h because INC-9"),
    )
    .await;
    assert!(answer.contains("Freeze"), "{answer}");
}

#[tokio::test]
async fn too_long_patterns_are_refused_naming_the_entry_and_the_limit() {
    let router = router();
    let prod = one("prod");
    let long = "a".repeat(MAX_PATTERN_CHARS + 1);
    assert_refused(
        freeze(&router, &["web".into(), long.clone()], &prod).await,
        "services[1]",
        MAX_PATTERN_CHARS,
    );
    assert_refused(
        freeze(&router, &one("web"), &one(&long)).await,
        "envs[0]",
        MAX_PATTERN_CHARS,
    );
    // A long glob is refused before it is compiled, however long it is.
    let glob = format!("{}*", "{a,b}".repeat(10_000));
    assert_refused(
        freeze(&router, &one(&glob), &prod).await,
        "services[0]",
        MAX_PATTERN_CHARS,
    );
    let excluded = format!("!{}", "x".repeat(MAX_PATTERN_CHARS));
    assert_refused(
        freeze(&router, &one(&excluded), &prod).await,
        "services[0]",
        MAX_PATTERN_CHARS,
    );
    // Characters are counted, not bytes: 256 two-byte characters are fine.
    let accented = "é".repeat(MAX_PATTERN_CHARS);
    let (status, body) = freeze(
        &router,
        &one(&accented),
        &one(&"é".repeat(MAX_PATTERN_CHARS)),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = freeze(&router, &one(&format!("{accented}é")), &prod).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    // And through Slack.
    let answer = slack(
        &router,
        &format!("freeze web,{long} prod for 2h because INC-9"),
    )
    .await;
    assert!(
        answer.contains("`services[1]`") && answer.contains("256"),
        "{answer}"
    );
    let answer = slack(&router, &format!("freeze web {long} for 2h because INC-9")).await;
    assert!(
        answer.contains("`envs[0]`") && answer.contains("256"),
        "{answer}"
    );
}

#[tokio::test]
async fn no_more_than_the_limit_of_freezes_are_in_force_and_lifting_one_frees_a_place() {
    let router = router();
    let prod = one("prod");
    for i in 0..MAX_UNEXPIRED_FREEZES {
        let (status, body) = freeze(&router, &one(&format!("svc-{i}")), &prod).await;
        assert_eq!(status, StatusCode::CREATED, "freeze {i}: {body}");
    }
    let refused = freeze(&router, &one("web"), &prod).await;
    let (status, body) = &refused;
    assert_eq!(*status, StatusCode::BAD_REQUEST, "{body}");
    let message = serde_json::from_str::<Value>(body).unwrap()["error"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("at most 1000"), "{message}");
    // Slack is refused the same way, and nothing new blocks.
    let answer = slack(&router, "freeze web prod for 2h because INC-9").await;
    assert!(answer.contains("at most 1000"), "{answer}");
    let (_, check) = call(&router, "GET", "/v1/check?service=web&env=prod", None).await;
    assert!(
        !check.contains(&format!("runtime:{}", MAX_UNEXPIRED_FREEZES + 1)),
        "{check}"
    );
    // A lifted freeze frees its place; the next create takes it and no more.
    let (status, _) = call(&router, "DELETE", "/v1/freezes/1", None).await;
    assert_eq!(status, StatusCode::OK);
    let answer = slack(&router, "freeze web prod for 2h because INC-9").await;
    assert!(answer.contains("Freeze"), "{answer}");
    let (status, _) = freeze(&router, &one("web"), &prod).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, list) = call(&router, "GET", "/v1/freezes", None).await;
    let list: Value = serde_json::from_str(&list).unwrap();
    assert_eq!(
        list["freezes"].as_array().unwrap().len(),
        MAX_UNEXPIRED_FREEZES
    );
}

/// The `/metrics` series: one line each, comments left out.
async fn series(router: &axum::Router) -> Vec<String> {
    let (status, text) = call(router, "GET", "/metrics", None).await;
    assert_eq!(status, StatusCode::OK);
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.rsplit_once(' ').unwrap().0.to_string())
        .collect()
}

#[tokio::test]
async fn metrics_series_do_not_grow_with_freezes_services_envs_or_paths() {
    let router = router();
    let round = |i: usize| {
        let router = router.clone();
        async move {
            let (status, body) = freeze(
                &router,
                &one(&format!("svc-{i}")),
                &one(&format!("env-{i}")),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
            let (status, check) = call(
                &router,
                "GET",
                &format!("/v1/check?service=svc-{i}&env=env-{i}"),
                None,
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{check}");
            assert!(check.contains(&format!("runtime:{}", i + 1)), "{check}");
            call(
                &router,
                "GET",
                &format!("/v1/check?service=other-{i}&env=prod"),
                None,
            )
            .await;
            call(&router, "GET", &format!("/v1/no-such-path-{i}"), None).await;
            call(
                &router,
                "GET",
                &format!("/v1/windows?service=svc-{i}&env=env-{i}"),
                None,
            )
            .await;
            call(&router, "DELETE", &format!("/v1/freezes/{}", i + 1), None).await;
        }
    };
    round(0).await;
    let first = series(&router).await;
    assert!(
        first.iter().any(|s| s.contains("rule=\"runtime\"")),
        "{first:?}"
    );
    for i in 1..40 {
        round(i).await;
    }
    let last = series(&router).await;
    assert_eq!(
        last, first,
        "the series after 40 freezes are those after one"
    );
    assert!(
        !last
            .iter()
            .any(|s| s.contains("runtime:") || s.contains("svc-") || s.contains("env-")),
        "{last:?}"
    );
}
