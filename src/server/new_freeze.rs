//! A runtime freeze as asked for, by the JSON API or by Slack's grammar: its
//! length ([`FreezeLength`]) and the checks (patterns and their bounds, length,
//! reason) that make it storable. No handler lives here, so both doors use it without knowing each
//! other.

use crate::input::InputError;
use crate::policy::{PolicySet, Scope};
use crate::store::NewFreeze;
use crate::time::parse_instant;
use chrono::{DateTime, TimeDelta, Utc};

/// The longest runtime freeze: it is an incident brake, not a calendar.
pub const MAX_FREEZE: TimeDelta = TimeDelta::days(30);

/// The most service (or env) patterns one freeze may list: a freeze names what
/// an incident touches, and each pattern is compiled and matched on every check.
pub const MAX_PATTERNS: usize = 64;

/// The longest pattern, in characters: a glob is compiled from it.
pub const MAX_PATTERN_CHARS: usize = 256;

/// The most runtime freezes not lifted and not ended (in force or scheduled) at
/// once: each is a rule every check looks at, kept in memory by the server.
pub const MAX_UNEXPIRED_FREEZES: usize = 1000;

/// How long a new freeze lasts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FreezeLength {
    /// From now, for this long (more than zero).
    For(TimeDelta),
    /// Until this time: RFC 3339, or local `YYYY-MM-DDTHH:MM` in the policy's zone.
    Until(String),
}

/// Checks a freeze request (patterns, length, reason) and makes it storable.
pub(super) fn validate(
    policy: &PolicySet,
    services: Vec<String>,
    envs: Vec<String>,
    length: FreezeLength,
    reason: &str,
    created_by: String,
    now: DateTime<Utc>,
) -> Result<NewFreeze, InputError> {
    // One line each: they are logged, audited and shown in Slack and terminals.
    InputError::check_line("reason", Some(reason))?;
    InputError::check_line("by", Some(&created_by))?;
    for (field, list) in [("services", &services), ("envs", &envs)] {
        for (i, pattern) in list.iter().enumerate() {
            InputError::check_line(&format!("{field}[{i}]"), Some(pattern))?;
        }
    }
    for (field, list) in [("services", &services), ("envs", &envs)] {
        if list.is_empty() {
            return Err(InputError {
                field: field.into(),
                message: "needs at least one name or pattern (e.g. `payments-*`)".into(),
            });
        }
        if list.len() > MAX_PATTERNS {
            return Err(InputError {
                field: field.into(),
                message: format!(
                    "lists {} patterns; a runtime freeze has at most {MAX_PATTERNS}",
                    list.len()
                ),
            });
        }
        // Before compiling: a pattern's length bounds the glob built from it.
        for (i, pattern) in list.iter().enumerate() {
            let chars = pattern.chars().count();
            if chars > MAX_PATTERN_CHARS {
                return Err(InputError {
                    field: format!("{field}[{i}]"),
                    message: format!(
                        "is {chars} characters long; a pattern has at most {MAX_PATTERN_CHARS}"
                    ),
                });
            }
        }
        Scope::parse(list.iter().map(String::as_str)).map_err(|(i, message)| InputError {
            field: format!("{field}[{i}]"),
            message,
        })?;
    }
    let field = match length {
        FreezeLength::For(_) => "for",
        FreezeLength::Until(_) => "until",
    };
    let until = match length {
        FreezeLength::For(d) => now + d,
        FreezeLength::Until(text) => {
            parse_instant(&text, policy.settings.timezone).map_err(|e| InputError {
                field: "until".into(),
                message: e.to_string(),
            })?
        }
    };
    if until <= now {
        let message = match field {
            "for" => "must be longer than zero",
            _ => "must be in the future",
        };
        return Err(InputError {
            field: field.into(),
            message: message.into(),
        });
    }
    if until - now > MAX_FREEZE {
        return Err(InputError {
            field: field.into(),
            message: "a runtime freeze lasts at most 30 days; put longer ones in a policy file"
                .into(),
        });
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(InputError {
            field: "reason".into(),
            message: "is required (say why: an incident number, an event)".into(),
        });
    }
    Ok(NewFreeze {
        services,
        envs,
        start: now,
        until,
        reason: reason.to_string(),
        created_by,
    })
}
