//! The physical text of an iCalendar file: unfolding with a map back to the file's
//! own lines (the parser's line numbers count unfolded lines, which is not what a
//! person sees in an editor), a structural check that names the line of a broken
//! file, and TEXT escaping (RFC 5545 §3.3.11).

use super::error::IcsError;

/// How deep components may nest. Real calendars go three deep (`VCALENDAR` ›
/// `VEVENT` › `VALARM`, `VCALENDAR` › `VTIMEZONE` › `STANDARD`); the parser
/// recurses once per level, so a file nested thousands deep would overflow the
/// stack and abort the process (the server too, on a reload or a feed refresh).
pub(crate) const MAX_NESTING: usize = 16;

/// A file's content lines, unfolded (RFC 5545 §3.1), joined by CRLF (the parser
/// looks for a CRLF at the end of each value first: with LF alone it would search
/// the rest of the file for one, for every line), with the physical line each one
/// starts on.
pub(crate) struct Unfolded {
    pub text: String,
    /// `(offset in text, 1-based physical line)` of each content line, in order.
    starts: Vec<(usize, usize)>,
}

impl Unfolded {
    pub fn new(raw: &str) -> Unfolded {
        let raw = raw.strip_prefix('\u{feff}').unwrap_or(raw);
        let mut text = String::with_capacity(raw.len());
        let mut starts = Vec::new();
        for (i, line) in raw.split('\n').enumerate() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            match line.strip_prefix([' ', '\t']) {
                // A continuation: the rest of the previous content line.
                Some(rest) if !starts.is_empty() => text.push_str(rest),
                _ => {
                    if !starts.is_empty() {
                        text.push_str("\r\n");
                    }
                    starts.push((text.len(), i + 1));
                    text.push_str(line);
                }
            }
        }
        text.push_str("\r\n");
        Unfolded { text, starts }
    }

    /// The physical line of a byte offset in the unfolded text.
    pub fn line_at(&self, offset: usize) -> usize {
        let i = self.starts.partition_point(|(o, _)| *o <= offset);
        self.starts
            .get(i.saturating_sub(1))
            .map_or(1, |(_, line)| *line)
    }

    /// The physical line of a slice of the unfolded text (what the parser hands
    /// back borrows from it); `None` for text that is not part of it.
    pub fn line_of(&self, part: &str) -> Option<usize> {
        let base = self.text.as_ptr() as usize;
        let at = part.as_ptr() as usize;
        (at >= base && at <= base + self.text.len()).then(|| self.line_at(at - base))
    }

    /// Content lines with their physical line numbers.
    fn lines(&self) -> impl Iterator<Item = (usize, &str)> {
        self.starts.iter().enumerate().map(|(i, (offset, line))| {
            let end = self
                .starts
                .get(i + 1)
                .map_or(self.text.len(), |(next, _)| next - 2);
            (*line, self.text.get(*offset..end).unwrap_or(""))
        })
    }

    /// Checks what the parser needs and would otherwise reject with a message
    /// about its own grammar: every content line is `NAME[;PARAM=…]:value`, and
    /// `BEGIN`/`END` pair up inside one `VCALENDAR`, at most [`MAX_NESTING`] deep.
    /// It runs before the parser, and is linear, so no file can make the parser
    /// recurse past that depth.
    pub fn check_structure(&self) -> Result<(), IcsError> {
        let mut open: Vec<(String, usize)> = Vec::new();
        let mut seen_calendar = false;
        for (line, content) in self.lines() {
            let content = content.trim_end();
            if content.is_empty() {
                continue;
            }
            let shown = shorten(content);
            let Some((name, value)) = split_content_line(content) else {
                return Err(IcsError::at(
                    line,
                    format!("`{shown}` is not an iCalendar content line"),
                )
                .help("each line is `NAME:value` or `NAME;PARAM=value:value`; a line that continues the one before starts with a space"));
            };
            let upper = name.to_ascii_uppercase();
            match upper.as_str() {
                "BEGIN" => {
                    let component = value.trim().to_ascii_uppercase();
                    if open.is_empty() {
                        if component != "VCALENDAR" || seen_calendar {
                            return Err(not_a_calendar(line, &shown));
                        }
                        seen_calendar = true;
                    }
                    if open.len() == MAX_NESTING {
                        return Err(IcsError::at(
                            line,
                            format!(
                                "`BEGIN:{}` nests components more than {MAX_NESTING} deep",
                                shorten(&component)
                            ),
                        )
                        .help("a calendar nests a few levels at most (`VCALENDAR` › `VEVENT` › `VALARM`); is every `BEGIN` closed by its `END`?"));
                    }
                    open.push((component, line));
                }
                "END" => {
                    let component = value.trim().to_ascii_uppercase();
                    match open.pop() {
                        Some((begun, _)) if begun == component => {}
                        Some((begun, begun_line)) => {
                            return Err(IcsError::at(
                                line,
                                format!(
                                    "`END:{component}` does not close `BEGIN:{begun}` (line {begun_line})"
                                ),
                            ));
                        }
                        None => {
                            return Err(IcsError::at(
                                line,
                                format!("`END:{component}` has no matching `BEGIN`"),
                            ));
                        }
                    }
                }
                _ if open.is_empty() => return Err(not_a_calendar(line, &shown)),
                _ => {}
            }
        }
        // The innermost: where a file that was cut off stops.
        if let Some((component, line)) = open.last() {
            return Err(
                IcsError::at(*line, format!("`BEGIN:{component}` is never closed")).help(format!(
                    "the file ends before `END:{component}`; was it cut off?"
                )),
            );
        }
        if !seen_calendar {
            return Err(IcsError::at(1, "no `BEGIN:VCALENDAR` in the file")
                .help("an iCalendar file starts with `BEGIN:VCALENDAR`"));
        }
        Ok(())
    }
}

