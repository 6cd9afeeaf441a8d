//! The SVG text of the grid: a heading, the hours across, a block of rows per
//! week (a row per local date), each piece of the report a coloured block with
//! its rule names on it where they fit and in a `<title>` tooltip always, the
//! DST gaps and folds marked, "now", and a legend. Self-contained: no script,
//! no style sheet, no fonts or images from elsewhere; colours are attributes,
//! so a page that inlines it needs no `style-src` for it.

use super::days::{Dial, Lane, Place};
use super::kinds::{BlockKind, RuleTable};
use crate::eval::{WindowState, WindowsReport, WindowsSegment};
use crate::wire::markup::escape;
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, SecondsFormat, Utc};
use chrono_tz::Tz;
use std::collections::{BTreeMap, BTreeSet};

/// What the picture says about itself beyond the report.
#[derive(Debug, Clone, Copy)]
pub struct GridOptions<'a> {
    pub service: &'a str,
    pub env: &'a str,
    /// Marked on the grid when it falls within the report's range.
    pub now: DateTime<Utc>,
}

/// Around everything.
const PAD: f64 = 12.0;
/// The day labels' column, wide enough for `Wed 30 Sep`.
const LABEL_W: f64 = 84.0;
/// One hour across: 24 of them make a grid about 800px wide, which fits a
/// laptop's browser window beside nothing else.
const HOUR_W: f64 = 34.0;
/// One day down: room for a line of 10px text with a little air.
const ROW_H: f64 = 20.0;
const ROW_GAP: f64 = 3.0;
/// A week's heading line, and the space before it.
const WEEK_HEAD_H: f64 = 16.0;
const WEEK_GAP: f64 = 10.0;
/// The heading's two lines and the hours' labels under them.
const HEAD_H: f64 = 40.0;
const AXIS_H: f64 = 16.0;
/// A generous width of one character of 10px sans-serif, so a label judged to
/// fit does fit whichever sans-serif font the viewer has.
const CHAR_W: f64 = 6.2;
/// A legend line.
const LEGEND_H: f64 = 18.0;

const GRID_W: f64 = 24.0 * HOUR_W;
/// The right margin is wider: the `24:00` label is centred on the grid's edge.
const WIDTH: f64 = PAD + LABEL_W + GRID_W + 2.0 * PAD;
const TEXT: &str = "#1f2328";
const MUTED: &str = "#57606a";
const ROW_FILL: &str = "#f3f4f6";
const NOW: &str = "#d0021b";

/// Pixels, to two decimals without trailing zeros.
fn px(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn x_of(seconds: i64) -> f64 {
    // Seconds of a day are exact in f64.
    #[expect(clippy::cast_precision_loss, reason = "at most 86,400")]
    let s = seconds as f64;
    PAD + LABEL_W + s * HOUR_W / 3600.0
}

/// The top and height of a lane of the row whose top is `y`.
fn lane_box(y: f64, lane: Lane) -> (f64, f64) {
    match lane {
        Lane::Full => (y, ROW_H),
        Lane::First => (y, ROW_H / 2.0),
        Lane::Second => (y + ROW_H / 2.0, ROW_H / 2.0),
    }
}

fn lane_name(lane: Lane) -> &'static str {
    match lane {
        Lane::Full => "full",
        Lane::First => "first",
        Lane::Second => "second",
    }
}

fn rfc3339(t: DateTime<Tz>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

fn shown(t: DateTime<Tz>) -> String {
    t.format("%a %Y-%m-%d %H:%M %Z").to_string()
}

/// `label` cut to `width` pixels of text, with an ellipsis; `None` when not
/// even three characters fit.
fn fitted(label: &str, width: f64) -> Option<String> {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a small, non-negative count of characters"
    )]
    let room = (width / CHAR_W).floor().max(0.0) as usize;
    let len = label.chars().count();
    if len <= room {
        Some(label.to_string())
    } else if room >= 4 {
        Some(label.chars().take(room - 1).chain(['…']).collect())
    } else {
        None
    }
}

