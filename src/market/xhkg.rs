//! XHKG: Hong Kong Exchanges and Clearing (securities market).
//!
//! HKEX is closed on Hong Kong's general holidays (General Holidays Ordinance, Cap. 149).
//! Fixed dates, Easter, the Christmas weekdays, the Sunday and clash substitution and the
//! Lunar New Year day-4 rule are computed here. The Chinese-calendar and solar-term
//! dates, a one-off commemorative holiday and the historical severe-weather closures are
//! dated tables, each entry citing its public source. Half days (morning session only)
//! fall on the eves of Christmas, New Year and Lunar New Year.

use super::definition::{Exchange, Holiday, Hours, SpecialSession};
use super::rules::{dated, days_after, easter_sunday, hm, is_weekend, ymd};
use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};
use std::collections::VecDeque;

/// 09:30–12:00 and 13:00–16:00 Hong Kong time throughout the coverage (HKEX, "Trading
/// Hours", https://www.hkex.com.hk/Services/Trading-hours-and-Severe-Weather-Arrangements).
const HOURS: &[Hours] = &[Hours {
    from: ymd(2015, 1, 1),
    open: OPEN,
    close: hm(16, 0),
    lunch: Some((hm(12, 0), hm(13, 0))),
}];

/// The morning session's start, on full and half days alike.
const OPEN: NaiveTime = hm(9, 30);

/// A half day has the morning session only, so it ends where the lunch break begins.
const HALF_DAY_CLOSE: NaiveTime = hm(12, 0);

pub(super) static XHKG: Exchange = Exchange::new(
    "XHKG",
    "Hong Kong Exchanges",
    chrono_tz::Asia::Hong_Kong,
    HOURS,
    (ymd(2015, 1, 1), ymd(2030, 12, 31)),
    holidays,
    specials,
);

/// The Chinese-calendar and solar-term dates of one year, before any substitution.
struct LunarYear {
    year: i32,
    /// Lunar New Year's Day (1st day of the 1st month).
    new_year: NaiveDate,
    /// Ching Ming, a solar term rather than a lunar date.
    ching_ming: NaiveDate,
    /// The Birthday of the Buddha (8th day of the 4th month).
    buddha: NaiveDate,
    /// Tuen Ng (5th day of the 5th month).
    tuen_ng: NaiveDate,
    /// The Mid-Autumn Festival itself (15th day of the 8th month); the holiday is the day
    /// after it.
    mid_autumn: NaiveDate,
    /// Chung Yeung (9th day of the 9th month).
    chung_yeung: NaiveDate,
}

/// A [`LunarYear`] from (month, day) pairs, to keep the table one line a year.
const fn lunar(
    year: i32,
    new_year: (u32, u32),
    ching_ming: (u32, u32),
    buddha: (u32, u32),
    tuen_ng: (u32, u32),
    mid_autumn: (u32, u32),
    chung_yeung: (u32, u32),
) -> LunarYear {
    LunarYear {
        year,
        new_year: ymd(year, new_year.0, new_year.1),
        ching_ming: ymd(year, ching_ming.0, ching_ming.1),
        buddha: ymd(year, buddha.0, buddha.1),
        tuen_ng: ymd(year, tuen_ng.0, tuen_ng.1),
        mid_autumn: ymd(year, mid_autumn.0, mid_autumn.1),
        chung_yeung: ymd(year, chung_yeung.0, chung_yeung.1),
    }
}

