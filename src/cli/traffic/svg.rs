//! `traffic --format svg`: the profile as a heat map, a row per weekday and a
//! column per hour (slots of the step within it), light for low traffic and
//! dark for high, grey where there was no data, and the chosen windows
//! outlined. One self-contained file: no scripts, fonts or links; every text
//! from outside (the query, the address) is escaped.

use super::report::{Report, value};
use crate::wire::markup::escape;
use std::fmt::Write;

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const LEFT: f64 = 44.0;
const TOP: f64 = 58.0;
const HOUR_WIDTH: f64 = 30.0;
const ROW_HEIGHT: f64 = 26.0;
const NO_DATA: &str = "#d9d9d9";
const OUTLINE: &str = "#d62728";
/// The colours at the low and the high end of the scale.
const LOW_RGB: (f64, f64, f64) = (239.0, 243.0, 255.0);
const HIGH_RGB: (f64, f64, f64) = (8.0, 69.0, 148.0);

pub(super) fn render(r: &Report) -> String {
    let per_day = r.per_day().max(1);
    let slot_width = 24.0 * HOUR_WIDTH / per_day as f64;
    let width = LEFT + 24.0 * HOUR_WIDTH + 16.0;
    let height = TOP + 7.0 * ROW_HEIGHT + 64.0;
    let known: Vec<f64> = r.slots.iter().filter_map(|s| s.median).collect();
    let min = known.iter().copied().fold(f64::INFINITY, f64::min);
    let max = known.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(
        out,
        r##"<rect width="{width}" height="{height}" fill="#ffffff"/>"##
    );
    let _ = writeln!(
        out,
        r#"<text x="{LEFT}" y="18" font-size="13" font-weight="bold">Traffic: {}</text>"#,
        escape(&r.query)
    );
    let threshold = value(r.threshold);
    let _ = writeln!(
        out,
        r#"<text x="{LEFT}" y="36">median of each {} slot over {} to {}, {}; windows: at or below {} ({threshold}), at least {}</text>"#,
        escape(&r.step),
        escape(&r.lookback),
        escape(&r.to),
        escape(&r.zone),
        escape(&r.below),
        escape(&r.min_length)
    );
    for (day, name) in DAYS.iter().enumerate() {
        let y = TOP + day as f64 * ROW_HEIGHT;
        let _ = writeln!(
            out,
            r#"<text x="{}" y="{}" text-anchor="end">{name}</text>"#,
            LEFT - 6.0,
            y + ROW_HEIGHT / 2.0 + 4.0
        );
        for slot in 0..per_day {
            let s = &r.slots[day * per_day + slot];
            let fill = match s.median {
                None => NO_DATA.to_string(),
                Some(v) => colour(if max > min {
                    (v - min) / (max - min)
                } else {
                    0.0
                }),
            };
            let _ = writeln!(
                out,
                r#"<rect x="{:.2}" y="{y}" width="{:.2}" height="{ROW_HEIGHT}" fill="{fill}"><title>{name} {}: {} ({} samples)</title></rect>"#,
                LEFT + slot as f64 * slot_width,
                slot_width,
                s.time,
                value(s.median),
                s.samples
            );
        }
    }
    // The windows, outlined day by day (a run over midnight is two outlines).
    for w in &r.windows {
        let mut i = w.run.start;
        let end = w.run.start + w.run.len;
        while i < end {
            let day = (i / per_day) % 7;
            let first = i % per_day;
            let count = (per_day - first).min(end - i);
            let _ = writeln!(
                out,
                r#"<rect x="{:.2}" y="{}" width="{:.2}" height="{ROW_HEIGHT}" fill="none" stroke="{OUTLINE}" stroke-width="2"><title>window {} to {} ({})</title></rect>"#,
                LEFT + first as f64 * slot_width,
                TOP + day as f64 * ROW_HEIGHT,
                count as f64 * slot_width,
                escape(&w.from),
                escape(&w.to),
                escape(&w.length)
            );
            i += count;
        }
    }
    let axis = TOP + 7.0 * ROW_HEIGHT + 14.0;
    for hour in (0..=24).step_by(3) {
        let _ = writeln!(
            out,
            r#"<text x="{}" y="{axis}" text-anchor="middle">{hour:02}:00</text>"#,
            LEFT + f64::from(hour) * HOUR_WIDTH
        );
    }
    let legend = axis + 22.0;
    let _ = writeln!(
        out,
        r#"<rect x="{LEFT}" y="{}" width="14" height="12" fill="{}"/><text x="{}" y="{legend}">low ({})</text>"#,
        legend - 10.0,
        colour(0.0),
        LEFT + 18.0,
        value(known.first().map(|_| min))
    );
    let _ = writeln!(
        out,
        r#"<rect x="{}" y="{}" width="14" height="12" fill="{}"/><text x="{}" y="{legend}">high ({})</text>"#,
        LEFT + 110.0,
        legend - 10.0,
        colour(1.0),
        LEFT + 128.0,
        value(known.first().map(|_| max))
    );
    let _ = writeln!(
        out,
        r#"<rect x="{}" y="{}" width="14" height="12" fill="{NO_DATA}"/><text x="{}" y="{legend}">no data</text>"#,
        LEFT + 220.0,
        legend - 10.0,
        LEFT + 238.0
    );
    let _ = writeln!(
        out,
        r#"<rect x="{}" y="{}" width="14" height="12" fill="none" stroke="{OUTLINE}" stroke-width="2"/><text x="{}" y="{legend}">window ({} in {})</text>"#,
        LEFT + 310.0,
        legend - 10.0,
        LEFT + 328.0,
        r.windows.len(),
        escape(&r.zone)
    );
    out.push_str("</svg>\n");
    out
}

/// A colour on the scale from light (0, low traffic) to dark (1, high).
fn colour(t: f64) -> String {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let mix = |a: f64, b: f64| (a + (b - a) * t).round();
    format!(
        "rgb({},{},{})",
        mix(LOW_RGB.0, HIGH_RGB.0),
        mix(LOW_RGB.1, HIGH_RGB.1),
        mix(LOW_RGB.2, HIGH_RGB.2)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_colours_stay_on_the_scale() {
        assert_eq!(
            escape(r#"sum(x{a="<b>&'"})"#),
            "sum(x{a=&quot;&lt;b&gt;&amp;&#39;&quot;})"
        );
        assert!(!escape("a\u{1b}b").contains('\u{1b}'));
        assert_eq!(colour(0.0), "rgb(239,243,255)");
        assert_eq!(colour(7.0), colour(1.0));
        assert_eq!(colour(f64::NAN), colour(0.0));
    }
}
