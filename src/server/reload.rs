//! Reloading the policy while serving: on SIGHUP, with `--watch` when files in
//! the policy directory (or the TLS pair's) change, and when a calendar feed is
//! due for a refresh. A reload is logged, counted and audited; one that fails
//! leaves the last good policy (and TLS pair) serving.

use super::state::AppState;
use crate::store::{AuditAction, NewAuditEntry};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// Reloads once and reports the outcome (log, audit). `trigger` says why.
pub async fn reload_and_report(state: Arc<AppState>, trigger: &'static str) {
    let worker = Arc::clone(&state);
    let outcome = match tokio::task::spawn_blocking(move || worker.reload()).await {
        Ok(outcome) => outcome,
        Err(e) => {
            tracing::error!(error = %e, "the reload task failed");
            return;
        }
    };
    let fingerprint = state.served_guard().files.fingerprint.clone();
    let mut detail = match &outcome {
        Ok(()) => {
            tracing::info!(trigger, policy = %fingerprint, "policy reloaded");
            json!({ "trigger": trigger, "ok": true, "policy": fingerprint })
        }
        Err(e) => {
            tracing::error!(trigger, policy = %fingerprint, error = %e, "reload failed; still serving the last good policy");
            json!({ "trigger": trigger, "ok": false, "policy": fingerprint, "error": e.to_string() })
        }
    };
    if let Some(tls) = &state.tls {
        detail["tls"] = match tls.reload() {
            Ok(()) => {
                tracing::info!(trigger, "TLS certificate reloaded");
                json!({ "ok": true })
            }
            Err(e) => {
                tracing::error!(trigger, error = %e, "TLS reload failed; still serving the last good certificate");
                json!({ "ok": false, "error": e.to_string() })
            }
        };
    }
    let entry = NewAuditEntry {
        at: state.now(),
        action: AuditAction::Reload,
        actor: trigger.to_string(),
        detail,
    };
    // Failures are logged by `audit`; a reload is not undone for them.
    let _ = state.audit(entry).await;
}

/// Reloads the policy on every SIGHUP from now on. The handler is registered
/// before this returns, so a SIGHUP sent right after startup reloads instead of
/// ending the process. Call it inside the runtime.
#[cfg(unix)]
pub fn reload_on_sighup(state: Arc<AppState>) -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hangups = signal(SignalKind::hangup())?;
    tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            reload_and_report(Arc::clone(&state), "sighup").await;
        }
    });
    Ok(())
}

/// A policy file, or a directory (whose renaming may move policy files).
fn is_policy_path(path: &std::path::Path) -> bool {
    match path.extension() {
        Some(ext) => ext == "toml" || ext == "ics",
        None => true,
    }
}

/// Editors and `git checkout` write several files in a burst; one reload after
/// the burst settles sees them all.
const SETTLE: Duration = Duration::from_millis(200);

/// Watches the policy directory (recursively) and reloads after each burst of
/// changes. The returned watcher must be kept alive for as long as watching
/// should go on.
pub fn watch_policies(state: Arc<AppState>) -> notify::Result<notify::RecommendedWatcher> {
    use notify::{EventKind, RecursiveMode, Watcher};
    let Some(dir) = state.dir.clone() else {
        return Err(notify::Error::generic("no policy directory to watch"));
    };
    // The TLS pair's directories too: a renewed certificate is reloaded.
    let tls_dirs = state
        .tls
        .as_ref()
        .map(|t| t.directories())
        .unwrap_or_default();
    let watched_tls = tls_dirs.clone();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let in_tls_dir = |p: &std::path::Path| watched_tls.iter().any(|d| p.starts_with(d));
        match event {
            // Reads change nothing, and neither do files the loader does not read
            // (an editor's swap file, a README).
            Ok(e) if matches!(e.kind, EventKind::Access(_)) => {}
            Ok(e) if !e.paths.iter().any(|p| is_policy_path(p) || in_tls_dir(p)) => {
                tracing::debug!(paths = ?e.paths, "not a policy file; no reload");
            }
            Ok(_) => {
                let _ = tx.send(());
            }
            Err(e) => tracing::warn!(error = %e, "watching the policy directory"),
        }
    })?;
    watcher.watch(&dir, RecursiveMode::Recursive)?;
    for tls_dir in &tls_dirs {
        watcher.watch(tls_dir, RecursiveMode::NonRecursive)?;
    }
    tokio::spawn(async move {
        while rx.recv().await.is_some() {
            // Wait until no event has come for SETTLE.
            loop {
                match tokio::time::timeout(SETTLE, rx.recv()).await {
                    Ok(Some(())) => continue,
                    Ok(None) => return,
                    Err(_) => break,
                }
            }
            reload_and_report(Arc::clone(&state), "watch").await;
        }
    });
    Ok(watcher)
}

/// How often the server looks whether a calendar feed is due for a refresh, and
/// the least time between two refreshing reloads.
pub const FEED_CHECK: Duration = Duration::from_secs(30);

/// Loads the policy again whenever one of its calendar feeds is due for a
/// refresh (`refresh` on the rule): the loader fetches what is due and keeps the
/// rest. A failed fetch serves the last copy and says so (`stale`); a reload that
/// fails keeps the last good policy, as on SIGHUP. Reloads that change nothing
/// are logged at debug level only, not audited.
pub(super) async fn refresh_feeds(state: Arc<AppState>) {
    if state.dir.is_none() {
        return;
    }
    // After a reload that fails, the next try waits: the policy files are broken
    // (a SIGHUP or `--watch` reload tells when they are fixed).
    let mut quiet_until = state.now();
    loop {
        tokio::time::sleep(FEED_CHECK).await;
        if state.now() < quiet_until {
            continue;
        }
        let (due, before) = {
            let served = state.served_guard();
            (
                served.files.next_feed_refresh(),
                served.files.fingerprint.clone(),
            )
        };
        if due.is_none_or(|d| d > state.now()) {
            continue;
        }
        let worker = Arc::clone(&state);
        let outcome = match tokio::task::spawn_blocking(move || worker.reload()).await {
            Ok(outcome) => outcome,
            Err(e) => {
                tracing::error!(error = %e, "the feed refresh task failed");
                continue;
            }
        };
        let after = state.served_guard().files.fingerprint.clone();
        let detail = match &outcome {
            Ok(()) if after == before => {
                tracing::debug!(policy = %after, stale = ?state.stale_feeds(), "calendar feeds checked; nothing changed");
                continue;
            }
            Ok(()) => {
                tracing::info!(policy = %after, stale = ?state.stale_feeds(), "calendar feeds refreshed; policy reloaded");
                serde_json::json!({ "trigger": "feeds", "ok": true, "policy": after })
            }
            Err(e) => {
                quiet_until = state.now() + chrono::TimeDelta::minutes(5);
                tracing::error!(policy = %after, error = %e, "feed refresh failed to load; still serving the last good policy");
                serde_json::json!({ "trigger": "feeds", "ok": false, "policy": after, "error": e.to_string() })
            }
        };
        let entry = NewAuditEntry {
            at: state.now(),
            action: AuditAction::Reload,
            actor: "feeds".into(),
            detail,
        };
        let _ = state.audit(entry).await;
    }
}
