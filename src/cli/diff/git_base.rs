//! `--base GIT-REF`: the policy directory as a git ref has it, copied into a
//! temporary directory with git's plumbing (`rev-parse`, `ls-tree`,
//! `cat-file`, what `git show REF:path` reads), so it loads like any
//! directory. Nothing is checked out: the work tree and the index are never
//! touched, and the copy is removed when it is dropped.

use std::ffi::OsStr;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Output};

/// The most files copied from a ref: a policy directory holds tens.
const MAX_FILES: usize = 10_000;
/// The most bytes copied from a ref: every policy file may be as large as
/// the loader reads (16 MiB), but not a thousand of them.
const MAX_BYTES: u64 = 256 * 1024 * 1024;

/// Why the policy set could not be read at a ref.
#[derive(Debug, thiserror::Error)]
pub(super) enum GitBaseError {
    #[error(
        "--base: `{base}` is not a directory, so it is read as a git ref, but `git` could not be run: {why}\n  help: install git, or give --base as a directory"
    )]
    NoGit { base: String, why: String },
    #[error(
        "--base: `{base}` is not a directory, so it is read as a git ref, but the --head directory `{head}` is not in a git repository\n  help: give --base as a directory, or run in a clone"
    )]
    NotARepository { base: String, head: String },
    #[error(
        "--base: `{base}` is neither a directory nor a git ref of the repository (unknown git ref `{base}`)\n  help: a directory, or a branch, tag or commit of the repository the --head directory is in (with actions/checkout, `fetch-depth: 0` fetches the base branch)"
    )]
    UnknownRef { base: String },
    #[error("--base: `{path}` does not exist at `{base}` (or is not a directory there)")]
    NotAtRef { base: String, path: String },
    #[error("--base: at `{base}`, {what}")]
    Tree { base: String, what: String },
    #[error("--base: cannot write the copy of `{base}`: {why}")]
    Copy { base: String, why: String },
}

/// The policy directory at a ref, copied out; removed on drop.
pub(super) struct BaseCopy {
    dir: tempfile::TempDir,
}

impl BaseCopy {
    pub(super) fn path(&self) -> &Path {
        self.dir.path()
    }
}

fn git(cwd: &Path, args: &[&OsStr]) -> std::io::Result<Output> {
    Command::new("git")
        .arg("-C")
        .arg(cwd)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
}

fn trimmed(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).trim().to_string()
}

/// One `ls-tree -r -l -z` entry: mode, type, object, size, path.
struct Entry {
    mode: String,
    kind: String,
    object: String,
    size: Option<u64>,
    path: String,
}

fn entries(listing: &[u8]) -> Result<Vec<Entry>, String> {
    let mut out = Vec::new();
    for record in listing.split(|b| *b == 0).filter(|r| !r.is_empty()) {
        let text = std::str::from_utf8(record)
            .map_err(|_| "a path that is not UTF-8 is in the policy directory".to_string())?;
        let (head, path) = text
            .split_once('\t')
            .ok_or_else(|| format!("git ls-tree printed `{text}`, which it should not"))?;
        let fields: Vec<&str> = head.split_whitespace().collect();
        let [mode, kind, object, size] = fields[..] else {
            return Err(format!("git ls-tree printed `{text}`, which it should not"));
        };
        out.push(Entry {
            mode: mode.to_string(),
            kind: kind.to_string(),
            object: object.to_string(),
            size: size.parse().ok(),
            path: path.to_string(),
        });
    }
    Ok(out)
}

/// A path from the tree as a relative path with no `..`: git refuses to store
/// others, and a copy must not be written outside its directory anyway.
fn safe_relative(path: &str) -> Option<PathBuf> {
    let p = PathBuf::from(path);
    p.components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then_some(p)
}

