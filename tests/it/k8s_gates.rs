//! The Kubernetes gates: the validating admission webhook (AdmissionReview v1,
//! with bodies shaped as the API server sends them, kept in
//! `tests/fixtures/k8s/`, posted over HTTPS to a server whose certificate a test
//! CA signed) and Flagger's confirm webhooks, on the bundled policies at fixed
//! times.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::k8s::{review_fixture, state_on};
use crate::support::server::{bundled, call_json, call_text};
use crate::support::tls::Ca;
use axum::http::StatusCode;
use serde_json::{Value, json};
use shipwindow::server::{AppState, TlsIdentity, Tokens, app, serve};
use std::sync::Arc;

/// Fri 2026-11-27 17:14 KST: Black Friday, the weekend freeze, outside the window.
const BLACK_FRIDAY: &str = "2026-11-27T08:14:00Z";
/// Mon 2026-11-30 22:00 KST: the weeknight window opens, nothing else blocks.
const IN_WINDOW: &str = "2026-11-30T13:00:00Z";
/// Sat 2026-12-05 12:00 KST: the weekend freeze and outside the window, both
/// of which let rollbacks through.
const SATURDAY: &str = "2026-12-05T03:00:00Z";

/// The server at a fixed time: its routes in process (for the audit log and
/// Flagger), and the same state served over HTTPS on a loopback port with a
/// certificate of a test CA, which is how the API server calls the webhook.
struct Gate {
    router: axum::Router,
    port: u16,
    ca: Arc<Ca>,
    _tls: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl std::ops::Deref for Gate {
    type Target = axum::Router;
    fn deref(&self) -> &axum::Router {
        &self.router
    }
}

/// Serves `state` (with `tokens`) over HTTPS until the gate is dropped. Call it
/// inside a Tokio runtime.
fn serve_gate(state: AppState, tokens: Tokens) -> Gate {
    let ca = Ca::new();
    let tls = tempfile::tempdir().unwrap();
    let (cert, key) = (tls.path().join("tls.crt"), tls.path().join("tls.key"));
    ca.write_pair("admission", &cert, &key);
    let state = Arc::new(state.with_tls(TlsIdentity::load(cert, key).unwrap()));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = Arc::clone(&state);
    let served_tokens = tokens.clone();
    tokio::spawn(async move {
        let shutdown = async move {
            let _ = stopped.await;
        };
        serve(listener, served, served_tokens, shutdown)
            .await
            .unwrap();
    });
    Gate {
        router: app(state, tokens),
        port,
        ca: Arc::new(ca),
        _tls: tls,
        _stop: stop,
    }
}

fn router_at(now: &str, tokens: Tokens) -> Gate {
    serve_gate(state_on(&bundled(), now), tokens)
}

fn router(now: &str) -> Gate {
    router_at(now, Tokens::from_sources(None, None))
}

/// Sends `review` over HTTPS, as the API server does, and returns its
/// `response`, checking the envelope every answer must have: HTTP 200, the same
/// apiVersion and kind, the uid echoed.
async fn admit(gate: &Gate, review: &Value) -> Value {
    let (status, answer) = post_review(gate, review, None).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["apiVersion"], "admission.k8s.io/v1");
    assert_eq!(answer["kind"], "AdmissionReview");
    let response = answer["response"].clone();
    assert_eq!(response["uid"], review["request"]["uid"], "uid echoed");
    response
}

