//! Standard five-field cron (`minute hour day-of-month month day-of-week`): parsed
//! into bit sets per field and iterated over a zone-free civil clock.
//!
//! Each civil fire maps to an instant with [`to_instant`]. Day-of-month and
//! day-of-week are ORed when both are restricted (the Vixie rule). We iterate the
//! fields ourselves rather than through the `cron` crate because its schedules end
//! in 2100, short of the supported years ([`SUPPORTED_YEARS`]).

use super::civil::{Edge, to_civil, to_instant};
use super::{SUPPORTED_YEARS, SyntaxError};
use chrono::{
    DateTime, Datelike, LocalResult, Months, NaiveDate, NaiveDateTime, TimeDelta, TimeZone,
    Timelike, Utc,
};
use chrono_tz::Tz;

const HELP: &str = "use the standard five fields `minute hour day-of-month month day-of-week`, e.g. `0 22 * * mon-thu`";

/// A parsed five-field cron expression.
#[derive(Debug, Clone)]
pub struct Cron {
    source: String,
    fields: Fields,
}

/// Years a fire is searched in: the supported years and one on either side, so an
/// interval that starts in the last supported year still finds its end.
const SEARCH_YEARS: std::ops::RangeInclusive<i32> =
    (*SUPPORTED_YEARS.start() - 1)..=(*SUPPORTED_YEARS.end() + 1);

/// The five fields as bit sets (bit `v` set when value `v` is listed).
#[derive(Debug, Clone)]
struct Fields {
    minutes: u64,
    hours: u64,
    doms: u64,
    months: u64,
    /// `0` = Sunday … `6` = Saturday (`7` is folded into `0`).
    dows: u64,
    dom_restricted: bool,
    dow_restricted: bool,
}

impl Fields {
    /// Whether `date` is a firing day. When both day fields are restricted either
    /// one matching is enough (the Vixie rule); otherwise the restricted one decides.
    fn day_matches(&self, date: NaiveDate) -> bool {
        if !has(self.months, date.month()) {
            return false;
        }
        let dom = has(self.doms, date.day());
        let dow = has(self.dows, date.weekday().num_days_from_sunday());
        match (self.dom_restricted, self.dow_restricted) {
            (true, true) => dom || dow,
            (true, false) => dom,
            (false, true) => dow,
            (false, false) => true,
        }
    }

    /// The first listed `(hour, minute)` at or after `h0:m0` on one day.
    fn first_time_from(&self, h0: u32, m0: u32) -> Option<(u32, u32)> {
        let h = first_at_or_after(self.hours, h0)?;
        if h == h0 {
            if let Some(m) = first_at_or_after(self.minutes, m0) {
                return Some((h, m));
            }
            let h = first_at_or_after(self.hours, h0 + 1)?;
            return Some((h, first_at_or_after(self.minutes, 0)?));
        }
        Some((h, first_at_or_after(self.minutes, 0)?))
    }

    /// The last listed `(hour, minute)` at or before `h0:m0` on one day.
    fn last_time_to(&self, h0: u32, m0: u32) -> Option<(u32, u32)> {
        let h = last_at_or_before(self.hours, h0)?;
        if h == h0 {
            if let Some(m) = last_at_or_before(self.minutes, m0) {
                return Some((h, m));
            }
            let h = last_at_or_before(self.hours, h0.checked_sub(1)?)?;
            return Some((h, last_at_or_before(self.minutes, 59)?));
        }
        Some((h, last_at_or_before(self.minutes, 59)?))
    }
}

/// The smallest value in `set` that is at least `v` (`v` below 64).
fn first_at_or_after(set: u64, v: u32) -> Option<u32> {
    let rest = set & (u64::MAX << v.min(63));
    (rest != 0).then(|| rest.trailing_zeros())
}

/// The largest value in `set` that is at most `v` (`v` below 63).
fn last_at_or_before(set: u64, v: u32) -> Option<u32> {
    let rest = set & ((2u64 << v.min(62)) - 1);
    (rest != 0).then(|| 63 - rest.leading_zeros())
}

