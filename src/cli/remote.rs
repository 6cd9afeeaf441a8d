//! `check --remote URL`: the same question asked of a shipwindow server, so CI
//! sees runtime freezes. The answer is printed exactly as a local check would
//! print it; anything but a decision — the server unreachable, an error status, a
//! body that is not a decision, a decision whose `allowed` and `verdict`
//! disagree or that answers for another service, env or change — is exit 2,
//! never "allowed". [`ask`] also says whether asking again may help (the
//! server unreachable, 5xx, 429), for `wait`, which does.

use super::args::RequestArgs;
use super::error::CliError;
use super::exit::{EXIT_ALLOWED, EXIT_DENIED};
use super::format::{Format, to_json};
use super::output::{out, outln};
use super::request::request_text;
use super::token::token_from;
use super::{github, human};
use crate::credentials;
use crate::eval::Decision;
use crate::policy::ChangeKind;
use crate::wire;
use chrono_tz::Tz;
use std::time::Duration;

/// A CI step should not hang on a server that does not answer.
const TIMEOUT: Duration = Duration::from_secs(10);

pub(super) fn check(args: &RequestArgs) -> Result<u8, CliError> {
    let decision = ask(args, request_text(args))?;
    match args.format {
        // Re-serialized from the decision, so the layout and key order are a
        // local check's.
        Format::Json => outln!("{}", to_json(&wire::Decision::from(&decision))),
        Format::Human => out!("{}", human::decision(None, &decision)),
        Format::Github => github::decision(&decision),
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
    let mut text = request_text(args);
    text.override_ = None;
    let decision = ask(args, text)?;
    let next = if decision.allowed {
        Some(decision.start)
    } else {
        decision.next_allowed
    };
    match args.format {
        Format::Json => outln!("{}", to_json(&wire::Decision::from(&decision))),
        Format::Human => match &next {
            Some(t) => {
                outln!("{}", t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false));
                eprintln!("{}", super::next::moment(decision.start.to_utc(), t));
            }
            None => {
                outln!("none");
                eprintln!("none within the server's policy horizon");
            }
        },
        Format::Github => {
            let at = decision.start.with_timezone(&chrono::Utc);
            let req = crate::eval::DeployRequest::new(&decision.service, &decision.env, at);
            github::next(&req, next.as_ref());
        }
    }
    Ok(if next.is_some() {
        EXIT_ALLOWED
    } else {
        EXIT_DENIED
    })
}

