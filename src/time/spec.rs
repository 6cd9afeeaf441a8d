//! Rule time specs (daily ranges, weekly spans, cron + length, cron pairs, one-time)
//! and their expansion into the intervals that meet a query range. Expansion is lazy:
//! work is proportional to the range asked about, never to all time.

use super::SyntaxError;
use super::civil::{Edge, to_civil, to_instant};
use super::cron::Cron;
use super::duration::{DurationStyle, format_duration_as};
use crate::calendar::{Interval, merge};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc, Weekday};
use chrono_tz::Tz;

/// A wall-clock time of day in minutes, `0..=1440` (`24:00` is allowed as an end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClockTime(u16);

/// `2:00` as `02:00` (and `9:5` as `09:05`) when that is a valid time: the
/// one-digit hour people write, offered back in the two-digit form we read.
fn padded(text: &str, allow_24: bool) -> Option<String> {
    let (h, m) = text.trim().split_once(':')?;
    let digits = |s: &str| (1..=2).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || !digits(m) {
        return None;
    }
    let fixed = format!("{h:0>2}:{m:0>2}");
    // Only a change of form: parsing what was written again would not end.
    if fixed == text.trim() {
        return None;
    }
    ClockTime::parse(&fixed, allow_24).ok().map(|_| fixed)
}

impl ClockTime {
    pub const MIDNIGHT: ClockTime = ClockTime(0);

    /// Parses `HH:MM`; `24:00` only when `allow_24` (it means the end of the day).
    pub fn parse(text: &str, allow_24: bool) -> Result<ClockTime, SyntaxError> {
        let err = || {
            let range = if allow_24 {
                "write `HH:MM` from `00:00` to `24:00`"
            } else {
                "write `HH:MM` from `00:00` to `23:59`"
            };
            let e = SyntaxError::new(format!("`{text}` is not a time of day"));
            match padded(text, allow_24) {
                Some(fixed) => e.with_help(format!("did you mean `{fixed}`? {range}")),
                None => e.with_help(range),
            }
        };
        let (h, m) = text.split_once(':').ok_or_else(err)?;
        if h.len() != 2 || m.len() != 2 {
            return Err(err());
        }
        let (h, m): (u16, u16) = (h.parse().map_err(|_| err())?, m.parse().map_err(|_| err())?);
        let minutes = h * 60 + m;
        if m >= 60 || minutes > 1440 || (minutes == 1440 && !allow_24) {
            return Err(err());
        }
        Ok(ClockTime(minutes))
    }

    /// The civil time on `date` (`24:00` is the next day's midnight).
    fn on(self, date: NaiveDate) -> NaiveDateTime {
        date.and_time(NaiveTime::MIN) + TimeDelta::minutes(i64::from(self.0))
    }
}

impl std::fmt::Display for ClockTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

/// A set of weekdays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DaySet(u8);

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl DaySet {
    pub fn contains(self, day: Weekday) -> bool {
        self.0 & (1 << day.num_days_from_monday()) != 0
    }

    /// Parses one entry of a `days` list: `mon`, `fri-mon` (ranges wrap) or `daily`.
    pub fn parse_entry(text: &str) -> Result<DaySet, SyntaxError> {
        let lower = text.to_ascii_lowercase();
        if lower == "daily" {
            return Ok(DaySet(0x7f));
        }
        // Words people reach for that name a set of days we spell otherwise.
        let meant = match lower.as_str() {
            "weekdays" | "weekday" | "workdays" | "business-days" => Some("mon-fri"),
            "weekends" | "weekend" => Some("sat-sun"),
            "everyday" | "every-day" | "all" | "*" => Some("daily"),
            _ => None,
        };
        if let Some(meant) = meant {
            return Err(SyntaxError::new(format!("`{text}` is not a day")).with_help(format!(
                "did you mean `{meant}`? days are `mon` … `sun`, ranges like `mon-fri`, or `daily`"
            )));
        }
        match lower.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (parse_day(a, text)?, parse_day(b, text)?);
                let (a, b) = (a.num_days_from_monday(), b.num_days_from_monday());
                let mut bits = 0u8;
                let mut d = a;
                loop {
                    bits |= 1 << d;
                    if d == b {
                        break;
                    }
                    d = (d + 1) % 7;
                }
                Ok(DaySet(bits))
            }
            None => Ok(DaySet(1 << parse_day(&lower, text)?.num_days_from_monday())),
        }
    }

    pub fn union(self, other: DaySet) -> DaySet {
        DaySet(self.0 | other.0)
    }

    pub const fn empty() -> DaySet {
        DaySet(0)
    }
}

