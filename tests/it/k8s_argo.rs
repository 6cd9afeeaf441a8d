//! Argo Rollouts: `deploy/argo-rollouts/analysis-template.yaml` read as Argo
//! reads it, its request sent to the in-process router (bundled policies, a
//! stopped clock), and its `expr` conditions evaluated on the real answers with
//! Argo's rules for turning them into a measurement's phase.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::k8s::{document, router_at};
use crate::support::server::call_json;
use axum::http::StatusCode;
use serde_json::{Value, json};
use shipwindow::server::Tokens;

const TEMPLATE: &str = "argo-rollouts/analysis-template.yaml";
const TOKEN: &str = "argo-analysis-token";

/// Mon 2026-11-30 22:00 KST: the weeknight window opens, nothing else blocks.
const IN_WINDOW: &str = "2026-11-30T13:00:00Z";
/// Fri 2026-11-27 17:14 KST: Black Friday and the weekend; next allowed Monday 22:00.
const BLACK_FRIDAY: &str = "2026-11-27T08:14:00Z";
/// Mon 2030-12-30 10:00 KST: the year-end freeze and KRX trading, and the built-in
/// XKRX calendar ends with 2030, so nothing after it can be known to be clear.
const END_OF_MARKET_DATA: &str = "2030-12-30T01:00:00Z";

/// A measurement's phase, as Argo Rollouts names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Successful,
    Inconclusive,
    Failed,
    Error,
}

/// The template's one metric, as the fields Argo reads.
struct Metric {
    success: String,
    failure: String,
    url: String,
    headers: Vec<(String, String)>,
    json_path: String,
    failure_limit: i64,
    inconclusive_limit: i64,
}

