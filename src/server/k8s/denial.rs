//! A decision on one line, for callers that show a single line to a person
//! (`kubectl`'s error, a Flagger event): what blocks, why, until when, and
//! when it is next allowed.

use crate::eval::{Decision, Verdict};
use chrono::DateTime;
use chrono_tz::Tz;

fn when(t: &DateTime<Tz>) -> String {
    t.format("%Y-%m-%d %H:%M %Z").to_string()
}

/// `shipwindow: deploy web to prod denied by weekend (freeze until 2026-11-30
/// 06:00 KST: Nobody is around…); next allowed 2026-11-30 22:00 KST`, with text
/// from the policy escaped so it stays one line.
pub(super) fn one_line(d: &Decision) -> String {
    let blockers: Vec<String> = d
        .blocked_by
        .iter()
        .map(|b| {
            format!(
                "{} ({} until {}: {})",
                b.rule,
                b.kind.as_str(),
                when(&b.until),
                b.reason
            )
        })
        .collect();
    let verdict = match d.verdict {
        Verdict::Deny => "denied by",
        Verdict::Override => "allowed by override of",
        Verdict::Allow => "allowed",
    };
    let next = match (&d.verdict, &d.next_allowed) {
        (Verdict::Deny, Some(t)) => format!("; next allowed {}", when(t)),
        (Verdict::Deny, None) => "; nothing allowed within the policy's horizon".to_string(),
        _ => String::new(),
    };
    let line = format!(
        "shipwindow: {} {} to {} {verdict} {}{next}",
        d.change.as_str(),
        d.service,
        d.env,
        blockers.join(", ")
    );
    crate::text::escape(line.trim_end()).into_owned()
}
