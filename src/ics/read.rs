//! An iCalendar file to events: the `icalendar` crate parses the text into
//! components and properties; this module reads the properties a freeze needs
//! (RFC 5545 §3.6.1, §3.8) and reports problems at the file's own lines.

use super::error::IcsError;
use super::event::{Event, Exclusion, RDate, Recurrence, Walk, as_rrule_time, span};
use super::recur;
use super::text::{Unfolded, split_list, unescape};
use super::value::{self, Length, Stamp};
use super::zones;
use crate::time::SUPPORTED_YEARS;
use crate::time::civil::{Edge, to_civil, to_instant};
use chrono::{DateTime, Datelike, NaiveDateTime, NaiveTime, TimeDelta, Utc};
use chrono_tz::Tz;
use icalendar::parser::{Component, Property, read_calendar_simple};
use std::collections::HashMap;

/// Reads every VEVENT of `raw`. Floating times and dates are read in `zone`.
pub(crate) fn read(raw: &str, zone: Tz) -> Result<Vec<Event>, IcsError> {
    let unfolded = Unfolded::new(raw);
    unfolded.check_structure()?;
    let components = read_calendar_simple(&unfolded.text).map_err(|e| {
        let line = unfolded.line_of(e.input).unwrap_or(1);
        IcsError::at(line, "the iCalendar parser cannot read this line")
    })?;
    let Some(root) = components
        .iter()
        .find(|c| c.name.as_str().eq_ignore_ascii_case("VCALENDAR"))
    else {
        return Err(IcsError::at(1, "no `VCALENDAR` in the file"));
    };
    let reader = Reader {
        text: &unfolded,
        zone,
        vtimezones: root
            .components
            .iter()
            .filter(|c| c.name.as_str().eq_ignore_ascii_case("VTIMEZONE"))
            .filter_map(|c| {
                let tzid = prop(c, "TZID")?;
                Some((
                    tzid.val.as_str().trim().to_string(),
                    reader_line(&unfolded, c),
                ))
            })
            .collect(),
    };
    let mut parsed = Vec::new();
    for c in &root.components {
        if c.name.as_str().eq_ignore_ascii_case("VEVENT") {
            parsed.push(reader.vevent(c)?);
        }
    }
    assemble(parsed, zone)
}

fn reader_line(text: &Unfolded, c: &Component<'_>) -> usize {
    text.line_of(c.name.as_str()).unwrap_or(1)
}

fn prop<'c, 'a>(c: &'c Component<'a>, name: &str) -> Option<&'c Property<'a>> {
    c.properties
        .iter()
        .find(|p| p.name.as_str().eq_ignore_ascii_case(name))
}

fn props<'c, 'a>(c: &'c Component<'a>, name: &str) -> impl Iterator<Item = &'c Property<'a>> {
    let name = name.to_string();
    c.properties
        .iter()
        .filter(move |p| p.name.as_str().eq_ignore_ascii_case(&name))
}

fn param<'p>(p: &'p Property<'_>, key: &str) -> Option<&'p str> {
    p.params
        .iter()
        .find(|x| x.key.as_str().eq_ignore_ascii_case(key))
        .and_then(|x| x.val.as_ref())
        .map(|v| v.as_str().trim().trim_matches('"'))
}

/// A TEXT value, unescaped. The parser unescapes the properties it knows by
/// their upper-case names; a lower-case name arrives as written.
fn text_value(p: &Property<'_>) -> String {
    let raw = p.val.as_str();
    if p.name.as_str().chars().any(|c| c.is_ascii_lowercase()) {
        unescape(raw)
    } else {
        raw.to_string()
    }
}

/// One VEVENT's properties, read but not yet tied to the other components of
/// its series.
struct Parsed {
    uid: String,
    summary: String,
    categories: Vec<String>,
    line: usize,
    cancelled: bool,
    start: Stamp,
    /// DTSTART's own line, for messages.
    start_line: usize,
    end: Option<(Stamp, usize)>,
    duration: Option<(Length, usize)>,
    rrule: Option<(String, usize)>,
    rdates: Vec<(Stamp, Option<Length>)>,
    exdates: Vec<Stamp>,
    recurrence_id: Option<Stamp>,
}

struct Reader<'t> {
    text: &'t Unfolded,
    zone: Tz,
    /// TZIDs defined by VTIMEZONE blocks, with their lines, for messages.
    vtimezones: HashMap<String, usize>,
}

