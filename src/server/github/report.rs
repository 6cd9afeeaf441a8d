//! The Markdown comments a deployment is answered with: an approval naming the
//! policy fingerprint, a status report (the blocking rules with their reasons
//! and ends, and when it will be approved), and a rejection with the reasons.
//! GitHub takes at most [`MAX_COMMENT_CHARS`]; longer lists are cut with a
//! count of what was left out. Pure: the caller passes the decision.

use crate::eval::Decision;
use chrono::{DateTime, SecondsFormat, TimeDelta};
use chrono_tz::Tz;
use std::fmt::Write as _;

/// The most characters GitHub keeps of a comment.
pub(super) const MAX_COMMENT_CHARS: usize = 1024;
/// The most characters of one rule's reason shown.
const MAX_REASON_CHARS: usize = 160;

/// Who the deploy is decided as: `service` to `env`.
fn target(d: &Decision) -> String {
    format!("`{}` to `{}`", code(&d.service), code(&d.env))
}

fn when(t: &DateTime<Tz>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The approval.
pub(super) fn approval(d: &Decision) -> String {
    fit(format!(
        "✅ **shipwindow approved** deploying {} now (policy `{}`).",
        target(d),
        d.policy
    ))
}

/// A status report: held, by what, until when.
pub(super) fn status_report(d: &Decision, approve_at: &DateTime<Tz>) -> String {
    let head = format!(
        "⏸ **shipwindow is holding** deploying {} (policy `{}`).\n\nBlocked by:\n",
        target(d),
        d.policy
    );
    let tail = format!(
        "\nWill approve at **{}** if nothing else blocks it then.",
        when(approve_at)
    );
    with_blockers(head, d, &tail)
}

/// The rejection: blocked, and nothing opens within `max_hold` (or the error
/// that kept it from being decided).
pub(super) fn rejection(d: &Decision, max_hold: TimeDelta) -> String {
    let head = format!(
        "⛔ **shipwindow rejected** deploying {} (policy `{}`).\n\nBlocked by:\n",
        target(d),
        d.policy
    );
    let tail = match &d.next_allowed {
        Some(t) => format!(
            "\nThe next window opens at {}, later than the longest hold ({}).",
            when(t),
            hours(max_hold)
        ),
        None => format!(
            "\nNo window opens within the longest hold ({}).",
            hours(max_hold)
        ),
    };
    with_blockers(head, d, &tail)
}

/// A rejection for a deployment that could not be decided at all.
pub(super) fn undecidable(service: &str, env: &str, why: &str) -> String {
    fit(format!(
        "⛔ **shipwindow rejected** deploying `{}` to `{}`: it cannot be decided ({}).",
        code(service),
        code(env),
        plain(why)
    ))
}

fn hours(d: TimeDelta) -> String {
    match d.num_hours() {
        h if h % 24 == 0 && h > 0 => format!("{}d", h / 24),
        h if h > 0 => format!("{h}h"),
        _ => format!("{}m", d.num_minutes()),
    }
}

/// `head`, one line per blocking rule (as many as fit), then `tail`.
fn with_blockers(head: String, d: &Decision, tail: &str) -> String {
    let mut out = head;
    let budget = MAX_COMMENT_CHARS.saturating_sub(tail.chars().count() + 40);
    for (i, b) in d.blocked_by.iter().enumerate() {
        let mut reason: String = b.reason.chars().take(MAX_REASON_CHARS).collect();
        if b.reason.chars().count() > MAX_REASON_CHARS {
            reason.push('…');
        }
        let line = format!(
            "- `{}` ({}): {} — until {}\n",
            code(&b.rule),
            b.kind.as_str(),
            plain(&reason),
            when(&b.until)
        );
        if out.chars().count() + line.chars().count() > budget {
            let _ = writeln!(out, "- …and {} more", d.blocked_by.len() - i);
            break;
        }
        out.push_str(&line);
    }
    out.push_str(tail);
    fit(out)
}

/// Text inside a code span: backticks would end it.
fn code(s: &str) -> String {
    crate::text::escape(s).replace('`', "'")
}

/// Text shown as itself: control characters escaped, Markdown and HTML
/// punctuation backslash-escaped.
fn plain(s: &str) -> String {
    let mut out = String::new();
    for c in crate::text::escape(s).chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~' | '!' | '@'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// At most [`MAX_COMMENT_CHARS`], cut at a character.
fn fit(s: String) -> String {
    if s.chars().count() <= MAX_COMMENT_CHARS {
        return s;
    }
    let mut cut: String = s.chars().take(MAX_COMMENT_CHARS - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;
    use crate::{DeployRequest, PolicySet, decide};

    fn denied(rules: usize, reason: &str) -> Decision {
        let mut text = String::new();
        for i in 0..rules {
            text.push_str(&format!(
                "[[freeze]]\nname = \"f{i}\"\nreason = \"{reason}\"\nstart_at = \"2026-11-27T00:00\"\nend_at = \"2026-11-28T00:00\"\n"
            ));
        }
        let policy = PolicySet::from_files(&[("a.toml", &text)]).unwrap();
        let at = DateTime::parse_from_rfc3339("2026-11-27T10:00:00Z")
            .unwrap()
            .to_utc();
        decide(&policy, &DeployRequest::new("web", "prod", at)).unwrap()
    }

    #[test]
    fn a_report_names_the_rules_and_when_it_approves() {
        let d = denied(2, "Black *Friday*");
        let at = d.next_allowed.unwrap();
        let text = status_report(&d, &at);
        assert!(
            text.contains("`f0` (freeze): Black \\*Friday\\* — until 2026-11-28T00:00:00Z"),
            "{text}"
        );
        assert!(text.contains("`f1`"), "{text}");
        assert!(
            text.contains("Will approve at **2026-11-28T00:00:00Z**"),
            "{text}"
        );
        assert!(text.contains(&d.policy), "{text}");
    }

    #[test]
    fn long_lists_are_cut_to_githubs_limit() {
        let d = denied(40, &"x".repeat(300));
        let at = d.next_allowed.unwrap();
        for text in [status_report(&d, &at), rejection(&d, TimeDelta::hours(24))] {
            assert!(text.chars().count() <= MAX_COMMENT_CHARS, "{}", text.len());
            assert!(text.contains("more"), "{text}");
            assert!(text.contains("`f0`"), "{text}");
        }
        assert!(rejection(&d, TimeDelta::hours(24)).contains("longest hold (1d)"));
        assert!(undecidable(&"s".repeat(2000), "e", "x").chars().count() <= MAX_COMMENT_CHARS);
    }
}
