//! A calendar rule's source: the parsed calendar, the file or feed it came from
//! (and how fresh a feed's copy is), and which of its events the rule takes.

use super::calendar::{Calendar, Occurrence};
use super::event::Event;
use crate::calendar::{Interval, merge};
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use chrono_tz::Tz;
use std::path::PathBuf;
use std::sync::Arc;

/// Where a calendar rule's events come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A local file (its path as the loader resolved it).
    File(PathBuf),
    /// An `http(s)://` feed and how its cached copy was obtained.
    Feed {
        url: String,
        refresh: TimeDelta,
        /// When the server last confirmed the copy in use (a 200 or a 304).
        fetched_at: DateTime<Utc>,
        /// When a refresh was last tried.
        checked_at: DateTime<Utc>,
        /// Why the last refresh failed, while an older copy is in use.
        error: Option<String>,
    },
}

/// The source of a calendar rule's intervals: a parsed calendar, where it came
/// from, and which of its events the rule takes.
#[derive(Debug, Clone)]
pub struct CalendarSource {
    pub location: Location,
    pub calendar: Arc<Calendar>,
    /// `categories` on the rule: only events with one of these CATEGORIES
    /// (compared without case) take part; empty means every event.
    pub categories: Vec<String>,
}

impl CalendarSource {
    /// Whether the rule takes this event.
    pub fn selects(&self, event: &Event) -> bool {
        self.categories.is_empty()
            || event.categories.iter().any(|c| {
                let c = c.to_lowercase();
                self.categories.iter().any(|want| want.to_lowercase() == c)
            })
    }

    /// The selected events' instances that overlap `range`.
    pub fn occurrences(&self, range: Interval) -> Vec<Occurrence<'_>> {
        self.calendar.occurrences(range, |e| self.selects(e))
    }

    /// The rule's intervals that overlap `range`, unclipped, merged.
    pub fn intervals(&self, range: Interval) -> Vec<Interval> {
        merge(self.occurrences(range).iter().map(|o| o.interval).collect())
    }

    /// The summaries of the events that meet `probe`, once each, by start:
    /// `Black Friday sale; Payments launch`.
    pub fn summaries_near(&self, probe: Interval) -> Option<String> {
        let mut names: Vec<&str> = Vec::new();
        for o in self.occurrences(probe) {
            if !names.contains(&o.event.summary.as_str()) {
                names.push(&o.event.summary);
            }
        }
        (!names.is_empty()).then(|| names.join("; "))
    }

    /// `fetched 2026-11-27T06:00:00+09:00, refresh failed: …` when the rule runs
    /// on an older copy of its feed because the last refresh failed.
    pub fn stale(&self, tz: Tz) -> Option<String> {
        match &self.location {
            Location::Feed {
                fetched_at,
                error: Some(error),
                ..
            } => Some(format!(
                "fetched {}, refresh failed: {error}",
                fetched_at
                    .with_timezone(&tz)
                    .to_rfc3339_opts(SecondsFormat::Secs, false)
            )),
            _ => None,
        }
    }

    /// When the feed is due for a refresh (`None` for a file).
    pub fn refresh_due(&self) -> Option<DateTime<Utc>> {
        match &self.location {
            Location::Feed {
                refresh,
                checked_at,
                ..
            } => Some(*checked_at + *refresh),
            Location::File(_) => None,
        }
    }

    /// The file or feed, for messages.
    pub fn describe(&self) -> String {
        match &self.location {
            Location::File(path) => path.display().to_string(),
            Location::Feed { url, .. } => super::feed::redact(url),
        }
    }
}
