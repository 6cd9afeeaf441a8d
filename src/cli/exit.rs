//! Exit codes (0 allowed, 1 denied, 2 bad input), and the final code once the output has been written.

use super::output;
use std::process::ExitCode;

/// Exit codes: 0 allowed (or overridden), 1 denied, 2 bad input.
pub const EXIT_ALLOWED: u8 = 0;
pub const EXIT_DENIED: u8 = 1;
pub const EXIT_BAD_INPUT: u8 = 2;

/// `code`, unless the output could not be written: then exit 2 saying so (as
/// an `::error` annotation too when `github` asks for them).
pub(super) fn finish(code: u8, github: bool) -> ExitCode {
    match output::failure() {
        None => ExitCode::from(code),
        Some(why) => {
            if github {
                super::github::bad_input(&format!("cannot write the output: {why}"));
            }
            eprintln!("error: cannot write the output: {why}");
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}
