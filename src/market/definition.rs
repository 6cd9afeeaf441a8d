//! One exchange's calendar definition (code, zone, regular hours, coverage, and the
//! holidays and special sessions of each year), and what it says about one date:
//! closed, or a session as instants and local times.

use crate::calendar::Interval;
use crate::time::civil::{Edge, to_instant};
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// A full closure on a weekday, with its name as the exchange publishes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holiday {
    pub date: NaiveDate,
    pub name: String,
}

impl Holiday {
    pub fn new(date: NaiveDate, name: impl Into<String>) -> Holiday {
        Holiday {
            date,
            name: name.into(),
        }
    }
}

/// A trading day whose hours differ from the regular ones (a late open, an early
/// close, or both). The midday break applies only if the session spans it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecialSession {
    pub date: NaiveDate,
    pub open: NaiveTime,
    pub close: NaiveTime,
    pub name: String,
}

impl SpecialSession {
    pub fn new(
        date: NaiveDate,
        open: NaiveTime,
        close: NaiveTime,
        name: impl Into<String>,
    ) -> SpecialSession {
        SpecialSession {
            date,
            open,
            close,
            name: name.into(),
        }
    }
}

/// Regular trading hours in force from a date on (until the next entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hours {
    pub from: NaiveDate,
    pub open: NaiveTime,
    pub close: NaiveTime,
    /// The midday break, if the exchange has one.
    pub lunch: Option<(NaiveTime, NaiveTime)>,
}

/// One exchange's calendar definition.
pub struct Exchange {
    /// ISO 10383 market identifier code, e.g. `XKRX`.
    pub code: &'static str,
    pub name: &'static str,
    pub zone: Tz,
    /// Regular hours, oldest first; the first entry starts at or before coverage.
    pub hours: &'static [Hours],
    /// First and last date the calendar's data covers.
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// The weekday closures of one year, sorted by date.
    pub holidays: fn(i32) -> Vec<Holiday>,
    /// The special sessions of one year, sorted by date.
    pub specials: fn(i32) -> Vec<SpecialSession>,
    /// Built on first use: every closure and special session in coverage.
    table: OnceLock<Table>,
}

impl std::fmt::Debug for Exchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code)
    }
}

#[derive(Default)]
struct Table {
    closed: BTreeMap<NaiveDate, String>,
    special: BTreeMap<NaiveDate, SpecialSession>,
}

/// A question about a date outside a calendar's data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code} calendar data covers {first} to {last}; {date} is outside it")]
pub struct OutOfCoverage {
    pub code: &'static str,
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub date: NaiveDate,
}

/// What an exchange does on one date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Day {
    /// No trading: a weekend (`holiday` is `None`) or a named holiday.
    Closed {
        date: NaiveDate,
        holiday: Option<String>,
    },
    Open(Session),
}

/// One trading day's session, as instants and as the local times people read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub date: NaiveDate,
    pub open: DateTime<Utc>,
    pub close: DateTime<Utc>,
    /// The midday break, when the session has one.
    pub lunch: Option<Interval>,
    pub local_open: NaiveTime,
    pub local_close: NaiveTime,
    /// Why the hours differ from the regular ones, for a special session.
    pub special: Option<String>,
}

impl Exchange {
    pub(crate) const fn new(
        code: &'static str,
        name: &'static str,
        zone: Tz,
        hours: &'static [Hours],
        coverage: (NaiveDate, NaiveDate),
        holidays: fn(i32) -> Vec<Holiday>,
        specials: fn(i32) -> Vec<SpecialSession>,
    ) -> Exchange {
        Exchange {
            code,
            name,
            zone,
            hours,
            first: coverage.0,
            last: coverage.1,
            holidays,
            specials,
            table: OnceLock::new(),
        }
    }

    fn table(&self) -> &Table {
        self.table.get_or_init(|| {
            let mut table = Table::default();
            for year in self.first.year()..=self.last.year() {
                for h in (self.holidays)(year) {
                    table.closed.insert(h.date, h.name);
                }
                for s in (self.specials)(year) {
                    table.special.insert(s.date, s);
                }
            }
            table
        })
    }

    /// The instants the calendar's data covers: from the first date's local midnight
    /// to the end of the last date.
    pub fn coverage(&self) -> Interval {
        let start = to_instant(self.zone, self.first.and_time(NaiveTime::MIN), Edge::Start);
        let end = to_instant(
            self.zone,
            (self.last + chrono::Days::new(1)).and_time(NaiveTime::MIN),
            Edge::End,
        );
        Interval::new(start, end)
    }

    /// Whether and when the exchange trades on `date`.
    pub fn day(&self, date: NaiveDate) -> Result<Day, OutOfCoverage> {
        if date < self.first || date > self.last {
            return Err(OutOfCoverage {
                code: self.code,
                first: self.first,
                last: self.last,
                date,
            });
        }
        if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            return Ok(Day::Closed {
                date,
                holiday: None,
            });
        }
        let table = self.table();
        if let Some(name) = table.closed.get(&date) {
            return Ok(Day::Closed {
                date,
                holiday: Some(name.clone()),
            });
        }
        let special = table.special.get(&date);
        let regular = self.hours_on(date);
        let (open, close) = special.map_or((regular.open, regular.close), |s| (s.open, s.close));
        let at = |t: NaiveTime, edge| to_instant(self.zone, date.and_time(t), edge);
        let lunch = regular
            .lunch
            .filter(|(start, end)| open <= *start && *end <= close)
            .map(|(start, end)| Interval::new(at(start, Edge::Start), at(end, Edge::End)));
        Ok(Day::Open(Session {
            date,
            open: at(open, Edge::Start),
            close: at(close, Edge::End),
            lunch,
            local_open: open,
            local_close: close,
            special: special.map(|s| s.name.clone()),
        }))
    }

    /// The earliest open and the latest close of any session in coverage, special
    /// sessions included: how far a session's hours reach into its day.
    pub fn extreme_times(&self) -> (NaiveTime, NaiveTime) {
        let table = self.table();
        let specials = table.special.values();
        let opens = self
            .hours
            .iter()
            .map(|h| h.open)
            .chain(specials.clone().map(|s| s.open));
        let closes = self
            .hours
            .iter()
            .map(|h| h.close)
            .chain(specials.map(|s| s.close));
        // With no data at all, assume sessions could fill the whole day.
        let last_second = NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN);
        (
            opens.min().unwrap_or(NaiveTime::MIN),
            closes.max().unwrap_or(last_second),
        )
    }

    /// The regular hours in force on `date`.
    pub fn hours_on(&self, date: NaiveDate) -> Hours {
        let idx = self.hours.partition_point(|h| h.from <= date);
        self.hours[idx.saturating_sub(1)]
    }

    /// The regular hours in force at the end of coverage (what people mean by "the
    /// hours" of an exchange).
    pub fn current_hours(&self) -> Hours {
        self.hours_on(self.last)
    }

    /// Every day from `from` to `to`, inclusive.
    pub fn days(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<Day>, OutOfCoverage> {
        from.iter_days()
            .take_while(|d| *d <= to)
            .map(|d| self.day(d))
            .collect()
    }
}
