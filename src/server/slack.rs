//! The Slack slash command (`POST /v1/slack/command`, SPEC §7), its pure parts: the
//! request signature (Slack's `v0` HMAC-SHA256 with a five-minute replay window),
//! the form, the command grammar, and the Block Kit answers. No IO and no clock:
//! the handler passes `now` and the policy's zone.

use crate::eval::{Blocker, Decision, Verdict};
use crate::input::RequestText;
use crate::policy::ChangeKind;
use crate::store::RuntimeFreeze;
use crate::time::duration::{format_duration, parse_duration};
use chrono::{DateTime, Datelike, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::Sha256;

// ---------------------------------------------------------------------------
// Signature
// ---------------------------------------------------------------------------

/// The header with the request's Unix time (seconds), as Slack sends it.
pub(crate) const TIMESTAMP_HEADER: &str = "x-slack-request-timestamp";
/// The header with `v0=` and the hex HMAC-SHA256 of `v0:{timestamp}:{body}`.
pub(crate) const SIGNATURE_HEADER: &str = "x-slack-signature";
/// How far a request's timestamp may be from the server's clock, either way.
pub(crate) const REPLAY_WINDOW_SECS: u64 = 300;

type HmacSha256 = Hmac<Sha256>;

/// Why a Slack request's signature was refused. The messages are fit for a 401
/// body: they name what is wrong, never the secret or the expected signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum SignatureError {
    #[error("Slack commands are not configured on this server (no signing secret)")]
    NoSecret,
    #[error("missing X-Slack-Request-Timestamp header")]
    MissingTimestamp,
    #[error("missing X-Slack-Signature header")]
    MissingSignature,
    #[error("X-Slack-Request-Timestamp is not a Unix time in seconds")]
    MalformedTimestamp,
    #[error("X-Slack-Signature is not `v0=` followed by 64 hex digits")]
    MalformedSignature,
    #[error(
        "X-Slack-Request-Timestamp is more than 5 minutes from the server's clock (a replay, or clock skew)"
    )]
    Stale,
    #[error("X-Slack-Signature does not match the request")]
    Mismatch,
}

/// A header's value, trimmed; an empty one counts as missing.
fn present(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|v| !v.is_empty())
}

/// Checks a Slack request: both headers present and well formed, the timestamp
/// within [`REPLAY_WINDOW_SECS`] of `now` either way, and the signature the
/// HMAC-SHA256 of `v0:{timestamp}:{body}` under `secret`, compared in constant time.
/// `body` must be the raw bytes as received, before any form decoding.
pub(crate) fn verify_signature(
    secret: &[u8],
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<(), SignatureError> {
    if secret.is_empty() {
        return Err(SignatureError::NoSecret);
    }
    let timestamp = present(timestamp).ok_or(SignatureError::MissingTimestamp)?;
    let signature = present(signature).ok_or(SignatureError::MissingSignature)?;
    let sent_at = parse_timestamp(timestamp)?;
    let tag = parse_signature(signature)?;
    if now.timestamp().abs_diff(sent_at) > REPLAY_WINDOW_SECS {
        return Err(SignatureError::Stale);
    }
    let mac = mac(secret, timestamp, body).ok_or(SignatureError::Mismatch)?;
    // `verify_slice` compares in constant time.
    mac.verify_slice(&tag).map_err(|_| SignatureError::Mismatch)
}

/// The `X-Slack-Signature` value Slack would send for this request:
/// `v0=` and the lowercase hex HMAC-SHA256 of `v0:{timestamp}:{body}`.
#[cfg(test)]
pub(crate) fn sign(secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    // HMAC takes keys of any length, so `mac` never fails; an empty string would
    // never verify anyway.
    mac(secret, timestamp, body)
        .map(|m| format!("v0={}", hex(&m.finalize().into_bytes())))
        .unwrap_or_default()
}

fn mac(secret: &[u8], timestamp: &str, body: &[u8]) -> Option<HmacSha256> {
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(secret).ok()?;
    mac.update(b"v0:");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    Some(mac)
}

/// Seconds since the epoch: digits only, at most 12 of them.
fn parse_timestamp(text: &str) -> Result<i64, SignatureError> {
    if text.is_empty() || text.len() > 12 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SignatureError::MalformedTimestamp);
    }
    text.parse().map_err(|_| SignatureError::MalformedTimestamp)
}

/// `v0=` and 64 hex digits → the 32 bytes of the tag.
fn parse_signature(text: &str) -> Result<Vec<u8>, SignatureError> {
    let hex = text
        .strip_prefix("v0=")
        .filter(|h| h.len() == 64)
        .ok_or(SignatureError::MalformedSignature)?;
    hex.as_bytes()
        .chunks(2)
        .map(|pair| match pair {
            [hi, lo] => Some(nibble(*hi)? << 4 | nibble(*lo)?),
            _ => None,
        })
        .collect::<Option<Vec<u8>>>()
        .ok_or(SignatureError::MalformedSignature)
}

fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

// ---------------------------------------------------------------------------
// The form
// ---------------------------------------------------------------------------

/// The fields of a slash command's `application/x-www-form-urlencoded` body that
/// shipwindow uses; the others (the deprecated `token`, `api_app_id`, …) are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct SlashForm {
    /// The slash command as configured in Slack, e.g. `/shipwindow`.
    pub(crate) command: String,
    /// Everything after the command.
    #[serde(default)]
    pub(crate) text: String,
    pub(crate) user_id: String,
    #[serde(default)]
    pub(crate) user_name: String,
    #[serde(default)]
    pub(crate) team_id: String,
    #[serde(default)]
    pub(crate) team_domain: String,
    #[serde(default)]
    pub(crate) channel_id: String,
    #[serde(default)]
    pub(crate) channel_name: String,
    #[serde(default)]
    pub(crate) response_url: String,
    #[serde(default)]
    pub(crate) trigger_id: String,
}

impl SlashForm {
    /// Who is asking, for `created_by`/`lifted_by` and the audit log:
    /// `slack:U2CERLKJA (roadrunner)`, or `slack:U2CERLKJA` without a user name.
    /// The renderers below show such a value as a Slack mention of that user.
    pub(crate) fn actor(&self) -> String {
        if self.user_name.is_empty() {
            format!("slack:{}", self.user_id)
        } else {
            format!("slack:{} ({})", self.user_id, self.user_name)
        }
    }
}

/// Decodes a slash command body (the raw bytes whose signature was checked).
pub(crate) fn parse_form(body: &[u8]) -> Result<SlashForm, String> {
    serde_urlencoded::from_bytes(body).map_err(|e| format!("malformed slash command form: {e}"))
}

// ---------------------------------------------------------------------------
// The command grammar
// ---------------------------------------------------------------------------

/// What the text after the slash command asks for.
#[derive(Debug, Clone)]
pub(crate) enum SlackCommand {
    /// `help`, or no text.
    Help,
    /// `<service> <env> [at <time>] [for <duration>] [strategy <name>] [change <kind>]`.
    /// The request is text; `RequestText::resolve` validates it against the policy.
    Check {
        request: RequestText,
        strategy: Option<String>,
    },
    /// `freeze <services> <envs> (for <duration> | until <time>) because <reason…>`.
    Freeze {
        services: Vec<String>,
        envs: Vec<String>,
        length: FreezeLength,
        reason: String,
    },
    /// `unfreeze <id>` (a leading `runtime:` is dropped).
    Unfreeze { id: String },
    /// `freezes`.
    Freezes,
}

