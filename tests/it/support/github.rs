//! A fake GitHub API on loopback for the deployment protection rule tests. It
//! checks the App's JWT (RS256 signature under the App's public key, issuer,
//! lifetime) before handing out an installation token, checks that token on
//! every callback, records each callback, and answers callbacks as scripted
//! (e.g. 500 twice, then 204; or 422), 204 once the script runs out.
//!
//! Also: the test-only App key pair under `tests/fixtures/`, a signed delivery
//! of GitHub's `deployment_protection_rule` webhook, and the webhook secret.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]
#![allow(dead_code, reason = "each test file uses the helpers it needs")]

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// The App id the tests configure.
pub const APP_ID: &str = "4242";
/// The webhook secret the tests configure.
pub const SECRET: &str = "a webhook secret for tests only";
/// The installation the deliveries name.
pub const INSTALLATION: i64 = 987_654;

/// The App's private key: a key pair made for these tests and nothing else.
pub fn private_key_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/github-app-TEST-ONLY-private-key.pem")
}

/// The App's public key as GitHub keeps it: PKCS #1 DER from the PEM file.
fn public_key() -> Vec<u8> {
    let pem = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/github-app-TEST-ONLY-public-key.pem"),
    )
    .unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).unwrap()
}

/// One callback as the fake received it.
#[derive(Debug, Clone)]
pub struct Callback {
    /// `/repos/{owner}/{repo}/actions/runs/{run}/deployment_protection_rule`.
    pub path: String,
    pub body: Value,
    /// What the fake answered.
    pub status: u16,
    pub at: Instant,
}

impl Callback {
    /// `approved`, `rejected`, or `None` for a status report.
    pub fn state(&self) -> Option<&str> {
        self.body["state"].as_str()
    }

    pub fn comment(&self) -> &str {
        self.body["comment"].as_str().unwrap()
    }
}

#[derive(Default)]
struct Record {
    callbacks: Vec<Callback>,
    /// Statuses still to answer callbacks with, in order.
    script: VecDeque<u16>,
    tokens: Vec<String>,
    token_requests: usize,
    /// Why JWTs or tokens were refused.
    refusals: Vec<String>,
    stalled: usize,
}

struct Shared {
    record: Mutex<Record>,
    changed: Condvar,
    public_key: Vec<u8>,
    /// While false, callbacks wait before they are answered (a slow GitHub).
    open: tokio::sync::watch::Sender<bool>,
}

/// The fake, served until dropped.
pub struct FakeGithub {
    pub url: String,
    shared: Arc<Shared>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl FakeGithub {
    pub fn start() -> FakeGithub {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let shared = Arc::new(Shared {
            record: Mutex::new(Record::default()),
            changed: Condvar::new(),
            public_key: public_key(),
            open: tokio::sync::watch::Sender::new(true),
        });
        let router = axum::Router::new()
            .route("/app/installations/{id}/access_tokens", post(access_token))
            .route(
                "/repos/{owner}/{repo}/actions/runs/{run}/deployment_protection_rule",
                post(review),
            )
            .with_state(Arc::clone(&shared));
        let listener =
            runtime.block_on(async { tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap() });
        let url = format!("http://{}", listener.local_addr().unwrap());
        runtime.spawn(async move { axum::serve(listener, router).await });
        FakeGithub {
            url,
            shared,
            runtime: Some(runtime),
        }
    }

    /// Answers the next callbacks with these statuses (then 204 again).
    pub fn script(&self, statuses: &[u16]) {
        self.shared.record.lock().unwrap().script.extend(statuses);
    }

    /// Callbacks that arrive from now on wait until [`FakeGithub::release`].
    pub fn stall(&self) {
        self.shared.open.send_replace(false);
    }

    pub fn release(&self) {
        self.shared.open.send_replace(true);
    }

    /// Forgets every installation token handed out (as when one is revoked).
    pub fn revoke_tokens(&self) {
        self.shared.record.lock().unwrap().tokens.clear();
    }

    /// Callbacks that arrived and wait to be answered.
    pub fn stalled(&self) -> usize {
        self.shared.record.lock().unwrap().stalled
    }

    pub fn callbacks(&self) -> Vec<Callback> {
        self.shared.record.lock().unwrap().callbacks.clone()
    }

    pub fn token_requests(&self) -> usize {
        self.shared.record.lock().unwrap().token_requests
    }

    pub fn refusals(&self) -> Vec<String> {
        self.shared.record.lock().unwrap().refusals.clone()
    }

    /// Waits (up to `guard`, a hang guard) until `n` callbacks arrived.
    pub fn wait_for_callbacks(&self, n: usize, guard: Duration) -> Vec<Callback> {
        let deadline = Instant::now() + guard;
        let mut record = self.shared.record.lock().unwrap();
        while record.callbacks.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "waited {guard:?} for {n} callbacks, got {:?} (refused: {:?})",
                record.callbacks,
                record.refusals
            );
            record = self.shared.changed.wait_timeout(record, left).unwrap().0;
        }
        record.callbacks.clone()
    }

    /// A callback URL on this fake for run `run` of `repository`.
    pub fn callback_url(&self, repository: &str, run: u64) -> String {
        format!(
            "{}/repos/{repository}/actions/runs/{run}/deployment_protection_rule",
            self.url
        )
    }
}

