//! `reserve`, `release` and `reservations`: booking a slot in a lane, freeing
//! it, and listing the booked ones — on a server (`--remote`) or directly on
//! the store (`--store`, else the SQLite file under `--state-dir`). A slot
//! refused (another holds it, the policy does not allow the deploy then) is
//! exit 1 with the reason; bad input and a store or server that cannot be
//! used are exit 2.

use super::error::CliError;
use super::exit::{EXIT_ALLOWED, EXIT_DENIED};
use super::format::{WindowsFormat, to_json};
use super::output::outln;
use super::slots::SlotsStore;
use super::token::token_from;
use crate::credentials;
use crate::input::RequestText;
use crate::policy::{LoadOptions, PolicySet};
use crate::store::{BookError, Reservation, ReservationView, SlotRequest, Store, book};
use crate::wire;
use chrono::{SubsecRound, Utc};
use clap::Args;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A server that does not answer should not hold a pipeline.
const TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Args, Debug)]
pub(super) struct ReserveArgs {
    #[arg(long)]
    service: String,
    #[arg(long)]
    env: String,
    /// Start: RFC 3339, or local YYYY-MM-DDTHH:MM in the policy's zone (default: now)
    #[arg(long, conflicts_with = "next")]
    at: Option<String>,
    /// The earliest slot the policy allows and no other reservation holds
    #[arg(long)]
    next: bool,
    /// Length of the deploy itself, e.g. 45m (default: settings.deploy_duration)
    #[arg(long)]
    duration: Option<String>,
    /// Time the slot by this [[strategy]]'s plan
    #[arg(long, value_name = "NAME", conflicts_with = "duration")]
    strategy: Option<String>,
    /// Monitoring after the deploy, part of the slot (default: the strategy's, else settings.monitoring)
    #[arg(long)]
    monitoring: Option<String>,
    #[command(flatten)]
    who: By,
    #[command(flatten)]
    target: Target,
    #[arg(long, value_enum, default_value_t = WindowsFormat::Human)]
    format: WindowsFormat,
}

#[derive(Args, Debug)]
pub(super) struct ReleaseArgs {
    /// The reservation's id
    id: String,
    #[command(flatten)]
    who: By,
    #[command(flatten)]
    target: Target,
    #[arg(long, value_enum, default_value_t = WindowsFormat::Human)]
    format: WindowsFormat,
}

#[derive(Args, Debug)]
pub(super) struct ReservationsArgs {
    #[arg(long)]
    service: Option<String>,
    #[arg(long)]
    env: Option<String>,
    #[command(flatten)]
    target: Target,
    #[arg(long, value_enum, default_value_t = WindowsFormat::Human)]
    format: WindowsFormat,
}

#[derive(Args, Debug)]
struct By {
    /// Who holds (or releases) the slot (default: $USER)
    #[arg(long, value_name = "WHO")]
    by: Option<String>,
}

impl By {
    fn name(&self) -> Result<String, CliError> {
        holder(self.by.as_deref())
    }
}

/// Who holds a slot: `by`, else `$USER` (or `$USERNAME`); one line, not blank.
pub(super) fn holder(by: Option<&str>) -> Result<String, CliError> {
    let name = by
        .map(str::to_string)
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("USERNAME").ok());
    crate::input::InputError::check_line("by", name.as_deref())
        .map_err(|e| CliError::Usage(format!("--by: {}", e.message)))?;
    match name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()) {
        Some(n) => Ok(n),
        None => Err(CliError::Usage(
            "--by: name who holds the slot (no $USER to default to)".into(),
        )),
    }
}

/// Where the reservations are: a server, or the store itself.
#[derive(Args, Debug)]
struct Target {
    /// Ask a shipwindow server (its base URL) instead of using the store directly
    #[arg(long, value_name = "URL")]
    remote: Option<String>,
    /// Bearer token for --remote, from a file (also $SHIPWINDOW_TOKEN)
    #[arg(long, value_name = "FILE", requires = "remote")]
    token_file: Option<PathBuf>,
    #[command(flatten)]
    slots: SlotsStore,
}

impl ReserveArgs {
    pub(super) fn json(&self) -> bool {
        self.format == WindowsFormat::Json
    }
}

impl ReleaseArgs {
    pub(super) fn json(&self) -> bool {
        self.format == WindowsFormat::Json
    }
}

impl ReservationsArgs {
    pub(super) fn json(&self) -> bool {
        self.format == WindowsFormat::Json
    }
}

