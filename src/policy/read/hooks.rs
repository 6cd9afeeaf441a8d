//! `[strategy.hooks]`: the commands a strategy runs, each an argv array (or a
//! table with `run` and `timeout`), which hooks each kind of strategy needs, and
//! the placeholders each hook's arguments may use.

use super::toolkit::{FileCtx, and_list, duration, entries, get, reject_unknown, type_name};
use crate::policy::strategy::{Hook, Hooks, PLACEHOLDERS};
use crate::suggest::{closest, did_you_mean};
use chrono::TimeDelta;
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The hooks a strategy may name under `[strategy.hooks]`.
pub(crate) const HOOK_NAMES: [&str; 5] = ["deploy", "health", "rollback", "switch", "set_weight"];

/// What decides the hooks: the kind, and for a canary whether it moves traffic by
/// weight (`set_weight`) or by updating `targets`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    Rolling,
    BlueGreen,
    CanaryWeight,
    CanaryTargets,
}

impl Flavor {
    /// "a rolling strategy", for messages.
    fn label(self) -> &'static str {
        match self {
            Flavor::Rolling => "a rolling strategy",
            Flavor::BlueGreen => "a blue-green strategy",
            Flavor::CanaryWeight => "a canary by weight",
            Flavor::CanaryTargets => "a canary by targets",
        }
    }

    /// The hooks this flavor runs, each with what it is run for. All are required,
    /// and no other hook is used.
    fn hooks(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Flavor::Rolling => &[
                ("deploy", "to install `{version}` on each batch of targets"),
                (
                    "health",
                    "to check the updated targets during `verify` and the monitoring period",
                ),
                (
                    "rollback",
                    "to put `{previous}` back on the updated targets when a check fails",
                ),
            ],
            Flavor::BlueGreen => &[
                ("deploy", "to install `{version}` on the idle colour"),
                (
                    "health",
                    "to check the new colour before and after the switch",
                ),
                (
                    "switch",
                    "to send traffic to `{color}`, and back to the old colour on a rollback",
                ),
            ],
            Flavor::CanaryWeight => &[
                ("deploy", "to install the canary of `{version}`"),
                (
                    "set_weight",
                    "to send `{weight}` percent of the traffic to the new version at each step",
                ),
                (
                    "health",
                    "to check the canary after each step and during the monitoring period",
                ),
                (
                    "rollback",
                    "to remove the canary once its weight is back at 0 when a check fails",
                ),
            ],
            Flavor::CanaryTargets => &[
                ("deploy", "to install `{version}` on each step's targets"),
                (
                    "health",
                    "to check the updated targets after each step and during the monitoring period",
                ),
                (
                    "rollback",
                    "to put `{previous}` back on the updated targets when a check fails",
                ),
            ],
        }
    }

    /// Whether `placeholder` can ever have a value in `hook` of this flavor.
    fn has_value(self, placeholder: &str, hook: &str) -> bool {
        match placeholder {
            // Blue-green deploys and health-checks each target of a colour.
            "target" => match self {
                Flavor::Rolling | Flavor::CanaryTargets => {
                    matches!(hook, "deploy" | "health" | "rollback")
                }
                Flavor::BlueGreen => matches!(hook, "deploy" | "health"),
                Flavor::CanaryWeight => false,
            },
            "color" => self == Flavor::BlueGreen,
            "weight" => self == Flavor::CanaryWeight && hook == "set_weight",
            _ => true,
        }
    }
}

/// Where each placeholder that can be missing does have a value.
fn placeholder_scope(placeholder: &str) -> &'static str {
    match placeholder {
        "target" => {
            "`{target}` is set only in the deploy, health and rollback hooks of a rolling strategy or a canary by targets, and in the deploy and health hooks of a blue-green strategy"
        }
        "color" => "`{color}` (blue or green) is set only in the hooks of a blue-green strategy",
        _ => "`{weight}` is set only in the `set_weight` hook of a canary by weight",
    }
}

/// An argv array for `hook`, for help lines.
pub(crate) fn example_argv(hook: &str) -> String {
    let arg = match hook {
        "rollback" => "previous",
        "switch" => "color",
        "set_weight" => "weight",
        _ => "version",
    };
    format!("[\"./hooks/{hook}.sh\", \"{{{arg}}}\"]")
}

