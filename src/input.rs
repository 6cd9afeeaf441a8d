//! Request fields as text, from any transport (command-line flags, a query string,
//! a JSON body), turned into one validated [`DeployRequest`]. The CLI and the
//! server both use this, so the same text means the same request everywhere.

use crate::eval::{self, DeployRequest, EvalError, Override, WindowsReport};
use crate::plan;
use crate::policy::{ChangeKind, PolicySet, Strategy};
use crate::time::{SyntaxError, duration::parse_duration, parse_instant};
use chrono::{DateTime, Datelike, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// A deploy request as text. Field names are the query/JSON names.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RequestText {
    /// The service to deploy (required: optional in the type only so that a
    /// missing one is answered by its name).
    #[param(required = true, value_type = String)]
    #[schema(required = true, value_type = String)]
    pub service: Option<String>,
    /// The environment to deploy to (required).
    #[param(required = true, value_type = String)]
    #[schema(required = true, value_type = String)]
    pub env: Option<String>,
    /// RFC 3339, or a local `YYYY-MM-DDTHH:MM` in the policy's zone; default now.
    pub at: Option<String>,
    pub duration: Option<String>,
    /// A `[[strategy]]` for this service and env: its plan's length is the
    /// deploy duration and its monitoring the default. Not with `duration`.
    /// Left out of a serialized request when absent, so `check --remote` still
    /// talks to servers that do not know it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strategy: Option<String>,
    pub monitoring: Option<String>,
    /// `deploy` (default), `hotfix`, `rollback` or `config`.
    pub change: Option<String>,
    /// POST bodies only.
    #[serde(rename = "override")]
    #[param(ignore)]
    pub override_: Option<OverrideText>,
    /// The id of a reservation this deploy holds: its slot does not block it
    /// (others still do). Unknown, expired, or another deploy's: bad input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reservation: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OverrideText {
    pub reason: Option<String>,
    pub approver: Option<String>,
}

/// A field that is missing or malformed: which one, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct InputError {
    pub field: String,
    pub message: String,
}

impl InputError {
    fn new(field: &str, message: impl Into<String>) -> InputError {
        InputError {
            field: field.to_string(),
            message: message.into(),
        }
    }

    /// Refuses a value with a control character in it (see [`crate::text`]).
    /// A blank one (tabs, line breaks) is left to the field's own check, which
    /// says "blank".
    pub fn check_line(field: &str, value: Option<&str>) -> Result<(), InputError> {
        match value
            .filter(|v| !v.trim().is_empty())
            .map(crate::text::check_line)
        {
            Some(Err(e)) => Err(InputError::new(field, e.to_string())),
            _ => Ok(()),
        }
    }

    fn syntax(field: &str, e: SyntaxError) -> InputError {
        let help = e.help.map(|h| format!(" ({h})")).unwrap_or_default();
        InputError::new(field, format!("{}{help}", e.message))
    }
}

