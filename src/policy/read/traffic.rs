//! The `traffic = { … }` of a `[[window]]`: its keys, and the profile read
//! from Prometheus (or its cached copy) while the policy loads, so that a
//! window whose traffic cannot be had is a load error at its place — the
//! policy fails closed — and a stale copy is used and reported.

use super::calendar::Calendars;
use super::time_spec::SpecKind;
use super::toolkit::{Entry, FileCtx, duration, get, reject_unknown, string, type_name};
use crate::credentials;
use crate::time::duration::parse_duration;
use crate::traffic::{
    Auth, Below, CacheOptions, MAX_LOOKBACK, ProfileQuery, Step, TrafficSource, TrafficSpec, obtain,
};
use chrono::TimeDelta;
use chrono_tz::Tz;
use std::ops::Range;
use toml::de::{DeTable, DeValue};

/// The keys of a `traffic` table, required ones first.
const TRAFFIC_KEYS: [&str; 8] = [
    "prometheus",
    "query",
    "below",
    "lookback",
    "refresh",
    "step",
    "min_length",
    "token_env",
];
const REQUIRED: [&str; 5] = ["prometheus", "query", "below", "lookback", "refresh"];

/// The slot length when `step` is not given.
pub const DEFAULT_STEP: TimeDelta = TimeDelta::minutes(15);
/// The shortest run kept when `min_length` is not given: shorter than an hour
/// rarely fits a deploy and its monitoring.
pub const DEFAULT_MIN_LENGTH: TimeDelta = TimeDelta::hours(1);
/// The shortest lookback: every slot of the week seen once.
const MIN_LOOKBACK: TimeDelta = TimeDelta::days(7);

const EXAMPLE: &str = "traffic = { prometheus = \"http://prometheus:9090\", query = \"sum(rate(http_requests_total{service=\\\"web\\\"}[5m]))\", below = \"p25\", lookback = \"28d\", refresh = \"1d\" }";

