//! The time spec of a `[[window]]` or `[[freeze]]`: which kind of spec the table
//! gives (exactly one), and reading each kind into a [`TimeSpec`]. The calendar
//! kind is only chosen here; the calendar reader reads it.

use super::toolkit::{Entry, FileCtx, duration, get, string, string_or_datetime, strings};
use crate::time::civil::Edge;
use crate::time::cron::Cron;
use crate::time::spec::{ClockTime, DaySet, TimeSpec, WeekTime};
use crate::time::{InstantError, instant_at};
use chrono::TimeDelta;
use chrono_tz::Tz;
use std::ops::Range;
use toml::de::DeTable;

/// The kinds of time spec a rule may give, each by its own keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SpecKind {
    /// `days`, `start`, `end`: the same hours on some days of the week.
    DailyRange,
    /// `from`, `to`: one span a week.
    WeeklySpan,
    /// `cron` with `duration`.
    CronFor,
    /// `cron` with `until_cron`.
    CronPair,
    /// `start_at`, `end_at`.
    OneTime,
    /// `ics`: the events of a calendar (a `[[freeze]]` only).
    Calendar,
}

impl SpecKind {
    /// The kinds read from keys of their own, in the order messages list them.
    pub const TIMED: [SpecKind; 5] = [
        SpecKind::DailyRange,
        SpecKind::WeeklySpan,
        SpecKind::CronFor,
        SpecKind::CronPair,
        SpecKind::OneTime,
    ];

    /// The keys that make up the spec.
    pub fn keys(self) -> &'static [&'static str] {
        match self {
            SpecKind::DailyRange => &["days", "start", "end"],
            SpecKind::WeeklySpan => &["from", "to"],
            SpecKind::CronFor => &["cron", "duration"],
            SpecKind::CronPair => &["cron", "until_cron"],
            SpecKind::OneTime => &["start_at", "end_at"],
            SpecKind::Calendar => &["ics"],
        }
    }

    /// What messages call it.
    fn label(self) -> &'static str {
        match self {
            SpecKind::DailyRange => "daily range",
            SpecKind::WeeklySpan => "weekly span",
            SpecKind::CronFor => "cron with duration",
            SpecKind::CronPair => "cron pair",
            SpecKind::OneTime => "one-time",
            SpecKind::Calendar => "calendar",
        }
    }

    /// Every key of a timed spec, once each, for the keys a rule knows.
    pub fn timed_keys() -> Vec<&'static str> {
        let mut keys: Vec<&str> = Vec::new();
        for k in SpecKind::TIMED.iter().flat_map(|s| s.keys()) {
            if !keys.contains(k) {
                keys.push(k);
            }
        }
        keys
    }
}

const OPTIONS: &str = "`days`/`start`/`end`, `from`/`to`, `cron` with `duration` or `until_cron`, or `start_at`/`end_at`";

/// Which spec the table gives, reporting none, several or a partial one at the
/// table's `span`. `calendar` says the table is a `[[freeze]]` with `ics`: then
/// the calendar is the spec and no other may be given.
pub(crate) fn choose(
    ctx: &mut FileCtx<'_>,
    table: &DeTable<'_>,
    span: &Range<usize>,
    what: &str,
    calendar: bool,
) -> Option<SpecKind> {
    let present = |k: &str| get(table, k).is_some();
    if calendar {
        let others: Vec<&str> = SpecKind::TIMED
            .into_iter()
            .filter(|s| s.keys().iter().any(|k| present(k)))
            .map(SpecKind::label)
            .collect();
        if others.is_empty() {
            return Some(SpecKind::Calendar);
        }
        ctx.error(
            span,
            format!(
                "[[freeze]] has several time specs (calendar, {})",
                others.join(", ")
            ),
            Some("a freeze with `ics` takes its times from the calendar only".into()),
        );
        return None;
    }
    // `cron` alone does not say which of the two cron specs is meant.
    let given: Vec<SpecKind> = SpecKind::TIMED
        .into_iter()
        .filter(|s| s.keys().iter().any(|k| *k != "cron" && present(k)))
        .collect();
    let several = |ctx: &mut FileCtx<'_>, labels: String| {
        ctx.error(
            span,
            format!("{what} has several time specs ({labels})"),
            Some(format!("give exactly one of {OPTIONS}")),
        );
    };
    let spec = match given.as_slice() {
        [] if present("cron") => {
            ctx.error(
                span,
                format!("{what} has `cron` but no `duration` or `until_cron`"),
                Some("add `duration = \"2h\"` or `until_cron = \"0 6 * * mon\"`".into()),
            );
            return None;
        }
        [] => {
            ctx.error(
                span,
                format!("{what} has no time spec"),
                Some(format!("give exactly one of {OPTIONS}")),
            );
            return None;
        }
        [one] if present("cron") && !one.keys().contains(&"cron") => {
            several(ctx, format!("{}, cron", one.label()));
            return None;
        }
        [one] => *one,
        many => {
            let labels: Vec<&str> = many.iter().map(|s| s.label()).collect();
            several(ctx, labels.join(", "));
            return None;
        }
    };
    let missing: Vec<String> = spec
        .keys()
        .iter()
        .filter(|k| !present(k))
        .map(|k| format!("`{k}`"))
        .collect();
    if !missing.is_empty() {
        let all: Vec<String> = spec.keys().iter().map(|k| format!("`{k}`")).collect();
        ctx.error(
            span,
            format!("{what} {} needs {}", spec.label(), missing.join(" and ")),
            Some(format!("a {} is {}", spec.label(), all.join(", "))),
        );
        return None;
    }
    Some(spec)
}

