//! One run per service and environment: `DIR/locks/<service>.<env>.lock`, held
//! with an exclusive `File::try_lock` for as long as the run lasts. The OS
//! drops the lock when the process ends, however it ends (`kill -9`
//! included), so a stale lock file never blocks anyone; the file only keeps
//! the last holder's details (pid, host, strategy, version, started) so a
//! refused run can say who holds it.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// A held lock; released when dropped.
#[derive(Debug)]
pub struct RunLock {
    file: File,
    path: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Someone else holds it; their details as written in the file.
    #[error("another run holds {path}:\n{holder}")]
    Held { path: PathBuf, holder: String },
    #[error("lock {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl RunLock {
    /// Takes the lock without waiting, and writes `details` into it.
    pub fn acquire(path: &Path, details: &str) -> Result<RunLock, LockError> {
        let io = |source| LockError::Io {
            path: path.to_path_buf(),
            source,
        };
        // Never truncate on open: the file holds the current holder's details.
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                return Err(LockError::Held {
                    path: path.to_path_buf(),
                    holder: if holder.is_empty() {
                        "  (the holder has not written its details yet)".into()
                    } else {
                        holder
                            .lines()
                            .map(|l| format!("  {l}"))
                            .collect::<Vec<_>>()
                            .join("\n")
                    },
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        file.write_all(details.as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)?;
        Ok(RunLock {
            file,
            path: path.to_path_buf(),
        })
    }

    /// Replaces the holder's details (once the run knows more about itself).
    pub fn rewrite(&mut self, details: &str) -> std::io::Result<()> {
        self.file.set_len(0)?;
        self.file.seek(SeekFrom::Start(0))?;
        self.file.write_all(details.as_bytes())?;
        self.file.sync_all()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Releases the lock now (dropping does the same).
    pub fn release(self) {
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_with_the_first_ones_details() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("web.prod.lock");
        let held = RunLock::acquire(&path, "pid: 42\nhost: ci-7\n").unwrap();
        match RunLock::acquire(&path, "pid: 43\n") {
            Err(LockError::Held { holder, .. }) => {
                assert!(holder.contains("pid: 42"), "{holder}");
                assert!(holder.contains("host: ci-7"), "{holder}");
            }
            other => panic!("not refused: {other:?}"),
        }
        let mut held = held;
        held.rewrite("pid: 42\nversion: v9\n").unwrap();
        match RunLock::acquire(&path, "pid: 43\n") {
            Err(LockError::Held { holder, .. }) => assert!(holder.contains("v9"), "{holder}"),
            other => panic!("not refused: {other:?}"),
        }
        held.release();
        let again = RunLock::acquire(&path, "pid: 44\n").unwrap();
        assert_eq!(std::fs::read_to_string(again.path()).unwrap(), "pid: 44\n");
    }
}
