//! One `[[kubernetes]]` table: the `namespaces` whose workloads deploy to `env`.
//! Every problem is reported at its place; `None` when the table could not be
//! read.

use super::toolkit::{FileCtx, get, reject_unknown, string, strings};
use crate::policy::kubernetes::KubernetesMapping;
use std::ops::Range;
use toml::de::DeTable;

pub(crate) const KUBERNETES_KEYS: [&str; 2] = ["namespaces", "env"];

pub(crate) fn kubernetes(
    ctx: &mut FileCtx<'_>,
    table: &DeTable<'_>,
    span: &Range<usize>,
) -> Option<KubernetesMapping> {
    reject_unknown(ctx, table, "[[kubernetes]]", &KUBERNETES_KEYS, |_| None);
    let before = ctx.count();
    let example = "[\"payments-prod\"]";
    let namespaces = match get(table, "namespaces") {
        Some(e) => strings(ctx, &e, example).map(|list| (list, e.span())),
        None => {
            ctx.error(
                span,
                "`[[kubernetes]]` needs `namespaces`",
                Some(format!(
                    "name the namespaces it maps: `namespaces = {example}`"
                )),
            );
            None
        }
    };
    let env = match get(table, "env") {
        Some(e) => string(ctx, &e, "\"prod\"").and_then(|env| {
            if env.trim().is_empty() {
                ctx.error(
                    &e.span(),
                    "`env` must not be blank",
                    Some(
                        "name the environment these namespaces deploy to: `env = \"prod\"`".into(),
                    ),
                );
                return None;
            }
            Some(env)
        }),
        None => {
            ctx.error(
                span,
                "`[[kubernetes]]` needs `env`",
                Some("name the environment these namespaces deploy to: `env = \"prod\"`".into()),
            );
            None
        }
    };
    let (list, list_span) = namespaces?;
    if list.is_empty() {
        ctx.error(
            &list_span,
            "`namespaces` must name at least one namespace",
            Some(format!("write `namespaces = {example}`")),
        );
        return None;
    }
    let spans: Vec<Range<usize>> = list.iter().map(|(_, s)| s.clone()).collect();
    let patterns: Vec<String> = list.into_iter().map(|(p, _)| p).collect();
    let mapping = match KubernetesMapping::new(patterns, env?) {
        Ok(m) => m,
        Err((i, message)) => {
            let at = spans.get(i).cloned().unwrap_or(list_span);
            ctx.error(
                &at,
                format!("`namespaces`: {message}"),
                Some("patterns are names or globs (`shop-*`), `!` before one excludes it".into()),
            );
            return None;
        }
    };
    (ctx.count() == before).then_some(mapping)
}
