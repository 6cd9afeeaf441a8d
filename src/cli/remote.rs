//! `check --remote URL`: the same question asked of a shipwindow server, so CI
//! sees runtime freezes. The answer is printed exactly as a local check would
//! print it; anything but a decision — the server unreachable, an error status, a
//! body that is not a decision — is exit 2, never "allowed".

use super::output::{out, outln};
use super::{CliError, EXIT_ALLOWED, EXIT_DENIED, Format, RequestArgs};
use crate::eval::{Blocker, BlockerKind, Decision, Verdict};
use crate::policy::ChangeKind;
use chrono::DateTime;
use chrono_tz::Tz;
use serde_json::Value;
use std::time::Duration;

/// A CI step should not hang on a server that does not answer.
const TIMEOUT: Duration = Duration::from_secs(10);

pub(super) fn check(args: &RequestArgs) -> Result<u8, CliError> {
    let decision = ask(args, super::request_text(args))?;
    match args.format {
        // Re-serialized from the decision, so the layout and key order are a
        // local check's.
        Format::Json => outln!("{}", super::to_json(&decision)),
        Format::Human => out!("{}", super::human::decision(None, &decision)),
        Format::Github => super::github::decision(&decision),
    }
    Ok(if decision.allowed {
        EXIT_ALLOWED
    } else {
        EXIT_DENIED
    })
}

/// `next --remote`: the earliest allowed start by the server's policy (runtime
/// freezes included); overrides play no part, as in a local `next`.
pub(super) fn next(args: &RequestArgs) -> Result<u8, CliError> {
    let mut text = super::request_text(args);
    text.override_ = None;
    let decision = ask(args, text)?;
    let next = if decision.allowed {
        Some(decision.start)
    } else {
        decision.next_allowed
    };
    match args.format {
        Format::Json => outln!("{}", super::to_json(&decision)),
        Format::Human => match &next {
            Some(t) => outln!("{}", t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)),
            None => outln!("none"),
        },
        Format::Github => {
            let at = decision.start.with_timezone(&chrono::Utc);
            let req = crate::eval::DeployRequest::new(&decision.service, &decision.env, at);
            super::github::next(&req, next.as_ref());
        }
    }
    Ok(if next.is_some() {
        EXIT_ALLOWED
    } else {
        EXIT_DENIED
    })
}

/// Posts `text` to the server's `/v1/check` and reads the decision back.
fn ask(args: &RequestArgs, text: crate::input::RequestText) -> Result<Decision, CliError> {
    let Some(base) = &args.remote else {
        return Err(CliError::Usage("--remote needs a URL".into()));
    };
    let url = format!("{}/v1/check", base.trim_end_matches('/'));
    let token = token(args)?;
    let body = serde_json::to_value(text)
        .map_err(|e| CliError::Usage(format!("cannot encode the request: {e}")))?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .http_status_as_error(false)
        .build()
        .into();
    let mut request = agent.post(&url);
    if let Some(token) = &token {
        request = request.header("Authorization", &format!("Bearer {token}"));
    }
    let mut response = request
        .send_json(&body)
        .map_err(|e| CliError::Usage(format!("--remote: cannot reach {url}: {e}")))?;
    let status = response.status();
    let zone = response
        .headers()
        .get(crate::server::ZONE_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<Tz>().ok())
        .unwrap_or(chrono_tz::UTC);
    let text = response
        .body_mut()
        .read_to_string()
        .map_err(|e| CliError::Usage(format!("--remote: reading the answer from {url}: {e}")))?;
    let json: Value = serde_json::from_str(&text).map_err(|_| {
        CliError::Usage(format!(
            "--remote: {url} answered {status} with something that is not JSON"
        ))
    })?;
    if !status.is_success() {
        let message = json["error"].as_str().unwrap_or("no error message");
        return Err(CliError::Usage(format!(
            "--remote: {url} answered {status}: {message}"
        )));
    }
    decision_from_json(&json, zone).map_err(|e| {
        CliError::Usage(format!(
            "--remote: {url} answered with no valid decision: {e}"
        ))
    })
}

fn token(args: &RequestArgs) -> Result<Option<String>, CliError> {
    let text = match &args.token_file {
        Some(path) => Some(std::fs::read_to_string(path).map_err(|e| {
            CliError::Usage(format!("--token-file: cannot read {}: {e}", path.display()))
        })?),
        None => std::env::var("SHIPWINDOW_TOKEN").ok(),
    };
    Ok(text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty()))
}

/// Reads a §4 object back, with its times in `zone` (the JSON has offsets only).
fn decision_from_json(v: &Value, zone: Tz) -> Result<Decision, String> {
    let text = |key: &str| {
        v[key]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("`{key}` is missing"))
    };
    let time = |value: &Value, key: &str| -> Result<DateTime<Tz>, String> {
        let s = value[key]
            .as_str()
            .ok_or_else(|| format!("`{key}` is missing"))?;
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&zone))
            .map_err(|e| format!("`{key}`: {e}"))
    };
    let optional_time = |key: &str| match &v[key] {
        Value::Null => Ok(None),
        _ => time(v, key).map(Some),
    };
    let verdict = match text("verdict")?.as_str() {
        "allow" => Verdict::Allow,
        "override" => Verdict::Override,
        "deny" => Verdict::Deny,
        other => return Err(format!("unknown verdict `{other}`")),
    };
    let change = ChangeKind::parse(&text("change")?).ok_or("unknown `change`")?;
    let blocked_by = v["blocked_by"]
        .as_array()
        .ok_or("`blocked_by` is missing")?
        .iter()
        .map(|b| {
            let kind = match b["kind"].as_str() {
                Some("window") => BlockerKind::Window,
                Some("freeze") => BlockerKind::Freeze,
                Some("market") => BlockerKind::Market,
                _ => return Err("a blocker has no known `kind`".to_string()),
            };
            Ok(Blocker {
                rule: b["rule"].as_str().unwrap_or_default().to_string(),
                kind,
                reason: b["reason"].as_str().unwrap_or_default().to_string(),
                from: time(b, "from")?,
                until: time(b, "until")?,
                overridable: b["overridable"].as_bool().unwrap_or(false),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Decision {
        allowed: v["allowed"].as_bool().ok_or("`allowed` is missing")?,
        verdict,
        service: text("service")?,
        env: text("env")?,
        change,
        start: time(v, "start")?,
        deploy_end: time(v, "deploy_end")?,
        monitoring_end: time(v, "monitoring_end")?,
        blocked_by,
        next_allowed: optional_time("next_allowed")?,
        free_until: optional_time("free_until")?,
        policy: text("policy")?,
        // The server's stale calendar feeds, shown as in a local check.
        stale: v["stale"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default(),
        data_end: None,
    })
}
