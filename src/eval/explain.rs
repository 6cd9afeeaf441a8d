//! Why a deploy has no next allowed start within the horizon: the longest open
//! stretch there is (too short for the deploy and its monitoring), or, when
//! nothing opens at all, the rules that keep it closed. Read off the same
//! timeline `windows` reports, so the reason and the timeline agree.

use super::error::EvalError;
use super::model::DeployRequest;
use super::windows::{WindowState, windows};
use crate::policy::PolicySet;
use crate::time::supported_end;
use chrono::{DateTime, TimeDelta};
use chrono_tz::Tz;

/// Why nothing fits between the request and the end of the horizon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NothingFits {
    /// The policy's search horizon.
    pub horizon: TimeDelta,
    pub deploy: TimeDelta,
    pub monitoring: TimeDelta,
    /// The longest open stretch in the horizon, when there is one: too short
    /// for the deploy and its monitoring.
    pub longest_open: Option<(DateTime<Tz>, DateTime<Tz>)>,
    /// The rules that close the stretches, in policy order, once each.
    pub closed_by: Vec<String>,
}

/// Why `req` has no next allowed start: the timeline from `req.at` to the end
/// of the horizon, read for its longest open stretch and its closing rules.
pub fn nothing_fits(policy: &PolicySet, req: &DeployRequest) -> Result<NothingFits, EvalError> {
    let settings = &policy.settings;
    // The same end the search for a next start uses.
    let last = supported_end(settings.timezone);
    let end = req
        .at
        .checked_add_signed(settings.horizon)
        .map_or(last, |t| t.min(last));
    let report = windows(policy, &req.service, &req.env, req.change, req.at, end)?;
    let mut longest: Option<(DateTime<Tz>, DateTime<Tz>)> = None;
    let mut closed_by: Vec<String> = Vec::new();
    // Adjacent open pieces (under different windows) are one stretch.
    let mut current: Option<(DateTime<Tz>, DateTime<Tz>)> = None;
    for s in &report.intervals {
        match s.state {
            WindowState::Open => {
                current = Some(match current {
                    Some((start, _)) => (start, s.end),
                    None => (s.start, s.end),
                });
            }
            WindowState::Closed => {
                for r in &s.rules {
                    if !closed_by.contains(r) {
                        closed_by.push(r.clone());
                    }
                }
                longest = longer(longest, current.take());
            }
        }
    }
    longest = longer(longest, current);
    let order = |name: &String| policy.rules.iter().position(|r| &r.name == name);
    closed_by.sort_by_key(order);
    Ok(NothingFits {
        horizon: settings.horizon,
        deploy: req.duration.unwrap_or(settings.deploy_duration),
        monitoring: req.monitoring.unwrap_or(settings.monitoring),
        longest_open: longest,
        closed_by,
    })
}

type Stretch = Option<(DateTime<Tz>, DateTime<Tz>)>;

fn longer(a: Stretch, b: Stretch) -> Stretch {
    match (a, b) {
        (Some(x), Some(y)) if (y.1 - y.0) > (x.1 - x.0) => Some(y),
        (Some(x), _) => Some(x),
        (None, y) => y,
    }
}
