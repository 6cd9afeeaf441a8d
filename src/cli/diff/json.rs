//! `diff --format json`: one object with both sides, the range, every pair
//! compared (with its changed stretches, lengths in seconds) and the held
//! deploys. The shape is documented in `docs/review.md`.

use super::report::{DiffReport, HeldReport, Side};
use crate::cli::format::to_json;
use crate::eval::WindowState;
use crate::review::{Became, HeldSide, SideState};
use chrono::{DateTime, SecondsFormat};
use chrono_tz::Tz;
use serde::Serialize;

fn rfc(t: &DateTime<Tz>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

#[derive(Serialize)]
struct SourceJson<'a> {
    source: &'a str,
    kind: &'static str,
    policy: &'a str,
}

impl<'a> From<&'a Side> for SourceJson<'a> {
    fn from(side: &'a Side) -> SourceJson<'a> {
        SourceJson {
            source: &side.label,
            kind: if side.git_ref { "git-ref" } else { "directory" },
            policy: &side.fingerprint,
        }
    }
}

#[derive(Serialize)]
struct StateJson<'a> {
    state: &'static str,
    rules: &'a [String],
}

fn state(s: WindowState) -> &'static str {
    match s {
        WindowState::Open => "open",
        WindowState::Closed => "closed",
    }
}

impl<'a> From<&'a SideState> for StateJson<'a> {
    fn from(side: &'a SideState) -> StateJson<'a> {
        StateJson {
            state: state(side.state),
            rules: &side.rules,
        }
    }
}

#[derive(Serialize)]
struct ChangeJson<'a> {
    start: String,
    end: String,
    became: &'static str,
    seconds: i64,
    base: StateJson<'a>,
    head: StateJson<'a>,
}

#[derive(Serialize)]
struct PairJson<'a> {
    service: &'a str,
    env: &'a str,
    blocked_seconds: i64,
    opened_seconds: i64,
    changes: Vec<ChangeJson<'a>>,
}

#[derive(Serialize)]
struct HeldSideJson<'a> {
    service: &'a str,
    env: &'a str,
    state: &'static str,
    rules: &'a [String],
}

impl<'a> From<&'a HeldSide> for HeldSideJson<'a> {
    fn from(side: &'a HeldSide) -> HeldSideJson<'a> {
        HeldSideJson {
            service: &side.service,
            env: &side.env,
            state: if side.closed { "closed" } else { "open" },
            rules: &side.rules,
        }
    }
}

#[derive(Serialize)]
struct HeldJson<'a> {
    kind: &'static str,
    id: &'a str,
    what: &'a str,
    start: String,
    end: String,
    base: HeldSideJson<'a>,
    head: HeldSideJson<'a>,
}

#[derive(Serialize)]
struct HeldReportJson<'a> {
    checked: bool,
    /// Where they were read (checked), or why they were not.
    #[serde(skip_serializing_if = "Option::is_none")]
    store: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    why_not: Option<&'a str>,
    count: usize,
    newly_blocked: Vec<HeldJson<'a>>,
}

#[derive(Serialize)]
struct DiffJson<'a> {
    base: SourceJson<'a>,
    head: SourceJson<'a>,
    from: String,
    to: String,
    blocked_seconds: i64,
    opened_seconds: i64,
    pairs: Vec<PairJson<'a>>,
    held: HeldReportJson<'a>,
}

pub(super) fn render(report: &DiffReport) -> String {
    let tz = report.from.timezone();
    let pairs = report
        .pairs
        .iter()
        .map(|p| PairJson {
            service: &p.diff.service,
            env: &p.diff.env,
            blocked_seconds: p.diff.blocked.num_seconds(),
            opened_seconds: p.diff.opened.num_seconds(),
            changes: p
                .diff
                .changes
                .iter()
                .map(|c| ChangeJson {
                    start: rfc(&c.start),
                    end: rfc(&c.end),
                    became: match c.became {
                        Became::Blocked => "blocked",
                        Became::Open => "open",
                    },
                    seconds: c.len().num_seconds(),
                    base: (&c.base).into(),
                    head: (&c.head).into(),
                })
                .collect(),
        })
        .collect();
    let held = match &report.held {
        HeldReport::NotChecked { why } => HeldReportJson {
            checked: false,
            store: None,
            why_not: Some(why),
            count: 0,
            newly_blocked: Vec::new(),
        },
        HeldReport::Checked {
            store,
            count,
            blocked,
        } => HeldReportJson {
            checked: true,
            store: Some(store),
            why_not: None,
            count: *count,
            newly_blocked: blocked
                .iter()
                .map(|h| HeldJson {
                    kind: h.kind,
                    id: &h.id,
                    what: &h.what,
                    start: rfc(&h.span.start.with_timezone(&tz)),
                    end: rfc(&h.span.end.with_timezone(&tz)),
                    base: (&h.base).into(),
                    head: (&h.head).into(),
                })
                .collect(),
        },
    };
    let json = DiffJson {
        base: (&report.base).into(),
        head: (&report.head).into(),
        from: rfc(&report.from),
        to: rfc(&report.to),
        blocked_seconds: report.blocked().num_seconds(),
        opened_seconds: report.opened().num_seconds(),
        pairs,
        held,
    };
    format!("{}\n", to_json(&json))
}
