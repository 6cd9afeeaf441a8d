//! One `[[strategy]]` table: the keys every strategy has and their
//! defaults, the keys of each kind, and which hooks it runs (read by the hooks
//! reader); every problem reported with its position.

use super::hooks::{Flavor, HOOK_NAMES, example_argv, hooks};
use super::toolkit::{
    Entry, FileCtx, OneOf, and_list, duration, entries, get, integer, name, plain_line, string,
    strings, type_name,
};
use crate::policy::strategy::{Batch, OnWindowClose, Strategy, StrategyKind};
use crate::suggest::did_you_mean;
use chrono::TimeDelta;
use std::collections::HashSet;
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Keys every strategy may have, whatever its kind.
const COMMON_KEYS: [&str; 14] = [
    "name",
    "kind",
    "service",
    "env",
    "step_time",
    "verify",
    "monitoring",
    "on_window_close",
    "max_pause",
    "failure_limit",
    "health_interval",
    "hook_timeout",
    "health_timeout",
    "hooks",
];

const KIND_HELP: &str = "kinds are rolling, blue-green, canary";

const KINDS: OneOf<'static, Kind> = OneOf {
    what: "strategy kind",
    words: &[
        ("rolling", Kind::Rolling),
        ("blue-green", Kind::BlueGreen),
        ("canary", Kind::Canary),
    ],
    then: KIND_HELP,
    otherwise: KIND_HELP,
    suggest: true,
};

const ON_WINDOW_CLOSE_HELP: &str =
    "use \"pause\" (wait at the step boundary, at most `max_pause`) or \"rollback\"";

const ON_WINDOW_CLOSE: OneOf<'static, OnWindowClose> = OneOf {
    what: "`on_window_close` action",
    words: &[
        ("pause", OnWindowClose::Pause),
        ("rollback", OnWindowClose::Rollback),
    ],
    then: ON_WINDOW_CLOSE_HELP,
    otherwise: ON_WINDOW_CLOSE_HELP,
    suggest: true,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Rolling,
    BlueGreen,
    Canary,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Rolling, Kind::BlueGreen, Kind::Canary];

    fn name(self) -> &'static str {
        match self {
            Kind::Rolling => "rolling",
            Kind::BlueGreen => "blue-green",
            Kind::Canary => "canary",
        }
    }

    /// The keys only this kind takes (`targets` is shared by rolling and canary).
    fn keys(self) -> &'static [&'static str] {
        match self {
            Kind::Rolling => &["targets", "batch"],
            Kind::BlueGreen => &["blue", "green", "keep_previous"],
            Kind::Canary => &["steps", "pause", "targets"],
        }
    }
}