impl Reader<'_> {
    fn line(&self, p: &Property<'_>) -> usize {
        self.text.line_of(p.name.as_str()).unwrap_or(1)
    }

    fn vevent(&self, c: &Component<'_>) -> Result<Parsed, IcsError> {
        let line = reader_line(self.text, c);
        let once = |name: &str| -> Result<Option<&Property<'_>>, IcsError> {
            let mut all = props(c, name);
            let first = all.next();
            if let Some(second) = all.next() {
                return Err(IcsError::at(
                    self.line(second),
                    format!("`{name}` appears twice in one VEVENT"),
                ));
            }
            Ok(first)
        };
        let Some(dtstart) = once("DTSTART")? else {
            return Err(IcsError::at(line, "VEVENT has no `DTSTART`")
                .help("every event needs a start: `DTSTART:20261126T090000Z`"));
        };
        let start = self.single_stamp(dtstart, "DTSTART")?;
        let end = match once("DTEND")? {
            Some(p) => Some((self.single_stamp(p, "DTEND")?, self.line(p))),
            None => None,
        };
        let duration = match once("DURATION")? {
            Some(p) => {
                let length = value::duration(p.val.as_str())
                    .map_err(|m| IcsError::at(self.line(p), format!("`DURATION`: {m}")))?;
                if end.is_some() {
                    return Err(IcsError::at(
                        self.line(p),
                        "VEVENT has both `DTEND` and `DURATION`",
                    )
                    .help("an event gives its end one way: remove one of them"));
                }
                Some((length, self.line(p)))
            }
            None => None,
        };
        let rrule = once("RRULE")?.map(|p| (p.val.as_str().trim().to_string(), self.line(p)));
        let mut rdates = Vec::new();
        for p in props(c, "RDATE") {
            rdates.extend(self.rdate(p)?);
        }
        let mut exdates = Vec::new();
        for p in props(c, "EXDATE") {
            exdates.extend(self.stamps(p, "EXDATE")?);
        }
        let recurrence_id = match once("RECURRENCE-ID")? {
            Some(p) => {
                if param(p, "RANGE").is_some_and(|r| r.eq_ignore_ascii_case("THISANDFUTURE")) {
                    return Err(IcsError::at(
                        self.line(p),
                        "`RECURRENCE-ID;RANGE=THISANDFUTURE` is not supported",
                    )
                    .help("export the calendar again: calendar apps write each changed instance on its own"));
                }
                Some(self.single_stamp(p, "RECURRENCE-ID")?)
            }
            None => None,
        };
        let summary = once("SUMMARY")?
            .map(text_value)
            .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "untitled event".to_string());
        let categories = props(c, "CATEGORIES")
            .flat_map(|p| split_list(p.val.as_str()))
            .collect();
        let cancelled = once("STATUS")?
            .is_some_and(|p| p.val.as_str().trim().eq_ignore_ascii_case("CANCELLED"));
        Ok(Parsed {
            uid: once("UID")?
                .map(|p| text_value(p).trim().to_string())
                .unwrap_or_default(),
            summary,
            categories,
            line,
            cancelled,
            start,
            start_line: self.line(dtstart),
            end,
            duration,
            rrule,
            rdates,
            exdates,
            recurrence_id,
        })
    }

    /// The zone a property's times are in: its TZID, else `zone`.
    fn zone_of(&self, p: &Property<'_>, name: &str) -> Result<Tz, IcsError> {
        let Some(tzid) = param(p, "TZID") else {
            return Ok(self.zone);
        };
        if let Some((tz, _)) = zones::resolve(tzid) {
            return Ok(tz);
        }
        let defined = match self.vtimezones.get(tzid) {
            Some(line) => format!(
                " (its VTIMEZONE is at line {line}; shipwindow reads zones by name, not from VTIMEZONE rules)"
            ),
            None => String::new(),
        };
        Err(IcsError::at(
            self.line(p),
            format!("`{name}`: time zone `{tzid}` is neither an IANA zone nor a Windows zone name"),
        )
        .help(format!("use an IANA name such as `Asia/Seoul`, or a Windows name such as `Korea Standard Time`{defined}")))
    }

    /// Reads one DATE or DATE-TIME value of `p`.
    fn stamp_of(&self, p: &Property<'_>, name: &str, text: &str) -> Result<Stamp, IcsError> {
        let as_date = param(p, "VALUE").is_some_and(|v| v.eq_ignore_ascii_case("DATE"));
        if as_date || text.trim().len() == 8 {
            let stamp = value::date(text).map(Stamp::Date).ok_or_else(|| {
                IcsError::at(
                    self.line(p),
                    format!("`{name}`: `{}` is not a DATE (`YYYYMMDD`)", text.trim()),
                )
            })?;
            return self.within_supported_years(p, name, text, stamp);
        }
        let stamp = match value::date_time(text) {
            Some((t, true)) => Stamp::Time(t, chrono_tz::UTC),
            Some((t, false)) => Stamp::Time(t, self.zone_of(p, name)?),
            None => {
                return Err(IcsError::at(
                    self.line(p),
                    format!(
                        "`{name}`: `{}` is not a DATE-TIME (`YYYYMMDDTHHMMSS`, with `Z` for UTC)",
                        text.trim()
                    ),
                ));
            }
        };
        self.within_supported_years(p, name, text, stamp)
    }

    /// Refuses a time after the last supported year, read on the wall clock it is
    /// written in (as policy times are): nothing past it can be decided, and
    /// such a year is a typo far more often than a plan. Earlier years stay: a
    /// series that began long ago still repeats into the years decided.
    fn within_supported_years(
        &self,
        p: &Property<'_>,
        name: &str,
        text: &str,
        stamp: Stamp,
    ) -> Result<Stamp, IcsError> {
        let year = match stamp {
            Stamp::Date(d) => d.year(),
            Stamp::Time(t, _) => t.year(),
        };
        if year <= *SUPPORTED_YEARS.end() {
            return Ok(stamp);
        }
        Err(IcsError::at(
            self.line(p),
            format!(
                "`{name}`: `{}` is after the supported years (to {})",
                text.trim(),
                SUPPORTED_YEARS.end()
            ),
        )
        .help(format!(
            "use a time up to {}-12-31; shipwindow decides nothing later",
            SUPPORTED_YEARS.end()
        )))
    }

    fn single_stamp(&self, p: &Property<'_>, name: &str) -> Result<Stamp, IcsError> {
        self.stamp_of(p, name, p.val.as_str())
    }

    /// A comma-separated list of DATE or DATE-TIME values (EXDATE, RDATE).
    fn stamps(&self, p: &Property<'_>, name: &str) -> Result<Vec<Stamp>, IcsError> {
        p.val
            .as_str()
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(|s| self.stamp_of(p, name, s))
            .collect()
    }

    /// RDATE values; a PERIOD (`start/end` or `start/duration`) brings its own length.
    fn rdate(&self, p: &Property<'_>) -> Result<Vec<(Stamp, Option<Length>)>, IcsError> {
        let is_period = param(p, "VALUE").is_some_and(|v| v.eq_ignore_ascii_case("PERIOD"))
            || p.val.as_str().contains('/');
        if !is_period {
            return Ok(self
                .stamps(p, "RDATE")?
                .into_iter()
                .map(|s| (s, None))
                .collect());
        }
        let mut out = Vec::new();
        for item in p.val.as_str().split(',').filter(|s| !s.trim().is_empty()) {
            let bad = || {
                IcsError::at(
                    self.line(p),
                    format!(
                        "`RDATE`: `{}` is not a PERIOD (`start/end` or `start/duration`)",
                        item.trim()
                    ),
                )
            };
            let (start_text, rest) = item.split_once('/').ok_or_else(bad)?;
            let start = self.stamp_of(p, "RDATE", start_text)?;
            let length = if rest.trim_start().starts_with(['P', 'p', '+']) {
                value::duration(rest)
                    .map_err(|m| IcsError::at(self.line(p), format!("`RDATE`: {m}")))?
            } else {
                let end = self.stamp_of(p, "RDATE", rest)?;
                let (s, e) = (
                    instant(&start, self.zone, Edge::Start),
                    instant(&end, self.zone, Edge::End),
                );
                if e < s {
                    return Err(bad());
                }
                Length::exact(e - s)
            };
            out.push((start, Some(length)));
        }
        Ok(out)
    }
}

