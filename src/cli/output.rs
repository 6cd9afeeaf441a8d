//! Standard output for the commands. `println!` panics when the reader has gone
//! (`shipwindow windows | head`); here a closed pipe ends the output quietly and the
//! exit code still carries the verdict, since whoever closed the pipe chose to stop
//! reading. Any other write failure (a full disk behind `> file`) is remembered and
//! turns the exit code into 2: a verdict nobody could read must not look like a run
//! that went well.

use std::fmt;
use std::io::{self, ErrorKind, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// The first failure to write, other than a closed pipe.
static FAILURE: Mutex<Option<String>> = Mutex::new(None);
/// Set once the reader has closed the pipe: nothing more is written.
static CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes `args` to standard output and flushes it, so a failure belongs to the write
/// that caused it.
pub fn write(args: fmt::Arguments<'_>) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = io::stdout().lock();
    match out.write_fmt(args).and_then(|()| out.flush()) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::BrokenPipe => CLOSED.store(true, Ordering::Relaxed),
        Err(e) => fail(e.to_string()),
    }
}

/// Records a failure to write other output a run promised (GitHub's step outputs
/// and summary), so the exit code says so like a failed write to stdout.
pub fn fail(why: String) {
    if let Ok(mut failure) = FAILURE.lock() {
        failure.get_or_insert(why);
    }
}

/// Why standard output could not be written, if it could not (a closed pipe is not
/// a failure).
pub fn failure() -> Option<String> {
    FAILURE.lock().ok().and_then(|failure| failure.clone())
}

/// `print!` that survives a closed pipe.
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::output::write(format_args!($($arg)*)) };
}

/// `println!` that survives a closed pipe.
macro_rules! outln {
    () => { $crate::cli::output::write(format_args!("\n")) };
    ($($arg:tt)*) => {
        $crate::cli::output::write(format_args!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) use {out, outln};
