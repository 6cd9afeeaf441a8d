//! URL credentials (`scheme://user:password@host`) kept out of anything shown:
//! messages, logs, a diagnostic's source line. Works on free text, because a
//! URL also arrives inside other libraries' error messages (`bad uri: … is
//! missing host`). Knows nothing of where the text goes.

use std::ops::Range;

/// `text` with the `user:password@` of every URL in it left out.
///
/// ```text
/// cannot reach https://ci:s3cret@gate.example/v1/check  →  cannot reach https://gate.example/v1/check
/// ```
pub(crate) fn strip(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    for userinfo in userinfos(text) {
        out.push_str(&text[from..userinfo.start]);
        // The `@` after the userinfo goes too.
        from = userinfo.end + 1;
    }
    out.push_str(&text[from..]);
    out
}

/// `text` with each byte of every URL's `user:password` made `*`: the same
/// length, so offsets into it (a diagnostic's underline) still point right.
pub(crate) fn mask(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    for userinfo in userinfos(text) {
        out.push_str(&text[from..userinfo.start]);
        out.push_str(&"*".repeat(userinfo.len()));
        from = userinfo.end;
    }
    out.push_str(&text[from..]);
    out
}

/// The byte ranges of the userinfo (before its `@`) of each URL in `text`.
fn userinfos(text: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(i) = text[at..].find("://") {
        let start = at + i + 3;
        // The authority ends where the path, query or fragment begins, or where
        // the URL itself ends in the surrounding text.
        let len = text[start..]
            .find(|c: char| "/?#\"'<>`".contains(c) || c.is_whitespace())
            .unwrap_or(text.len() - start);
        if let Some(k) = text[start..start + len].rfind('@') {
            found.push(start..start + k);
        }
        at = start + len;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 13, class 12: no URL's credentials survive, wherever the URL sits.
    #[test]
    fn credentials_are_left_out_of_every_url_in_a_text() {
        let cases = [
            ("https://u:p@cal.example/x.ics", "https://cal.example/x.ics"),
            ("http://u@h", "http://h"),
            ("http://:p@h:8080/", "http://h:8080/"),
            ("http://a%40b:p%40ss@h/x", "http://h/x"),
            ("http://u:p@q@h/x?next=y@z", "http://h/x?next=y@z"),
            (
                "cannot reach `https://ci:tok@gate.example`: bad uri: https://ci:tok@gate.example is missing host",
                "cannot reach `https://gate.example`: bad uri: https://gate.example is missing host",
            ),
            (
                "ics = \"webcal://me:pw@cal.example/f.ics\"",
                "ics = \"webcal://cal.example/f.ics\"",
            ),
            (
                "no url here, just me@example.com",
                "no url here, just me@example.com",
            ),
            ("https://h/p@q", "https://h/p@q"),
            ("https://", "https://"),
            ("://@", "://"),
        ];
        for (text, want) in cases {
            assert_eq!(strip(text), want, "{text}");
            let masked = mask(text);
            assert_eq!(masked.len(), text.len(), "{text}");
            assert!(
                !masked.contains(":p@") && !masked.contains("tok@"),
                "{masked}"
            );
        }
        assert_eq!(mask("https://u:pä@h/"), "https://*****@h/");
    }
}
