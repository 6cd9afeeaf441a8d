//! The read-only page at `GET /`, through the routes in process with the clock
//! stopped: it shows the decision `/v1/check` gives, with its reasons, the
//! grid and the runtime freezes; it escapes what people typed; it takes the
//! API's tokens in `?token=` and asks for one in HTML; bad input is shown on
//! the page; and its Content-Security-Policy allows exactly its own style.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::k8s::router_at;
use crate::support::server::call_json;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use serde_json::json;
use sha2::{Digest, Sha256};
use shipwindow::server::Tokens;

/// Friday 27 November 2026, 17:30 in Seoul: Black Friday and the weekend
/// freeze both block `web` to `prod`.
const FRIDAY: &str = "2026-11-27T17:30:00+09:00";

/// One GET through `router`: status, headers, body.
async fn get(
    router: &axum::Router,
    uri: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, HeaderMap, String) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let mut req = axum::http::Request::builder().method("GET").uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = router
        .clone()
        .oneshot(req.body(axum::body::Body::empty()).unwrap())
        .await
        .unwrap();
    let (status, headers) = (resp.status(), resp.headers().clone());
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8(bytes.to_vec()).unwrap())
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> &'h str {
    headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}

/// The values of `attr="…"` in `html` between `from` and the next `until`.
fn attrs(html: &str, from: &str, until: &str, attr: &str) -> Vec<String> {
    let start = html
        .find(from)
        .unwrap_or_else(|| panic!("no `{from}` in the page"));
    let part = &html[start..];
    let part = &part[..part.find(until).unwrap_or(part.len())];
    let key = format!("{attr}=\"");
    part.match_indices(&key)
        .map(|(i, _)| {
            let rest = &part[i + key.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

fn one(html: &str, from: &str, attr: &str) -> String {
    attrs(html, from, "</", attr)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no {attr} after `{from}`"))
}

#[tokio::test]
async fn the_page_shows_the_decision_check_gives_with_its_reasons_and_the_grid() {
    let router = router_at(FRIDAY, Tokens::default());
    let (status, headers, html) = get(&router, "/?service=web&env=prod", &[]).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(header(&headers, "content-type"), "text/html; charset=utf-8");
    let (_, check) = call_json(&router, "GET", "/v1/check?service=web&env=prod", None).await;
    assert_eq!(check["verdict"], "deny");
    assert_eq!(
        one(&html, r#"<section id="verdict""#, "data-verdict"),
        "deny"
    );
    assert_eq!(
        one(&html, r#"<section id="verdict""#, "data-start"),
        check["start"]
    );
    assert!(html.contains(r#"<p class="verdict deny">Denied</p>"#));
    // Every blocker of the check, in its order, with its reason.
    let rules = attrs(&html, r#"<table id="blocked-by""#, "</table>", "data-rule");
    let want: Vec<String> = check["blocked_by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["rule"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(rules, want);
    assert!(rules.contains(&"weekend".to_string()), "{rules:?}");
    assert!(html.contains("Nobody is around to watch a weekend deploy"));
    // The next allowed start, as the check has it.
    let next = one(&html, r#"<p id="next-allowed""#, "datetime");
    assert_eq!(next, check["next_allowed"]);
    let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc();
    let wait = shipwindow::time::duration::format_until(at(FRIDAY), at(&next));
    assert!(
        html.contains(&format!("</time> ({wait}).</p>")),
        "no `({wait})` after the next allowed time"
    );
    // The grid, inline: two weeks from the start of today, now marked.
    let grid = &html[html.find("<svg").unwrap()..html.find("</svg>").unwrap() + 6];
    let doc = roxmltree::Document::parse(grid).unwrap();
    let days: Vec<&str> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("day"))
        .map(|n| n.attribute("data-date").unwrap())
        .collect();
    assert_eq!(days.len(), 14);
    assert_eq!(days[0], "2026-11-27");
    let now = doc
        .descendants()
        .find(|n| n.attribute("class") == Some("now"))
        .unwrap();
    assert_eq!(now.attribute("data-at"), Some(FRIDAY));
    let kinds: std::collections::BTreeSet<&str> = doc
        .descendants()
        .filter_map(|n| n.attribute("data-kind"))
        .collect();
    for kind in ["open", "freeze", "window-closed"] {
        assert!(kinds.contains(kind), "{kind} not in {kinds:?}");
    }
}

#[tokio::test]
async fn an_allowed_deploy_shows_how_long_nothing_blocks_it() {
    // Tuesday 1 December 2026, 23:00 in Seoul: inside the weeknight window.
    let router = router_at("2026-12-01T23:00:00+09:00", Tokens::default());
    let (status, _, html) = get(&router, "/?service=web&env=prod&days=2", &[]).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let (_, check) = call_json(&router, "GET", "/v1/check?service=web&env=prod", None).await;
    assert_eq!(check["verdict"], "allow");
    assert_eq!(
        one(&html, r#"<section id="verdict""#, "data-verdict"),
        "allow"
    );
    assert!(html.contains(r#"<p class="verdict allow">Allowed</p>"#));
    assert!(!html.contains(r#"<table id="blocked-by""#));
    assert!(!html.contains(r#"<p id="next-allowed""#));
    // Free until the window closes at 06:00, seven hours after the start.
    assert_eq!(
        one(&html, r#"<p id="free-until""#, "datetime"),
        check["free_until"]
    );
    assert!(html.contains("</time> (7h after it starts).</p>"), "{html}");
    // Two days drawn, from the start of today.
    let grid = &html[html.find("<svg").unwrap()..html.find("</svg>").unwrap() + 6];
    let doc = roxmltree::Document::parse(grid).unwrap();
    let days: Vec<&str> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("day"))
        .map(|n| n.attribute("data-date").unwrap())
        .collect();
    assert_eq!(days, ["2026-12-01", "2026-12-02"]);
}

#[tokio::test]
async fn its_policy_allows_its_own_style_and_nothing_else() {
    let router = router_at(FRIDAY, Tokens::default());
    let (_, headers, html) = get(&router, "/?service=web&env=prod", &[]).await;
    let csp = header(&headers, "content-security-policy");
    assert!(csp.starts_with("default-src 'none'; "), "{csp}");
    for part in [
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(part), "{part} not in {csp}");
    }
    // The hash allowed is the hash of the style the page carries.
    let css = &html[html.find("<style>").unwrap() + 7..html.find("</style>").unwrap()];
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(css.as_bytes()));
    assert!(csp.contains(&format!("style-src 'sha256-{hash}'")), "{csp}");
    assert_eq!(header(&headers, "x-frame-options"), "DENY");
    assert_eq!(header(&headers, "referrer-policy"), "no-referrer");
    assert_eq!(header(&headers, "cache-control"), "no-store");
    // Nothing to load or run (the SVG's namespace is a name, not a load).
    let html = html.replace(r#"xmlns="http://www.w3.org/2000/svg""#, "");
    for needle in [
        "<script", "<link", "src=", "http://", "https://", "style=\"",
    ] {
        assert!(!html.contains(needle), "the page has `{needle}`");
    }
}

#[tokio::test]
async fn without_a_pick_it_shows_the_form_with_the_names_the_policy_uses() {
    let router = router_at(FRIDAY, Tokens::default());
    let (status, _, html) = get(&router, "/", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let services = attrs(
        &html,
        r#"<datalist id="sw-services""#,
        "</datalist>",
        "value",
    );
    let envs = attrs(&html, r#"<datalist id="sw-envs""#, "</datalist>", "value");
    assert_eq!(services, ["api", "ledger", "payments-sandbox", "web"]);
    assert_eq!(envs, ["prod", "staging"]);
    assert!(html.contains(r#"<section id="hint">"#));
    assert!(!html.contains(r#"<section id="verdict""#));
    assert!(html.contains(r#"<section id="freezes">"#));
    // A browser's icon request is answered with nothing, not an error.
    let (status, _, body) = get(&router, "/favicon.ico", &[]).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(body.is_empty());
}

#[tokio::test]
async fn a_runtime_freeze_is_listed_blocks_the_verdict_and_is_drawn_all_escaped() {
    let router = router_at(FRIDAY, Tokens::default());
    let reason = r#"<script>alert("x")</script> & INC-9"#;
    let (status, made) = call_json(
        &router,
        "POST",
        "/v1/freezes",
        Some(json!({"services": ["api"], "envs": ["prod"], "for": "2h", "reason": reason, "by": "<ann>"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let rule = made["rule"].as_str().unwrap().to_string();
    let (_, _, html) = get(&router, "/?service=api&env=prod", &[]).await;
    let (_, check) = call_json(&router, "GET", "/v1/check?service=api&env=prod", None).await;
    let rules = attrs(&html, r#"<table id="blocked-by""#, "</table>", "data-rule");
    assert!(rules.contains(&rule), "{rules:?}");
    assert_eq!(
        check["blocked_by"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["rule"].as_str().unwrap())
            .collect::<Vec<_>>(),
        rules
    );
    // Listed as active, blocking the service shown.
    let freezes = &html[html.find(r#"<section id="freezes">"#).unwrap()..];
    assert_eq!(attrs(freezes, "<table", "</table>", "data-rule"), [rule]);
    assert_eq!(
        attrs(freezes, "<table", "</table>", "data-state"),
        ["active"]
    );
    assert!(freezes.contains("blocks it"));
    assert!(freezes.contains("&lt;ann&gt;"));
    // Drawn in the grid in its own colour.
    assert!(html.contains(r#"data-kind="runtime-freeze""#));
    // The reason everywhere, escaped: no element the reader did not write.
    assert!(!html.contains("<script"), "an unescaped reason");
    assert!(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; INC-9"));
    // On another service's page it is listed, but does not block.
    let (_, _, web) = get(&router, "/?service=web&env=staging", &[]).await;
    let freezes = &web[web.find(r#"<section id="freezes">"#).unwrap()..];
    assert!(!freezes.contains("blocks it"));
}

#[tokio::test]
async fn what_was_typed_is_shown_back_escaped() {
    let router = router_at(FRIDAY, Tokens::default());
    let (status, _, html) = get(&router, "/?service=%22%3E%3Cb%3Ex&env=prod%27%3Ci%3E", &[]).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(!html.contains("<b>") && !html.contains("<i>"));
    assert!(html.contains(r#"value="&quot;&gt;&lt;b&gt;x""#));
    assert!(html.contains("Deploy &quot;&gt;&lt;b&gt;x to prod&#39;&lt;i&gt; now?"));
}

#[tokio::test]
async fn bad_input_is_shown_on_the_page_with_the_form_to_fix_it() {
    let router = router_at(FRIDAY, Tokens::default());
    for (uri, says) in [
        (
            "/?service=web&env=prod&days=0",
            "`days` must be a whole number from 1 to 400, not `0`",
        ),
        (
            "/?service=web&env=prod&days=401",
            "`days` must be a whole number from 1 to 400",
        ),
        (
            "/?service=web&env=prod&change=redeploy",
            "unknown change kind `redeploy`",
        ),
        ("/?service=web", "env"),
        ("/?colour=red", "colour"),
    ] {
        let (status, headers, html) = get(&router, uri, &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {html}");
        assert_eq!(
            header(&headers, "content-type"),
            "text/html; charset=utf-8",
            "{uri}"
        );
        let problem = &html[html
            .find(r#"<section id="problem""#)
            .unwrap_or_else(|| panic!("{uri}: {html}"))..];
        let problem = &problem[..problem.find("</section>").unwrap()];
        assert!(problem.contains(says), "{uri}: {problem}");
        assert!(
            html.contains(r#"<form method="get" action="/" id="pick">"#),
            "{uri}"
        );
        assert!(!html.contains(r#"<section id="verdict""#), "{uri}");
    }
}

#[tokio::test]
async fn with_tokens_it_asks_for_one_and_takes_it_in_the_query() {
    let router = router_at(FRIDAY, Tokens::from_sources(None, Some("s3cret")));
    // None: a form asking for it, keeping what was asked.
    let (status, headers, html) = get(&router, "/?service=web&env=prod", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(header(&headers, "content-type"), "text/html; charset=utf-8");
    assert_eq!(
        header(&headers, "www-authenticate"),
        "Bearer realm=\"shipwindow\""
    );
    assert!(
        html.contains(r#"<input type="password" name="token""#),
        "{html}"
    );
    assert!(html.contains(r#"<input type="hidden" name="service" value="web">"#));
    assert!(html.contains("This server needs a token"));
    assert!(
        !html.contains("data-verdict"),
        "nothing shown without a token"
    );
    assert!(
        !html.contains("weekend"),
        "nothing of the policy shown without a token"
    );
    // A wrong one.
    let (status, _, html) = get(&router, "/?service=web&env=prod&token=nope", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(html.contains("That token is not one this server accepts."));
    assert!(!html.contains("nope"), "the wrong token is not echoed");
    // The right one, in the query: the page, and the form and links carry it on.
    let (status, _, html) = get(&router, "/?service=web&env=prod&token=s3cret", &[]).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains(r#"<input type="hidden" name="token" value="s3cret">"#));
    assert!(html.contains("/v1/windows.svg?service=web&amp;env=prod&amp;token=s3cret&amp;days=14"));
    // ... or in the header.
    let (status, _, _) = get(
        &router,
        "/?service=web&env=prod",
        &[("authorization", "Bearer s3cret")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // The grid endpoint takes it in the query too, and wants it.
    let svg = "/v1/windows.svg?service=web&env=prod&days=2";
    let (status, _, _) = get(&router, svg, &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) = get(&router, &format!("{svg}&token=s3cret"), &[]).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_svg_endpoint_draws_the_days_asked_with_strict_headers() {
    let router = router_at(FRIDAY, Tokens::default());
    let (status, headers, svg) =
        get(&router, "/v1/windows.svg?service=web&env=prod&days=7", &[]).await;
    assert_eq!(status, StatusCode::OK, "{svg}");
    assert_eq!(
        header(&headers, "content-type"),
        "image/svg+xml; charset=utf-8"
    );
    assert_eq!(
        header(&headers, "content-security-policy"),
        "default-src 'none'; frame-ancestors 'none'"
    );
    assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let days: Vec<&str> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("day"))
        .map(|n| n.attribute("data-date").unwrap())
        .collect();
    assert_eq!(
        days,
        [
            "2026-11-27",
            "2026-11-28",
            "2026-11-29",
            "2026-11-30",
            "2026-12-01",
            "2026-12-02",
            "2026-12-03"
        ]
    );
    let weeks: Vec<&str> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("week"))
        .map(|n| n.attribute("data-week").unwrap())
        .collect();
    assert_eq!(weeks, ["2026-W48", "2026-W49"]);
    // The windows report drawn is the one /v1/windows gives for the same range.
    let (_, json) = call_json(
        &router,
        "GET",
        "/v1/windows?service=web&env=prod&from=2026-11-27T00:00&to=2026-12-04T00:00",
        None,
    )
    .await;
    let starts: std::collections::BTreeSet<String> = json["intervals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["start"].as_str().unwrap().to_string())
        .collect();
    let drawn: std::collections::BTreeSet<String> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("block"))
        .map(|n| n.attribute("data-start").unwrap().to_string())
        .collect();
    assert_eq!(drawn, starts);
    // `from` and `to` as for /v1/windows.
    let (_, _, two) = get(
        &router,
        "/v1/windows.svg?service=web&env=prod&from=2026-12-07T00:00&to=%2B2d",
        &[],
    )
    .await;
    let doc = roxmltree::Document::parse(&two).unwrap();
    assert_eq!(
        doc.descendants()
            .filter(|n| n.attribute("class") == Some("day"))
            .count(),
        2
    );
    assert!(
        doc.descendants()
            .all(|n| n.attribute("class") != Some("now"))
    );
}

#[tokio::test]
async fn bad_grid_input_is_a_400_naming_what_is_wrong() {
    let router = router_at(FRIDAY, Tokens::default());
    for (query, says) in [
        (
            "service=web&env=prod&days=0",
            "`days` must be a whole number from 1 to 400, not `0`",
        ),
        (
            "service=web&env=prod&days=two",
            "`days` must be a whole number from 1 to 400, not `two`",
        ),
        (
            "service=web&env=prod&days=3&to=%2B2d",
            "give `days` or `to`, not both",
        ),
        ("service=web&days=3", "`env` is required"),
        (
            "service=web&env=prod&from=yesterday",
            "`from` `yesterday` is not a date and time",
        ),
        ("service=web&env=prod&colour=red", "colour"),
    ] {
        let (status, body) =
            call_json(&router, "GET", &format!("/v1/windows.svg?{query}"), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        let error = body["error"].as_str().unwrap_or_default();
        assert!(error.contains(says), "{query}: {error}");
    }
}
