//! Output for people reading a terminal or a CI log: short, with reasons, ends and
//! the next allowed time in the policy's zone.

use crate::eval::{Decision, Verdict, WindowState, WindowsReport, join_closed};
use crate::server::STALE_STORE;
use crate::text::escape;
use crate::time::duration::{format_duration, format_until};
use chrono::DateTime;
use chrono_tz::Tz;
use std::fmt::Write;

/// `Fri 2026-11-27 17:30 KST`.
pub(crate) fn when(t: &DateTime<Tz>) -> String {
    t.format("%a %Y-%m-%d %H:%M %Z").to_string()
}

/// A time relative to the request's start: `in 3h 20m`.
fn relative(from: &DateTime<Tz>, to: &DateTime<Tz>) -> String {
    format_until(from.to_utc(), to.to_utc())
}

/// A decision for people. `horizon` is the policy's search horizon, when known
/// (a remote answer does not carry it).
pub(crate) fn decision(horizon: Option<chrono::TimeDelta>, d: &Decision) -> String {
    decision_refused(horizon, d, &[])
}

/// [`decision`], with why an override given with the request was refused.
pub(crate) fn decision_refused(
    horizon: Option<chrono::TimeDelta>,
    d: &Decision,
    refused: &[String],
) -> String {
    let mut out = String::new();
    let head = match d.verdict {
        Verdict::Allow => "ALLOWED",
        Verdict::Override => "ALLOWED (override)",
        Verdict::Deny => "DENIED",
    };
    let _ = writeln!(
        out,
        "{head}: {} {} to {} at {}",
        d.change.as_str(),
        escape(&d.service),
        escape(&d.env),
        when(&d.start)
    );
    let _ = writeln!(
        out,
        "  deploy {} + monitoring {}, clear needed until {}",
        format_duration(d.deploy_end - d.start),
        format_duration(d.monitoring_end - d.deploy_end),
        when(&d.monitoring_end)
    );
    for note in &d.stale {
        let _ = if note == STALE_STORE {
            writeln!(
                out,
                "  warning: decided on the server's last synced state: its store cannot be reached"
            )
        } else {
            writeln!(
                out,
                "  warning: decided on an old copy of a feed: {}",
                escape(note)
            )
        };
    }
    if !d.blocked_by.is_empty() {
        let label = if d.verdict == Verdict::Override {
            "overridden"
        } else {
            "blocked by"
        };
        let _ = writeln!(out, "  {label}:");
        for b in &d.blocked_by {
            let _ = writeln!(
                out,
                "  - {} ({}): {}",
                escape(&b.rule),
                b.kind.as_str(),
                escape(&b.reason)
            );
            let ends = if b.until > d.start {
                format!(", ends {}", relative(&d.start, &b.until))
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "      {} to {}{ends}{}",
                when(&b.from),
                when(&b.until),
                if b.overridable { " (overridable)" } else { "" }
            );
        }
    }
    match (d.verdict, &d.next_allowed, &d.free_until) {
        (Verdict::Deny, Some(next), _) => {
            let _ = writeln!(
                out,
                "  next allowed: {} ({})",
                when(next),
                relative(&d.start, next)
            );
        }
        (Verdict::Deny, None, _) => match &d.data_end {
            Some((end, data)) => {
                let _ = writeln!(
                    out,
                    "  next allowed: none before {} (the end of {data})",
                    when(end)
                );
            }
            None => {
                let _ = writeln!(out, "  next allowed: none within {}", horizon_text(horizon));
            }
        },
        (Verdict::Allow, _, Some(free)) => {
            let spare = format_duration(*free - d.monitoring_end);
            let _ = writeln!(
                out,
                "  clear until {} ({spare} to spare after monitoring)",
                when(free)
            );
        }
        (Verdict::Allow, _, None) => match &d.data_end {
            Some((end, data)) => {
                let _ = writeln!(
                    out,
                    "  clear at least until {} (the end of {data})",
                    when(end)
                );
            }
            None => {
                let _ = writeln!(out, "  clear beyond {}", horizon_text(horizon));
            }
        },
        _ => {}
    }
    for why in refused {
        let _ = writeln!(out, "  override refused: {}", escape(why));
    }
    let _ = writeln!(out, "  policy {}", d.policy);
    out
}

fn horizon_text(horizon: Option<chrono::TimeDelta>) -> String {
    match horizon {
        Some(h) => format!("the {} horizon", format_duration(h)),
        None => "the policy's horizon".into(),
    }
}

/// The timeline for people: adjacent closed pieces joined into one row that
/// names all their rules (the JSON keeps them apart), each open row with the
/// last start that still fits; only the open rows when `open_only`.
pub(crate) fn windows(service: &str, env: &str, r: &WindowsReport, open_only: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} to {}, {} to {}",
        escape(service),
        escape(env),
        when(&r.from),
        when(&r.to)
    );
    let rows = join_closed(&r.intervals);
    let rows = rows
        .iter()
        .filter(|s| !open_only || s.state == WindowState::Open);
    let mut shown = 0;
    for s in rows {
        shown += 1;
        let state = match s.state {
            WindowState::Open => "open  ",
            WindowState::Closed => "closed",
        };
        let rules = if s.rules.is_empty() {
            String::new()
        } else {
            format!("  {}", escape(&s.rules.join(", ")))
        };
        let _ = writeln!(
            out,
            "  {state}  {} to {}  {:>12}{rules}",
            // The zone abbreviation tells the two passes of a DST fold apart.
            short(&s.start),
            short(&s.end),
            format_duration(s.end - s.start)
        );
        if s.state == WindowState::Open {
            let last = match &s.last_start {
                Some(t) => format!("last start {} (deploy and monitoring still fit)", short(t)),
                None => "last start: none (deploy and monitoring do not fit)".to_string(),
            };
            let _ = writeln!(out, "          {last}");
        }
        for note in &s.notes {
            let _ = writeln!(out, "          {}", escape(note));
        }
    }
    if open_only && shown == 0 {
        let _ = writeln!(out, "  no open windows in this range");
    }
    out
}

/// `Mon 12-07 22:00 KST`.
fn short(t: &DateTime<Tz>) -> String {
    t.format("%a %m-%d %H:%M %Z").to_string()
}

/// A warning for each calendar feed or traffic profile running on an old copy (for `windows`,
/// whose report has no room for it).
pub(crate) fn stale(policy: &crate::policy::PolicySet) -> String {
    let tz = policy.settings.timezone;
    let mut out = String::new();
    for r in &policy.rules {
        if let Some(note) = r.stale(tz) {
            let _ = writeln!(
                out,
                "  warning: an old copy of a feed: {}: {}",
                escape(&r.name),
                escape(&note)
            );
        }
    }
    out
}