impl RequestText {
    /// The validated request; `now` stands in for a missing `at`.
    pub fn resolve(
        &self,
        policy: &PolicySet,
        now: DateTime<Utc>,
    ) -> Result<DeployRequest, InputError> {
        self.check_lines()?;
        let required = |field: &str, v: &Option<String>| match v.as_deref().map(str::trim) {
            Some(s) if !s.is_empty() => Ok(s.to_string()),
            _ => Err(InputError::new(field, "is required")),
        };
        let service = required("service", &self.service)?;
        let env = required("env", &self.env)?;
        let at = match &self.at {
            Some(text) => parse_instant(text, policy.settings.timezone)
                .map_err(|e| InputError::syntax("at", e))?,
            None => now,
        };
        let mut req = DeployRequest::new(service, env, at);
        if let Some(text) = &self.change {
            req.change = ChangeKind::parse(text).ok_or_else(|| {
                InputError::new(
                    "change",
                    format!(
                        "unknown change kind `{text}` (use deploy, hotfix, rollback or config)"
                    ),
                )
            })?;
        }
        req.duration = self
            .duration
            .as_deref()
            .map(|d| length("duration", d, false))
            .transpose()?;
        req.monitoring = self
            .monitoring
            .as_deref()
            .map(|d| length("monitoring", d, true))
            .transpose()?;
        if let Some(name) = &self.strategy {
            let strategy = strategy_for(policy, name, &req)?;
            if self.duration.is_some() {
                return Err(InputError::new(
                    "strategy",
                    "cannot be combined with `duration` (the plan's length is the deploy duration)",
                ));
            }
            req.duration = Some(plan::deploy_length(strategy));
            req.monitoring = req
                .monitoring
                .or_else(|| Some(plan::monitoring(policy, strategy)));
        }
        if let Some(o) = &self.override_ {
            let reason = o.reason.as_deref().map(str::trim).unwrap_or_default();
            if reason.is_empty() {
                return Err(InputError::new(
                    "override.reason",
                    "an override needs a reason",
                ));
            }
            // Left out is "no approver"; given, it must name someone.
            let approver = match o.approver.as_deref().map(str::trim) {
                None => None,
                Some("") => {
                    return Err(InputError::new(
                        "override.approver",
                        "is blank; name who approves the override, or leave it out",
                    ));
                }
                Some(name) => Some(name.to_string()),
            };
            req.override_ = Some(Override {
                reason: reason.to_string(),
                approver,
            });
        }
        if let Some(id) = given(&self.reservation) {
            presented(policy, &id, &req.service, &req.env, Some(req.at))?;
            req.reservation = Some(id);
        }
        Ok(req)
    }
}

impl RequestText {
    /// Every field is one line of plain text: it ends up in logs, audit
    /// entries and annotations.
    fn check_lines(&self) -> Result<(), InputError> {
        let override_ = self.override_.as_ref();
        for (field, value) in [
            ("service", self.service.as_deref()),
            ("env", self.env.as_deref()),
            ("at", self.at.as_deref()),
            ("duration", self.duration.as_deref()),
            ("strategy", self.strategy.as_deref()),
            ("monitoring", self.monitoring.as_deref()),
            ("change", self.change.as_deref()),
            ("reservation", self.reservation.as_deref()),
            (
                "override.reason",
                override_.and_then(|o| o.reason.as_deref()),
            ),
            (
                "override.approver",
                override_.and_then(|o| o.approver.as_deref()),
            ),
        ] {
            InputError::check_line(field, value)?;
        }
        Ok(())
    }
}

/// A text field that is given and not blank, trimmed.
fn given(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Checks that reservation `id` is one `policy` holds (unexpired when the
/// policy was composed) for `service` to `env`, and not over by `at`: a gate
/// never passes on a wrong id.
pub fn presented(
    policy: &PolicySet,
    id: &str,
    service: &str,
    env: &str,
    at: Option<DateTime<Utc>>,
) -> Result<(), InputError> {
    let Some(held) = policy.held(id) else {
        let why = if policy.lanes.is_empty() {
            "the policy has no `[[lane]]`, so nothing can be reserved"
        } else {
            "it may have been released or expired; `shipwindow reservations` lists the live ones"
        };
        return Err(InputError::new(
            "reservation",
            format!("`{id}` is no reservation in force ({why})"),
        ));
    };
    if held.service != service || held.env != env {
        return Err(InputError::new(
            "reservation",
            format!(
                "`{id}` is held for {}/{}, not for {service}/{env}",
                held.service, held.env
            ),
        ));
    }
    if let Some(at) = at.filter(|at| *at >= held.monitoring_end) {
        let tz = policy.settings.timezone;
        return Err(InputError::new(
            "reservation",
            format!(
                "`{id}` expires at {}, before the deploy at {}",
                held.monitoring_end.with_timezone(&tz).to_rfc3339(),
                at.with_timezone(&tz).to_rfc3339()
            ),
        ));
    }
    Ok(())
}

/// The strategy `name`, which must deploy the request's service to its env.
fn strategy_for<'p>(
    policy: &'p PolicySet,
    name: &str,
    req: &DeployRequest,
) -> Result<&'p Strategy, InputError> {
    if name.trim().is_empty() {
        return Err(InputError::new("strategy", "needs a strategy name"));
    }
    let strategy =
        plan::find(policy, name).map_err(|e| InputError::new("strategy", e.to_string()))?;
    if strategy.service != req.service || strategy.env != req.env {
        return Err(InputError::new(
            "strategy",
            format!(
                "`{}` deploys `{}` to `{}`, not `{}` to `{}` as requested",
                strategy.name, strategy.service, strategy.env, req.service, req.env
            ),
        ));
    }
    Ok(strategy)
}

