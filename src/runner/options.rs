//! What a run is asked to do: which strategy, which versions, where its state
//! lives, and which way to go (start, resume, roll back).

use std::path::PathBuf;

/// Which way to go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A new run (refused while the journal holds an unfinished one).
    Start,
    /// Finish the unfinished run in the journal.
    Resume,
    /// Undo the unfinished run in the journal.
    Rollback,
}

/// What `shipwindow run` was asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    pub policies: PathBuf,
    pub strategy: String,
    /// Required to start; with `--resume`/`--rollback` it must match the journal.
    pub version: Option<String>,
    pub previous: Option<String>,
    pub state_dir: PathBuf,
    pub mode: Mode,
}
