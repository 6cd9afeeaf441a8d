//! XKRX: Korea Exchange (KOSPI, KOSDAQ), Seoul time, no midday break.
//!
//! KRX closes on every public holiday of the Regulations on Holidays of Government
//! Offices (관공서의 공휴일에 관한 규정) and the Public Holidays Act (공휴일에 관한
//! 법률), plus two closures of its own: Labor Day (a Labor Day substitute rule is not
//! confirmed in force, so none is projected) and the last
//! business day of the year. Only closures in force by statute, decree or exchange
//! notice are listed: a day wrongly closed would let deploys run while KRX trades.
//!
//! Rules: the solar fixed-date holidays, the substitute-holiday law with its effective
//! dates, Labor Day, the year-end closing and the 10:00 open of the first trading day.
//! Facts: the lunar dates (Seollal, Buddha's Birthday, Chuseok), elections, temporary
//! holidays and the college entrance exam (CSAT) days, each entry citing its source.

use super::definition::{Exchange, Holiday, Hours, SpecialSession};
use super::rules::{hm, is_weekend, ymd};
use chrono::{Datelike, NaiveDate, NaiveTime, TimeDelta, Weekday};
use std::collections::{BTreeMap, BTreeSet};

/// Regular hours: 09:00 to 15:00 until KRX extended the session by 30 minutes on
/// 2016-08-01 (Financial Services Commission and KRX, trading-hours extension).
static HOURS: [Hours; 2] = [
    era(ymd(2015, 1, 1), hm(15, 0)),
    era(ymd(2016, 8, 1), hm(15, 30)),
];

/// Regular hours from `from` on: 09:00 to `close`, with no midday break.
const fn era(from: NaiveDate, close: NaiveTime) -> Hours {
    Hours {
        from,
        open: hm(9, 0),
        close,
        lunch: None,
    }
}

pub(super) static XKRX: Exchange = Exchange::new(
    "XKRX",
    "Korea Exchange",
    chrono_tz::Asia::Seoul,
    &HOURS,
    (ymd(2015, 1, 1), ymd(2030, 12, 31)),
    holidays,
    specials,
);

// ---------------------------------------------------------------------------------
// Facts: lunar holidays, elections, temporary holidays, CSAT days.
// ---------------------------------------------------------------------------------

/// One year's lunar holidays in the Korean calendar (KASI, UTC+9): Seollal (1/1),
/// Buddha's Birthday (4/8) and Chuseok (8/15). The Korean dates differ from the
/// Chinese ones in some years (2023, 2027, 2028), so they are not shared with XHKG.
struct Lunar {
    seollal: NaiveDate,
    buddha: NaiveDate,
    chuseok: NaiveDate,
}

impl Lunar {
    const fn new(seollal: NaiveDate, buddha: NaiveDate, chuseok: NaiveDate) -> Lunar {
        Lunar {
            seollal,
            buddha,
            chuseok,
        }
    }
}

/// Source: Korea Astronomy and Space Science Institute (KASI, 한국천문연구원), the
/// yearly almanac 월력요항 (published each June for the next year) and its
/// lunar/solar converter (https://astro.kasi.re.kr/life/pageView/8) for the years
/// not yet in an almanac.
static LUNAR: [Lunar; 16] = [
    // KASI 월력요항 2015
    Lunar::new(ymd(2015, 2, 19), ymd(2015, 5, 25), ymd(2015, 9, 27)),
    // KASI 월력요항 2016
    Lunar::new(ymd(2016, 2, 8), ymd(2016, 5, 14), ymd(2016, 9, 15)),
    // KASI 월력요항 2017
    Lunar::new(ymd(2017, 1, 28), ymd(2017, 5, 3), ymd(2017, 10, 4)),
    // KASI 월력요항 2018
    Lunar::new(ymd(2018, 2, 16), ymd(2018, 5, 22), ymd(2018, 9, 24)),
    // KASI 월력요항 2019
    Lunar::new(ymd(2019, 2, 5), ymd(2019, 5, 12), ymd(2019, 9, 13)),
    // KASI 월력요항 2020
    Lunar::new(ymd(2020, 1, 25), ymd(2020, 4, 30), ymd(2020, 10, 1)),
    // KASI 월력요항 2021
    Lunar::new(ymd(2021, 2, 12), ymd(2021, 5, 19), ymd(2021, 9, 21)),
    // KASI 월력요항 2022
    Lunar::new(ymd(2022, 2, 1), ymd(2022, 5, 8), ymd(2022, 9, 10)),
    // KASI 월력요항 2023 (4/8 is May 27 in Korea, May 26 in China)
    Lunar::new(ymd(2023, 1, 22), ymd(2023, 5, 27), ymd(2023, 9, 29)),
    // KASI 월력요항 2024
    Lunar::new(ymd(2024, 2, 10), ymd(2024, 5, 15), ymd(2024, 9, 17)),
    // KASI 월력요항 2025
    Lunar::new(ymd(2025, 1, 29), ymd(2025, 5, 5), ymd(2025, 10, 6)),
    // KASI 월력요항 2026
    Lunar::new(ymd(2026, 2, 17), ymd(2026, 5, 24), ymd(2026, 9, 25)),
    // KASI 월력요항 2027 (1/1 is Feb 7 in Korea, Feb 6 in China)
    Lunar::new(ymd(2027, 2, 7), ymd(2027, 5, 13), ymd(2027, 9, 15)),
    // KASI lunar/solar converter (1/1 is Jan 27 in Korea, Jan 26 in China)
    Lunar::new(ymd(2028, 1, 27), ymd(2028, 5, 2), ymd(2028, 10, 3)),
    // KASI lunar/solar converter
    Lunar::new(ymd(2029, 2, 13), ymd(2029, 5, 20), ymd(2029, 9, 22)),
    // KASI lunar/solar converter
    Lunar::new(ymd(2030, 2, 3), ymd(2030, 5, 9), ymd(2030, 9, 12)),
];