impl std::fmt::Display for DaySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0 == 0x7f {
            return f.write_str("daily");
        }
        let names: Vec<&str> = (0..7)
            .filter(|d| self.0 & (1 << d) != 0)
            .map(|d| DAY_NAMES[d])
            .collect();
        f.write_str(&names.join(","))
    }
}

/// Parses a day name (`mon` … `sun`; `monday` and capitals accepted too).
pub fn parse_day(text: &str, whole: &str) -> Result<Weekday, SyntaxError> {
    let lower = text.trim().to_ascii_lowercase();
    if let Ok(day) = lower.parse::<Weekday>() {
        return Ok(day);
    }
    let err = if text.trim() == whole.trim() {
        SyntaxError::new(format!("`{text}` is not a day"))
    } else {
        SyntaxError::new(format!("`{text}` is not a day in `{whole}`"))
    };
    const LONG: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let guess = crate::suggest::closest(&lower, DAY_NAMES.into_iter().chain(LONG)).map(|s| &s[..3]);
    Err(match guess {
        Some(s) => err.with_help(format!(
            "did you mean `{s}`? days are `mon` … `sun`, ranges like `mon-fri`, or `daily`"
        )),
        None => err.with_help(
            "days are `mon` … `sun`, ranges like `mon-fri` (`fri-mon` wraps), or `daily`",
        ),
    })
}

/// A weekday and time of day, as in `fri 17:00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeekTime {
    pub day: Weekday,
    pub time: ClockTime,
}

impl WeekTime {
    pub fn parse(text: &str, allow_24: bool) -> Result<WeekTime, SyntaxError> {
        let (day, time) = text.trim().split_once(' ').ok_or_else(|| {
            SyntaxError::new(format!("`{text}` is not a day and time"))
                .with_help("write a day and a time, like `fri 17:00`")
        })?;
        Ok(WeekTime {
            day: parse_day(day, text)?,
            time: ClockTime::parse(time.trim(), allow_24)?,
        })
    }
}

/// When a rule is active. Exactly one per rule.
#[derive(Debug, Clone)]
pub enum TimeSpec {
    /// On each listed day, local `start` to `end`; `end <= start` crosses midnight.
    Daily {
        days: DaySet,
        start: ClockTime,
        end: ClockTime,
    },
    /// Every week from one local day and time to another.
    Weekly { from: WeekTime, to: WeekTime },
    /// Each fire opens an interval of an absolute length.
    CronFor { cron: Cron, duration: TimeDelta },
    /// From each fire of `cron` to the first fire of `until` strictly after it.
    CronUntil { cron: Cron, until: Cron },
    /// Once, between two instants (already resolved in the rule's zone).
    Once {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
}

impl TimeSpec {
    /// Every interval of this spec in `tz` that overlaps `range`, unclipped, sorted
    /// and merged (so touching occurrences form one interval).
    pub fn intervals(&self, tz: Tz, range: Interval) -> Vec<Interval> {
        let raw = match self {
            TimeSpec::Daily { days, start, end } => daily(tz, range, *days, *start, *end),
            TimeSpec::Weekly { from, to } => weekly(tz, range, *from, *to),
            TimeSpec::CronFor { cron, duration } => cron_for(tz, range, cron, *duration),
            TimeSpec::CronUntil { cron, until } => cron_until(tz, range, cron, until),
            TimeSpec::Once { start, end } => vec![Interval::new(*start, *end)],
        };
        let mut merged = merge(raw);
        merged.retain(|i| i.overlaps(&range));
        merged
    }