/// Copies the directory `head` stands for in its repository, as `base` (a
/// ref) has it, into a new temporary directory.
pub(super) fn copy_at_ref(base: &str, head: &Path) -> Result<BaseCopy, GitBaseError> {
    let head_text = head.display().to_string();
    let prefix = match git(head, &["rev-parse".as_ref(), "--show-prefix".as_ref()]) {
        Err(e) => {
            return Err(GitBaseError::NoGit {
                base: base.into(),
                why: e.to_string(),
            });
        }
        Ok(out) if !out.status.success() => {
            return Err(GitBaseError::NotARepository {
                base: base.into(),
                head: head_text,
            });
        }
        Ok(out) => trimmed(&out.stdout),
    };
    let commit = format!("{base}^{{commit}}");
    let verify = git(
        head,
        &[
            "rev-parse".as_ref(),
            "--verify".as_ref(),
            "--quiet".as_ref(),
            "--end-of-options".as_ref(),
            commit.as_ref(),
        ],
    )
    .map_err(|e| GitBaseError::NoGit {
        base: base.into(),
        why: e.to_string(),
    })?;
    if !verify.status.success() || base.starts_with('-') {
        return Err(GitBaseError::UnknownRef { base: base.into() });
    }
    let commit_id = trimmed(&verify.stdout);
    let shown_path = if prefix.is_empty() {
        ".".to_string()
    } else {
        prefix.trim_end_matches('/').to_string()
    };
    let tree = format!("{commit_id}:{prefix}");
    let tree_kind = git(head, &["cat-file".as_ref(), "-t".as_ref(), tree.as_ref()]);
    if !tree_kind.is_ok_and(|o| o.status.success() && trimmed(&o.stdout) == "tree") {
        return Err(GitBaseError::NotAtRef {
            base: base.into(),
            path: shown_path,
        });
    }
    let tree_error = |what: String| GitBaseError::Tree {
        base: base.into(),
        what,
    };
    let listing = git(
        head,
        &[
            "ls-tree".as_ref(),
            "-r".as_ref(),
            "-l".as_ref(),
            "-z".as_ref(),
            "--full-tree".as_ref(),
            tree.as_ref(),
        ],
    )
    .map_err(|e| tree_error(format!("git ls-tree failed: {e}")))?;
    if !listing.status.success() {
        return Err(tree_error(format!(
            "git ls-tree failed: {}",
            trimmed(&listing.stderr)
        )));
    }
    let entries = entries(&listing.stdout).map_err(tree_error)?;
    if entries.len() > MAX_FILES {
        return Err(tree_error(format!(
            "`{shown_path}` holds {} files, more than the {MAX_FILES} a policy directory may",
            entries.len()
        )));
    }
    let total: u64 = entries.iter().filter_map(|e| e.size).sum();
    if total > MAX_BYTES {
        return Err(tree_error(format!(
            "`{shown_path}` holds {total} bytes, more than the {MAX_BYTES} a policy directory may"
        )));
    }
    let copy_error = |why: String| GitBaseError::Copy {
        base: base.into(),
        why,
    };
    let dir = tempfile::Builder::new()
        .prefix("shipwindow-base-")
        .tempdir()
        .map_err(|e| copy_error(e.to_string()))?;
    for entry in &entries {
        let rel = safe_relative(&entry.path)
            .ok_or_else(|| tree_error(format!("the path `{}` is not relative", entry.path)))?;
        let target = dir.path().join(&rel);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| copy_error(e.to_string()))?;
        }
        if entry.kind != "blob" {
            return Err(tree_error(format!(
                "`{}` is a {} (a submodule?), which a policy directory cannot hold",
                entry.path, entry.kind
            )));
        }
        let blob = git(
            head,
            &["cat-file".as_ref(), "blob".as_ref(), entry.object.as_ref()],
        )
        .map_err(|e| tree_error(format!("git cat-file failed: {e}")))?;
        if !blob.status.success() {
            return Err(tree_error(format!(
                "cannot read `{}`: {}",
                entry.path,
                trimmed(&blob.stderr)
            )));
        }
        if entry.mode == "120000" {
            // A symbolic link: recreated, so the loader judges it as it would
            // in a checkout (a link leading nowhere is a load error).
            link(&blob.stdout, &target).map_err(|e| copy_error(e.to_string()))?;
        } else {
            std::fs::write(&target, &blob.stdout).map_err(|e| copy_error(e.to_string()))?;
        }
    }
    Ok(BaseCopy { dir })
}

#[cfg(unix)]
fn link(target: &[u8], at: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    std::os::unix::fs::symlink(OsStr::from_bytes(target), at)
}

#[cfg(not(unix))]
fn link(_target: &[u8], at: &Path) -> std::io::Result<()> {
    Err(std::io::Error::other(format!(
        "{} is a symbolic link, which this platform cannot recreate",
        at.display()
    )))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_are_copied() {
        assert!(safe_relative("a/b.toml").is_some());
        assert!(safe_relative("../x.toml").is_none());
        assert!(safe_relative("/etc/passwd").is_none());
        assert!(safe_relative("a/../../b").is_none());
    }

    #[test]
    fn ls_tree_records_are_read_with_their_sizes() {
        let listing =
            b"100644 blob 0123abcd     120\tfreezes.toml\x00120000 blob 4567ef01      9\tlink.toml\0";
        let got = entries(listing).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].path, "freezes.toml");
        assert_eq!(got[0].size, Some(120));
        assert_eq!(got[1].mode, "120000");
        assert!(entries(b"garbage\0").is_err());
    }
}
