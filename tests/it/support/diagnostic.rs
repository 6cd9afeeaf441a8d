//! Asserting a diagnostic the way cedar's tests do: the exact `file:line:column:
//! message`, the exact text it underlines, and its help — and that the rendered
//! form shows that text underlined under the `help:` line.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]
#![allow(dead_code, reason = "each test file uses the helpers it needs")]

use shipwindow::policy::{Diagnostic, LoadError};

/// `file:line:column: message`, with the file named relative to `root` (when
/// given) since temporary directories differ per run.
pub fn located(d: &Diagnostic, root: &str) -> String {
    let (line, col) = d.position.expect("a position");
    let file = d.file.display().to_string();
    let file = file.strip_prefix(root).unwrap_or(&file);
    format!("{file}:{line}:{col}: {}", d.message)
}

/// Asserts the one diagnostic of `err`: its place and message, the text it
/// underlines, and its help.
#[track_caller]
pub fn expect_one(err: &LoadError, root: &str, want: &str, underlined: &str, help: &str) {
    assert_eq!(
        err.diagnostics.len(),
        1,
        "expected one problem, got:\n{err}"
    );
    expect_diagnostic(&err.diagnostics[0], root, want, underlined, help);
}

/// Asserts a diagnostic's place and message, the text it underlines and its help.
#[track_caller]
pub fn expect_diagnostic(d: &Diagnostic, root: &str, want: &str, underlined: &str, help: &str) {
    assert_eq!(located(d, root), want);
    assert_eq!(
        d.underlined(),
        Some(underlined),
        "underlined text of {want}"
    );
    assert_eq!(d.help.as_deref(), Some(help), "help of {want}");
    // People see the same text underlined, with as many carets as it has
    // characters (all of them on one line in these cases).
    let rendered = d.render();
    let carets = format!(" {}", "^".repeat(underlined.chars().count()));
    assert!(
        rendered
            .lines()
            .last()
            .is_some_and(|l| l.ends_with(&carets) && !l.ends_with(&format!("^{carets}"))),
        "the last line should underline `{underlined}`:\n{rendered}"
    );
    assert!(
        rendered.contains(&format!("\n  help: {help}\n")),
        "{rendered}"
    );
}

/// Loads in-memory files and returns each diagnostic as
/// (`file:line:col: message`, help).
pub fn problems(files: &[(&str, &str)]) -> Vec<(String, String)> {
    let err = shipwindow::PolicySet::from_files(files).expect_err("the policy should not load");
    err.diagnostics
        .iter()
        .map(|d| {
            let (line, col) = d.position.expect("a position");
            (
                format!("{}:{line}:{col}: {}", d.file.display(), d.message),
                d.help.clone().unwrap_or_default(),
            )
        })
        .collect()
}