impl Drop for FakeGithub {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

fn refuse(shared: &Shared, why: String) -> Response {
    shared.record.lock().unwrap().refusals.push(why.clone());
    shared.changed.notify_all();
    (StatusCode::UNAUTHORIZED, Json(json!({ "message": why }))).into_response()
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(String::from)
}

/// Checks the App's JWT as GitHub does: RS256 under the App's public key,
/// issued by the App, good now, for at most ten minutes.
fn check_jwt(public_key: &[u8], jwt: &str) -> Result<(), String> {
    let parts: Vec<&str> = jwt.split('.').collect();
    let [header, claims, signature] = parts[..] else {
        return Err("not a JWT".into());
    };
    let decode = |s: &str| URL_SAFE_NO_PAD.decode(s).map_err(|e| e.to_string());
    let header: Value = serde_json::from_slice(&decode(header)?).map_err(|e| e.to_string())?;
    if header["alg"] != "RS256" {
        return Err(format!("alg {}", header["alg"]));
    }
    let key = ring::signature::UnparsedPublicKey::new(
        &ring::signature::RSA_PKCS1_2048_8192_SHA256,
        public_key,
    );
    key.verify(
        format!("{}.{}", parts[0], parts[1]).as_bytes(),
        &decode(signature)?,
    )
    .map_err(|_| "bad signature".to_string())?;
    let claims: Value = serde_json::from_slice(&decode(claims)?).map_err(|e| e.to_string())?;
    if claims["iss"].as_u64().map(|n| n.to_string()).as_deref() != Some(APP_ID) {
        return Err(format!("issuer {}", claims["iss"]));
    }
    let now = chrono::Utc::now().timestamp();
    let (iat, exp) = (
        claims["iat"].as_i64().ok_or("no iat")?,
        claims["exp"].as_i64().ok_or("no exp")?,
    );
    if iat > now + 5 || exp <= now || exp - iat > 600 + 60 {
        return Err(format!("times iat {iat} exp {exp} now {now}"));
    }
    Ok(())
}

async fn access_token(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Response {
    let Some(jwt) = bearer(&headers) else {
        return refuse(&shared, "no bearer JWT".into());
    };
    if let Err(why) = check_jwt(&shared.public_key, &jwt) {
        return refuse(&shared, format!("JWT refused: {why}"));
    }
    let mut record = shared.record.lock().unwrap();
    record.token_requests += 1;
    let token = format!("ghs_fake_{id}_{}", record.token_requests);
    record.tokens.push(token.clone());
    let expires_at = (chrono::Utc::now() + chrono::TimeDelta::hours(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    (
        StatusCode::CREATED,
        Json(json!({ "token": token, "expires_at": expires_at })),
    )
        .into_response()
}

async fn review(
    State(shared): State<Arc<Shared>>,
    Path((owner, repo, run)): Path<(String, String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let mut open = shared.open.subscribe();
    if !*open.borrow() {
        shared.record.lock().unwrap().stalled += 1;
        let _ = open.wait_for(|o| *o).await;
        shared.record.lock().unwrap().stalled -= 1;
    }
    let token = bearer(&headers).unwrap_or_default();
    let mut record = shared.record.lock().unwrap();
    if !record.tokens.contains(&token) {
        drop(record);
        return refuse(&shared, format!("unknown installation token `{token}`"));
    }
    let status = record.script.pop_front().unwrap_or(204);
    record.callbacks.push(Callback {
        path: format!("/repos/{owner}/{repo}/actions/runs/{run}/deployment_protection_rule"),
        body,
        status,
        at: Instant::now(),
    });
    shared.changed.notify_all();
    let status = StatusCode::from_u16(status).unwrap();
    let message = match status.as_u16() {
        422 => "No pending deployment requests to approve or reject",
        _ => "scripted",
    };
    if status.is_success() {
        status.into_response()
    } else {
        (status, Json(json!({ "message": message }))).into_response()
    }
}

/// GitHub's `deployment_protection_rule` payload (`action: requested`) for
/// `environment` of `repository`, answered through `callback_url`.
pub fn delivery(repository: &str, environment: &str, callback_url: &str) -> Value {
    let name = repository.split('/').nth(1).unwrap();
    json!({
        "action": "requested",
        "environment": environment,
        "event": "push",
        "deployment_callback_url": callback_url,
        "deployment": {
            "id": 1, "sha": "a1b2c3d4e5f6", "ref": "main", "task": "deploy",
            "environment": environment, "creator": {"login": "octocat"}
        },
        "repository": {"id": 1, "name": name, "full_name": repository, "private": true},
        "installation": {"id": INSTALLATION, "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ=="},
        "sender": {"login": "octocat", "id": 1}
    })
}

/// The headers GitHub sends with `body`: the event and its signature.
pub fn signed_headers(event: &str, body: &[u8]) -> Vec<(String, String)> {
    vec![
        ("content-type".into(), "application/json".into()),
        ("x-github-event".into(), event.into()),
        (
            "x-github-delivery".into(),
            "72d3162e-cc78-11e3-81ab-4c9367dc0958".into(),
        ),
        (
            "x-hub-signature-256".into(),
            shipwindow::server::github::sign(SECRET.as_bytes(), body),
        ),
    ]
}