/// A 409 from the server: the holder, or the policy's decision.
#[derive(Debug, Deserialize, Serialize)]
struct Refused {
    error: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    holder: Option<ReservationView>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    decision: Option<serde_json::Value>,
}

pub(super) fn reserve(dir: PathBuf, args: &ReserveArgs) -> Result<u8, CliError> {
    let by = args.who.name()?;
    let text = RequestText {
        service: Some(args.service.clone()),
        env: Some(args.env.clone()),
        at: args.at.clone(),
        duration: args.duration.clone(),
        strategy: args.strategy.clone(),
        monitoring: args.monitoring.clone(),
        ..RequestText::default()
    };
    if let Some(base) = &args.target.remote {
        let body = serde_json::json!({
            "service": text.service, "env": text.env, "at": text.at, "next": args.next,
            "duration": text.duration, "strategy": text.strategy,
            "monitoring": text.monitoring, "by": by,
        });
        let answer = call(&args.target, base, "POST", "/v1/reservations", Some(body))?;
        return match answer {
            Answer::Ok(value) => show_one(&value, "reserved", args.format),
            Answer::Refused(r) => refused(&r, args.format),
        };
    }
    let now = Utc::now().trunc_subsecs(0);
    let policy = load(&dir)?;
    let store = open(&args.target.slots)?;
    let slot = SlotRequest {
        text,
        next: args.next,
        by,
    };
    let tz = policy.settings.timezone;
    match book(&store, &policy, &slot, now) {
        Ok((r, _)) => show_one(&view_json(&r, tz)?, "reserved", args.format),
        Err(e) => {
            let message = e.to_string();
            let r = match e {
                BookError::Taken(holder) => Refused {
                    error: format!("slot taken: {}", holder.holds_words(tz)),
                    holder: Some(holder.view(tz)),
                    decision: None,
                },
                BookError::Denied(d) => Refused {
                    error: message,
                    holder: None,
                    decision: serde_json::to_value(wire::Decision::from(d.as_ref())).ok(),
                },
                BookError::NothingFree { .. } => Refused {
                    error: message,
                    holder: None,
                    decision: None,
                },
                _ => return Err(CliError::Usage(message)),
            };
            refused(&r, args.format)
        }
    }
}

pub(super) fn release(dir: PathBuf, args: &ReleaseArgs) -> Result<u8, CliError> {
    let by = args.who.name()?;
    if let Some(base) = &args.target.remote {
        let path = format!(
            "/v1/reservations/{}?by={}",
            url_part(&args.id),
            url_part(&by)
        );
        return match call(&args.target, base, "DELETE", &path, None)? {
            Answer::Ok(value) => show_one(&value, "released", args.format),
            Answer::Refused(r) => Err(CliError::Usage(r.error)),
        };
    }
    let tz = zone(&dir);
    let store = open(&args.target.slots)?;
    let (r, _) = store
        .release(&args.id, &by, Utc::now())
        .map_err(|e| CliError::Usage(e.to_string()))?;
    show_one(&view_json(&r, tz)?, "released", args.format)
}

pub(super) fn list(dir: PathBuf, args: &ReservationsArgs) -> Result<u8, CliError> {
    let views: Vec<ReservationView> = match &args.target.remote {
        Some(base) => {
            let mut query = Vec::new();
            for (key, value) in [("service", &args.service), ("env", &args.env)] {
                if let Some(v) = value {
                    query.push(format!("{key}={}", url_part(v)));
                }
            }
            let path = match query.is_empty() {
                true => "/v1/reservations".to_string(),
                false => format!("/v1/reservations?{}", query.join("&")),
            };
            #[derive(Deserialize)]
            struct List {
                reservations: Vec<ReservationView>,
            }
            match call(&args.target, base, "GET", &path, None)? {
                Answer::Ok(value) => {
                    serde_json::from_value::<List>(value)
                        .map_err(|e| {
                            CliError::Usage(format!("--remote: not a reservation list: {e}"))
                        })?
                        .reservations
                }
                Answer::Refused(r) => return Err(CliError::Usage(r.error)),
            }
        }
        None => {
            let tz = zone(&dir);
            let store = open(&args.target.slots)?;
            store
                .unexpired_reservations(Utc::now(), args.service.as_deref(), args.env.as_deref())
                .map_err(|e| CliError::Usage(e.to_string()))?
                .iter()
                .map(|r| r.view(tz))
                .collect()
        }
    };
    match args.format {
        WindowsFormat::Json => {
            outln!("{}", to_json(&serde_json::json!({ "reservations": views })))
        }
        WindowsFormat::Human if views.is_empty() => outln!("no reservations"),
        WindowsFormat::Human => {
            for v in &views {
                outln!("{}", line(v));
            }
        }
    }
    Ok(EXIT_ALLOWED)
}

