//! The deploy calendar as iCalendar: one VEVENT per closed stretch of a
//! `windows` report (adjacent closed pieces joined), titled by what it means, or
//! one per open stretch for a feed of when to deploy; for calendar apps to import
//! or subscribe to (`windows --format ics`, `GET /v1/calendar.ics`).

use crate::calendar::Interval;
use crate::eval::{WindowState, WindowsReport, WindowsSegment, join_closed};
use crate::ics::{escape, push_folded};
use crate::policy::{PolicySet, Rule, RuleKind, RuleOrigin, RuleSource};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// Which stretches become events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Feed {
    /// When not to deploy: the closed stretches, each titled by its rules.
    #[default]
    Closed,
    /// When to deploy: the open stretches, each with its last start.
    Open,
}

/// What the exported calendar says about itself beyond the report.
#[derive(Debug, Clone)]
pub struct ExportOptions<'a> {
    pub service: &'a str,
    pub env: &'a str,
    /// DTSTAMP of every event: when the calendar was made.
    pub stamp: DateTime<Utc>,
    /// How often subscribers should fetch it again (REFRESH-INTERVAL).
    pub refresh: Option<chrono::TimeDelta>,
    pub feed: Feed,
}

/// Writes `report`'s closed stretches (or open ones, by `opts.feed`; already
/// clipped to its range) as an iCalendar text with CRLF line ends and lines
/// folded at 75 octets. `policy` is the one the report was made from: it gives
/// each rule's kind and reasons. Times are UTC, so every calendar app reads them
/// the same. A UID is derived from the service, environment, feed, rules and
/// start (the end for a stretch cut off by the report's start), so an app that
/// imports the file again updates its events instead of adding copies.
pub fn export(report: &WindowsReport, policy: &PolicySet, opts: &ExportOptions<'_>) -> String {
    let mut out = String::new();
    let (service, env) = (opts.service, opts.env);
    let name = match opts.feed {
        Feed::Closed => format!("Deploy calendar: {service} to {env}"),
        Feed::Open => format!("Deploy windows: {service} to {env}"),
    };
    let lines = [
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        format!(
            "PRODID:-//shipwindow//shipwindow {}//EN",
            env!("CARGO_PKG_VERSION")
        ),
        "CALSCALE:GREGORIAN".to_string(),
        "METHOD:PUBLISH".to_string(),
        format!("X-WR-CALNAME:{}", escape(&name)),
        format!("X-WR-TIMEZONE:{}", report.from.timezone().name()),
    ];
    for line in &lines {
        push_folded(&mut out, line);
    }
    if let Some(refresh) = opts.refresh {
        let minutes = refresh.num_minutes().max(1);
        push_folded(
            &mut out,
            &format!("REFRESH-INTERVAL;VALUE=DURATION:PT{minutes}M"),
        );
        push_folded(&mut out, &format!("X-PUBLISHED-TTL:PT{minutes}M"));
    }
    let stamp = utc(opts.stamp);
    let want = match opts.feed {
        Feed::Closed => WindowState::Closed,
        Feed::Open => WindowState::Open,
    };
    for seg in stretches(&report.intervals, want) {
        let (start, end) = (seg.start.with_timezone(&Utc), seg.end.with_timezone(&Utc));
        let rules = seg.rules.join(", ");
        let anchor = if seg.start == report.from {
            format!("until {}", utc(end))
        } else {
            format!("from {}", utc(start))
        };
        let (summary, description, transp) = match opts.feed {
            Feed::Closed => (
                closed_title(policy, &seg),
                closed_description(policy, &seg, service, env),
                "OPAQUE",
            ),
            Feed::Open => (
                open_title(&seg),
                open_description(&seg, service, env),
                "TRANSPARENT",
            ),
        };
        let feed = match opts.feed {
            Feed::Closed => "closed",
            Feed::Open => "open",
        };
        let uid = uid(&[service, env, feed, &rules, &anchor]);
        for line in [
            "BEGIN:VEVENT".to_string(),
            format!("UID:{uid}@shipwindow"),
            format!("DTSTAMP:{stamp}"),
            format!("DTSTART:{}", utc(start)),
            format!("DTEND:{}", utc(end)),
            format!("SUMMARY:{}", escape(&summary)),
            format!("DESCRIPTION:{}", escape(&description)),
            format!("TRANSP:{transp}"),
            "END:VEVENT".to_string(),
        ] {
            push_folded(&mut out, &line);
        }
    }
    push_folded(&mut out, "END:VCALENDAR");
    out
}

