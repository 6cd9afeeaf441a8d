//! Text put into XML or HTML (the windows grid's SVG, the server's page): every
//! character markup gives a meaning escaped, and control characters, which XML
//! cannot hold even escaped, written as visible `\u{…}` escapes.

/// `s` safe as element text and as a quoted attribute value in XML and HTML.
/// Line breaks stay (a tooltip's lines); other control characters do not.
pub fn escape(s: &str) -> String {
    let visible: Vec<_> = s.split('\n').map(crate::text::escape).collect();
    let visible = visible.join("\n");
    let mut out = String::with_capacity(visible.len() + 8);
    for c in visible.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_control_characters_are_escaped() {
        assert_eq!(
            escape(r#"<b onclick='x()'>"A&B"</b>"#),
            "&lt;b onclick=&#39;x()&#39;&gt;&quot;A&amp;B&quot;&lt;/b&gt;"
        );
        assert_eq!(escape("a\u{1}b\u{202e}"), "a\\u{0001}b\\u{202e}");
        assert_eq!(escape("Black Friday"), "Black Friday");
        assert_eq!(escape("two\nlines\r"), "two\nlines\\r");
    }
}