/// Election days: public holidays that are never substituted (Regulations on Holidays
/// of Government Offices art. 2(10)). Scheduled elections fall on the date the Public
/// Official Election Act art. 34 fixes (the first Wednesday on or after 70/50/30 days
/// before the term ends for presidential, National Assembly and local elections, a
/// week later next to a holiday); early presidential elections are set by the
/// government and declared temporary holidays.
///
/// Only dates fixed by a statute in force, or already designated, are listed: a day
/// wrongly closed here would let deploys run while KRX trades. The 22nd presidential
/// election is left out: art. 34 would put it on 2030-03-27, but only if the term runs
/// its full length, and two of the last three presidential elections were early
/// (2017, 2025). Add it with `extra_closed` once the National Election Commission
/// announces the date (docs/markets.md).
static ELECTIONS: [(NaiveDate, &str); 11] = [
    // 20th National Assembly; Election Act art. 34; KRX closure notice
    (ymd(2016, 4, 13), "National Assembly election"),
    // 19th president, early election after the 2017-03-10 removal; State Council
    // designated it a temporary holiday; KRX closure notice
    (ymd(2017, 5, 9), "Presidential election"),
    // 7th local elections; Election Act art. 34; KRX closure notice
    (ymd(2018, 6, 13), "Local election"),
    // 21st National Assembly; Election Act art. 34; KRX closure notice
    (ymd(2020, 4, 15), "National Assembly election"),
    // 20th president; Election Act art. 34; KRX closure notice
    (ymd(2022, 3, 9), "Presidential election"),
    // 8th local elections; Election Act art. 34; KRX closure notice
    (ymd(2022, 6, 1), "Local election"),
    // 22nd National Assembly; Election Act art. 34; KRX closure notice
    (ymd(2024, 4, 10), "National Assembly election"),
    // 21st president, early election; State Council 2025-04-08 set the date and made
    // it a temporary holiday (인사혁신처); KRX closure notice of 2025-05-20
    (ymd(2025, 6, 3), "Presidential election"),
    // 9th local elections; Election Act art. 34 (terms end 2026-06-30)
    (ymd(2026, 6, 3), "Local election"),
    // 23rd National Assembly; statute in force: Election Act art. 34(1)2 (the term
    // ends 2028-05-29 and the Assembly cannot be dissolved, so the date is fixed)
    (ymd(2028, 4, 12), "National Assembly election"),
    // 10th local elections; statute in force: Election Act art. 34(1)3 gives Jun 5
    // (terms end 2030-06-30, fixed), and art. 34(2) moves it a week later because
    // Jun 6 is Memorial Day
    (ymd(2030, 6, 12), "Local election"),
];