fn metric() -> Metric {
    let template = document(TEMPLATE);
    assert_eq!(template["apiVersion"], "argoproj.io/v1alpha1");
    assert_eq!(template["kind"], "AnalysisTemplate");
    let metrics = template["spec"]["metrics"].as_array().unwrap();
    assert_eq!(metrics.len(), 1, "one metric decides");
    let m = &metrics[0];
    assert_eq!(m["count"], 1, "one measurement per analysis");
    let web = &m["provider"]["web"];
    assert!(web["method"].is_null() || web["method"] == "GET", "{web}");
    let text = |v: &Value| v.as_str().unwrap().to_string();
    Metric {
        success: text(&m["successCondition"]),
        failure: text(&m["failureCondition"]),
        url: text(&web["url"]),
        headers: web["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (text(&h["key"]), text(&h["value"])))
            .collect(),
        json_path: web["jsonPath"].as_str().unwrap_or("{$}").to_string(),
        // Argo's defaults when a limit is left out: 0.
        failure_limit: m["failureLimit"].as_i64().unwrap_or(0),
        inconclusive_limit: m["inconclusiveLimit"].as_i64().unwrap_or(0),
    }
}

/// Replaces `{{ args.NAME }}` (Argo allows the spaces or not) with each value;
/// a placeholder left over is an argument the test forgot.
fn substitute(text: &str, args: &[(&str, &str)]) -> String {
    let mut out = text.to_string();
    for (name, value) in args {
        out = out
            .replace(&format!("{{{{ args.{name} }}}}"), value)
            .replace(&format!("{{{{args.{name}}}}}"), value);
    }
    assert!(!out.contains("{{"), "an argument left unset in `{out}`");
    out
}

/// Argo's `EvaluateResult`: both conditions evaluated on `result`; failure wins,
/// success next, and a result that meets neither is Inconclusive. A condition
/// that does not evaluate to a boolean is an Error.
fn evaluate(metric: &Metric, result: &Value) -> Phase {
    let holds = |condition: &str| -> Option<bool> {
        let mut context = expr::Context::default();
        context.insert("result", expr::to_value(result).unwrap());
        expr::eval(condition, &context).ok()?.as_bool()
    };
    match (holds(&metric.success), holds(&metric.failure)) {
        (Some(_), Some(true)) => Phase::Failed,
        (Some(true), Some(false)) => Phase::Successful,
        (Some(false), Some(false)) => Phase::Inconclusive,
        _ => Phase::Error,
    }
}

/// The metric's phase after its one measurement (Argo's
/// `assessMetricFailureInconclusiveOrError` with `count: 1`).
fn metric_phase(metric: &Metric, measurement: Phase) -> Phase {
    let count = |phase| i64::from(measurement == phase);
    if count(Phase::Failed) > metric.failure_limit {
        Phase::Failed
    } else if count(Phase::Inconclusive) > metric.inconclusive_limit {
        Phase::Inconclusive
    } else {
        measurement
    }
}

/// What the web provider does with the template at `now` for `service`/`env`:
/// the request with the template's URL and headers, a non-2xx answer an Error,
/// else the conditions on the body. Returns the phase and the body.
async fn measure(now: &str, service: &str, env: &str, token: &str) -> (Phase, Value) {
    let metric = metric();
    let args = [
        // In process, the server's URL is the empty prefix.
        ("shipwindow-url", ""),
        ("service", service),
        ("env", env),
        ("api-token", token),
    ];
    let uri = substitute(&metric.url, &args);
    assert!(uri.starts_with("/v1/check?"), "{uri}");
    let router = router_at(now, Tokens::from_sources(Some(TOKEN), None));
    let mut request = axum::http::Request::builder().method("GET").uri(&uri);
    for (key, value) in &metric.headers {
        request = request.header(key.as_str(), substitute(value, &args));
    }
    let response = {
        use tower::ServiceExt;
        router
            .oneshot(request.body(axum::body::Body::empty()).unwrap())
            .await
            .unwrap()
    };
    let status = response.status();
    let bytes = {
        use http_body_util::BodyExt;
        response.into_body().collect().await.unwrap().to_bytes()
    };
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    if !status.is_success() {
        return (Phase::Error, body);
    }
    assert_eq!(metric.json_path, "{$}", "the whole decision is `result`");
    let phase = metric_phase(&metric, evaluate(&metric, &body));
    (phase, body)
}

#[tokio::test]
async fn an_allowed_deploy_is_a_successful_measurement() {
    let (phase, decision) = measure(IN_WINDOW, "web", "prod", TOKEN).await;
    assert_eq!(decision["allowed"], true, "{decision}");
    assert_eq!(phase, Phase::Successful, "{decision}");
}

/// Held: denied, with a time it would be allowed. Neither condition holds, so
/// Argo pauses the Rollout for a person.
#[tokio::test]
async fn a_denial_with_a_next_allowed_time_is_inconclusive() {
    let (phase, decision) = measure(BLACK_FRIDAY, "web", "prod", TOKEN).await;
    assert_eq!(decision["allowed"], false, "{decision}");
    assert_eq!(decision["next_allowed"], "2026-11-30T22:00:00+09:00");
    assert_eq!(phase, Phase::Inconclusive, "{decision}");
}

/// Hard deny: nothing is allowed within what the policy can know, so waiting
/// helps nobody and the Rollout aborts.
#[tokio::test]
async fn a_denial_with_no_next_allowed_time_fails() {
    let (phase, decision) = measure(END_OF_MARKET_DATA, "trading-api", "prod", TOKEN).await;
    assert_eq!(decision["allowed"], false, "{decision}");
    // The key is there, and null: the shape `result.next_allowed == nil` reads.
    assert_eq!(
        decision.get("next_allowed"),
        Some(&Value::Null),
        "{decision}"
    );
    assert_eq!(phase, Phase::Failed, "{decision}");
}

/// A token the server does not know is a measurement error (401), never a
/// verdict either way.
#[tokio::test]
async fn a_wrong_token_is_a_measurement_error_not_a_verdict() {
    let (phase, body) = measure(IN_WINDOW, "web", "prod", "not-the-token").await;
    assert_eq!(phase, Phase::Error, "{body}");
}

/// The web provider reads any status but 2xx as a measurement error, so a
/// denial must come back as 200 with `allowed: false`, on both forms of the
/// route, held or not.
#[tokio::test]
async fn check_answers_a_denial_with_200_because_argo_reads_other_statuses_as_errors() {
    for (now, service) in [(BLACK_FRIDAY, "web"), (END_OF_MARKET_DATA, "trading-api")] {
        let router = router_at(now, Tokens::from_sources(None, None));
        let (status, decision) = call_json(
            &router,
            "GET",
            &format!("/v1/check?service={service}&env=prod"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "GET at {now}: {decision}");
        assert_eq!(decision["allowed"], false, "GET at {now}: {decision}");
        let (status, decision) = call_json(
            &router,
            "POST",
            "/v1/check",
            Some(json!({"service": service, "env": "prod"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "POST at {now}: {decision}");
        assert_eq!(decision["allowed"], false, "POST at {now}: {decision}");
    }
}

/// The evaluator is the `expr` language's, so the conditions are checked as
/// written, not as the test assumes: a condition that is not a boolean, or does
/// not parse, is an Error as in Argo.
#[test]
fn conditions_that_do_not_yield_a_boolean_are_errors() {
    let mut metric = metric();
    let decision = json!({"allowed": false, "next_allowed": null});
    assert_eq!(evaluate(&metric, &decision), Phase::Failed);
    metric.failure = "result.next_allowed".into();
    assert_eq!(evaluate(&metric, &decision), Phase::Error);
    metric.failure = "result.allowed ==".into();
    assert_eq!(evaluate(&metric, &decision), Phase::Error);
}

/// The Rollout example runs the template as its first step, passes every
/// argument the template leaves without a value, and nothing it does not know.
#[test]
fn the_rollout_example_uses_the_template_before_any_traffic_moves() {
    let template = document(TEMPLATE);
    let rollout = document("argo-rollouts/rollout-example.yaml");
    assert_eq!(rollout["apiVersion"], "argoproj.io/v1alpha1");
    assert_eq!(rollout["kind"], "Rollout");
    let steps = rollout["spec"]["strategy"]["canary"]["steps"]
        .as_array()
        .unwrap();
    let analysis = &steps[0]["analysis"];
    assert_eq!(
        analysis["templates"][0]["templateName"],
        template["metadata"]["name"]
    );
    let declared: Vec<&Value> = template["spec"]["args"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    let passed: Vec<&str> = analysis["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    for arg in &declared {
        let name = arg["name"].as_str().unwrap();
        let has_default = !arg["value"].is_null() || !arg["valueFrom"].is_null();
        assert!(
            has_default || passed.contains(&name),
            "the Rollout does not pass `{name}`"
        );
    }
    for name in passed {
        assert!(
            declared.iter().any(|a| a["name"] == name),
            "the template has no argument `{name}`"
        );
    }
}