/// Reads one `[[strategy]]` table; `None` when it has problems (all of them
/// reported). `span` is the table's header, where missing keys are reported.
pub(crate) fn strategy(
    ctx: &mut FileCtx<'_>,
    table: &DeTable<'_>,
    span: &Range<usize>,
) -> Option<Strategy> {
    let before = ctx.count();
    let label = match get(table, "name").map(|e| e.value.get_ref()) {
        Some(DeValue::String(n)) => format!("[[strategy]] `{n}`"),
        _ => "[[strategy]]".to_string(),
    };

    let kind = match get(table, "kind") {
        None => {
            ctx.error(
                span,
                format!("{label} has no `kind`"),
                Some("add `kind = \"rolling\"`, `\"blue-green\"` or `\"canary\"`".into()),
            );
            None
        }
        Some(e) => KINDS.read(ctx, &e, "\"rolling\""),
    };
    check_keys(ctx, table, kind);

    let name = match get(table, "name") {
        None => {
            ctx.error(
                span,
                "[[strategy]] has no `name`",
                Some("add `name = \"...\"`, unique among the strategies of the policy set".into()),
            );
            None
        }
        Some(e) => name(ctx, &e, "strategy", "\"web-rolling\""),
    };
    let service = exact_name(ctx, table, span, &label, "service", "web");
    let env = exact_name(ctx, table, span, &label, "env", "prod");
    let step_time = duration_or(ctx, table, "step_time", TimeDelta::minutes(5), false);
    let verify = duration_or(ctx, table, "verify", TimeDelta::minutes(2), true);
    let monitoring = match get(table, "monitoring") {
        None => Some(None),
        Some(e) => duration(ctx, &e, TimeDelta::zero()).map(Some),
    };
    let on_window_close = match get(table, "on_window_close") {
        None => Some(OnWindowClose::Pause),
        Some(e) => ON_WINDOW_CLOSE.read(ctx, &e, "\"pause\""),
    };
    let max_pause = duration_or(ctx, table, "max_pause", TimeDelta::hours(1), false);
    if let (Some(OnWindowClose::Rollback), Some(e)) = (on_window_close, get(table, "max_pause")) {
        ctx.error(
            &e.key_span,
            "`max_pause` is only used with `on_window_close = \"pause\"`",
            Some("set `on_window_close = \"pause\"` or remove `max_pause`".into()),
        );
    }
    let failure_limit = match get(table, "failure_limit") {
        None => Some(1),
        Some(e) => positive_int(
            ctx,
            "failure_limit",
            e.value,
            "`failure_limit` is how many unhealthy health checks in a row trigger the rollback; 1 rolls back on the first",
        ),
    };
    let health_interval = duration_or(ctx, table, "health_interval", TimeDelta::seconds(10), false);
    let hook_timeout = duration_or(ctx, table, "hook_timeout", TimeDelta::minutes(10), false);
    let health_timeout = duration_or(ctx, table, "health_timeout", TimeDelta::seconds(30), false);

    let body = kind.and_then(|k| kind_body(ctx, table, span, &label, k));
    let flavor = kind.map(|k| match k {
        Kind::Rolling => Flavor::Rolling,
        Kind::BlueGreen => Flavor::BlueGreen,
        Kind::Canary if get(table, "targets").is_some() => Flavor::CanaryTargets,
        Kind::Canary => Flavor::CanaryWeight,
    });
    let hooks = hooks(
        ctx,
        table,
        span,
        &label,
        flavor,
        hook_timeout.unwrap_or(TimeDelta::minutes(10)),
        health_timeout.unwrap_or(TimeDelta::seconds(30)),
    );

    if ctx.count() > before {
        return None;
    }
    Some(Strategy {
        name: name?,
        service: service?,
        env: env?,
        kind: body?,
        step_time: step_time?,
        verify: verify?,
        monitoring: monitoring?,
        on_window_close: on_window_close?,
        max_pause: max_pause?,
        failure_limit: failure_limit?,
        health_interval: health_interval?,
        hooks: hooks?,
    })
}

/// Reports keys that belong to another kind (naming it) and unknown keys
/// (suggesting the closest key this kind takes).
fn check_keys(ctx: &mut FileCtx<'_>, table: &DeTable<'_>, kind: Option<Kind>) {
    for e in entries(table) {
        if COMMON_KEYS.contains(&e.key) {
            continue;
        }
        let owners: Vec<Kind> = Kind::ALL
            .into_iter()
            .filter(|k| k.keys().contains(&e.key))
            .collect();
        match kind {
            Some(k) if owners.contains(&k) => {}
            // The kind itself is wrong (and reported); its keys can't be judged.
            None if !owners.is_empty() => {}
            Some(k) if !owners.is_empty() => {
                let belongs = owners
                    .iter()
                    .map(|o| o.name())
                    .collect::<Vec<_>>()
                    .join(" and ");
                let own: Vec<String> = k.keys().iter().map(|x| format!("`{x}`")).collect();
                let own = and_list(&own);
                ctx.error(
                    &e.key_span,
                    format!(
                        "key `{}` belongs to {belongs} strategies, not {}",
                        e.key,
                        k.name()
                    ),
                    Some(format!(
                        "a {} strategy takes {own}; remove `{}` or change `kind`",
                        k.name(),
                        e.key
                    )),
                );
            }
            _ => {
                let mut known: Vec<&str> = COMMON_KEYS.to_vec();
                match kind {
                    Some(k) => known.extend(k.keys()),
                    None => {
                        for k in Kind::ALL {
                            for x in k.keys() {
                                if !known.contains(x) {
                                    known.push(x);
                                }
                            }
                        }
                    }
                }
                let help = if HOOK_NAMES.contains(&e.key) {
                    format!(
                        "hooks go in the `[strategy.hooks]` table: `[strategy.hooks]` then `{} = {}`",
                        e.key,
                        example_argv(e.key)
                    )
                } else {
                    let list = format!("keys of [[strategy]] are: {}", known.join(", "));
                    did_you_mean(e.key, known.iter().copied(), "", &list)
                };
                ctx.error(
                    &e.key_span,
                    format!("unknown key `{}` in [[strategy]]", e.key),
                    Some(help),
                );
            }
        }
    }
}

