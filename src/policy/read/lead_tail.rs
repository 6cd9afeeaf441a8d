//! `lead` and `tail` of a `[[freeze]]`: how long before and after each event it
//! blocks too, from `0s` to [`MAX_LEAD_TAIL`].

use super::toolkit::{FileCtx, get, string};
use crate::policy::lead_tail::MAX_LEAD_TAIL;
use crate::time::duration::{DurationStyle, format_duration_as, parse_duration};
use chrono::TimeDelta;
use toml::de::DeTable;

/// The keys that extend a `[[freeze]]` around each of its events.
pub(crate) const LEAD_TAIL_KEYS: [&str; 2] = ["lead", "tail"];

/// `lead` or `tail` of a freeze: zero when the key is absent (or on a rule kind
/// that rejects the key).
pub(crate) fn lead_or_tail(
    ctx: &mut FileCtx<'_>,
    table: &DeTable<'_>,
    key: &str,
) -> Option<TimeDelta> {
    let Some(e) = get(table, key) else {
        return Some(TimeDelta::zero());
    };
    let what = if key == "lead" {
        "before each event"
    } else {
        "after each event"
    };
    let text = string(ctx, &e, "\"2d\"")?;
    if text.trim_start().starts_with('-') {
        ctx.error(
            &e.span(),
            format!("`{key}` cannot be negative"),
            Some(format!(
                "`{key}` is how long {what} the freeze blocks too, e.g. `{key} = \"2d\"`"
            )),
        );
        return None;
    }
    let d = parse_duration(&text)
        .map_err(|err| ctx.syntax(&e.span(), key, err))
        .ok()?;
    if d > MAX_LEAD_TAIL {
        ctx.error(
            &e.span(),
            format!(
                "`{key}` is longer than {}",
                format_duration_as(MAX_LEAD_TAIL, DurationStyle::Policy)
            ),
            Some(format!(
                "a freeze blocks at most {} {what}; for a longer stretch write a freeze of its own",
                format_duration_as(MAX_LEAD_TAIL, DurationStyle::Words)
            )),
        );
        return None;
    }
    Some(d)
}
