//! One `[[window]]`, `[[freeze]]` or `[[market]]` table: the keys every rule has
//! (name, reason, scope, exemptions, overrides, zone), then its times from the
//! reader of its kind — a time spec, a calendar or an exchange — widened by
//! `lead` and `tail` on a freeze.

use super::calendar::{CALENDAR_KEYS, Calendars, calendar_source, reject_without_ics};
use super::lead_tail::{LEAD_TAIL_KEYS, lead_or_tail};
use super::lint::spec_warnings;
use super::market::{MARKET_KEYS, guard};
use super::time_spec::{self, SpecKind};
use super::toolkit::{
    FileCtx, OneOf, get, name, plain_line, reject_unknown, string, strings, zone,
};
use super::traffic::traffic_source;
use crate::policy::rule::{
    ChangeKind, Extended, OverridePolicy, Rule, RuleKind, RuleOrigin, RuleSource,
};
use crate::policy::scope::Scope;
use chrono::TimeDelta;
use chrono_tz::Tz;
use std::ops::Range;
use toml::de::DeTable;

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

/// How messages name a rule table.
fn table_name(kind: RuleKind) -> &'static str {
    match kind {
        RuleKind::Window => "[[window]]",
        RuleKind::Freeze => "[[freeze]]",
        RuleKind::Market => "[[market]]",
    }
}

/// The keys a rule of `kind` may have, in the order help lists them.
fn known_keys(kind: RuleKind) -> Vec<&'static str> {
    let mut known: Vec<&str> = COMMON_KEYS.to_vec();
    if kind == RuleKind::Market {
        // A market rule reads its times in the exchange's own zone.
        known.retain(|k| *k != "timezone");
        known.extend(MARKET_KEYS);
    } else {
        known.extend(SpecKind::timed_keys());
        if kind == RuleKind::Freeze {
            known.extend(CALENDAR_KEYS);
            known.extend(LEAD_TAIL_KEYS);
        } else {
            known.push("traffic");
        }
    }
    known
}

/// The help for a key a rule of `kind` does not have, when a suggestion would
/// not do: keys that belong to another kind of rule say which.
fn misplaced_key_help(kind: RuleKind, key: &str, known: &[&str]) -> Option<String> {
    let what = table_name(kind);
    let lead_tail = LEAD_TAIL_KEYS.contains(&key);
    match (kind, key) {
        (RuleKind::Window, "ics") => {
            Some("a calendar's events are freezes: put `ics` on a [[freeze]]".into())
        }
        (RuleKind::Freeze | RuleKind::Market, "traffic") => Some(
            "`traffic` gives a [[window]] its times from low traffic; put it on a [[window]]"
                .into(),
        ),
        (RuleKind::Window, _) if lead_tail => Some(
            "`lead` and `tail` extend a [[freeze]] before and after each of its events; \
             a window opens and closes at its own times"
                .into(),
        ),
        (RuleKind::Market, _) if lead_tail => Some(
            "a [[market]] widens each session with `before_open` and `after_close`; \
             `lead` and `tail` belong to a [[freeze]]"
                .into(),
        ),
        (_, "ics") => Some(format!(
            "`ics` is a time spec of [[freeze]] only; keys of {what} are: {}",
            known.join(", ")
        )),
        _ => None,
    }
}

const CHANGE_KINDS: OneOf<'static, ChangeKind> = OneOf {
    what: "change kind",
    words: &[
        ("deploy", ChangeKind::Deploy),
        ("hotfix", ChangeKind::Hotfix),
        ("rollback", ChangeKind::Rollback),
        ("config", ChangeKind::Config),
    ],
    then: "change kinds are deploy, hotfix, rollback, config",
    otherwise: "change kinds are deploy, hotfix, rollback, config",
    suggest: true,
};

const OVERRIDE_POLICIES: OneOf<'static, OverridePolicy> = OneOf {
    what: "override policy",
    words: &[
        ("never", OverridePolicy::Never),
        ("reason", OverridePolicy::Reason),
        ("approver", OverridePolicy::Approver),
    ],
    then: "",
    otherwise: "use \"never\", \"reason\" or \"approver\"",
    suggest: false,
};

/// Whether reading a rule of `kind` from `table` reads something outside the
/// policy files: a `[[freeze]]`'s calendar (`ics`) or a `[[window]]`'s traffic
/// profile. Only those change the load's [`Calendars`]; the loader reads them
/// one at a time, in policy order, and every other rule on any thread.
pub(crate) fn reads_outside(kind: RuleKind, table: &DeTable<'_>) -> bool {
    match kind {
        RuleKind::Freeze => get(table, "ics").is_some(),
        RuleKind::Window => get(table, "traffic").is_some(),
        RuleKind::Market => false,
    }
}