/// A stamp as an instant; dates are midnight in `zone` (the rule's zone).
fn instant(stamp: &Stamp, zone: Tz, edge: Edge) -> DateTime<Utc> {
    match stamp {
        Stamp::Date(_) => to_instant(zone, stamp.wall(), edge),
        Stamp::Time(t, tz) => to_instant(*tz, *t, edge),
    }
}

/// The reading of `stamp` on the wall clock of `zone` (the event's zone).
fn wall_in(stamp: &Stamp, rule_zone: Tz, zone: Tz) -> NaiveDateTime {
    match stamp {
        Stamp::Date(_) => stamp.wall(),
        Stamp::Time(t, tz) if *tz == zone => *t,
        Stamp::Time(..) => to_civil(zone, instant(stamp, rule_zone, Edge::Start)),
    }
}

/// Ties overrides (RECURRENCE-ID) to their series and builds the events. An
/// override replaces the instance its RECURRENCE-ID names (a cancelled one just
/// removes it); a cancelled series is dropped whole, overrides included.
fn assemble(parsed: Vec<Parsed>, rule_zone: Tz) -> Result<Vec<Event>, IcsError> {
    let (masters, overrides): (Vec<Parsed>, Vec<Parsed>) =
        parsed.into_iter().partition(|p| p.recurrence_id.is_none());
    let mut replaced: HashMap<usize, Vec<DateTime<Utc>>> = HashMap::new();
    let mut standalone = Vec::new();
    for o in overrides {
        let master = masters
            .iter()
            .position(|m| !m.uid.is_empty() && m.uid == o.uid);
        // An override whose series is not in the file stands alone.
        if let (Some(i), Some(id)) = (master, &o.recurrence_id) {
            if masters[i].cancelled {
                continue;
            }
            // Read as the master's instances are: dates at midnight in the
            // rule's zone, date-times in their own zone.
            replaced
                .entry(i)
                .or_default()
                .push(instant(id, rule_zone, Edge::Start));
        }
        if !o.cancelled {
            standalone.push(o);
        }
    }
    let mut events = Vec::new();
    for (i, m) in masters.into_iter().enumerate() {
        if m.cancelled {
            continue;
        }
        let mut replaced = replaced.remove(&i).unwrap_or_default();
        replaced.sort_unstable();
        replaced.dedup();
        events.push(build(m, rule_zone, true, replaced)?);
    }
    for o in standalone {
        events.push(build(o, rule_zone, false, Vec::new())?);
    }
    Ok(events)
}

