//! `shipwindow run`: executes a strategy's plan with its hooks (SPEC §6).

use super::CliError;
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub(super) struct RunArgs {
    /// The `[[strategy]]` to run
    #[arg(long)]
    strategy: String,
    /// The version to deploy ({version})
    #[arg(long)]
    version: String,
}

pub(super) fn run(_dir: PathBuf, args: &RunArgs) -> Result<u8, CliError> {
    Err(CliError::Usage(format!(
        "run --strategy {} --version {}: the runner is being built",
        args.strategy, args.version
    )))
}
