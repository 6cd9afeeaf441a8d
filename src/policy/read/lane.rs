//! One `[[lane]]` table: its `name`, the `services` and `envs` it covers (globs,
//! read as a rule's are) and an optional `reason`. Every problem is reported at
//! its place; `None` when the table could not be read.

use super::rule::scope;
use super::toolkit::{FileCtx, get, name, plain_line, reject_unknown, string};
use crate::policy::lane::Lane;
use std::ops::Range;
use toml::de::DeTable;

pub(crate) const LANE_KEYS: [&str; 4] = ["name", "services", "envs", "reason"];

pub(crate) fn lane(
    ctx: &mut FileCtx<'_>,
    table: &DeTable<'_>,
    span: &Range<usize>,
) -> Option<Lane> {
    reject_unknown(ctx, table, "[[lane]]", &LANE_KEYS, |_| None);
    let before = ctx.count();
    let lane_name = match get(table, "name") {
        Some(e) => name(ctx, &e, "lane", "\"payments-db\""),
        None => {
            ctx.error(
                span,
                "[[lane]] has no `name`",
                Some("add `name = \"...\"`, unique among the lanes".into()),
            );
            None
        }
    };
    let reason = get(table, "reason").and_then(|e| {
        let r = string(ctx, &e, "\"one shared payments database\"")?;
        plain_line(ctx, &e.span(), "reason", &r);
        Some(r)
    });
    let services = scope(ctx, table, "services", "[\"payments-*\", \"ledger\"]");
    let envs = scope(ctx, table, "envs", "[\"prod\"]");
    let lane = Lane {
        name: lane_name?,
        services: services?,
        envs: envs?,
        reason,
    };
    (ctx.count() == before).then_some(lane)
}
