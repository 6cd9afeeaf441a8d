//! The deploy calendar as iCalendar: one VEVENT per closed stretch of a
//! `windows` report, for calendar apps to import or subscribe to
//! (`windows --format ics`, `GET /v1/calendar.ics`).

use crate::eval::{WindowState, WindowsReport};
use crate::ics::{escape, push_folded};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// What the exported calendar says about itself beyond the report.
#[derive(Debug, Clone)]
pub struct ExportOptions<'a> {
    pub service: &'a str,
    pub env: &'a str,
    /// DTSTAMP of every event: when the calendar was made.
    pub stamp: DateTime<Utc>,
    /// How often subscribers should fetch it again (REFRESH-INTERVAL).
    pub refresh: Option<chrono::TimeDelta>,
}

/// Writes `report`'s closed intervals (already clipped to its range) as an
/// iCalendar text with CRLF line ends and lines folded at 75 octets. Times are
/// UTC, so every calendar app reads them the same. A UID is derived from the
/// service, environment, rules and start (the end for a stretch cut off by the
/// report's start), so an app that imports the file again updates its events
/// instead of adding copies.
pub fn export(report: &WindowsReport, opts: &ExportOptions<'_>) -> String {
    let mut out = String::new();
    let (service, env) = (opts.service, opts.env);
    let lines = [
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        format!(
            "PRODID:-//shipwindow//shipwindow {}//EN",
            env!("CARGO_PKG_VERSION")
        ),
        "CALSCALE:GREGORIAN".to_string(),
        "METHOD:PUBLISH".to_string(),
        format!(
            "X-WR-CALNAME:{}",
            escape(&format!("Deploy calendar: {service} to {env}"))
        ),
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
    for seg in report
        .intervals
        .iter()
        .filter(|s| s.state == WindowState::Closed)
    {
        let (start, end) = (seg.start.with_timezone(&Utc), seg.end.with_timezone(&Utc));
        let rules = seg.rules.join(", ");
        let anchor = if seg.start == report.from {
            format!("until {}", utc(end))
        } else {
            format!("from {}", utc(start))
        };
        let uid = uid(&[service, env, &rules, &anchor]);
        let mut description = format!("No deploys of {service} to {env}: {rules}.");
        for note in &seg.notes {
            description.push('\n');
            description.push_str(note);
        }
        for line in [
            "BEGIN:VEVENT".to_string(),
            format!("UID:{uid}@shipwindow"),
            format!("DTSTAMP:{stamp}"),
            format!("DTSTART:{}", utc(start)),
            format!("DTEND:{}", utc(end)),
            format!("SUMMARY:{}", escape(&format!("No deploys: {rules}"))),
            format!("DESCRIPTION:{}", escape(&description)),
            "TRANSP:OPAQUE".to_string(),
            "END:VEVENT".to_string(),
        ] {
            push_folded(&mut out, &line);
        }
    }
    push_folded(&mut out, "END:VCALENDAR");
    out
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