/// The kind a piece is drawn as: open, or the most telling kind of the rules
/// that close it.
fn kind_of(seg: &WindowsSegment, rules: &RuleTable) -> BlockKind {
    match seg.state {
        WindowState::Open => BlockKind::Open,
        WindowState::Closed => seg
            .rules
            .iter()
            .map(|r| rules.kind_of(r))
            .min()
            .unwrap_or(BlockKind::Other),
    }
}

/// The words on a block: the rules of its kind (the windows it lies in, for
/// an open one).
fn label_of(seg: &WindowsSegment, kind: BlockKind, rules: &RuleTable) -> String {
    let names: Vec<&str> = seg
        .rules
        .iter()
        .filter(|r| kind == BlockKind::Open || rules.kind_of(r) == kind)
        .map(String::as_str)
        .collect();
    if names.is_empty() {
        match kind {
            BlockKind::Open => "open".to_string(),
            _ => kind.look().label.to_lowercase(),
        }
    } else {
        names.join(", ")
    }
}

/// The tooltip of a block: its state and times, each rule with its kind and
/// reason, the notes, and an open stretch's last start.
fn tooltip(seg: &WindowsSegment, rules: &RuleTable) -> String {
    let state = match seg.state {
        WindowState::Open => "Open",
        WindowState::Closed => "Closed",
    };
    let mut lines = vec![format!(
        "{state}: {} – {}",
        shown(seg.start),
        shown(seg.end)
    )];
    for name in &seg.rules {
        let kind = match seg.state {
            WindowState::Open => "window".to_string(),
            WindowState::Closed => rules.kind_of(name).look().label.to_lowercase(),
        };
        lines.push(match rules.reason_of(name) {
            Some(reason) => format!("{name} ({kind}): {reason}"),
            None => format!("{name} ({kind})"),
        });
    }
    lines.extend(seg.notes.iter().cloned());
    if seg.state == WindowState::Open {
        lines.push(match seg.last_start {
            Some(t) => format!(
                "last start that fits a deploy and its monitoring: {}",
                shown(t)
            ),
            None => "no start here fits a deploy and its monitoring".to_string(),
        });
    }
    lines.join("\n")
}

/// The rows' tops, by date, and the weeks they fall in, laid out from `top`;
/// the first free line under them.
struct Rows {
    tops: BTreeMap<NaiveDate, f64>,
    /// Each week: its first and last date drawn, and the top of its heading.
    weeks: Vec<(NaiveDate, NaiveDate, f64)>,
    bottom: f64,
}

fn lay_out(dates: &[NaiveDate], top: f64) -> Rows {
    let mut tops = BTreeMap::new();
    let mut weeks: Vec<(NaiveDate, NaiveDate, f64)> = Vec::new();
    let mut y = top;
    for date in dates {
        let same_week = weeks
            .last()
            .is_some_and(|(first, _, _)| first.iso_week() == date.iso_week());
        if same_week {
            if let Some(week) = weeks.last_mut() {
                week.1 = *date;
            }
        } else {
            if !weeks.is_empty() {
                y += WEEK_GAP;
            }
            weeks.push((*date, *date, y));
            y += WEEK_HEAD_H;
        }
        tops.insert(*date, y);
        y += ROW_H + ROW_GAP;
    }
    Rows {
        tops,
        weeks,
        bottom: y,
    }
}

fn offset_text(seconds: i32) -> String {
    FixedOffset::east_opt(seconds).map_or_else(|| format!("{seconds}s"), |o| o.to_string())
}

