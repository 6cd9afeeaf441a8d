//! `lead` and `tail` of a `[[freeze]]`: the freeze blocks `[start - lead, end + tail)`
//! of each of its events, in exact instants. Owns the two keys, the widened
//! expansion (an event that starts after a query range still reaches into it by its
//! lead) and the words a blocker caught by a lead or a tail says about it.

use super::parse::{FileCtx, get, string};
use super::{Rule, RuleSource};
use crate::calendar::{Interval, merge};
use crate::time::duration::{format_duration_compact, parse_duration};
use chrono::TimeDelta;
use chrono_tz::Tz;
use toml::de::DeTable;

/// The longest `lead` or `tail`. A freeze that starts more than a month before its
/// event is a different freeze (write it as its own rule); the cap also keeps the
/// widened expansion of every query bounded.
pub const MAX_LEAD_TAIL: TimeDelta = TimeDelta::days(30);

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
        let events = self.events.intervals(tz, self.event_range(range));
        self.extend(events, range)
    }

    /// The words for a blocker around `probe` (SPEC §4 `reason`): the plain
    /// reason when the probe meets an event, else which lead or tail it meets.
    /// Out of line, like [`Extended::intervals`].
    #[inline(never)]
    pub(crate) fn reason_near(&self, rule: &Rule, probe: Interval) -> String {
        let events = self
            .events
            .intervals(rule.timezone, self.event_range(probe));
        let parts = classify(self, &events, probe);
        if parts.is_empty() {
            return rule.reason_of(&self.events, probe);
        }
        let second = TimeDelta::seconds(1);
        let each: Vec<String> = parts
            .into_iter()
            .map(|near| match near {
                Near::Tail(e) => {
                    let tail = human_duration(self.tail);
                    let at = Interval::new(e.end - second, e.end);
                    self.say(rule, at, |what| format!("cool-down, {tail} after {what}"))
                }
                Near::Lead(e) => {
                    let lead = human_duration(self.lead);
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

    /// The range over which the events must be expanded so that every event whose
    /// extended interval meets `range` is among them.
    pub(crate) fn event_range(&self, range: Interval) -> Interval {
        Interval::new(range.start - self.tail, range.end + self.lead)
    }

    /// The extended intervals of `events` (the events' own merged intervals over
    /// [`Extended::event_range`]), merged, that overlap `range`. Extending commutes
    /// with merging (lead and tail are never negative), so extending merged events
    /// is the same as extending each event and merging.
    pub(crate) fn extend(&self, events: Vec<Interval>, range: Interval) -> Vec<Interval> {
        let mut out = merge(
            events
                .into_iter()
                .map(|e| Interval::new(e.start - self.lead, e.end + self.tail))
                .collect(),
        );
        out.retain(|i| i.overlaps(&range));
        out
    }
}

/// Which part of an extended freeze a probe meets, when it meets no event itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Near {
    /// The probe lies in the cool-down after the event ending at this instant...
    Tail(Interval),
    /// ...or in the lead of the event starting at this instant.
    Lead(Interval),
}

/// The parts of an extended freeze that `probe` meets, in time order, given the
/// merged events around it (over [`Extended::event_range`] of the probe): empty
/// when the probe meets an event itself (then the plain reason applies) or nothing.
pub(crate) fn classify(x: &Extended, events: &[Interval], probe: Interval) -> Vec<Near> {
    if events.iter().any(|e| e.overlaps(&probe)) {
        return Vec::new();
    }
    let mut out = Vec::new();
    // The last event ending at or before the probe, if its tail reaches in.
    if let Some(e) = events.iter().rev().find(|e| e.end <= probe.start)
        && e.end + x.tail > probe.start
    {
        out.push(Near::Tail(*e));
    }
    // The first event starting at or after the probe's end, if its lead reaches in.
    if let Some(e) = events.iter().find(|e| e.start >= probe.end)
        && e.start - x.lead < probe.end
    {
        out.push(Near::Lead(*e));
    }
    out
}

/// The keys that extend a `[[freeze]]` around each of its events.
pub(crate) const LEAD_TAIL_KEYS: [&str; 2] = ["lead", "tail"];

/// `lead` or `tail` of a freeze: a duration from `0s` to [`MAX_LEAD_TAIL`]; zero
/// when the key is absent (or on a rule kind that rejects the key).
pub(crate) fn lead_or_tail(
    ctx: &mut FileCtx<'_>,
    table: &DeTable<'_>,
    key: &str,
) -> Option<TimeDelta> {
    let Some(e) = get(table, key) else {
        return Some(TimeDelta::zero());
    };
    let what = if key == "lead" {
        "before each event"
    } else {
        "after each event"
    };
    let text = string(ctx, &e, "\"2d\"")?;
    if text.trim_start().starts_with('-') {
        ctx.error(
            &e.value.span(),
            format!("`{key}` cannot be negative"),
            Some(format!(
                "`{key}` is how long {what} the freeze blocks too, e.g. `{key} = \"2d\"`"
            )),
        );
        return None;
    }
    let d = parse_duration(&text)
        .map_err(|err| ctx.syntax(&e.value.span(), key, err))
        .ok()?;
    if d > MAX_LEAD_TAIL {
        ctx.error(
            &e.value.span(),
            format!(
                "`{key}` is longer than {}",
                format_duration_compact(MAX_LEAD_TAIL)
            ),
            Some(format!(
                "a freeze blocks at most {} {what}; for a longer stretch write a freeze of its own",
                human_duration(MAX_LEAD_TAIL)
            )),
        );
        return None;
    }
    Some(d)
}

/// A duration in words for people: `2 days`, `1 hour 30 minutes`, `45 seconds`.
pub fn human_duration(d: TimeDelta) -> String {
    let mut secs = d.num_seconds().max(0);
    if secs == 0 {
        return "0 seconds".into();
    }
    let mut parts = Vec::new();
    for (unit, size) in [
        ("day", 86_400),
        ("hour", 3_600),
        ("minute", 60),
        ("second", 1),
    ] {
        let n = secs / size;
        if n > 0 {
            let s = if n == 1 { "" } else { "s" };
            parts.push(format!("{n} {unit}{s}"));
            secs %= size;
        }
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::spec::TimeSpec;
    use chrono::{DateTime, Utc};

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(s, 0).unwrap()
    }

    fn iv(a: i64, b: i64) -> Interval {
        Interval::new(t(a), t(b))
    }

    fn ext(lead: i64, tail: i64) -> Extended {
        Extended {
            events: RuleSource::Spec(TimeSpec::Once {
                start: t(0),
                end: t(1),
            }),
            lead: TimeDelta::seconds(lead),
            tail: TimeDelta::seconds(tail),
        }
    }

    #[test]
    fn human_durations() {
        for (secs, want) in [
            (0, "0 seconds"),
            (1, "1 second"),
            (45, "45 seconds"),
            (3_600, "1 hour"),
            (5_400, "1 hour 30 minutes"),
            (172_800, "2 days"),
            (93_784, "1 day 2 hours 3 minutes 4 seconds"),
        ] {
            assert_eq!(human_duration(TimeDelta::seconds(secs)), want, "{secs}s");
        }
    }

    #[test]
    fn extended_intervals_merge_and_reach_in() {
        let x = ext(10, 5);
        // Events at [100, 110) and [122, 130): extended [90, 115) and [112, 135) join.
        let got = x.extend(vec![iv(100, 110), iv(122, 130)], iv(0, 91));
        assert_eq!(got, vec![iv(90, 135)]);
        assert_eq!(x.event_range(iv(50, 60)), iv(45, 70));
        // Touching extensions join too; one that ends where the range starts is out.
        assert_eq!(
            x.extend(vec![iv(100, 110), iv(125, 130)], iv(0, 200)),
            vec![iv(90, 135)]
        );
        assert_eq!(x.extend(vec![iv(100, 110)], iv(115, 200)), vec![]);
    }

    #[test]
    fn classifies_lead_tail_and_event() {
        let x = ext(10, 5);
        let events = [iv(100, 110), iv(122, 130)];
        assert_eq!(
            classify(&x, &events, iv(95, 96)),
            vec![Near::Lead(iv(100, 110))]
        );
        assert_eq!(classify(&x, &events, iv(95, 101)), vec![]);
        assert_eq!(
            classify(&x, &events, iv(110, 111)),
            vec![Near::Tail(iv(100, 110))]
        );
        // Between the two: the tail of one and the lead of the next.
        assert_eq!(
            classify(&x, &events, iv(113, 114)),
            vec![Near::Tail(iv(100, 110)), Near::Lead(iv(122, 130))]
        );
        // Not met at all.
        assert_eq!(classify(&x, &events, iv(0, 90)), vec![]);
    }
}