/// Reads one rule table; `None` when it has problems (all of them reported).
/// `span` is the table's, where missing keys are reported.
pub(crate) fn rule(
    ctx: &mut FileCtx<'_>,
    kind: RuleKind,
    table: &DeTable<'_>,
    span: &Range<usize>,
    default_tz: Tz,
    cals: &mut Calendars<'_>,
) -> Option<Rule> {
    let what = table_name(kind);
    let known = known_keys(kind);
    let before = ctx.count();
    reject_unknown(ctx, table, what, &known, |key| {
        misplaced_key_help(kind, key, &known)
    });

    let name = match get(table, "name") {
        Some(e) => name(ctx, &e, "rule", "\"weeknight\""),
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
        plain_line(ctx, &e.span(), "reason", &r);
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
                .filter_map(|(s, sp)| CHANGE_KINDS.find(ctx, &s, &sp))
                .collect()
        }),
    };
    let override_policy = match get(table, "override") {
        None => Some(OverridePolicy::Never),
        Some(e) => OVERRIDE_POLICIES.read(ctx, &e, "\"approver\""),
    };
    let approvers = approvers(ctx, table, span, override_policy);
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
        RuleKind::Market => guard(ctx, table, span).map(RuleSource::Market),
        RuleKind::Window if get(table, "traffic").is_some() => timezone
            .and_then(|tz| traffic_source(ctx, table, span, tz, cals))
            .map(|s| RuleSource::Traffic(Box::new(s))),
        RuleKind::Window | RuleKind::Freeze => {
            let calendar = kind == RuleKind::Freeze && get(table, "ics").is_some();
            if kind == RuleKind::Freeze && !calendar {
                reject_without_ics(ctx, table);
            }
            timezone.and_then(
                |tz| match time_spec::choose(ctx, table, span, what, calendar)? {
                    SpecKind::Calendar => calendar_source(ctx, table, tz, name.as_deref(), cals)
                        .map(RuleSource::Calendar),
                    spec => time_spec::read(ctx, table, spec, tz).map(RuleSource::Spec),
                },
            )
        }
    };

    if ctx.count() > before {
        return None;
    }
    if let (Some(RuleSource::Spec(spec)), Some(tz)) = (&source, timezone) {
        spec_warnings(ctx, table, kind, spec, tz, cals.now());
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
        origin: RuleOrigin::File(ctx.file().to_path_buf()),
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

/// `approvers`, checked against the override policy: needed by `"approver"`,
/// unused by the others.
fn approvers(
    ctx: &mut FileCtx<'_>,
    table: &DeTable<'_>,
    span: &Range<usize>,
    policy: Option<OverridePolicy>,
) -> Vec<String> {
    let entry = get(table, "approvers");
    let approvers: Vec<String> = match &entry {
        None => Vec::new(),
        Some(e) => {
            let items = strings(ctx, e, "[\"oncall-lead\"]").unwrap_or_default();
            // A blank approver names nobody: an override could never be checked
            // against it, and a blank `--approver` is refused anyway.
            for (name, span) in &items {
                if !name.trim().is_empty() {
                    plain_line(ctx, span, "approvers", name);
                } else {
                    ctx.error(
                        span,
                        "an entry of `approvers` is blank",
                        Some(
                            "name who may approve an override: `approvers = [\"oncall-lead\"]`"
                                .into(),
                        ),
                    );
                }
            }
            items.into_iter().map(|(s, _)| s).collect()
        }
    };
    match (policy, entry) {
        (Some(OverridePolicy::Approver), None) => ctx.error(
            span,
            "`override = \"approver\"` needs `approvers`",
            Some("add `approvers = [\"oncall-lead\"]`".into()),
        ),
        (Some(OverridePolicy::Approver), Some(e)) if approvers.is_empty() => ctx.error(
            &e.span(),
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
    approvers
}

/// `services` or `envs`: a non-empty list of globs; everything when absent.
pub(crate) fn scope(
    ctx: &mut FileCtx<'_>,
    table: &DeTable<'_>,
    key: &str,
    example: &str,
) -> Option<Scope> {
    let Some(e) = get(table, key) else {
        return Some(Scope::everything());
    };
    let items = strings(ctx, &e, example)?;
    let plain = items
        .iter()
        .filter(|(s, sp)| !plain_line(ctx, sp, key, s))
        .count()
        == 0;
    if !plain {
        return None;
    }
    if items.is_empty() {
        ctx.error(
            &e.span(),
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