/// `service` and `env`: required, one exact name each (a strategy deploys one
/// service to one environment), never a glob.
fn exact_name(
    ctx: &mut FileCtx<'_>,
    table: &DeTable<'_>,
    span: &Range<usize>,
    label: &str,
    key: &str,
    example: &str,
) -> Option<String> {
    let help =
        format!("a strategy deploys one {key}: write its exact name, e.g. `{key} = \"{example}\"`");
    let Some(e) = get(table, key) else {
        ctx.error(span, format!("{label} has no `{key}`"), Some(help));
        return None;
    };
    let value = string(ctx, &e, &format!("\"{example}\""))?;
    let problem = if value.trim().is_empty() {
        Some(format!("`{key}` is empty"))
    } else if !plain_line(ctx, &e.value.span(), key, &value) {
        return None;
    } else if value.trim() != value {
        Some(format!("`{key}` `{value}` has spaces around it"))
    } else if value.contains(['*', '?', '[', ']']) || value.starts_with('!') {
        Some(format!(
            "`{key}` must be an exact name, not a glob: `{value}`"
        ))
    } else {
        None
    };
    match problem {
        Some(message) => {
            ctx.error(&e.value.span(), message, Some(help));
            None
        }
        None => Some(value),
    }
}

/// A duration key with its default; `zero_ok` allows `0s`.
fn duration_or(
    ctx: &mut FileCtx<'_>,
    table: &DeTable<'_>,
    key: &str,
    default: TimeDelta,
    zero_ok: bool,
) -> Option<TimeDelta> {
    match get(table, key) {
        None => Some(default),
        Some(e) => {
            let min = if zero_ok {
                TimeDelta::zero()
            } else {
                TimeDelta::seconds(1)
            };
            duration(ctx, &e, min)
        }
    }
}

/// An integer of at least 1 (and at most `u32::MAX`).
fn positive_int(
    ctx: &mut FileCtx<'_>,
    key: &str,
    value: &Spanned<DeValue<'_>>,
    meaning: &str,
) -> Option<u32> {
    let n = match integer(value.get_ref()) {
        None => {
            ctx.error(
                &value.span(),
                format!(
                    "`{key}` must be an integer, found {}",
                    type_name(value.get_ref())
                ),
                Some(format!("write `{key} = 3`; {meaning}")),
            );
            return None;
        }
        Some(n) => n,
    };
    match n.and_then(|n| u32::try_from(n).ok()).filter(|n| *n >= 1) {
        Some(n) => Some(n),
        None => {
            let shown = n.map_or_else(|| "a number too large".to_string(), |n| n.to_string());
            ctx.error(
                &value.span(),
                format!("`{key}` must be at least 1, found {shown}"),
                Some(meaning.to_string()),
            );
            None
        }
    }
}