fn has(set: u64, v: u32) -> bool {
    set & (1u64 << v) != 0
}

fn bits(set: &[bool]) -> u64 {
    set.iter()
        .enumerate()
        .filter(|(_, on)| **on)
        .fold(0, |acc, (v, _)| acc | (1u64 << v))
}

fn minute_floor(civil: NaiveDateTime) -> NaiveDateTime {
    civil
        .date()
        .and_hms_opt(civil.hour(), civil.minute(), 0)
        .unwrap_or(civil)
}

struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const MINUTE: Field = Field {
    name: "minute",
    min: 0,
    max: 59,
    names: &[],
};
const HOUR: Field = Field {
    name: "hour",
    min: 0,
    max: 23,
    names: &[],
};
const DOM: Field = Field {
    name: "day-of-month",
    min: 1,
    max: 31,
    names: &[],
};
const MONTH: Field = Field {
    name: "month",
    min: 1,
    max: 12,
    names: &[
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ],
};
// 0 and 7 are both Sunday; names map to 0..=6.
const DOW: Field = Field {
    name: "day-of-week",
    min: 0,
    max: 7,
    names: &["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
};

impl Cron {
    /// Parses a five-field expression or a macro (`@hourly`, `@daily`, `@weekly`,
    /// `@monthly`, `@yearly`), rejecting anything beyond the standard syntax and
    /// expressions that can never fire.
    pub fn parse(text: &str) -> Result<Cron, SyntaxError> {
        let expanded = match text.trim() {
            "@hourly" => "0 * * * *",
            "@daily" | "@midnight" => "0 0 * * *",
            "@weekly" => "0 0 * * 0",
            "@monthly" => "0 0 1 * *",
            "@yearly" | "@annually" => "0 0 1 1 *",
            other if other.starts_with('@') => {
                return Err(
                    SyntaxError::new(format!("unknown cron macro `{other}`")).with_help(
                        "macros are `@hourly`, `@daily`, `@weekly`, `@monthly` and `@yearly`",
                    ),
                );
            }
            other => other,
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        if fields.len() != 5 {
            let extra = match fields.len() {
                6 | 7 => " (a seconds or year field is not part of standard cron)",
                _ => "",
            };
            return Err(SyntaxError::new(format!(
                "cron `{text}` has {} fields, expected the standard five{extra}",
                fields.len()
            ))
            .with_help(HELP));
        }
        let minutes = parse_field(fields[0], &MINUTE)?;
        let hours = parse_field(fields[1], &HOUR)?;
        let doms = parse_field(fields[2], &DOM)?;
        let months = parse_field(fields[3], &MONTH)?;
        let mut dows = parse_field(fields[4], &DOW)?;
        if dows[7] {
            dows[0] = true;
        }
        let dom_restricted = fields[2] != "*";
        let dow_restricted = fields[4] != "*";

        if dom_restricted && !dow_restricted && !can_fire(&doms, &months) {
            return Err(SyntaxError::new(format!(
                "cron `{text}` can never fire: no listed month has the listed day"
            ))
            .with_help("check the day-of-month and month fields"));
        }

        Ok(Cron {
            source: text.to_string(),
            fields: Fields {
                minutes: bits(&minutes),
                hours: bits(&hours),
                doms: bits(&doms),
                months: bits(&months),
                dows: bits(&dows[..7]),
                dom_restricted,
                dow_restricted,
            },
        })
    }

    /// Whether both day-of-month and day-of-week are restricted, so that a day
    /// matching either one fires (the Vixie rule, easy to misread as "and").
    pub fn days_are_ored(&self) -> bool {
        self.fields.dom_restricted && self.fields.dow_restricted
    }

    /// The expression as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The first civil fire strictly after `civil`, searched no later than the
    /// end of [`SEARCH_YEARS`].
    fn next_civil_after(&self, civil: NaiveDateTime) -> Option<NaiveDateTime> {
        let f = &self.fields;
        // Fires fall on whole minutes: the first candidate is the next whole minute.
        let first = minute_floor(civil) + TimeDelta::minutes(1);
        let mut date = first.date();
        let mut from = Some((first.hour(), first.minute()));
        while date.year() <= *SEARCH_YEARS.end() {
            if !has(f.months, date.month()) {
                // Skip the rest of a month that never fires.
                date = date.with_day(1)?.checked_add_months(Months::new(1))?;
                from = None;
                continue;
            }
            if f.day_matches(date) {
                let (h0, m0) = from.unwrap_or((0, 0));
                if let Some((h, m)) = f.first_time_from(h0, m0) {
                    return date.and_hms_opt(h, m, 0);
                }
            }
            date = date.succ_opt()?;
            from = None;
        }
        None
    }

    /// The last civil fire strictly before `civil`, searched no earlier than the
    /// start of [`SEARCH_YEARS`].
    fn prev_civil_before(&self, civil: NaiveDateTime) -> Option<NaiveDateTime> {
        let f = &self.fields;
        let floor = minute_floor(civil);
        let last = if floor == civil {
            floor - TimeDelta::minutes(1)
        } else {
            floor
        };
        let mut date = last.date();
        let mut to = Some((last.hour(), last.minute()));
        while date.year() >= *SEARCH_YEARS.start() {
            if !has(f.months, date.month()) {
                // Jump to the last day of the previous month.
                date = date.with_day(1)?.pred_opt()?;
                to = None;
                continue;
            }
            if f.day_matches(date) {
                let (h0, m0) = to.unwrap_or((23, 59));
                if let Some((h, m)) = f.last_time_to(h0, m0) {
                    return date.and_hms_opt(h, m, 0);
                }
            }
            date = date.pred_opt()?;
            to = None;
        }
        None
    }

    /// The first fire in `tz` at or after `bound` (`inclusive`) or strictly after it.
    ///
    /// A civil fire in a gap fires at the end of the gap; in a fold it fires once, at
    /// the earlier instant, so it is never returned before `bound`.
    pub fn next_fire(
        &self,
        tz: Tz,
        bound: DateTime<Utc>,
        inclusive: bool,
    ) -> Option<DateTime<Utc>> {
        // A civil time at or before the reading of `bound - 1s` maps to an instant
        // before `bound` (the mapping is monotonic), so the search starts just after
        // it. Not at `bound`'s own reading: when `bound` is the end of a DST gap,
        // fires inside the gap map exactly onto it.
        let mut civil = to_civil(tz, bound - TimeDelta::seconds(1));
        loop {
            civil = self.next_civil_after(civil)?;
            let fire = to_instant(tz, civil, Edge::Start);
            if fire > bound || (inclusive && fire == bound) {
                return Some(fire);
            }
        }
    }

    /// The first civil fire strictly after `civil` whose wall-clock time is not
    /// also a fire of `other`, searched up to the end of `last` (or of
    /// [`SEARCH_YEARS`]). At most one step per day and listed hour, however
    /// densely both fire: this is how a cron pair whose fires coincide minute
    /// after minute is followed without visiting each minute.
    fn next_civil_apart_from(
        &self,
        other: &Cron,
        civil: NaiveDateTime,
        last: NaiveDate,
    ) -> Option<NaiveDateTime> {
        let (f, g) = (&self.fields, &other.fields);
        let first = minute_floor(civil) + TimeDelta::minutes(1);
        let mut date = first.date();
        let mut from = Some((first.hour(), first.minute()));
        while date <= last && date.year() <= *SEARCH_YEARS.end() {
            if !has(f.months, date.month()) {
                date = date.with_day(1)?.checked_add_months(Months::new(1))?;
                from = None;
                continue;
            }
            if f.day_matches(date) {
                let (h0, m0) = from.unwrap_or((0, 0));
                let other_fires_today = g.day_matches(date);
                let mut hours = f.hours & (u64::MAX << h0);
                while hours != 0 {
                    let h = hours.trailing_zeros();
                    hours &= hours - 1;
                    let mut minutes = f.minutes;
                    if other_fires_today && has(g.hours, h) {
                        minutes &= !g.minutes;
                    }
                    if h == h0 {
                        minutes &= u64::MAX << m0;
                    }
                    if minutes != 0 {
                        return date.and_hms_opt(h, minutes.trailing_zeros(), 0);
                    }
                }
            }
            date = date.succ_opt()?;
            from = None;
        }
        None
    }

    /// The first fire in `tz` strictly after `bound` whose wall-clock time is
    /// not a fire of `other`, looked for no later than the local day after
    /// `stop` (`None`: none by then).
    pub fn next_fire_apart_from(
        &self,
        other: &Cron,
        tz: Tz,
        bound: DateTime<Utc>,
        stop: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let last = to_civil(tz, stop).date().succ_opt()?;
        // Civil times up to `bound`'s own reading map to `bound` or before.
        let mut civil = to_civil(tz, bound);
        loop {
            civil = self.next_civil_apart_from(other, civil, last)?;
            let fire = to_instant(tz, civil, Edge::Start);
            if fire > bound {
                return Some(fire);
            }
        }
    }

    /// The last fire in `tz` at or before `bound`.
    pub fn prev_fire(&self, tz: Tz, bound: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let reading = to_civil(tz, bound);
        // In the second pass of a fold, later wall-clock readings up to the fold's end
        // fire at first-pass instants that are still before `bound`.
        let fold_len = match tz.from_local_datetime(&reading) {
            LocalResult::Ambiguous(a, b)
                if bound == a.with_timezone(&Utc).max(b.with_timezone(&Utc)) =>
            {
                (a.naive_utc() - b.naive_utc()).abs()
            }
            _ => TimeDelta::zero(),
        };
        let mut civil = reading + fold_len + TimeDelta::seconds(1);
        loop {
            civil = self.prev_civil_before(civil)?;
            let fire = to_instant(tz, civil, Edge::Start);
            if fire <= bound {
                return Some(fire);
            }
        }
    }
}

fn parse_field(text: &str, field: &Field) -> Result<Vec<bool>, SyntaxError> {
    let bad = |what: String| SyntaxError::new(what).with_help(HELP);
    let mut set = vec![false; field.max as usize + 1];
    for item in text.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => {
                let step: u32 = s.parse().ok().filter(|s| *s > 0).ok_or_else(|| {
                    bad(format!(
                        "bad step `{s}` in the {} field `{text}`",
                        field.name
                    ))
                })?;
                (r, step)
            }
            None => (item, 1),
        };
        let (lo, hi) = if range == "*" {
            (
                field.min,
                if field.name == DOW.name { 6 } else { field.max },
            )
        } else if let Some((a, b)) = range.split_once('-') {
            let (a, b) = (value(a, field, text)?, value(b, field, text)?);
            if a > b {
                return Err(bad(format!(
                    "range `{range}` in the {} field runs backwards",
                    field.name
                )));
            }
            (a, b)
        } else {
            let a = value(range, field, text)?;
            // `a/n` means from a to the end of the field, stepping by n.
            // (For day-of-week the end is Saturday: `7` is only an alias of Sunday.)
            let end = if field.name == DOW.name { 6 } else { field.max };
            (a, if step > 1 { end } else { a })
        };
        let mut v = lo;
        while v <= hi {
            set[v as usize] = true;
            v += step;
        }
    }
    Ok(set)
}

