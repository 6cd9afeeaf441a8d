//! `shipwindow next`: the earliest allowed start as one RFC 3339 line on stdout
//! (or `none`), so `T=$(shipwindow next …)` works; for people, the same moment
//! as `check` shows times, or why nothing fits, on stderr.

use super::format::{Format, to_json};
use super::github;
use super::human::when;
use super::output::outln;
use crate::eval::{self, DeployRequest, EvalError, NothingFits};
use crate::policy::PolicySet;
use crate::text::escape;
use crate::time::duration::{format_duration, format_until};
use crate::wire;
use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;

/// Prints the answer in `format`; exit 0 when there is a next start, 1 when
/// there is none within the horizon — in every format.
pub(super) fn next(
    policy: &PolicySet,
    req: &DeployRequest,
    format: Format,
) -> Result<bool, EvalError> {
    let next = eval::next_allowed(policy, req)?;
    match format {
        Format::Json => {
            let decision = eval::decide(policy, req)?;
            outln!("{}", to_json(&wire::Decision::from(&decision)));
        }
        Format::Github => github::next(req, next.as_ref()),
        Format::Human => match &next {
            Some(t) => {
                outln!("{}", t.to_rfc3339_opts(SecondsFormat::Secs, false));
                eprintln!("{}", moment(req.at, t));
            }
            None => {
                outln!("none");
                eprintln!("{}", none(&eval::nothing_fits(policy, req)?));
            }
        },
    }
    Ok(next.is_some())
}

/// `Mon 2026-11-30 22:00 KST (in 3d 4h 46m)`, counted from the request's start.
pub(super) fn moment(at: DateTime<Utc>, t: &DateTime<Tz>) -> String {
    format!("{} ({})", when(t), format_until(at, t.to_utc()))
}

/// `none within the 60d horizon: a 9h deploy + 1h monitoring never fits (the
/// longest open stretch is 8h, …)`, or the rules that keep everything closed.
fn none(why: &NothingFits) -> String {
    let head = format!("none within the {} horizon", format_duration(why.horizon));
    let needed = format!(
        "a {} deploy + {} monitoring",
        format_duration(why.deploy),
        format_duration(why.monitoring)
    );
    let rules = escape(&why.closed_by.join(", ")).into_owned();
    match &why.longest_open {
        Some((start, end)) if (*end - *start) < why.deploy + why.monitoring => format!(
            "{head}: {needed} never fits (the longest open stretch is {}, {} to {})",
            format_duration(*end - *start),
            when(start),
            when(end)
        ),
        Some(_) => format!(
            "{head}: {needed} would fit an open stretch only past where the rules' data ends or the horizon cuts it"
        ),
        None if rules.is_empty() => format!("{head}: closed throughout"),
        None => format!("{head}: closed throughout by {rules}"),
    }
}
