//! What a diagnostic is: a file's text with its line index (`Source`), and one
//! problem at a span of it (`Diagnostic`) with its one-line text form.

use super::lines::LineIndex;
use std::fmt;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

/// A file's text with its line index, to place diagnostics in it.
#[derive(Debug, Clone)]
pub struct Source {
    /// The file as the user would name it.
    pub file: PathBuf,
    pub text: Arc<str>,
    index: LineIndex,
}

impl Source {
    pub fn new(file: PathBuf, text: &str) -> Source {
        Source {
            file,
            index: LineIndex::new(text),
            text: Arc::from(text),
        }
    }

    /// The 1-based line and column (in characters) of a byte offset.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        self.index.position(&self.text, offset)
    }

    /// `file:line:column` of a byte offset, for messages that point elsewhere.
    pub fn place(&self, offset: usize) -> String {
        let (line, col) = self.position(offset);
        format!("{}:{line}:{col}", self.file.display())
    }

    /// The byte range of 1-based `line`, without its line break.
    pub fn line_span(&self, line: usize) -> Option<Range<usize>> {
        self.index.line_span(&self.text, line)
    }

    /// A problem at `span` of this text.
    pub fn diagnostic(
        &self,
        span: Range<usize>,
        message: impl Into<String>,
        help: Option<String>,
    ) -> Diagnostic {
        let start = span.start.min(self.text.len());
        let end = span.end.clamp(start, self.text.len());
        Diagnostic {
            file: self.file.clone(),
            position: Some(self.position(start)),
            end: Some(self.position(end)),
            span: Some(start..end),
            message: message.into(),
            help,
            source: Some(self.text.clone()),
        }
    }
}

/// One problem: where (file, and the span of its text when it has a place),
/// what, and what would be right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file as the user would name it (for a policy file, the policy
    /// directory joined with the file's relative path).
    pub file: PathBuf,
    /// 1-based line and column (in characters) where the problem starts, when
    /// it has a place.
    pub position: Option<(usize, usize)>,
    /// 1-based line and column just past the problem's last character.
    pub end: Option<(usize, usize)>,
    /// The problem's byte range in `source`.
    pub span: Option<Range<usize>>,
    pub message: String,
    pub help: Option<String>,
    /// The text of `file` as it was read, to show the offending line.
    pub source: Option<Arc<str>>,
}

impl Diagnostic {
    /// A problem with a whole file (or directory), at no place in it.
    pub fn whole(file: PathBuf, message: impl Into<String>, help: Option<String>) -> Diagnostic {
        Diagnostic {
            file,
            position: None,
            end: None,
            span: None,
            message: message.into(),
            help,
            source: None,
        }
    }

    /// The text the problem points at (what is underlined).
    pub fn underlined(&self) -> Option<&str> {
        let span = self.span.clone()?;
        self.source.as_deref()?.get(span)
    }
}

/// `file:line:column: message`, then `  help: …` on a line of its own: one
/// problem as logs, error bodies and JSON `error` strings show it.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, col)) => {
                write!(f, "{}:{line}:{col}: {}", self.file.display(), self.message)?
            }
            None => write!(f, "{}: {}", self.file.display(), self.message)?,
        }
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}