fn value(text: &str, field: &Field, whole: &str) -> Result<u32, SyntaxError> {
    if let Ok(v) = text.parse::<u32>() {
        if (field.min..=field.max).contains(&v) {
            return Ok(v);
        }
        return Err(SyntaxError::new(format!(
            "`{v}` is out of range for the {} field `{whole}` ({}-{})",
            field.name, field.min, field.max
        ))
        .with_help(HELP));
    }
    let lower = text.to_ascii_lowercase();
    let digits = lower.trim_end_matches(['l', 'w']);
    let quartz = lower.contains(['#', '?'])
        || lower == "l"
        || lower == "lw"
        || (digits.len() < lower.len()
            && !digits.is_empty()
            && digits.chars().all(|c| c.is_ascii_digit()));
    if quartz {
        return Err(SyntaxError::new(format!(
            "`{text}` in the {} field `{whole}` is a Quartz extension, not standard cron",
            field.name
        ))
        .with_help(HELP));
    }
    if let Some(i) = field.names.iter().position(|n| *n == lower) {
        return Ok(i as u32 + field.min);
    }
    let mut err = SyntaxError::new(format!(
        "`{text}` is not valid in the {} field `{whole}`",
        field.name
    ));
    err = match crate::suggest::closest(&lower, field.names.iter().copied()) {
        Some(s) => err.with_help(format!("did you mean `{s}`?")),
        None => err.with_help(HELP),
    };
    Err(err)
}

