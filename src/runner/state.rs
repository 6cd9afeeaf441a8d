//! The state directory (`--state-dir`, default `.shipwindow`):
//!
//! ```text
//! DIR/locks/<service>.<env>.lock     the run lock and its holder's details
//! DIR/runs/<service>.<env>.jsonl     the journal of the unfinished run, if any
//! DIR/runs/<service>.<env>.<run>.jsonl   journals of runs that ended
//! DIR/versions/<service>.<env>       the last version deployed successfully
//! DIR/bluegreen/<service>.<env>      blue-green: the live colour (`blue`/`green`)
//! ```
//!
//! Small files are replaced atomically (write beside, fsync, rename).

use crate::plan::Color;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct StateDir {
    root: PathBuf,
}

impl StateDir {
    pub fn new(root: impl Into<PathBuf>) -> StateDir {
        StateDir { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `<service>.<env>`, with anything but `[A-Za-z0-9_-]` (and dots inside
    /// the names) made `_` so a name can never leave the directory.
    pub fn key(service: &str, env: &str) -> String {
        fn safe(s: &str) -> String {
            let s: String = s
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            if s.is_empty() { "_".into() } else { s }
        }
        format!("{}.{}", safe(service), safe(env))
    }

    fn file(&self, dir: &str, service: &str, env: &str, ext: &str) -> PathBuf {
        self.root
            .join(dir)
            .join(format!("{}{ext}", StateDir::key(service, env)))
    }

    pub fn lock(&self, service: &str, env: &str) -> PathBuf {
        self.file("locks", service, env, ".lock")
    }

    pub fn journal(&self, service: &str, env: &str) -> PathBuf {
        self.file("runs", service, env, ".jsonl")
    }

    pub fn versions(&self, service: &str, env: &str) -> PathBuf {
        self.file("versions", service, env, "")
    }

    pub fn bluegreen(&self, service: &str, env: &str) -> PathBuf {
        self.file("bluegreen", service, env, "")
    }

    /// Creates the subdirectories.
    pub fn prepare(&self) -> std::io::Result<()> {
        for dir in ["locks", "runs", "versions", "bluegreen"] {
            std::fs::create_dir_all(self.root.join(dir))?;
        }
        Ok(())
    }

    /// The last version deployed successfully, if recorded.
    pub fn last_version(&self, service: &str, env: &str) -> std::io::Result<Option<String>> {
        read_word(&self.versions(service, env))
    }

    pub fn set_last_version(&self, service: &str, env: &str, version: &str) -> std::io::Result<()> {
        write_atomic(&self.versions(service, env), &format!("{version}\n"))
    }

    /// The live colour, if recorded (`None`: no blue-green run has finished yet).
    pub fn live_color(&self, service: &str, env: &str) -> Result<Option<Color>, String> {
        let path = self.bluegreen(service, env);
        match read_word(&path) {
            Ok(None) => Ok(None),
            Ok(Some(word)) => match word.as_str() {
                "blue" => Ok(Some(Color::Blue)),
                "green" => Ok(Some(Color::Green)),
                other => Err(format!(
                    "{}: `{other}` is not a colour (expected `blue` or `green`)",
                    path.display()
                )),
            },
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    pub fn set_live_color(&self, service: &str, env: &str, color: Color) -> std::io::Result<()> {
        write_atomic(
            &self.bluegreen(service, env),
            &format!("{}\n", color.as_str()),
        )
    }
}

fn read_word(path: &Path) -> std::io::Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let word = text.trim();
            Ok((!word.is_empty()).then(|| word.to_string()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Writes `text` to `path` so a reader sees the old or the new content, never half.
pub fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    {
        let mut file = File::create(&tmp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        File::open(dir)?.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_escape_the_directory() {
        assert_eq!(StateDir::key("web", "prod"), "web.prod");
        assert_eq!(StateDir::key("../etc", "a/b"), "___etc.a_b");
    }

    #[test]
    fn versions_and_colours_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let state = StateDir::new(dir.path());
        state.prepare().unwrap();
        assert_eq!(state.last_version("web", "prod").unwrap(), None);
        state.set_last_version("web", "prod", "v2").unwrap();
        assert_eq!(
            state.last_version("web", "prod").unwrap().as_deref(),
            Some("v2")
        );
        assert_eq!(state.live_color("web", "prod").unwrap(), None);
        state.set_live_color("web", "prod", Color::Green).unwrap();
        assert_eq!(state.live_color("web", "prod").unwrap(), Some(Color::Green));
        std::fs::write(state.bluegreen("web", "prod"), "purple\n").unwrap();
        assert!(state.live_color("web", "prod").is_err());
    }
}
