//! Reading a file the policy names (a policy file, a local calendar) only when
//! it is a regular file of at most [`MAX_FILE_BYTES`]: a FIFO would stall the
//! load, a device (`/dev/zero`) or a huge file would exhaust memory.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest policy or calendar file read: 16 MiB.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Why a path could not be read as a regular file.
#[derive(Debug, thiserror::Error)]
pub(crate) enum NotRegular {
    #[error("no such file")]
    Missing,
    #[error("is a symbolic link to `{}`, which does not exist", .0.display())]
    DanglingLink(PathBuf),
    #[error("is a symbolic link that leads back to itself (a cycle)")]
    LinkCycle,
    #[error("is {0}, not a regular file")]
    Kind(&'static str),
    #[error("is larger than 16 MiB, the most a policy or calendar file may hold")]
    TooLarge,
    #[error("{0}")]
    Io(std::io::Error),
}

impl NotRegular {
    /// What would be right.
    pub(crate) fn help(&self) -> &'static str {
        match self {
            NotRegular::Missing | NotRegular::Io(_) => "check the path and its permissions",
            NotRegular::DanglingLink(_) | NotRegular::LinkCycle => {
                "point the link at a regular file, or remove it"
            }
            NotRegular::Kind(_) => {
                "replace it with a regular file, or remove it (a name that starts with `.` is not read)"
            }
            NotRegular::TooLarge => {
                "split it into smaller files, or check that this is the file you meant"
            }
        }
    }
}

/// The bytes of `path` when it is (or links to) a regular file of at most
/// [`MAX_FILE_BYTES`]. The type is checked before the open and again, with the
/// size, on the opened handle; the open itself does not wait, so a FIFO put in
/// place in between cannot stall the read either.
pub(crate) fn read_regular(path: &Path) -> Result<Vec<u8>, NotRegular> {
    // Looked at before it is opened: opening some devices has effects of its own.
    let before = std::fs::metadata(path).map_err(|e| why_not_opened(path, e))?;
    if let Some(kind) = not_a_file(&before.file_type()) {
        return Err(NotRegular::Kind(kind));
    }
    let file = open(path).map_err(|e| why_not_opened(path, e))?;
    let meta = file.metadata().map_err(NotRegular::Io)?;
    if let Some(kind) = not_a_file(&meta.file_type()) {
        return Err(NotRegular::Kind(kind));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(NotRegular::TooLarge);
    }
    // The file may grow while it is read: read one byte past the cap to tell.
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(NotRegular::Io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(NotRegular::TooLarge);
    }
    Ok(bytes)
}

#[cfg(unix)]
fn open(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open(path: &Path) -> std::io::Result<File> {
    File::open(path)
}

/// Why `path` could not be looked at or opened.
fn why_not_opened(path: &Path, e: std::io::Error) -> NotRegular {
    #[cfg(unix)]
    if e.raw_os_error() == Some(libc::ELOOP) {
        return NotRegular::LinkCycle;
    }
    if e.kind() != std::io::ErrorKind::NotFound {
        return NotRegular::Io(e);
    }
    match std::fs::read_link(path) {
        Ok(target) => NotRegular::DanglingLink(target),
        Err(_) => NotRegular::Missing,
    }
}

/// What a file type is, in words, when it is not a regular file.
pub(crate) fn not_a_file(t: &std::fs::FileType) -> Option<&'static str> {
    if t.is_file() {
        return None;
    }
    if t.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if t.is_char_device() || t.is_block_device() {
            return Some("a device");
        }
        if t.is_socket() {
            return Some("a socket");
        }
    }
    Some("a special file")
}
