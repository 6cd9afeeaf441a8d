//! The flags of `traffic`, read into one request before Prometheus is asked,
//! and the command itself: read the series, build the profile, print it.
//! Exit 0 when it finds a window, 1 when it finds none, 2 for bad input or a
//! server that cannot answer.

use super::report::{Asked, Report};
use super::{human, svg, toml};
use crate::cli::error::CliError;
use crate::cli::exit::{EXIT_ALLOWED, EXIT_DENIED};
use crate::cli::format::to_json;
use crate::cli::output::out;
use crate::policy::{LoadOptions, PolicySet, valid_name};
use crate::time::duration::parse_duration;
use crate::time::{parse_instant, parse_zone};
use crate::traffic::{Auth, Below, ProfileQuery, Step, fetch};
use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TrafficFormat {
    Human,
    Json,
    Svg,
    Toml,
}

#[derive(Args, Debug)]
pub(crate) struct TrafficArgs {
    /// The Prometheus server's base address, e.g. http://prometheus:9090
    /// (`https://user:password@host` for basic auth)
    #[arg(long, value_name = "URL")]
    pub prometheus: String,
    /// PromQL that gives one series, e.g. 'sum(rate(http_requests_total{service="web"}[5m]))'
    #[arg(long)]
    pub query: String,
    /// How far back the profile reads (7d to 366d)
    #[arg(long, default_value = "28d")]
    pub lookback: String,
    /// The slot length; it must divide a day (15m, 30m, 1h, …)
    #[arg(long, default_value = "15m")]
    pub step: String,
    /// Low slots: at or below this percentile of the slot medians (p25) or value (120)
    #[arg(long, default_value = "p25")]
    pub below: String,
    /// Drop windows shorter than this
    #[arg(long, default_value = "1h")]
    pub min_length: String,
    /// The zone whose wall clock the slots are in (default: the policy set's zone)
    #[arg(long)]
    pub zone: Option<String>,
    /// The end of the lookback: RFC 3339, or local YYYY-MM-DDTHH:MM in the zone (default: now)
    #[arg(long)]
    pub end: Option<String>,
    /// A file holding a bearer token (also $SHIPWINDOW_PROMETHEUS_TOKEN)
    #[arg(long, value_name = "FILE", conflicts_with = "basic_auth_file")]
    pub token_file: Option<PathBuf>,
    /// A file holding `user:password` for basic auth
    #[arg(long, value_name = "FILE")]
    pub basic_auth_file: Option<PathBuf>,
    /// How long one request to Prometheus may take
    #[arg(long, default_value = "30s")]
    pub timeout: String,
    /// The name of the `[[window]]` tables of --format toml (numbered from 1)
    #[arg(long, default_value = "low-traffic")]
    pub name: String,
    /// human (a table and the windows), json, svg (a heat map) or toml (the
    /// `[[window]]` tables, ready to paste)
    #[arg(long, value_enum, default_value_t = TrafficFormat::Human)]
    pub format: TrafficFormat,
}

fn flag<T, E: std::fmt::Display>(name: &str, r: Result<T, E>) -> Result<T, CliError> {
    r.map_err(|e| CliError::Usage(format!("--{name}: {e}")))
}