/// One reservation on one line.
pub(super) fn line(v: &ReservationView) -> String {
    format!(
        "{}  {}/{}  lane {}  {} → {} (monitoring until {})  held by {}",
        v.id, v.service, v.env, v.lane, v.start, v.deploy_end, v.monitoring_end, v.by
    )
}

fn view_json(r: &Reservation, tz: chrono_tz::Tz) -> Result<serde_json::Value, CliError> {
    serde_json::to_value(r.view(tz)).map_err(|e| CliError::Usage(e.to_string()))
}

fn show_one(value: &serde_json::Value, what: &str, format: WindowsFormat) -> Result<u8, CliError> {
    match format {
        WindowsFormat::Json => outln!("{}", to_json(value)),
        WindowsFormat::Human => {
            let v: ReservationView = serde_json::from_value(value.clone())
                .map_err(|e| CliError::Usage(format!("not a reservation: {e}")))?;
            outln!("{what} {}", line(&v));
        }
    }
    Ok(EXIT_ALLOWED)
}

fn refused(r: &Refused, format: WindowsFormat) -> Result<u8, CliError> {
    match format {
        WindowsFormat::Json => outln!("{}", to_json(r)),
        WindowsFormat::Human => outln!("not reserved: {}", r.error),
    }
    Ok(EXIT_DENIED)
}

fn load(dir: &Path) -> Result<PolicySet, CliError> {
    PolicySet::load_with(dir, &LoadOptions::from_env()).map_err(CliError::Policy)
}

/// The policy's zone for showing times; UTC when the policy does not load
/// (releasing and listing need no policy).
fn zone(dir: &Path) -> chrono_tz::Tz {
    load(dir).map_or(chrono_tz::UTC, |p| p.settings.timezone)
}

fn open(slots: &SlotsStore) -> Result<Store, CliError> {
    Store::select(slots.store.url(), &slots.state.state_dir)
        .map_err(|e| CliError::Usage(format!("cannot open the store: {e}")))
}

/// `text` percent-encoded for a path segment or a query value.
fn url_part(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

enum Answer {
    Ok(serde_json::Value),
    Refused(Box<Refused>),
}

/// Sends one request to the server; 2xx is the answer, 409 a refusal, and
/// anything else (unreachable, other statuses, not JSON) exit 2.
fn call(
    target: &Target,
    base: &str,
    method: &str,
    path: &str,
    body: Option<serde_json::Value>,
) -> Result<Answer, CliError> {
    let url = format!("{}{path}", base.trim_end_matches('/'));
    let shown = credentials::strip(&url);
    let hide = |e: &dyn std::fmt::Display| credentials::strip(&e.to_string());
    let token = token_from(target.token_file.as_deref())?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .http_status_as_error(false)
        .build()
        .into();
    let auth = token.map(|t| format!("Bearer {t}"));
    let sent = match (method, body) {
        ("POST", Some(body)) => {
            let mut r = agent.post(&url);
            if let Some(a) = &auth {
                r = r.header("Authorization", a);
            }
            r.send_json(&body)
        }
        ("DELETE", _) => {
            let mut r = agent.delete(&url);
            if let Some(a) = &auth {
                r = r.header("Authorization", a);
            }
            r.call()
        }
        _ => {
            let mut r = agent.get(&url);
            if let Some(a) = &auth {
                r = r.header("Authorization", a);
            }
            r.call()
        }
    };
    let mut response =
        sent.map_err(|e| CliError::Usage(format!("--remote: cannot reach {shown}: {}", hide(&e))))?;
    let status = response.status();
    let text = response
        .body_mut()
        .read_to_string()
        .map_err(|e| CliError::Usage(format!("--remote: reading {shown}: {}", hide(&e))))?;
    if status.is_success() {
        return serde_json::from_str(&text).map(Answer::Ok).map_err(|_| {
            CliError::Usage(format!(
                "--remote: {shown} answered {status} with something that is not JSON"
            ))
        });
    }
    if status.as_u16() == 409
        && let Ok(r) = serde_json::from_str::<Refused>(&text)
    {
        return Ok(Answer::Refused(Box::new(r)));
    }
    let message = serde_json::from_str::<wire::ErrorBody>(&text)
        .map(|b| b.error)
        .unwrap_or_else(|_| "no error message".into());
    Err(CliError::Usage(format!(
        "--remote: {shown} answered {status}: {}",
        hide(&message)
    )))
}
