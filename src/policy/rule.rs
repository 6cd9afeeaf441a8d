//! A validated rule: what it governs (scope, change kinds, overrides), where its
//! intervals come from (a time spec, an exchange, a calendar, or one of those
//! widened by a freeze's `lead` and `tail`), and the words a blocker says.

use super::lead_tail::{Near, Reach, classify};
use super::scope::Scope;
use crate::calendar::Interval;
use crate::ics::CalendarSource;
use crate::market::SessionGuard;
use crate::time::duration::{DurationStyle, format_duration_as};
use crate::time::spec::TimeSpec;
use crate::traffic::TrafficSource;
use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use std::path::PathBuf;

/// Whether a rule allows (window) or denies (freeze, market) the times it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    Window,
    Freeze,
    /// Denies the sessions of an exchange calendar.
    Market,
}

/// What kind of change a request is; rules may exempt some kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    Deploy,
    Hotfix,
    Rollback,
    Config,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 4] = [
        ChangeKind::Deploy,
        ChangeKind::Hotfix,
        ChangeKind::Rollback,
        ChangeKind::Config,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Deploy => "deploy",
            ChangeKind::Hotfix => "hotfix",
            ChangeKind::Rollback => "rollback",
            ChangeKind::Config => "config",
        }
    }

    pub fn parse(text: &str) -> Option<ChangeKind> {
        ChangeKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// Who may push a deploy through a rule that blocks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverridePolicy {
    /// Nobody.
    Never,
    /// Anyone who gives a reason.
    Reason,
    /// Someone listed in `approvers`, with a reason.
    Approver,
}

/// Where a rule's intervals come from. New sources (exchange calendars, iCalendar
/// files) are new variants; the decision only ever asks for intervals.
#[derive(Debug, Clone)]
pub enum RuleSource {
    Spec(TimeSpec),
    Market(SessionGuard),
    /// The events of an iCalendar file or feed (`ics`, freeze only).
    Calendar(CalendarSource),
    /// The low-traffic runs of a Prometheus series (`traffic`, window only).
    Traffic(Box<TrafficSource>),
    /// A freeze with `lead` and/or `tail` around the events of another source (a
    /// time spec or a calendar). Only a freeze that sets one of them longer than
    /// zero has this source, so every other rule reads exactly as before.
    Extended(Box<Extended>),
}

impl RuleSource {
    /// The merged intervals of this source that overlap `range`, unclipped.
    #[inline]
    pub(crate) fn intervals(&self, tz: Tz, range: Interval) -> Vec<Interval> {
        match self {
            RuleSource::Spec(spec) => spec.intervals(tz, range),
            RuleSource::Market(guard) => guard.intervals(range),
            RuleSource::Calendar(source) => source.intervals(range),
            RuleSource::Traffic(source) => source.intervals(tz, range),
            RuleSource::Extended(x) => x.intervals(tz, range),
        }
    }
}

/// The limits of a rule's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    /// The instants the rule can answer for.
    pub instants: Interval,
    /// The data, for messages: "the XKRX calendar, whose data covers …".
    pub data: String,
}

/// Whose slot a reservation rule stands for: what a request presenting its id
/// is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub id: String,
    pub lane: String,
    pub service: String,
    pub env: String,
    pub by: String,
    pub start: DateTime<Utc>,
    pub monitoring_end: DateTime<Utc>,
}

/// Where a rule was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleOrigin {
    /// A table in this policy file (named as the loader named it).
    File(PathBuf),
    /// A runtime freeze, by its id in the server's store.
    Runtime(String),
    /// A reservation (a booked slot in a lane), by whose it is.
    Reservation(Box<Held>),
}

impl RuleOrigin {
    /// Made at run time (a runtime freeze or a reservation), not read from a file.
    pub fn is_runtime(&self) -> bool {
        matches!(self, RuleOrigin::Runtime(_) | RuleOrigin::Reservation(_))
    }

    /// Reservation `id`'s rule.
    pub fn is_reservation(&self, id: &str) -> bool {
        matches!(self, RuleOrigin::Reservation(h) if h.id == id)
    }
}

/// One validated `[[window]]`, `[[freeze]]` or `[[market]]`.
#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    pub origin: RuleOrigin,
    pub kind: RuleKind,
    pub reason: Option<String>,
    pub services: Scope,
    pub envs: Scope,
    pub exempt: Vec<ChangeKind>,
    pub override_policy: OverridePolicy,
    pub approvers: Vec<String>,
    pub timezone: Tz,
    pub source: RuleSource,
}