/// Reads a `[[window]]`'s `traffic` (and checks it gives no other time spec);
/// `None` when it has problems (all reported).
pub(crate) fn traffic_source(
    ctx: &mut FileCtx<'_>,
    table: &DeTable<'_>,
    span: &Range<usize>,
    tz: Tz,
    cals: &mut Calendars<'_>,
) -> Option<TrafficSource> {
    let e = get(table, "traffic")?;
    let others: Vec<&str> = SpecKind::timed_keys()
        .into_iter()
        .filter(|k| get(table, k).is_some())
        .collect();
    if !others.is_empty() {
        let list = others
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ");
        ctx.error(
            span,
            format!("[[window]] has several time specs (traffic, {list})"),
            Some("a window with `traffic` takes its times from the traffic profile only".into()),
        );
        return None;
    }
    let t = match e.value.get_ref() {
        DeValue::Table(t) => t,
        other => {
            ctx.error(
                &e.span(),
                format!("`traffic` must be a table, found {}", type_name(other)),
                Some(format!("write `{EXAMPLE}`")),
            );
            return None;
        }
    };
    let before = ctx.count();
    reject_unknown(ctx, t, "`traffic`", &TRAFFIC_KEYS, |_| None);
    for key in REQUIRED {
        if get(t, key).is_none() {
            ctx.error(
                &e.span(),
                format!("`traffic` has no `{key}`"),
                Some(format!(
                    "`traffic` needs {}; e.g. `{EXAMPLE}`",
                    REQUIRED.map(|k| format!("`{k}`")).join(", ")
                )),
            );
        }
    }
    let prometheus = get(t, "prometheus").and_then(|e| address(ctx, &e));
    let query = get(t, "query").and_then(|e| {
        let q = string(ctx, &e, "\"sum(rate(http_requests_total[5m]))\"")?;
        if q.trim().is_empty() {
            ctx.error(
                &e.span(),
                "`query` is empty",
                Some("give the PromQL of one series: `query = \"sum(rate(http_requests_total[5m]))\"`".into()),
            );
            return None;
        }
        Some(q)
    });
    let below = get(t, "below").and_then(|e| {
        let text = string(ctx, &e, "\"p25\"")?;
        Below::parse(&text)
            .map_err(|err| ctx.syntax(&e.span(), "below", err))
            .ok()
    });
    let lookback = get(t, "lookback").and_then(|e| {
        let d = duration(ctx, &e, TimeDelta::seconds(1))?;
        if !(MIN_LOOKBACK..=MAX_LOOKBACK).contains(&d) {
            ctx.error(
                &e.span(),
                "`lookback` must be from 7d to 366d",
                Some("a weekly profile needs every slot of the week at least once; `28d` takes the median of four weeks".into()),
            );
            return None;
        }
        Some(d)
    });
    let refresh = get(t, "refresh").and_then(|e| duration(ctx, &e, TimeDelta::zero()));
    let step = match get(t, "step") {
        None => Step::new(DEFAULT_STEP).ok(),
        Some(e) => string(ctx, &e, "\"15m\"").and_then(|text| {
            parse_duration(&text)
                .and_then(Step::new)
                .map_err(|err| ctx.syntax(&e.span(), "step", err))
                .ok()
        }),
    };
    let min_length = match get(t, "min_length") {
        None => Some(DEFAULT_MIN_LENGTH),
        Some(e) => duration(ctx, &e, TimeDelta::zero()),
    };
    let token_env = match get(t, "token_env") {
        None => Some(None),
        Some(e) => string(ctx, &e, "\"PROMETHEUS_TOKEN\"").and_then(|name| {
            if name.is_empty() || name.contains(['=', '\0']) {
                ctx.error(
                    &e.span(),
                    format!("`token_env` `{name}` is not an environment variable name"),
                    Some("name the variable that holds the bearer token: `token_env = \"PROMETHEUS_TOKEN\"`".into()),
                );
                return None;
            }
            Some(Some(name))
        }),
    };
    if ctx.count() > before {
        return None;
    }
    let spec = TrafficSpec {
        query: ProfileQuery {
            prometheus: prometheus?,
            query: query?,
            zone: tz,
            lookback: lookback?,
            step: step?,
        },
        below: below?,
        min_length: min_length?,
        refresh: refresh?,
        token_env: token_env?,
    };
    let options = cals.options();
    let cache = CacheOptions {
        state_dir: options.state_dir.clone(),
        now: options.now,
        timeout: options.feed_timeout.max(std::time::Duration::from_secs(1)),
    };
    let token_env = spec.token_env.clone();
    let auth = move || match token_env {
        None => Ok(Auth::None),
        Some(name) => match std::env::var(&name) {
            Ok(token) if !token.trim().is_empty() => Ok(Auth::Bearer(token.trim().to_string())),
            _ => Err(format!(
                "`{name}` (the `token_env` of `traffic`) is not set"
            )),
        },
    };
    let shown = credentials::strip(&spec.query.prometheus);
    let copy = match obtain(&spec.query, spec.refresh, auth, &cache) {
        Ok(copy) => copy,
        Err(why) => {
            ctx.error(
                &e.span(),
                format!("`traffic`: cannot read the profile from Prometheus at {shown} and no copy of it is cached: {why}"),
                Some("nothing is decided without the window's times; check the address, the query and the network (a copy is kept once a read succeeds)".into()),
            );
            return None;
        }
    };
    let source = TrafficSource::new(spec, copy);
    // The fingerprint covers the windows derived, the part of the profile a
    // decision reads (the medians' floats need not read back bit for bit).
    cals.feeds.insert(
        format!("traffic:{shown}\n{}", source.spec.query.query),
        source.describe().into_bytes(),
    );
    if source.runs.is_empty() {
        ctx.warn(
            &e.span(),
            "the traffic profile gives no window at or below `below`: this window never opens",
            Some("raise `below`, lower `min_length`, or check that the query has data".into()),
        );
    }
    Some(source)
}

/// The Prometheus address: `http(s)://…`, shown without credentials.
fn address(ctx: &mut FileCtx<'_>, e: &Entry<'_, '_>) -> Option<String> {
    let text = string(ctx, e, "\"http://prometheus:9090\"")?;
    let lower = text.trim().to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) || lower.len() < 9 {
        ctx.error(
            &e.span(),
            format!(
                "`prometheus` `{}` is not an http(s) address",
                credentials::strip(&text)
            ),
            Some(
                "write the server's base address: `prometheus = \"http://prometheus:9090\"`".into(),
            ),
        );
        return None;
    }
    Some(text.trim().to_string())
}
