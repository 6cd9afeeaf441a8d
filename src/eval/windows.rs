//! The open/closed timeline of a service and environment over a range (`windows`): consecutive, non-overlapping pieces that cover the range.

use super::error::EvalError;
use super::search::Blocking;
use crate::calendar::{Interval, contains_instant, merge};
use crate::policy::{ChangeKind, PolicySet, RuleKind, RuleSource};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowState {
    Open,
    Closed,
}

/// One piece of the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowsSegment {
    pub start: DateTime<Tz>,
    pub end: DateTime<Tz>,
    pub state: WindowState,
    /// Closed: the deny rules containing it, plus the applicable windows when none
    /// covers it. Open: the windows containing it. Policy order.
    pub rules: Vec<String>,
    /// For people, not part of the `windows` JSON: the session behind each blocking
    /// market rule ("krx: XKRX session 09:00–15:30 KST") and the events behind
    /// each blocking calendar rule ("sales: Black Friday sale").
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowsReport {
    pub from: DateTime<Tz>,
    pub to: DateTime<Tz>,
    pub intervals: Vec<WindowsSegment>,
}

/// The most pieces one report holds. A timeline of rules that change state every
/// minute (the densest a cron makes) over the longest range, 400 days, would be
/// over a million pieces, about 250 MB of JSON; this cap keeps an answer to a few
/// megabytes while leaving room for rules that change every quarter hour all year.
pub const MAX_PIECES: usize = 50_000;

/// The timeline of `[from, to)` for one service, environment and change kind, at
/// most [`MAX_PIECES`] pieces long.
pub fn windows(
    policy: &PolicySet,
    service: &str,
    env: &str,
    change: ChangeKind,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<WindowsReport, EvalError> {
    let tz = policy.settings.timezone;
    let range = Interval::new(from, to);
    let blocking = Blocking::new(policy, service, env, change);
    blocking.covered(range, "the range asked about")?;
    // Rules in policy order, each with its intervals cut to the range.
    let rules: Vec<(&str, bool, Vec<Interval>)> = policy
        .rules
        .iter()
        .filter(|r| r.applies(service, env, change))
        .map(|r| {
            let is_window = blocking.windows.iter().any(|w| std::ptr::eq(*w, r));
            (
                r.name.as_str(),
                is_window,
                merge(r.intervals(range).iter().map(|i| i.clip(&range)).collect()),
            )
        })
        .collect();
    let mut edges: Vec<DateTime<Utc>> = vec![from, to];
    for (_, _, list) in &rules {
        edges.extend(list.iter().flat_map(|i| [i.start, i.end]));
    }
    edges.sort_unstable();
    edges.dedup();

    let mut out: Vec<WindowsSegment> = Vec::new();
    for pair in edges.windows(2) {
        let (start, end) = (pair[0], pair[1]);
        let containing = |want_window: bool| -> Vec<String> {
            rules
                .iter()
                .filter(|(_, w, list)| *w == want_window && contains_instant(list, start))
                .map(|(n, _, _)| n.to_string())
                .collect()
        };
        let denies = containing(false);
        let open_windows = containing(true);
        let outside_windows = !blocking.windows.is_empty() && open_windows.is_empty();
        let (state, names) = if !denies.is_empty() || outside_windows {
            let mut names = denies;
            if outside_windows {
                names.extend(blocking.windows.iter().map(|w| w.name.clone()));
                let order = |n: &String| rules.iter().position(|(r, _, _)| r == n);
                names.sort_by_key(order);
            }
            (WindowState::Closed, names)
        } else {
            (WindowState::Open, open_windows)
        };
        let full = out.len() == MAX_PIECES;
        match out.last_mut() {
            Some(last) if last.state == state && last.rules == names => {
                last.end = end.with_timezone(&tz)
            }
            _ if full => {
                return Err(EvalError::TooManyPieces { max: MAX_PIECES });
            }
            _ => out.push(WindowsSegment {
                start: start.with_timezone(&tz),
                end: end.with_timezone(&tz),
                state,
                rules: names,
                notes: Vec::new(),
            }),
        }
    }
    for seg in out.iter_mut().filter(|s| s.state == WindowState::Closed) {
        let piece = Interval::new(seg.start.with_timezone(&Utc), seg.end.with_timezone(&Utc));
        seg.notes = policy
            .rules
            .iter()
            .filter(|r| {
                let named =
                    r.kind == RuleKind::Market || matches!(r.events(), RuleSource::Calendar(_));
                named && seg.rules.contains(&r.name)
            })
            .map(|r| format!("{}: {}", r.name, r.reason_near(piece)))
            .collect();
    }
    Ok(WindowsReport {
        from: from.with_timezone(&tz),
        to: to.with_timezone(&tz),
        intervals: out,
    })
}
