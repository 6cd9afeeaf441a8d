//! Reads a policy directory: finds the files in path order, reads them, has
//! them built into a set (see `build`), and fingerprints them.

use super::build::{Built, build};
use super::error::LoadError;
use super::index::RuleIndex;
use super::options::LoadOptions;
use super::read::calendar::Calendars;
use super::regular_file::read_regular;
use super::set::PolicySet;
use crate::diagnostic::Diagnostic;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

impl PolicySet {
    /// Loads every `*.toml` file under `dir` (subdirectories included) in path
    /// order. Every problem in every file is reported, not just the first.
    /// Calendar feeds are cached under `$SHIPWINDOW_STATE_DIR` (see
    /// [`PolicySet::load_with`]).
    pub fn load(dir: &Path) -> Result<PolicySet, LoadError> {
        PolicySet::load_with(dir, &LoadOptions::from_env())
    }

    /// [`PolicySet::load`] with the feed cache and clock given.
    pub fn load_with(dir: &Path, options: &LoadOptions) -> Result<PolicySet, LoadError> {
        let fail = |message: String, help: Option<&str>| LoadError {
            diagnostics: vec![Diagnostic::whole(
                dir.to_path_buf(),
                message,
                help.map(String::from),
            )],
        };
        if !dir.is_dir() {
            return Err(fail(
                "policy directory not found".into(),
                Some(
                    "pass `--policies DIR`, set `SHIPWINDOW_POLICIES`, or run where `./policies` exists",
                ),
            ));
        }
        let mut found = Vec::new();
        discover(dir, Path::new(""), &mut found)
            .map_err(|e| fail(format!("cannot read the policy directory: {e}"), None))?;
        if found.is_empty() {
            return Err(fail(
                "no policy files (`*.toml`) in this directory".into(),
                Some("point `--policies` at the directory that holds your rules"),
            ));
        }
        // Every entry that cannot be read is reported, not just the first, in path order.
        found.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let mut contents = Vec::new();
        let mut unreadable = Vec::new();
        for (_, path) in &found {
            match read_regular(path) {
                Ok(bytes) => contents.push(bytes),
                Err(e) => unreadable.push(Diagnostic::whole(
                    path.clone(),
                    format!("cannot read the policy file: it {e}"),
                    Some(e.help().into()),
                )),
            }
        }
        if !unreadable.is_empty() {
            return Err(LoadError {
                diagnostics: unreadable,
            });
        }
        let files = found
            .iter()
            .zip(&contents)
            .map(|((rel, path), bytes)| SourceFile {
                rel,
                shown: path.clone(),
                bytes,
            })
            .collect();
        assemble(dir.to_path_buf(), files, options)
    }

    /// Builds a policy set from in-memory files (relative path, TOML text), as if
    /// they were the files of a directory; used by tests, benchmarks and embedders.
    pub fn from_files(files: &[(&str, &str)]) -> Result<PolicySet, LoadError> {
        let files = files
            .iter()
            .map(|(rel, text)| SourceFile {
                rel,
                shown: PathBuf::from(rel),
                bytes: text.as_bytes(),
            })
            .collect();
        assemble(PathBuf::new(), files, &LoadOptions::from_env())
    }
}

/// One file of a policy set: its path relative to the set's directory (what is
/// ordered and fingerprinted), the name used in messages, and its bytes.
struct SourceFile<'a> {
    rel: &'a str,
    shown: PathBuf,
    bytes: &'a [u8],
}

fn assemble(
    root: PathBuf,
    mut files: Vec<SourceFile<'_>>,
    options: &LoadOptions,
) -> Result<PolicySet, LoadError> {
    // Path order is the byte order of the relative paths, `/`-separated.
    files.sort_by(|a, b| a.rel.as_bytes().cmp(b.rel.as_bytes()));
    let sources: Vec<(PathBuf, &[u8])> = files.iter().map(|f| (f.shown.clone(), f.bytes)).collect();
    let mut calendars = Calendars::new(options, root.clone());
    let Built {
        settings,
        rules,
        strategies,
        github,
        kubernetes,
        lanes,
        warnings,
    } = build(&sources, &mut calendars)?;
    // The fingerprint covers the TOML files, then the calendar files they read, each in path
    // order; then the feeds' copies in use, by address, so that a decision can
    // be tied to the events that made it.
    let fingerprint = fingerprint(
        files
            .iter()
            .map(|f| (f.rel, f.bytes))
            .chain(
                calendars
                    .files
                    .iter()
                    .map(|(p, b)| (p.as_str(), b.as_slice())),
            )
            .chain(
                calendars
                    .feeds
                    .iter()
                    .map(|(u, b)| (u.as_str(), b.as_slice())),
            ),
    );
    let index = std::sync::Arc::new(RuleIndex::build(&rules));
    Ok(PolicySet {
        settings,
        index,
        rules,
        strategies,
        github,
        kubernetes,
        lanes,
        fingerprint,
        root,
        warnings,
    })
}

/// Every `.toml` file under `dir`, walked with a list of directories still to
/// read rather than by recursion, so that no directory tree, however deep, can
/// exhaust the stack (the files are put in path order afterwards). A directory
/// reached a second time (a symbolic link back up the tree, or two links to one
/// directory) is an error: followed, a loop would be walked until the paths grow
/// too long, reading its files again at every level. Names that start with `.`
/// are not read (`.git/`, an editor's `.#a.toml`); every other `*.toml` entry
/// that is not a directory is a policy file, whatever it is: one that cannot be
/// read as a regular file (a dangling link, a FIFO) is an error when it is read,
/// never skipped.
fn discover(dir: &Path, rel: &Path, out: &mut Vec<(String, PathBuf)>) -> std::io::Result<()> {
    let mut seen: HashMap<PathBuf, String> = HashMap::new();
    let mut pending = vec![rel.to_path_buf()];
    while let Some(rel) = pending.pop() {
        let here = dir.join(&rel);
        let shown = shown_name(&rel);
        if let Some(first) = seen.insert(fs::canonicalize(&here)?, shown.clone()) {
            return Err(std::io::Error::other(format!(
                "`{shown}` is the directory `{first}` again (a symbolic link); each policy file is read once, so remove the link"
            )));
        }
        for entry in fs::read_dir(&here)? {
            let entry = entry?;
            if entry.file_name().as_encoded_bytes().starts_with(b".") {
                continue;
            }
            let rel_path = rel.join(entry.file_name());
            let full = dir.join(&rel_path);
            // Follows links; a dangling link or a link cycle is not a directory.
            if fs::metadata(&full).is_ok_and(|m| m.is_dir()) {
                pending.push(rel_path);
            } else if rel_path.extension().is_some_and(|e| e == "toml") {
                out.push((shown_name(&rel_path), full));
            }
        }
    }
    Ok(())
}

/// A path relative to the policy directory as messages show it: `/`-separated,
/// `.` for the directory itself.
fn shown_name(rel: &Path) -> String {
    let shown = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    if shown.is_empty() { ".".into() } else { shown }
}

/// The fingerprint: SHA-256 over each file's relative path, NUL, decimal length, NUL, bytes.
pub(crate) fn fingerprint<'a>(files: impl Iterator<Item = (&'a str, &'a [u8])>) -> String {
    let mut hasher = Sha256::new();
    for (rel, bytes) in files {
        hasher.update(rel.as_bytes());
        hasher.update([0]);
        hasher.update(bytes.len().to_string().as_bytes());
        hasher.update([0]);
        hasher.update(bytes);
    }
    let digest = hasher.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}
