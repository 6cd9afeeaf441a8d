//! Turns one file's spanned TOML tree into settings and rules, collecting every
//! problem with its position instead of stopping at the first.

use super::calendar_parse::{CALENDAR_KEYS, Calendars, calendar_source};
use super::diagnostic::{Diagnostic, LineIndex};
use super::lead_tail::{Extended, LEAD_TAIL_KEYS, lead_or_tail};
use super::{ChangeKind, OverridePolicy, Rule, RuleKind, RuleSource, Scope};
use crate::market::SessionGuard;
use crate::time::civil::{Edge, to_instant};
use crate::time::cron::Cron;
use crate::time::duration::parse_duration;
use crate::time::spec::{ClockTime, DaySet, TimeSpec, WeekTime};
use crate::time::{SyntaxError, check_supported, closest, parse_civil, parse_zone};
use chrono::TimeDelta;
use chrono_tz::Tz;
use std::ops::Range;
use std::path::PathBuf;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// One policy file being read: its name for messages, its text, and the sink for
/// its problems.
pub(crate) struct FileCtx<'a> {
    pub file: PathBuf,
    pub text: &'a str,
    index: LineIndex,
    pub diags: Vec<Diagnostic>,
}

impl<'a> FileCtx<'a> {
    pub fn new(file: PathBuf, text: &'a str) -> FileCtx<'a> {
        FileCtx {
            file,
            text,
            index: LineIndex::new(text),
            diags: Vec::new(),
        }
    }

    pub fn position(&self, offset: usize) -> (usize, usize) {
        self.index.position(self.text, offset)
    }

    pub fn error(&mut self, span: &Range<usize>, message: impl Into<String>, help: Option<String>) {
        let position = Some(self.position(span.start));
        self.diags.push(Diagnostic {
            file: self.file.clone(),
            position,
            message: message.into(),
            help,
        });
    }

    pub(crate) fn syntax(&mut self, span: &Range<usize>, key: &str, err: SyntaxError) {
        self.error(span, format!("`{key}`: {}", err.message), err.help);
    }
}

/// The top-level tables a file may hold, in the order they appear.
pub(crate) enum Section<'t, 'i> {
    Settings(&'t DeTable<'i>),
    Rule(RuleKind, &'t DeTable<'i>, Range<usize>),
    /// A `[[strategy]]` table and the span of its header.
    Strategy(&'t DeTable<'i>, Range<usize>),
}

/// The top-level tables a policy file may hold.
const TOP_LEVEL: [&str; 5] = ["settings", "window", "freeze", "market", "strategy"];

/// Splits a parsed file into its sections, reporting unknown top-level keys and
/// wrong shapes. Rules come back in file order (the map itself is sorted by key).
pub(crate) fn sections<'t, 'i>(
    ctx: &mut FileCtx<'_>,
    root: &'t DeTable<'i>,
) -> Vec<(usize, Section<'t, 'i>)> {
    let mut out = Vec::new();
    for (key, value) in root.iter() {
        let span = key.span();
        match key.get_ref().as_ref() {
            "settings" => match value.get_ref() {
                DeValue::Table(t) => out.push((span.start, Section::Settings(t))),
                _ => ctx.error(
                    &span,
                    "`settings` must be a table",
                    Some("write `[settings]`".into()),
                ),
            },
            name @ ("window" | "freeze" | "market" | "strategy") => {
                let tables = match value.get_ref() {
                    DeValue::Array(items) => items.iter().collect::<Vec<_>>(),
                    _ => {
                        ctx.error(
                            &span,
                            format!("`{name}` must be an array of tables"),
                            Some(format!("write `[[{name}]]`")),
                        );
                        continue;
                    }
                };
                for item in tables {
                    let DeValue::Table(t) = item.get_ref() else {
                        ctx.error(
                            &item.span(),
                            format!("each `{name}` entry must be a table"),
                            Some(format!("write `[[{name}]]`")),
                        );
                        continue;
                    };
                    let section = match name {
                        "window" => Section::Rule(RuleKind::Window, t, item.span()),
                        "freeze" => Section::Rule(RuleKind::Freeze, t, item.span()),
                        "market" => Section::Rule(RuleKind::Market, t, item.span()),
                        _ => Section::Strategy(t, item.span()),
                    };
                    out.push((item.span().start, section));
                }
            }
            other => {
                let tables = "a policy file holds `[settings]`, `[[window]]`, `[[freeze]]`, `[[market]]` and `[[strategy]]`";
                let help = match closest(other, TOP_LEVEL) {
                    Some(s) => format!("did you mean `{s}`? {tables}"),
                    None => tables.to_string(),
                };
                ctx.error(&span, format!("unknown table `{other}`"), Some(help));
            }
        }
    }
    out.sort_by_key(|(pos, _)| *pos);
    out
}

/// A value with its key's span, looked up in a table.
pub(crate) struct Entry<'t, 'i> {
    pub key: &'t str,
    pub key_span: Range<usize>,
    pub value: &'t Spanned<DeValue<'i>>,
}

pub(crate) fn entries<'t, 'i>(table: &'t DeTable<'i>) -> impl Iterator<Item = Entry<'t, 'i>> {
    table.iter().map(|(k, v)| Entry {
        key: k.get_ref().as_ref(),
        key_span: k.span(),
        value: v,
    })
}

pub(crate) fn get<'t, 'i>(table: &'t DeTable<'i>, key: &str) -> Option<Entry<'t, 'i>> {
    entries(table).find(|e| e.key == key)
}

pub(crate) fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// Reads a string value, reporting any other type.
pub(crate) fn string(ctx: &mut FileCtx<'_>, e: &Entry<'_, '_>, example: &str) -> Option<String> {
    match e.value.get_ref() {
        DeValue::String(s) => Some(s.to_string()),
        other => {
            ctx.error(
                &e.value.span(),
                format!("`{}` must be a string, found {}", e.key, type_name(other)),
                Some(format!("write `{} = {example}`", e.key)),
            );
            None
        }
    }
}

/// Reads an array of strings, with each item's span.
pub(crate) fn strings(
    ctx: &mut FileCtx<'_>,
    e: &Entry<'_, '_>,
    example: &str,
) -> Option<Vec<(String, Range<usize>)>> {
    let help = Some(format!("write a list of strings: `{} = {example}`", e.key));
    let DeValue::Array(items) = e.value.get_ref() else {
        ctx.error(
            &e.value.span(),
            format!(
                "`{}` must be a list of strings, found {}",
                e.key,
                type_name(e.value.get_ref())
            ),
            help,
        );
        return None;
    };
    let mut out = Vec::new();
    for item in items.iter() {
        match item.get_ref() {
            DeValue::String(s) => out.push((s.to_string(), item.span())),
            other => {
                ctx.error(
                    &item.span(),
                    format!(
                        "`{}` entries must be strings, found {}",
                        e.key,
                        type_name(other)
                    ),
                    help.clone(),
                );
                return None;
            }
        }
    }
    Some(out)
}

/// A string, or a TOML date-time written without quotes, as text.
fn string_or_datetime(ctx: &mut FileCtx<'_>, e: &Entry<'_, '_>) -> Option<String> {
    match e.value.get_ref() {
        DeValue::Datetime(d) => Some(d.to_string()),
        _ => string(ctx, e, "\"2026-11-26T00:00\""),
    }
}

/// Reports keys outside `known`, suggesting the closest known key.
fn reject_unknown(ctx: &mut FileCtx<'_>, table: &DeTable<'_>, what: &str, known: &[&str]) {
    for e in entries(table) {
        if known.contains(&e.key) {
            continue;
        }
        let lead_tail = matches!(e.key, "lead" | "tail");
        let help = if e.key == "ics" && what == "[[window]]" {
            "a calendar's events are freezes: put `ics` on a [[freeze]]".to_string()
        } else if lead_tail && what == "[[window]]" {
            "`lead` and `tail` extend a [[freeze]] before and after each of its events; \
             a window opens and closes at its own times"
                .to_string()
        } else if lead_tail && what == "[[market]]" {
            "a [[market]] widens each session with `before_open` and `after_close`; \
             `lead` and `tail` belong to a [[freeze]]"
                .to_string()
        } else if e.key == "ics" {
            format!(
                "`ics` is a time spec of [[freeze]] only; keys of {what} are: {}",
                known.join(", ")
            )
        } else {
            match closest(e.key, known.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("keys of {what} are: {}", known.join(", ")),
            }
        };
        ctx.error(
            &e.key_span,
            format!("unknown key `{}` in {what}", e.key),
            Some(help),
        );
    }
}

/// One `[settings]` table's keys, each with where it was set.
#[derive(Default)]
pub(crate) struct SettingsPart {
    pub timezone: Option<(Tz, Range<usize>)>,
    pub deploy_duration: Option<(TimeDelta, Range<usize>)>,
    pub monitoring: Option<(TimeDelta, Range<usize>)>,
    pub horizon: Option<(TimeDelta, Range<usize>)>,
}

pub(crate) const SETTINGS_KEYS: [&str; 4] =
    ["timezone", "deploy_duration", "monitoring", "horizon"];

pub(crate) fn settings(ctx: &mut FileCtx<'_>, table: &DeTable<'_>) -> SettingsPart {
    reject_unknown(ctx, table, "[settings]", &SETTINGS_KEYS);
    let mut part = SettingsPart::default();
    if let Some(e) = get(table, "timezone") {
        part.timezone = zone(ctx, &e).map(|tz| (tz, e.key_span.clone()));
    }
    for (key, slot) in [
        ("deploy_duration", &mut part.deploy_duration),
        ("monitoring", &mut part.monitoring),
        ("horizon", &mut part.horizon),
    ] {
        if let Some(e) = get(table, key) {
            let min = if key == "monitoring" {
                TimeDelta::zero()
            } else {
                TimeDelta::seconds(1)
            };
            *slot = duration(ctx, &e, min).map(|d| (d, e.key_span.clone()));
        }
    }
    part
}

fn zone(ctx: &mut FileCtx<'_>, e: &Entry<'_, '_>) -> Option<Tz> {
    let name = string(ctx, e, "\"Asia/Seoul\"")?;
    parse_zone(&name)
        .map_err(|err| ctx.syntax(&e.value.span(), e.key, err))
        .ok()
}

/// Reads a duration of at least `min` (zero or one second in practice).
pub(crate) fn duration(
    ctx: &mut FileCtx<'_>,
    e: &Entry<'_, '_>,
    min: TimeDelta,
) -> Option<TimeDelta> {
    let text = string(ctx, e, "\"30m\"")?;
    let d = parse_duration(&text)
        .map_err(|err| ctx.syntax(&e.value.span(), e.key, err))
        .ok()?;
    if d < min {
        ctx.error(
            &e.value.span(),
            format!("`{}` must be longer than zero", e.key),
            Some("write a duration like `30m`".into()),
        );
        return None;
    }
    Some(d)
}

/// `[a-z0-9][a-z0-9_-]*`: the names of rules and strategies.
pub(crate) fn valid_name(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

pub(crate) const NAME_HELP: &str =
    "names are lowercase letters, digits, `-` and `_`, starting with a letter or digit";

const COMMON_KEYS: [&str; 8] = [
    "name",
    "reason",
    "services",
    "envs",
    "exempt",
    "override",
    "approvers",
    "timezone",
];
pub(crate) const SPEC_GROUPS: [(&str, &[&str]); 5] = [
    ("daily range", &["days", "start", "end"]),
    ("weekly span", &["from", "to"]),
    ("cron with duration", &["cron", "duration"]),
    ("cron pair", &["cron", "until_cron"]),
    ("one-time", &["start_at", "end_at"]),
];

/// Reads one rule table; `None` when it has problems (all of them reported).
pub(crate) fn rule(
    ctx: &mut FileCtx<'_>,
    kind: RuleKind,
    table: &DeTable<'_>,
    span: &Range<usize>,
    default_tz: Tz,
    cals: &mut Calendars<'_>,
) -> Option<Rule> {
    let what = match kind {
        RuleKind::Window => "[[window]]",
        RuleKind::Freeze => "[[freeze]]",
        RuleKind::Market => "[[market]]",
    };
    let mut known: Vec<&str> = COMMON_KEYS.to_vec();
    if kind == RuleKind::Market {
        // A market rule reads its times in the exchange's own zone.
        known.retain(|k| *k != "timezone");
        known.extend(MARKET_KEYS);
    } else {
        for (_, keys) in SPEC_GROUPS {
            for k in keys {
                if !known.contains(k) {
                    known.push(k);
                }
            }
        }
        if kind == RuleKind::Freeze {
            known.extend(CALENDAR_KEYS);
            known.extend(LEAD_TAIL_KEYS);
        }
    }
    let before = ctx.diags.len();
    reject_unknown(ctx, table, what, &known);

    let name = match get(table, "name") {
        Some(e) => string(ctx, &e, "\"weeknight\"").and_then(|n| {
            let valid = valid_name(&n);
            if !valid {
                let help = NAME_HELP.to_string();
                ctx.error(
                    &e.value.span(),
                    format!("invalid rule name `{n}`"),
                    Some(help),
                );
            }
            valid.then_some(n)
        }),
        None => {
            ctx.error(
                span,
                format!("{what} has no `name`"),
                Some("add `name = \"...\"`, unique across the policy set".into()),
            );
            None
        }
    };
    let reason = get(table, "reason").and_then(|e| {
        let r = string(ctx, &e, "\"Sale: traffic peak\"")?;
        if r.contains('\n') {
            ctx.error(&e.value.span(), "`reason` must be one line", None);
        }
        Some(r)
    });
    let services = scope(
        ctx,
        table,
        "services",
        "[\"payments-*\", \"!payments-sandbox\"]",
    );
    let envs = scope(ctx, table, "envs", "[\"prod\"]");
    let exempt = match get(table, "exempt") {
        None => Some(vec![ChangeKind::Rollback]),
        Some(e) => strings(ctx, &e, "[\"rollback\", \"hotfix\"]").map(|items| {
            items
                .into_iter()
                .filter_map(|(s, sp)| {
                    let kind = ChangeKind::parse(&s);
                    if kind.is_none() {
                        let names = ChangeKind::ALL.map(ChangeKind::as_str);
                        let help = match closest(&s, names) {
                            Some(c) => format!("did you mean `{c}`? change kinds are deploy, hotfix, rollback, config"),
                            None => "change kinds are deploy, hotfix, rollback, config".into(),
                        };
                        ctx.error(&sp, format!("unknown change kind `{s}`"), Some(help));
                    }
                    kind
                })
                .collect()
        }),
    };
    let override_policy = match get(table, "override") {
        None => Some(OverridePolicy::Never),
        Some(e) => string(ctx, &e, "\"approver\"").and_then(|s| match s.as_str() {
            "never" => Some(OverridePolicy::Never),
            "reason" => Some(OverridePolicy::Reason),
            "approver" => Some(OverridePolicy::Approver),
            _ => {
                ctx.error(
                    &e.value.span(),
                    format!("unknown override policy `{s}`"),
                    Some("use \"never\", \"reason\" or \"approver\"".into()),
                );
                None
            }
        }),
    };
    let approvers = match get(table, "approvers") {
        None => Vec::new(),
        Some(e) => strings(ctx, &e, "[\"oncall-lead\"]")
            .unwrap_or_default()
            .into_iter()
            .map(|(s, _)| s)
            .collect(),
    };
    match (override_policy, get(table, "approvers")) {
        (Some(OverridePolicy::Approver), None) => ctx.error(
            span,
            "`override = \"approver\"` needs `approvers`",
            Some("add `approvers = [\"oncall-lead\"]`".into()),
        ),
        (Some(OverridePolicy::Approver), Some(e)) if approvers.is_empty() => ctx.error(
            &e.value.span(),
            "`approvers` is empty",
            Some("list who may approve an override".into()),
        ),
        (Some(OverridePolicy::Never | OverridePolicy::Reason), Some(e)) => ctx.error(
            &e.key_span,
            "`approvers` is only used with `override = \"approver\"`",
            Some("set `override = \"approver\"` or remove `approvers`".into()),
        ),
        _ => {}
    }
    let timezone = match get(table, "timezone") {
        Some(e) => zone(ctx, &e),
        None => Some(default_tz),
    };
    // Only a [[freeze]] knows these keys; elsewhere they were reported above.
    let (lead, tail) = match kind {
        RuleKind::Freeze => (
            lead_or_tail(ctx, table, "lead"),
            lead_or_tail(ctx, table, "tail"),
        ),
        RuleKind::Window | RuleKind::Market => (Some(TimeDelta::zero()), Some(TimeDelta::zero())),
    };
    let source = match kind {
        RuleKind::Market => market_guard(ctx, table, span).map(RuleSource::Market),
        RuleKind::Freeze if get(table, "ics").is_some() => timezone
            .and_then(|tz| calendar_source(ctx, table, span, tz, name.as_deref(), cals))
            .map(RuleSource::Calendar),
        RuleKind::Window | RuleKind::Freeze => {
            if kind == RuleKind::Freeze {
                for key in ["refresh", "categories"] {
                    if let Some(e) = get(table, key) {
                        ctx.error(
                            &e.key_span,
                            format!("`{key}` is only used with `ics`"),
                            Some("`refresh` and `categories` belong to a calendar freeze (`ics = \"…\"`)".into()),
                        );
                    }
                }
            }
            timezone
                .and_then(|tz| time_spec(ctx, table, span, what, tz))
                .map(RuleSource::Spec)
        }
    };

    if ctx.diags.len() > before {
        return None;
    }
    let (lead, tail) = (lead?, tail?);
    // Zero unless the rule is a freeze that sets them.
    let source = match source? {
        events if lead > TimeDelta::zero() || tail > TimeDelta::zero() => {
            RuleSource::Extended(Box::new(Extended { events, lead, tail }))
        }
        events => events,
    };
    Some(Rule {
        name: name?,
        kind,
        reason,
        services: services?,
        envs: envs?,
        exempt: exempt?,
        override_policy: override_policy?,
        approvers,
        timezone: timezone?,
        source,
    })
}

const MARKET_KEYS: [&str; 4] = ["exchange", "before_open", "after_close", "extra_closed"];

/// Reads the `[[market]]` keys: which calendar, the guards around each session and
/// the user's extra closures.
fn market_guard(
    ctx: &mut FileCtx<'_>,
    table: &DeTable<'_>,
    span: &Range<usize>,
) -> Option<SessionGuard> {
    let codes: Vec<&str> = crate::market::exchanges().iter().map(|e| e.code).collect();
    let Some(e) = get(table, "exchange") else {
        let help = format!(
            "add `exchange = \"XKRX\"`; built-in calendars: {}",
            codes.join(", ")
        );
        ctx.error(span, "[[market]] has no `exchange`", Some(help));
        return None;
    };
    let exchange = string(ctx, &e, "\"XKRX\"").and_then(|code| {
        let found = crate::market::exchange(&code);
        if found.is_none() {
            let help = match closest(&code, codes.iter().copied()) {
                Some(c) => format!(
                    "did you mean `{c}`? built-in calendars: {}",
                    codes.join(", ")
                ),
                None => format!(
                    "built-in calendars: {} (see `shipwindow markets`)",
                    codes.join(", ")
                ),
            };
            ctx.error(
                &e.value.span(),
                format!("unknown exchange `{code}`"),
                Some(help),
            );
        }
        found
    });
    // Guards longer than a week would swallow whole trading weeks (and most of the
    // calendar's usable data); that is a typo, not a policy.
    let mut pad = |key: &str| match get(table, key) {
        Some(e) => duration(ctx, &e, TimeDelta::zero()).filter(|d| {
            let ok = *d <= TimeDelta::days(7);
            if !ok {
                ctx.error(
                    &e.value.span(),
                    format!("`{key}` is longer than 7d"),
                    Some("a guard around each session is minutes or hours, e.g. `30m`".into()),
                );
            }
            ok
        }),
        None => Some(TimeDelta::zero()),
    };
    let before_open = pad("before_open");
    let after_close = pad("after_close");
    let extra_closed = match get(table, "extra_closed") {
        None => Some(Vec::new()),
        Some(e) => extra_dates(ctx, &e, exchange),
    };
    Some(SessionGuard {
        exchange: exchange?,
        before_open: before_open?,
        after_close: after_close?,
        extra_closed: extra_closed?,
    })
}

/// `extra_closed = ["2026-06-03"]`: dates within the calendar's coverage, sorted.
fn extra_dates(
    ctx: &mut FileCtx<'_>,
    e: &Entry<'_, '_>,
    exchange: Option<&crate::market::Exchange>,
) -> Option<Vec<chrono::NaiveDate>> {
    let help = "write dates as `extra_closed = [\"2026-06-03\"]`";
    let DeValue::Array(items) = e.value.get_ref() else {
        ctx.error(
            &e.value.span(),
            format!(
                "`extra_closed` must be a list of dates, found {}",
                type_name(e.value.get_ref())
            ),
            Some(help.into()),
        );
        return None;
    };
    let mut dates = Vec::new();
    for item in items.iter() {
        let text = match item.get_ref() {
            DeValue::String(s) => s.to_string(),
            DeValue::Datetime(d) => d.to_string(),
            other => {
                ctx.error(
                    &item.span(),
                    format!(
                        "`extra_closed` entries must be dates, found {}",
                        type_name(other)
                    ),
                    Some(help.into()),
                );
                return None;
            }
        };
        let Ok(date) = chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d") else {
            ctx.error(
                &item.span(),
                format!("`extra_closed`: `{text}` is not a date"),
                Some(help.into()),
            );
            return None;
        };
        if let Some(x) = exchange.filter(|x| date < x.first || date > x.last) {
            let help = format!("the {} calendar covers {} to {}", x.code, x.first, x.last);
            ctx.error(
                &item.span(),
                format!("`extra_closed`: {date} is outside the {} calendar", x.code),
                Some(help),
            );
            return None;
        }
        dates.push(date);
    }
    dates.sort_unstable();
    dates.dedup();
    Some(dates)
}

fn scope(ctx: &mut FileCtx<'_>, table: &DeTable<'_>, key: &str, example: &str) -> Option<Scope> {
    let Some(e) = get(table, key) else {
        return Some(Scope::everything());
    };
    let items = strings(ctx, &e, example)?;
    if items.is_empty() {
        ctx.error(
            &e.value.span(),
            format!("`{key}` is empty and would match nothing"),
            Some(format!(
                "remove `{key}` to match everything, or list globs: `{key} = {example}`"
            )),
        );
        return None;
    }
    Scope::parse(items.iter().map(|(s, _)| s.as_str()))
        .map_err(|(i, msg)| {
            ctx.error(
                &items[i].1,
                format!("`{key}`: {msg}"),
                Some("globs use `*`, `?` and `[abc]`; prefix `!` to exclude".into()),
            )
        })
        .ok()
}

fn time_spec(
    ctx: &mut FileCtx<'_>,
    table: &DeTable<'_>,
    span: &Range<usize>,
    what: &str,
    tz: Tz,
) -> Option<TimeSpec> {
    let present = |k: &str| get(table, k).is_some();
    let groups: Vec<&str> = SPEC_GROUPS
        .iter()
        .filter(|(_, keys)| keys.iter().any(|k| *k != "cron" && present(k)))
        .map(|(g, _)| *g)
        .collect();
    let options = "`days`/`start`/`end`, `from`/`to`, `cron` with `duration` or `until_cron`, or `start_at`/`end_at`";
    let group = match groups.as_slice() {
        [] if present("cron") => {
            ctx.error(
                span,
                format!("{what} has `cron` but no `duration` or `until_cron`"),
                Some("add `duration = \"2h\"` or `until_cron = \"0 6 * * mon\"`".into()),
            );
            return None;
        }
        [] => {
            ctx.error(
                span,
                format!("{what} has no time spec"),
                Some(format!("give exactly one of {options}")),
            );
            return None;
        }
        [one]
            if present("cron")
                && !SPEC_GROUPS
                    .iter()
                    .any(|(g, keys)| g == one && keys.contains(&"cron")) =>
        {
            ctx.error(
                span,
                format!("{what} has several time specs ({one}, cron)"),
                Some(format!("give exactly one of {options}")),
            );
            return None;
        }
        [one] => *one,
        several => {
            ctx.error(
                span,
                format!("{what} has several time specs ({})", several.join(", ")),
                Some(format!("give exactly one of {options}")),
            );
            return None;
        }
    };
    let keys = SPEC_GROUPS
        .iter()
        .find(|(g, _)| *g == group)
        .map(|(_, k)| *k)
        .unwrap_or_default();
    let missing: Vec<&str> = keys.iter().copied().filter(|k| !present(k)).collect();
    if !missing.is_empty() {
        let list = missing
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(" and ");
        ctx.error(
            span,
            format!("{what} {group} needs {list}"),
            Some(format!(
                "a {group} is {}",
                keys.iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        );
        return None;
    }
    // Every key of the group is present from here on.
    let entry = |k: &str| get(table, k);
    match group {
        "daily range" => {
            let days_e = entry("days")?;
            let days = strings(ctx, &days_e, "[\"mon-thu\", \"sun\"]").and_then(|items| {
                if items.is_empty() {
                    ctx.error(
                        &days_e.value.span(),
                        "`days` is empty",
                        Some("list days: `[\"mon-fri\"]` or `[\"daily\"]`".into()),
                    );
                    return None;
                }
                let mut set = DaySet::empty();
                let mut ok = true;
                for (d, sp) in &items {
                    match DaySet::parse_entry(d) {
                        Ok(s) => set = set.union(s),
                        Err(err) => {
                            ctx.syntax(sp, "days", err);
                            ok = false;
                        }
                    }
                }
                ok.then_some(set)
            });
            let start = clock(ctx, &entry("start")?, false);
            let end = clock(ctx, &entry("end")?, true);
            Some(TimeSpec::Daily {
                days: days?,
                start: start?,
                end: end?,
            })
        }
        "weekly span" => {
            let from_e = entry("from")?;
            let from = week_time(ctx, &from_e, false);
            let to = week_time(ctx, &entry("to")?, true);
            let (from, to) = (from?, to?);
            if from == to {
                ctx.error(&from_e.value.span(), "`from` and `to` are the same moment", Some("a weekly span needs two different times; for all week use `days = [\"daily\"]` with `start = end`".into()));
                return None;
            }
            Some(TimeSpec::Weekly { from, to })
        }
        "cron with duration" => {
            let cron = cron(ctx, &entry("cron")?);
            let d = duration(ctx, &entry("duration")?, TimeDelta::seconds(1));
            Some(TimeSpec::CronFor {
                cron: cron?,
                duration: d?,
            })
        }
        "cron pair" => {
            let cron_v = cron(ctx, &entry("cron")?);
            let until = cron(ctx, &entry("until_cron")?);
            Some(TimeSpec::CronUntil {
                cron: cron_v?,
                until: until?,
            })
        }
        _ => {
            let start_e = entry("start_at")?;
            let end_e = entry("end_at")?;
            let start = instant(ctx, &start_e, tz, Edge::Start);
            let end = instant(ctx, &end_e, tz, Edge::End);
            let (start, end) = (start?, end?);
            if end <= start {
                ctx.error(
                    &end_e.value.span(),
                    "`end_at` is not after `start_at`",
                    Some("a one-time rule needs `end_at` later than `start_at`".into()),
                );
                return None;
            }
            Some(TimeSpec::Once { start, end })
        }
    }
}

fn clock(ctx: &mut FileCtx<'_>, e: &Entry<'_, '_>, allow_24: bool) -> Option<ClockTime> {
    let text = string(ctx, e, "\"22:00\"")?;
    ClockTime::parse(&text, allow_24)
        .map_err(|err| ctx.syntax(&e.value.span(), e.key, err))
        .ok()
}

fn week_time(ctx: &mut FileCtx<'_>, e: &Entry<'_, '_>, allow_24: bool) -> Option<WeekTime> {
    let text = string(ctx, e, "\"fri 17:00\"")?;
    WeekTime::parse(&text, allow_24)
        .map_err(|err| ctx.syntax(&e.value.span(), e.key, err))
        .ok()
}

fn cron(ctx: &mut FileCtx<'_>, e: &Entry<'_, '_>) -> Option<Cron> {
    let text = string(ctx, e, "\"0 22 * * mon-thu\"")?;
    Cron::parse(&text)
        .map_err(|err| ctx.syntax(&e.value.span(), e.key, err))
        .ok()
}

/// A one-time bound: RFC 3339 with an offset, or local time resolved at `edge`.
fn instant(
    ctx: &mut FileCtx<'_>,
    e: &Entry<'_, '_>,
    tz: Tz,
    edge: Edge,
) -> Option<chrono::DateTime<chrono::Utc>> {
    let text = string_or_datetime(ctx, e)?;
    let instant = match (
        chrono::DateTime::parse_from_rfc3339(&text),
        parse_civil(&text),
    ) {
        (Ok(t), _) => Some(t.with_timezone(&chrono::Utc)),
        (_, Some(civil)) => Some(to_instant(tz, civil, edge)),
        _ => None,
    };
    match instant {
        Some(t) => check_supported(t, &text)
            .map_err(|err| ctx.syntax(&e.value.span(), e.key, err))
            .ok(),
        None => {
            let help = "write a local `2026-11-26T00:00` (read in the rule's zone) or RFC 3339 with an offset";
            ctx.error(
                &e.value.span(),
                format!("`{}`: `{text}` is not a date and time", e.key),
                Some(help.into()),
            );
            None
        }
    }
}