fn not_a_calendar(line: usize, shown: &str) -> IcsError {
    IcsError::at(line, format!("`{shown}` is outside `BEGIN:VCALENDAR` … `END:VCALENDAR`"))
        .help("an iCalendar file is one `VCALENDAR`; is this the calendar's ICS address, not its web page?")
}

/// A content line's name and value: the name runs to the first `;` or `:`, and
/// the value starts after the first `:` outside a quoted parameter value.
fn split_content_line(content: &str) -> Option<(&str, &str)> {
    let name_end = content.find([';', ':'])?;
    let name = &content[..name_end];
    let name_ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ','));
    if !name_ok {
        return None;
    }
    let mut quoted = false;
    for (i, c) in content[name_end..].char_indices() {
        match c {
            '"' => quoted = !quoted,
            ':' if !quoted => return Some((name, &content[name_end + i + 1..])),
            _ => {}
        }
    }
    None
}

/// At most 60 characters of a line, for messages.
fn shorten(line: &str) -> String {
    match line.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line.to_string(),
    }
}

/// Undoes TEXT escaping: `\\`, `\;`, `\,`, `\n`/`\N`.
pub(crate) fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// Splits a TEXT list (`CATEGORIES:Sales,Launch\, EU`) on unescaped commas and
/// unescapes each item.
pub(crate) fn split_list(value: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut current = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                current.push(c);
                if let Some(next) = chars.next() {
                    current.push(next);
                }
            }
            ',' => items.push(unescape(&std::mem::take(&mut current))),
            _ => current.push(c),
        }
    }
    items.push(unescape(&current));
    items
        .into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Escapes TEXT for writing: `\` `;` `,` and newlines.
pub(crate) fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            _ => out.push(c),
        }
    }
    out
}

/// Writes one content line folded at 75 octets (never inside a UTF-8 sequence),
/// each physical line ending in CRLF (RFC 5545 §3.1).
pub(crate) fn push_folded(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            // The leading space counts toward the next line's 75 octets.
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unfolding_keeps_physical_lines() {
        let raw = "BEGIN:VCALENDAR\r\nSUMMARY:a long\r\n  line\r\nUID:x\r\nEND:VCALENDAR\r\n";
        let u = Unfolded::new(raw);
        assert_eq!(
            u.text,
            "BEGIN:VCALENDAR\r\nSUMMARY:a long line\r\nUID:x\r\nEND:VCALENDAR\r\n\r\n"
        );
        let uid = u.text.find("UID").unwrap();
        assert_eq!(u.line_at(uid), 4);
        assert_eq!(u.line_of(&u.text[uid..uid + 3]), Some(4));
        assert_eq!(u.line_of("elsewhere"), None);
    }

    #[test]
    fn structure_problems_name_their_line() {
        let cases: &[(&str, usize, &str)] = &[
            (
                "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20260101\n",
                2,
                "never closed",
            ),
            (
                "BEGIN:VCALENDAR\nBEGIN:VEVENT\nEND:VTODO\nEND:VCALENDAR\n",
                3,
                "does not close",
            ),
            (
                "BEGIN:VCALENDAR\nBEGIN:VEVENT\n;;;\nEND:VEVENT\nEND:VCALENDAR\n",
                3,
                "not an iCalendar content line",
            ),
            (
                "BEGIN:VCALENDAR\nSUMMARY no colon\nEND:VCALENDAR\n",
                2,
                "not an iCalendar content line",
            ),
            (
                "<!DOCTYPE html>\n<html>\n",
                1,
                "not an iCalendar content line",
            ),
            ("BEGIN:VEVENT\nEND:VEVENT\n", 1, "outside"),
            ("", 1, "no `BEGIN:VCALENDAR`"),
        ];
        for (text, line, message) in cases {
            let err = Unfolded::new(text).check_structure().unwrap_err();
            assert_eq!(err.line, *line, "{text:?}: {err:?}");
            assert!(err.message.contains(message), "{text:?}: {err:?}");
        }
        let quoted = "BEGIN:VCALENDAR\nX-A;P=\"a:b\":v\nEND:VCALENDAR\n";
        assert!(Unfolded::new(quoted).check_structure().is_ok());
    }

    /// `depth` components inside the VCALENDAR, each closed.
    fn nested(depth: usize) -> String {
        let mut text = String::from("BEGIN:VCALENDAR\r\n");
        text.push_str(&"BEGIN:X-BLOCK\r\n".repeat(depth));
        text.push_str(&"END:X-BLOCK\r\n".repeat(depth));
        text.push_str("END:VCALENDAR\r\n");
        text
    }

    #[test]
    fn nesting_is_bounded_before_the_parser_sees_it() {
        // The VCALENDAR is the first level.
        assert!(
            Unfolded::new(&nested(MAX_NESTING - 1))
                .check_structure()
                .is_ok()
        );
        for depth in [MAX_NESTING, MAX_NESTING + 1, 1_000, 200_000] {
            let err = Unfolded::new(&nested(depth)).check_structure().unwrap_err();
            // The first BEGIN past the limit, on line MAX_NESTING + 1.
            assert_eq!(err.line, MAX_NESTING + 1, "depth {depth}: {err:?}");
            assert!(err.message.contains("more than 16 deep"), "{err:?}");
        }
        // Unclosed, and nested through folded lines: still the physical line.
        let mut folded = String::from("BEGIN:VCALENDAR\r\n");
        folded.push_str(&"BEG\r\n IN:VEVENT\r\n".repeat(50_000));
        let err = Unfolded::new(&folded).check_structure().unwrap_err();
        assert_eq!(err.line, 2 * (MAX_NESTING - 1) + 2, "{err:?}");
    }

    #[test]
    fn text_lists_and_escapes() {
        assert_eq!(split_list("Sales, Launch\\, EU,,"), ["Sales", "Launch, EU"]);
        assert_eq!(unescape("a\\;b\\nc\\\\"), "a;b\nc\\");
        assert_eq!(escape("a;b,c\\d\ne"), "a\\;b\\,c\\\\d\\ne");
    }

    #[test]
    fn folding_splits_at_75_octets_and_never_inside_a_character() {
        let mut out = String::new();
        let long = format!("SUMMARY:{}", "배포".repeat(40));
        push_folded(&mut out, &long);
        for line in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(line.len() <= 75, "{line:?} is {} octets", line.len());
        }
        assert_eq!(Unfolded::new(&out).text.trim_end(), long);
    }
}
