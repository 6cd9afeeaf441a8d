//! `diff`'s flags.

use crate::cli::state_dir::StateDirArg;
use crate::cli::store_arg::StoreArg;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DiffFormat {
    Human,
    Json,
    Github,
    Svg,
}

#[derive(Args, Debug)]
pub(crate) struct DiffArgs {
    /// The policy before the change: a directory, or else a git ref
    /// (`origin/main`) at which the --head directory is read with git, with no
    /// checkout
    #[arg(long, value_name = "DIR|GIT-REF")]
    pub(crate) base: String,
    /// The policy after the change (default: --policies, else
    /// $SHIPWINDOW_POLICIES, else ./policies)
    #[arg(long, value_name = "DIR")]
    pub(crate) head: Option<PathBuf>,
    /// Start: RFC 3339, local YYYY-MM-DDTHH:MM in the head policy's zone, `now`,
    /// or relative to now (`+1d`) (default: now)
    #[arg(long, allow_hyphen_values = true)]
    pub(crate) from: Option<String>,
    /// End: as --from, where `+30d` counts from --from (default: --from + 30d)
    #[arg(long, allow_hyphen_values = true)]
    pub(crate) to: Option<String>,
    /// Only services matching this glob; a plain name is compared even when
    /// neither policy names it
    #[arg(long, value_name = "GLOB")]
    pub(crate) service: Option<String>,
    /// Only environments matching this glob; a plain name is compared even
    /// when neither policy names it
    #[arg(long, value_name = "GLOB")]
    pub(crate) env: Option<String>,
    /// human, json, github (a Markdown summary for the pull request) or svg
    /// (both timelines and the difference)
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    pub(crate) format: DiffFormat,
    /// Exit 1 when the change blocks time that was open, or a held deploy
    #[arg(long)]
    pub(crate) fail_on_new_blocks: bool,
    #[command(flatten)]
    pub(crate) state: StateDirArg,
    #[command(flatten)]
    pub(crate) store: StoreArg,
}