/// The keys of the strategy's own kind.
fn kind_body(
    ctx: &mut FileCtx<'_>,
    table: &DeTable<'_>,
    span: &Range<usize>,
    label: &str,
    kind: Kind,
) -> Option<StrategyKind> {
    let required = |ctx: &mut FileCtx<'_>, key: &str, help: &str| {
        let found = get(table, key);
        if found.is_none() {
            ctx.error(
                span,
                format!("{label} is {} strategy with no `{key}`", article(kind)),
                Some(help.to_string()),
            );
        }
        found
    };
    match kind {
        Kind::Rolling => {
            let targets = required(
                ctx,
                "targets",
                "add `targets = [\"web-1\", \"web-2\"]`: the targets updated a batch at a time",
            )
            .and_then(|e| target_list(ctx, &e));
            let batch = match get(table, "batch") {
                None => Some(Batch::Count(1)),
                Some(e) => batch(ctx, e.value),
            };
            Some(StrategyKind::Rolling {
                targets: names(targets?),
                batch: batch?,
            })
        }
        Kind::BlueGreen => {
            let blue = required(
                ctx,
                "blue",
                "add `blue = [\"web-blue-1\", \"web-blue-2\"]`: the targets of the blue colour",
            )
            .and_then(|e| target_list(ctx, &e));
            let green = required(
                ctx,
                "green",
                "add `green = [\"web-green-1\", \"web-green-2\"]`: the targets of the green colour",
            )
            .and_then(|e| target_list(ctx, &e));
            if let (Some(blue), Some(green)) = (&blue, &green) {
                for (t, sp) in green {
                    if blue.iter().any(|(b, _)| b == t) {
                        ctx.error(
                            sp,
                            format!("target `{t}` is in both `blue` and `green`"),
                            Some("blue and green are separate sets of targets: one serves while the other is updated".into()),
                        );
                    }
                }
            }
            let keep_previous = duration_or(ctx, table, "keep_previous", TimeDelta::hours(1), true);
            Some(StrategyKind::BlueGreen {
                blue: names(blue?),
                green: names(green?),
                keep_previous: keep_previous?,
            })
        }
        Kind::Canary => {
            let steps = required(
                ctx,
                "steps",
                "add `steps = [5, 25, 50, 100]`: the percentages of traffic (or of `targets`) on the new version",
            )
            .and_then(|e| steps(ctx, e.value));
            let pause = duration_or(ctx, table, "pause", TimeDelta::minutes(5), false);
            let targets = match get(table, "targets") {
                None => Some(None),
                Some(e) => target_list(ctx, &e).map(|t| Some(names(t))),
            };
            Some(StrategyKind::Canary {
                steps: steps?,
                pause: pause?,
                targets: targets?,
            })
        }
    }
}

fn article(kind: Kind) -> &'static str {
    match kind {
        Kind::Rolling => "a rolling",
        Kind::BlueGreen => "a blue-green",
        Kind::Canary => "a canary",
    }
}

fn names(items: Vec<(String, Range<usize>)>) -> Vec<String> {
    items.into_iter().map(|(s, _)| s).collect()
}

/// A non-empty list of distinct, non-empty target names.
fn target_list(ctx: &mut FileCtx<'_>, e: &Entry<'_, '_>) -> Option<Vec<(String, Range<usize>)>> {
    let example = match e.key {
        "blue" => "[\"web-blue-1\", \"web-blue-2\"]",
        "green" => "[\"web-green-1\", \"web-green-2\"]",
        _ => "[\"web-1\", \"web-2\"]",
    };
    let items = strings(ctx, e, example)?;
    if items.is_empty() {
        ctx.error(
            &e.value.span(),
            format!("`{}` is empty", e.key),
            Some(format!("list at least one target: `{} = {example}`", e.key)),
        );
        return None;
    }
    let mut ok = true;
    let mut seen = HashSet::new();
    for (t, sp) in &items {
        if t.trim().is_empty() {
            ctx.error(
                sp,
                format!("empty target name in `{}`", e.key),
                Some("a target is a host, instance or pod name, e.g. `\"web-1\"`".into()),
            );
            ok = false;
        } else if !plain_line(ctx, sp, e.key, t) {
            ok = false;
        } else if !seen.insert(t.as_str()) {
            ctx.error(
                sp,
                format!("target `{t}` is listed twice in `{}`", e.key),
                Some("each target is deployed once; remove the repeat".into()),
            );
            ok = false;
        }
    }
    ok.then_some(items)
}

