//! `diff` for people: per changed pair `+6h blocked, −2h open` and the
//! stretches, `+` for time that became blocked and `−` for time that became
//! open (as a diff marks lines added and removed), with the rules on both
//! sides; then the unchanged pairs and the held deploys.

use super::report::{DiffReport, HeldReport, Side};
use crate::cli::human::when;
use crate::eval::WindowState;
use crate::review::{Became, HeldSide, SideState};
use crate::text::escape;
use crate::time::duration::format_duration;
use chrono::TimeDelta;
use std::fmt::Write;

/// `+6h blocked, −2h open`, or `no change`.
pub(super) fn totals(blocked: TimeDelta, opened: TimeDelta) -> String {
    match (blocked.is_zero(), opened.is_zero()) {
        (true, true) => "no change".into(),
        (false, true) => format!("+{} blocked", format_duration(blocked)),
        (true, false) => format!("−{} open", format_duration(opened)),
        (false, false) => format!(
            "+{} blocked, −{} open",
            format_duration(blocked),
            format_duration(opened)
        ),
    }
}

/// `open (weeknight)`, `closed (weekend, black-friday)`, `open (no window rule)`.
pub(super) fn side_text(side: &SideState) -> String {
    let state = match side.state {
        WindowState::Open => "open",
        WindowState::Closed => "closed",
    };
    if side.rules.is_empty() {
        return format!("{state} (no window rule applies)");
    }
    let rules: Vec<String> = side.rules.iter().map(|r| escape(r).into_owned()).collect();
    format!("{state} ({})", rules.join(", "))
}

/// A held deploy's state on one side, as [`side_text`] words a stretch's.
pub(super) fn held_state(side: &HeldSide) -> String {
    side_text(&SideState {
        state: if side.closed {
            WindowState::Closed
        } else {
            WindowState::Open
        },
        rules: side.rules.clone(),
    })
}

/// `origin/main (git ref, sha256:dd5fe1f9f915…)`.
pub(super) fn side_label(side: &Side) -> String {
    let short: String = side
        .fingerprint
        .chars()
        .take("sha256:".len() + 12)
        .collect();
    let kind = if side.git_ref { "git ref, " } else { "" };
    format!("{} ({kind}{short}…)", escape(&side.label))
}

pub(super) fn render(report: &DiffReport) -> String {
    let mut out = String::new();
    let changed = report.changed().count();
    let _ = writeln!(
        out,
        "policy diff: base {} → head {}",
        side_label(&report.base),
        side_label(&report.head)
    );
    let _ = writeln!(
        out,
        "{} to {}: {} service/env pair{} compared, {changed} changed",
        when(&report.from),
        when(&report.to),
        report.pairs.len(),
        if report.pairs.len() == 1 { "" } else { "s" },
    );
    if report.pairs.is_empty() {
        let _ = writeln!(
            out,
            "  neither policy set names a service and an environment: give --service and --env with exact names"
        );
    }
    for pair in report.changed() {
        let d = &pair.diff;
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{} to {}: {}",
            escape(&d.service),
            escape(&d.env),
            totals(d.blocked, d.opened)
        );
        for c in &d.changes {
            let mark = match c.became {
                Became::Blocked => "+",
                Became::Open => "−",
            };
            let _ = writeln!(
                out,
                "  {mark} {} to {} ({}) became {}",
                when(&c.start),
                when(&c.end),
                format_duration(c.len()),
                c.became.as_str()
            );
            let _ = writeln!(
                out,
                "      base: {}; head: {}",
                side_text(&c.base),
                side_text(&c.head)
            );
        }
    }
    let unchanged: Vec<String> = report
        .unchanged()
        .map(|p| format!("{} to {}", escape(&p.diff.service), escape(&p.diff.env)))
        .collect();
    if !unchanged.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "unchanged: {}", unchanged.join(", "));
    }
    let _ = writeln!(out);
    match &report.held {
        HeldReport::NotChecked { why } => {
            let _ = writeln!(out, "held deploys: not checked ({})", escape(why));
        }
        HeldReport::Checked {
            store,
            count,
            blocked,
        } => {
            if blocked.is_empty() {
                let _ = writeln!(
                    out,
                    "held deploys: {count} in {}, none newly blocked",
                    escape(store)
                );
            }
            if !blocked.is_empty() {
                let _ = writeln!(
                    out,
                    "held deploys: {} of {count} in {} would now be blocked:",
                    blocked.len(),
                    escape(store)
                );
            }
            for h in blocked {
                let side = |s: &HeldSide| {
                    format!(
                        "{} to {}, {}",
                        escape(&s.service),
                        escape(&s.env),
                        held_state(s)
                    )
                };
                let _ = writeln!(
                    out,
                    "  - {}, due {}\n      base: {}; head: {}",
                    escape(&h.what),
                    when(&h.span.start.with_timezone(&report.from.timezone())),
                    side(&h.base),
                    side(&h.head)
                );
            }
        }
    }
    out
}