impl Rule {
    /// Whether the rule governs this request at all.
    pub fn applies(&self, service: &str, env: &str, change: ChangeKind) -> bool {
        !self.exempt.contains(&change) && self.services.matches(service) && self.envs.matches(env)
    }

    /// The rule's blocking (or, for a window, allowing) intervals that overlap
    /// `range`, unclipped, sorted and merged. For a freeze with `lead`/`tail` these
    /// are the extended intervals `[start - lead, end + tail)` of its events.
    pub fn intervals(&self, range: Interval) -> Vec<Interval> {
        self.source.intervals(self.timezone, range)
    }

    /// The intervals of the rule's events themselves (without `lead`/`tail`) that
    /// overlap `range`, unclipped, sorted and merged; the same as
    /// [`Rule::intervals`] for a rule without them.
    pub fn event_intervals(&self, range: Interval) -> Vec<Interval> {
        self.events().intervals(self.timezone, range)
    }

    /// Where the rule's events come from, beneath any `lead`/`tail`.
    pub fn events(&self) -> &RuleSource {
        let mut source = &self.source;
        while let RuleSource::Extended(x) = source {
            source = &x.events;
        }
        source
    }

    /// How long before each event a freeze starts blocking (zero unless set).
    pub fn lead(&self) -> TimeDelta {
        match &self.source {
            RuleSource::Extended(x) => x.lead,
            _ => TimeDelta::zero(),
        }
    }

    /// How long after each event a freeze keeps blocking (zero unless set).
    pub fn tail(&self) -> TimeDelta {
        match &self.source {
            RuleSource::Extended(x) => x.tail,
            _ => TimeDelta::zero(),
        }
    }

    /// Whether the rule's events come from a calendar or a traffic profile: what
    /// is refreshed while serving, and may be stale.
    pub fn reads_feed(&self) -> bool {
        matches!(
            self.events(),
            RuleSource::Calendar(_) | RuleSource::Traffic(_)
        )
    }

    /// For a rule reading a calendar feed whose last refresh failed: when the copy
    /// in use was fetched and why the refresh failed (times in `tz`).
    pub fn stale(&self, tz: Tz) -> Option<String> {
        match self.events() {
            RuleSource::Calendar(source) => source.stale(tz),
            RuleSource::Traffic(source) => source.stale(tz),
            _ => None,
        }
    }

    /// The instants this rule can answer for, when its data has limits (an exchange
    /// calendar's coverage); asking beyond them is an error, never a silent "open".
    pub fn coverage(&self) -> Option<Coverage> {
        let RuleSource::Market(guard) = self.events() else {
            return None;
        };
        Some(Coverage {
            instants: guard.coverage(),
            data: format!(
                "the {} calendar, whose data covers {} to {}",
                guard.exchange.code, guard.exchange.first, guard.exchange.last
            ),
        })
    }

    /// [`Rule::coverage`]'s instants alone, without the words (what every
    /// decision asks of every rule).
    pub fn covered_instants(&self) -> Option<Interval> {
        match self.events() {
            RuleSource::Market(guard) => Some(guard.coverage()),
            RuleSource::Spec(_)
            | RuleSource::Calendar(_)
            | RuleSource::Traffic(_)
            | RuleSource::Extended(_) => None,
        }
    }

    /// The line shown to people when the rule blocks around `probe`. A market rule
    /// names the session that blocks; a calendar rule, the events (their SUMMARY).
    /// A freeze that meets `probe` only by the lead of an event says so ("2 days
    /// before Black Friday sale"), one met only by the tail after an event too
    /// ("cool-down, 1 hour after Black Friday sale"); meeting an event itself gives
    /// the plain reason.
    pub fn reason_near(&self, probe: Interval) -> String {
        self.reason_of(&self.source, probe)
    }

    /// The reason `source` (this rule's, or the events beneath its lead and tail)
    /// gives around `probe`.
    pub(crate) fn reason_of(&self, source: &RuleSource, probe: Interval) -> String {
        let spec = match source {
            RuleSource::Spec(spec) => spec,
            RuleSource::Calendar(calendar) => {
                let events = calendar.summaries_near(probe);
                return match (&self.reason, events) {
                    (Some(reason), Some(events)) => format!("{reason}: {events}"),
                    (Some(reason), None) => reason.clone(),
                    (None, Some(events)) => events,
                    (None, None) => format!("calendar event ({})", self.name),
                };
            }
            RuleSource::Market(guard) => {
                let session = guard.session_meeting(probe).map(|s| guard.describe(&s));
                let session = session.unwrap_or_else(|| format!("{} session", guard.exchange.code));
                return match &self.reason {
                    Some(reason) => format!("{reason}: {session}"),
                    None => session,
                };
            }
            RuleSource::Extended(x) => return x.reason_near(self, probe),
            RuleSource::Traffic(traffic) => {
                return match &self.reason {
                    Some(reason) => reason.clone(),
                    None => format!(
                        "outside low-traffic window {} ({} {})",
                        self.name,
                        traffic.describe(),
                        self.timezone.name()
                    ),
                };
            }
        };
        if let Some(reason) = &self.reason {
            return reason.clone();
        }
        let when = format!("{} {}", spec.describe(self.timezone), self.timezone.name());
        match self.kind {
            RuleKind::Window => format!("outside deploy window {} ({when})", self.name),
            RuleKind::Freeze | RuleKind::Market => format!("freeze {} ({when})", self.name),
        }
    }

