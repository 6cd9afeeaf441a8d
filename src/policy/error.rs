//! The error of loading a policy set: every problem found, in every file and in
//! the calendars they read, each a [`Diagnostic`] at its place.

use crate::diagnostic::Diagnostic;
use std::fmt;

/// Every problem found while loading a policy set; loading reports them all at once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct LoadError {
    pub diagnostics: Vec<Diagnostic>,
}

impl LoadError {
    /// Every problem for people, each with its source line underlined (see
    /// [`Diagnostic::render`]), a blank line between two.
    pub fn render(&self) -> String {
        let all: Vec<String> = self.diagnostics.iter().map(Diagnostic::render).collect();
        all.join("\n\n")
    }
}

/// Every problem in its two-line form (`file:line:column: message`, `  help: …`),
/// one after the other: what logs and error bodies show.
impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}
