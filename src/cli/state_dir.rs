//! `--state-dir`, declared once for every command that keeps or reads state.

use clap::Args;
use std::path::PathBuf;

/// Where shipwindow keeps what outlives one command.
#[derive(Args, Debug, Clone)]
pub(super) struct StateDirArg {
    /// Where state is kept: the server's audit log and runtime freezes (SQLite),
    /// the runner's lock, journal, deployed versions and live blue-green colour
    /// (which blue-green plans start from), and cached calendar feeds
    #[arg(
        long = "state-dir",
        value_name = "DIR",
        env = "SHIPWINDOW_STATE_DIR",
        default_value = ".shipwindow"
    )]
    pub(super) state_dir: PathBuf,
}
