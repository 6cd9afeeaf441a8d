//! A problem in an iCalendar file, at one of its lines, and how it shows as a
//! diagnostic under that line.

use crate::diagnostic::{Diagnostic, Source};

/// A problem in an iCalendar file, at one of its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcsError {
    /// 1-based line in the file as it is on disk (before unfolding).
    pub line: usize,
    pub message: String,
    pub help: Option<String>,
}

impl IcsError {
    pub(crate) fn at(line: usize, message: impl Into<String>) -> IcsError {
        IcsError {
            line,
            message: message.into(),
            help: None,
        }
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> IcsError {
        self.help = Some(help.into());
        self
    }
}

impl IcsError {
    /// This problem as a diagnostic in the calendar file read as `source`,
    /// with the whole of its line underlined.
    pub fn diagnostic(&self, source: &Source) -> Diagnostic {
        match source.line_span(self.line) {
            Some(span) => source.diagnostic(span, self.message.clone(), self.help.clone()),
            None => Diagnostic {
                position: Some((self.line, 1)),
                ..Diagnostic::whole(source.file.clone(), self.message.clone(), self.help.clone())
            },
        }
    }
}

impl std::fmt::Display for IcsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}
