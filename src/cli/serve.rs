//! `shipwindow serve` (the HTTP server, with its logging, state and reload
//! options) and `shipwindow audit` (reading the audit log it writes).

use super::error::CliError;
use super::exit::EXIT_ALLOWED;
use super::format::{WindowsFormat, to_json};
use super::github_app::GithubAppArgs;
use super::output::outln;
use super::state_dir::StateDirArg;
use super::store_arg::StoreArg;
use crate::server::{AppState, Tokens};
use crate::store::Store;
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Args, Debug)]
pub(super) struct ServeArgs {
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: std::net::SocketAddr,
    /// Bearer tokens for /v1/*, one a line (also $SHIPWINDOW_TOKENS, comma-separated)
    #[arg(long, value_name = "FILE")]
    tokens_file: Option<PathBuf>,
    /// Allow a non-loopback address although requests are not authenticated
    #[arg(long)]
    insecure_no_auth: bool,
    /// Reload the policy when files in the policy directory change
    #[arg(long)]
    watch: bool,
    #[command(flatten)]
    state: StateDirArg,
    #[command(flatten)]
    store: StoreArg,
    /// Read the store again this often even when no change is heard of (e.g.
    /// `30s`, `2m`; 1s to 1d): the fallback for missed notifications, and how
    /// a server on a SQLite file another process writes sees those writes
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = resync_period)]
    store_resync: std::time::Duration,
    /// The Slack app's signing secret, from a file (also $SHIPWINDOW_SLACK_SIGNING_SECRET)
    #[arg(long, value_name = "FILE")]
    slack_secret_file: Option<PathBuf>,
    /// Serve HTTPS with this PEM certificate chain (also $SHIPWINDOW_TLS_CERT);
    /// read again on SIGHUP and with --watch
    #[arg(
        long,
        value_name = "FILE",
        env = "SHIPWINDOW_TLS_CERT",
        requires = "tls_key"
    )]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert (also $SHIPWINDOW_TLS_KEY)
    #[arg(
        long,
        value_name = "FILE",
        env = "SHIPWINDOW_TLS_KEY",
        requires = "tls_cert"
    )]
    tls_key: Option<PathBuf>,
    /// Log lines as text or as one JSON object each
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// error, warn, info, debug (every request) or trace
    #[arg(long, default_value = "info")]
    log_level: tracing::Level,
    #[command(flatten)]
    github: GithubAppArgs,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Args, Debug)]
pub(super) struct AuditArgs {
    #[command(flatten)]
    state: StateDirArg,
    #[command(flatten)]
    store: StoreArg,
    /// Only entries at or after this time (RFC 3339, or local YYYY-MM-DDTHH:MM in UTC)
    #[arg(long)]
    since: Option<String>,
    /// At most this many entries, oldest first
    #[arg(long, default_value_t = 100)]
    limit: usize,
    #[arg(long, value_enum, default_value_t = WindowsFormat::Human)]
    pub(super) format: WindowsFormat,
}

fn init_logging(format: LogFormat, level: tracing::Level) {
    let json = format == LogFormat::Json;
    let _ = tracing::subscriber::set_global_default(log_subscriber(json, level, std::io::stderr));
}

/// The server's log subscriber, writing to `make`: text (one line an event, with
/// control characters in field values escaped by [`crate::text::LogWriter`],
/// since the text format writes values raw) or JSON lines (escaped the same way
/// where the encoder leaves them raw).
pub fn log_subscriber<W>(
    json: bool,
    level: tracing::Level,
    make: impl Fn() -> W + Send + Sync + 'static,
) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: std::io::Write + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_target(false);
    if json {
        let escaped = move || crate::text::LogWriter::json(make());
        Box::new(
            builder
                .with_writer(escaped)
                .json()
                .flatten_event(true)
                .finish(),
        )
    } else {
        let escaped = move || crate::text::LogWriter::text(make());
        Box::new(builder.with_writer(escaped).with_ansi(false).finish())
    }
}

/// The shortest and the longest `--store-resync`.
const RESYNC_BOUNDS: (u64, u64) = (1, 86_400);