/// Posts `text` to the server's `/v1/check` and reads the decision back: the
/// §4 JSON into [`wire::Decision`], then into the model in the zone the server
/// names, so every format prints it exactly as it prints a local decision.
pub(super) fn ask(
    args: &RequestArgs,
    text: crate::input::RequestText,
) -> Result<Decision, RemoteError> {
    let Some(base) = &args.remote else {
        return Err(RemoteError::lasting("--remote needs a URL".into()));
    };
    let asked = Asked::from(&text);
    let url = format!("{}/v1/check", base.trim_end_matches('/'));
    // What messages say: the address without its `user:password@`.
    let shown = credentials::strip(&url);
    let hide = |e: &dyn std::fmt::Display| credentials::strip(&e.to_string());
    let token = token(args).map_err(|e| RemoteError::lasting(e.to_string()))?;
    let body = serde_json::to_value(text)
        .map_err(|e| RemoteError::lasting(format!("cannot encode the request: {e}")))?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .http_status_as_error(false)
        .build()
        .into();
    let mut request = agent.post(&url);
    if let Some(token) = &token {
        request = request.header("Authorization", &format!("Bearer {token}"));
    }
    let mut response = request.send_json(&body).map_err(|e| {
        RemoteError::passing(format!("--remote: cannot reach {shown}: {}", hide(&e)))
    })?;
    let status = response.status();
    let zone = response
        .headers()
        .get(wire::ZONE_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<Tz>().ok())
        .unwrap_or(chrono_tz::UTC);
    let text = response.body_mut().read_to_string().map_err(|e| {
        RemoteError::passing(format!(
            "--remote: reading the answer from {shown}: {}",
            hide(&e)
        ))
    })?;
    // A failing server, or a proxy in front of one that is restarting, may
    // answer the next time; a refusal of the request will not change.
    let passing = status.is_server_error() || status.as_u16() == 429;
    let not_json = || RemoteError {
        message: format!("--remote: {shown} answered {status} with something that is not JSON"),
        passing,
    };
    if !status.is_success() {
        let message = match serde_json::from_str::<wire::ErrorBody>(&text) {
            Ok(body) => body.error,
            Err(e) if is_json(&e) => "no error message".to_string(),
            Err(_) => return Err(not_json()),
        };
        return Err(RemoteError {
            message: format!("--remote: {shown} answered {status}: {}", hide(&message)),
            passing,
        });
    }
    let no_decision = |e: &dyn std::fmt::Display| {
        RemoteError::lasting(format!(
            "--remote: {shown} answered with no valid decision: {}",
            hide(e)
        ))
    };
    let answer: wire::Decision = serde_json::from_str(&text).map_err(|e| {
        if is_json(&e) {
            no_decision(&e)
        } else {
            not_json()
        }
    })?;
    let decision = answer.into_decision(zone).map_err(|e| no_decision(&e))?;
    answers_what_was_asked(&decision, &asked).map_err(|e| no_decision(&e))?;
    Ok(decision)
}

/// Why a server gave no decision: always exit 2 for `check` and `next`;
/// `wait` asks again after a passing failure.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub(super) struct RemoteError {
    pub(super) message: String,
    /// Asking again later may get an answer: the server could not be reached,
    /// broke off, or answered 5xx or 429.
    pub(super) passing: bool,
}

impl RemoteError {
    fn passing(message: String) -> RemoteError {
        RemoteError {
            message,
            passing: true,
        }
    }

    fn lasting(message: String) -> RemoteError {
        RemoteError {
            message,
            passing: false,
        }
    }
}

impl From<RemoteError> for CliError {
    fn from(e: RemoteError) -> CliError {
        CliError::Usage(e.message)
    }
}

/// A decision about another service, env or change says nothing about this one.
fn answers_what_was_asked(decision: &Decision, asked: &Asked) -> Result<(), String> {
    let mut wrong = Vec::new();
    if decision.service != asked.service {
        wrong.push(format!(
            "service `{}`, not `{}`",
            decision.service, asked.service
        ));
    }
    if decision.env != asked.env {
        wrong.push(format!("env `{}`, not `{}`", decision.env, asked.env));
    }
    if let Some(change) = asked.change
        && decision.change != change
    {
        wrong.push(format!(
            "change `{}`, not `{}`",
            decision.change.as_str(),
            change.as_str()
        ));
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!("it is about {}", wrong.join(", ")))
    }
}

/// What the request asked about, as the server resolves it (names trimmed).
struct Asked {
    service: String,
    env: String,
    change: Option<ChangeKind>,
}

impl Asked {
    fn from(text: &crate::input::RequestText) -> Asked {
        let name = |v: &Option<String>| v.as_deref().unwrap_or_default().trim().to_string();
        Asked {
            service: name(&text.service),
            env: name(&text.env),
            // A change this build cannot read is the server's to refuse.
            change: match text.change.as_deref() {
                None => Some(ChangeKind::Deploy),
                Some(c) => ChangeKind::parse(c),
            },
        }
    }
}

/// The text was JSON, just not of the shape asked for.
fn is_json(e: &serde_json::Error) -> bool {
    e.classify() == serde_json::error::Category::Data
}

fn token(args: &RequestArgs) -> Result<Option<String>, CliError> {
    token_from(args.token_file.as_deref())
}
