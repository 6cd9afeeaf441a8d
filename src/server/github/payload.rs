//! The `deployment_protection_rule` webhook's payload: the fields a hold needs
//! (`action`, `environment`, `event`, `deployment_callback_url`,
//! `installation.id`, `repository.full_name`, `deployment.sha`/`ref`,
//! `sender.login`), each checked, with an error naming the field that is wrong.

use serde::Deserialize;

/// The only event this rule answers; every other is acknowledged and ignored.
pub(super) const EVENT: &str = "deployment_protection_rule";

/// The longest text kept from a payload field; GitHub's names are far shorter.
const MAX_FIELD_CHARS: usize = 2048;

#[derive(Debug, Deserialize)]
struct Raw {
    action: Option<String>,
    environment: Option<String>,
    event: Option<String>,
    deployment_callback_url: Option<String>,
    deployment: Option<RawDeployment>,
    installation: Option<RawInstallation>,
    repository: Option<RawRepository>,
    sender: Option<RawSender>,
}

#[derive(Debug, Deserialize)]
struct RawDeployment {
    sha: Option<String>,
    #[serde(rename = "ref")]
    git_ref: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RawInstallation {
    id: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct RawRepository {
    full_name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RawSender {
    login: Option<String>,
}

/// A deployment waiting on this rule, as GitHub asked about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ProtectionRequest {
    pub environment: String,
    pub event: String,
    pub callback_url: String,
    pub installation_id: i64,
    pub repository: String,
    pub sha: Option<String>,
    pub git_ref: Option<String>,
    pub sender: Option<String>,
}

/// What a delivery of the event asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Delivery {
    /// `action: "requested"`: a deployment waits for our verdict.
    Requested(ProtectionRequest),
    /// Another action: nothing to do.
    Other(String),
}

/// A payload that is not what GitHub sends: which field, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum PayloadError {
    #[error("the body is not a JSON payload: {0}")]
    NotJson(String),
    #[error("`{0}` is missing")]
    Missing(&'static str),
    #[error("`{field}` {problem}")]
    Invalid {
        field: &'static str,
        problem: &'static str,
    },
}

/// Reads a `deployment_protection_rule` payload.
pub(super) fn parse_delivery(body: &[u8]) -> Result<Delivery, PayloadError> {
    let raw: Raw =
        serde_json::from_slice(body).map_err(|e| PayloadError::NotJson(e.to_string()))?;
    let action = text("action", raw.action)?;
    if action != "requested" {
        return Ok(Delivery::Other(action));
    }
    let installation_id = raw
        .installation
        .and_then(|i| i.id)
        .ok_or(PayloadError::Missing("installation.id"))?;
    if installation_id <= 0 {
        return Err(PayloadError::Invalid {
            field: "installation.id",
            problem: "must be a positive number",
        });
    }
    let repository = text(
        "repository.full_name",
        raw.repository.and_then(|r| r.full_name),
    )?;
    if !is_full_name(&repository) {
        return Err(PayloadError::Invalid {
            field: "repository.full_name",
            problem: "must be `owner/name`",
        });
    }
    let (sha, git_ref) = match raw.deployment {
        Some(d) => (
            optional("deployment.sha", d.sha)?,
            optional("deployment.ref", d.git_ref)?,
        ),
        None => (None, None),
    };
    Ok(Delivery::Requested(ProtectionRequest {
        environment: text("environment", raw.environment)?,
        event: text("event", raw.event)?,
        callback_url: text("deployment_callback_url", raw.deployment_callback_url)?,
        installation_id,
        repository,
        sha,
        git_ref,
        sender: optional("sender.login", raw.sender.and_then(|s| s.login))?,
    }))
}

/// A field that must be there: one line of text, not blank, not too long.
fn text(field: &'static str, value: Option<String>) -> Result<String, PayloadError> {
    optional(field, value)?.ok_or(PayloadError::Missing(field))
}

fn optional(field: &'static str, value: Option<String>) -> Result<Option<String>, PayloadError> {
    let Some(value) = value else { return Ok(None) };
    if value.trim().is_empty() {
        return Err(PayloadError::Invalid {
            field,
            problem: "is blank",
        });
    }
    if value.chars().count() > MAX_FIELD_CHARS {
        return Err(PayloadError::Invalid {
            field,
            problem: "is too long",
        });
    }
    if value.chars().any(char::is_control) {
        return Err(PayloadError::Invalid {
            field,
            problem: "holds control characters",
        });
    }
    Ok(Some(value))
}

/// `owner/name`, both parts present.
fn is_full_name(s: &str) -> bool {
    matches!(s.split_once('/'), Some((owner, name)) if !owner.is_empty() && !name.is_empty() && !name.contains('/'))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn payload() -> Value {
        json!({
            "action": "requested",
            "environment": "production",
            "event": "push",
            "deployment_callback_url": "https://api.github.com/repos/acme/web/actions/runs/1234/deployment_protection_rule",
            "deployment": {"id": 1, "sha": "a1b2c3", "ref": "main", "environment": "production"},
            "installation": {"id": 987, "node_id": "x"},
            "repository": {"id": 5, "name": "web", "full_name": "acme/web"},
            "sender": {"login": "octocat"},
        })
    }

    fn parse(v: &Value) -> Result<Delivery, PayloadError> {
        parse_delivery(v.to_string().as_bytes())
    }

    #[test]
    fn reads_githubs_fields() {
        let Delivery::Requested(r) = parse(&payload()).unwrap() else {
            panic!("not requested")
        };
        assert_eq!(r.environment, "production");
        assert_eq!(r.event, "push");
        assert_eq!(r.installation_id, 987);
        assert_eq!(r.repository, "acme/web");
        assert_eq!(r.sha.as_deref(), Some("a1b2c3"));
        assert_eq!(r.git_ref.as_deref(), Some("main"));
        assert_eq!(r.sender.as_deref(), Some("octocat"));
        assert!(
            r.callback_url
                .ends_with("/runs/1234/deployment_protection_rule")
        );
    }

    #[test]
    fn another_action_is_not_a_request() {
        let mut v = payload();
        v["action"] = json!("completed");
        assert_eq!(parse(&v).unwrap(), Delivery::Other("completed".into()));
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            ("/installation/id", "`installation.id` is missing"),
            ("/repository/full_name", "`repository.full_name` is missing"),
            (
                "/deployment_callback_url",
                "`deployment_callback_url` is missing",
            ),
            ("/environment", "`environment` is missing"),
        ];
        for (pointer, want) in cases {
            let mut v = payload();
            *v.pointer_mut(pointer).unwrap() = Value::Null;
            assert_eq!(parse(&v).unwrap_err().to_string(), want, "{pointer}");
        }
        let mut v = payload();
        v["repository"]["full_name"] = json!("no-owner");
        assert!(parse(&v).unwrap_err().to_string().contains("`owner/name`"));
        let mut v = payload();
        v["environment"] = json!("prod\nuction");
        assert!(parse(&v).unwrap_err().to_string().contains("control"));
        assert!(matches!(
            parse_delivery(b"{not json"),
            Err(PayloadError::NotJson(_))
        ));
    }
}
