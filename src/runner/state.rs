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
//! `<service>.<env>` is [`StateDir::key`]: each name escaped one-to-one, so two
//! services never share a file (`pay_api` and `pay/api` once did, and one read the
//! other's previous version). Names made of `a-z`, `0-9`, `-` and `_` are written
//! as they are, as before; state written by older versions under a name with any
//! other character (`.`, upper case, `/`) is not read under the new name when its
//! owner cannot be told from the file: a version or colour file is left where it
//! is (such a service's first run after the upgrade needs `--previous`, and a
//! blue-green one is refused until someone says which colour is live). An
//! unfinished journal names its service and env on every line, so the run takes
//! one found under the old name when it is its own ([`StateDir::legacy_journal`]),
//! and an interrupted run can still be resumed or rolled back.
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

    /// `<service>.<env>`, each name escaped so that different names are always
    /// different files: `a-z`, `0-9`, `-` and `_` stay as they are, every other
    /// byte (the `.` between the names, `/`, `%`, upper case — the same file on a
    /// case-insensitive disk) becomes `%XX`, and an empty name is a lone `%`. So
    /// `pay_api` and `pay/api` never share a file, and no name leaves the
    /// directory.
    pub fn key(service: &str, env: &str) -> String {
        format!("{}.{}", escape(service), escape(env))
    }

    /// Where versions before one-to-one names kept the journal of `service` to
    /// `env`, when that differs from [`StateDir::journal`]: every character but
    /// `[A-Za-z0-9_-]` was `_`. Several services shared such a name, so whose a
    /// journal there is must be read from its lines before it is taken.
    pub fn legacy_journal(&self, service: &str, env: &str) -> Option<PathBuf> {
        self.legacy_file("runs", service, env, ".jsonl")
    }

    /// A file at the name versions before one-to-one names gave `service` to
    /// `env`, when that name is not today's.
    fn legacy_file(&self, dir: &str, service: &str, env: &str, ext: &str) -> Option<PathBuf> {
        fn legacy(s: &str) -> String {
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
        let old = format!("{}.{}{ext}", legacy(service), legacy(env));
        (old != format!("{}{ext}", StateDir::key(service, env)))
            .then(|| self.root.join(dir).join(old))
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
    /// Unknown, an error, while a colour file an older version wrote under the
    /// old name of this service may be its own: guessing blue could deploy to
    /// the live colour.
    pub fn live_color(&self, service: &str, env: &str) -> Result<Option<Color>, String> {
        let path = self.bluegreen(service, env);
        match read_word(&path) {
            Ok(None) => match self.legacy_file("bluegreen", service, env, "") {
                Some(old) if old.exists() => Err(format!(
                    "no live colour of {service} to {env} is recorded at {}, but an older \
                     version recorded one at {}, which may be this service's or another's \
                     that shared the old name; if it is this service's, rename it to {}; \
                     if not, write the live colour (`blue` or `green`) to {}",
                    path.display(),
                    old.display(),
                    path.display(),
                    path.display()
                )),
                _ => Ok(None),
            },
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

/// One name as it appears in a file name: one-to-one, and readable for the
/// names people use (`web`, `pay-api`, `eu_west`).
fn escape(name: &str) -> String {
    if name.is_empty() {
        // No escaped non-empty name is a lone `%`: each `%` has two hex digits.
        return "%".into();
    }
    let mut out = String::with_capacity(name.len());
    for byte in name.bytes() {
        match byte {
            b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' => out.push(char::from(byte)),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
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
        assert_eq!(StateDir::key("pay-api", "eu_west"), "pay-api.eu_west");
        assert_eq!(StateDir::key("../etc", "a/b"), "%2E%2E%2Fetc.a%2Fb");
        assert_eq!(StateDir::key("", "prod"), "%.prod");
    }

    /// Issue 13, class 10: names that the old `_` replacement merged
    /// (`pay_api` and `pay/api`, `a.b` + `c` and `a` + `b.c`, `Web` and `web` on
    /// a case-insensitive disk) are different files, for every kind of file.
    #[test]
    fn different_names_never_share_a_state_file() {
        let pairs: Vec<(&str, &str)> = vec![
            ("pay_api", "prod"),
            ("pay/api", "prod"),
            ("pay.api", "prod"),
            ("pay api", "prod"),
            ("pay%5Fapi", "prod"),
            ("pay%2Fapi", "prod"),
            ("a.b", "c"),
            ("a", "b.c"),
            ("Web", "prod"),
            ("web", "prod"),
            ("web", "Prod"),
            ("", "prod"),
            ("%", "prod"),
            ("_", "prod"),
            ("caf\u{e9}", "prod"),
            ("cafe\u{301}", "prod"),
            ("..", "prod"),
        ];
        let dir = tempfile::tempdir().unwrap();
        let state = StateDir::new(dir.path());
        let mut seen = std::collections::HashMap::new();
        for (service, env) in &pairs {
            let key = StateDir::key(service, env);
            let folded = key.to_ascii_lowercase();
            if let Some(other) = seen.insert(folded, (service, env)) {
                panic!("{service:?}/{env:?} and {other:?} share the file name `{key}`");
            }
            for path in [
                state.lock(service, env),
                state.journal(service, env),
                state.versions(service, env),
                state.bluegreen(service, env),
            ] {
                assert_eq!(
                    path.parent().unwrap().parent().unwrap(),
                    dir.path(),
                    "{path:?}"
                );
            }
        }
        state.prepare().unwrap();
        state.set_last_version("pay_api", "prod", "v1").unwrap();
        assert_eq!(state.last_version("pay/api", "prod").unwrap(), None);
        state.set_last_version("pay/api", "prod", "v9").unwrap();
        assert_eq!(
            state.last_version("pay_api", "prod").unwrap().as_deref(),
            Some("v1")
        );
    }

    /// A colour file at a service's old name may be its own or another's: the
    /// live colour is unknown until someone says, never guessed as blue.
    #[test]
    fn a_colour_under_the_old_name_is_neither_taken_nor_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let state = StateDir::new(dir.path());
        state.prepare().unwrap();
        state
            .set_live_color("pay_api", "prod", Color::Green)
            .unwrap();
        // `pay_api`'s own name did not change.
        assert_eq!(
            state.live_color("pay_api", "prod").unwrap(),
            Some(Color::Green)
        );
        assert_eq!(state.legacy_journal("pay_api", "prod"), None);
        for service in ["pay.api", "pay/api", "pay api"] {
            let err = state.live_color(service, "prod").unwrap_err();
            assert!(err.contains("bluegreen/pay_api.prod"), "{err}");
            assert!(err.contains("rename it to"), "{err}");
        }
        state
            .set_live_color("pay.api", "prod", Color::Blue)
            .unwrap();
        assert_eq!(
            state.live_color("pay.api", "prod").unwrap(),
            Some(Color::Blue)
        );
        // With no old file there is nothing to ask about.
        assert_eq!(state.live_color("Web", "prod").unwrap(), None);
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