/// One event from its properties; `series` is false for an override, whose own
/// RRULE, RDATE and EXDATE play no part.
fn build(
    p: Parsed,
    rule_zone: Tz,
    series: bool,
    replaced: Vec<DateTime<Utc>>,
) -> Result<Event, IcsError> {
    let (zone, start, all_day) = match p.start {
        Stamp::Date(_) => (rule_zone, p.start.wall(), true),
        Stamp::Time(t, tz) => (tz, t, false),
    };
    let length = match (&p.end, &p.duration) {
        (Some((end, line)), _) => match (p.start, end) {
            (Stamp::Date(s), Stamp::Date(e)) => {
                let days = (*e - s).num_days();
                if days < 0 {
                    return Err(IcsError::at(*line, "`DTEND` is before `DTSTART`"));
                }
                // DTEND equal to DTSTART is not valid for a date; read it as the
                // one day it most likely means (a freeze errs on the safe side).
                Length::days(days.max(1))
            }
            (Stamp::Time(..), Stamp::Time(..)) => {
                let s = instant(&p.start, rule_zone, Edge::Start);
                let e = instant(end, rule_zone, Edge::End);
                if e < s {
                    return Err(IcsError::at(*line, "`DTEND` is before `DTSTART`"));
                }
                Length::exact(e - s)
            }
            _ => {
                return Err(IcsError::at(
                    *line,
                    "`DTEND` and `DTSTART` must both be dates or both date-times",
                )
                .help(format!("`DTSTART` is at line {}", p.start_line)));
            }
        },
        (None, Some((length, _))) => *length,
        // RFC 5545 §3.6.1: a date alone is one day; a date-time alone ends where
        // it starts, so it blocks nothing.
        (None, None) if all_day => Length::days(1),
        (None, None) => Length::default(),
    };
    let has_series = p.rrule.is_some() || !p.rdates.is_empty() || !p.exdates.is_empty();
    let recurrence = if series && (has_series || !replaced.is_empty()) {
        let mut rec = match &p.rrule {
            Some((text, line)) => rrule(text, *line, zone, start)?,
            None => Recurrence {
                rule: None,
                walk: Walk::default(),
                rule_take: None,
                add_start: true,
                until: None,
                rdates: Vec::new(),
                rdate_reach: TimeDelta::zero(),
                exdates: Vec::new(),
                replaced: Vec::new(),
            },
        };
        rec.rdates = p
            .rdates
            .iter()
            .map(|(s, len)| {
                let wall = wall_in(s, rule_zone, zone);
                RDate {
                    wall,
                    span: span(zone, wall, len.unwrap_or(length)),
                }
            })
            .collect();
        rec.rdates.sort_unstable_by_key(|r| r.span.start);
        rec.rdate_reach = rec
            .rdates
            .iter()
            .map(|r| r.span.len())
            .max()
            .unwrap_or_default();
        rec.exdates = p
            .exdates
            .iter()
            .map(|s| match s {
                Stamp::Date(d) => Exclusion::Day(*d),
                Stamp::Time(..) => Exclusion::At(instant(s, rule_zone, Edge::Start)),
            })
            .collect();
        rec.exdates.sort_unstable();
        rec.replaced = replaced;
        Some(rec)
    } else {
        None
    };
    Ok(Event {
        uid: p.uid,
        summary: p.summary,
        categories: p.categories,
        line: p.line,
        zone,
        start,
        all_day,
        length,
        recurrence,
    })
}