const BATCH_HELP: &str = "`batch` is a number of targets (`batch = 2`) or a percentage of them from 1% to 100% (`batch = \"25%\"`)";

/// `batch = 2` or `batch = "25%"`.
fn batch(ctx: &mut FileCtx<'_>, value: &Spanned<DeValue<'_>>) -> Option<Batch> {
    let problem = match value.get_ref() {
        DeValue::Integer(_) => match integer(value.get_ref()).flatten() {
            Some(n) if n >= 1 => match u32::try_from(n) {
                Ok(n) => return Some(Batch::Count(n)),
                Err(_) => format!("`batch` {n} is too large"),
            },
            Some(n) => format!("`batch` must be at least 1, found {n}"),
            None => "`batch` is too large".to_string(),
        },
        DeValue::String(s) => {
            let percent = s
                .strip_suffix('%')
                .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|d| d.parse::<u32>().ok());
            match percent {
                Some(p @ 1..=100) => return Some(Batch::Percent(p as u8)),
                Some(p) => format!("`batch` percentage must be from 1% to 100%, found {p}%"),
                None if s.bytes().all(|b| b.is_ascii_digit()) && !s.is_empty() => {
                    format!("`batch` \"{s}\" is a string without `%`")
                }
                None => format!("`batch` \"{s}\" is not a count or a percentage"),
            }
        }
        other => format!(
            "`batch` must be an integer or a percentage string, found {}",
            type_name(other)
        ),
    };
    ctx.error(&value.span(), problem, Some(BATCH_HELP.into()));
    None
}

const STEPS_HELP: &str = "`steps` are increasing percentages of traffic that end at 100, e.g. `steps = [5, 25, 50, 100]`";

/// `steps = [5, 25, 50, 100]`: percentages 1..=100, strictly increasing, ending at 100.
fn steps(ctx: &mut FileCtx<'_>, value: &Spanned<DeValue<'_>>) -> Option<Vec<u8>> {
    let DeValue::Array(items) = value.get_ref() else {
        ctx.error(
            &value.span(),
            format!(
                "`steps` must be a list of percentages, found {}",
                type_name(value.get_ref())
            ),
            Some(STEPS_HELP.into()),
        );
        return None;
    };
    if items.is_empty() {
        ctx.error(&value.span(), "`steps` is empty", Some(STEPS_HELP.into()));
        return None;
    }
    let mut out: Vec<u8> = Vec::new();
    let mut ok = true;
    let mut last: Option<(u8, Range<usize>)> = None;
    for item in items.iter() {
        let step = match integer(item.get_ref()) {
            None => {
                ctx.error(
                    &item.span(),
                    format!(
                        "canary steps must be integers, found {}",
                        type_name(item.get_ref())
                    ),
                    Some(STEPS_HELP.into()),
                );
                None
            }
            Some(n) => match n.filter(|n| (1..=100).contains(n)) {
                Some(n) => u8::try_from(n).ok(),
                None => {
                    let shown = n.map_or_else(|| "a number too large".into(), |n| n.to_string());
                    ctx.error(
                        &item.span(),
                        format!("canary step {shown} is not a percentage from 1 to 100"),
                        Some(STEPS_HELP.into()),
                    );
                    None
                }
            },
        };
        let Some(step) = step else {
            ok = false;
            last = None;
            continue;
        };
        if let Some((prev, _)) = &last
            && step <= *prev
        {
            ctx.error(
                &item.span(),
                format!("`steps` must increase: {step} comes after {prev}"),
                Some(STEPS_HELP.into()),
            );
            ok = false;
        }
        last = Some((step, item.span()));
        out.push(step);
    }
    if let Some((step, sp)) = &last
        && *step != 100
    {
        ctx.error(
            sp,
            format!("the last canary step is {step}, not 100"),
            Some("end `steps` with 100 so the new version ends up with all the traffic".into()),
        );
        ok = false;
    }
    ok.then_some(out)
}
