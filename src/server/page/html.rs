//! The page's HTML, from what the handler gathered: a form to pick a service
//! and environment, the verdict with its reasons, the grid (inline SVG), the
//! runtime freezes and the next allowed time. A pure function of its view;
//! every piece of text in it is escaped, and it loads nothing: one inline
//! style sheet, allowed by its hash in the Content-Security-Policy, no script.

use crate::eval::{Decision, Verdict};
use crate::time::duration::{format_duration, format_until};
use crate::wire::markup::escape;
use base64::Engine;
use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use sha2::{Digest, Sha256};

/// The page's only style sheet.
const CSS: &str = "\
:root{color-scheme:light}\
body{font:14px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;margin:0;color:#1f2328;background:#f6f8fa}\
header{background:#24292f;color:#fff;padding:10px 20px;display:flex;gap:16px;align-items:baseline;flex-wrap:wrap}\
header h1{font-size:18px;margin:0}\
header p{margin:0;color:#d0d7de;font-size:12px}\
main{padding:16px 20px;max-width:1120px}\
form{display:flex;gap:12px;align-items:flex-end;flex-wrap:wrap;margin:0 0 16px}\
label{display:flex;flex-direction:column;font-size:12px;color:#57606a}\
input,select,button{font:inherit;padding:4px 6px}\
section{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:12px 16px;margin:0 0 16px}\
h2{font-size:16px;margin:0 0 8px}\
.verdict{font-size:22px;font-weight:700;margin:0 0 4px}\
.allow{color:#1a7f37}.override{color:#9a6700}.deny{color:#cf222e}\
table{border-collapse:collapse;width:100%}\
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eaeef2;vertical-align:top}\
th{font-size:12px;color:#57606a;font-weight:600}\
.grid{overflow-x:auto}\
.problem{border-color:#cf222e}\
.problem p{color:#cf222e;margin:0}\
.muted{color:#57606a}\
footer{font-size:12px;color:#57606a}";

/// The `Content-Security-Policy` of every page: nothing from anywhere, but the
/// page's own style sheet (by its hash), forms sent back here, and no framing.
pub fn content_security_policy() -> String {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(CSS.as_bytes()));
    format!(
        "default-src 'none'; style-src 'sha256-{hash}'; form-action 'self'; \
         base-uri 'none'; frame-ancestors 'none'"
    )
}

/// The form's values, as given (shown back as typed, even when wrong).
#[derive(Debug, Clone, Default)]
pub struct FormValues {
    pub service: String,
    pub env: String,
    pub days: String,
    pub change: String,
}

/// A runtime freeze as the page lists it.
#[derive(Debug, Clone)]
pub struct FreezeRow {
    pub rule: String,
    pub services: Vec<String>,
    pub envs: Vec<String>,
    pub start: DateTime<Tz>,
    pub until: DateTime<Tz>,
    pub reason: String,
    pub created_by: String,
    /// It blocks the service and environment shown.
    pub applies: bool,
}

/// What is shown for the service and environment picked.
#[derive(Debug, Clone)]
pub enum Body {
    /// Nothing picked yet.
    Pick,
    /// The question could not be answered: what is wrong, for the reader.
    Problem(String),
    /// The decision for a deploy now, and the grid (SVG text) of the days asked.
    Shown {
        decision: Box<Decision>,
        grid: String,
    },
}

/// Everything the page shows.
#[derive(Debug, Clone)]
pub struct PageView {
    pub now: DateTime<Tz>,
    pub fingerprint: String,
    /// The names the policy lists outright, for the form's suggestions.
    pub services: Vec<String>,
    pub envs: Vec<String>,
    pub form: FormValues,
    /// The token the page was opened with, carried on by the form and links.
    pub token: Option<String>,
    pub body: Body,
    /// The runtime freezes not yet ended, or why they cannot be read.
    pub freezes: Result<Vec<FreezeRow>, String>,
}

fn time(t: DateTime<Tz>) -> String {
    format!(
        r#"<time datetime="{}">{}</time>"#,
        t.to_rfc3339_opts(SecondsFormat::Secs, false),
        escape(&t.format("%a %Y-%m-%d %H:%M %Z").to_string())
    )
}