/// `--store-resync`: a duration from one second to one day.
fn resync_period(text: &str) -> Result<std::time::Duration, String> {
    let parsed = crate::time::duration::parse_duration(text.trim()).map_err(|e| e.to_string())?;
    let (least, most) = RESYNC_BOUNDS;
    u64::try_from(parsed.num_seconds())
        .ok()
        .filter(|secs| (least..=most).contains(secs))
        .map(std::time::Duration::from_secs)
        .ok_or_else(|| format!("`{text}` is out of range: give 1s to 1d"))
}

fn read_secret_file(flag: &str, path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path)
        .map_err(|e| CliError::Usage(format!("{flag}: cannot read {}: {e}", path.display())))
}

/// Runs the HTTP server until SIGINT or SIGTERM, then drains in-flight requests.
pub(super) fn serve(dir: PathBuf, args: &ServeArgs) -> Result<u8, CliError> {
    init_logging(args.log_format, args.log_level);
    let file_text = match &args.tokens_file {
        Some(path) => Some(read_secret_file("--tokens-file", path)?),
        None => None,
    };
    let env = std::env::var("SHIPWINDOW_TOKENS").ok();
    let tokens = Tokens::from_sources(file_text.as_deref(), env.as_deref());
    if let (Some(path), true) = (&args.tokens_file, tokens.is_empty()) {
        return Err(CliError::Usage(format!(
            "--tokens-file: {} holds no tokens\n  help: one token a line; blank lines and `#` comments are skipped",
            path.display()
        )));
    }
    if !args.listen.ip().is_loopback() && tokens.is_empty() && !args.insecure_no_auth {
        return Err(CliError::Usage(format!(
            "refusing to listen on {} without authentication\n  help: configure tokens (--tokens-file or $SHIPWINDOW_TOKENS), listen on 127.0.0.1, or pass --insecure-no-auth",
            args.listen
        )));
    }
    let slack_secret = match &args.slack_secret_file {
        Some(path) => Some(read_secret_file("--slack-secret-file", path)?),
        None => std::env::var("SHIPWINDOW_SLACK_SIGNING_SECRET").ok(),
    }
    .map(|s| s.trim().to_string())
    .filter(|s| !s.is_empty());
    let github = args.github.app()?;
    // The policy first: a server that cannot start leaves no state directory behind.
    // Calendar feeds are cached under the state directory too (`feeds/`).
    let load = crate::policy::LoadOptions {
        state_dir: args.state.state_dir.clone(),
        ..crate::policy::LoadOptions::from_env()
    };
    let policy = crate::policy::PolicySet::load_with(&dir, &load).map_err(CliError::Policy)?;
    let store = match args.store.url() {
        None => Store::open(&args.state.state_dir).map_err(|e| {
            CliError::Usage(format!(
                "--state-dir: {e}\n  help: point --state-dir (or $SHIPWINDOW_STATE_DIR) at a writable directory"
            ))
        })?,
        Some(url) => Store::connect(url).map_err(|e| {
            CliError::Usage(format!(
                "--store: {e}\n  help: give --store (or $SHIPWINDOW_STORE) as postgres://user:password@host:port/database for a running PostgreSQL"
            ))
        })?,
    };
    let (store_flag, store_note) = match args.store.url() {
        Some(_) => (
            "--store",
            format!(
                "; store {} (resync every {})",
                store.location(),
                crate::time::duration::format_duration(
                    chrono::TimeDelta::from_std(args.store_resync).unwrap_or_default()
                )
            ),
        ),
        None => ("--state-dir", String::new()),
    };
    let mut state = AppState::new(policy, store)
        .map_err(|e| CliError::Usage(format!("{store_flag}: {e}")))?
        .reloading_from(dir)
        .feeds_in(args.state.state_dir.clone())
        .with_resync(args.store_resync);
    let scheme = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => {
            let identity = crate::server::TlsIdentity::load(cert.clone(), key.clone())
                .map_err(|e| {
                    CliError::Usage(format!(
                        "{e}\n  help: give the server's certificate chain and its private key as PEM files"
                    ))
                })?;
            state = state.with_tls(identity);
            "https"
        }
        _ => "http",
    };
    let slack = if let Some(secret) = slack_secret {
        state = state.with_slack_secret(secret.into_bytes());
        "on"
    } else {
        "off (no signing secret)"
    };
    let github = match github {
        Some(app) => {
            let on = format!(
                "on (app {}, {}, holds up to {})",
                app.app_id(),
                app.api_url(),
                crate::time::duration::format_duration(app.max_hold())
            );
            state = state.with_github(app);
            on
        }
        None => "off".to_string(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Usage(format!("cannot start the server runtime: {e}")))?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| CliError::Usage(format!("cannot listen on {}: {e}", args.listen)))?;
        let addr = listener.local_addr().unwrap_or(args.listen);
        let state = Arc::new(state);
        let shutdown = shutdown_signal()
            .map_err(|e| CliError::Usage(format!("cannot listen for SIGTERM: {e}")))?;
        #[cfg(unix)]
        crate::server::reload_on_sighup(Arc::clone(&state))
            .map_err(|e| CliError::Usage(format!("cannot listen for SIGHUP: {e}")))?;
        // Kept alive until the server stops; dropping it ends the watching.
        let _watcher = if args.watch {
            Some(
                crate::server::watch_policies(Arc::clone(&state))
                    .map_err(|e| CliError::Usage(format!("--watch: {e}")))?,
            )
        } else {
            None
        };
        let auth = if tokens.is_empty() {
            "off".to_string()
        } else {
            format!("{tokens:?}")
        };
        tracing::info!(
            "authentication {auth}; slack {slack}; github {github}; state {}{store_note}; watch {}",
            args.state.state_dir.display(),
            if args.watch { "on" } else { "off" }
        );
        // What `validate` would warn about, so whoever starts the server sees it.
        for w in &state.policy().warnings {
            let first = w.to_string();
            let first = first.lines().next().unwrap_or_default();
            tracing::warn!("policy warning (see `shipwindow validate`): {first}");
        }
        let (rules, freezes, fingerprint) = state.summary();
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        tracing::info!(
            "serving {} and {} (policy {fingerprint}) on {scheme}://{addr}",
            plural(rules, "rule", "rules"),
            plural(freezes, "runtime freeze", "runtime freezes")
        );
        crate::server::serve(listener, state, tokens, shutdown)
            .await
            .map_err(|e| CliError::Usage(format!("server error: {e}")))?;
        tracing::info!("stopped");
        Ok(EXIT_ALLOWED)
    })
}

