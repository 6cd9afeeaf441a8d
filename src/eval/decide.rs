//! Deciding one request: the blockers that meet the deploy and its
//! monitoring, the verdict with any override, and the searches for
//! `next_allowed` and `free_until` within the horizon and the rules' data.

use super::error::EvalError;
use super::model::{Blocker, BlockerKind, Decision, DeployRequest, Override, Verdict};
use super::search::{self, Blocking};
use crate::calendar::Interval;
use crate::policy::{MAX_LENGTH, PolicySet, Rule};
use crate::time::duration::format_duration;
use crate::time::supported_end;
use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;

/// Decides a request against a policy set.
pub fn decide(policy: &PolicySet, req: &DeployRequest) -> Result<Decision, EvalError> {
    let settings = &policy.settings;
    let tz = settings.timezone;
    let (duration, _) = lengths(policy, req);
    // Where the supported years end in the policy's zone (a zone lookup, done once).
    let last = supported_end(tz);
    let guarded = guarded(policy, req, last)?;
    let mut blocking = Blocking::for_request(policy, req);
    let limit = blocking.covered(guarded, "the deploy and its monitoring")?;
    // Covers the guarded interval, `free_until`'s first chunks and `next_allowed`'s.
    blocking.remember(Interval::new(req.at, guarded.end + search::FIRST_CHUNK));
    // How far from the request a blocker's extent is followed (a blocker reports its
    // maximal interval; beyond one horizon either way it is reported as cut there).
    let reach = Interval::new(req.at - settings.horizon, guarded.end + settings.horizon);
    let found = blockers(&blocking, guarded, reach, tz);

    let accepted = |o: &Override| {
        let mut rules = found.iter().flat_map(|(_, rules)| rules);
        rules.all(|r| r.accepts_override(&o.reason, o.approver.as_deref()))
    };
    let verdict = if found.is_empty() {
        Verdict::Allow
    } else if req.override_.as_ref().is_some_and(accepted) {
        Verdict::Override
    } else {
        Verdict::Deny
    };
    // The searches stop at the horizon, and where a rule's data ends.
    let horizon_end = horizon_end(policy, req, last);
    // A start found must leave `room` before the data and the supported years end.
    let within_data = |latest: DateTime<Utc>, room: TimeDelta| match &limit {
        Some(l) => latest.min(l.instants.end - room).min(last - room),
        None => latest.min(last - room),
    };
    let data_end = limit
        .as_ref()
        .filter(|l| l.instants.end < horizon_end + guarded.len())
        .map(|l| (l.instants.end.with_timezone(&tz), l.data.clone()));
    let next_allowed = match verdict {
        Verdict::Allow | Verdict::Override => None,
        Verdict::Deny => {
            let latest = within_data(horizon_end, guarded.len());
            blocking.earliest_clear_start(req.at, latest, guarded.len())
        }
    };
    let free_until = match verdict {
        Verdict::Allow => {
            let latest = within_data(horizon_end, TimeDelta::seconds(1));
            blocking.first_blocked_after(guarded.end, latest)
        }
        Verdict::Override | Verdict::Deny => None,
    };
    Ok(Decision {
        allowed: verdict != Verdict::Deny,
        verdict,
        service: req.service.clone(),
        env: req.env.clone(),
        change: req.change,
        start: req.at.with_timezone(&tz),
        // Within `guarded`, which was checked to end in the supported years.
        deploy_end: (guarded.start + duration).with_timezone(&tz),
        monitoring_end: guarded.end.with_timezone(&tz),
        blocked_by: found.into_iter().map(|(b, _)| b).collect(),
        next_allowed: next_allowed.map(|t| t.with_timezone(&tz)),
        free_until: free_until.map(|t| t.with_timezone(&tz)),
        policy: policy.fingerprint.clone(),
        stale: stale(&blocking, tz),
        data_end,
    })
}

/// The stale calendar feeds among the rules that apply to the request.
fn stale(blocking: &Blocking<'_>, tz: Tz) -> Vec<String> {
    blocking
        .denies
        .iter()
        .chain(&blocking.windows)
        .filter_map(|r| r.stale(tz).map(|note| format!("{}: {note}", r.name)))
        .collect()
}

/// The deploy's length and the monitoring after it, with the settings' defaults.
fn lengths(policy: &PolicySet, req: &DeployRequest) -> (TimeDelta, TimeDelta) {
    let settings = &policy.settings;
    (
        req.duration.unwrap_or(settings.deploy_duration),
        req.monitoring.unwrap_or(settings.monitoring),
    )
}