/// Lunar New Year, Ching Ming, Buddha, Tuen Ng, Mid-Autumn, Chung Yeung, as (month, day).
/// "HKO" is the Hong Kong Observatory's Gregorian–Lunar calendar conversion table
/// (https://www.hko.gov.hk/en/gts/time/conversion.htm); "gazetted" means the year's
/// general holidays list, published about a year ahead
/// (https://www.gov.hk/en/about/abouthk/holiday/), agrees.
const LUNAR: &[LunarYear] = &[
    lunar(2015, (2, 19), (4, 5), (5, 25), (6, 20), (9, 27), (10, 21)), // HKO; gazetted
    lunar(2016, (2, 8), (4, 4), (5, 14), (6, 9), (9, 15), (10, 9)),    // HKO; gazetted
    lunar(2017, (1, 28), (4, 4), (5, 3), (5, 30), (10, 4), (10, 28)),  // HKO; gazetted
    lunar(2018, (2, 16), (4, 5), (5, 22), (6, 18), (9, 24), (10, 17)), // HKO; gazetted
    lunar(2019, (2, 5), (4, 5), (5, 12), (6, 7), (9, 13), (10, 7)),    // HKO; gazetted
    lunar(2020, (1, 25), (4, 4), (4, 30), (6, 25), (10, 1), (10, 25)), // HKO; gazetted
    lunar(2021, (2, 12), (4, 4), (5, 19), (6, 14), (9, 21), (10, 14)), // HKO; gazetted
    lunar(2022, (2, 1), (4, 5), (5, 8), (6, 3), (9, 10), (10, 4)),     // HKO; gazetted
    lunar(2023, (1, 22), (4, 5), (5, 26), (6, 22), (9, 29), (10, 23)), // HKO; gazetted
    lunar(2024, (2, 10), (4, 4), (5, 15), (6, 10), (9, 17), (10, 11)), // HKO; gazetted
    lunar(2025, (1, 29), (4, 4), (5, 5), (5, 31), (10, 6), (10, 29)),  // HKO; gazetted
    lunar(2026, (2, 17), (4, 5), (5, 24), (6, 19), (9, 25), (10, 18)), // HKO; gazetted
    lunar(2027, (2, 6), (4, 5), (5, 13), (6, 9), (9, 15), (10, 8)),    // HKO; gazetted
    lunar(2028, (1, 26), (4, 4), (5, 2), (5, 28), (10, 3), (10, 26)),  // HKO; not yet gazetted
    lunar(2029, (2, 13), (4, 4), (5, 20), (6, 16), (9, 22), (10, 16)), // HKO; not yet gazetted
    lunar(2030, (2, 3), (4, 5), (5, 9), (6, 5), (9, 12), (10, 5)),     // HKO; not yet gazetted
];

/// General holidays declared for one year only.
const ONE_OFF_HOLIDAYS: &[(NaiveDate, &str)] = &[
    // gov.hk general holidays for 2015: an additional holiday enacted in 2015.
    (
        ymd(2015, 9, 3),
        "70th anniversary of the victory of the Chinese people's war of resistance against \
         Japanese aggression",
    ),
];

/// Whole days without trading because Typhoon Signal No. 8 or above, or the Black
/// Rainstorm Warning, was in force through the morning (named after the signal). Historical and ad hoc: since
/// 2024-09-23 HKEX trades through severe weather ("Severe Weather Trading"), so no
/// forward entry can arise this way and none is listed.
const SEVERE_WEATHER: &[(NaiveDate, &str)] = &[
    // HKEX notice of 2016-08-02; HKO tropical cyclone report, Nida.
    (ymd(2016, 8, 2), "Typhoon Signal No. 8 (Nida)"),
    // HKEX notice of 2016-10-21; HKO tropical cyclone report, Haima.
    (ymd(2016, 10, 21), "Typhoon Signal No. 8 (Haima)"),
    // HKEX notice of 2017-08-23; HKO tropical cyclone report, Hato.
    (ymd(2017, 8, 23), "Typhoon Signal No. 10 (Hato)"),
    // HKEX notice of 2020-10-13; HKO tropical cyclone report, Nangka.
    (ymd(2020, 10, 13), "Typhoon Signal No. 8 (Nangka)"),
    // HKEX notice of 2021-10-13; HKO tropical cyclone report, Kompasu.
    (ymd(2021, 10, 13), "Typhoon Signal No. 8 (Kompasu)"),
    // HKEX notice of 2023-07-17; HKO tropical cyclone report, Talim.
    (ymd(2023, 7, 17), "Typhoon Signal No. 8 (Talim)"),
    // HKEX notice of 2023-09-01; HKO tropical cyclone report, Saola.
    (ymd(2023, 9, 1), "Typhoon Signal No. 10 (Saola)"),
    // HKEX notice of 2023-09-08; HKO, record rainfall of 7-8 Sep 2023.
    (ymd(2023, 9, 8), "Black Rainstorm Warning"),
    // HKEX notice of 2024-09-06; HKO tropical cyclone report, Yagi.
    (ymd(2024, 9, 6), "Typhoon Signal No. 8 (Yagi)"),
];