fn placeholder_list() -> String {
    PLACEHOLDERS
        .iter()
        .map(|p| format!("`{{{p}}}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
/// One hook argument's placeholders, or the first problem with its braces.
enum Braces<'a> {
    Ok(Vec<&'static str>),
    Unknown(&'a str),
    /// A `{` or `}` that is not part of a placeholder.
    Lone(char),
}

fn scan(arg: &str) -> Braces<'_> {
    let mut found = Vec::new();
    let mut rest = arg;
    while let Some(i) = rest.find(['{', '}']) {
        if rest[i..].starts_with('}') {
            return Braces::Lone('}');
        }
        let after = &rest[i + 1..];
        match after.find(['{', '}']) {
            Some(j) if after[j..].starts_with('}') => {
                let name = &after[..j];
                match PLACEHOLDERS.iter().find(|p| **p == name) {
                    Some(p) => found.push(*p),
                    None => return Braces::Unknown(name),
                }
                rest = &after[j + 1..];
            }
            _ => return Braces::Lone('{'),
        }
    }
    Braces::Ok(found)
}

/// A hook as read, with the placeholders of each argument and where it is.
struct ReadHook {
    hook: Hook,
    uses: Vec<(&'static str, Range<usize>)>,
}

/// `deploy = ["./deploy.sh", "{target}"]` or `deploy = { run = [...], timeout = "2m" }`.
fn hook(
    ctx: &mut FileCtx<'_>,
    name: &str,
    value: &Spanned<DeValue<'_>>,
    default_timeout: TimeDelta,
) -> Option<ReadHook> {
    let example = format!("`{name} = {}`", example_argv(name));
    let (run, timeout) = match value.get_ref() {
        DeValue::Array(_) => (value, Some(default_timeout)),
        DeValue::Table(t) => {
            let keys = ["run", "timeout"];
            reject_unknown(ctx, t, &format!("the `{name}` hook"), &keys, |key| {
                Some(did_you_mean(
                    key,
                    keys,
                    "a hook table has `run` and `timeout`",
                    "a hook table has `run` (the argv array) and `timeout`",
                ))
            });
            let timeout = match get(t, "timeout") {
                None => Some(default_timeout),
                Some(e) => duration(ctx, &e, TimeDelta::seconds(1)),
            };
            let Some(run) = get(t, "run") else {
                ctx.error(
                    &value.span(),
                    format!("the `{name}` hook has no `run`"),
                    Some(format!(
                        "write `{name} = {{ run = {}, timeout = \"2m\" }}`",
                        example_argv(name)
                    )),
                );
                return None;
            };
            (run.value, timeout)
        }
        DeValue::String(_) => {
            ctx.error(
                &value.span(),
                format!("the `{name}` hook must be an argv array, found a string"),
                Some(format!(
                    "hooks run without a shell: split the command into the program and its arguments, {example}"
                )),
            );
            return None;
        }
        other => {
            ctx.error(
                &value.span(),
                format!(
                    "the `{name}` hook must be an argv array or a table with `run`, found {}",
                    type_name(other)
                ),
                Some(format!("write {example}")),
            );
            return None;
        }
    };
    let argv = argv(ctx, name, run, &example);
    Some(ReadHook {
        hook: Hook {
            argv: argv.as_ref()?.iter().map(|(a, _)| a.clone()).collect(),
            timeout: timeout?,
        },
        uses: argv?
            .into_iter()
            .flat_map(|(a, sp)| match scan(&a) {
                Braces::Ok(found) => found.into_iter().map(|p| (p, sp.clone())).collect(),
                _ => Vec::new(),
            })
            .collect(),
    })
}

/// The argv array: strings, the first (the program) not empty, every brace part
/// of a known placeholder.
fn argv(
    ctx: &mut FileCtx<'_>,
    name: &str,
    value: &Spanned<DeValue<'_>>,
    example: &str,
) -> Option<Vec<(String, Range<usize>)>> {
    let DeValue::Array(items) = value.get_ref() else {
        ctx.error(
            &value.span(),
            format!(
                "the `{name}` hook's `run` must be an argv array, found {}",
                type_name(value.get_ref())
            ),
            Some(format!(
                "hooks run without a shell: give the program and its arguments, {example}"
            )),
        );
        return None;
    };
    if items.is_empty() {
        ctx.error(
            &value.span(),
            format!("the `{name}` hook is empty"),
            Some(format!("give the program and its arguments, {example}")),
        );
        return None;
    }
    let mut ok = true;
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let DeValue::String(arg) = item.get_ref() else {
            ctx.error(
                &item.span(),
                format!(
                    "hook arguments must be strings, found {}",
                    type_name(item.get_ref())
                ),
                Some(format!("quote every argument, {example}")),
            );
            ok = false;
            continue;
        };
        if i == 0 && arg.is_empty() {
            ctx.error(
                &item.span(),
                format!("the `{name}` hook's program is empty"),
                Some(
                    "the first element is the program to run, e.g. `\"./hooks/deploy.sh\"`".into(),
                ),
            );
            ok = false;
        }
        let literal = "`{{` and `}}` are not escapes, so a literal brace cannot be written; have the hook build such text itself";
        match scan(arg) {
            Braces::Ok(_) => {}
            Braces::Unknown(p) => {
                let list = placeholder_list();
                let help = match closest(p, PLACEHOLDERS) {
                    Some(c) if !p.is_empty() => {
                        format!("did you mean `{{{c}}}`? placeholders are {list}")
                    }
                    _ => format!("placeholders are {list}; {literal}"),
                };
                ctx.error(
                    &item.span(),
                    format!("unknown placeholder `{{{p}}}` in the `{name}` hook"),
                    Some(help),
                );
                ok = false;
            }
            Braces::Lone(brace) => {
                ctx.error(
                    &item.span(),
                    format!("lone `{brace}` in the `{name}` hook argument `{arg}`"),
                    Some(format!(
                        "a placeholder is one of {}; {literal}",
                        placeholder_list()
                    )),
                );
                ok = false;
            }
        }
        out.push((arg.to_string(), item.span()));
    }
    ok.then_some(out)
}

/// `[strategy.hooks]`: every hook read, unknown and unused hooks reported, and the
/// hooks the strategy needs checked for, with the placeholders each can have.
pub(crate) fn hooks(
    ctx: &mut FileCtx<'_>,
    table: &DeTable<'_>,
    span: &Range<usize>,
    label: &str,
    flavor: Option<Flavor>,
    hook_timeout: TimeDelta,
    health_timeout: TimeDelta,
) -> Option<Hooks> {
    let hooks_table = match get(table, "hooks") {
        None => None,
        Some(e) => match e.value.get_ref() {
            DeValue::Table(t) => Some(t),
            other => {
                ctx.error(
                    &e.value.span(),
                    format!("`hooks` must be a table, found {}", type_name(other)),
                    Some("write `[strategy.hooks]` and one argv array per hook under it".into()),
                );
                return None;
            }
        },
    };
    let mut out = Hooks::default();
    let mut ok = true;
    for e in hooks_table.into_iter().flat_map(|t| entries(t)) {
        if !HOOK_NAMES.contains(&e.key) {
            let names = HOOK_NAMES.join(", ");
            let names = format!("hooks are {names}");
            let help = did_you_mean(e.key, HOOK_NAMES, &names, &names);
            ctx.error(&e.key_span, format!("unknown hook `{}`", e.key), Some(help));
            ok = false;
            continue;
        }
        if let Some(f) = flavor
            && !f.hooks().iter().any(|(h, _)| *h == e.key)
        {
            let runs: Vec<String> = f.hooks().iter().map(|(h, _)| h.to_string()).collect();
            let why = match f {
                Flavor::BlueGreen if e.key == "rollback" => {
                    "; its rollback is a switch back to the old colour with `switch`"
                }
                Flavor::CanaryTargets if e.key == "set_weight" => {
                    "; it moves traffic by updating `targets` (remove `targets` to canary by weight)"
                }
                _ => "",
            };
            ctx.error(
                &e.key_span,
                format!("the `{}` hook is not used by {}", e.key, f.label()),
                Some(format!(
                    "{} runs {}{why}; remove `{}`",
                    f.label(),
                    and_list(&runs),
                    e.key
                )),
            );
            ok = false;
            continue;
        }
        let timeout = if e.key == "health" {
            health_timeout
        } else {
            hook_timeout
        };
        let Some(read) = hook(ctx, e.key, e.value, timeout) else {
            ok = false;
            continue;
        };
        if let Some(f) = flavor {
            for (p, sp) in &read.uses {
                if !f.has_value(p, e.key) {
                    ctx.error(
                        sp,
                        format!(
                            "placeholder `{{{p}}}` has no value in the `{}` hook of {}",
                            e.key,
                            f.label()
                        ),
                        Some(placeholder_scope(p).into()),
                    );
                    ok = false;
                }
            }
        }
        let slot = match e.key {
            "deploy" => &mut out.deploy,
            "health" => &mut out.health,
            "rollback" => &mut out.rollback,
            "switch" => &mut out.switch,
            _ => &mut out.set_weight,
        };
        *slot = Some(read.hook);
    }
    if let Some(f) = flavor {
        let given = |h: &str| hooks_table.is_some_and(|t| get(t, h).is_some());
        for (h, why) in f.hooks() {
            if !given(h) {
                ctx.error(
                    span,
                    format!("{label} has no `{h}` hook"),
                    Some(format!(
                        "{} needs `{h}` {why}; add it under `[strategy.hooks]`",
                        f.label()
                    )),
                );
                ok = false;
            }
        }
    }
    ok.then_some(out)
}
