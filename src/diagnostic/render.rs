//! How a diagnostic looks: the offending source line with the span underlined
//! (drawn by `annotate-snippets`, the renderer rustc uses), and the JSON shape.

use super::problem::Diagnostic;
use crate::credentials;
use annotate_snippets::renderer::DecorStyle;
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

impl Diagnostic {
    /// The diagnostic for people: the `file:line:column: message` line, the
    /// `help:` line, then the source line with the offending text underlined.
    /// Plain text, the same on a terminal and in a pipe.
    pub fn render(&self) -> String {
        let mut out = self.to_string();
        if let Some(snippet) = snippet(self) {
            out.push('\n');
            out.push_str(&snippet);
        }
        out
    }
}

impl Diagnostic {
    /// A warning for people: like [`Diagnostic::render`], with `warning: `
    /// before the message (`file:line:column: warning: message`).
    pub fn render_warning(&self) -> String {
        let mut shown = self.clone();
        shown.message = format!("warning: {}", self.message);
        shown.render()
    }
}

/// For machines: `{file, line, column, end_line, end_column, message, help}`,
/// with `null` for what a problem does not have.
impl serde::Serialize for Diagnostic {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Json::from(self).serialize(serializer)
    }
}

/// The source line of `d` with its span underlined, when it has both:
///
/// ```text
///   |
/// 2 | timezone = "Asia/Seol"
///   |            ^^^^^^^^^^^
/// ```
///
/// A span over several lines is underlined on its first line only (a rule's
/// table, for one, is reported at its header); an empty one gets one caret.
pub(super) fn snippet(d: &Diagnostic) -> Option<String> {
    let text = d.source.as_deref()?;
    let span = d.span.clone()?;
    let (line, _) = d.position?;
    // Offsets come from parsers and land on character boundaries; a span that
    // does not is shown without its line rather than panicking.
    let start_of_line = text.get(..span.start)?.rfind('\n').map_or(0, |i| i + 1);
    let end_of_line = text
        .get(span.start..)?
        .find('\n')
        .map_or(text.len(), |i| span.start + i);
    let shown = text.get(start_of_line..end_of_line)?.trim_end_matches('\r');
    // A feed's `user:password@` is not shown; masked byte for byte, so the
    // offsets below still hold.
    let shown = &credentials::mask(shown);
    let from = (span.start - start_of_line).min(shown.len());
    let to = span
        .end
        .min(end_of_line)
        .saturating_sub(start_of_line)
        .min(shown.len());
    let to = if to > from {
        to
    } else {
        // One character (or the end of the line) for an empty span.
        shown
            .get(from..)?
            .chars()
            .next()
            .map_or(from, |c| from + c.len_utf8())
    };
    if !shown.is_char_boundary(to) {
        return None;
    }
    let group = Group::with_level(Level::ERROR).element(
        Snippet::source(shown)
            .line_start(line)
            .annotation(AnnotationKind::Primary.span(from..to)),
    );
    let out = Renderer::plain()
        .decor_style(DecorStyle::Ascii)
        .render(&[group]);
    Some(out.trim_end().to_string())
}

/// The JSON shape of a diagnostic.
#[derive(serde::Serialize)]
pub(super) struct Json<'d> {
    file: String,
    line: Option<usize>,
    column: Option<usize>,
    end_line: Option<usize>,
    end_column: Option<usize>,
    message: &'d str,
    help: Option<&'d str>,
}

impl<'d> From<&'d Diagnostic> for Json<'d> {
    fn from(d: &'d Diagnostic) -> Json<'d> {
        Json {
            file: d.file.display().to_string(),
            line: d.position.map(|(l, _)| l),
            column: d.position.map(|(_, c)| c),
            end_line: d.end.map(|(l, _)| l),
            end_column: d.end.map(|(_, c)| c),
            message: &d.message,
            help: d.help.as_deref(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::problem::Source;
    use std::path::PathBuf;

    fn at(text: &str, needle: &str, len: usize) -> String {
        let src = Source::new(PathBuf::from("a.toml"), text);
        let start = text.find(needle).unwrap();
        src.diagnostic(start..start + len, "bad", Some("fix it".into()))
            .render()
    }

    #[test]
    fn the_offending_text_is_underlined_after_the_help() {
        let text = "[settings]\ntimezone = \"Asia/Seol\"\n";
        assert_eq!(
            at(text, "\"Asia", 11),
            "a.toml:2:12: bad\n  help: fix it\n  |\n2 | timezone = \"Asia/Seol\"\n  |            ^^^^^^^^^^^"
        );
    }

    #[test]
    fn wide_characters_keep_the_underline_in_place() {
        let text = "name = \"배포\" x\n";
        assert_eq!(
            at(text, "x", 1),
            "a.toml:1:13: bad\n  help: fix it\n  |\n1 | name = \"배포\" x\n  |               ^"
        );
    }

    #[test]
    fn a_span_over_lines_is_underlined_on_its_first_line_and_an_empty_one_gets_a_caret() {
        let text = "[[window]]\nname = \"w\"\n";
        assert_eq!(
            at(text, "[[", text.len()),
            "a.toml:1:1: bad\n  help: fix it\n  |\n1 | [[window]]\n  | ^^^^^^^^^^"
        );
        assert_eq!(
            at(text, "name", 0),
            "a.toml:2:1: bad\n  help: fix it\n  |\n2 | name = \"w\"\n  | ^"
        );
        let src = Source::new(PathBuf::from("a.toml"), "x = \"");
        let eof = src.diagnostic(5..5, "end", None).render();
        assert_eq!(eof, "a.toml:1:6: end\n  |\n1 | x = \"\n  |      ^");
        // At the end of a CRLF line.
        let src = Source::new(PathBuf::from("a.toml"), "x = \"\r\ny = 1\r\n");
        let eol = src.diagnostic(5..5, "end", None).render();
        assert_eq!(eol, "a.toml:1:6: end\n  |\n1 | x = \"\n  |      ^");
    }
}