/// A general holiday before substitution: its own date, its name, and its name when a
/// Sunday or a clash moves it.
struct Gazetted {
    date: NaiveDate,
    name: &'static str,
    moved: &'static str,
}

impl Gazetted {
    fn new(date: NaiveDate, name: &'static str, moved: &'static str) -> Gazetted {
        Gazetted { date, name, moved }
    }
}

/// Every weekday closure of `year`, sorted by date. Empty outside the lunar table, which
/// spans the calendar's coverage.
fn holidays(year: i32) -> Vec<Holiday> {
    let Some(lunar) = LUNAR.iter().find(|l| l.year == year) else {
        return Vec::new();
    };
    let mut fixed = lunar_new_year(lunar.new_year);
    fixed.extend(christmas(year));
    let mut days = place(movable_holidays(year, lunar), &fixed);
    days.extend(fixed);
    days.extend(dated(ONE_OFF_HOLIDAYS, year));
    days.extend(dated(SEVERE_WEATHER, year));
    days.retain(|h| !is_weekend(h.date));
    days.sort_by_key(|h| h.date);
    days.dedup_by_key(|h| h.date);
    days
}

/// The half days of `year`: the eves of Lunar New Year, Christmas and New Year, when the
/// eve is a trading day (nothing moves when it is not). HKEX, "Trading Hours": no
/// afternoon session on these eves.
fn specials(year: i32) -> Vec<SpecialSession> {
    let closed = holidays(year);
    let trades = |date: &NaiveDate| !is_weekend(*date) && !closed.iter().any(|h| h.date == *date);
    let lunar_eve = LUNAR
        .iter()
        .find(|l| l.year == year)
        .and_then(|l| l.new_year.pred_opt());
    let eves = [
        (lunar_eve, "Lunar New Year's Eve"),
        (Some(ymd(year, 12, 24)), "Christmas Eve"),
        (Some(ymd(year, 12, 31)), "New Year's Eve"),
    ];
    eves.into_iter()
        .filter_map(|(date, name)| date.filter(trades).map(|d| (d, name)))
        .map(|(date, name)| SpecialSession::new(date, OPEN, HALF_DAY_CLOSE, name))
        .collect()
}

/// The holidays that move when they fall on a Sunday or on another holiday, sorted by
/// date. On a tie the one listed first keeps the date: fixed dates, then Easter, then
/// the lunar ones (so Ching Ming on Easter Monday moves, as in 2010).
fn movable_holidays(year: i32, lunar: &LunarYear) -> Vec<Gazetted> {
    let mut days = Vec::from(fixed_date_holidays(year));
    days.extend(easter_holidays(year));
    days.extend(lunar_holidays(lunar));
    days.sort_by_key(|h| h.date);
    days
}

/// The holidays on fixed calendar dates (Christmas is handled by [`christmas`]).
fn fixed_date_holidays(year: i32) -> [Gazetted; 4] {
    let sar_day = "Hong Kong Special Administrative Region Establishment Day";
    [
        Gazetted::new(
            ymd(year, 1, 1),
            "The first day of January",
            "The day following the first day of January",
        ),
        Gazetted::new(
            ymd(year, 5, 1),
            "Labour Day",
            "The day following Labour Day",
        ),
        Gazetted::new(
            ymd(year, 7, 1),
            sar_day,
            "The day following Hong Kong Special Administrative Region Establishment Day",
        ),
        Gazetted::new(
            ymd(year, 10, 1),
            "National Day",
            "The day following National Day",
        ),
    ]
}

/// Good Friday, the Saturday after it and Easter Monday. Easter Monday moves when a
/// Sunday Ching Ming takes it (2015, 2021, 2026); the first two cannot be taken, since
/// a chain of moves starts on a Sunday, so their moved names are never used.
fn easter_holidays(year: i32) -> [Gazetted; 3] {
    let easter = easter_sunday(year);
    let saturday = "The day following Good Friday";
    [
        Gazetted::new(days_after(easter, -2), "Good Friday", saturday),
        Gazetted::new(
            days_after(easter, -1),
            saturday,
            "The second day following Good Friday",
        ),
        Gazetted::new(
            days_after(easter, 1),
            "Easter Monday",
            "The day following Easter Monday",
        ),
    ]
}