/// Draws `report` (times in the policy's zone, whose wall clock the grid
/// follows) as an SVG document. `rules` gives the kinds and reasons of the
/// rules it names.
pub fn render(report: &WindowsReport, rules: &RuleTable, opts: &GridOptions<'_>) -> String {
    let tz = report.from.timezone();
    let (from, to) = (
        report.from.with_timezone(&Utc),
        report.to.with_timezone(&Utc),
    );
    let dial = Dial::new(tz, from, to);
    let dates = dial.dates();
    let rows = lay_out(&dates, PAD + HEAD_H + AXIS_H);
    let mut body = String::new();
    let mut used: BTreeSet<BlockKind> = BTreeSet::from([BlockKind::Open]);

    // Weeks: the heading, then each day's label and empty row.
    for (first, last, top) in &rows.weeks {
        let week = first.iso_week();
        body.push_str(&format!(
            r#"<g class="week" data-week="{}-W{:02}"><text x="{}" y="{}" fill="{MUTED}" font-weight="bold">Week {} of {}: {} – {}</text></g>"#,
            week.year(),
            week.week(),
            px(PAD),
            px(top + 11.0),
            week.week(),
            week.year(),
            first.format("%a %-d %b"),
            last.format("%a %-d %b"),
        ));
    }
    let today =
        (from <= opts.now && opts.now < to).then(|| opts.now.with_timezone(&tz).date_naive());
    for (date, top) in &rows.tops {
        let weight = if Some(*date) == today {
            "bold"
        } else {
            "normal"
        };
        body.push_str(&format!(
            r#"<g class="day" data-date="{date}"><text x="{}" y="{}" fill="{TEXT}" font-weight="{weight}">{}</text><rect x="{}" y="{}" width="{}" height="{}" fill="{ROW_FILL}"/></g>"#,
            px(PAD),
            px(top + 14.0),
            date.format("%a %-d %b"),
            px(x_of(0)),
            px(*top),
            px(GRID_W),
            px(ROW_H),
        ));
    }

    // The hours: a line per hour under each week's rows, stronger every six,
    // seen through the blocks (drawn over them they would cut the labels).
    for (first, last, _) in &rows.weeks {
        let (Some(y0), Some(y1)) = (rows.tops.get(first), rows.tops.get(last)) else {
            continue;
        };
        let mut thin = String::new();
        let mut strong = String::new();
        for hour in 0..=24 {
            let line = format!("M{} {}V{}", px(x_of(hour * 3600)), px(*y0), px(y1 + ROW_H));
            if hour % 6 == 0 {
                &mut strong
            } else {
                &mut thin
            }
            .push_str(&line);
        }
        body.push_str(&format!(
            r##"<path class="hours" d="{thin}" stroke="#8c959f" stroke-opacity="0.35" stroke-width="1"/><path class="hours" d="{strong}" stroke="#57606a" stroke-opacity="0.6" stroke-width="1"/>"##
        ));
    }

    // The report's pieces.
    for seg in &report.intervals {
        let kind = kind_of(seg, rules);
        used.insert(kind);
        let look = kind.look();
        let label = label_of(seg, kind, rules);
        let title = escape(&tooltip(seg, rules));
        let places = dial.place(seg.start.with_timezone(&Utc), seg.end.with_timezone(&Utc));
        for place in places {
            let Some(top) = rows.tops.get(&place.date) else {
                continue;
            };
            let (y, h) = lane_box(*top, place.lane);
            let (x0, x1) = (x_of(place.x0), x_of(place.x1));
            let text = match place.lane {
                // A half lane is too low for text: the tooltip says it.
                Lane::Full => fitted(&label, x1 - x0 - 6.0),
                Lane::First | Lane::Second => None,
            }
            .map(|t| {
                format!(
                    r#"<text x="{}" y="{}" fill="{}">{}</text>"#,
                    px(x0 + 3.0),
                    px(y + 13.5),
                    look.ink,
                    escape(&t)
                )
            })
            .unwrap_or_default();
            body.push_str(&format!(
                r#"<g class="block" data-kind="{}" data-rules="{}" data-start="{}" data-end="{}" data-date="{}" data-lane="{}"><title>{title}</title><rect x="{}" y="{}" width="{}" height="{}" fill="{}" fill-opacity="0.85"/>{text}</g>"#,
                look.name,
                escape(&seg.rules.join(",")),
                rfc3339(seg.start),
                rfc3339(seg.end),
                place.date,
                lane_name(place.lane),
                px(x0),
                px(y),
                px(x1 - x0),
                px(h),
                look.fill,
            ));
        }
    }

    // Gaps and folds.
    let mut gaps = false;
    let mut folds = false;
    for shift in dial.shifts() {
        let (a, b) = shift.wall();
        let span = format!("{}–{}", a.format("%H:%M"), b.format("%H:%M"));
        let (before, after) = (offset_text(shift.before), offset_text(shift.after));
        let (class, title, fill, stroke) = if shift.is_gap() {
            gaps = true;
            (
                "gap",
                format!(
                    "Clocks go forward on {}: {span} does not happen (UTC{before} → UTC{after})",
                    a.format("%a %Y-%m-%d")
                ),
                "url(#sw-gap)",
                "none",
            )
        } else {
            folds = true;
            (
                "fold",
                format!(
                    "Clocks go back on {}: {span} happens twice, first at UTC{before} (upper half), then at UTC{after} (lower half)",
                    a.format("%a %Y-%m-%d")
                ),
                "none",
                TEXT,
            )
        };
        let title = escape(&title);
        for place in dial.place_wall(a, b) {
            let Some(top) = rows.tops.get(&place.date) else {
                continue;
            };
            let (x0, x1) = (x_of(place.x0), x_of(place.x1));
            let divider = if class == "fold" {
                format!(
                    r#"<path d="M{} {}H{}" stroke="{TEXT}" stroke-width="1"/>"#,
                    px(x0),
                    px(top + ROW_H / 2.0),
                    px(x1)
                )
            } else {
                String::new()
            };
            body.push_str(&format!(
                r#"<g class="{class}" data-date="{}"><title>{title}</title><rect x="{}" y="{}" width="{}" height="{}" fill="{fill}" stroke="{stroke}" stroke-dasharray="3 2"/>{divider}</g>"#,
                place.date,
                px(x0),
                px(*top),
                px(x1 - x0),
                px(ROW_H),
            ));
        }
    }

    // Now.
    let mut now_shown = false;
    if let Some(Place { date, x0, lane, .. }) = (from <= opts.now && opts.now < to)
        .then(|| dial.place(opts.now, opts.now + chrono::Duration::seconds(1)))
        .and_then(|p| p.first().copied())
        && let Some(top) = rows.tops.get(&date)
    {
        now_shown = true;
        let (y, h) = lane_box(*top, lane);
        let x = px(x_of(x0));
        body.push_str(&format!(
            r#"<g class="now" data-at="{}"><title>Now: {}</title><path d="M{x} {}V{}" stroke="{NOW}" stroke-width="2"/><circle cx="{x}" cy="{}" r="3" fill="{NOW}"/></g>"#,
            rfc3339(opts.now.with_timezone(&tz)),
            escape(&shown(opts.now.with_timezone(&tz))),
            px(y - 2.0),
            px(y + h + 2.0),
            px(y - 2.0),
        ));
    }

    // The legend: the kinds drawn, then the marks.
    let mut items: Vec<(String, String)> = BlockKind::all()
        .filter(|k| used.contains(k))
        .map(|k| {
            let look = k.look();
            (
                format!(
                    r#"<rect width="12" height="12" fill="{}" data-kind="{}"/>"#,
                    look.fill, look.name
                ),
                look.label.to_string(),
            )
        })
        .collect();
    if gaps {
        items.push((
            format!(r#"<rect width="12" height="12" fill="url(#sw-gap)" stroke="{TEXT}" stroke-dasharray="3 2"/>"#),
            "Clocks go forward: that time does not happen".to_string(),
        ));
    }
    if folds {
        items.push((
            format!(r#"<rect width="12" height="12" fill="none" stroke="{TEXT}" stroke-dasharray="3 2"/><path d="M0 6H12" stroke="{TEXT}"/>"#),
            "Clocks go back: upper half first, lower half second".to_string(),
        ));
    }
    if now_shown {
        items.push((
            format!(r#"<path d="M6 0V12" stroke="{NOW}" stroke-width="2"/>"#),
            "Now".to_string(),
        ));
    }
    let mut legend = String::new();
    let (mut x, mut y) = (PAD + LABEL_W, rows.bottom + 8.0);
    for (swatch, label) in &items {
        #[expect(clippy::cast_precision_loss, reason = "a short label")]
        let w = 18.0 + label.chars().count() as f64 * CHAR_W + 18.0;
        if x + w > WIDTH - PAD && x > PAD + LABEL_W {
            x = PAD + LABEL_W;
            y += LEGEND_H;
        }
        legend.push_str(&format!(
            r#"<g class="legend-item" transform="translate({} {})">{swatch}<text x="18" y="10" fill="{TEXT}">{}</text></g>"#,
            px(x),
            px(y),
            escape(label)
        ));
        x += w;
    }
    let height = y + LEGEND_H + PAD;

    let heading = format!("{} to {}: when to deploy", opts.service, opts.env);
    let range = format!(
        "{} to {} ({}; hours across on its wall clock)",
        shown(report.from),
        shown(report.to),
        tz.name()
    );
    let mut out = String::new();
    out.push_str(&format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="10" role="img" aria-labelledby="sw-grid-title">"#,
        w = px(WIDTH),
        h = px(height),
    ));
    out.push_str(&format!(
        r#"<title id="sw-grid-title">{}</title><desc>{}</desc>"#,
        escape(&format!(
            "Deploy windows of {} to {}, {range}",
            opts.service, opts.env
        )),
        "A row per day, hours across. Green: a deploy may start; other colours: what blocks it (the legend). Hover a block for its rules, reasons and times."
    ));
    out.push_str(concat!(
        r#"<defs><pattern id="sw-gap" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">"#,
        r##"<rect width="6" height="6" fill="#ffffff"/><path d="M0 0V6" stroke="#8c959f" stroke-width="2"/></pattern></defs>"##
    ));
    out.push_str(&format!(
        r##"<rect class="background" width="{}" height="{}" fill="#ffffff"/>"##,
        px(WIDTH),
        px(height)
    ));
    out.push_str(&format!(
        r#"<text x="{}" y="{}" font-size="14" font-weight="bold" fill="{TEXT}">{}</text><text x="{}" y="{}" fill="{MUTED}">{}</text>"#,
        px(PAD),
        px(PAD + 14.0),
        escape(&heading),
        px(PAD),
        px(PAD + 30.0),
        escape(&range),
    ));
    for hour in (0..=24).step_by(3) {
        out.push_str(&format!(
            r#"<text class="hour" x="{}" y="{}" fill="{MUTED}" text-anchor="middle">{hour:02}:00</text>"#,
            px(x_of(hour * 3600)),
            px(PAD + HEAD_H + 10.0),
        ));
    }
    out.push_str(&body);
    out.push_str(&legend);
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::WindowState::{Closed, Open};
    use chrono::TimeZone;
    use chrono_tz::Europe::London;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, offset_hours: i32) -> DateTime<Tz> {
        FixedOffset::east_opt(offset_hours * 3600)
            .unwrap()
            .with_ymd_and_hms(y, mo, d, h, mi, 0)
            .unwrap()
            .with_timezone(&London)
    }

    fn seg(
        start: DateTime<Tz>,
        end: DateTime<Tz>,
        state: WindowState,
        rules: &[&str],
    ) -> WindowsSegment {
        WindowsSegment {
            start,
            end,
            state,
            rules: rules.iter().map(|r| r.to_string()).collect(),
            notes: Vec::new(),
            last_start: None,
        }
    }

    const NIGHT: &str = r#"<night> & "freeze""#;

    fn table() -> RuleTable {
        let mut t = RuleTable::default();
        t.insert(
            "weeknight",
            BlockKind::OutsideWindow,
            Some("Deploys run at night"),
        );
        t.insert(NIGHT, BlockKind::Freeze, Some("Nobody <watches> & waits"));
        t.insert("runtime:7", BlockKind::RuntimeFreeze, Some("INC-7"));
        t.insert("krx", BlockKind::Market, None);
        t
    }

    /// A block as drawn: kind, date, lane, its start and end in hours from the
    /// row's midnight, its top relative to the row's, height, fill and text.
    #[derive(Debug, PartialEq)]
    struct Drawn {
        kind: String,
        date: String,
        lane: String,
        hours: (f64, f64),
        top: f64,
        height: f64,
        fill: String,
        text: Option<String>,
    }

    fn num(node: roxmltree::Node<'_, '_>, attr: &str) -> f64 {
        node.attribute(attr).unwrap().parse().unwrap()
    }

    fn hours(x: f64) -> f64 {
        ((x - x_of(0)) / HOUR_W * 100.0).round() / 100.0
    }

    /// The row tops by date, and the blocks.
    fn read(svg: &str) -> (BTreeMap<String, f64>, Vec<Drawn>) {
        let doc = roxmltree::Document::parse(svg).unwrap();
        let class = |n: &roxmltree::Node<'_, '_>, c: &str| n.attribute("class") == Some(c);
        let mut rows = BTreeMap::new();
        for day in doc.descendants().filter(|n| class(n, "day")) {
            let rect = day.children().find(|c| c.has_tag_name("rect")).unwrap();
            rows.insert(
                day.attribute("data-date").unwrap().to_string(),
                num(rect, "y"),
            );
        }
        let blocks = doc
            .descendants()
            .filter(|n| class(n, "block"))
            .map(|g| {
                let rect = g.children().find(|c| c.has_tag_name("rect")).unwrap();
                let date = g.attribute("data-date").unwrap().to_string();
                let x = num(rect, "x");
                Drawn {
                    kind: g.attribute("data-kind").unwrap().to_string(),
                    lane: g.attribute("data-lane").unwrap().to_string(),
                    hours: (hours(x), hours(x + num(rect, "width"))),
                    top: num(rect, "y") - rows[&date],
                    height: num(rect, "height"),
                    fill: rect.attribute("fill").unwrap().to_string(),
                    text: g
                        .children()
                        .find(|c| c.has_tag_name("text"))
                        .and_then(|t| t.text())
                        .map(str::to_string),
                    date,
                }
            })
            .collect();
        (rows, blocks)
    }

    fn drawn(
        kind: BlockKind,
        date: &str,
        lane: &str,
        hours: (f64, f64),
        text: Option<&str>,
    ) -> Drawn {
        let (top, height) = match lane {
            "full" => (0.0, ROW_H),
            "first" => (0.0, ROW_H / 2.0),
            _ => (ROW_H / 2.0, ROW_H / 2.0),
        };
        Drawn {
            kind: kind.look().name.to_string(),
            date: date.to_string(),
            lane: lane.to_string(),
            hours,
            top,
            height,
            fill: kind.look().fill.to_string(),
            text: text.map(str::to_string),
        }
    }

    /// Saturday 24 October 2026 20:00 BST to Monday 02:00 GMT, London: the
    /// clocks go back at 02:00 BST on Sunday, so 01:00-02:00 happens twice.
    fn fold_report() -> WindowsReport {
        let sat_20 = at(2026, 10, 24, 20, 0, 1);
        let sat_22 = at(2026, 10, 24, 22, 0, 1);
        let sun_0130_gmt = at(2026, 10, 25, 1, 30, 0);
        let sun_09 = at(2026, 10, 25, 9, 0, 0);
        let sun_12 = at(2026, 10, 25, 12, 0, 0);
        let sun_13 = at(2026, 10, 25, 13, 0, 0);
        let mon_02 = at(2026, 10, 26, 2, 0, 0);
        WindowsReport {
            from: sat_20,
            to: mon_02,
            intervals: vec![
                seg(sat_20, sat_22, Closed, &["weeknight"]),
                seg(sat_22, sun_0130_gmt, Open, &["weeknight"]),
                seg(sun_0130_gmt, sun_09, Closed, &[NIGHT, "weeknight"]),
                seg(sun_09, sun_12, Closed, &["runtime:7"]),
                seg(sun_12, sun_13, Closed, &["krx"]),
                seg(sun_13, mon_02, Closed, &["reservation:3"]),
            ],
        }
    }

    fn options(now: DateTime<Tz>) -> GridOptions<'static> {
        GridOptions {
            service: "web",
            env: "prod",
            now: now.with_timezone(&Utc),
        }
    }

    #[test]
    fn blocks_cross_midnight_and_a_fold_in_their_kinds_colours_and_places() {
        let now = at(2026, 10, 25, 1, 15, 0);
        let svg = render(&fold_report(), &table(), &options(now));
        let (rows, blocks) = read(&svg);
        assert_eq!(
            rows.keys().collect::<Vec<_>>(),
            ["2026-10-24", "2026-10-25", "2026-10-26"]
        );
        assert!(rows["2026-10-24"] < rows["2026-10-25"]);
        use BlockKind::*;
        let (sat, sun, mon) = ("2026-10-24", "2026-10-25", "2026-10-26");
        let night = r#"<night> & "freeze""#;
        assert_eq!(
            blocks,
            vec![
                drawn(OutsideWindow, sat, "full", (20.0, 22.0), Some("weeknight")),
                drawn(Open, sat, "full", (22.0, 24.0), Some("weeknight")),
                drawn(Open, sun, "full", (0.0, 1.0), Some("wee…")),
                // BST's pass through 01:00-02:00 on top, GMT's below.
                drawn(Open, sun, "first", (1.0, 2.0), None),
                drawn(Open, sun, "second", (1.0, 1.5), None),
                drawn(Freeze, sun, "second", (1.5, 2.0), None),
                drawn(Freeze, sun, "full", (2.0, 9.0), Some(night)),
                drawn(RuntimeFreeze, sun, "full", (9.0, 12.0), Some("runtime:7")),
                drawn(Market, sun, "full", (12.0, 13.0), Some("krx")),
                drawn(
                    Reservation,
                    sun,
                    "full",
                    (13.0, 24.0),
                    Some("reservation:3")
                ),
                drawn(Reservation, mon, "full", (0.0, 2.0), Some("reservati…")),
            ]
        );
    }

    #[test]
    fn the_fold_now_tooltips_and_legend_are_there() {
        let now = at(2026, 10, 25, 1, 15, 0);
        let svg = render(&fold_report(), &table(), &options(now));
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let by_class = |c: &str| {
            doc.descendants()
                .filter(|n| n.attribute("class") == Some(c))
                .collect::<Vec<_>>()
        };
        // The fold: marked over 01:00-02:00 of Sunday, saying which half is which.
        let folds = by_class("fold");
        assert_eq!(folds.len(), 1);
        assert_eq!(folds[0].attribute("data-date"), Some("2026-10-25"));
        let rect = folds[0]
            .children()
            .find(|c| c.has_tag_name("rect"))
            .unwrap();
        assert_eq!(hours(num(rect, "x")), 1.0);
        assert_eq!(hours(num(rect, "x") + num(rect, "width")), 2.0);
        let title = folds[0]
            .children()
            .find(|c| c.has_tag_name("title"))
            .unwrap();
        assert_eq!(
            title.text(),
            Some(
                "Clocks go back on Sun 2026-10-25: 01:00–02:00 happens twice, first at UTC+01:00 (upper half), then at UTC+00:00 (lower half)"
            )
        );
        assert!(by_class("gap").is_empty());
        // Now: 01:15 GMT is the second pass, so the lower half at 01:15.
        let now_mark = &by_class("now")[0];
        assert_eq!(
            now_mark.attribute("data-at"),
            Some("2026-10-25T01:15:00+00:00")
        );
        let line = now_mark
            .children()
            .find(|c| c.has_tag_name("path"))
            .unwrap();
        let d = line.attribute("d").unwrap();
        let x: f64 = d[1..].split(' ').next().unwrap().parse().unwrap();
        assert_eq!(hours(x), 1.25);
        // The freeze's tooltip: its times in their own offsets, each rule's kind
        // and reason; user text arrives as written.
        let freeze = by_class("block")
            .into_iter()
            .find(|b| b.attribute("data-kind") == Some("freeze"))
            .unwrap();
        assert_eq!(
            freeze.attribute("data-rules"),
            Some(r#"<night> & "freeze",weeknight"#)
        );
        let title = freeze.children().find(|c| c.has_tag_name("title")).unwrap();
        assert_eq!(
            title.text(),
            Some(concat!(
                "Closed: Sun 2026-10-25 01:30 GMT – Sun 2026-10-25 09:00 GMT\n",
                "<night> & \"freeze\" (freeze): Nobody <watches> & waits\n",
                "weeknight (outside the deploy windows): Deploys run at night"
            ))
        );
        // The legend: the kinds drawn in table order, then the marks.
        let legend: Vec<String> = by_class("legend-item")
            .iter()
            .map(|g| {
                g.children()
                    .find(|c| c.has_tag_name("text"))
                    .and_then(|t| t.text())
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(
            legend,
            [
                "Open: deploys may start",
                "Outside the deploy windows",
                "Freeze",
                "Market hours",
                "Runtime freeze",
                "Reserved",
                "Clocks go back: upper half first, lower half second",
                "Now",
            ]
        );
        // Nothing the browser would fetch or run.
        for needle in ["<script", "href", "<image", "<style", "@import", "url(http"] {
            assert!(!svg.contains(needle), "{needle}");
        }
    }

    #[test]
    fn a_gap_is_marked_and_nothing_is_drawn_in_it() {
        // London, Sunday 29 March 2026: 01:00-02:00 does not happen.
        let sat_22 = at(2026, 3, 28, 22, 0, 0);
        let sun_04 = at(2026, 3, 29, 4, 0, 1);
        let report = WindowsReport {
            from: sat_22,
            to: sun_04,
            intervals: vec![seg(sat_22, sun_04, Open, &[])],
        };
        // Now is outside the range: no marker.
        let svg = render(&report, &table(), &options(at(2026, 3, 30, 0, 0, 1)));
        let (_, blocks) = read(&svg);
        let sun = "2026-03-29";
        assert_eq!(
            blocks,
            vec![
                drawn(
                    BlockKind::Open,
                    "2026-03-28",
                    "full",
                    (22.0, 24.0),
                    Some("open")
                ),
                drawn(BlockKind::Open, sun, "full", (0.0, 1.0), Some("open")),
                drawn(BlockKind::Open, sun, "full", (2.0, 4.0), Some("open")),
            ]
        );
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let gap = doc
            .descendants()
            .find(|n| n.attribute("class") == Some("gap"))
            .unwrap();
        assert_eq!(gap.attribute("data-date"), Some(sun));
        let rect = gap.children().find(|c| c.has_tag_name("rect")).unwrap();
        assert_eq!(
            (
                hours(num(rect, "x")),
                hours(num(rect, "x") + num(rect, "width"))
            ),
            (1.0, 2.0)
        );
        assert_eq!(rect.attribute("fill"), Some("url(#sw-gap)"));
        assert!(
            doc.descendants()
                .all(|n| n.attribute("class") != Some("now"))
        );
    }

    #[test]
    fn rows_are_grouped_by_week_and_today_is_bold() {
        let tz = chrono_tz::Asia::Seoul;
        let from = tz.with_ymd_and_hms(2026, 12, 5, 0, 0, 0).unwrap();
        let to = tz.with_ymd_and_hms(2026, 12, 15, 0, 0, 0).unwrap();
        let report = WindowsReport {
            from,
            to,
            intervals: vec![seg(from, to, Open, &[])],
        };
        let now = tz.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap();
        let svg = render(
            &report,
            &RuleTable::default(),
            &GridOptions {
                service: "web",
                env: "prod",
                now: now.with_timezone(&Utc),
            },
        );
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let weeks: Vec<&str> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("week"))
            .map(|n| n.attribute("data-week").unwrap())
            .collect();
        assert_eq!(weeks, ["2026-W49", "2026-W50", "2026-W51"]);
        let bold: Vec<&str> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("day"))
            .filter(|d| {
                d.children()
                    .any(|t| t.has_tag_name("text") && t.attribute("font-weight") == Some("bold"))
            })
            .map(|d| d.attribute("data-date").unwrap())
            .collect();
        assert_eq!(bold, ["2026-12-07"]);
        // Ten days, ten rows.
        assert_eq!(
            doc.descendants()
                .filter(|n| n.attribute("class") == Some("day"))
                .count(),
            10
        );
    }
}
