//! `--store`, declared once for `serve` and `audit`: which store holds the
//! server's state (a PostgreSQL URL, or by default the SQLite file under
//! `--state-dir`).

use clap::Args;

#[derive(Args, Debug, Clone)]
pub(super) struct StoreArg {
    /// Keep the server's state in this PostgreSQL database
    /// (postgres://user:password@host:port/database; also $SHIPWINDOW_STORE)
    /// instead of the SQLite file under --state-dir
    #[arg(
        long = "store",
        value_name = "URL",
        env = "SHIPWINDOW_STORE",
        hide_env_values = true
    )]
    store: Option<String>,
}

impl StoreArg {
    /// No URL: the SQLite file under the state directory.
    #[cfg(test)]
    pub(super) fn none() -> StoreArg {
        StoreArg { store: None }
    }

    /// The URL given, if any (an empty `$SHIPWINDOW_STORE` is none).
    pub(super) fn url(&self) -> Option<&str> {
        self.store
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
    }
}