/// Runs `traffic`; the policy directory only gives the default zone.
pub(crate) fn traffic(dir: &Path, args: &TrafficArgs) -> Result<u8, CliError> {
    let zone = match &args.zone {
        Some(z) => flag("zone", parse_zone(z))?,
        None => PolicySet::load_with(dir, &LoadOptions::from_env())
            .map(|p| p.settings.timezone)
            .map_err(|_| {
                CliError::Usage(format!(
                    "--zone: not given, and the policy set in `{}` does not load to give its zone; pass --zone, e.g. --zone Europe/Berlin",
                    dir.display()
                ))
            })?,
    };
    let lookback = flag("lookback", parse_duration(&args.lookback))?;
    if !(TimeDelta::days(7)..=crate::traffic::MAX_LOOKBACK).contains(&lookback) {
        return Err(CliError::Usage(format!(
            "--lookback: `{}` is outside 7d to 366d (a weekly profile needs every slot of the week at least once; 28d takes the median of four weeks)",
            args.lookback
        )));
    }
    let step = flag("step", parse_duration(&args.step).and_then(Step::new))?;
    let below = flag("below", Below::parse(&args.below))?;
    let min_length = flag("min-length", parse_duration(&args.min_length))?;
    let timeout = flag("timeout", parse_duration(&args.timeout))?;
    let timeout = timeout
        .to_std()
        .ok()
        .filter(|t| !t.is_zero() && t.as_secs() <= 600)
        .ok_or_else(|| {
            CliError::Usage(format!(
                "--timeout: `{}` must be longer than zero and at most 10m",
                args.timeout
            ))
        })?;
    if args.query.trim().is_empty() {
        return Err(CliError::Usage(
            "--query: empty; give the PromQL of one series, e.g. 'sum(rate(http_requests_total[5m]))'".into(),
        ));
    }
    if !valid_name(&args.name) {
        return Err(CliError::Usage(format!(
            "--name: `{}` is not a rule name (lowercase letters, digits, `-` and `_`, starting with a letter or digit)",
            args.name
        )));
    }
    let end: DateTime<Utc> = match &args.end {
        Some(t) => flag("end", parse_instant(t, zone))?,
        None => Utc::now().trunc_subsecs(0),
    };
    let auth = auth(args)?;
    let q = ProfileQuery {
        prometheus: args.prometheus.clone(),
        query: args.query.clone(),
        zone,
        lookback,
        step,
    };
    let profile = fetch(&q, auth, end, timeout).map_err(|e| CliError::Usage(e.to_string()))?;
    let report = Report::new(
        &Asked {
            prometheus: &crate::traffic::Prometheus::new(&args.prometheus, Auth::None)
                .map(|p| p.address().to_string())
                .unwrap_or_default(),
            query: &args.query,
            zone,
            lookback,
            end,
            below,
            min_length,
        },
        &profile,
    );
    match args.format {
        TrafficFormat::Human => out!("{}", human::render(&report)),
        TrafficFormat::Json => out!("{}\n", to_json(&report)),
        TrafficFormat::Svg => out!("{}", svg::render(&report)),
        TrafficFormat::Toml => out!("{}", toml::render(&report, &args.name)),
    }
    Ok(if report.windows.is_empty() {
        EXIT_DENIED
    } else {
        EXIT_ALLOWED
    })
}

fn auth(args: &TrafficArgs) -> Result<Auth, CliError> {
    if let Some(path) = &args.basic_auth_file {
        let text = secret(path).map_err(|e| CliError::Usage(format!("--basic-auth-file: {e}")))?;
        let (user, password) = text.split_once(':').ok_or_else(|| {
            CliError::Usage(format!(
                "--basic-auth-file: `{}` does not hold `user:password`",
                path.display()
            ))
        })?;
        return Ok(Auth::Basic {
            user: user.to_string(),
            password: password.to_string(),
        });
    }
    if let Some(path) = &args.token_file {
        let token = secret(path).map_err(|e| CliError::Usage(format!("--token-file: {e}")))?;
        return Ok(Auth::Bearer(token));
    }
    match std::env::var("SHIPWINDOW_PROMETHEUS_TOKEN") {
        Ok(t) if !t.trim().is_empty() => Ok(Auth::Bearer(t.trim().to_string())),
        _ => Ok(Auth::None),
    }
}

/// The trimmed contents of a small secret file; never echoed.
fn secret(path: &Path) -> Result<String, String> {
    /// A token or `user:password` is a line, not a file of megabytes.
    const MAX_SECRET_BYTES: u64 = 64 * 1024;
    let size = std::fs::metadata(path)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?
        .len();
    if size > MAX_SECRET_BYTES {
        return Err(format!(
            "`{}` is larger than {MAX_SECRET_BYTES} bytes; it should hold one line",
            path.display()
        ));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let text = text.trim().to_string();
    if text.is_empty() {
        return Err(format!("`{}` is empty", path.display()));
    }
    Ok(text)
}
