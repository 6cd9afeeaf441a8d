//! The open/closed timeline of a service and environment over a range
//! (`windows`): consecutive, non-overlapping pieces that cover the range, each
//! open piece with the last start that still fits a deploy and its monitoring.

use super::decide::decide;
use super::error::EvalError;
use super::model::DeployRequest;
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
    /// Open pieces only: the latest start `t` in the open stretch this piece
    /// belongs to (adjacent open pieces joined, followed past the range's end)
    /// such that the whole of `[t, t + deploy + monitoring)` is allowed, with the
    /// policy's default lengths. `None` when no start in the stretch fits, or
    /// when it cannot be known (the stretch runs past the horizon or a
    /// calendar's data).
    pub last_start: Option<DateTime<Tz>>,
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
        .applicable(service, env, change)
        .into_iter()
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
                last_start: None,
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
    let mut i = 0;
    while i < out.len() {
        let run = out[i..]
            .iter()
            .take_while(|s| s.state == WindowState::Open)
            .count();
        if run == 0 {
            i += 1;
            continue;
        }
        let stretch = Interval::new(
            out[i].start.with_timezone(&Utc),
            out[i + run - 1].end.with_timezone(&Utc),
        );
        let runs_past = i + run == out.len();
        let last = last_start(policy, (service, env, change), stretch, runs_past)
            .map(|t| t.with_timezone(&tz));
        for seg in &mut out[i..i + run] {
            seg.last_start = last;
        }
        i += run;
    }
    Ok(WindowsReport {
        from: from.with_timezone(&tz),
        to: to.with_timezone(&tz),
        intervals: out,
    })
}

/// The pieces with each run of adjacent closed ones joined: the rules of all
/// of them in the order they first appear, their notes without repeats.
pub fn join_closed(pieces: &[WindowsSegment]) -> Vec<WindowsSegment> {
    let mut out: Vec<WindowsSegment> = Vec::new();
    for piece in pieces {
        match out.last_mut() {
            Some(last)
                if last.state == WindowState::Closed
                    && piece.state == WindowState::Closed
                    && last.end == piece.start =>
            {
                last.end = piece.end;
                for rule in &piece.rules {
                    if !last.rules.contains(rule) {
                        last.rules.push(rule.clone());
                    }
                }
                for note in &piece.notes {
                    if !last.notes.contains(note) {
                        last.notes.push(note.clone());
                    }
                }
            }
            _ => out.push(piece.clone()),
        }
    }
    out
}

/// The latest start whose deploy and monitoring (the policy's default lengths)
/// are allowed, among the starts of the open `stretch` (adjacent open pieces of
/// the report joined). When a closed piece of the report follows the stretch,
/// the answer is its end less the deploy and monitoring: every instant of the
/// stretch is open and the one after it is not, exactly what `check` asks of a
/// deploy's guarded interval. When the stretch runs to the report's end, it may
/// go on past it: the decision itself is asked (the first start in the stretch
/// that fits, then the end of the clear stretch from there, `free_until`), once
/// per report. `None` when nothing in the stretch fits, or when the decision
/// cannot say (a calendar's data or the horizon ends first): never a start that
/// might not fit.
fn last_start(
    policy: &PolicySet,
    (service, env, change): (&str, &str, ChangeKind),
    stretch: Interval,
    runs_past: bool,
) -> Option<DateTime<Utc>> {
    let settings = &policy.settings;
    let length = settings.deploy_duration.checked_add(&settings.monitoring)?;
    if !runs_past {
        let last = stretch.end.checked_sub_signed(length)?;
        return (last >= stretch.start).then_some(last);
    }
    let request = |at: DateTime<Utc>| {
        let mut req = DeployRequest::new(service, env, at);
        req.change = change;
        req
    };
    let first = decide(policy, &request(stretch.start)).ok()?;
    let first = if first.allowed {
        first
    } else {
        let at = first.next_allowed?.with_timezone(&Utc);
        if at >= stretch.end {
            return None;
        }
        decide(policy, &request(at)).ok()?
    };
    let clear_end = first.free_until?.with_timezone(&Utc);
    Some(clear_end - (first.monitoring_end - first.start))
}
