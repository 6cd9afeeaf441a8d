//! `shipwindow markets`: the built-in exchange calendars, and one calendar's
//! sessions and closed days over a date range.

use super::error::CliError;
use crate::market::{Day, exchange, exchanges};
use crate::wire::markets::{MarketDays, MarketSummary};
use chrono::{DateTime, NaiveDate, Utc};
use std::fmt::Write;

/// The longest range `markets CODE` prints: a few years is plenty to read.
const MAX_DAYS: i64 = 3 * 366;

pub(crate) fn list(json_out: bool) -> String {
    if json_out {
        let all: Vec<MarketSummary> = exchanges()
            .iter()
            .map(|e| MarketSummary::from(*e))
            .collect();
        return format!(
            "{}\n",
            serde_json::to_string_pretty(&all).unwrap_or_default()
        );
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<6} {:<28} {:<18} {:<32} coverage",
        "code", "name", "zone", "regular hours"
    );
    for e in exchanges() {
        let h = e.current_hours();
        let lunch = h
            .lunch
            .map(|(a, b)| format!(", break {}–{}", a.format("%H:%M"), b.format("%H:%M")));
        let hours = format!(
            "{}–{}{}",
            h.open.format("%H:%M"),
            h.close.format("%H:%M"),
            lunch.unwrap_or_default()
        );
        let _ = writeln!(
            out,
            "{:<6} {:<28} {:<18} {:<32} {} to {}",
            e.code,
            e.name,
            e.zone.name(),
            hours,
            e.first,
            e.last
        );
    }
    out
}

/// The days of one calendar from `from` to `to`, inclusive.
pub(crate) fn days(code: &str, from: &str, to: &str, json_out: bool) -> Result<String, CliError> {
    let Some(e) = exchange(code) else {
        let codes: Vec<&str> = exchanges().iter().map(|e| e.code).collect();
        let hint = crate::suggest::closest(code, codes.iter().copied())
            .map(|c| format!("did you mean `{c}`? "))
            .unwrap_or_default();
        return Err(CliError::Usage(format!(
            "unknown exchange `{code}`\n  help: {hint}built-in calendars: {}",
            codes.join(", ")
        )));
    };
    let date = |flag: &str, text: &str| {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
            CliError::Usage(format!(
                "{flag}: `{text}` is not a date\n  help: write `YYYY-MM-DD`"
            ))
        })
    };
    let (first, last) = (date("--from", from)?, date("--to", to)?);
    if last < first {
        return Err(CliError::Usage(format!(
            "--to `{to}` is before --from `{from}`"
        )));
    }
    if (last - first).num_days() >= MAX_DAYS {
        return Err(CliError::Usage(format!(
            "--from to --to spans more than {MAX_DAYS} days; ask for a shorter range"
        )));
    }
    let days = e
        .days(first, last)
        .map_err(|err| CliError::Usage(err.to_string()))?;
    if json_out {
        let doc = MarketDays::new(e, from, to, &days);
        return Ok(format!(
            "{}\n",
            serde_json::to_string_pretty(&doc).unwrap_or_default()
        ));
    }
    let zone = e.zone;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} ({}), {first} to {last}, times in {}",
        e.code,
        e.name,
        zone.name()
    );
    for d in &days {
        match d {
            Day::Open(s) => {
                let local = |t: DateTime<Utc>| t.with_timezone(&zone).format("%H:%M").to_string();
                let lunch = s
                    .lunch
                    .map(|l| format!(", break {}–{}", local(l.start), local(l.end)))
                    .unwrap_or_default();
                let special = s
                    .special
                    .as_deref()
                    .map(|n| format!("  ({n})"))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "  {}  open    {}–{}{lunch}{special}",
                    s.date.format("%a %Y-%m-%d"),
                    local(s.open),
                    local(s.close)
                );
            }
            Day::Closed {
                date,
                holiday: Some(name),
            } => {
                let _ = writeln!(out, "  {}  closed  {name}", date.format("%a %Y-%m-%d"));
            }
            Day::Closed {
                date,
                holiday: None,
            } => {
                let _ = writeln!(out, "  {}  closed  (weekend)", date.format("%a %Y-%m-%d"));
            }
        }
    }
    Ok(out)
}