/// Reads a timed spec whose keys are all present (as [`choose`] found);
/// `None` for [`SpecKind::Calendar`], which the calendar reader reads.
pub(crate) fn read(
    ctx: &mut FileCtx<'_>,
    table: &DeTable<'_>,
    spec: SpecKind,
    tz: Tz,
) -> Option<TimeSpec> {
    let entry = |k: &str| get(table, k);
    match spec {
        SpecKind::DailyRange => {
            let days = days(ctx, &entry("days")?);
            let start = clock(ctx, &entry("start")?, false);
            let end = clock(ctx, &entry("end")?, true);
            Some(TimeSpec::Daily {
                days: days?,
                start: start?,
                end: end?,
            })
        }
        SpecKind::WeeklySpan => {
            let from_e = entry("from")?;
            let from = week_time(ctx, &from_e, false);
            let to = week_time(ctx, &entry("to")?, true);
            let (from, to) = (from?, to?);
            if from == to {
                ctx.error(
                    &from_e.span(),
                    "`from` and `to` are the same moment",
                    Some("a weekly span needs two different times; for all week use `days = [\"daily\"]` with `start = end`".into()),
                );
                return None;
            }
            Some(TimeSpec::Weekly { from, to })
        }
        SpecKind::CronFor => {
            let cron = cron(ctx, &entry("cron")?);
            let d = duration(ctx, &entry("duration")?, TimeDelta::seconds(1));
            Some(TimeSpec::CronFor {
                cron: cron?,
                duration: d?,
            })
        }
        SpecKind::CronPair => {
            let cron_v = cron(ctx, &entry("cron")?);
            let until = cron(ctx, &entry("until_cron")?);
            Some(TimeSpec::CronUntil {
                cron: cron_v?,
                until: until?,
            })
        }
        SpecKind::OneTime => {
            let start_e = entry("start_at")?;
            let end_e = entry("end_at")?;
            let start = instant(ctx, &start_e, tz, Edge::Start);
            let end = instant(ctx, &end_e, tz, Edge::End);
            let (start, end) = (start?, end?);
            if end <= start {
                let help = if end < start {
                    "`end_at` comes before `start_at`: swap them? a one-time rule needs `end_at` later than `start_at`"
                } else {
                    "a one-time rule needs `end_at` later than `start_at`"
                };
                ctx.error(
                    &end_e.span(),
                    "`end_at` is not after `start_at`",
                    Some(help.into()),
                );
                return None;
            }
            Some(TimeSpec::Once { start, end })
        }
        SpecKind::Calendar => None,
    }
}

/// `days = ["mon-thu", "sun"]`: every entry read, every bad one reported.
fn days(ctx: &mut FileCtx<'_>, e: &Entry<'_, '_>) -> Option<DaySet> {
    let items = strings(ctx, e, "[\"mon-thu\", \"sun\"]")?;
    if items.is_empty() {
        ctx.error(
            &e.span(),
            "`days` is empty",
            Some("list days: `[\"mon-fri\"]` or `[\"daily\"]`".into()),
        );
        return None;
    }
    let mut set = DaySet::empty();
    let mut ok = true;
    for (d, sp) in &items {
        match DaySet::parse_entry(d) {
            Ok(s) => set = set.union(s),
            Err(err) => {
                ctx.syntax(sp, "days", err);
                ok = false;
            }
        }
    }
    ok.then_some(set)
}

fn clock(ctx: &mut FileCtx<'_>, e: &Entry<'_, '_>, allow_24: bool) -> Option<ClockTime> {
    let text = string(ctx, e, "\"22:00\"")?;
    ClockTime::parse(&text, allow_24)
        .map_err(|err| ctx.syntax(&e.span(), e.key, err))
        .ok()
}

fn week_time(ctx: &mut FileCtx<'_>, e: &Entry<'_, '_>, allow_24: bool) -> Option<WeekTime> {
    let text = string(ctx, e, "\"fri 17:00\"")?;
    WeekTime::parse(&text, allow_24)
        .map_err(|err| ctx.syntax(&e.span(), e.key, err))
        .ok()
}

fn cron(ctx: &mut FileCtx<'_>, e: &Entry<'_, '_>) -> Option<Cron> {
    let text = string(ctx, e, "\"0 22 * * mon-thu\"")?;
    Cron::parse(&text)
        .map_err(|err| ctx.syntax(&e.span(), e.key, err))
        .ok()
}

/// A one-time bound: RFC 3339 with an offset, or local time resolved at `edge`.
fn instant(
    ctx: &mut FileCtx<'_>,
    e: &Entry<'_, '_>,
    tz: Tz,
    edge: Edge,
) -> Option<chrono::DateTime<chrono::Utc>> {
    let text = string_or_datetime(ctx, e)?;
    match instant_at(&text, tz, edge) {
        Ok(t) => Some(t),
        Err(InstantError::Unsupported(err)) => {
            ctx.syntax(&e.span(), e.key, err);
            None
        }
        Err(InstantError::NotATime) => {
            let help = "write a local `2026-11-26T00:00` (read in the rule's zone) or RFC 3339 with an offset";
            ctx.error(
                &e.span(),
                format!("`{}`: `{text}` is not a date and time", e.key),
                Some(help.into()),
            );
            None
        }
    }
}
