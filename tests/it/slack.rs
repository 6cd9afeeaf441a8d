//! `POST /v1/slack/command` through the router: a correctly signed command is
//! answered in Block Kit; a wrong signature, a tampered body and a stale
//! timestamp are 401 with nothing evaluated; commands that change state are
//! audited. The signature here is computed independently with `hmac`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use hmac::{Hmac, KeyInit, Mac};
use http_body_util::BodyExt;
use serde_json::Value;
use sha2::Sha256;
use shipwindow::PolicySet;
use shipwindow::server::{AppState, Tokens, app};
use shipwindow::store::Store;
use std::path::Path;
use std::sync::Arc;
use tower::ServiceExt;

const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";

fn router(tokens: Tokens) -> axum::Router {
    let policy = PolicySet::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("policies")).unwrap();
    let state = AppState::new(policy, Store::in_memory().unwrap())
        .unwrap()
        .with_slack_secret(SECRET.as_bytes().to_vec());
    app(Arc::new(state), tokens)
}

fn signature(secret: &str, timestamp: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("v0:{timestamp}:{body}").as_bytes());
    let bytes = mac.finalize().into_bytes();
    format!(
        "v0={}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

fn form(text: &str) -> String {
    let encoded: String = text
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!(
        "token=legacy&team_id=T1&channel_id=C1&user_id=U42&user_name=alice&command=%2Fshipwindow&text={encoded}&response_url=https%3A%2F%2Fhooks.slack.com%2Fx"
    )
}

async fn send(
    router: &axum::Router,
    body: &str,
    timestamp: &str,
    signature: Option<&str>,
) -> (StatusCode, Value) {
    let mut req = Request::builder()
        .method("POST")
        .uri("/v1/slack/command")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-slack-request-timestamp", timestamp);
    if let Some(sig) = signature {
        req = req.header("x-slack-signature", sig);
    }
    let resp = router
        .clone()
        .oneshot(req.body(Body::from(body.to_string())).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn signed(router: &axum::Router, text: &str) -> Value {
    let body = form(text);
    let ts = chrono::Utc::now().timestamp().to_string();
    let (status, answer) = send(router, &body, &ts, Some(&signature(SECRET, &ts, &body))).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    answer
}

fn all_text(v: &Value) -> String {
    v.to_string()
}

async fn get(router: &axum::Router, uri: &str) -> Value {
    let resp = router
        .clone()
        .oneshot(Request::builder().uri(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap()
}

#[tokio::test]
async fn a_signed_check_is_answered_in_block_kit_with_verdict_blockers_and_next_time() {
    // Tokens on: the Slack route is signed instead, and needs none.
    let router = router(Tokens::from_sources(None, Some("ci-token")));
    // Friday 17:30 KST: the weekend freeze blocks; next allowed Monday night.
    let answer = signed(&router, "web prod at 2026-11-27T17:30").await;
    assert_eq!(answer["response_type"], "in_channel");
    assert!(answer["blocks"].as_array().unwrap().len() >= 2);
    let text = all_text(&answer);
    assert!(text.contains("weekend"), "{text}");
    assert!(text.contains("Mon 30 Nov 22:00 KST"), "{text}");
    let help = signed(&router, "help").await;
    assert_eq!(help["response_type"], "ephemeral");
    assert!(all_text(&help).contains("freeze"));
    let bad = signed(&router, "web prod at someday").await;
    assert_eq!(bad["response_type"], "ephemeral");
    assert!(all_text(&bad).contains("someday"), "{bad}");
}

#[tokio::test]
async fn bad_signatures_are_401_and_nothing_is_evaluated() {
    let router = router(Tokens::default());
    let body = form("web prod");
    let now = chrono::Utc::now().timestamp();
    let ts = now.to_string();
    let good = signature(SECRET, &ts, &body);
    let old = (now - 6 * 60).to_string();
    let cases = [
        (
            "wrong secret",
            body.clone(),
            ts.clone(),
            Some(signature("not-the-secret", &ts, &body)),
        ),
        (
            "tampered body",
            form("web staging"),
            ts.clone(),
            Some(good.clone()),
        ),
        (
            "six minutes old",
            body.clone(),
            old.clone(),
            Some(signature(SECRET, &old, &body)),
        ),
        ("no signature", body.clone(), ts.clone(), None),
    ];
    for (what, body, ts, sig) in cases {
        let (status, answer) = send(&router, &body, &ts, sig.as_deref()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}");
        assert!(answer["error"].is_string(), "{what}: {answer}");
    }
    // Nothing was decided and nothing was audited.
    let metrics = {
        let resp = router
            .clone()
            .oneshot(
                Request::builder()
                    .uri("/metrics")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        String::from_utf8(
            resp.into_body()
                .collect()
                .await
                .unwrap()
                .to_bytes()
                .to_vec(),
        )
        .unwrap()
    };
    let decided: Vec<&str> = metrics
        .lines()
        .filter(|l| l.starts_with("shipwindow_decisions_total{") && !l.ends_with(" 0"))
        .collect();
    assert!(decided.is_empty(), "{metrics}");
    assert_eq!(
        get(&router, "/v1/audit").await["entries"],
        serde_json::json!([])
    );
    // And the good signature works.
    let (status, _) = send(&router, &body, &ts, Some(&good)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn freeze_freezes_and_unfreeze_from_chat_act_at_once_and_are_audited() {
    let router = router(Tokens::default());
    let created = signed(
        &router,
        "freeze payments-* prod for 2h because INC-42 card errors",
    )
    .await;
    let text = all_text(&created);
    assert!(text.contains("INC-42 card errors"), "{text}");
    let list = get(&router, "/v1/freezes").await;
    let freeze = &list["freezes"][0];
    assert_eq!(freeze["services"], serde_json::json!(["payments-*"]));
    assert_eq!(freeze["created_by"], "slack:U42 (alice)");
    let id = freeze["id"].as_str().unwrap().to_string();
    let check = get(&router, "/v1/check?service=payments-api&env=prod").await;
    assert!(
        all_text(&check).contains(&format!("runtime:{id}")),
        "{check}"
    );

    let listed = signed(&router, "freezes").await;
    assert!(
        all_text(&listed).contains(&format!("runtime:{id}")),
        "{listed}"
    );
    let lifted = signed(&router, &format!("unfreeze {id}")).await;
    assert_eq!(lifted["response_type"], "in_channel", "{lifted}");
    let check = get(&router, "/v1/check?service=payments-api&env=prod").await;
    assert!(!all_text(&check).contains(&format!("runtime:{id}")));
    let again = signed(&router, &format!("unfreeze {id}")).await;
    assert_eq!(again["response_type"], "ephemeral");

    let audit = get(&router, "/v1/audit").await;
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "slack",
            "freeze.create",
            "slack",
            "slack",
            "freeze.lift",
            "slack"
        ]
    );
    assert_eq!(audit["entries"][0]["actor"], "slack:U42 (alice)");
    assert_eq!(
        audit["entries"][0]["detail"]["text"],
        "freeze payments-* prod for 2h because INC-42 card errors"
    );
}

#[tokio::test]
async fn without_a_signing_secret_the_endpoint_says_it_is_not_configured() {
    let policy = PolicySet::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("policies")).unwrap();
    let state = AppState::new(policy, Store::in_memory().unwrap()).unwrap();
    let router = app(Arc::new(state), Tokens::default());
    let (status, answer) = send(&router, &form("web prod"), "0", Some("v0=00")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("SHIPWINDOW_SLACK_SIGNING_SECRET")
    );
}
