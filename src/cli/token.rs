//! The bearer token a command sends with `--remote`: from `--token-file`,
//! else `$SHIPWINDOW_TOKEN`.

use super::error::CliError;

/// The bearer token in `file`, else in `$SHIPWINDOW_TOKEN`.
pub(super) fn token_from(file: Option<&std::path::Path>) -> Result<Option<String>, CliError> {
    let text = match file {
        Some(path) => Some(std::fs::read_to_string(path).map_err(|e| {
            CliError::Usage(format!("--token-file: cannot read {}: {e}", path.display()))
        })?),
        None => std::env::var("SHIPWINDOW_TOKEN").ok(),
    };
    Ok(text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty()))
}
