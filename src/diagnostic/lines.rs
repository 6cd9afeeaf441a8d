//! Byte offsets in a text to 1-based line and character column, and back to
//! the text of a line.

/// The start of every line of a text.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { starts }
    }

    /// The 1-based line and column (in characters) of `offset` in `text`.
    pub fn position(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let line = self.starts.partition_point(|s| *s <= offset).max(1);
        let start = self.starts[line - 1];
        let column = text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count())
            + 1;
        (line, column)
    }

    /// The byte range of 1-based `line` in `text`, without its line break;
    /// `None` past the last line.
    pub fn line_span(&self, text: &str, line: usize) -> Option<std::ops::Range<usize>> {
        let start = *self.starts.get(line.checked_sub(1)?)?;
        if start > text.len() {
            return None;
        }
        let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let end = if text[..end].ends_with('\r') {
            end - 1
        } else {
            end
        };
        Some(start..end.max(start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let text = "a = 1\nname = \"배포\" x\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, 0), (1, 1));
        assert_eq!(idx.position(text, 6), (2, 1));
        let x = text.find('x').unwrap();
        assert_eq!(idx.position(text, x), (2, 13));
    }

    #[test]
    fn a_line_span_leaves_out_the_line_break() {
        let text = "BEGIN:VCALENDAR\r\nUID:a\r\nEND";
        let idx = LineIndex::new(text);
        assert_eq!(&text[idx.line_span(text, 1).unwrap()], "BEGIN:VCALENDAR");
        assert_eq!(&text[idx.line_span(text, 2).unwrap()], "UID:a");
        assert_eq!(&text[idx.line_span(text, 3).unwrap()], "END");
        assert_eq!(idx.line_span(text, 4), None);
        assert_eq!(idx.line_span(text, 0), None);
    }
}