/// The deploy and its monitoring from `req.at`, which must end within the supported
/// years: past them rules are not expanded, so an answer there could be a false
/// "allowed", and the sum itself could overflow. Each is at most [`MAX_LENGTH`],
/// which bounds the work of expanding the rules over them.
fn guarded(
    policy: &PolicySet,
    req: &DeployRequest,
    last: DateTime<Utc>,
) -> Result<Interval, EvalError> {
    let (duration, monitoring) = lengths(policy, req);
    let end = duration
        .checked_add(&monitoring)
        .and_then(|len| req.at.checked_add_signed(len))
        .filter(|end| *end <= last)
        .ok_or_else(|| EvalError::OutOfRange {
            what: "the deploy and its monitoring".into(),
        })?;
    for (what, length) in [("the deploy", duration), ("the monitoring", monitoring)] {
        if length > MAX_LENGTH {
            return Err(EvalError::TooLong {
                what: format!("{what} ({})", format_duration(length)),
                max: format_duration(MAX_LENGTH),
            });
        }
    }
    Ok(Interval::new(req.at, end))
}

/// Where the searches for `next_allowed` and `free_until` stop: one horizon after
/// the request, and never after the supported years.
fn horizon_end(policy: &PolicySet, req: &DeployRequest, last: DateTime<Utc>) -> DateTime<Utc> {
    req.at
        .checked_add_signed(policy.settings.horizon)
        .map_or(last, |t| t.min(last))
}

/// What blocks the guarded interval, in the decision's order (by start, then name), each blocker with the rules
/// it stands for (an override must satisfy them all): every deny rule that meets it,
/// and the applicable windows, once, when they do not cover it.
fn blockers<'p>(
    blocking: &Blocking<'p>,
    guarded: Interval,
    reach: Interval,
    tz: Tz,
) -> Vec<(Blocker, Vec<&'p Rule>)> {
    let mut found = Vec::new();
    // Only the freezes that meet the guarded interval can block it.
    for i in blocking.denies_meeting(guarded) {
        let Some(rule) = blocking.denies.get(i) else {
            continue;
        };
        let extent = |r| blocking.deny_extent(i, r);
        // A rule with limited data is followed only as far as its data goes.
        let reach = rule.covered_instants().map_or(reach, |c| reach.clip(&c));
        if let Some(iv) = search::maximal_meeting(extent, guarded, reach) {
            let (reason, overridable) = (rule.reason_near(guarded), rule.overridable());
            let b = blocker(
                rule.name.clone(),
                BlockerKind::of(rule),
                reason,
                iv,
                overridable,
                tz,
            );
            found.push((b, vec![*rule]));
        }
    }
    let windows = &blocking.windows;
    // Empty when no window applies, so then nothing is found.
    let outside = |r| (blocking.window_gaps(r), r);
    if let Some(iv) = search::maximal_meeting(outside, guarded, reach) {
        let names: Vec<&str> = windows.iter().map(|w| w.name.as_str()).collect();
        let reason = match windows.as_slice() {
            [one] => one.reason_near(guarded),
            several => {
                let each: Vec<String> = several.iter().map(|w| w.reason_near(guarded)).collect();
                format!("outside the deploy windows: {}", each.join("; "))
            }
        };
        let overridable = windows.iter().all(|w| w.overridable());
        let b = blocker(
            names.join(", "),
            BlockerKind::Window,
            reason,
            iv,
            overridable,
            tz,
        );
        found.push((b, windows.clone()));
    }
    found.sort_by(|(a, _), (b, _)| a.from.cmp(&b.from).then_with(|| a.rule.cmp(&b.rule)));
    found
}

/// The earliest start at or after `req.at` (within the horizon) at which the same
/// request would be allowed without an override.
pub fn next_allowed(
    policy: &PolicySet,
    req: &DeployRequest,
) -> Result<Option<DateTime<Tz>>, EvalError> {
    let last = supported_end(policy.settings.timezone);
    let guarded = guarded(policy, req, last)?;
    let len = guarded.len();
    let blocking = Blocking::for_request(policy, req);
    let limit = blocking.covered(guarded, "the deploy and its monitoring")?;
    let mut latest = horizon_end(policy, req, last).min(last - len);
    if let Some(limit) = limit {
        latest = latest.min(limit.instants.end - len);
    }
    Ok(blocking
        .earliest_clear_start(req.at, latest, len)
        .map(|t| t.with_timezone(&policy.settings.timezone)))
}

fn blocker(
    rule: String,
    kind: BlockerKind,
    reason: String,
    iv: Interval,
    overridable: bool,
    tz: Tz,
) -> Blocker {
    Blocker {
        rule,
        kind,
        reason,
        from: iv.start.with_timezone(&tz),
        until: iv.end.with_timezone(&tz),
        overridable,
    }
}