fn length(field: &str, text: &str, zero_ok: bool) -> Result<TimeDelta, InputError> {
    let d = parse_duration(text).map_err(|e| InputError::syntax(field, e))?;
    if !zero_ok && d.is_zero() {
        return Err(InputError::new(field, "must be longer than zero"));
    }
    Ok(d)
}

/// A `windows` question as text.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WindowsText {
    #[param(required = true, value_type = String)]
    pub service: Option<String>,
    #[param(required = true, value_type = String)]
    pub env: Option<String>,
    /// RFC 3339, a local `YYYY-MM-DDTHH:MM` in the policy's zone, `now`, or
    /// relative to now (`+2h`, `-1d`, `now+30m`); default now.
    pub from: Option<String>,
    /// As `from`, where `+14d` counts from `from` (`now+14d` from now); default
    /// seven days after `from`.
    pub to: Option<String>,
    pub change: Option<String>,
    /// Only the open intervals (`true`), for a list of when to deploy.
    #[serde(default)]
    #[param(value_type = Option<bool>)]
    pub open: Option<bool>,
    /// A reservation held for this service and env: its slot shows open.
    pub reservation: Option<String>,
}

/// A validated `windows` question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowsQuery {
    pub service: String,
    pub env: String,
    pub change: ChangeKind,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Only the open intervals are wanted.
    pub open: bool,
    /// The reservation presented (checked to be this service's and env's).
    pub reservation: Option<String>,
}

impl WindowsQuery {
    /// The timeline this question asks for; the slot of the reservation it
    /// presents does not close it.
    pub fn report(&self, policy: &PolicySet) -> Result<WindowsReport, EvalError> {
        let (service, env) = (&self.service, &self.env);
        match &self.reservation {
            Some(id) => {
                let policy = policy.presenting(id);
                eval::windows(&policy, service, env, self.change, self.from, self.to)
            }
            None => eval::windows(policy, service, env, self.change, self.from, self.to),
        }
    }
}

/// The longest `windows` range: a year and a bit, so a typo cannot ask for centuries.
pub const MAX_WINDOWS_SPAN: TimeDelta = TimeDelta::days(400);

/// The `windows` range when `to` is left out: a week from `from`.
pub const DEFAULT_WINDOWS_SPAN: TimeDelta = TimeDelta::days(7);