/// The holidays from the Chinese calendar and the solar terms, except Lunar New Year
/// (handled by [`lunar_new_year`]).
fn lunar_holidays(lunar: &LunarYear) -> [Gazetted; 5] {
    [
        Gazetted::new(
            lunar.ching_ming,
            "Ching Ming Festival",
            "The day following Ching Ming Festival",
        ),
        Gazetted::new(
            lunar.buddha,
            "The Birthday of the Buddha",
            "The day following the Birthday of the Buddha",
        ),
        Gazetted::new(
            lunar.tuen_ng,
            "Tuen Ng Festival",
            "The day following Tuen Ng Festival",
        ),
        Gazetted::new(
            days_after(lunar.mid_autumn, 1),
            "The day following the Chinese Mid-Autumn Festival",
            "The second day following the Chinese Mid-Autumn Festival",
        ),
        Gazetted::new(
            lunar.chung_yeung,
            "Chung Yeung Festival",
            "The day following Chung Yeung Festival",
        ),
    ]
}

/// Puts each movable holiday on its date, or, when that is a Sunday or already taken,
/// on the next day that is neither (Saturday counts as a weekday). Walking the days in
/// order, a waiting holiday takes a free day before one that falls on it, as the
/// gazette does: Ching Ming on Easter Sunday gives "the day following Ching Ming
/// Festival" on the Monday and "the day following Easter Monday" on the Tuesday.
fn place(movable: Vec<Gazetted>, fixed: &[Holiday]) -> Vec<Holiday> {
    let mut placed = Vec::new();
    let mut waiting: VecDeque<Gazetted> = VecDeque::new();
    let mut pending = movable.into_iter().peekable();
    let Some(mut day) = pending.peek().map(|h| h.date) else {
        return placed;
    };
    while pending.peek().is_some() || !waiting.is_empty() {
        waiting.extend(std::iter::from_fn(|| pending.next_if(|h| h.date == day)));
        let taken = fixed.iter().any(|h| h.date == day);
        if day.weekday() != Weekday::Sun
            && !taken
            && let Some(h) = waiting.pop_front()
        {
            placed.push(Holiday::new(
                day,
                if h.date == day { h.name } else { h.moved },
            ));
        }
        let Some(next) = day.succ_opt() else { break };
        day = next;
    }
    placed
}

/// Lunar New Year's Day and the two days after it. When one of the three is a Sunday,
/// the fourth day is a holiday instead (General Holidays Ordinance as amended in 2011,
/// in force from 2013); the Sunday itself needs no closure.
fn lunar_new_year(first: NaiveDate) -> Vec<Holiday> {
    let names = [
        "Lunar New Year's Day",
        "The second day of Lunar New Year",
        "The third day of Lunar New Year",
        "The fourth day of Lunar New Year",
    ];
    let mut days: Vec<Holiday> = first
        .iter_days()
        .zip(names)
        .map(|(date, name)| Holiday::new(date, name))
        .collect();
    let sunday = days
        .iter()
        .take(3)
        .any(|h| h.date.weekday() == Weekday::Sun);
    days.truncate(if sunday { 4 } else { 3 });
    days
}

/// Christmas Day and the first weekday after it, where Saturday counts as a weekday
/// (so Christmas on Friday adds no weekday closure and on Saturday closes Monday). A
/// Sunday Christmas moves to the day after that, "the second weekday after Christmas".
fn christmas(year: i32) -> Vec<Holiday> {
    let christmas = ymd(year, 12, 25);
    let mut weekdays_after = christmas
        .iter_days()
        .skip(1)
        .filter(|d| d.weekday() != Weekday::Sun);
    let mut days = vec![Holiday::new(christmas, "Christmas Day")];
    days.extend(
        weekdays_after
            .next()
            .map(|d| Holiday::new(d, "The first weekday after Christmas Day")),
    );
    if christmas.weekday() == Weekday::Sun {
        days.extend(
            weekdays_after
                .next()
                .map(|d| Holiday::new(d, "The second weekday after Christmas Day")),
        );
    }
    days
}
