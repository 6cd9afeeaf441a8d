//! Reloading the policy while serving: on SIGHUP, and with `--watch` when files in
//! the policy directory change. A reload is logged, counted and audited; one that
//! fails leaves the last good policy serving.

use super::AppState;
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
    let detail = match &outcome {
        Ok(()) => {
            tracing::info!(trigger, policy = %fingerprint, "policy reloaded");
            json!({ "trigger": trigger, "ok": true, "policy": fingerprint })
        }
        Err(e) => {
            tracing::error!(trigger, policy = %fingerprint, error = %e, "reload failed; still serving the last good policy");
            json!({ "trigger": trigger, "ok": false, "policy": fingerprint, "error": e.to_string() })
        }
    };
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
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        match event {
            // Reads change nothing, and neither do files the loader does not read
            // (an editor's swap file, a README).
            Ok(e) if matches!(e.kind, EventKind::Access(_)) => {}
            Ok(e) if !e.paths.iter().any(|p| is_policy_path(p)) => {
                tracing::debug!(paths = ?e.paths, "not a policy file; no reload");
            }
            Ok(_) => {
                let _ = tx.send(());
            }
            Err(e) => tracing::warn!(error = %e, "watching the policy directory"),
        }
    })?;
    watcher.watch(&dir, RecursiveMode::Recursive)?;
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