/// Whether some listed day exists in some listed month (29 February counts).
fn can_fire(doms: &[bool], months: &[bool]) -> bool {
    const LEN: [usize; 13] = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    (1..=12).any(|m| months[m] && (1..=LEN[m]).any(|d| doms[d]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;

    fn rfc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn fires(expr: &str, tz: Tz, from: &str, n: usize) -> Vec<DateTime<Utc>> {
        let cron = Cron::parse(expr).unwrap();
        let mut out = Vec::new();
        let mut at = rfc(from);
        let mut inclusive = true;
        while out.len() < n {
            at = cron.next_fire(tz, at, inclusive).unwrap();
            inclusive = false;
            out.push(at);
        }
        out
    }

    #[test]
    fn the_issue_cases_fire_where_the_spec_says() {
        use chrono_tz::America::{New_York, Santiago};
        use chrono_tz::Asia::Seoul;
        use chrono_tz::Australia::Lord_Howe;
        let cases: &[(&str, Tz, &str, &[&str])] = &[
            // Spring forward: 02:30 does not exist, fires at the end of the gap.
            (
                "30 2 * * *",
                New_York,
                "2026-03-07T12:00:00-05:00",
                &["2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00"],
            ),
            // Fall back: 01:30 happens twice and fires once, at the earlier instant.
            (
                "30 1 * * *",
                New_York,
                "2026-10-31T12:00:00-04:00",
                &["2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"],
            ),
            // No second pass of the repeated hour.
            (
                "*/30 * * * *",
                New_York,
                "2026-11-01T00:45:00-04:00",
                &[
                    "2026-11-01T01:00:00-04:00",
                    "2026-11-01T01:30:00-04:00",
                    "2026-11-01T02:00:00-05:00",
                ],
            ),
            // From inside the second pass, the next fire is tomorrow, never a past instant.
            (
                "30 1 * * *",
                New_York,
                "2026-11-01T01:10:00-05:00",
                &["2026-11-02T01:30:00-05:00"],
            ),
            // Lord Howe's gap is 30 minutes long.
            (
                "15 2 * * *",
                Lord_Howe,
                "2026-10-03T12:00:00+10:30",
                &["2026-10-04T02:30:00+11:00"],
            ),
            // London: the 01:00-02:00 gap on 2026-03-29 and the fold on 2026-10-25.
            (
                "30 1 * * *",
                chrono_tz::Europe::London,
                "2026-03-28T12:00:00+00:00",
                &["2026-03-29T02:00:00+01:00", "2026-03-30T01:30:00+01:00"],
            ),
            (
                "30 1 * * *",
                chrono_tz::Europe::London,
                "2026-10-24T12:00:00+01:00",
                &["2026-10-25T01:30:00+01:00", "2026-10-26T01:30:00+00:00"],
            ),
            // Lord Howe's 30-minute fold on 2026-04-05 (01:30-02:00 happens twice).
            (
                "45 1 * * *",
                Lord_Howe,
                "2026-04-04T12:00:00+11:00",
                &["2026-04-05T01:45:00+11:00", "2026-04-06T01:45:00+10:30"],
            ),
            // Santiago skips midnight.
            (
                "0 0 * * *",
                Santiago,
                "2026-09-05T12:00:00-04:00",
                &["2026-09-06T01:00:00-03:00"],
            ),
            // Leap day only.
            (
                "0 9 29 2 *",
                Seoul,
                "2026-01-01T00:00:00+09:00",
                &["2028-02-29T09:00:00+09:00"],
            ),
        ];
        for (expr, tz, from, want) in cases {
            let got = fires(expr, *tz, from, want.len());
            let want: Vec<_> = want.iter().map(|w| rfc(w)).collect();
            assert_eq!(got, want, "\ncron: {expr} zone: {tz} from: {from}");
        }
    }

    #[test]
    fn a_fire_in_a_gap_is_found_from_the_gap_end() {
        // 02:00 does not exist on 2026-03-08 and fires at 03:00 EDT, the end of the gap.
        let cron = Cron::parse("0 2 * * *").unwrap();
        let gap_end = rfc("2026-03-08T03:00:00-04:00");
        let ny = chrono_tz::America::New_York;
        assert_eq!(cron.next_fire(ny, gap_end, true), Some(gap_end));
        assert_eq!(
            cron.next_fire(ny, gap_end, false),
            Some(rfc("2026-03-09T02:00:00-04:00"))
        );
    }

    #[test]
    fn weekdays_never_fire_on_sunday() {
        for t in fires(
            "0 9 * * 1-5",
            chrono_tz::Asia::Seoul,
            "2026-01-01T00:00:00Z",
            60,
        ) {
            let wd = t.with_timezone(&chrono_tz::Asia::Seoul).weekday();
            assert!(!matches!(wd, Weekday::Sat | Weekday::Sun), "{t} is a {wd}");
        }
    }

    #[test]
    fn seven_and_zero_are_sunday() {
        for expr in ["0 12 * * 7", "0 12 * * 0", "0 12 * * SUN", "0 12 * * sun"] {
            for t in fires(expr, chrono_tz::UTC, "2026-01-01T00:00:00Z", 5) {
                assert_eq!(t.weekday(), Weekday::Sun, "{expr}");
            }
        }
        let t = fires("0 12 * * 5-7", chrono_tz::UTC, "2026-01-05T00:00:00Z", 3);
        let days: Vec<_> = t.iter().map(|t| t.weekday()).collect();
        assert_eq!(days, [Weekday::Fri, Weekday::Sat, Weekday::Sun]);
    }

    #[test]
    fn restricted_day_fields_are_ored() {
        // Vixie: the 13th of any month OR any Friday.
        let got = fires("0 0 13 * FRI", chrono_tz::UTC, "2026-02-01T00:00:00Z", 6);
        let want = [
            "2026-02-06",
            "2026-02-13",
            "2026-02-20",
            "2026-02-27",
            "2026-03-06",
            "2026-03-13",
        ];
        let got: Vec<String> = got.iter().map(|t| t.date_naive().to_string()).collect();
        assert_eq!(got, want);
        // `*/2` counts as restricted, so it ORs with the weekday too.
        let got = fires("0 0 */10 * MON", chrono_tz::UTC, "2026-06-01T00:00:00Z", 4);
        let got: Vec<String> = got.iter().map(|t| t.date_naive().to_string()).collect();
        assert_eq!(
            got,
            ["2026-06-01", "2026-06-08", "2026-06-11", "2026-06-15"]
        );
    }

    #[test]
    fn prev_fire_sees_first_pass_fires_from_the_second_pass() {
        let cron = Cron::parse("50 1 * * *").unwrap();
        let ny = chrono_tz::America::New_York;
        // 01:10 EST is after 01:50 EDT.
        let got = cron
            .prev_fire(ny, rfc("2026-11-01T01:10:00-05:00"))
            .unwrap();
        assert_eq!(got, rfc("2026-11-01T01:50:00-04:00"));
        let got = cron
            .prev_fire(ny, rfc("2026-11-01T01:10:00-04:00"))
            .unwrap();
        assert_eq!(got, rfc("2026-10-31T01:50:00-04:00"));
    }

    #[test]
    fn a_weekday_step_ends_on_saturday() {
        let days: Vec<_> = fires("0 0 * * 1/2", chrono_tz::UTC, "2026-01-05T00:00:00Z", 4)
            .iter()
            .map(|t| t.weekday())
            .collect();
        assert_eq!(
            days,
            [Weekday::Mon, Weekday::Wed, Weekday::Fri, Weekday::Mon]
        );
    }

    #[test]
    fn agrees_with_a_minute_by_minute_scan() {
        // The slow reference: every minute, tested against the fields one by one.
        let matches = |c: &Cron, t: NaiveDateTime| {
            let f = &c.fields;
            f.day_matches(t.date()) && has(f.hours, t.hour()) && has(f.minutes, t.minute())
        };
        let start = NaiveDate::from_ymd_opt(2027, 12, 27)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        for expr in [
            "*/7 */5 * * *",
            "0 22 * * mon-thu",
            "59 23 31 * *",
            "0,30 9-17 13 * fri",
            "15 3 * 2 *",
            "0 0 1 1 *",
        ] {
            let cron = Cron::parse(expr).unwrap();
            let mut t = start;
            for _ in 0..(60 * 24 * 40) {
                let want = (1..)
                    .map(|k| t + TimeDelta::minutes(k))
                    .take(60 * 24 * 400)
                    .find(|c| matches(&cron, *c));
                if let Some(want) = want {
                    assert_eq!(cron.next_civil_after(t), Some(want), "{expr} after {t}");
                    assert_eq!(
                        cron.prev_civil_before(want + TimeDelta::seconds(30)),
                        Some(want),
                        "{expr} before {want}"
                    );
                    t = want;
                } else {
                    break;
                }
                if t > start + TimeDelta::days(40) {
                    break;
                }
            }
        }
    }

    #[test]
    fn fires_through_the_last_supported_year() {
        // The `cron` crate stopped at 2100; these must keep firing to 2199 and back.
        let cases: &[(&str, &str, &str)] = &[
            ("0 22 * * *", "2100-12-31T23:00:00Z", "2101-01-01T22:00:00Z"),
            (
                "0 0 * * tue",
                "2199-12-30T00:00:00Z",
                "2199-12-31T00:00:00Z",
            ),
            (
                "59 23 31 12 *",
                "2199-01-01T00:00:00Z",
                "2199-12-31T23:59:00Z",
            ),
            ("0 9 29 2 *", "2100-01-01T00:00:00Z", "2104-02-29T09:00:00Z"),
        ];
        for (expr, from, want) in cases {
            assert_eq!(fires(expr, chrono_tz::UTC, from, 1), [rfc(want)], "{expr}");
            let cron = Cron::parse(expr).unwrap();
            let back = cron.prev_fire(chrono_tz::UTC, rfc(want)).unwrap();
            assert_eq!(back, rfc(want), "{expr} prev");
        }
    }

    #[test]
    fn macros_expand() {
        let got = fires("@weekly", chrono_tz::UTC, "2026-01-01T00:00:00Z", 1);
        assert_eq!(got, [rfc("2026-01-04T00:00:00Z")]);
        assert!(Cron::parse("@reboot").is_err());
    }

    #[test]
    fn rejects_what_standard_cron_does_not_have() {
        let cases = [
            ("0 0 9 * * *", "expected the standard five"),
            ("0 0 9 * * * 2026", "expected the standard five"),
            ("0 9 * *", "expected the standard five"),
            ("0 9 L * *", "Quartz extension"),
            ("0 9 * * 5#3", "Quartz extension"),
            ("0 9 ? * MON", "Quartz extension"),
            ("0 9 15W * *", "Quartz extension"),
            ("60 9 * * *", "out of range"),
            ("0 24 * * *", "out of range"),
            ("0 9 * * 8", "out of range"),
            ("0 9 * * mun", "not valid"),
            ("0 9 5-1 * *", "backwards"),
            ("*/0 9 * * *", "bad step"),
            ("0 9 30 2 *", "can never fire"),
            ("0 9 31 4,6,9,11 *", "can never fire"),
        ];
        for (expr, want) in cases {
            let err = Cron::parse(expr).unwrap_err();
            assert!(err.message.contains(want), "{expr}: {}", err.message);
        }
        let err = Cron::parse("0 9 * * mun").unwrap_err();
        assert_eq!(err.help.as_deref(), Some("did you mean `mon`?"));
        // 30 February never fires, but the 30th OR Mondays does.
        assert!(Cron::parse("0 9 30 2 MON").is_ok());
    }
}