/// A path on this server with its query, escaped for an attribute.
fn link(path: &str, pairs: &[(&str, &str)]) -> String {
    let query = serde_urlencoded::to_string(pairs).unwrap_or_default();
    escape(&format!("{path}?{query}"))
}

fn options(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!(r#"<option value="{}"></option>"#, escape(n)))
        .collect()
}

fn form(view: &PageView) -> String {
    let f = &view.form;
    let changes: String = ["deploy", "hotfix", "rollback", "config"]
        .iter()
        .map(|c| {
            let selected = if f.change == *c || (f.change.is_empty() && *c == "deploy") {
                " selected"
            } else {
                ""
            };
            format!(r#"<option value="{c}"{selected}>{c}</option>"#)
        })
        .collect();
    let token = view
        .token
        .as_deref()
        .map(|t| {
            format!(
                r#"<input type="hidden" name="token" value="{}">"#,
                escape(t)
            )
        })
        .unwrap_or_default();
    format!(
        concat!(
            r#"<form method="get" action="/" id="pick">"#,
            r#"<label>Service<input name="service" list="sw-services" required value="{service}"></label>"#,
            r#"<label>Environment<input name="env" list="sw-envs" required value="{env}"></label>"#,
            r#"<label>Days<input name="days" type="number" min="1" max="400" value="{days}"></label>"#,
            r#"<label>Change<select name="change">{changes}</select></label>"#,
            r#"{token}<button type="submit">Show</button>"#,
            r#"<datalist id="sw-services">{services}</datalist><datalist id="sw-envs">{envs}</datalist>"#,
            "</form>"
        ),
        service = escape(&f.service),
        env = escape(&f.env),
        days = escape(if f.days.is_empty() { "14" } else { &f.days }),
        changes = changes,
        token = token,
        services = options(&view.services),
        envs = options(&view.envs),
    )
}

fn verdict(decision: &Decision, now: DateTime<Tz>) -> String {
    let (class, words) = match decision.verdict {
        Verdict::Allow => ("allow", "Allowed"),
        Verdict::Override => ("override", "Allowed by override"),
        Verdict::Deny => ("deny", "Denied"),
    };
    let mut out = format!(
        r#"<section id="verdict" data-verdict="{}" data-allowed="{}" data-start="{}"><h2>Deploy {} to {} now?</h2><p class="verdict {class}">{words}</p>"#,
        decision.verdict.as_str(),
        decision.allowed,
        decision.start.to_rfc3339_opts(SecondsFormat::Secs, false),
        escape(&decision.service),
        escape(&decision.env),
    );
    out.push_str(&format!(
        r#"<p class="muted">A {} starting {}: the deploy until {}, its monitoring until {}.</p>"#,
        escape(decision.change.as_str()),
        time(decision.start),
        time(decision.deploy_end),
        time(decision.monitoring_end),
    ));
    if !decision.blocked_by.is_empty() {
        out.push_str(concat!(
            r#"<table id="blocked-by"><thead><tr><th>Rule</th><th>Kind</th><th>Reason</th>"#,
            "<th>From</th><th>Until</th><th>Override</th></tr></thead><tbody>"
        ));
        for b in &decision.blocked_by {
            out.push_str(&format!(
                r#"<tr data-rule="{rule}"><td>{rule}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
                b.kind.as_str(),
                escape(&b.reason),
                time(b.from),
                time(b.until),
                if b.overridable { "with approval" } else { "never" },
                rule = escape(&b.rule),
            ));
        }
        out.push_str("</tbody></table>");
    }
    let utc = |t: DateTime<Tz>| t.with_timezone(&Utc);
    match (decision.allowed, decision.next_allowed) {
        (true, _) => {
            let until = match decision.free_until {
                Some(t) => format!(
                    "nothing blocks it until {} ({} after it starts)",
                    time(t),
                    escape(&format_duration(utc(t) - utc(decision.start)))
                ),
                None => "nothing blocks it within the search horizon".to_string(),
            };
            out.push_str(&format!(r#"<p id="free-until">Free: {until}.</p>"#));
        }
        (false, Some(t)) => out.push_str(&format!(
            r#"<p id="next-allowed">Next allowed: {} ({}).</p>"#,
            time(t),
            escape(&format_until(utc(now), utc(t)))
        )),
        (false, None) => out
            .push_str(r#"<p id="next-allowed">Next allowed: none within the search horizon.</p>"#),
    }
    for note in &decision.stale {
        out.push_str(&format!(
            r#"<p class="muted">From an older copy: {}</p>"#,
            escape(note)
        ));
    }
    out.push_str("</section>");
    out
}

fn freezes(rows: &Result<Vec<FreezeRow>, String>, now: DateTime<Tz>) -> String {
    let mut out = String::from(r#"<section id="freezes"><h2>Runtime freezes</h2>"#);
    match rows {
        Err(why) => out.push_str(&format!(
            r#"<p class="deny">They cannot be read: {}. Decisions keep the ones last read.</p>"#,
            escape(why)
        )),
        Ok(rows) if rows.is_empty() => {
            out.push_str(r#"<p class="muted">None in force or scheduled.</p>"#)
        }
        Ok(rows) => {
            out.push_str(concat!(
                "<table><thead><tr><th>Rule</th><th>Services</th><th>Environments</th>",
                "<th>From</th><th>Until</th><th>Reason</th><th>By</th><th>Here</th></tr></thead><tbody>"
            ));
            for f in rows {
                let state = if f.start <= now {
                    "active"
                } else {
                    "scheduled"
                };
                out.push_str(&format!(
                    r#"<tr data-rule="{rule}" data-state="{state}"><td>{rule}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
                    escape(&f.services.join(", ")),
                    escape(&f.envs.join(", ")),
                    time(f.start),
                    time(f.until),
                    escape(&f.reason),
                    escape(&f.created_by),
                    if f.applies { "blocks it" } else { "" },
                    rule = escape(&f.rule),
                ));
            }
            out.push_str("</tbody></table>");
        }
    }
    out.push_str("</section>");
    out
}

/// The whole page.
pub fn render(view: &PageView) -> String {
    let f = &view.form;
    let title = match &view.body {
        Body::Shown { .. } => format!("shipwindow: {} to {}", f.service, f.env),
        _ => "shipwindow".to_string(),
    };
    let mut main = form(view);
    match &view.body {
        Body::Pick => main.push_str(
            r#"<section id="hint"><p class="muted">Pick a service and an environment to see whether it may be deployed now, and when it may over the next days.</p></section>"#,
        ),
        Body::Problem(why) => main.push_str(&format!(
            r#"<section id="problem" class="problem"><p>{}</p></section>"#,
            escape(why)
        )),
        Body::Shown { decision, grid } => {
            main.push_str(&verdict(decision, view.now));
            let days = if f.days.is_empty() { "14" } else { &f.days };
            main.push_str(&format!(
                r#"<section id="grid"><h2>When it may start, day by day</h2><p class="muted">Hover a block for its rules and times.</p><div class="grid">{grid}</div></section>"#
            ));
            main.push_str(&freezes(&view.freezes, view.now));
            let mut pairs = vec![
                ("service", f.service.as_str()),
                ("env", f.env.as_str()),
            ];
            if !f.change.is_empty() {
                pairs.push(("change", f.change.as_str()));
            }
            let mut with_token = pairs.clone();
            if let Some(t) = view.token.as_deref() {
                with_token.push(("token", t));
            }
            let mut svg = with_token.clone();
            svg.push(("days", days));
            main.push_str(&format!(
                r#"<footer><p>The same answers for programs: <a href="{}">the decision as JSON</a> (a bearer token in the header, when tokens are set), <a href="{}">this grid as SVG</a>, <a href="{}">a calendar feed</a>.</p></footer>"#,
                link("/v1/check", &pairs),
                link("/v1/windows.svg", &svg),
                link("/v1/calendar.ics", &with_token),
            ));
        }
    }
    if !matches!(view.body, Body::Shown { .. }) {
        main.push_str(&freezes(&view.freezes, view.now));
    }
    format!(
        concat!(
            "<!DOCTYPE html>\n",
            r#"<html lang="en"><head><meta charset="utf-8">"#,
            r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#,
            r#"<meta name="referrer" content="no-referrer">"#,
            "<title>{title}</title><style>{css}</style></head><body>",
            "<header><h1>shipwindow</h1><p>Policy {fingerprint} · {zone} · as of {now}</p></header>",
            "<main>{main}</main></body></html>\n"
        ),
        title = escape(&title),
        css = CSS,
        fingerprint = escape(&view.fingerprint),
        zone = escape(view.now.timezone().name()),
        now = time(view.now),
        main = main,
    )
}

/// The page that asks for a token when tokens are configured and none (or a
/// wrong one) came: a form that opens the page again with `?token=`, keeping
/// what was asked.
pub fn token_form(wrong: bool, keep: &[(String, String)]) -> String {
    let kept: String = keep
        .iter()
        .filter(|(k, _)| k != "token")
        .map(|(k, v)| {
            format!(
                r#"<input type="hidden" name="{}" value="{}">"#,
                escape(k),
                escape(v)
            )
        })
        .collect();
    let why = if wrong {
        "That token is not one this server accepts."
    } else {
        "This server needs a token: the one you use for its API."
    };
    format!(
        concat!(
            "<!DOCTYPE html>\n",
            r#"<html lang="en"><head><meta charset="utf-8">"#,
            r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#,
            r#"<meta name="referrer" content="no-referrer">"#,
            "<title>shipwindow: token needed</title><style>{css}</style></head><body>",
            "<header><h1>shipwindow</h1></header><main>",
            r#"<section id="token-needed" class="problem"><p>{why}</p></section>"#,
            r#"<form method="get" action="/">{kept}<label>Token<input type="password" name="token" required autocomplete="current-password"></label><button type="submit">Open</button></form>"#,
            "</main></body></html>\n"
        ),
        css = CSS,
        why = why,
        kept = kept,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn view(body: Body, freezes: Result<Vec<FreezeRow>, String>) -> PageView {
        PageView {
            now: chrono_tz::Asia::Seoul
                .with_ymd_and_hms(2026, 11, 27, 17, 30, 0)
                .unwrap(),
            fingerprint: "sha256:abc".into(),
            services: vec!["<svc>".into()],
            envs: vec!["prod".into()],
            form: FormValues::default(),
            token: None,
            body,
            freezes,
        }
    }

    #[test]
    fn a_problem_and_unreadable_freezes_are_said_escaped() {
        let html = render(&view(
            Body::Problem("`days` <must> be".into()),
            Err("store at <db> is down".into()),
        ));
        assert!(html.contains(
            r#"<section id="problem" class="problem"><p>`days` &lt;must&gt; be</p></section>"#
        ));
        assert!(html.contains("They cannot be read: store at &lt;db&gt; is down."));
        assert!(html.contains(r#"<option value="&lt;svc&gt;"></option>"#));
        assert!(!html.contains("<svc>") && !html.contains("<db>"));
        // The form starts at two weeks and a deploy.
        assert!(html.contains(r#"name="days" type="number" min="1" max="400" value="14""#));
        assert!(html.contains(r#"<option value="deploy" selected>deploy</option>"#));
    }

    #[test]
    fn the_token_form_keeps_what_was_asked_but_never_the_token() {
        let keep = [
            ("service".to_string(), "we\"b".to_string()),
            ("token".to_string(), "wrong-one".to_string()),
        ];
        let html = token_form(true, &keep);
        assert!(html.contains(r#"<input type="hidden" name="service" value="we&quot;b">"#));
        assert!(!html.contains("wrong-one"));
        assert!(html.contains("That token is not one this server accepts."));
    }

    #[test]
    fn the_policy_hashes_the_style_sheet_the_page_carries() {
        let csp = content_security_policy();
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(CSS.as_bytes()));
        assert!(csp.contains(&format!("'sha256-{hash}'")));
        assert!(
            render(&view(Body::Pick, Ok(Vec::new()))).contains(&format!("<style>{CSS}</style>"))
        );
    }
}
