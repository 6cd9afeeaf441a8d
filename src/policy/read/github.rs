//! One `[[github]]` table: a `repository` glob, and the `service` and
//! `environments` its deployments are decided as. Every problem is reported
//! at its place; `None` when the table could not be read.

use super::toolkit::{FileCtx, entries, get, reject_unknown, string, type_name};
use crate::policy::github::GithubMapping;
use std::collections::BTreeMap;
use std::ops::Range;
use toml::de::{DeTable, DeValue};

pub(crate) const GITHUB_KEYS: [&str; 3] = ["repository", "service", "environments"];

pub(crate) fn github(
    ctx: &mut FileCtx<'_>,
    table: &DeTable<'_>,
    span: &Range<usize>,
) -> Option<GithubMapping> {
    reject_unknown(ctx, table, "[[github]]", &GITHUB_KEYS, |_| None);
    let before = ctx.count();
    let repository = match get(table, "repository") {
        Some(e) => string(ctx, &e, "\"acme/*\"").map(|glob| (glob, e.span())),
        None => {
            ctx.error(
                span,
                "`[[github]]` needs `repository`",
                Some("name the repositories it speaks for: `repository = \"acme/*\"`".into()),
            );
            None
        }
    };
    let service = match get(table, "service") {
        Some(e) => {
            let value = string(ctx, &e, "\"payments-api\"");
            non_empty(ctx, value, &e.span(), "service")
        }
        None => None,
    };
    let environments = match get(table, "environments") {
        Some(e) => environments(ctx, e.value.get_ref(), &e.span()),
        None => BTreeMap::new(),
    };
    let (glob, glob_span) = repository?;
    if glob.trim().is_empty() {
        ctx.error(
            &glob_span,
            "`repository` must not be blank",
            Some("write `owner/name`, or a glob such as `acme/*`".into()),
        );
        return None;
    }
    let mapping = match GithubMapping::new(&glob, service, environments) {
        Ok(m) => m,
        Err(e) => {
            ctx.error(
                &glob_span,
                format!("`repository`: `{glob}` is not a valid glob: {}", e.kind()),
                Some("globs use `*`, `?` and `[abc]`: `acme/*`, `*/web`".into()),
            );
            return None;
        }
    };
    (ctx.count() == before).then_some(mapping)
}

/// A string that must say something.
fn non_empty(
    ctx: &mut FileCtx<'_>,
    value: Option<String>,
    span: &Range<usize>,
    key: &str,
) -> Option<String> {
    let value = value?;
    if value.trim().is_empty() {
        ctx.error(
            span,
            format!("`{key}` must not be blank"),
            Some(format!("remove `{key}` to use the default, or name one")),
        );
        return None;
    }
    Some(value)
}

/// `environments = { production = "prod" }`: GitHub's names to the policy's.
fn environments(
    ctx: &mut FileCtx<'_>,
    value: &DeValue<'_>,
    span: &Range<usize>,
) -> BTreeMap<String, String> {
    let help = "map GitHub's environment names to the policy's: `environments = { production = \"prod\" }`";
    let DeValue::Table(t) = value else {
        ctx.error(
            span,
            format!("`environments` must be a table, found {}", type_name(value)),
            Some(help.into()),
        );
        return BTreeMap::new();
    };
    let mut out = BTreeMap::new();
    for e in entries(t) {
        let name = e.key.to_string();
        let value = string(ctx, &e, "\"prod\"");
        if let Some(v) = non_empty(ctx, value, &e.span(), e.key) {
            out.insert(name, v);
        }
    }
    out
}