/// Listens for SIGINT and SIGTERM from now on and resolves on the first. The
/// handlers are installed when this is called, not when the future is first
/// polled, so a stop signal that arrives before the server has served anything
/// still stops it gracefully instead of ending the process.
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut term = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = term.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

/// Prints the audit log from `--state-dir` (read-only: a server may be writing).
pub(super) fn audit(args: &AuditArgs) -> Result<u8, CliError> {
    let store = Store::select_to_read(args.store.url(), &args.state.state_dir)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let since = args
        .since
        .as_deref()
        .map(|t| crate::time::parse_instant(t, chrono_tz::UTC))
        .transpose()
        .map_err(|e| CliError::Usage(format!("--since: {e}")))?;
    if args.limit == 0 {
        return Err(CliError::Usage("--limit: must be at least 1".into()));
    }
    let entries = store
        .audit(since, args.limit)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    match args.format {
        WindowsFormat::Json => {
            #[derive(serde::Serialize)]
            struct Entries<'a> {
                entries: &'a [crate::store::AuditEntry],
            }
            outln!("{}", to_json(&Entries { entries: &entries }))
        }
        WindowsFormat::Human => {
            if entries.is_empty() {
                outln!("no audit entries");
            }
            for e in &entries {
                outln!(
                    "{}  #{:<5} {:<13} {:<24} {}",
                    e.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    e.id,
                    e.action.as_str(),
                    crate::text::escape(&e.actor),
                    crate::text::escape(&e.detail.to_string())
                );
            }
        }
    }
    Ok(EXIT_ALLOWED)
}
