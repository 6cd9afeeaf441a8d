//! The keys of a `[[market]]`: which exchange calendar, the guards around each
//! session and the user's extra closures.

use super::toolkit::{Entry, FileCtx, duration, get, string, type_name};
use crate::market::{Exchange, SessionGuard};
use crate::suggest::did_you_mean;
use chrono::TimeDelta;
use std::ops::Range;
use toml::de::{DeTable, DeValue};

/// The keys only a `[[market]]` has.
pub(crate) const MARKET_KEYS: [&str; 4] =
    ["exchange", "before_open", "after_close", "extra_closed"];

/// Reads the `[[market]]` keys; `span` is the table's, where a missing
/// `exchange` is reported.
pub(crate) fn guard(
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
            let list = codes.join(", ");
            let help = did_you_mean(
                &code,
                codes.iter().copied(),
                &format!("built-in calendars: {list}"),
                &format!("built-in calendars: {list} (see `shipwindow markets`)"),
            );
            ctx.error(&e.span(), format!("unknown exchange `{code}`"), Some(help));
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
                    &e.span(),
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
    Some(SessionGuard::new(
        exchange?,
        before_open?,
        after_close?,
        extra_closed?,
    ))
}

/// `extra_closed = ["2026-06-03"]`: dates within the calendar's coverage, sorted.
fn extra_dates(
    ctx: &mut FileCtx<'_>,
    e: &Entry<'_, '_>,
    exchange: Option<&Exchange>,
) -> Option<Vec<chrono::NaiveDate>> {
    let help = "write dates as `extra_closed = [\"2026-06-03\"]`";
    let DeValue::Array(items) = e.value.get_ref() else {
        ctx.error(
            &e.span(),
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