/// One-off temporary holidays (임시공휴일), designated by the State Council (국무회의)
/// under art. 2(11) of the Regulations on Holidays of Government Offices. KRX closes on
/// every such day (KRX Market Business Regulation art. 5).
static TEMPORARY: [(NaiveDate, &str); 7] = [
    // 70th anniversary of Liberation; State Council 2015-08-04; KRX confirmed closure
    (ymd(2015, 8, 14), "Temporary holiday"),
    // State Council 2016-04-28; KRX closure notice of 2016-04-28
    (ymd(2016, 5, 6), "Temporary holiday"),
    // State Council 2017-09-05 (인사혁신처 announcement)
    (ymd(2017, 10, 2), "Temporary holiday"),
    // State Council 2020-07-21; KRX closure notice of 2020-07-30
    (ymd(2020, 8, 17), "Temporary holiday"),
    // State Council 2023-09-05 (인사혁신처 announcement); KRX closure notice
    (ymd(2023, 10, 2), "Temporary holiday"),
    // Armed Forces Day, State Council 2024-09-03; KRX closure notice of 2024-09-10
    (ymd(2024, 10, 1), "Armed Forces Day (temporary holiday)"),
    // State Council 2025-01-14 (인사혁신처 announcement); KRX closure notice
    (ymd(2025, 1, 27), "Temporary holiday"),
];

/// College Scholastic Ability Test (수능) days, on which KRX starts and ends the
/// session an hour late so candidates can travel. Dates from the Korea Institute for
/// Curriculum and Evaluation (KICE, 한국교육과정평가원) exam plans; the hours from
/// the KRX notice for each exam. Exam dates from 2027 on are not published yet, so
/// they are left out rather than guessed.
static CSAT: [NaiveDate; 13] = [
    ymd(2015, 11, 12), // 2016학년도; KRX notice (close 16:00 under the old hours)
    ymd(2016, 11, 17), // 2017학년도; KRX notice
    // 2018학년도, the announced date: the exam was postponed on the evening before
    // (Pohang earthquake) but KRX kept the late hours (KRX statement of 2017-11-15,
    // reported by Hankyung and Seoul Shinmun)
    ymd(2017, 11, 16),
    ymd(2017, 11, 23), // 2018학년도, the postponed exam; KRX notice
    ymd(2018, 11, 15), // 2019학년도; KRX notice
    ymd(2019, 11, 14), // 2020학년도; KRX notice
    ymd(2020, 12, 3),  // 2021학년도, postponed for COVID-19; KRX notice
    ymd(2021, 11, 18), // 2022학년도; KRX notice of 2021-11-04
    ymd(2022, 11, 17), // 2023학년도; KRX notice of 2022-11-16
    ymd(2023, 11, 16), // 2024학년도; KRX notice
    ymd(2024, 11, 14), // 2025학년도; KRX notice
    ymd(2025, 11, 13), // 2026학년도; KRX notice
    ymd(2026, 11, 19), // 2027학년도; KICE plan; the one-hour delay as every year
];

// ---------------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------------

/// The substitute-holiday law (대체공휴일) names the triggers per holiday.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Substitute {
    /// Never: Jan 1, Jun 6, elections, temporary holidays (and any holiday before its
    /// own rule took effect).
    Never,
    /// A Sunday or an overlap with another public holiday: the Seollal and Chuseok
    /// three-day blocks (since 2014).
    SundayOrOverlap,
    /// A Saturday, a Sunday or an overlap: Children's Day (since 2014) and, from their
    /// effective dates, the national days, Buddha's Birthday and Christmas.
    WeekendOrOverlap,
}

/// Substitutes for Mar 1, Aug 15, Oct 3 and Oct 9 apply from 2021-08-04 (Public
/// Holidays Act of 2021-07-07 and the amended Regulations, 인사혁신처).
const NATIONAL_DAYS_SUBSTITUTE_FROM: NaiveDate = ymd(2021, 8, 4);
/// Substitutes for Buddha's Birthday and Christmas apply from 2023-05-04 (amended
/// Regulations passed by the State Council in May 2023).
const BUDDHA_CHRISTMAS_SUBSTITUTE_FROM: NaiveDate = ymd(2023, 5, 4);
/// Constitution Day is a public holiday again from 2026 (Public Holidays Act art. 2 as
/// amended, passed 2026-01-29). As a national day (국경일) it gets substitutes under
/// art. 3 of the same Act, as Mar 1, Aug 15, Oct 3 and Oct 9 do.
///
/// Labor Day is deliberately not here. KRX closes on May 1 under its own Market
/// Business Regulation, which is established; but no substitute rule for Labor Day is
/// confirmed in force, so a Saturday or Sunday May 1 (2027) gives no substitute, and
/// Labor Day neither counts as an overlap nor blocks a substitute day. If a substitute
/// is announced, add it with `extra_closed` (docs/markets.md).
const CONSTITUTION_DAY_FROM_YEAR: i32 = 2026;

/// One public holiday on one date, before substitution.
struct PublicDay {
    date: NaiveDate,
    name: &'static str,
    substitute: Substitute,
}

impl PublicDay {
    fn new(date: NaiveDate, name: &'static str, substitute: Substitute) -> PublicDay {
        PublicDay {
            date,
            name,
            substitute,
        }
    }
}

