//! `traffic --format human`: the profile as a table (a row per slot of the
//! day, a column per weekday, low slots marked `*`) and the windows.

use super::report::{Report, value};
use std::fmt::Write;

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

pub(super) fn render(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "traffic profile of `{}` at {}", r.query, r.prometheus);
    let _ = writeln!(
        out,
        "  median of each {} slot over {} ({} to {}), zone {}",
        r.step, r.lookback, r.from, r.to, r.zone
    );
    let threshold = match r.threshold {
        Some(t) if r.below.starts_with('p') => format!("below {} = {}", r.below, value(Some(t))),
        Some(_) => format!("below {}", r.below),
        None => format!("below {}: no slot has data", r.below),
    };
    let _ = writeln!(
        out,
        "  {threshold}; low slots marked *, no data -; windows of at least {}",
        r.min_length
    );
    out.push('\n');
    // A value right-aligned, then its mark: the numbers line up.
    let width = r
        .slots
        .iter()
        .map(|s| value(s.median).len())
        .max()
        .unwrap_or(1)
        .max(3);
    let _ = write!(out, "time ");
    for day in DAYS {
        let _ = write!(out, "  {day:>width$} ");
    }
    out.truncate(out.trim_end_matches(' ').len());
    out.push('\n');
    let per_day = r.per_day();
    for row in 0..per_day {
        let _ = write!(out, "{}", r.slots[row].time);
        for day in 0..7 {
            let s = &r.slots[day * per_day + row];
            let mark = if s.low { '*' } else { ' ' };
            let _ = write!(out, "  {:>width$}{mark}", value(s.median));
        }
        out.truncate(out.trim_end_matches(' ').len());
        out.push('\n');
    }
    out.push('\n');
    if r.windows.is_empty() {
        let _ = writeln!(
            out,
            "no window: no run of low slots is {} or longer",
            r.min_length
        );
    } else {
        let _ = writeln!(out, "windows ({}):", r.zone);
        for w in &r.windows {
            let _ = writeln!(out, "  {} to {}  ({})", w.from, w.to, w.length);
        }
    }
    out
}