/// POSTs `review` to the webhook over HTTPS (with a bearer `token` when
/// given): the status and the body as JSON.
async fn post_review(gate: &Gate, review: &Value, token: Option<&str>) -> (u16, Value) {
    let body = review.to_string();
    let ca = Arc::clone(&gate.ca);
    let (port, token) = (gate.port, token.map(String::from));
    let (status, text) = tokio::task::spawn_blocking(move || {
        let (status, text, _) = ca
            .request_with(
                port,
                "POST",
                "/v1/k8s/admission",
                Some(&body),
                token.as_deref(),
            )
            .unwrap();
        (status, text)
    })
    .await
    .unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn denied_message(response: &Value) -> String {
    assert_eq!(response["allowed"], false, "{response}");
    assert_eq!(response["status"]["code"], 403, "{response}");
    let message = response["status"]["message"].as_str().unwrap().to_string();
    assert!(!message.contains('\n'), "one line: {message}");
    message
}

#[tokio::test]
async fn an_image_change_outside_the_window_is_denied_with_the_rules_and_the_next_time() {
    let response = admit(
        &router(BLACK_FRIDAY),
        &review_fixture("deployment-image-update.json"),
    )
    .await;
    let message = denied_message(&response);
    assert_eq!(
        message,
        "shipwindow: deploy web to prod denied by \
         black-friday (freeze until 2026-11-30 00:00 KST: Black Friday sale: traffic peak), \
         weeknight (window until 2026-11-29 22:00 KST: Production deploys run in the low-traffic window, Sun-Thu 22:00-06:00 KST), \
         weekend (freeze until 2026-11-30 06:00 KST: Nobody is around to watch a weekend deploy); \
         next allowed 2026-11-30 22:00 KST"
    );
}

#[tokio::test]
async fn the_same_change_inside_the_window_is_allowed() {
    let response = admit(
        &router(IN_WINDOW),
        &review_fixture("deployment-image-update.json"),
    )
    .await;
    assert_eq!(response["allowed"], true, "{response}");
    assert!(response.get("status").is_none(), "{response}");
}

/// Only a changed pod template (or a new workload) rolls out code: scaling, a
/// label, an annotation on the workload itself, its status, a delete, and other
/// kinds pass even in a freeze.
#[tokio::test]
async fn changes_that_roll_out_no_code_pass_in_a_freeze() {
    let router = router(BLACK_FRIDAY);
    let base = review_fixture("deployment-image-update.json");
    let same_template = |edit: &dyn Fn(&mut Value)| {
        let mut review = base.clone();
        review["request"]["object"] = review["request"]["oldObject"].clone();
        edit(&mut review["request"]["object"]);
        review
    };
    let cases: Vec<(&str, Value)> = vec![
        (
            "replicas",
            same_template(&|o| o["spec"]["replicas"] = json!(10)),
        ),
        (
            "a label",
            same_template(&|o| o["metadata"]["labels"]["team"] = json!("checkout")),
        ),
        (
            "an annotation",
            same_template(&|o| o["metadata"]["annotations"]["note"] = json!("hi")),
        ),
        (
            "the status",
            same_template(&|o| o["status"]["readyReplicas"] = json!(2)),
        ),
        ("a delete", {
            let mut r = base.clone();
            r["request"]["operation"] = json!("DELETE");
            r
        }),
        ("a ConfigMap", {
            let mut r = base.clone();
            r["request"]["kind"] = json!({"group": "", "version": "v1", "kind": "ConfigMap"});
            r["request"]["operation"] = json!("CREATE");
            r
        }),
        ("a Deployment of another group", {
            let mut r = base.clone();
            r["request"]["kind"]["group"] = json!("example.com");
            r
        }),
    ];
    for (what, review) in cases {
        let response = admit(&router, &review).await;
        assert_eq!(response["allowed"], true, "{what}: {response}");
    }
    // A restart (`kubectl rollout restart`) stamps the pod template: it rolls.
    let restart = same_template(&|o| {
        o["spec"]["template"]["metadata"]["annotations"] =
            json!({"kubectl.kubernetes.io/restartedAt": "2026-11-27T17:14:00+09:00"})
    });
    denied_message(&admit(&router, &restart).await);
}

#[tokio::test]
async fn a_rollout_and_a_cronjob_are_gated_on_their_own_templates() {
    let router = router(BLACK_FRIDAY);
    // A new Rollout, named `checkout` but labelled as service `web`.
    let message = denied_message(&admit(&router, &review_fixture("rollout-create.json")).await);
    assert!(
        message.starts_with("shipwindow: deploy web to prod denied by black-friday"),
        "{message}"
    );
    let message =
        denied_message(&admit(&router, &review_fixture("cronjob-image-update.json")).await);
    assert!(message.contains("web to prod"), "{message}");
    // A CronJob's schedule is not its pods.
    let mut schedule_only = review_fixture("cronjob-image-update.json");
    schedule_only["request"]["object"] = schedule_only["request"]["oldObject"].clone();
    schedule_only["request"]["object"]["spec"]["schedule"] = json!("0 4 * * *");
    assert_eq!(admit(&router, &schedule_only).await["allowed"], true);
}

/// Service: `shipwindow.io/service`, else `app.kubernetes.io/name`, else the
/// name. Environment: `shipwindow.io/env`, else the namespace.
#[tokio::test]
async fn service_and_env_come_from_labels_then_name_and_namespace() {
    let router = router(BLACK_FRIDAY);
    let base = review_fixture("deployment-image-update.json");
    let mut in_other_ns = base.clone();
    in_other_ns["request"]["namespace"] = json!("payments-prod");
    // No rule of the bundled policy covers env `payments-prod` on a Friday
    // evening except Black Friday (every env).
    let message = denied_message(&admit(&router, &in_other_ns).await);
    assert!(
        message
            .starts_with("shipwindow: deploy web to payments-prod denied by black-friday (freeze"),
        "{message}"
    );
    assert!(!message.contains("weekend"), "{message}");
    // Labelled as prod, it is prod whatever its namespace.
    let mut labelled = in_other_ns.clone();
    labelled["request"]["object"]["metadata"]["labels"]["shipwindow.io/env"] = json!("prod");
    labelled["request"]["object"]["metadata"]["labels"]["shipwindow.io/service"] = json!("api");
    let message = denied_message(&admit(&router, &labelled).await);
    assert!(
        message.starts_with("shipwindow: deploy api to prod denied by"),
        "{message}"
    );
    assert!(message.contains("weekend"), "{message}");
    // Without any label, the name.
    let mut unlabelled = base.clone();
    let object = &mut unlabelled["request"]["object"]["metadata"];
    object["labels"] = json!({});
    object["name"] = json!("search");
    let message = denied_message(&admit(&router, &unlabelled).await);
    assert!(
        message.starts_with("shipwindow: deploy search to prod"),
        "{message}"
    );
}

fn with_annotations(review: &Value, annotations: Value) -> Value {
    let mut review = review.clone();
    let object = &mut review["request"]["object"]["metadata"]["annotations"];
    for (k, v) in annotations.as_object().unwrap() {
        object[k] = v.clone();
    }
    review
}

async fn audit(router: &axum::Router) -> Vec<Value> {
    let (status, body) = call_json(router, "GET", "/v1/audit?limit=50", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["entries"].as_array().unwrap().clone()
}

#[tokio::test]
async fn override_annotations_are_audited_with_the_user_and_a_dry_run_leaves_nothing() {
    // Thu 2026-11-26 23:00 KST: only Black Friday blocks, and oncall-lead may
    // override it.
    let router = router("2026-11-26T14:00:00Z");
    let review = with_annotations(
        &review_fixture("deployment-image-update.json"),
        json!({"shipwindow.io/override-reason": "INC-42 checkout fix",
               "shipwindow.io/approver": "oncall-lead"}),
    );
    let mut dry = review.clone();
    dry["request"]["dryRun"] = json!(true);
    let response = admit(&router, &dry).await;
    assert_eq!(response["allowed"], true, "{response}");
    assert!(
        audit(&router).await.is_empty(),
        "a dry run writes no audit entry"
    );

    let response = admit(&router, &review).await;
    assert_eq!(response["allowed"], true, "{response}");
    let warning = response["warnings"][0].as_str().unwrap();
    assert!(
        warning.starts_with("shipwindow: deploy web to prod allowed by override of black-friday"),
        "{warning}"
    );
    let entries = audit(&router).await;
    assert_eq!(entries.len(), 1, "{entries:#?}");
    assert_eq!(entries[0]["action"], "override");
    assert_eq!(entries[0]["actor"], "oncall-lead");
    assert_eq!(
        entries[0]["detail"]["caller"],
        "kubernetes:alice@example.com"
    );
    assert_eq!(entries[0]["detail"]["reason"], "INC-42 checkout fix");

    // Someone who is not an approver is refused; the attempt is audited too,
    // as the command line's is.
    let not_approver = with_annotations(&review, json!({"shipwindow.io/approver": "mallory"}));
    let response = admit(&router, &not_approver).await;
    assert_eq!(response["allowed"], false, "{response}");
    let entries = audit(&router).await;
    assert_eq!(entries.len(), 2, "{entries:#?}");
    assert_eq!(entries[1]["actor"], "mallory");
    assert_eq!(entries[1]["detail"]["verdict"], "deny");
}

#[tokio::test]
async fn a_rollback_annotation_passes_the_freezes_that_exempt_rollbacks() {
    let router = router(SATURDAY);
    let review = review_fixture("deployment-image-update.json");
    denied_message(&admit(&router, &review).await);
    let rollback = with_annotations(&review, json!({"shipwindow.io/change": "rollback"}));
    assert_eq!(admit(&router, &rollback).await["allowed"], true);
    // A change kind that does not exist is not admitted.
    let typo = with_annotations(&review, json!({"shipwindow.io/change": "rolback"}));
    let response = admit(&router, &typo).await;
    assert_eq!(response["allowed"], false, "{response}");
    assert_eq!(response["status"]["code"], 400, "{response}");
}

#[tokio::test]
async fn a_body_that_is_not_an_admission_review_is_400_with_a_json_error() {
    let router = router(IN_WINDOW);
    let review = review_fixture("deployment-image-update.json");
    let mut v1beta1 = review.clone();
    v1beta1["apiVersion"] = json!("admission.k8s.io/v1beta1");
    let mut other_kind = review.clone();
    other_kind["kind"] = json!("TokenReview");
    let mut no_request = review.clone();
    no_request.as_object_mut().unwrap().remove("request");
    let mut no_uid = review.clone();
    no_uid["request"]["uid"] = json!("");
    let mut no_operation = review.clone();
    no_operation["request"]
        .as_object_mut()
        .unwrap()
        .remove("operation");
    for (what, body, needle) in [
        ("v1beta1", v1beta1, "admissionReviewVersions"),
        ("another kind", other_kind, "`kind` is `TokenReview`"),
        ("no request", no_request, "no `request`"),
        ("no uid", no_uid, "`request.uid` is empty"),
        ("no operation", no_operation, "operation"),
        ("an array", json!([1, 2]), "not an AdmissionReview"),
    ] {
        let (status, body) = post_review(&router, &body, None).await;
        assert_eq!(status, 400, "{what}: {body}");
        let error = body["error"].as_str().unwrap();
        assert!(error.contains(needle), "{what}: {error}");
    }
}

/// The API server sends no token unless its admission kubeconfig gives one: the
/// route works without one even when the server has tokens, and a token that is
/// sent must be right.
#[tokio::test]
async fn the_admission_route_takes_a_token_when_one_is_sent() {
    let router = router_at(IN_WINDOW, Tokens::from_sources(Some("k8s-token"), None));
    let review = review_fixture("deployment-image-update.json");
    assert_eq!(admit(&router, &review).await["allowed"], true);
    let (status, _) = post_review(&router, &review, Some("k8s-token")).await;
    assert_eq!(status, 200);
    let (status, body) = post_review(&router, &review, Some("wrong")).await;
    assert_eq!(status, 401, "{body}");
    // The rest of /v1 still needs one.
    let (status, _) = call_json(&router, "GET", "/v1/check?service=web&env=prod", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

fn flagger(name: &str, namespace: &str, metadata: Value) -> Value {
    json!({"name": name, "namespace": namespace, "phase": "Progressing",
           "checksum": "85d557f47b", "type": "confirm-rollout", "metadata": metadata})
}

#[tokio::test]
async fn flagger_goes_on_with_200_and_waits_on_423_with_one_line() {
    let allowed = router(IN_WINDOW);
    let (status, body) = call_text(
        &allowed,
        "POST",
        "/v1/gates/flagger",
        Some(flagger("web", "prod", json!({}))),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let denied = router(BLACK_FRIDAY);
    for hook in [
        "confirm-rollout",
        "confirm-promotion",
        "confirm-traffic-increase",
    ] {
        let mut payload = flagger("web", "prod", json!({}));
        payload["type"] = json!(hook);
        let (status, body) = call_text(&denied, "POST", "/v1/gates/flagger", Some(payload)).await;
        assert_eq!(status, StatusCode::LOCKED, "{hook}: {body}");
        assert_eq!(body.lines().count(), 1, "{body}");
        assert!(body.starts_with("shipwindow: deploy web to prod denied by black-friday (freeze until 2026-11-30 00:00 KST"), "{body}");
        assert!(
            body.trim_end()
                .ends_with("next allowed 2026-11-30 22:00 KST"),
            "{body}"
        );
    }
    // metadata names the service and env when the canary's name and namespace
    // are not them.
    let (status, body) = call_text(
        &denied,
        "POST",
        "/v1/gates/flagger",
        Some(flagger(
            "podinfo",
            "test",
            json!({"service": "web", "env": "prod"}),
        )),
    )
    .await;
    assert_eq!(status, StatusCode::LOCKED);
    assert!(body.contains("deploy web to prod"), "{body}");
    // A rollback through metadata passes what exempts rollbacks.
    let saturday = router(SATURDAY);
    let (status, _) = call_text(
        &saturday,
        "POST",
        "/v1/gates/flagger",
        Some(flagger("web", "prod", json!({}))),
    )
    .await;
    assert_eq!(status, StatusCode::LOCKED);
    let (status, body) = call_text(
        &saturday,
        "POST",
        "/v1/gates/flagger",
        Some(flagger("web", "prod", json!({"change": "rollback"}))),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Not a Flagger payload.
    let (status, body) = call_json(
        &allowed,
        "POST",
        "/v1/gates/flagger",
        Some(json!({"name": "web"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("namespace"),
        "{body}"
    );
}

#[tokio::test]
async fn flagger_carries_its_token_in_metadata() {
    let router = router_at(IN_WINDOW, Tokens::from_sources(Some("flagger-token"), None));
    let post = |metadata: Value| {
        call_json(
            &router,
            "POST",
            "/v1/gates/flagger",
            Some(flagger("web", "prod", metadata)),
        )
    };
    let (status, _) = post(json!({"token": "flagger-token"})).await;
    assert_eq!(status, StatusCode::OK);
    for metadata in [json!({}), json!({"token": "nope"}), json!({"token": ""})] {
        let (status, body) = post(metadata.clone()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{metadata}");
        assert!(
            body["error"].as_str().unwrap().contains("metadata.token"),
            "{body}"
        );
    }
}

/// Each problem of a policy that does not load: `file:line:col: message`, help.
fn problems(text: &str) -> Vec<(String, String)> {
    crate::support::diagnostic::problems(&[("k8s.toml", text)])
}

#[test]
fn kubernetes_tables_are_validated_with_places_and_help() {
    let cases: [(&str, &str, &str); 9] = [
        (
            "[[kubernetes]]\nnamespaces = [\"pay\"]\nenv = \"prod\"\nnamespace = [\"x\"]\n",
            "k8s.toml:4:1: unknown key `namespace` in [[kubernetes]]",
            "did you mean `namespaces`?",
        ),
        (
            "[[kubernetes]]\nenv = \"prod\"\n",
            "k8s.toml:1:1: `[[kubernetes]]` needs `namespaces`",
            "namespaces = [\"payments-prod\"]",
        ),
        (
            "[[kubernetes]]\nnamespaces = [\"pay\"]\n",
            "k8s.toml:1:1: `[[kubernetes]]` needs `env`",
            "env = \"prod\"",
        ),
        (
            "[[kubernetes]]\nnamespaces = []\nenv = \"prod\"\n",
            "k8s.toml:2:14: `namespaces` must name at least one namespace",
            "namespaces = [\"payments-prod\"]",
        ),
        (
            "[[kubernetes]]\nnamespaces = \"pay\"\nenv = \"prod\"\n",
            "k8s.toml:2:14: `namespaces` must be a list of strings, found a string",
            "namespaces = [\"payments-prod\"]",
        ),
        (
            "[[kubernetes]]\nnamespaces = [\"ok\", \"pay-[x\"]\nenv = \"prod\"\n",
            "k8s.toml:2:21: `namespaces`: bad glob `pay-[x`: unclosed character class; missing ']'",
            "globs",
        ),
        (
            "[[kubernetes]]\nnamespaces = [\"pay\"]\nenv = \" \"\n",
            "k8s.toml:3:7: `env` must not be blank",
            "env = \"prod\"",
        ),
        (
            "[[kubernetes]]\nnamespaces = [\"pay\"]\nenv = 1\n",
            "k8s.toml:3:7: `env` must be a string, found an integer",
            "env = \"prod\"",
        ),
        (
            "[[kubernets]]\nnamespaces = [\"pay\"]\nenv = \"prod\"\n",
            "k8s.toml:1:3: unknown table `kubernets`",
            "did you mean `kubernetes`?",
        ),
    ];
    for (text, want, help) in cases {
        let got = problems(text);
        assert_eq!(got.len(), 1, "{text}: {got:#?}");
        assert_eq!(got[0].0, want, "{text}");
        assert!(got[0].1.contains(help), "{text}: help `{}`", got[0].1);
    }
}

/// A `[[kubernetes]]` table names the environment of the namespaces it lists,
/// for the webhook and Flagger alike; an object's own `shipwindow.io/env` label
/// still comes first, and other namespaces keep their own names.
#[tokio::test]
async fn a_kubernetes_table_maps_namespaces_to_an_environment() {
    let dir = crate::support::server::policy_copy();
    std::fs::write(
        dir.path().join("kubernetes.toml"),
        "[[kubernetes]]\nnamespaces = [\"payments-prod\", \"shop-*\", \"!shop-sandbox\"]\nenv = \"prod\"\n",
    )
    .unwrap();
    let router = serve_gate(
        state_on(dir.path(), BLACK_FRIDAY),
        Tokens::from_sources(None, None),
    );
    let review = |namespace: &str| {
        let mut r = review_fixture("deployment-image-update.json");
        r["request"]["namespace"] = json!(namespace);
        r
    };
    for (namespace, env) in [
        ("payments-prod", "prod"),
        ("shop-eu", "prod"),
        ("shop-sandbox", "shop-sandbox"),
        ("staging", "staging"),
    ] {
        let message = denied_message(&admit(&router, &review(namespace)).await);
        assert!(
            message.starts_with(&format!("shipwindow: deploy web to {env} denied by")),
            "{namespace}: {message}"
        );
        let (_, body) = call_text(
            &router,
            "POST",
            "/v1/gates/flagger",
            Some(flagger("web", namespace, json!({}))),
        )
        .await;
        assert!(
            body.contains(&format!("deploy web to {env} denied")),
            "{namespace}: {body}"
        );
    }
    // The label wins over the table.
    let mut labelled = review("payments-prod");
    labelled["request"]["object"]["metadata"]["labels"]["shipwindow.io/env"] = json!("qa");
    let message = denied_message(&admit(&router, &labelled).await);
    assert!(
        message.starts_with("shipwindow: deploy web to qa denied"),
        "{message}"
    );
}
