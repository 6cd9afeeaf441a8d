//! `diff --format github`: a Markdown summary for the pull request — per
//! changed pair `+6h blocked, −2h open`, its stretches and the rules on both
//! sides, then the held deploys — on stdout (for a pull-request comment) and
//! appended to `$GITHUB_STEP_SUMMARY`; one `::warning` (something became
//! blocked) or `::notice` on stderr, where the runner reads it too and it does
//! not end up in a comment made from stdout.

use super::human::{held_state, side_text, totals};
use super::report::{DiffReport, HeldReport, Side};
use crate::cli::github::{append, code, data, markdown, property};
use crate::cli::human::when;
use crate::cli::output::out;
use crate::review::Became;
use crate::time::duration::format_duration;
use std::fmt::Write;

/// The most stretches listed per pair, and the most pairs listed with their
/// stretches: a step summary holds at most 1 MiB, and a reviewer reads the
/// first few; the totals and the table of pairs count them all.
const MAX_ROWS: usize = 40;
const MAX_SECTIONS: usize = 50;

fn source(side: &Side) -> String {
    let kind = if side.git_ref { "git ref " } else { "" };
    format!("{kind}{}", code(&side.label))
}

pub(super) fn summary(report: &DiffReport) -> String {
    let mut out = String::new();
    let changed: Vec<_> = report.changed().collect();
    let _ = writeln!(out, "### shipwindow: policy change\n");
    let _ = writeln!(
        out,
        "Base {} → head {}, {} to {}: {} service/env pair{} compared, {} changed.\n",
        source(&report.base),
        source(&report.head),
        when(&report.from),
        when(&report.to),
        report.pairs.len(),
        if report.pairs.len() == 1 { "" } else { "s" },
        changed.len()
    );
    if !changed.is_empty() {
        let _ = writeln!(out, "| service | env | change |\n|---|---|---|");
        for p in &changed {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                code(&p.diff.service),
                code(&p.diff.env),
                totals(p.diff.blocked, p.diff.opened)
            );
        }
        let _ = writeln!(out);
    }
    for p in changed.iter().take(MAX_SECTIONS) {
        let d = &p.diff;
        let _ = writeln!(
            out,
            "#### {} to {}: {}\n",
            markdown(&d.service),
            markdown(&d.env),
            totals(d.blocked, d.opened)
        );
        let _ = writeln!(
            out,
            "| | from | to | length | base | head |\n|---|---|---|---|---|---|"
        );
        for c in d.changes.iter().take(MAX_ROWS) {
            let mark = match c.became {
                Became::Blocked => "➕ blocked",
                Became::Open => "➖ open",
            };
            let _ = writeln!(
                out,
                "| {mark} | {} | {} | {} | {} | {} |",
                when(&c.start),
                when(&c.end),
                format_duration(c.len()),
                markdown(&side_text(&c.base)),
                markdown(&side_text(&c.head))
            );
        }
        if d.changes.len() > MAX_ROWS {
            let _ = writeln!(
                out,
                "\n…and {} more stretches (`shipwindow diff --format json` lists them all).",
                d.changes.len() - MAX_ROWS
            );
        }
        let _ = writeln!(out);
    }
    if changed.len() > MAX_SECTIONS {
        let _ = writeln!(
            out,
            "…and the stretches of {} more pairs (`shipwindow diff --format json` lists them all).\n",
            changed.len() - MAX_SECTIONS
        );
    }
    let unchanged: Vec<String> = report
        .unchanged()
        .map(|p| format!("{} to {}", code(&p.diff.service), code(&p.diff.env)))
        .collect();
    if !unchanged.is_empty() {
        let _ = writeln!(out, "Unchanged: {}.\n", unchanged.join(", "));
    }
    match &report.held {
        HeldReport::NotChecked { why } => {
            let _ = writeln!(out, "Held deploys: not checked ({}).\n", markdown(why));
        }
        HeldReport::Checked { count, blocked, .. } if blocked.is_empty() => {
            let _ = writeln!(out, "Held deploys: {count}, none newly blocked.\n");
        }
        HeldReport::Checked { count, blocked, .. } => {
            let _ = writeln!(
                out,
                "#### Held deploys the change would now block ({} of {count})\n",
                blocked.len()
            );
            let _ = writeln!(out, "| deploy | at | base | head |\n|---|---|---|---|");
            for h in blocked {
                let at = h.span.start.with_timezone(&report.from.timezone());
                let side = |s: &crate::review::HeldSide| {
                    format!(
                        "{} to {}: {}",
                        code(&s.service),
                        code(&s.env),
                        markdown(&held_state(s))
                    )
                };
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    markdown(&h.what),
                    when(&at),
                    side(&h.base),
                    side(&h.head)
                );
            }
            let _ = writeln!(out);
        }
    }
    let _ = writeln!(
        out,
        "<sub>base policy `{}`, head policy `{}`</sub>\n",
        report.base.fingerprint, report.head.fingerprint
    );
    out
}

/// The summary on stdout and in `$GITHUB_STEP_SUMMARY`, and the annotation.
pub(super) fn github(report: &DiffReport) {
    let text = summary(report);
    append("GITHUB_STEP_SUMMARY", &text);
    out!("{text}");
    let held = report.held_blocked().len();
    let totals = totals(report.blocked(), report.opened());
    let message = if held > 0 {
        format!("{totals}; {held} held deploy(s) would now be blocked")
    } else {
        totals
    };
    let command = if report.new_blocks() {
        "warning"
    } else {
        "notice"
    };
    eprintln!(
        "::{command} title={}::{}",
        property("Policy change"),
        data(&message)
    );
}
