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

impl Options {
    /// `--version` and `--previous`, when given, are words a hook can use: not
    /// blank, no surrounding spaces (the versions file would give back a
    /// different word) and no control characters (one line per file).
    pub fn check_versions(&self) -> Result<(), String> {
        for (flag, value) in [("--version", &self.version), ("--previous", &self.previous)] {
            if let Some(v) = value {
                version_word(v).map_err(|why| format!("{flag} `{}`: {why}", v.escape_debug()))?;
            }
        }
        Ok(())
    }
}

fn version_word(v: &str) -> Result<(), String> {
    if v.trim().is_empty() {
        Err("is blank; give a version, e.g. `v1.4.2` or a commit".into())
    } else if v.trim() != v {
        Err("has spaces around it; give the version alone".into())
    } else if let Err(e) = crate::text::check_line(v) {
        Err(e.to_string())
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 13, class 12: a blank or otherwise unusable version is bad input.
    #[test]
    fn blank_versions_are_refused() {
        let opts = |version: Option<&str>, previous: Option<&str>| Options {
            policies: PathBuf::new(),
            strategy: "s".into(),
            version: version.map(String::from),
            previous: previous.map(String::from),
            state_dir: PathBuf::new(),
            mode: Mode::Start,
        };
        assert_eq!(opts(Some("v2"), Some("v1")).check_versions(), Ok(()));
        assert_eq!(opts(None, None).check_versions(), Ok(()));
        for bad in [
            "",
            " ",
            "\t",
            " \n ",
            "v2 ",
            " v2",
            "v2\nv3",
            "\u{3000}",
            "v2\u{202e}",
            "v\u{2066}2",
            "v2\u{85}",
        ] {
            let err = opts(Some(bad), None).check_versions().unwrap_err();
            assert!(err.starts_with("--version `"), "{bad:?}: {err}");
            let err = opts(Some("v2"), Some(bad)).check_versions().unwrap_err();
            assert!(err.starts_with("--previous `"), "{bad:?}: {err}");
        }
    }
}