/// `rule` once the law applies to `date`, else [`Substitute::Never`].
fn from(date: NaiveDate, effective: NaiveDate, rule: Substitute) -> Substitute {
    if date >= effective {
        rule
    } else {
        Substitute::Never
    }
}

/// The solar fixed-date public holidays of `year`.
fn fixed_dates(year: i32) -> Vec<PublicDay> {
    use Substitute::{Never, WeekendOrOverlap};
    let national = |m, d, name| {
        let date = ymd(year, m, d);
        PublicDay::new(
            date,
            name,
            from(date, NATIONAL_DAYS_SUBSTITUTE_FROM, WeekendOrOverlap),
        )
    };
    let christmas = ymd(year, 12, 25);
    let mut days = vec![
        PublicDay::new(ymd(year, 1, 1), "New Year's Day", Never),
        national(3, 1, "Independence Movement Day"),
        PublicDay::new(ymd(year, 5, 5), "Children's Day", WeekendOrOverlap),
        PublicDay::new(ymd(year, 6, 6), "Memorial Day", Never),
        national(8, 15, "Liberation Day"),
        national(10, 3, "National Foundation Day"),
        national(10, 9, "Hangul Day"),
        PublicDay::new(
            christmas,
            "Christmas Day",
            from(
                christmas,
                BUDDHA_CHRISTMAS_SUBSTITUTE_FROM,
                WeekendOrOverlap,
            ),
        ),
    ];
    if year >= CONSTITUTION_DAY_FROM_YEAR {
        days.push(PublicDay::new(
            ymd(year, 7, 17),
            "Constitution Day",
            WeekendOrOverlap,
        ));
    }
    days
}

/// The lunar public holidays of `year`: Seollal and Chuseok (the day before, the day
/// and the day after) and Buddha's Birthday.
fn lunar(year: i32) -> Vec<PublicDay> {
    let Some(l) = LUNAR.iter().find(|l| l.seollal.year() == year) else {
        return Vec::new();
    };
    let mut days = Vec::new();
    for (day, name) in [(l.seollal, "Seollal"), (l.chuseok, "Chuseok")] {
        for date in [day.pred_opt(), Some(day), day.succ_opt()]
            .into_iter()
            .flatten()
        {
            days.push(PublicDay::new(date, name, Substitute::SundayOrOverlap));
        }
    }
    let buddha = from(
        l.buddha,
        BUDDHA_CHRISTMAS_SUBSTITUTE_FROM,
        Substitute::WeekendOrOverlap,
    );
    days.push(PublicDay::new(l.buddha, "Buddha's Birthday", buddha));
    days
}

/// The dated one-offs of `year`: elections and temporary holidays.
fn one_offs(year: i32) -> Vec<PublicDay> {
    ELECTIONS
        .iter()
        .chain(TEMPORARY.iter())
        .filter(|(date, _)| date.year() == year)
        .map(|&(date, name)| PublicDay::new(date, name, Substitute::Never))
        .collect()
}

/// Whether `day`'s own rule gives it a substitute, given every public holiday of the
/// year by date.
fn triggers(day: &PublicDay, by_date: &BTreeMap<NaiveDate, Vec<&PublicDay>>) -> bool {
    let overlap = by_date.get(&day.date).is_some_and(|all| all.len() > 1);
    match day.substitute {
        Substitute::Never => false,
        Substitute::SundayOrOverlap => day.date.weekday() == Weekday::Sun || overlap,
        Substitute::WeekendOrOverlap => is_weekend(day.date) || overlap,
    }
}

/// The substitute holidays for `days`: for every date on which a holiday's rule
/// fires, the first following weekday that is neither a public holiday nor already a
/// substitute. Holidays that overlap on one date get a single substitute together.
fn substitutes(days: &[PublicDay]) -> Vec<(NaiveDate, String)> {
    let mut by_date: BTreeMap<NaiveDate, Vec<&PublicDay>> = BTreeMap::new();
    for day in days {
        by_date.entry(day.date).or_default().push(day);
    }
    let mut taken: BTreeSet<NaiveDate> = by_date.keys().copied().collect();
    let mut subs = Vec::new();
    for (date, all) in &by_date {
        let mut names: Vec<&str> = all
            .iter()
            .filter(|d| triggers(d, &by_date))
            .map(|d| d.name)
            .collect();
        names.dedup();
        if names.is_empty() {
            continue;
        }
        let mut sub = *date;
        while let Some(next) = sub.succ_opt() {
            sub = next;
            if !is_weekend(sub) && !taken.contains(&sub) {
                break;
            }
        }
        taken.insert(sub);
        subs.push((
            sub,
            format!("Substitute holiday for {}", names.join(" and ")),
        ));
    }
    subs
}

