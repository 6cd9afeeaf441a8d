//! One pair's change: the base and head `windows` timelines of the same range
//! laid over each other, and the stretches where an instant's state differs —
//! open on base and closed on head (it became blocked), or the reverse (it
//! became open) — each with the rules behind it on both sides. Interval
//! arithmetic on the pieces' edges; nothing is sampled.

use crate::eval::{WindowState, WindowsReport, WindowsSegment};
use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;

/// Which way an instant's state moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Became {
    /// Open on base, closed on head.
    Blocked,
    /// Closed on base, open on head.
    Open,
}

impl Became {
    pub fn as_str(self) -> &'static str {
        match self {
            Became::Blocked => "blocked",
            Became::Open => "open",
        }
    }
}

/// One side's state over a changed stretch, with the rules `windows` names for
/// it (closed: the freezes and markets containing it, or the windows it lies
/// outside; open: the windows containing it), joined over the stretch in the
/// order they first appear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SideState {
    pub state: WindowState,
    pub rules: Vec<String>,
}

/// A maximal stretch that changed the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub start: DateTime<Tz>,
    pub end: DateTime<Tz>,
    pub became: Became,
    pub base: SideState,
    pub head: SideState,
}

impl Change {
    pub fn len(&self) -> TimeDelta {
        self.end.to_utc() - self.start.to_utc()
    }
}

/// The change of one service/env pair over the range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairDiff {
    pub service: String,
    pub env: String,
    /// In time order; none when nothing changed.
    pub changes: Vec<Change>,
    /// How much of the range became blocked, and how much became open.
    pub blocked: TimeDelta,
    pub opened: TimeDelta,
}

/// The piece of `pieces` (consecutive, covering the range) containing `t`,
/// moving `cursor` forward: the edges are visited in order.
fn piece_at<'a>(
    pieces: &'a [WindowsSegment],
    cursor: &mut usize,
    t: DateTime<Utc>,
) -> Option<&'a WindowsSegment> {
    while pieces.get(*cursor).is_some_and(|p| p.end.to_utc() <= t) {
        *cursor += 1;
    }
    pieces.get(*cursor).filter(|p| p.start.to_utc() <= t)
}

fn add_rules(into: &mut Vec<String>, rules: &[String]) {
    for rule in rules {
        if !into.contains(rule) {
            into.push(rule.clone());
        }
    }
}

/// Compares `base` and `head`, two timelines of the same range (as `windows`
/// gives them for one pair), with times shown in `tz`.
pub fn diff_pair(
    service: &str,
    env: &str,
    base: &WindowsReport,
    head: &WindowsReport,
    tz: Tz,
) -> PairDiff {
    let mut edges: Vec<DateTime<Utc>> = base
        .intervals
        .iter()
        .chain(&head.intervals)
        .flat_map(|p| [p.start.to_utc(), p.end.to_utc()])
        .collect();
    edges.sort_unstable();
    edges.dedup();
    let (mut at_base, mut at_head) = (0, 0);
    let mut changes: Vec<Change> = Vec::new();
    for pair in edges.windows(2) {
        let (start, end) = (pair[0], pair[1]);
        let (Some(b), Some(h)) = (
            piece_at(&base.intervals, &mut at_base, start),
            piece_at(&head.intervals, &mut at_head, start),
        ) else {
            continue;
        };
        let became = match (b.state, h.state) {
            (WindowState::Open, WindowState::Closed) => Became::Blocked,
            (WindowState::Closed, WindowState::Open) => Became::Open,
            _ => continue,
        };
        match changes.last_mut() {
            Some(last) if last.became == became && last.end.to_utc() == start => {
                last.end = end.with_timezone(&tz);
                add_rules(&mut last.base.rules, &b.rules);
                add_rules(&mut last.head.rules, &h.rules);
            }
            _ => changes.push(Change {
                start: start.with_timezone(&tz),
                end: end.with_timezone(&tz),
                became,
                base: SideState {
                    state: b.state,
                    rules: b.rules.clone(),
                },
                head: SideState {
                    state: h.state,
                    rules: h.rules.clone(),
                },
            }),
        }
    }
    let total = |which: Became| {
        changes
            .iter()
            .filter(|c| c.became == which)
            .map(Change::len)
            .sum()
    };
    PairDiff {
        service: service.to_string(),
        env: env.to_string(),
        blocked: total(Became::Blocked),
        opened: total(Became::Open),
        changes,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;

    fn at(hour: u32) -> DateTime<Tz> {
        use chrono::TimeZone;
        chrono_tz::UTC
            .with_ymd_and_hms(2026, 12, 7, hour, 0, 0)
            .unwrap()
    }

    fn report(pieces: &[(u32, u32, WindowState, &[&str])]) -> WindowsReport {
        WindowsReport {
            from: at(pieces[0].0),
            to: at(pieces[pieces.len() - 1].1),
            intervals: pieces
                .iter()
                .map(|(a, b, state, rules)| WindowsSegment {
                    start: at(*a),
                    end: at(*b),
                    state: *state,
                    rules: rules.iter().map(|r| r.to_string()).collect(),
                    notes: Vec::new(),
                    last_start: None,
                })
                .collect(),
        }
    }

    #[test]
    fn adjacent_pieces_that_changed_the_same_way_join_with_all_their_rules() {
        use WindowState::{Closed, Open};
        // Base: open 0-6 in `night`, closed 6-12. Head: closed 2-4 by `a`,
        // 4-6 by `b`, open 6-8, closed again from 8.
        let base = report(&[(0, 6, Open, &["night"]), (6, 12, Closed, &["night"])]);
        let head = report(&[
            (0, 2, Open, &["night"]),
            (2, 4, Closed, &["a"]),
            (4, 6, Closed, &["b", "a"]),
            (6, 8, Open, &[]),
            (8, 12, Closed, &["c"]),
        ]);
        let d = diff_pair("web", "prod", &base, &head, chrono_tz::UTC);
        type Row = (u32, u32, Became, Vec<String>, Vec<String>);
        let got: Vec<Row> = d
            .changes
            .iter()
            .map(|c| {
                use chrono::Timelike;
                (
                    c.start.hour(),
                    c.end.hour(),
                    c.became,
                    c.base.rules.clone(),
                    c.head.rules.clone(),
                )
            })
            .collect();
        let s = |v: &[&str]| v.iter().map(|r| r.to_string()).collect::<Vec<_>>();
        assert_eq!(
            got,
            [
                (2, 6, Became::Blocked, s(&["night"]), s(&["a", "b"])),
                (6, 8, Became::Open, s(&["night"]), s(&[])),
            ]
        );
        assert_eq!(d.blocked, TimeDelta::hours(4));
        assert_eq!(d.opened, TimeDelta::hours(2));
    }
}
