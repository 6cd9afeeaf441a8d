//! `diff --format svg`: for each changed pair, the base and head timelines and
//! between them the difference (red: became blocked, blue: became open), on
//! one time axis with a line at every local midnight. Self-contained: no
//! fonts, images or styles from elsewhere, every text escaped, each shape
//! titled with its times and rules for a tooltip.

use super::human::{side_label, side_text, totals};
use super::report::DiffReport;
use crate::cli::human::when;
use crate::eval::{WindowState, WindowsSegment};
use crate::review::{Became, SideState};
use crate::wire::markup::escape;
use chrono::{DateTime, Days, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use std::fmt::Write;

const WIDTH: f64 = 960.0;
/// The label column on the left.
const LEFT: f64 = 150.0;
const RIGHT: f64 = 10.0;
const ROW: f64 = 16.0;
/// A pair: its title, three rows and a gap.
const BLOCK: f64 = 24.0 + 3.0 * (ROW + 4.0) + 12.0;
const TOP: f64 = 70.0;
/// At most this many date labels on the axis; lines are drawn for every day
/// when there are at most `MAX_DAY_LINES` of them.
const MAX_LABELS: usize = 12;
const MAX_DAY_LINES: usize = 120;

const OPEN: &str = "#8fd18f";
const CLOSED: &str = "#d6d6d6";
const BLOCKED: &str = "#d9534f";
const OPENED: &str = "#3b7dd8";

struct Axis {
    from: DateTime<Utc>,
    seconds: f64,
}

impl Axis {
    fn x(&self, t: DateTime<Utc>) -> f64 {
        let along = (t - self.from).num_seconds() as f64 / self.seconds;
        LEFT + along.clamp(0.0, 1.0) * (WIDTH - LEFT - RIGHT)
    }
}

fn rect(out: &mut String, (x0, x1): (f64, f64), y: f64, fill: &str, title: &str) {
    let _ = writeln!(
        out,
        r#"<rect x="{x0:.2}" y="{y:.1}" width="{:.2}" height="{ROW}" fill="{fill}"><title>{}</title></rect>"#,
        (x1 - x0).max(0.5),
        escape(title)
    );
}

fn timeline(out: &mut String, axis: &Axis, pieces: &[WindowsSegment], y: f64) {
    for p in pieces {
        let fill = match p.state {
            WindowState::Open => OPEN,
            WindowState::Closed => CLOSED,
        };
        let side = SideState {
            state: p.state,
            rules: p.rules.clone(),
        };
        let title = format!(
            "{} to {}: {}",
            when(&p.start),
            when(&p.end),
            side_text(&side)
        );
        rect(
            out,
            (axis.x(p.start.to_utc()), axis.x(p.end.to_utc())),
            y,
            fill,
            &title,
        );
    }
}

fn label(out: &mut String, x: f64, y: f64, text: &str, extra: &str) {
    let _ = writeln!(
        out,
        r#"<text x="{x:.1}" y="{y:.1}"{extra}>{}</text>"#,
        escape(text)
    );
}

/// Local midnights in `(from, to)`: one per day of the range (at most 400).
fn midnights(from: DateTime<Tz>, to: DateTime<Tz>) -> Vec<DateTime<Tz>> {
    let tz = from.timezone();
    let days = (to.to_utc() - from.to_utc()).num_days() + 2;
    let mut out = Vec::new();
    let mut day = from.date_naive();
    for _ in 0..days {
        let Some(next) = day.checked_add_days(Days::new(1)) else {
            break;
        };
        day = next;
        // A midnight in a DST gap is drawn at the gap's end (the first
        // instant of that day).
        let first = tz
            .from_local_datetime(&day.and_time(NaiveTime::MIN))
            .earliest()
            .or_else(|| {
                (1..=3)
                    .filter_map(|h| day.and_hms_opt(h, 0, 0))
                    .find_map(|t| tz.from_local_datetime(&t).earliest())
            });
        match first {
            Some(t) if t >= to => break,
            Some(t) => out.push(t),
            None => {}
        }
    }
    out
}

pub(super) fn render(report: &DiffReport) -> String {
    let axis = Axis {
        from: report.from.to_utc(),
        seconds: ((report.to.to_utc() - report.from.to_utc()).num_seconds() as f64).max(1.0),
    };
    let changed: Vec<_> = report.changed().collect();
    let blocks = changed.len().max(1) as f64;
    let height = TOP + blocks * BLOCK + 40.0;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0}" viewBox="0 0 {WIDTH} {height:.0}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        out,
        r#"<rect x="0" y="0" width="{WIDTH}" height="{height:.0}" fill="white"/>"#
    );
    label(
        &mut out,
        10.0,
        20.0,
        &format!(
            "Policy change: base {} → head {}",
            side_label(&report.base),
            side_label(&report.head)
        ),
        r#" font-size="14" font-weight="bold""#,
    );
    label(
        &mut out,
        10.0,
        38.0,
        &format!(
            "{} to {}: {}",
            when(&report.from),
            when(&report.to),
            totals(report.blocked(), report.opened())
        ),
        "",
    );
    let days = midnights(report.from, report.to);
    let bottom = height - 30.0;
    // A label on every `every`-th day; a line on every day while they are
    // few enough to tell apart, else on the labelled days only.
    let every = days.len().div_ceil(MAX_LABELS).max(1);
    for (i, day) in days.iter().enumerate() {
        let labelled = i % every == 0;
        if !labelled && days.len() > MAX_DAY_LINES {
            continue;
        }
        let x = axis.x(day.to_utc());
        let _ = writeln!(
            out,
            r##"<line x1="{x:.2}" y1="{:.1}" x2="{x:.2}" y2="{bottom:.1}" stroke="#999" stroke-width="0.5"/>"##,
            TOP - 12.0
        );
        if labelled {
            label(
                &mut out,
                x + 2.0,
                TOP - 14.0,
                &day.format("%a %m-%d").to_string(),
                r#" font-size="10""#,
            );
        }
    }
    if changed.is_empty() {
        label(
            &mut out,
            LEFT,
            TOP + 20.0,
            "No service/env pair changed.",
            "",
        );
    }
    for (i, pair) in changed.iter().enumerate() {
        let y = TOP + i as f64 * BLOCK;
        let d = &pair.diff;
        label(
            &mut out,
            10.0,
            y + 14.0,
            &format!(
                "{} to {}: {}",
                d.service,
                d.env,
                totals(d.blocked, d.opened)
            ),
            r#" font-weight="bold""#,
        );
        let rows = [y + 22.0, y + 22.0 + ROW + 4.0, y + 22.0 + 2.0 * (ROW + 4.0)];
        for (row, name) in rows.iter().zip(["base", "head", "change"]) {
            label(&mut out, 20.0, row + 12.0, name, "");
        }
        timeline(&mut out, &axis, &pair.base.intervals, rows[0]);
        timeline(&mut out, &axis, &pair.head.intervals, rows[1]);
        for c in &d.changes {
            let fill = match c.became {
                Became::Blocked => BLOCKED,
                Became::Open => OPENED,
            };
            let title = format!(
                "{} to {}: became {} (base {}; head {})",
                when(&c.start),
                when(&c.end),
                c.became.as_str(),
                side_text(&c.base),
                side_text(&c.head)
            );
            rect(
                &mut out,
                (axis.x(c.start.to_utc()), axis.x(c.end.to_utc())),
                rows[2],
                fill,
                &title,
            );
        }
    }
    let legend_y = height - 14.0;
    let mut x = LEFT;
    for (fill, text) in [
        (OPEN, "open"),
        (CLOSED, "closed"),
        (BLOCKED, "became blocked"),
        (OPENED, "became open"),
    ] {
        let _ = writeln!(
            out,
            r#"<rect x="{x:.1}" y="{:.1}" width="12" height="12" fill="{fill}"/>"#,
            legend_y - 10.0
        );
        label(&mut out, x + 16.0, legend_y, text, "");
        x += 130.0;
    }
    let _ = writeln!(out, "</svg>");
    out
}