/// The last business day of the year, on which KRX does not trade (KRX Market
/// Business Regulation art. 5: Dec 31, or the business day before when it is a
/// Saturday, Sunday or holiday).
fn year_end(year: i32, closed: &BTreeMap<NaiveDate, Vec<String>>) -> NaiveDate {
    let mut date = ymd(year, 12, 31);
    while is_weekend(date) || closed.contains_key(&date) {
        match date.pred_opt() {
            Some(prev) => date = prev,
            None => break,
        }
    }
    date
}

/// Records one more name for a closed date.
fn add(closed: &mut BTreeMap<NaiveDate, Vec<String>>, date: NaiveDate, name: String) {
    let names = closed.entry(date).or_default();
    if !names.contains(&name) {
        names.push(name);
    }
}

/// Every closure of `year` by date, weekends included, with all its names.
fn closures(year: i32) -> BTreeMap<NaiveDate, Vec<String>> {
    let mut public = fixed_dates(year);
    public.extend(lunar(year));
    public.extend(one_offs(year));

    let mut closed: BTreeMap<NaiveDate, Vec<String>> = BTreeMap::new();
    for (date, name) in substitutes(&public) {
        add(&mut closed, date, name);
    }
    for day in &public {
        add(&mut closed, day.date, day.name.to_string());
    }
    // Labor Day (근로자의 날) is a KRX closure (Market Business Regulation art. 5) with no
    // confirmed substitute rule: it neither counts as an overlap nor blocks a substitute.
    add(&mut closed, ymd(year, 5, 1), "Labor Day".to_string());
    let end = year_end(year, &closed);
    add(&mut closed, end, "Year-end closing".to_string());
    closed
}

/// The weekday closures of `year`, one per date (overlapping names joined).
fn holidays(year: i32) -> Vec<Holiday> {
    closures(year)
        .into_iter()
        .filter(|(date, _)| !is_weekend(*date))
        .map(|(date, names)| Holiday::new(date, names.join("; ")))
        .collect()
}

/// The regular hours in force on `date`.
fn regular(date: NaiveDate) -> Hours {
    let idx = HOURS.partition_point(|h| h.from <= date);
    HOURS[idx.saturating_sub(1)]
}

/// The first trading day of `year`: KRX opens it at 10:00 (the new-year opening
/// ceremony, 개장식), closing as usual.
fn first_trading_day(year: i32) -> Option<NaiveDate> {
    let closed = closures(year);
    ymd(year, 1, 1)
        .iter_days()
        .take(31)
        .find(|d| !is_weekend(*d) && !closed.contains_key(d))
}

/// The special sessions of `year`: the late first trading day, and CSAT days with
/// the whole session an hour late.
fn specials(year: i32) -> Vec<SpecialSession> {
    let mut sessions = Vec::new();
    if let Some(date) = first_trading_day(year) {
        let close = regular(date).close;
        sessions.push(SpecialSession::new(
            date,
            hm(10, 0),
            close,
            "First trading day of the year",
        ));
    }
    let hour = TimeDelta::hours(1);
    for &date in CSAT.iter().filter(|d| d.year() == year) {
        let hours = regular(date);
        let name = "College entrance exam (CSAT) day";
        sessions.push(SpecialSession::new(
            date,
            hours.open + hour,
            hours.close + hour,
            name,
        ));
    }
    sessions.sort_by_key(|s| s.date);
    sessions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lunar_table_is_one_entry_per_year_in_order() {
        let years: Vec<i32> = LUNAR.iter().map(|l| l.seollal.year()).collect();
        assert_eq!(years, (2015..=2030).collect::<Vec<_>>());
        for l in &LUNAR {
            assert!(
                l.seollal < l.buddha && l.buddha < l.chuseok,
                "{}",
                l.seollal
            );
        }
    }

    #[test]
    fn overlapping_holidays_share_one_substitute() {
        let subs: Vec<NaiveDate> = holidays(2025)
            .iter()
            .filter(|h| h.name.starts_with("Substitute"))
            .map(|h| h.date)
            .collect();
        assert_eq!(subs, [ymd(2025, 3, 3), ymd(2025, 5, 6), ymd(2025, 10, 8)]);
    }

    #[test]
    fn a_saturday_in_a_lunar_block_gives_no_substitute() {
        // Chuseok 2019: Sep 12-14, the 14th a Saturday.
        assert!(
            !holidays(2019)
                .iter()
                .any(|h| h.name == "Substitute holiday for Chuseok")
        );
    }
}