/// An RRULE, handed to the `rrule` crate on wall-clock times. UNTIL is taken out
/// and set again on the wall clock of the event's zone (and, when written in UTC,
/// kept as an exact bound); the crate would otherwise insist on UTC.
fn rrule(text: &str, line: usize, zone: Tz, start: NaiveDateTime) -> Result<Recurrence, IcsError> {
    let err = |m: String| IcsError::at(line, format!("`RRULE`: {m}"));
    if let Err(invalid) = recur::check(text) {
        let e = err(invalid.message);
        return Err(match invalid.help {
            Some(h) => e.help(h),
            None => e,
        });
    }
    let mut until_text = None;
    let mut rest = Vec::new();
    for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        match part.split_once('=') {
            Some((k, v)) if k.eq_ignore_ascii_case("UNTIL") => until_text = Some(v),
            _ => rest.push(part),
        }
    }
    let rule: rrule::RRule<rrule::Unvalidated> = rest.join(";").parse().map_err(|e| {
        let m = format!("{e}");
        let m = m.trim_start_matches("RRule parsing error: ");
        err(m.trim_end_matches('.').to_string())
    })?;
    if matches!(
        rule.get_freq(),
        rrule::Frequency::Minutely | rrule::Frequency::Secondly
    ) {
        return Err(err(format!("`FREQ={}` is not supported", rule.get_freq()))
            .help("a calendar freeze repeats hourly at most"));
    }
    let count = rule.get_count();
    let (until, until_wall) = match until_text {
        None => (None, None),
        Some(u) => {
            if let Some(d) = value::date(u) {
                // A date: every instance on that day still counts.
                let last =
                    d.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN));
                (None, Some(last))
            } else if let Some((t, utc)) = value::date_time(u) {
                let exact = if utc {
                    t.and_utc()
                } else {
                    to_instant(zone, t, Edge::End)
                };
                // A day of slack on the wall clock; the exact bound decides.
                (
                    Some(exact),
                    Some(to_civil(zone, exact) + TimeDelta::days(1)),
                )
            } else {
                return Err(err(format!("`UNTIL={u}` is not a date or date-time")));
            }
        }
    };
    let mut rec = Recurrence {
        rule: None,
        walk: Walk::default(),
        rule_take: None,
        add_start: true,
        until,
        rdates: Vec::new(),
        rdate_reach: TimeDelta::zero(),
        exdates: Vec::new(),
        replaced: Vec::new(),
    };
    if until_wall.is_some_and(|u| u < start) {
        // The series ends before it begins: DTSTART is its only instance.
        return Ok(rec);
    }
    let rule = match until_wall {
        Some(u) => rule.until(as_rrule_time(u)),
        None => rule,
    };
    let set = rule
        .build(as_rrule_time(start))
        .map_err(|e| {
            let m = format!("{e}");
            err(m.trim_end_matches('.').to_string())
        })?
        .limit();
    let first = (&set).into_iter().next().map(|t| t.naive_utc());
    rec.add_start = first != Some(start);
    rec.rule_take = count.map(|c| {
        let c = usize::try_from(c).unwrap_or(usize::MAX);
        if rec.add_start {
            c.saturating_sub(1)
        } else {
            c
        }
    });
    // A rule that yields nothing at all (February 30th) would walk to the
    // crate's loop limit on every query: drop it once here.
    rec.rule = first.is_some().then_some(set);
    Ok(rec)
}