    /// Whether the rule accepts overrides at all.
    pub fn overridable(&self) -> bool {
        self.override_policy != OverridePolicy::Never
    }

    /// Whether an override with this reason and approver satisfies the rule.
    pub fn accepts_override(&self, reason: &str, approver: Option<&str>) -> bool {
        let has_reason = !reason.trim().is_empty();
        match self.override_policy {
            OverridePolicy::Never => false,
            OverridePolicy::Reason => has_reason,
            OverridePolicy::Approver => {
                has_reason
                    && approver.is_some_and(|a| {
                        // A blank name approves nothing, even if a list holds one.
                        !a.trim().is_empty() && self.approvers.iter().any(|x| x == a)
                    })
            }
        }
    }
}

/// A freeze's events with the stretch before (`lead`) and after (`tail`) each that
/// it blocks too. Both are absolute elapsed time (`2d` is 48 hours, also across a
/// DST change); at least one is longer than zero.
#[derive(Debug, Clone)]
pub struct Extended {
    /// Where the events come from (a time spec or a calendar).
    pub events: RuleSource,
    pub lead: TimeDelta,
    pub tail: TimeDelta,
}

impl Extended {
    /// The extended intervals that overlap `range`, merged and unclipped. Out of
    /// line, so that rules without `lead`/`tail` run the code they always ran.
    #[inline(never)]
    pub(crate) fn intervals(&self, tz: Tz, range: Interval) -> Vec<Interval> {
        let reach = self.reach();
        let events = self.events.intervals(tz, reach.event_range(range));
        reach.extend(events, range)
    }

    /// How far the freeze reaches around each event.
    pub(crate) fn reach(&self) -> Reach {
        Reach {
            lead: self.lead,
            tail: self.tail,
        }
    }

    /// The words for a blocker around `probe` (the blocker's `reason`): the plain
    /// reason when the probe meets an event, else which lead or tail it meets.
    /// Out of line, like [`Extended::intervals`].
    #[inline(never)]
    pub(crate) fn reason_near(&self, rule: &Rule, probe: Interval) -> String {
        let reach = self.reach();
        let events = self
            .events
            .intervals(rule.timezone, reach.event_range(probe));
        let parts = classify(&reach, &events, probe);
        if parts.is_empty() {
            return rule.reason_of(&self.events, probe);
        }
        let second = TimeDelta::seconds(1);
        let each: Vec<String> = parts
            .into_iter()
            .map(|near| match near {
                Near::Tail(e) => {
                    let tail = format_duration_as(self.tail, DurationStyle::Words);
                    let at = Interval::new(e.end - second, e.end);
                    self.say(rule, at, |what| format!("cool-down, {tail} after {what}"))
                }
                Near::Lead(e) => {
                    let lead = format_duration_as(self.lead, DurationStyle::Words);
                    let at = Interval::new(e.start, e.start + second);
                    self.say(rule, at, |what| format!("{lead} before {what}"))
                }
            })
            .collect();
        each.join("; ")
    }

    /// `words` around what the event at `at` is called: the rule's reason, or for
    /// a calendar the event's SUMMARY, with the rule's `reason` in front when set
    /// ("Sales: 2 days before Black Friday sale").
    fn say(&self, rule: &Rule, at: Interval, words: impl Fn(&str) -> String) -> String {
        match &self.events {
            RuleSource::Calendar(calendar) => match (&rule.reason, calendar.summaries_near(at)) {
                (Some(reason), Some(events)) => format!("{reason}: {}", words(&events)),
                (Some(reason), None) => words(reason),
                (None, Some(events)) => words(&events),
                (None, None) => words(&format!("calendar event ({})", rule.name)),
            },
            other => words(&rule.reason_of(other, at)),
        }
    }
}
