//! A policy file's top level: the tables it may hold, in the order they appear.

use super::toolkit::FileCtx;
use crate::policy::rule::RuleKind;
use crate::suggest::did_you_mean;
use std::ops::Range;
use toml::de::{DeTable, DeValue};

/// The top-level tables a file may hold, in the order they appear.
pub(crate) enum Section<'t, 'i> {
    Settings(&'t DeTable<'i>),
    Rule(RuleKind, &'t DeTable<'i>, Range<usize>),
    /// A `[[strategy]]` table and the span of its header.
    Strategy(&'t DeTable<'i>, Range<usize>),
    /// A `[[github]]` table and the span of its header.
    Github(&'t DeTable<'i>, Range<usize>),
    /// A `[[kubernetes]]` table and the span of its header.
    Kubernetes(&'t DeTable<'i>, Range<usize>),
    /// A `[[lane]]` table and the span of its header.
    Lane(&'t DeTable<'i>, Range<usize>),
}

/// The top-level tables a policy file may hold.
const TOP_LEVEL: [&str; 8] = [
    "settings",
    "window",
    "freeze",
    "market",
    "strategy",
    "github",
    "kubernetes",
    "lane",
];

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
            name @ ("window" | "freeze" | "market" | "strategy" | "github" | "kubernetes"
            | "lane") => {
                let DeValue::Array(items) = value.get_ref() else {
                    ctx.error(
                        &span,
                        format!("`{name}` must be an array of tables"),
                        Some(format!("write `[[{name}]]`")),
                    );
                    continue;
                };
                for item in items.iter() {
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
                        "github" => Section::Github(t, item.span()),
                        "kubernetes" => Section::Kubernetes(t, item.span()),
                        "lane" => Section::Lane(t, item.span()),
                        _ => Section::Strategy(t, item.span()),
                    };
                    out.push((item.span().start, section));
                }
            }
            other => {
                let tables = "a policy file holds `[settings]`, `[[window]]`, `[[freeze]]`, `[[market]]`, `[[strategy]]`, `[[github]]`, `[[kubernetes]]` and `[[lane]]`";
                let help = did_you_mean(other, TOP_LEVEL, tables, tables);
                ctx.error(&span, format!("unknown table `{other}`"), Some(help));
            }
        }
    }
    out.sort_by_key(|(pos, _)| *pos);
    out
}
