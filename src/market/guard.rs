//! A market guard: the stretches around an exchange's sessions in which deploys are
//! denied, `[open - before_open, close + after_close)` of every session. A midday
//! break does not open a gap.

use super::definition::{Day, Exchange, Session};
use crate::calendar::{Interval, merge};
use crate::time::civil::to_civil;
use chrono::{NaiveDate, NaiveTime, TimeDelta};

/// The session-based intervals of one `[[market]]` rule.
#[derive(Debug, Clone)]
pub struct SessionGuard {
    pub exchange: &'static Exchange,
    pub before_open: TimeDelta,
    pub after_close: TimeDelta,
    /// Ad-hoc full closures added by the user, sorted.
    pub extra_closed: Vec<NaiveDate>,
    /// [`SessionGuard::coverage`], worked out once: every decision asks for it.
    coverage: Interval,
}

impl SessionGuard {
    pub fn new(
        exchange: &'static Exchange,
        before_open: TimeDelta,
        after_close: TimeDelta,
        extra_closed: Vec<NaiveDate>,
    ) -> SessionGuard {
        let mut guard = SessionGuard {
            exchange,
            before_open,
            after_close,
            extra_closed,
            coverage: exchange.coverage(),
        };
        guard.coverage = guard.guarded_coverage();
        guard
    }

    /// The instants whose guarded intervals are fully known from the calendar's
    /// data. A session on the day after the data could reach back into its last day
    /// when `before_open` is longer than the earliest open; one on the day before
    /// could reach into its first day when the latest close plus `after_close` passes
    /// midnight. With ordinary guards that is nothing, and the whole data is usable.
    pub fn coverage(&self) -> Interval {
        self.coverage
    }

    fn guarded_coverage(&self) -> Interval {
        let data = self.exchange.coverage();
        let (earliest_open, latest_close) = self.exchange.extreme_times();
        let since_midnight = |t: NaiveTime| t - NaiveTime::MIN;
        let into_first = (since_midnight(latest_close) + self.after_close - TimeDelta::days(1))
            .max(TimeDelta::zero());
        let into_last = (self.before_open - since_midnight(earliest_open)).max(TimeDelta::zero());
        Interval::new(data.start + into_first, data.end - into_last)
    }

    /// The sessions (with their guards) that overlap `range`, merged; nothing
    /// outside the calendar's data.
    pub fn intervals(&self, range: Interval) -> Vec<Interval> {
        let guarded: Vec<Interval> = self
            .sessions_near(range)
            .into_iter()
            .map(|s| self.guard(&s))
            .collect();
        let mut merged = merge(guarded);
        merged.retain(|i| i.overlaps(&range));
        merged
    }

    /// The first session whose guarded interval overlaps `probe`, if any.
    pub fn session_meeting(&self, probe: Interval) -> Option<Session> {
        self.sessions_near(probe)
            .into_iter()
            .find(|s| self.guard(s).overlaps(&probe))
    }

    fn guard(&self, s: &Session) -> Interval {
        Interval::new(s.open - self.before_open, s.close + self.after_close)
    }

    /// Sessions on the local dates around `range`, widened by the guards.
    fn sessions_near(&self, range: Interval) -> Vec<Session> {
        let zone = self.exchange.zone;
        let first = to_civil(zone, range.start - self.after_close).date() - chrono::Days::new(1);
        let last = to_civil(zone, range.end + self.before_open).date() + chrono::Days::new(1);
        first
            .iter_days()
            .take_while(|d| *d <= last)
            .filter(|d| self.extra_closed.binary_search(d).is_err())
            .filter_map(|d| match self.exchange.day(d) {
                Ok(Day::Open(session)) => Some(session),
                _ => None,
            })
            .collect()
    }

    /// `XKRX session 09:00–15:30 KST`, with a special session's name in parentheses.
    pub fn describe(&self, s: &Session) -> String {
        let zone = self.exchange.zone;
        let abbrev = s.open.with_timezone(&zone).format("%Z");
        let special = s
            .special
            .as_deref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        format!(
            "{} session {}–{} {abbrev}{special}",
            self.exchange.code,
            s.local_open.format("%H:%M"),
            s.local_close.format("%H:%M")
        )
    }
}
