//! One iCalendar file's events, indexed so that a query for a range looks at the
//! few one-off events near it and expands only the recurring ones.

use super::error::IcsError;
use super::event::Event;
use super::read;
use crate::calendar::Interval;
use chrono::TimeDelta;
use chrono_tz::Tz;

/// The events of one iCalendar file.
#[derive(Debug, Clone)]
pub struct Calendar {
    events: Vec<Event>,
    /// The events that happen once, by start, with their index: a query looks
    /// at the few near its range, not at years of history.
    once: Vec<(Interval, usize)>,
    /// The longest of those, to find the ones that start before a range.
    longest: TimeDelta,
    /// The indexes of the events that repeat.
    recurring: Vec<usize>,
}

/// One instance of an event.
#[derive(Debug, Clone, Copy)]
pub struct Occurrence<'a> {
    pub event: &'a Event,
    pub interval: Interval,
}

impl Calendar {
    /// Reads an iCalendar text; floating times and all-day dates are read in
    /// `zone` (the rule's zone).
    pub fn parse(text: &str, zone: Tz) -> Result<Calendar, IcsError> {
        let events = read::read(text, zone)?;
        let mut once = Vec::new();
        let mut recurring = Vec::new();
        for (i, e) in events.iter().enumerate() {
            if e.recurs() {
                recurring.push(i);
            } else {
                once.push((e.first(), i));
            }
        }
        once.sort_unstable();
        let longest = once
            .iter()
            .map(|(iv, _)| iv.len())
            .max()
            .unwrap_or_default();
        Ok(Calendar {
            events,
            once,
            longest,
            recurring,
        })
    }

    /// Reads iCalendar bytes, which must be UTF-8 (RFC 5545 §3.1.4).
    pub fn parse_bytes(bytes: &[u8], zone: Tz) -> Result<Calendar, IcsError> {
        match std::str::from_utf8(bytes) {
            Ok(text) => Calendar::parse(text, zone),
            Err(e) => {
                let line = bytes[..e.valid_up_to()]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count()
                    + 1;
                Err(IcsError::at(line, "not UTF-8 text")
                    .help("iCalendar files are UTF-8; save or export the calendar as UTF-8"))
            }
        }
    }

    /// Every event that takes part (cancelled ones are gone), series and
    /// overrides alike.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// The instances of the events `keep` selects that overlap `range`, by start.
    pub fn occurrences(
        &self,
        range: Interval,
        keep: impl Fn(&Event) -> bool,
    ) -> Vec<Occurrence<'_>> {
        let first = self
            .once
            .partition_point(|(iv, _)| iv.start < range.start - self.longest);
        let mut out: Vec<Occurrence<'_>> = self.once[first..]
            .iter()
            .take_while(|(iv, _)| iv.start < range.end)
            .filter(|(iv, i)| iv.overlaps(&range) && keep(&self.events[*i]))
            .map(|(interval, i)| Occurrence {
                event: &self.events[*i],
                interval: *interval,
            })
            .collect();
        for event in self.recurring.iter().map(|i| &self.events[*i]) {
            if keep(event) {
                out.extend(
                    event
                        .instances(range)
                        .into_iter()
                        .map(|interval| Occurrence { event, interval }),
                );
            }
        }
        out.sort_by_key(|o| (o.interval, o.event.line));
        out
    }
}