    /// A short description for people: `mon,tue 22:00-06:00`.
    pub fn describe(&self, tz: Tz) -> String {
        match self {
            TimeSpec::Daily { days, start, end } if start == end => {
                format!("{days} from {start} for 24h")
            }
            TimeSpec::Daily { days, start, end } => format!("{days} {start}-{end}"),
            TimeSpec::Weekly { from, to } => format!(
                "{} {} to {} {}",
                DAY_NAMES[from.day.num_days_from_monday() as usize],
                from.time,
                DAY_NAMES[to.day.num_days_from_monday() as usize],
                to.time
            ),
            TimeSpec::CronFor { cron, duration } => {
                format!(
                    "`{}` for {}",
                    cron.source(),
                    format_duration_as(*duration, DurationStyle::Policy)
                )
            }
            TimeSpec::CronUntil { cron, until } => {
                format!("`{}` until `{}`", cron.source(), until.source())
            }
            TimeSpec::Once { start, end } => format!(
                "{} to {}",
                start.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
                end.with_timezone(&tz).format("%Y-%m-%d %H:%M")
            ),
        }
    }
}

/// Local dates from a little before `range` starts to a little after it ends, wide
/// enough for an occurrence that starts `back` days earlier to still reach in.
fn local_dates(tz: Tz, range: Interval, back: u64) -> impl Iterator<Item = NaiveDate> {
    let first = to_civil(tz, range.start).date() - chrono::Days::new(back);
    let last = to_civil(tz, range.end).date() + chrono::Days::new(1);
    first.iter_days().take_while(move |d| *d <= last)
}

fn daily(tz: Tz, range: Interval, days: DaySet, start: ClockTime, end: ClockTime) -> Vec<Interval> {
    // An occurrence lasts at most a day plus a DST shift; two days back is enough.
    local_dates(tz, range, 2)
        .filter(|d| days.contains(d.weekday()))
        .map(|d| {
            let end_date = if end <= start {
                d + chrono::Days::new(1)
            } else {
                d
            };
            Interval::new(
                to_instant(tz, start.on(d), Edge::Start),
                to_instant(tz, end.on(end_date), Edge::End),
            )
        })
        .filter(|i| i.overlaps(&range))
        .collect()
}

fn weekly(tz: Tz, range: Interval, from: WeekTime, to: WeekTime) -> Vec<Interval> {
    let mut span = (to.day.num_days_from_monday() + 7 - from.day.num_days_from_monday()) % 7;
    if span == 0 && to.time <= from.time {
        span = 7;
    }
    local_dates(tz, range, 8)
        .filter(|d| d.weekday() == from.day)
        .map(|d| {
            let end_date = d + chrono::Days::new(u64::from(span));
            Interval::new(
                to_instant(tz, from.time.on(d), Edge::Start),
                to_instant(tz, to.time.on(end_date), Edge::End),
            )
        })
        .filter(|i| i.overlaps(&range))
        .collect()
}

/// The instant just before `t`: a bound for "fires before `t`" with
/// [`Cron::prev_fire`], which takes fires at or before its bound.
fn just_before(t: DateTime<Utc>) -> DateTime<Utc> {
    t - TimeDelta::nanoseconds(1)
}

/// The union of `[fire, fire + duration)` over the fires whose interval meets
/// `range`, joined as it is found: a fire inside the stretch being built only
/// moves its end, to the last fire at or before that end plus `duration`. So
/// the work is a step per stretch and per `duration` the stretches span, not a
/// step per fire: a minutely cron with a ten-year duration takes a few hundred
/// steps, not five million fires.
fn cron_for(tz: Tz, range: Interval, cron: &Cron, duration: TimeDelta) -> Vec<Interval> {
    let mut out = Vec::new();
    // Fires after `range.start - duration` are the ones whose interval reaches in,
    // and fires before `range.end` the ones that start in it.
    let last_bound = just_before(range.end);
    let mut fire = cron.next_fire(tz, range.start - duration, false);
    while let Some(start) = fire.filter(|f| *f < range.end) {
        let mut end = start + duration;
        // The latest fire that meets the stretch (touching counts) reaches furthest.
        while let Some(last) = cron.prev_fire(tz, end.min(last_bound)) {
            let reach = last + duration;
            if reach <= end {
                break;
            }
            end = reach;
        }
        out.push(Interval::new(start, end));
        fire = cron.next_fire(tz, end, false);
    }
    out
}

/// The union of the intervals from each fire of `cron` to the first fire of
/// `until` strictly after it, over the fires that meet `range`.
///
/// An interval ends at an `until` fire, and when `cron` fires at that same
/// instant the next one starts there: one stretch. Where both fire on the same
/// wall-clock minutes (a pair that fires every minute), the stretch is followed
/// to the first `until` fire on a minute `cron` does not fire on, at a step per
/// day rather than per fire.
fn cron_until(tz: Tz, range: Interval, cron: &Cron, until: &Cron) -> Vec<Interval> {
    // Every interval ends at an `until` fire, and the cron fires between two
    // consecutive `until` fires all end at the later one. So start at the last
    // `until` fire at or before the range and walk forward stretch by stretch.
    let anchor = until
        .prev_fire(tz, range.start)
        .unwrap_or(range.start - TimeDelta::days(400));
    let mut out = Vec::new();
    let mut fire = cron.next_fire(tz, anchor, true);
    while let Some(start) = fire.filter(|f| *f < range.end) {
        let Some(end) = stretch_end(tz, range, cron, until, start) else {
            break;
        };
        out.push(Interval::new(start, end));
        fire = cron.next_fire(tz, end, true);
    }
    out
}

/// Where the stretch of a cron pair that starts at the `cron` fire `start` ends,
/// following intervals that start before `range.end` (`None`: `until` never
/// fires again in the supported years).
fn stretch_end(
    tz: Tz,
    range: Interval,
    cron: &Cron,
    until: &Cron,
    start: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    // Every `until` fire after `start` on one of `cron`'s minutes ends one
    // interval and starts the next.
    match until.next_fire_apart_from(cron, tz, start, range.end) {
        // (A `cron` fire in a DST gap may still land on this instant: the
        // caller starts the next stretch there, and the merge joins them.)
        Some(end) if end < range.end => Some(end),
        _ => {
            // No break before the range ends: the last interval starts at
            // the last `until` fire in the range (also a `cron` fire), or at
            // `start` when there is none after it.
            let last = until
                .prev_fire(tz, just_before(range.end))
                .filter(|u| *u > start)
                .unwrap_or(start);
            until.next_fire(tz, last, false)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::New_York;
    use chrono_tz::Asia::Seoul;
    use chrono_tz::Australia::Lord_Howe;
    use chrono_tz::Europe::London;

    fn rfc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn range(a: &str, b: &str) -> Interval {
        Interval::new(rfc(a), rfc(b))
    }

    fn daily_spec(days: &str, start: &str, end: &str) -> TimeSpec {
        let days = days
            .split(',')
            .map(|d| DaySet::parse_entry(d).unwrap())
            .fold(DaySet::empty(), DaySet::union);
        TimeSpec::Daily {
            days,
            start: ClockTime::parse(start, false).unwrap(),
            end: ClockTime::parse(end, true).unwrap(),
        }
    }

    fn show(tz: Tz, ivs: &[Interval]) -> Vec<String> {
        ivs.iter()
            .map(|i| {
                format!(
                    "{} {}",
                    i.start.with_timezone(&tz).to_rfc3339(),
                    i.end.with_timezone(&tz).to_rfc3339()
                )
            })
            .collect()
    }

    #[test]
    fn daily_ranges_across_dst() {
        // (zone, days, start, end, range from, range to, expected intervals)
        type Case<'a> = (
            Tz,
            &'a str,
            &'a str,
            &'a str,
            &'a str,
            &'a str,
            &'a [&'a str],
        );
        let cases: &[Case] = &[
            // A fold never shortens a window: 01:00-02:00 on fall-back day is two real hours.
            (
                New_York,
                "sun",
                "01:00",
                "02:00",
                "2026-11-01T00:00:00-04:00",
                "2026-11-01T12:00:00-05:00",
                &["2026-11-01T01:00:00-04:00 2026-11-01T02:00:00-05:00"],
            ),
            // A window wholly inside the gap does not exist.
            (
                New_York,
                "sun",
                "02:00",
                "03:00",
                "2026-03-08T00:00:00-05:00",
                "2026-03-08T12:00:00-04:00",
                &[],
            ),
            // A start in the gap starts at the end of the gap.
            (
                New_York,
                "sun",
                "02:30",
                "05:00",
                "2026-03-08T00:00:00-05:00",
                "2026-03-08T12:00:00-04:00",
                &["2026-03-08T03:00:00-04:00 2026-03-08T05:00:00-04:00"],
            ),
            // An end in the gap ends at the end of the gap.
            (
                London,
                "sun",
                "00:00",
                "01:30",
                "2026-03-29T00:00:00+00:00",
                "2026-03-29T12:00:00+01:00",
                &["2026-03-29T00:00:00+00:00 2026-03-29T02:00:00+01:00"],
            ),
            // An end in the fold takes the later instant; a start the earlier.
            (
                London,
                "sun",
                "01:30",
                "03:00",
                "2026-10-25T00:00:00+01:00",
                "2026-10-25T12:00:00+00:00",
                &["2026-10-25T01:30:00+01:00 2026-10-25T03:00:00+00:00"],
            ),
            (
                London,
                "sat",
                "22:00",
                "01:30",
                "2026-10-24T12:00:00+01:00",
                "2026-10-25T12:00:00+00:00",
                &["2026-10-24T22:00:00+01:00 2026-10-25T01:30:00+00:00"],
            ),
            // Lord Howe: a 30-minute gap at 02:00 and a 30-minute fold at 01:30.
            (
                Lord_Howe,
                "sun",
                "02:00",
                "04:00",
                "2026-10-04T00:00:00+10:30",
                "2026-10-04T12:00:00+11:00",
                &["2026-10-04T02:30:00+11:00 2026-10-04T04:00:00+11:00"],
            ),
            (
                Lord_Howe,
                "sun",
                "01:00",
                "02:00",
                "2026-04-05T00:00:00+11:00",
                "2026-04-05T12:00:00+10:30",
                &["2026-04-05T01:00:00+11:00 2026-04-05T02:00:00+10:30"],
            ),
            // Midnight-crossing, and 24:00.
            (
                Seoul,
                "fri",
                "22:00",
                "06:00",
                "2026-11-27T00:00:00+09:00",
                "2026-11-29T00:00:00+09:00",
                &["2026-11-27T22:00:00+09:00 2026-11-28T06:00:00+09:00"],
            ),
            (
                Seoul,
                "mon",
                "18:00",
                "24:00",
                "2026-11-30T00:00:00+09:00",
                "2026-12-01T12:00:00+09:00",
                &["2026-11-30T18:00:00+09:00 2026-12-01T00:00:00+09:00"],
            ),
            // start == end is 24 hours; consecutive days merge into one interval.
            (
                Seoul,
                "mon,tue",
                "06:00",
                "06:00",
                "2026-11-30T00:00:00+09:00",
                "2026-12-05T00:00:00+09:00",
                &["2026-11-30T06:00:00+09:00 2026-12-02T06:00:00+09:00"],
            ),
            // Leap day and year end.
            (
                Seoul,
                "daily",
                "23:00",
                "01:00",
                "2028-02-29T00:00:00+09:00",
                "2028-02-29T23:30:00+09:00",
                &[
                    "2028-02-28T23:00:00+09:00 2028-02-29T01:00:00+09:00",
                    "2028-02-29T23:00:00+09:00 2028-03-01T01:00:00+09:00",
                ],
            ),
            (
                Seoul,
                "thu",
                "23:00",
                "01:00",
                "2026-12-31T12:00:00+09:00",
                "2027-01-01T12:00:00+09:00",
                &["2026-12-31T23:00:00+09:00 2027-01-01T01:00:00+09:00"],
            ),
            // A wrapping day range.
            (
                Seoul,
                "sat-mon",
                "10:00",
                "11:00",
                "2026-11-27T00:00:00+09:00",
                "2026-12-02T00:00:00+09:00",
                &[
                    "2026-11-28T10:00:00+09:00 2026-11-28T11:00:00+09:00",
                    "2026-11-29T10:00:00+09:00 2026-11-29T11:00:00+09:00",
                    "2026-11-30T10:00:00+09:00 2026-11-30T11:00:00+09:00",
                ],
            ),
        ];
        for (tz, days, start, end, a, b, want) in cases {
            let got = daily_spec(days, start, end).intervals(*tz, range(a, b));
            let want: Vec<_> = want
                .iter()
                .map(|s| {
                    let (x, y) = s.split_once(' ').unwrap();
                    format!(
                        "{} {}",
                        rfc(x).with_timezone(tz).to_rfc3339(),
                        rfc(y).with_timezone(tz).to_rfc3339()
                    )
                })
                .collect();
            assert_eq!(
                show(*tz, &got),
                want,
                "\nzone: {tz} days: {days} {start}-{end} range: {a}..{b}"
            );
        }
    }

    #[test]
    fn weekly_span_across_dst_and_year_end() {
        let spec = TimeSpec::Weekly {
            from: WeekTime::parse("fri 17:00", false).unwrap(),
            to: WeekTime::parse("mon 06:00", true).unwrap(),
        };
        // New York falls back on Sunday 2026-11-01: the span is one hour longer.
        let got = spec.intervals(
            New_York,
            range("2026-10-31T00:00:00-04:00", "2026-10-31T01:00:00-04:00"),
        );
        assert_eq!(
            got,
            vec![range(
                "2026-10-30T17:00:00-04:00",
                "2026-11-02T06:00:00-05:00"
            )]
        );
        assert_eq!(got[0].len(), TimeDelta::hours(62));
        // Spring forward on 2026-03-08: one hour shorter.
        let got = spec.intervals(
            New_York,
            range("2026-03-07T00:00:00-05:00", "2026-03-07T01:00:00-05:00"),
        );
        assert_eq!(got[0].len(), TimeDelta::hours(60));
        // Across a year end.
        let got = spec.intervals(
            Seoul,
            range("2028-01-01T00:00:00+09:00", "2028-01-01T01:00:00+09:00"),
        );
        assert_eq!(
            got,
            vec![range(
                "2027-12-31T17:00:00+09:00",
                "2028-01-03T06:00:00+09:00"
            )]
        );
        let got = spec.intervals(
            Seoul,
            range("2027-01-01T18:00:00+09:00", "2027-01-01T19:00:00+09:00"),
        );
        assert_eq!(
            got,
            vec![range(
                "2027-01-01T17:00:00+09:00",
                "2027-01-04T06:00:00+09:00"
            )]
        );
    }

    #[test]
    fn cron_with_duration_is_absolute_time() {
        let spec = TimeSpec::CronFor {
            cron: Cron::parse("30 1 * * *").unwrap(),
            duration: TimeDelta::hours(2),
        };
        // The fold day fires once, at the earlier 01:30, and lasts two real hours.
        let got = spec.intervals(
            New_York,
            range("2026-11-01T00:00:00-04:00", "2026-11-01T12:00:00-05:00"),
        );
        assert_eq!(
            got,
            vec![range(
                "2026-11-01T01:30:00-04:00",
                "2026-11-01T02:30:00-05:00"
            )]
        );
        // An occurrence that started before the range still counts.
        let got = spec.intervals(
            New_York,
            range("2026-11-02T03:00:00-05:00", "2026-11-02T04:00:00-05:00"),
        );
        assert_eq!(
            got,
            vec![range(
                "2026-11-02T01:30:00-05:00",
                "2026-11-02T03:30:00-05:00"
            )]
        );
    }

    #[test]
    fn cron_pair_runs_to_the_first_until_fire_after() {
        // GitLab-style: Friday 17:00 to Monday 06:00.
        let spec = TimeSpec::CronUntil {
            cron: Cron::parse("0 17 * * 5").unwrap(),
            until: Cron::parse("0 6 * * 1").unwrap(),
        };
        let got = spec.intervals(
            Seoul,
            range("2026-11-29T12:00:00+09:00", "2026-12-05T00:00:00+09:00"),
        );
        assert_eq!(
            got,
            vec![
                range("2026-11-27T17:00:00+09:00", "2026-11-30T06:00:00+09:00"),
                range("2026-12-04T17:00:00+09:00", "2026-12-07T06:00:00+09:00"),
            ]
        );
        // Several starts before one end join into one interval from the first start.
        let spec = TimeSpec::CronUntil {
            cron: Cron::parse("0 * * * *").unwrap(),
            until: Cron::parse("30 5 * * *").unwrap(),
        };
        let got = spec.intervals(
            Seoul,
            range("2026-11-29T12:00:00+09:00", "2026-11-29T13:00:00+09:00"),
        );
        assert_eq!(
            got,
            vec![range(
                "2026-11-29T06:00:00+09:00",
                "2026-11-30T05:30:00+09:00"
            )]
        );
        // until_cron in a fold ends at the earlier instant.
        let spec = TimeSpec::CronUntil {
            cron: Cron::parse("0 0 * * *").unwrap(),
            until: Cron::parse("30 1 * * *").unwrap(),
        };
        let got = spec.intervals(
            New_York,
            range("2026-11-01T00:10:00-04:00", "2026-11-01T00:20:00-04:00"),
        );
        assert_eq!(
            got,
            vec![range(
                "2026-11-01T00:00:00-04:00",
                "2026-11-01T01:30:00-04:00"
            )]
        );
    }

    #[test]
    fn cron_fire_in_a_gap_starts_at_the_end_of_the_gap() {
        let spec = TimeSpec::CronFor {
            cron: Cron::parse("15 2 * * *").unwrap(),
            duration: TimeDelta::minutes(30),
        };
        let got = spec.intervals(
            Lord_Howe,
            range("2026-10-04T00:00:00+10:30", "2026-10-04T12:00:00+11:00"),
        );
        assert_eq!(
            got,
            vec![range(
                "2026-10-04T02:30:00+11:00",
                "2026-10-04T03:00:00+11:00"
            )]
        );
    }

    #[test]
    fn parses_days_and_times() {
        assert!(ClockTime::parse("24:00", false).is_err());
        assert!(ClockTime::parse("25:00", true).is_err());
        assert!(ClockTime::parse("7:00", true).is_err());
        let err = DaySet::parse_entry("thurs").unwrap_err();
        assert!(err.help.unwrap().contains("did you mean `thu`?"));
        assert!(DaySet::parse_entry("Friday").is_ok());
        assert_eq!(
            DaySet::parse_entry("fri-mon").unwrap().to_string(),
            "mon,fri,sat,sun"
        );
    }
}
