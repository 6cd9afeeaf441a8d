//! The `serve` flags of the GitHub deployment protection rule (each also an
//! environment variable), turned into a configured App or a clear error.

use super::error::CliError;
use crate::server::github::{AppKey, DEFAULT_API_URL, GithubApp};
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args, Debug, Default)]
pub(super) struct GithubAppArgs {
    /// The GitHub App's id: serves POST /v1/github/webhook, the deployment
    /// protection rule (with --github-private-key and a webhook secret)
    #[arg(long, value_name = "ID", env = "SHIPWINDOW_GITHUB_APP_ID")]
    github_app_id: Option<String>,
    /// The App's private key (the PEM file GitHub gave)
    #[arg(long, value_name = "FILE", env = "SHIPWINDOW_GITHUB_PRIVATE_KEY")]
    github_private_key: Option<PathBuf>,
    /// The App's webhook secret, from a file (also $SHIPWINDOW_GITHUB_WEBHOOK_SECRET)
    #[arg(
        long,
        value_name = "FILE",
        env = "SHIPWINDOW_GITHUB_WEBHOOK_SECRET_FILE"
    )]
    github_webhook_secret_file: Option<PathBuf>,
    /// The longest a deployment is held for its window, at most 30d
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "24h",
        env = "SHIPWINDOW_GITHUB_MAX_HOLD"
    )]
    github_max_hold: String,
    /// GitHub's REST API (GitHub Enterprise Server: https://HOST/api/v3)
    #[arg(long, value_name = "URL", default_value = DEFAULT_API_URL, env = "SHIPWINDOW_GITHUB_API_URL")]
    github_api_url: String,
}

fn usage(message: String) -> CliError {
    CliError::Usage(message)
}

fn read(flag: &str, path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|e| usage(format!("{flag}: cannot read {}: {e}", path.display())))
}

impl GithubAppArgs {
    /// The App these flags configure; `None` without `--github-app-id`.
    pub(super) fn app(&self) -> Result<Option<GithubApp>, CliError> {
        let Some(app_id) = &self.github_app_id else {
            let stray = [
                ("--github-private-key", self.github_private_key.is_some()),
                (
                    "--github-webhook-secret-file",
                    self.github_webhook_secret_file.is_some(),
                ),
            ];
            if let Some((flag, _)) = stray.iter().find(|(_, set)| *set) {
                return Err(usage(format!(
                    "{flag} needs --github-app-id\n  help: give the App's id (or $SHIPWINDOW_GITHUB_APP_ID) to serve the deployment protection rule"
                )));
            }
            return Ok(None);
        };
        let Some(key_file) = &self.github_private_key else {
            return Err(usage(
                "--github-app-id needs --github-private-key FILE\n  help: the PEM file GitHub gave when the App's private key was generated".into(),
            ));
        };
        let key = AppKey::from_pem(app_id, &read("--github-private-key", key_file)?).map_err(|e| {
            usage(format!(
                "--github-private-key: {}: {e}\n  help: use the `.pem` file from the App's settings (\"Generate a private key\")",
                key_file.display()
            ))
        })?;
        let secret = match &self.github_webhook_secret_file {
            Some(path) => String::from_utf8_lossy(&read("--github-webhook-secret-file", path)?)
                .trim()
                .to_string(),
            None => std::env::var("SHIPWINDOW_GITHUB_WEBHOOK_SECRET")
                .unwrap_or_default()
                .trim()
                .to_string(),
        };
        if secret.is_empty() {
            return Err(usage(
                "--github-app-id needs the App's webhook secret\n  help: pass --github-webhook-secret-file FILE or set $SHIPWINDOW_GITHUB_WEBHOOK_SECRET".into(),
            ));
        }
        let max_hold = crate::time::duration::parse_duration(&self.github_max_hold).map_err(|e| {
            usage(format!(
                "--github-max-hold: {}\n  help: a duration from 1s to 30d, such as `24h` or `7d`",
                e.message
            ))
        })?;
        GithubApp::new(key, secret.into_bytes(), max_hold, &self.github_api_url)
            .map(Some)
            .map_err(|e| {
                let flag = match e {
                    crate::server::github::GithubAppError::MaxHold(_) => "--github-max-hold",
                    crate::server::github::GithubAppError::ApiUrl(_) => "--github-api-url",
                    crate::server::github::GithubAppError::NoSecret => {
                        "--github-webhook-secret-file"
                    }
                };
                usage(format!("{flag}: {e}"))
            })
    }
}
