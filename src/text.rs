//! Control characters in text that crosses the program's edges: refusing them
//! in request text ([`check_line`]) and escaping them in everything printed
//! ([`escape`], [`LogWriter`]), so no value can forge a log line or reorder
//! what a reader sees.

use std::borrow::Cow;
use std::io;

/// The bidirectional formatting characters: they reorder what a terminal or a
/// browser shows without being visible themselves.
const BIDI: &[char] = &[
    '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}',
    '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
];

/// A character request text may not hold: C0 (line breaks and tabs too: a
/// value is one line), DEL, C1, or a bidi control.
pub fn is_forbidden(c: char) -> bool {
    c.is_control() || BIDI.contains(&c)
}

/// The first forbidden character in a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("has the control character U+{:04X} in it (at character {}); give one line of plain text", u32::from(*.ch), .at + 1)]
pub struct ControlChar {
    pub ch: char,
    /// Its index in characters, from 0.
    pub at: usize,
}

/// A character printed as an escape: a forbidden one, or a line or paragraph
/// separator (which some viewers break lines at).
fn needs_escape(c: char) -> bool {
    is_forbidden(c) || c == '\u{2028}' || c == '\u{2029}'
}

/// Refuses a value holding a forbidden character.
pub fn check_line(s: &str) -> Result<(), ControlChar> {
    match s.chars().enumerate().find(|(_, c)| is_forbidden(*c)) {
        Some((at, ch)) => Err(ControlChar { ch, at }),
        None => Ok(()),
    }
}

/// The value with every forbidden character written as `\u{XXXX}` (and `\n`,
/// `\r`, `\t` as themselves escaped), so it prints as one visible line.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:04x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A writer for line-oriented logs: each write is one record, and every
/// character [`escape`] would escape in it but a final line break is escaped,
/// so a value logged raw (a reason, a file's text in an error) cannot start a
/// line of its own. `tracing`'s formatter writes each event with one call.
#[derive(Debug)]
pub struct LogWriter<W> {
    inner: W,
    json: bool,
}

impl<W> LogWriter<W> {
    /// For the text format, which writes values raw: escapes as [`escape`].
    pub fn text(inner: W) -> LogWriter<W> {
        LogWriter { inner, json: false }
    }

    /// For JSON lines: the encoder escapes C0 already; DEL, C1, bidi controls
    /// and separators (only ever inside strings) become `\uXXXX` escapes.
    pub fn json(inner: W) -> LogWriter<W> {
        LogWriter { inner, json: true }
    }
}

fn json_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if needs_escape(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

impl<W: io::Write> io::Write for LogWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let (body, end) = match text.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (&*text, ""),
        };
        let body = if self.json {
            Cow::Owned(json_escape(body))
        } else {
            escape(body)
        };
        let line = format!("{body}{end}");
        self.inner.write_all(line.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    #[test]
    fn forbidden_characters_are_named_and_escaped() {
        for (s, ch) in [
            ("a\nb", '\n'),
            ("a\tb", '\t'),
            ("a\u{7f}", '\u{7f}'),
            ("a\u{85}", '\u{85}'),
            ("a\u{202e}b", '\u{202e}'),
            ("\u{2066}", '\u{2066}'),
            ("a\u{61c}", '\u{61c}'),
        ] {
            assert_eq!(check_line(s).map_err(|e| e.ch), Err(ch), "{s:?}");
            assert!(!escape(s).chars().any(is_forbidden), "{s:?}");
        }
        for ok in ["plain", "ünïcödé 東京", "emoji 🚀", "a\\nb"] {
            assert_eq!(check_line(ok), Ok(()));
            assert_eq!(escape(ok), ok);
        }
        let e = check_line("ab\u{202e}").unwrap_err();
        assert!(e.to_string().contains("U+202E"), "{e}");
        assert!(e.to_string().contains("character 3"), "{e}");
    }

    #[test]
    fn a_log_record_stays_one_line() {
        let mut out = Vec::new();
        LogWriter::text(&mut out)
            .write_all(b"reason=x\n2026-01-01T00:00:00Z  INFO forged\r\n")
            .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(text.ends_with('\n'));

        let mut out = Vec::new();
        let record = "{\"reason\":\"a\u{85}b\u{202e}c\u{2028}\u{7f}\"}\n";
        LogWriter::json(&mut out)
            .write_all(record.as_bytes())
            .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text, "{\"reason\":\"a\\u0085b\\u202ec\\u2028\\u007f\"}\n");
    }
}
