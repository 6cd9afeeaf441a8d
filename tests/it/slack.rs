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
    // Slack gives each invocation its own `trigger_id`, so two commands with the
    // same text in the same second are two requests, not one replayed.
    static TRIGGER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let trigger = TRIGGER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!(
        "token=legacy&team_id=T1&channel_id=C1&user_id=U42&user_name=alice&command=%2Fshipwindow&text={encoded}&response_url=https%3A%2F%2Fhooks.slack.com%2Fx&trigger_id={trigger}"
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

/// Issue 13, class 12: the same signed request again (the same timestamp and
/// signature, in either case of hex) is refused while its timestamp is inside
/// the five minutes, and nothing in it runs or is audited again; on the
/// server's clock, which here is a manual one.
#[tokio::test]
async fn a_replayed_request_is_refused_and_not_run_again() {
    let start = chrono::DateTime::parse_from_rfc3339("2026-11-27T08:00:00Z")
        .unwrap()
        .to_utc();
    let clock = Arc::new(shipwindow::clock::ManualClock::new(start));
    let policy = PolicySet::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("policies")).unwrap();
    let state = AppState::new(policy, Store::in_memory().unwrap())
        .unwrap()
        .with_slack_secret(SECRET.as_bytes().to_vec())
        .with_clock(clock.clone());
    let router = app(Arc::new(state), Tokens::default());
    let audited = || async {
        get(&router, "/v1/audit").await["entries"]
            .as_array()
            .unwrap()
            .len()
    };

    let ts = start.timestamp().to_string();
    let freeze = form("freeze web prod for 1h because INC-7");
    let sig = signature(SECRET, &ts, &freeze);
    let (status, answer) = send(&router, &freeze, &ts, Some(&sig)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(audited().await, 2, "slack + freeze.create");

    let upper = format!("v0={}", sig[3..].to_uppercase());
    for (after, sent) in [
        (0, &sig),
        (0, &upper),
        (1, &sig),
        (299, &upper),
        (300, &sig),
    ] {
        clock.set(start + chrono::TimeDelta::seconds(after));
        let (status, answer) = send(&router, &freeze, &ts, Some(sent)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{after}s later: {answer}");
        assert!(
            answer["error"].as_str().unwrap().contains("replay"),
            "{answer}"
        );
    }
    // Past the window it is refused as stale, as before.
    clock.set(start + chrono::TimeDelta::seconds(301));
    let (status, answer) = send(&router, &freeze, &ts, Some(&sig)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("more than 5 minutes"),
        "{answer}"
    );
    assert_eq!(audited().await, 2, "a refused request is not audited");
    assert_eq!(
        get(&router, "/v1/freezes").await["freezes"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Another request in the same second (another body) is no replay.
    clock.set(start);
    let list = form("freezes");
    let (status, answer) = send(&router, &list, &ts, Some(&signature(SECRET, &ts, &list))).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
}

/// Issue 13, class 12: every error answer is JSON, including the framework's
/// own (a body over the limit on the Slack route, an undecodable path).
#[tokio::test]
async fn every_error_answer_is_json() {
    let router = router(Tokens::from_sources(None, Some("ci-token")));
    let big = "text=".to_string() + &"x".repeat(shipwindow::server::MAX_BODY_BYTES);
    let auth = ("authorization", "Bearer ci-token");
    // Method, path, headers, body, and the status it must get.
    type Case<'a> = (
        &'a str,
        &'a str,
        Vec<(&'a str, &'a str)>,
        String,
        StatusCode,
    );
    let cases: Vec<Case<'_>> = vec![
        (
            "POST",
            "/v1/slack/command",
            vec![("content-type", "application/x-www-form-urlencoded")],
            big.clone(),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            "POST",
            "/v1/check",
            vec![("content-type", "application/json"), auth],
            format!("{{\"service\":\"{big}\"}}"),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            "POST",
            "/v1/freezes",
            vec![("content-type", "application/json"), auth],
            format!("{{\"reason\":\"{big}\"}}"),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            "DELETE",
            "/v1/freezes/%FF%FE",
            vec![auth],
            String::new(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "POST",
            "/v1/check",
            vec![("content-type", "text/plain"), auth],
            "{}".into(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "GET",
            "/v1/check?service=web&env=prod",
            vec![],
            String::new(),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "GET",
            "/v1/nothing-here",
            vec![],
            String::new(),
            StatusCode::NOT_FOUND,
        ),
        (
            "PUT",
            "/healthz",
            vec![],
            String::new(),
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            "GET",
            "/v1/slack/command",
            vec![],
            String::new(),
            StatusCode::METHOD_NOT_ALLOWED,
        ),
    ];
    for (method, uri, headers, body, want) in cases {
        let mut req = Request::builder().method(method).uri(uri);
        for (k, v) in &headers {
            req = req.header(*k, *v);
        }
        let resp = router
            .clone()
            .oneshot(req.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        let content_type = resp
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string());
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&bytes);
        assert_eq!(status, want, "{method} {uri}: {text}");
        assert_eq!(
            content_type.as_deref(),
            Some("application/json"),
            "{method} {uri}: {text}"
        );
        let json: Value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("{method} {uri}: {e}: {text}"));
        let message = json["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {uri}: {json}"));
        assert!(!message.is_empty(), "{method} {uri}");
    }
}

#[tokio::test]
async fn reserve_reservations_and_release_from_chat_hold_the_lane_with_a_mention() {
    let policy = PolicySet::from_files(&[(
        "p.toml",
        "[[lane]]\nname = \"payments-db\"\nservices = [\"payments-*\", \"ledger\"]\nenvs = [\"prod\"]\n",
    )])
    .unwrap();
    let state = AppState::new(policy, Store::in_memory().unwrap())
        .unwrap()
        .with_slack_secret(SECRET.as_bytes().to_vec());
    let router = app(Arc::new(state), Tokens::default());
    let at = (chrono::Utc::now() + chrono::TimeDelta::days(2))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let booked = signed(&router, &format!("reserve payments-api prod at {at}")).await;
    assert_eq!(booked["response_type"], "in_channel", "{booked}");
    let text = all_text(&booked);
    assert!(
        text.contains("Slot `reservation:1` booked by <@U42>"),
        "{text}"
    );
    // Another lane member over the slot: refused, naming the holder.
    let refused = signed(&router, &format!("reserve ledger prod at {at}")).await;
    assert_eq!(refused["response_type"], "ephemeral");
    assert!(
        all_text(&refused)
            .contains("slot taken: reservation 1 of payments-api/prod by slack:U42 (alice)"),
        "{refused}"
    );
    let check = get(
        &router,
        &format!("/v1/check?service=ledger&env=prod&at={at}"),
    )
    .await;
    assert_eq!(check["blocked_by"][0]["rule"], "reservation:1", "{check}");
    let listed = signed(&router, "reservations").await;
    assert!(all_text(&listed).contains("1 slot booked"), "{listed}");
    let released = signed(&router, "release reservation:1").await;
    assert!(
        all_text(&released).contains("Slot `reservation:1` released by <@U42>"),
        "{released}"
    );
    let check = get(
        &router,
        &format!("/v1/check?service=ledger&env=prod&at={at}"),
    )
    .await;
    assert_eq!(
        check["allowed"], true,
        "released frees the lane at once: {check}"
    );
    let audit = get(&router, "/v1/audit").await;
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"reservation.create") && actions.contains(&"reservation.release"),
        "{actions:?}"
    );
}
