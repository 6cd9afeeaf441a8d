//! `traffic --format toml`: the `[[window]]` tables that encode the windows,
//! ready to paste into a policy file (weekly spans on the wall clock in the
//! zone), with a comment saying where they came from and how to keep them
//! following the traffic instead.

use super::report::{Report, value};
use std::fmt::Write;

pub(super) fn render(r: &Report, name: &str) -> String {
    let mut out = String::new();
    let threshold = value(r.threshold);
    let _ = writeln!(
        out,
        "# Low-traffic windows of `{}` at {}:",
        comment(&r.query),
        comment(&r.prometheus)
    );
    let _ = writeln!(
        out,
        "# the median of each {} slot over {} to {}, at or below {} ({threshold}),",
        r.step, r.lookback, r.to, r.below
    );
    let _ = writeln!(
        out,
        "# runs of at least {}. Add `services` and `envs` to scope them. To have the",
        r.min_length
    );
    let _ = writeln!(
        out,
        "# window follow the traffic instead, give one [[window]] these keys:"
    );
    let _ = writeln!(
        out,
        "# traffic = {{ prometheus = {}, query = {}, below = {}, lookback = {}, refresh = \"1d\", step = {} }}",
        comment(&string(&r.prometheus)),
        comment(&string(&r.query)),
        string(&r.below),
        string(&r.lookback),
        string(&r.step)
    );
    if r.windows.is_empty() {
        let _ = writeln!(
            out,
            "# No window: no run of low slots is {} or longer.",
            r.min_length
        );
        return out;
    }
    for (i, w) in r.windows.iter().enumerate() {
        let _ = writeln!(out);
        let _ = writeln!(out, "[[window]]");
        let _ = writeln!(out, "name = {}", string(&format!("{name}-{}", i + 1)));
        let _ = writeln!(
            out,
            "reason = {}",
            string(&format!(
                "Low traffic: {} to {} ({})",
                w.from, w.to, w.length
            ))
        );
        let _ = writeln!(out, "timezone = {}", string(&r.zone));
        let _ = writeln!(out, "from = {}", string(&w.from));
        let _ = writeln!(out, "to = {}", string(&w.to));
    }
    out
}

/// A TOML basic string: quotes, backslashes and control characters escaped.
fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text for a comment line: a line break would end the comment.
fn comment(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_for_toml() {
        assert_eq!(string(r#"sum(x{a="b\c"})"#), r#""sum(x{a=\"b\\c\"})""#);
        assert_eq!(string("a\nb\u{7}"), "\"a\\nb\\u0007\"");
        assert_eq!(comment("a\nb"), "a b");
    }
}