pub(crate) use super::freezes::FreezeLength;

const CHECK_USAGE: &str =
    "`/shipwindow <service> <env> [at <time>] [for <duration>] [strategy <name>] [change <kind>]`";
const FREEZE_USAGE: &str =
    "`/shipwindow freeze <services> <envs> (for <duration> | until <time>) because <reason>`";
const UNFREEZE_USAGE: &str = "`/shipwindow unfreeze <id>`";
const FREEZES_USAGE: &str = "`/shipwindow freezes`";
const COMMANDS: [&str; 4] = ["help", "freeze", "unfreeze", "freezes"];

/// Parses the text after the slash command. Keywords are case-insensitive; on
/// error, the message says what is wrong and shows the right usage.
pub(crate) fn parse_command(text: &str) -> Result<SlackCommand, String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let Some((first, rest)) = words.split_first() else {
        return Ok(SlackCommand::Help);
    };
    match first.to_lowercase().as_str() {
        "help" => Ok(SlackCommand::Help),
        "freeze" => parse_freeze(rest),
        "unfreeze" => match rest {
            [id] => {
                let id = strip_prefix_ci(id, "runtime:").unwrap_or(id);
                if id.is_empty() {
                    Err(format!(
                        "`unfreeze` needs a freeze id. Usage: {UNFREEZE_USAGE}"
                    ))
                } else {
                    Ok(SlackCommand::Unfreeze { id: id.to_string() })
                }
            }
            [] => Err(format!(
                "`unfreeze` needs the id of a freeze (see `/shipwindow freezes`). Usage: {UNFREEZE_USAGE}"
            )),
            _ => Err(format!(
                "`unfreeze` takes one freeze id. Usage: {UNFREEZE_USAGE}"
            )),
        },
        "freezes" => match rest {
            [] => Ok(SlackCommand::Freezes),
            _ => Err(format!(
                "`freezes` takes no arguments. Usage: {FREEZES_USAGE}"
            )),
        },
        _ => parse_check(&words).map_err(|e| match crate::suggest::closest(first, COMMANDS) {
            Some(cmd) => format!("{e} (Did you mean `{cmd}`?)"),
            None => e,
        }),
    }
}

fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

const CHECK_KEYWORDS: [&str; 4] = ["at", "for", "strategy", "change"];

fn parse_check(words: &[&str]) -> Result<SlackCommand, String> {
    let (service, env, rest) = match words {
        [service, env, rest @ ..] if !is_keyword(env, &CHECK_KEYWORDS) => (service, env, rest),
        [service, ..] => {
            return Err(format!(
                "A check needs a service and an env after it (`{}` alone is not enough). Usage: {CHECK_USAGE}",
                service
            ));
        }
        [] => {
            return Err(format!(
                "A check needs a service and an env. Usage: {CHECK_USAGE}"
            ));
        }
    };
    let mut request = RequestText {
        service: Some(service.to_string()),
        env: Some(env.to_string()),
        ..RequestText::default()
    };
    let mut strategy = None;
    let mut rest = rest;
    while let [key, tail @ ..] = rest {
        let keyword = key.to_lowercase();
        let slot = match keyword.as_str() {
            "at" => &mut request.at,
            "for" => &mut request.duration,
            "strategy" => &mut strategy,
            "change" => &mut request.change,
            _ => {
                return Err(format!(
                    "Unexpected `{}` after `{} {}`: use the keywords `at`, `for`, `strategy` or `change`. Usage: {CHECK_USAGE}",
                    key, service, env
                ));
            }
        };
        if slot.is_some() {
            return Err(format!("`{keyword}` is given twice. Usage: {CHECK_USAGE}"));
        }
        let (value, tail) = match keyword.as_str() {
            "at" => time_value(tail),
            _ => tail.split_first().map(|(v, t)| (v.to_string(), t)),
        }
        .ok_or_else(|| {
            let what = match keyword.as_str() {
                "at" => "a time like `2026-11-27T17:30` (in the policy's zone) or RFC 3339",
                "for" => "a duration like `45m` or `1h30m`",
                "strategy" => "a strategy name",
                _ => "a change kind: deploy, hotfix, rollback or config",
            };
            format!("`{keyword}` needs {what}. Usage: {CHECK_USAGE}")
        })?;
        *slot = Some(if keyword == "change" {
            value.to_lowercase()
        } else {
            value
        });
        rest = tail;
    }
    if let Some(change) = &request.change
        && ChangeKind::parse(change).is_none()
    {
        return Err(format!(
            "Unknown change kind `{change}`: use deploy, hotfix, rollback or config."
        ));
    }
    Ok(SlackCommand::Check { request, strategy })
}

const FREEZE_KEYWORDS: [&str; 4] = ["for", "until", "because", "reason"];

fn parse_freeze(words: &[&str]) -> Result<SlackCommand, String> {
    let [services, envs, rest @ ..] = words else {
        return Err(format!(
            "`freeze` needs services, envs, a length and a reason. Usage: {FREEZE_USAGE}\nFor example: `/shipwindow freeze payments-*,ledger prod for 2h because incident INC-42`"
        ));
    };
    if is_keyword(services, &FREEZE_KEYWORDS) || is_keyword(envs, &FREEZE_KEYWORDS) {
        return Err(format!(
            "`freeze` needs the services and then the envs (comma-separated patterns) before `for`/`until`. Usage: {FREEZE_USAGE}"
        ));
    }
    let services = patterns(services, "services")?;
    let envs = patterns(envs, "envs")?;
    let mut length = None;
    let mut reason = None;
    let mut rest = rest;
    while let [key, tail @ ..] = rest {
        let keyword = key.to_lowercase();
        match keyword.as_str() {
            "for" | "until" if length.is_some() => {
                return Err(format!(
                    "Give the freeze's length once: either `for <duration>` or `until <time>`. Usage: {FREEZE_USAGE}"
                ));
            }
            "for" => {
                let [value, tail @ ..] = tail else {
                    return Err(format!(
                        "`for` needs a duration like `2h` or `1h30m`. Usage: {FREEZE_USAGE}"
                    ));
                };
                let d = parse_duration(value).map_err(|e| {
                    let help = e.help.map(|h| format!(" ({h})")).unwrap_or_default();
                    format!("`for {}`: {}{help}", value, &e.message)
                })?;
                if d <= TimeDelta::zero() {
                    return Err(format!(
                        "`for {}`: a freeze must last longer than zero.",
                        value
                    ));
                }
                length = Some(FreezeLength::For(d));
                rest = tail;
            }
            "until" => {
                let Some((value, tail)) = time_value(tail) else {
                    return Err(format!(
                        "`until` needs a time like `2026-11-27T17:30` (in the policy's zone) or RFC 3339. Usage: {FREEZE_USAGE}"
                    ));
                };
                length = Some(FreezeLength::Until(value));
                rest = tail;
            }
            "because" | "reason" => {
                if tail.is_empty() {
                    return Err(format!(
                        "`{keyword}` needs the reason people will see. Usage: {FREEZE_USAGE}"
                    ));
                }
                reason = Some(tail.join(" "));
                rest = &[];
            }
            _ => {
                return Err(format!(
                    "Unexpected `{}` in `freeze`: after the services and envs come `for <duration>` or `until <time>`, then `because <reason>`. Usage: {FREEZE_USAGE}",
                    key
                ));
            }
        }
    }
    let Some(length) = length else {
        return Err(format!(
            "A freeze needs a length before the reason: `for <duration>` or `until <time>`. Usage: {FREEZE_USAGE}"
        ));
    };
    let Some(reason) = reason else {
        return Err(format!(
            "A freeze needs a reason: end with `because <reason>`. Usage: {FREEZE_USAGE}"
        ));
    };
    Ok(SlackCommand::Freeze {
        services,
        envs,
        length,
        reason,
    })
}