/// The maximal stretches in state `want`: closed pieces joined with their
/// neighbours (naming all their rules); open pieces joined the same way, since
/// adjacent windows make one window to deploy in.
fn stretches(pieces: &[WindowsSegment], want: WindowState) -> Vec<WindowsSegment> {
    match want {
        WindowState::Closed => join_closed(pieces)
            .into_iter()
            .filter(|s| s.state == WindowState::Closed)
            .collect(),
        WindowState::Open => {
            let mut out: Vec<WindowsSegment> = Vec::new();
            for piece in pieces.iter().filter(|p| p.state == WindowState::Open) {
                match out.last_mut() {
                    Some(last) if last.end == piece.start => {
                        last.end = piece.end;
                        for rule in &piece.rules {
                            if !last.rules.contains(rule) {
                                last.rules.push(rule.clone());
                            }
                        }
                    }
                    _ => out.push(piece.clone()),
                }
            }
            out
        }
    }
}

/// The rules of `seg` that the policy knows, in the segment's order.
fn rules_of<'p>(policy: &'p PolicySet, seg: &WindowsSegment) -> Vec<&'p Rule> {
    seg.rules
        .iter()
        .filter_map(|name| policy.rules.iter().find(|r| &r.name == name))
        .collect()
}

fn interval(seg: &WindowsSegment) -> Interval {
    Interval::new(seg.start.with_timezone(&Utc), seg.end.with_timezone(&Utc))
}

/// What a closed stretch means, for a calendar's event title: `Deploy freeze:
/// Black Friday sale` (a calendar freeze names its events, another freeze its
/// rule), `Market hours: krx`, `Outside deploy window (weeknight)`; several
/// joined by ` · `.
fn closed_title(policy: &PolicySet, seg: &WindowsSegment) -> String {
    let rules = rules_of(policy, seg);
    let probe = interval(seg);
    let mut freezes = Vec::new();
    let mut markets = Vec::new();
    let mut windows = Vec::new();
    let mut slots = Vec::new();
    for r in &rules {
        match r.kind {
            RuleKind::Freeze if matches!(r.origin, RuleOrigin::Reservation(_)) => {
                slots.push(r.reason.clone().unwrap_or_else(|| r.name.clone()));
            }
            RuleKind::Freeze => {
                let label = match (r.events(), r.origin.is_runtime()) {
                    (RuleSource::Calendar(c), _) => {
                        c.summaries_near(probe).unwrap_or_else(|| r.name.clone())
                    }
                    (_, true) => r.reason.clone().unwrap_or_else(|| r.name.clone()),
                    _ => r.name.clone(),
                };
                freezes.push(label);
            }
            RuleKind::Market => markets.push(r.name.clone()),
            RuleKind::Window => windows.push(r.name.clone()),
        }
    }
    let mut parts = Vec::new();
    if !freezes.is_empty() {
        parts.push(format!("Deploy freeze: {}", freezes.join(", ")));
    }
    if !markets.is_empty() {
        parts.push(format!("Market hours: {}", markets.join(", ")));
    }
    if !slots.is_empty() {
        parts.push(format!("Slot held: {}", slots.join(", ")));
    }
    if !windows.is_empty() {
        parts.push(format!("Outside deploy window ({})", windows.join(", ")));
    }
    if parts.is_empty() {
        // Rules the policy no longer holds: their names are all there is.
        parts.push(format!("No deploys: {}", seg.rules.join(", ")));
    }
    parts.join(" · ")
}

/// Why the stretch is closed: one line per rule with the reason it gives there.
fn closed_description(
    policy: &PolicySet,
    seg: &WindowsSegment,
    service: &str,
    env: &str,
) -> String {
    let probe = interval(seg);
    let mut out = format!(
        "No deploys of {service} to {env}: {}.",
        seg.rules.join(", ")
    );
    for r in rules_of(policy, seg) {
        let reason = r.reason_near(probe);
        let line = match r.kind {
            RuleKind::Window => format!("outside {}: {reason}", r.name),
            RuleKind::Freeze | RuleKind::Market => format!("{}: {reason}", r.name),
        };
        out.push('\n');
        out.push_str(&line);
    }
    out
}

/// `Deploy window open (weeknight)`, or `Deploy window open` with no window rule.
fn open_title(seg: &WindowsSegment) -> String {
    if seg.rules.is_empty() {
        "Deploy window open".to_string()
    } else {
        format!("Deploy window open ({})", seg.rules.join(", "))
    }
}

/// Who may deploy, and the last start that still fits.
fn open_description(seg: &WindowsSegment, service: &str, env: &str) -> String {
    let last = match &seg.last_start {
        Some(t) => format!(
            "Last start that still fits the deploy and its monitoring: {}.",
            t.format("%a %Y-%m-%d %H:%M %Z")
        ),
        None => "No start in this window leaves room for the deploy and its monitoring.".into(),
    };
    format!("{service} may deploy to {env}.\n{last}")
}

/// `20261127T060000Z`.
fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

fn uid(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for p in parts {
        hasher.update(p.as_bytes());
        hasher.update([0]);
    }
    hasher.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