/// An instant for `windows`: `now`, `now±D` or `±D` (`D` a duration such as
/// `14d` or `1h30m`; a bare `±D` counts from `base`), or any time
/// [`parse_instant`] reads.
fn range_edge(
    field: &str,
    text: &str,
    tz: chrono_tz::Tz,
    base: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, InputError> {
    let lower = text.to_ascii_lowercase();
    let (anchor, offset) = match lower.strip_prefix("now") {
        Some(rest) => (now, rest),
        None if lower.starts_with(['+', '-']) => (base, lower.as_str()),
        None => {
            return parse_instant(text, tz).map_err(|e| InputError::syntax(field, e));
        }
    };
    let relative = |sign: i32, d: &str| {
        parse_duration(d)
            .map(|d| if sign < 0 { -d } else { d })
            .map_err(|e| InputError::syntax(field, e))
    };
    let delta = match offset {
        "" => TimeDelta::zero(),
        _ => match offset.split_at(1) {
            ("+", d) => relative(1, d)?,
            ("-", d) => relative(-1, d)?,
            _ => {
                return Err(InputError::new(
                    field,
                    format!(
                        "`{text}` is not a time (write `now`, `now+2h`, `+14d`, RFC 3339 or a local `2026-11-27T17:30`)"
                    ),
                ));
            }
        },
    };
    anchor
        .checked_add_signed(delta)
        .filter(|t| {
            let first = *crate::time::SUPPORTED_YEARS.start();
            t.year() >= first && *t < crate::time::supported_end(tz)
        })
        .ok_or_else(|| {
            InputError::new(
                field,
                format!("`{text}` is outside the years shipwindow reasons about"),
            )
        })
}

/// A range given as `from` and `to` text, read as `windows` reads them (`to`
/// may count from `from`: `+30d`), each defaulting as given: `from` to now,
/// `to` to `default_span` after `from`. At most [`MAX_WINDOWS_SPAN`] long.
pub fn resolve_range(
    from: Option<&str>,
    to: Option<&str>,
    default_span: TimeDelta,
    tz: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), InputError> {
    InputError::check_line("from", from)?;
    InputError::check_line("to", to)?;
    fn given(v: Option<&str>) -> Option<&str> {
        v.map(str::trim).filter(|s| !s.is_empty())
    }
    let from = match given(from) {
        Some(t) => range_edge("from", t, tz, now, now)?,
        None => now,
    };
    let to = match given(to) {
        Some(t) => range_edge("to", t, tz, from, now)?,
        None => from + default_span,
    };
    if to <= from {
        return Err(InputError::new("to", "is not after `from`"));
    }
    if to - from > MAX_WINDOWS_SPAN {
        let days = MAX_WINDOWS_SPAN.num_days();
        return Err(InputError::new(
            "to",
            format!("makes the range longer than {days} days; ask for a shorter one"),
        ));
    }
    Ok((from, to))
}

impl WindowsText {
    /// The validated question; `now` stands in for a missing `from` and anchors
    /// the relative forms.
    pub fn resolve(
        &self,
        policy: &PolicySet,
        now: DateTime<Utc>,
    ) -> Result<WindowsQuery, InputError> {
        for (field, value) in [
            ("service", &self.service),
            ("env", &self.env),
            ("from", &self.from),
            ("to", &self.to),
            ("change", &self.change),
            ("reservation", &self.reservation),
        ] {
            InputError::check_line(field, value.as_deref())?;
        }
        let tz = policy.settings.timezone;
        let text = |field: &str, v: &Option<String>| match v.as_deref().map(str::trim) {
            Some(s) if !s.is_empty() => Ok(s.to_string()),
            _ => Err(InputError::new(field, "is required")),
        };
        let service = text("service", &self.service)?;
        let env = text("env", &self.env)?;
        let from = match given(&self.from) {
            Some(t) => range_edge("from", &t, tz, now, now)?,
            None => now,
        };
        let to = match given(&self.to) {
            Some(t) => range_edge("to", &t, tz, from, now)?,
            None => from + DEFAULT_WINDOWS_SPAN,
        };
        if to <= from {
            return Err(InputError::new("to", "is not after `from`"));
        }
        if to - from > MAX_WINDOWS_SPAN {
            let days = MAX_WINDOWS_SPAN.num_days();
            return Err(InputError::new(
                "to",
                format!("makes the range longer than {days} days; ask for a shorter one"),
            ));
        }
        let change = match &self.change {
            None => ChangeKind::Deploy,
            Some(c) => ChangeKind::parse(c).ok_or_else(|| {
                InputError::new(
                    "change",
                    format!("unknown change kind `{c}` (use deploy, hotfix, rollback or config)"),
                )
            })?,
        };
        let reservation = given(&self.reservation);
        if let Some(id) = &reservation {
            presented(policy, id, &service, &env, None)?;
        }
        Ok(WindowsQuery {
            service,
            env,
            change,
            from,
            to,
            open: self.open.unwrap_or(false),
            reservation,
        })
    }
}
