//! `lead` and `tail` of a `[[freeze]]`: the freeze blocks `[start - lead, end + tail)`
//! of each of its events, in exact instants. Owns the arithmetic of that reach:
//! the widened expansion (an event that starts after a query range still reaches
//! into it by its lead), which part of the reach a probe meets, and durations in
//! words for what a blocker says about it.

use crate::calendar::{Interval, merge};
use chrono::TimeDelta;

/// The longest `lead` or `tail`. A freeze that starts more than a month before its
/// event is a different freeze (write it as its own rule); the cap also keeps the
/// widened expansion of every query bounded.
pub const MAX_LEAD_TAIL: TimeDelta = TimeDelta::days(30);

/// How far a freeze reaches before (`lead`) and after (`tail`) each event: both
/// absolute elapsed time (`2d` is 48 hours, also across a DST change).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reach {
    pub lead: TimeDelta,
    pub tail: TimeDelta,
}

impl Reach {
    /// The range over which the events must be expanded so that every event whose
    /// extended interval meets `range` is among them.
    pub(crate) fn event_range(&self, range: Interval) -> Interval {
        Interval::new(range.start - self.tail, range.end + self.lead)
    }

    /// The extended intervals of `events` (the events' own merged intervals over
    /// [`Reach::event_range`]), merged, that overlap `range`. Extending commutes
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
/// merged events around it (over [`Reach::event_range`] of the probe): empty
/// when the probe meets an event itself (then the plain reason applies) or nothing.
pub(crate) fn classify(x: &Reach, events: &[Interval], probe: Interval) -> Vec<Near> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(s, 0).unwrap()
    }

    fn iv(a: i64, b: i64) -> Interval {
        Interval::new(t(a), t(b))
    }

    fn ext(lead: i64, tail: i64) -> Reach {
        Reach {
            lead: TimeDelta::seconds(lead),
            tail: TimeDelta::seconds(tail),
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