fn is_keyword(word: &str, keywords: &[&str]) -> bool {
    keywords.iter().any(|k| k.eq_ignore_ascii_case(word))
}

/// Comma-separated patterns; empty entries are dropped, none at all is an error.
fn patterns(text: &str, what: &str) -> Result<Vec<String>, String> {
    let list: Vec<String> = text
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    if list.is_empty() {
        Err(format!(
            "`freeze` needs at least one of the {what} (comma-separated, e.g. `payments-*,ledger`). Usage: {FREEZE_USAGE}"
        ))
    } else {
        Ok(list)
    }
}

/// A time value: one token, or a date and a clock time written apart
/// (`2026-11-27 17:30`), which are joined as `2026-11-27T17:30`.
fn time_value<'a, 'w>(words: &'a [&'w str]) -> Option<(String, &'a [&'w str])> {
    match words {
        [date, clock, tail @ ..]
            if is_date(date)
                && clock.starts_with(|c: char| c.is_ascii_digit())
                && clock.contains(':') =>
        {
            Some((format!("{date}T{clock}"), tail))
        }
        [value, tail @ ..] => Some((value.to_string(), tail)),
        [] => None,
    }
}

/// `YYYY-MM-DD` and nothing more.
fn is_date(word: &str) -> bool {
    let b = word.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

// ---------------------------------------------------------------------------
// Block Kit
// ---------------------------------------------------------------------------

/// Slack refuses a section text longer than this.
const SECTION_LIMIT: usize = 3000;
/// At most this many blockers or freezes are listed, so a response stays under
/// Slack's 50 blocks.
const MAX_ITEMS: usize = 40;

/// Escapes the three characters Slack's mrkdwn treats as control characters.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `Mon 30 Nov 06:00 KST` in `tz`, with the year when it is not `year`.
fn when<Z: TimeZone>(t: &DateTime<Z>, tz: Tz, year: i32) -> String {
    let t = t.with_timezone(&tz);
    if t.year() == year {
        t.format("%a %-d %b %H:%M %Z").to_string()
    } else {
        t.format("%a %-d %b %Y %H:%M %Z").to_string()
    }
}

/// `in 3h 20m` from `now` (whole minutes, rounded up), or `now`.
fn relative(now: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let secs = (to - now).num_seconds();
    match secs {
        ..=0 => "now".into(),
        1..60 => format!("in {secs}s"),
        _ => format!(
            "in {}",
            format_duration(TimeDelta::minutes((secs + 59) / 60))
        ),
    }
}

fn section(text: &str) -> Value {
    let text = if text.chars().count() > SECTION_LIMIT {
        let mut cut: String = text.chars().take(SECTION_LIMIT - 1).collect();
        cut.push('…');
        cut
    } else {
        text.to_string()
    };
    json!({"type": "section", "text": {"type": "mrkdwn", "text": text}})
}

fn context(text: &str) -> Value {
    json!({"type": "context", "elements": [{"type": "mrkdwn", "text": text}]})
}

fn response(response_type: &str, text: &str, blocks: Vec<Value>) -> Value {
    json!({"response_type": response_type, "text": text, "blocks": blocks})
}

/// `sha256:0123456789ab…` → `0123456789ab`.
fn short_fingerprint(policy: &str) -> String {
    let hex = policy.strip_prefix("sha256:").unwrap_or(policy);
    hex.chars().take(12).collect()
}

/// A `created_by`/`lifted_by` value: a Slack actor (see [`SlashForm::actor`]) as a
/// mention, anything else as escaped text.
fn who(actor: &str) -> String {
    let id = actor
        .strip_prefix("slack:")
        .and_then(|rest| rest.split(' ').next())
        .filter(|id| {
            !id.is_empty()
                && id
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        });
    match id {
        Some(id) => format!("<@{id}>"),
        None => escape(actor),
    }
}

/// `` `payments-*`, `ledger` ``.
fn code_list(items: &[String]) -> String {
    items
        .iter()
        .map(|p| format!("`{}`", escape(p)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A decision, for the channel: the verdict, the deploy and monitoring interval,
/// each blocker, the next allowed start (or how long the stretch stays clear), and
/// the policy fingerprint. Times are shown in `tz`.
pub(crate) fn render_decision(d: &Decision, tz: Tz) -> Value {
    let year = d.start.with_timezone(&tz).year();
    let at = |t: &DateTime<Tz>| when(t, tz, year);
    let who = format!("*{}* → *{}*", escape(&d.service), escape(&d.env));
    let change = match d.change {
        ChangeKind::Deploy => String::new(),
        other => format!(" ({})", other.as_str()),
    };
    let rules = d
        .blocked_by
        .iter()
        .map(|b| escape(&b.rule))
        .collect::<Vec<_>>()
        .join(", ");
    let plain = format!("{} → {}", escape(&d.service), escape(&d.env));
    let (head, mut fallback) = match d.verdict {
        Verdict::Allow => (
            format!(":white_check_mark: {who} may deploy{change}"),
            format!("{plain}: may deploy{change}"),
        ),
        Verdict::Override => (
            format!(":warning: {who} allowed by override{change}"),
            format!("{plain}: allowed by override{change} ({rules})"),
        ),
        Verdict::Deny => (
            format!(":no_entry: {who} is blocked{change}"),
            format!("{plain}: blocked{change} by {rules}"),
        ),
    };
    let mut blocks = vec![section(&format!(
        "{head}\n*Deploy:* {} – {} (deploy {}, then monitoring {})",
        at(&d.start),
        at(&d.monitoring_end),
        format_duration(d.deploy_end - d.start),
        format_duration(d.monitoring_end - d.deploy_end),
    ))];
    let label = match d.verdict {
        Verdict::Override => "Overridden",
        _ => "Blocked by",
    };
    for b in d.blocked_by.iter().take(MAX_ITEMS) {
        blocks.push(section(&blocker_text(label, b, &at)));
    }
    if d.blocked_by.len() > MAX_ITEMS {
        blocks.push(section(&format!(
            "…and {} more blockers",
            d.blocked_by.len() - MAX_ITEMS
        )));
    }
    let data_end = d
        .data_end
        .as_ref()
        .map(|(t, data)| format!(", where {} ends ({})", escape(data), at(t)));
    match d.verdict {
        Verdict::Deny => {
            let next = match (&d.next_allowed, &data_end) {
                (Some(t), _) => at(t),
                (None, Some(end)) => format!("none found{end}"),
                (None, None) => "none within the horizon".to_string(),
            };
            fallback.push_str(&format!("; next allowed: {next}"));
            blocks.push(section(&format!(":calendar: *Next allowed:* {next}")));
        }
        Verdict::Allow => {
            let clear = match (&d.free_until, &data_end) {
                (Some(t), _) => format!("until {} (room to overrun)", at(t)),
                (None, Some(end)) => format!("at least as far as the search went{end}"),
                (None, None) => "beyond the horizon".to_string(),
            };
            blocks.push(section(&format!(
                ":hourglass_flowing_sand: *Clear* {clear}"
            )));
        }
        Verdict::Override => {}
    }
    blocks.push(context(&format!(
        "policy `sha256:{}`",
        short_fingerprint(&d.policy)
    )));
    response("in_channel", &fallback, blocks)
}

fn blocker_text(label: &str, b: &Blocker, at: &impl Fn(&DateTime<Tz>) -> String) -> String {
    let overridable = if b.overridable { " · overridable" } else { "" };
    format!(
        "{label} *{}* ({}{overridable})\n{}\n_from {} until {}_",
        escape(&b.rule),
        b.kind.as_str(),
        escape(&b.reason),
        at(&b.from),
        at(&b.until)
    )
}

/// Every form of the command, with examples, for the asker only. `command` is the
/// slash command as Slack sent it (`/shipwindow`).
pub(crate) fn render_help(command: &str) -> Value {
    let c = command;
    let text = escape(&format!(
        "*`{c} <service> <env>`* `[at <time>] [for <duration>] [strategy <name>] [change <kind>]`\n\
         May it deploy (now, or `at` a time)? Why not, and when next?\n\
         e.g. `{c} payments-api prod` · `{c} web prod at 2026-11-27T17:30 for 45m` · `{c} web prod change hotfix`\n\n\
         *`{c} freeze <services> <envs> for <duration> because <reason>`* (or `until <time>`)\n\
         Freeze now; services and envs are comma-separated patterns.\n\
         e.g. `{c} freeze payments-*,ledger prod for 2h because incident INC-42` · `{c} freeze * prod until 2026-11-30T06:00 because year-end close`\n\n\
         *`{c} freezes`* — the runtime freezes in force\n\
         *`{c} unfreeze <id>`* — lift one early, e.g. `{c} unfreeze 7`\n\
         *`{c} help`* — this message\n\n\
         Times are RFC 3339 (`2026-11-27T17:30:00+09:00`) or local `2026-11-27T17:30` in the policy's zone; durations like `45m`, `1h30m`, `2d`."
    ));
    response(
        "ephemeral",
        &escape(&format!(
            "{c} usage: {c} <service> <env> [at <time>] [for <duration>] · freeze · freezes · unfreeze"
        )),
        vec![section(&text)],
    )
}

/// An error, for the asker only: `message` is plain text (e.g. from
/// [`parse_command`] or `InputError`), escaped here.
pub(crate) fn render_error(message: &str) -> Value {
    let text = format!(":warning: {}", escape(message));
    response("ephemeral", &text, vec![section(&text)])
}

/// A freeze's services, envs, time and reason, one fact a line.
fn freeze_facts(f: &RuntimeFreeze, tz: Tz, year: i32) -> String {
    let span = if (f.start - f.created_at).num_seconds().abs() > 60 {
        format!(
            "*From:* {} *until* {}",
            when(&f.start, tz, year),
            when(&f.until, tz, year)
        )
    } else {
        format!(
            "*Until:* {} ({})",
            when(&f.until, tz, year),
            format_duration(f.until - f.start)
        )
    };
    format!(
        "*Services:* {}   *Envs:* {}\n{span}\n*Reason:* {}",
        code_list(&f.services),
        code_list(&f.envs),
        escape(&f.reason)
    )
}

/// A new runtime freeze, for the channel.
pub(crate) fn render_freeze_created(f: &RuntimeFreeze, tz: Tz) -> Value {
    let year = f.created_at.with_timezone(&tz).year();
    let name = escape(&f.rule_name());
    let head = format!(
        ":snowflake: Freeze `{name}` created by {}",
        who(&f.created_by)
    );
    let fallback = format!(
        "Freeze {name} on {} in {} until {}: {}",
        escape(&f.services.join(",")),
        escape(&f.envs.join(",")),
        when(&f.until, tz, year),
        escape(&f.reason)
    );
    response(
        "in_channel",
        &fallback,
        vec![
            section(&format!("{head}\n{}", freeze_facts(f, tz, year))),
            context(&format!("Lift it early with `unfreeze {}`", escape(&f.id))),
        ],
    )
}

/// A runtime freeze lifted early, for the channel.
pub(crate) fn render_freeze_lifted(f: &RuntimeFreeze, tz: Tz) -> Value {
    let lifted_at = f.lifted_at.unwrap_or(f.created_at);
    let year = lifted_at.with_timezone(&tz).year();
    let name = escape(&f.rule_name());
    let by = f
        .lifted_by
        .as_deref()
        .map(who)
        .unwrap_or_else(|| "someone".into());
    let head = format!(
        ":sunny: Freeze `{name}` lifted by {by} at {}",
        when(&lifted_at, tz, year)
    );
    let fallback = format!("Freeze {name} lifted: {}", escape(&f.reason));
    response(
        "in_channel",
        &fallback,
        vec![section(&format!(
            "{head}\n{}\n_Created by {}_",
            freeze_facts(f, tz, year),
            who(&f.created_by)
        ))],
    )
}

/// The runtime freezes, for the channel: each one's rule name, services, envs,
/// end, reason and creator, or a line saying there are none.
pub(crate) fn render_freezes(list: &[RuntimeFreeze], tz: Tz, now: DateTime<Utc>) -> Value {
    if list.is_empty() {
        let text = ":sunny: No runtime freezes in force.";
        return response("in_channel", text, vec![section(text)]);
    }
    let year = now.with_timezone(&tz).year();
    let count = list.len();
    let plural = if count == 1 { "" } else { "s" };
    let mut blocks = vec![section(&format!(
        ":snowflake: *{count} runtime freeze{plural}*"
    ))];
    let mut lines = Vec::new();
    for f in list.iter().take(MAX_ITEMS) {
        let name = escape(&f.rule_name());
        let state = if let (Some(at), by) = (f.lifted_at, &f.lifted_by) {
            let by = by.as_deref().map(who).unwrap_or_else(|| "someone".into());
            format!("lifted by {by} at {}", when(&at, tz, year))
        } else if f.until <= now {
            format!("expired {}", when(&f.until, tz, year))
        } else if f.start > now {
            format!(
                "from {} ({}) until {}",
                when(&f.start, tz, year),
                relative(now, f.start),
                when(&f.until, tz, year)
            )
        } else {
            format!(
                "until {} ({})",
                when(&f.until, tz, year),
                relative(now, f.until)
            )
        };
        blocks.push(section(&format!(
            "*`{name}`* {} in {}\n{state} · by {}\n*Reason:* {}",
            code_list(&f.services),
            code_list(&f.envs),
            who(&f.created_by),
            escape(&f.reason)
        )));
        lines.push(format!("{name} ({state})"));
    }
    if count > MAX_ITEMS {
        blocks.push(section(&format!("…and {} more", count - MAX_ITEMS)));
    }
    let fallback = format!("{count} runtime freeze{plural}: {}", lines.join("; "));
    response("in_channel", &fallback, blocks)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;
    use crate::eval::{DeployRequest, Override, decide};
    use crate::policy::PolicySet;

    const SECRET: &[u8] = b"8f742231b10e8888abcd99yyyzzz85a5";
    const TS: &str = "1531420618";
    const BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const EXPECTED: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    fn at_ts(offset: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_531_420_618 + offset, 0).unwrap()
    }

    fn verify(
        ts: Option<&str>,
        sig: Option<&str>,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<(), SignatureError> {
        verify_signature(SECRET, ts, sig, body.as_bytes(), now)
    }

    #[test]
    fn signs_slacks_documented_example() {
        assert_eq!(sign(SECRET, TS, BODY.as_bytes()), EXPECTED);
    }

    #[test]
    fn accepts_a_correctly_signed_request() {
        assert_eq!(verify(Some(TS), Some(EXPECTED), BODY, at_ts(0)), Ok(()));
        // Upper-case hex is the same signature.
        let upper = format!("v0={}", EXPECTED[3..].to_uppercase());
        assert_eq!(verify(Some(TS), Some(&upper), BODY, at_ts(0)), Ok(()));
        // The edges of the replay window are inside it.
        assert_eq!(verify(Some(TS), Some(EXPECTED), BODY, at_ts(300)), Ok(()));
        assert_eq!(verify(Some(TS), Some(EXPECTED), BODY, at_ts(-300)), Ok(()));
    }

    #[test]
    fn refuses_a_wrong_signature() {
        let mut wrong = EXPECTED.to_string();
        wrong.replace_range(10..11, if &EXPECTED[10..11] == "0" { "1" } else { "0" });
        assert_ne!(wrong, EXPECTED);
        assert_eq!(
            verify(Some(TS), Some(&wrong), BODY, at_ts(0)),
            Err(SignatureError::Mismatch)
        );
        // Signed with another secret.
        let other = sign(b"another-secret", TS, BODY.as_bytes());
        assert_eq!(
            verify(Some(TS), Some(&other), BODY, at_ts(0)),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn refuses_a_tampered_body_or_timestamp() {
        let tampered = BODY.replace("text=&", "text=freeze+*+prod+for+1d+because+x&");
        assert_eq!(
            verify(Some(TS), Some(EXPECTED), &tampered, at_ts(0)),
            Err(SignatureError::Mismatch)
        );
        // A different timestamp, still inside the window, breaks the signature too.
        assert_eq!(
            verify(Some("1531420619"), Some(EXPECTED), BODY, at_ts(0)),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn refuses_timestamps_outside_the_replay_window() {
        for offset in [360, -360, 301, -301] {
            // `now` is `offset` after the timestamp: positive is an old request,
            // negative one from the future.
            assert_eq!(
                verify(Some(TS), Some(EXPECTED), BODY, at_ts(offset)),
                Err(SignatureError::Stale),
                "{offset}"
            );
        }
        // Even correctly signed for its timestamp.
        let old = (1_531_420_618 - 360).to_string();
        let sig = sign(SECRET, &old, BODY.as_bytes());
        assert_eq!(
            verify(Some(&old), Some(&sig), BODY, at_ts(0)),
            Err(SignatureError::Stale)
        );
        assert_eq!(verify(Some(&old), Some(&sig), BODY, at_ts(-360)), Ok(()));
    }

    #[test]
    fn refuses_missing_or_malformed_headers() {
        let cases: [(Option<&str>, Option<&str>, SignatureError); 10] = [
            (None, Some(EXPECTED), SignatureError::MissingTimestamp),
            (Some(""), Some(EXPECTED), SignatureError::MissingTimestamp),
            (Some(TS), None, SignatureError::MissingSignature),
            (Some(TS), Some(" "), SignatureError::MissingSignature),
            (None, None, SignatureError::MissingTimestamp),
            (
                Some("15314206l8"),
                Some(EXPECTED),
                SignatureError::MalformedTimestamp,
            ),
            (
                Some("-1531420618"),
                Some(EXPECTED),
                SignatureError::MalformedTimestamp,
            ),
            (
                Some("99999999999999999999"),
                Some(EXPECTED),
                SignatureError::MalformedTimestamp,
            ),
            (
                Some(TS),
                Some(&EXPECTED[3..]),
                SignatureError::MalformedSignature,
            ),
            (
                Some(TS),
                Some("v1=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"),
                SignatureError::MalformedSignature,
            ),
        ];
        for (ts, sig, want) in cases {
            assert_eq!(verify(ts, sig, BODY, at_ts(0)), Err(want), "{ts:?} {sig:?}");
        }
        for sig in [
            "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b50",
            "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b5033",
            "v0=+2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
            "v0=g2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
        ] {
            assert_eq!(
                verify(Some(TS), Some(sig), BODY, at_ts(0)),
                Err(SignatureError::MalformedSignature),
                "{sig}"
            );
        }
        assert_eq!(
            verify_signature(b"", Some(TS), Some(EXPECTED), BODY.as_bytes(), at_ts(0)),
            Err(SignatureError::NoSecret)
        );
    }

    #[test]
    fn error_messages_never_show_the_secret_or_signature() {
        for e in [
            SignatureError::NoSecret,
            SignatureError::MissingTimestamp,
            SignatureError::MissingSignature,
            SignatureError::MalformedTimestamp,
            SignatureError::MalformedSignature,
            SignatureError::Stale,
            SignatureError::Mismatch,
        ] {
            let m = e.to_string();
            assert!(!m.is_empty());
            assert!(!m.contains("8f742231") && !m.contains("a2114d57"), "{m}");
        }
    }

    #[test]
    fn parses_slacks_form() {
        let f = parse_form(BODY.as_bytes()).unwrap();
        assert_eq!(f.command, "/webhook-collect");
        assert_eq!(f.text, "");
        assert_eq!(f.user_id, "U2CERLKJA");
        assert_eq!(f.user_name, "roadrunner");
        assert_eq!(f.team_id, "T1DC2JH3J");
        assert_eq!(f.channel_id, "G8PSS9T3V");
        assert_eq!(
            f.response_url,
            "https://hooks.slack.com/commands/T1DC2JH3J/397700885554/96rGlfmibIGlgcZRskXaIFfN"
        );
        assert_eq!(f.actor(), "slack:U2CERLKJA (roadrunner)");
        let f = parse_form(b"command=%2Fshipwindow&user_id=U1&text=freeze+payments-*%2Cledger+prod+for+2h+because+a+%26+b").unwrap();
        assert_eq!(f.text, "freeze payments-*,ledger prod for 2h because a & b");
        assert_eq!(f.user_name, "");
        assert_eq!(f.actor(), "slack:U1");
        // `command` and `user_id` are required.
        assert!(
            parse_form(b"text=web+prod&user_id=U1")
                .unwrap_err()
                .contains("command")
        );
        assert!(
            parse_form(b"command=%2Fshipwindow")
                .unwrap_err()
                .contains("user_id")
        );
    }

    fn check(text: &str) -> (RequestText, Option<String>) {
        match parse_command(text) {
            Ok(SlackCommand::Check { request, strategy }) => (request, strategy),
            other => panic!("{text}: {other:?}"),
        }
    }

    fn freeze(text: &str) -> (Vec<String>, Vec<String>, FreezeLength, String) {
        match parse_command(text) {
            Ok(SlackCommand::Freeze {
                services,
                envs,
                length,
                reason,
            }) => (services, envs, length, reason),
            other => panic!("{text}: {other:?}"),
        }
    }

    fn err(text: &str) -> String {
        match parse_command(text) {
            Err(e) => e,
            Ok(c) => panic!("{text}: parsed as {c:?}"),
        }
    }

    #[test]
    fn help_and_empty_text() {
        for text in ["", "   ", "help", "HELP", "Help me"] {
            assert!(
                matches!(parse_command(text), Ok(SlackCommand::Help)),
                "{text:?}"
            );
        }
    }

    #[test]
    fn a_check_with_service_and_env() {
        let (r, s) = check("payments-api prod");
        assert_eq!(r.service.as_deref(), Some("payments-api"));
        assert_eq!(r.env.as_deref(), Some("prod"));
        assert_eq!((r.at, r.duration, r.change, s), (None, None, None, None));
    }

    #[test]
    fn a_check_with_keywords_in_any_order() {
        let (r, s) = check("web prod at 2026-11-27T17:30 for 45m strategy canary");
        assert_eq!(r.at.as_deref(), Some("2026-11-27T17:30"));
        assert_eq!(r.duration.as_deref(), Some("45m"));
        assert_eq!(s.as_deref(), Some("canary"));
        let (r, s) = check(
            "web prod STRATEGY blue-green For 1h30m change HOTFIX AT 2026-11-27T17:30:00+09:00",
        );
        assert_eq!(r.at.as_deref(), Some("2026-11-27T17:30:00+09:00"));
        assert_eq!(r.duration.as_deref(), Some("1h30m"));
        assert_eq!(r.change.as_deref(), Some("hotfix"));
        assert_eq!(s.as_deref(), Some("blue-green"));
        // A date and a clock time written apart are one time.
        let (r, _) = check("web prod at 2026-11-27 17:30 for 45m");
        assert_eq!(r.at.as_deref(), Some("2026-11-27T17:30"));
        assert_eq!(r.duration.as_deref(), Some("45m"));
    }

    #[test]
    fn a_check_resolves_like_any_request() {
        let p = PolicySet::from_files(&[("p.toml", "[settings]\ntimezone = \"Asia/Seoul\"\n")])
            .unwrap();
        let (r, _) = check("web prod at 2026-11-27T17:30 for 45m");
        let req = r.resolve(&p, Utc::now()).unwrap();
        assert_eq!(req.at.to_rfc3339(), "2026-11-27T08:30:00+00:00");
        assert_eq!(req.duration, Some(TimeDelta::minutes(45)));
        // The duration is checked there, not here.
        let (r, _) = check("web prod for soon");
        assert_eq!(r.resolve(&p, Utc::now()).unwrap_err().field, "duration");
    }

    #[test]
    fn check_errors_show_the_usage() {
        for (text, says) in [
            ("web", "needs a service and an env"),
            ("web at 2026-11-27T17:30", "needs a service and an env"),
            ("web prod at", "`at` needs a time"),
            ("web prod for", "`for` needs a duration"),
            ("web prod strategy", "`strategy` needs a strategy name"),
            ("web prod for 1h for 2h", "`for` is given twice"),
            (
                "web prod at 2026-11-27T17:30 AT 2026-11-28T17:30",
                "`at` is given twice",
            ),
            ("web prod tomorrow", "Unexpected `tomorrow`"),
            ("web prod change bugfix", "Unknown change kind `bugfix`"),
        ] {
            let e = err(text);
            assert!(e.contains(says), "{text}: {e}");
            if !says.starts_with("Unknown change") {
                assert!(e.contains(CHECK_USAGE), "{text}: {e}");
            }
        }
        // User text in a message is escaped for mrkdwn when rendered.
        let shown = all_text(&render_error(&err("web prod <!channel>")));
        assert!(shown.contains("`&lt;!channel&gt;`"), "{shown}");
        assert!(!shown.contains('<'), "{shown}");
        // A typo of a command is pointed out.
        assert!(
            err("freze").contains("Did you mean `freeze`?"),
            "{}",
            err("freze")
        );
    }

    #[test]
    fn a_freeze_for_a_duration() {
        let (s, e, l, r) =
            freeze("freeze payments-*,ledger prod for 2h because incident INC-42 & friends");
        assert_eq!(s, ["payments-*", "ledger"]);
        assert_eq!(e, ["prod"]);
        assert_eq!(l, FreezeLength::For(TimeDelta::hours(2)));
        assert_eq!(r, "incident INC-42 & friends");
        let (s, e, l, r) = freeze("FREEZE * prod,staging, FOR 1h30m REASON db   migration");
        assert_eq!(s, ["*"]);
        assert_eq!(e, ["prod", "staging"]);
        assert_eq!(l, FreezeLength::For(TimeDelta::minutes(90)));
        assert_eq!(r, "db migration");
    }

    #[test]
    fn a_freeze_until_a_time() {
        let (s, e, l, r) =
            freeze("freeze !internal-* prod until 2026-11-30T06:00 because year-end");
        assert_eq!(s, ["!internal-*"]);
        assert_eq!(e, ["prod"]);
        assert_eq!(l, FreezeLength::Until("2026-11-30T06:00".into()));
        assert_eq!(r, "year-end");
        let (_, _, l, _) = freeze("freeze web prod until 2026-11-30 06:00 because x");
        assert_eq!(l, FreezeLength::Until("2026-11-30T06:00".into()));
        let (_, _, l, _) = freeze("freeze web prod until 2026-11-30T06:00:00+09:00 because x");
        assert_eq!(l, FreezeLength::Until("2026-11-30T06:00:00+09:00".into()));
    }

    #[test]
    fn freeze_errors_show_the_usage() {
        for (text, says) in [
            ("freeze", "needs services, envs, a length and a reason"),
            ("freeze web", "needs services, envs, a length and a reason"),
            (
                "freeze web for 2h because x",
                "the services and then the envs",
            ),
            (
                "freeze , prod for 2h because x",
                "at least one of the services",
            ),
            ("freeze web ,, for 2h because x", "at least one of the envs"),
            ("freeze web , for 2h because x", "at least one of the envs"),
            ("freeze web prod because x", "needs a length"),
            ("freeze web prod because x for 2h", "needs a length"),
            ("freeze web prod for 2h", "needs a reason"),
            (
                "freeze web prod for 2h because",
                "`because` needs the reason",
            ),
            ("freeze web prod for 2h reason", "`reason` needs the reason"),
            ("freeze web prod for", "`for` needs a duration"),
            ("freeze web prod until", "`until` needs a time"),
            (
                "freeze web prod for 2h until 2026-11-30T06:00 because x",
                "either `for <duration>` or `until <time>`",
            ),
            (
                "freeze web prod for 2h for 3h because x",
                "either `for <duration>` or `until <time>`",
            ),
            ("freeze web prod 2h because x", "Unexpected `2h`"),
        ] {
            let e = err(text);
            assert!(e.contains(says), "{text}: {e}");
            assert!(e.contains(FREEZE_USAGE), "{text}: {e}");
        }
        let e = err("freeze web prod for 2hours because x");
        assert!(e.contains("`for 2hours`") && e.contains("1h30m"), "{e}");
        assert!(err("freeze web prod for 0m because x").contains("longer than zero"));
    }

    #[test]
    fn unfreeze_and_freezes() {
        for (text, id) in [
            ("unfreeze 7", "7"),
            ("UNFREEZE runtime:7", "7"),
            ("unfreeze Runtime:ab", "ab"),
        ] {
            match parse_command(text) {
                Ok(SlackCommand::Unfreeze { id: got }) => assert_eq!(got, id, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
        assert!(err("unfreeze").contains(UNFREEZE_USAGE));
        assert!(err("unfreeze runtime:").contains(UNFREEZE_USAGE));
        assert!(err("unfreeze a b").contains("takes one freeze id"));
        assert!(matches!(
            parse_command("freezes"),
            Ok(SlackCommand::Freezes)
        ));
        assert!(matches!(
            parse_command(" Freezes "),
            Ok(SlackCommand::Freezes)
        ));
        assert!(err("freezes prod").contains(FREEZES_USAGE));
    }

    // ---- rendering ----

    const POLICY: &str = r#"
[settings]
timezone = "Asia/Seoul"
horizon = "30d"

[[window]]
name = "weeknight"
days = ["mon-thu", "sun"]
start = "22:00"
end = "06:00"
envs = ["prod"]

[[freeze]]
name = "weekend"
from = "fri 17:00"
to = "mon 06:00"
reason = "Nobody is around to watch a <weekend> deploy & more"
"#;

    fn decision(policy: &str, at: &str, override_: bool) -> Decision {
        let p = PolicySet::from_files(&[("p.toml", policy)]).unwrap();
        let at = DateTime::parse_from_rfc3339(at)
            .unwrap()
            .with_timezone(&Utc);
        let mut req = DeployRequest::new("web", "prod", at);
        if override_ {
            req.override_ = Some(Override {
                reason: "hotfix for INC-1".into(),
                approver: None,
            });
        }
        decide(&p, &req).unwrap()
    }

    fn seoul() -> Tz {
        "Asia/Seoul".parse().unwrap()
    }

    /// Every text in the response, joined, to search.
    fn all_text(v: &Value) -> String {
        let mut out = v["text"].as_str().unwrap().to_string();
        for b in v["blocks"].as_array().unwrap() {
            if let Some(t) = b["text"]["text"].as_str() {
                out.push('\n');
                out.push_str(t);
            }
            for e in b["elements"].as_array().into_iter().flatten() {
                out.push('\n');
                out.push_str(e["text"].as_str().unwrap());
            }
        }
        out
    }

    fn well_formed(v: &Value, response_type: &str) {
        assert_eq!(v["response_type"], response_type, "{v}");
        assert!(!v["text"].as_str().unwrap().is_empty(), "{v}");
        let blocks = v["blocks"].as_array().unwrap();
        assert!(!blocks.is_empty() && blocks.len() <= 50, "{v}");
        for b in blocks {
            match b["type"].as_str().unwrap() {
                "section" => assert_eq!(b["text"]["type"], "mrkdwn"),
                "context" => assert!(!b["elements"].as_array().unwrap().is_empty()),
                other => panic!("unexpected block type {other}"),
            }
        }
    }

    #[test]
    fn renders_a_denied_decision_in_the_policy_zone() {
        // Friday 17:30 in Seoul: the weekend freeze and the windows block.
        let d = decision(POLICY, "2026-11-27T17:30:00+09:00", false);
        assert_eq!(d.verdict, Verdict::Deny);
        let v = render_decision(&d, seoul());
        well_formed(&v, "in_channel");
        let text = all_text(&v);
        assert!(
            text.contains(":no_entry: *web* → *prod* is blocked"),
            "{text}"
        );
        assert!(
            text.contains("*Deploy:* Fri 27 Nov 17:30 KST – Fri 27 Nov 18:30 KST"),
            "{text}"
        );
        for b in &d.blocked_by {
            assert!(text.contains(&format!("*{}*", b.rule)), "{text}");
        }
        assert!(text.contains("*weekend* (freeze)"), "{text}");
        assert!(text.contains("*weeknight* (window)"), "{text}");
        // The reason, escaped for mrkdwn.
        assert!(
            text.contains("Nobody is around to watch a &lt;weekend&gt; deploy &amp; more"),
            "{text}"
        );
        assert!(!text.contains("<weekend>"), "{text}");
        assert!(
            text.contains("from Fri 27 Nov 17:00 KST until Mon 30 Nov 06:00 KST"),
            "{text}"
        );
        assert!(
            text.contains("*Next allowed:* Mon 30 Nov 22:00 KST"),
            "{text}"
        );
        let short = &d.policy["sha256:".len().."sha256:".len() + 12];
        assert!(text.contains(&format!("policy `sha256:{short}`")), "{text}");
        assert!(
            !text.contains(&d.policy[7..20]),
            "the fingerprint is shortened: {text}"
        );
        // The fallback text alone says what happened.
        let fallback = v["text"].as_str().unwrap();
        assert!(
            fallback.contains("blocked") && fallback.contains("weekend"),
            "{fallback}"
        );
        assert!(fallback.contains("Mon 30 Nov 22:00 KST"), "{fallback}");
    }

    #[test]
    fn renders_times_in_the_zone_given() {
        let d = decision(POLICY, "2026-11-27T17:30:00+09:00", false);
        let text = all_text(&render_decision(&d, Tz::UTC));
        assert!(
            text.contains("*Next allowed:* Mon 30 Nov 13:00 UTC"),
            "{text}"
        );
        assert!(text.contains("*Deploy:* Fri 27 Nov 08:30 UTC"), "{text}");
        // A year other than the request's is shown.
        let policy = "[settings]\ntimezone = \"Asia/Seoul\"\n[[freeze]]\nname = \"year-end\"\nstart_at = \"2026-12-30T00:00\"\nend_at = \"2027-01-04T09:00\"\n";
        let d = decision(policy, "2026-12-31T12:00:00+09:00", false);
        let text = all_text(&render_decision(&d, seoul()));
        assert!(
            text.contains("*Next allowed:* Mon 4 Jan 2027 09:00 KST"),
            "{text}"
        );
        assert!(text.contains("*Deploy:* Thu 31 Dec 12:00 KST"), "{text}");
    }

    #[test]
    fn renders_an_allowed_decision() {
        // Tuesday 22:00: inside the weeknight window, no freeze.
        let d = decision(POLICY, "2026-12-01T22:00:00+09:00", false);
        assert_eq!(d.verdict, Verdict::Allow);
        let v = render_decision(&d, seoul());
        well_formed(&v, "in_channel");
        let text = all_text(&v);
        assert!(
            text.contains(":white_check_mark: *web* → *prod* may deploy"),
            "{text}"
        );
        assert!(
            !text.contains("blocked") && !text.contains("Blocked"),
            "{text}"
        );
        assert!(text.contains("*Clear* until Wed 2 Dec 06:00 KST"), "{text}");
    }

    #[test]
    fn renders_an_override() {
        let policy = POLICY.replace(
            "reason = \"Nobody",
            "override = \"reason\"\nreason = \"Nobody",
        );
        // Sunday 22:30: inside the window, inside the overridable weekend freeze.
        let d = decision(&policy, "2026-11-29T22:30:00+09:00", true);
        assert_eq!(d.verdict, Verdict::Override, "{d:#?}");
        let text = all_text(&render_decision(&d, seoul()));
        assert!(
            text.contains(":warning: *web* → *prod* allowed by override"),
            "{text}"
        );
        assert!(
            text.contains("Overridden *weekend* (freeze · overridable)"),
            "{text}"
        );
        assert!(!text.contains("Next allowed"), "{text}");
    }

    #[test]
    fn renders_no_next_allowed_within_the_horizon() {
        let policy = "[settings]\nhorizon = \"1d\"\n[[freeze]]\nname = \"long\"\nstart_at = \"2026-01-01T00:00\"\nend_at = \"2026-03-01T00:00\"\nreason = \"quarter close\"\n";
        let d = decision(policy, "2026-01-10T00:00:00Z", false);
        assert_eq!(d.next_allowed, None);
        let text = all_text(&render_decision(&d, Tz::UTC));
        assert!(
            text.contains("*Next allowed:* none within the horizon"),
            "{text}"
        );
        assert!(text.contains("quarter close"), "{text}");
    }

    #[test]
    fn renders_help_and_errors_for_the_asker() {
        let v = render_help("/ship");
        well_formed(&v, "ephemeral");
        let text = all_text(&v);
        for form in [
            "/ship <service> <env>",
            "/ship freeze",
            "/ship freezes",
            "/ship unfreeze <id>",
            "/ship payments-api prod",
            "for 2h because",
        ] {
            assert!(text.contains(&escape(form)), "{form}: {text}");
        }
        assert!(!text.contains('<'), "{text}");
        let v = render_error("unknown service <x> & co");
        well_formed(&v, "ephemeral");
        assert!(all_text(&v).contains("unknown service &lt;x&gt; &amp; co"));
        let v = render_error(&err("web"));
        well_formed(&v, "ephemeral");
        assert!(all_text(&v).contains("/shipwindow &lt;service&gt; &lt;env&gt;"));
    }

    fn rfc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn runtime_freeze(id: &str, reason: &str, by: &str) -> RuntimeFreeze {
        RuntimeFreeze {
            id: id.into(),
            services: vec!["payments-*".into(), "ledger".into()],
            envs: vec!["prod".into()],
            start: rfc("2026-11-27T09:00:00+09:00"),
            until: rfc("2026-11-27T11:00:00+09:00"),
            reason: reason.into(),
            created_by: by.into(),
            created_at: rfc("2026-11-27T09:00:00+09:00"),
            lifted_at: None,
            lifted_by: None,
        }
    }

    #[test]
    fn renders_a_created_and_a_lifted_freeze() {
        let f = runtime_freeze("7", "incident <INC-42>", "slack:U2CERLKJA (roadrunner)");
        let v = render_freeze_created(&f, seoul());
        well_formed(&v, "in_channel");
        let text = all_text(&v);
        assert!(text.contains("`runtime:7`"), "{text}");
        assert!(text.contains("created by <@U2CERLKJA>"), "{text}");
        assert!(
            text.contains("`payments-*`, `ledger`") && text.contains("`prod`"),
            "{text}"
        );
        assert!(
            text.contains("*Until:* Fri 27 Nov 11:00 KST (2h)"),
            "{text}"
        );
        assert!(text.contains("incident &lt;INC-42&gt;"), "{text}");
        assert!(text.contains("unfreeze 7"), "{text}");

        let mut f = f;
        f.lifted_at = Some(rfc("2026-11-27T10:15:00+09:00"));
        f.lifted_by = Some("ci-token".into());
        let text = all_text(&render_freeze_lifted(&f, seoul()));
        assert!(
            text.contains("`runtime:7` lifted by ci-token at Fri 27 Nov 10:15 KST"),
            "{text}"
        );
        assert!(text.contains("incident &lt;INC-42&gt;"), "{text}");
    }

    #[test]
    fn renders_the_freezes_list() {
        let now = rfc("2026-11-27T09:40:00+09:00");
        let a = runtime_freeze("aaa111", "db migration", "slack:U1 (alice)");
        let mut b = runtime_freeze("bbb222", "sale <b>&</b>", "<!channel>");
        b.start = rfc("2026-11-28T00:00:00+09:00");
        b.until = rfc("2026-11-30T00:00:00+09:00");
        let v = render_freezes(&[a, b], seoul(), now);
        well_formed(&v, "in_channel");
        let text = all_text(&v);
        assert!(text.contains("2 runtime freezes"), "{text}");
        assert!(
            text.contains("`runtime:aaa111`") && text.contains("`runtime:bbb222`"),
            "{text}"
        );
        assert!(
            text.contains("until Fri 27 Nov 11:00 KST (in 1h 20m) · by <@U1>"),
            "{text}"
        );
        assert!(text.contains("from Sat 28 Nov 00:00 KST"), "{text}");
        assert!(text.contains("db migration"), "{text}");
        assert!(text.contains("sale &lt;b&gt;&amp;&lt;/b&gt;"), "{text}");
        assert!(text.contains("by &lt;!channel&gt;"), "{text}");
        assert!(!text.contains("<!channel>"), "{text}");
        let fallback = v["text"].as_str().unwrap();
        assert!(
            fallback.starts_with("2 runtime freezes: runtime:aaa111 (until Fri 27 Nov 11:00 KST"),
            "{fallback}"
        );
        assert!(
            fallback.contains("; runtime:bbb222 (from Sat 28 Nov"),
            "{fallback}"
        );

        let v = render_freezes(&[], seoul(), now);
        well_formed(&v, "in_channel");
        assert!(all_text(&v).contains("No runtime freezes"), "{v}");
    }

    #[test]
    fn long_lists_stay_within_slacks_limits() {
        let now = rfc("2026-11-27T09:40:00+09:00");
        let list: Vec<_> = (0..60)
            .map(|i| runtime_freeze(&format!("id{i}"), &"x".repeat(4000), "ops"))
            .collect();
        let v = render_freezes(&list, seoul(), now);
        well_formed(&v, "in_channel");
        assert!(all_text(&v).contains("…and 20 more"));
        for b in v["blocks"].as_array().unwrap() {
            assert!(b["text"]["text"].as_str().unwrap().chars().count() <= SECTION_LIMIT);
        }
    }
}
