//! XNYS (New York Stock Exchange) and XNAS (Nasdaq): one holiday calendar.
//!
//! Both markets close on the same days and close early (13:00) on the same days, so the
//! two calendars share [`holidays`] and [`specials`]. The ten annual holidays and the
//! three early closes follow rules (NYSE Rule 7.2 and the published calendars); the
//! national days of mourning are a dated table, each entry citing its source.

use super::definition::{Exchange, Holiday, Hours, SpecialSession};
use super::rules::{
    dated, days_after, easter_sunday, hm, is_weekend, last_weekday, nth_weekday, observed_nearest,
    ymd,
};
use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};

const OPEN: NaiveTime = hm(9, 30);

/// 09:30–16:00 New York time throughout the coverage.
const HOURS: &[Hours] = &[Hours {
    from: ymd(2015, 1, 1),
    open: OPEN,
    close: hm(16, 0),
    lunch: None,
}];

const COVERAGE: (NaiveDate, NaiveDate) = (ymd(2015, 1, 1), ymd(2030, 12, 31));

/// The early-close time on the day before Independence Day, the day after
/// Thanksgiving and Christmas Eve.
const EARLY_CLOSE: NaiveTime = hm(13, 0);

pub(super) static XNYS: Exchange = Exchange::new(
    "XNYS",
    "New York Stock Exchange",
    chrono_tz::America::New_York,
    HOURS,
    COVERAGE,
    holidays,
    specials,
);

pub(super) static XNAS: Exchange = Exchange::new(
    "XNAS",
    "Nasdaq",
    chrono_tz::America::New_York,
    HOURS,
    COVERAGE,
    holidays,
    specials,
);

/// Closures that no rule predicts: national days of mourning declared by the
/// President, on which both NYSE and Nasdaq closed.
const ONE_OFF_CLOSURES: &[(NaiveDate, &str)] = &[
    // NYSE press release "New York Stock Exchange to Honor President George H. W. Bush",
    // 2018-12-01: closed Wednesday, December 5, 2018 (Nasdaq announced the same).
    (
        ymd(2018, 12, 5),
        "National Day of Mourning for President George H. W. Bush",
    ),
    // NYSE press release, 2024-12-30: all NYSE equity and options markets closed
    // Thursday, January 9, 2025 (Nasdaq announced its own closure the same day).
    (
        ymd(2025, 1, 9),
        "National Day of Mourning for former President Jimmy Carter",
    ),
];

/// Every weekday closure of `year`, sorted by date.
fn holidays(year: i32) -> Vec<Holiday> {
    let mut days = rule_holidays(year);
    days.extend(dated(ONE_OFF_CLOSURES, year));
    days.sort_by_key(|h| h.date);
    days
}

/// The annual holidays that fall on a weekday.
fn rule_holidays(year: i32) -> Vec<Holiday> {
    let easter = easter_sunday(year);
    let monday = |month, n| nth_weekday(year, month, Weekday::Mon, n);
    let mut days = vec![
        Holiday::new(monday(1, 3), "Martin Luther King, Jr. Day"),
        Holiday::new(monday(2, 3), "Washington's Birthday"),
        Holiday::new(days_after(easter, -2), "Good Friday"),
        Holiday::new(last_weekday(year, 5, Weekday::Mon), "Memorial Day"),
        observed(ymd(year, 7, 4), "Independence Day"),
        Holiday::new(monday(9, 1), "Labor Day"),
        Holiday::new(thanksgiving(year), "Thanksgiving Day"),
        observed(ymd(year, 12, 25), "Christmas Day"),
    ];
    days.extend(new_years_day(year));
    days.extend(juneteenth(year));
    days
}

/// New Year's Day moves from Sunday to Monday, but a Saturday one is not observed on
/// the Friday before (NYSE Rule 7.2), so the last trading day of the year stays open.
fn new_years_day(year: i32) -> Option<Holiday> {
    let date = ymd(year, 1, 1);
    (date.weekday() != Weekday::Sat).then(|| observed(date, "New Year's Day"))
}

/// Made a federal holiday on 2021-06-17, too late for NYSE to close that year.
fn juneteenth(year: i32) -> Option<Holiday> {
    (year >= 2022).then(|| observed(ymd(year, 6, 19), "Juneteenth National Independence Day"))
}

/// A fixed-date holiday moved off a weekend: Saturday to Friday, Sunday to Monday.
fn observed(date: NaiveDate, name: &str) -> Holiday {
    let moved = observed_nearest(date);
    if moved == date {
        Holiday::new(date, name)
    } else {
        Holiday::new(moved, format!("{name} (observed)"))
    }
}

/// Fourth Thursday of November.
fn thanksgiving(year: i32) -> NaiveDate {
    nth_weekday(year, 11, Weekday::Thu, 4)
}

/// The 13:00 early closes of `year`, sorted by date.
///
/// Each candidate day closes early only when it is a trading day, which gives exactly the
/// published dates 2015–2030 with no exceptions: Jul 3 on a Friday is the observed
/// Independence Day and on a weekend there is nothing to shorten (so no early close in
/// 2015, 2016, 2020–2022, 2026, 2027); Dec 24 on a Friday is the observed Christmas
/// (2021, 2027). Dec 26 after a Thursday Christmas (2025-12-26) is a full day.
fn specials(year: i32) -> Vec<SpecialSession> {
    let closed = holidays(year);
    let trades = |date: &NaiveDate| !is_weekend(*date) && !closed.iter().any(|h| h.date == *date);
    let candidates = [
        (ymd(year, 7, 3), "Day before Independence Day"),
        (days_after(thanksgiving(year), 1), "Day after Thanksgiving"),
        (ymd(year, 12, 24), "Christmas Eve"),
    ];
    candidates
        .into_iter()
        .filter(|(date, _)| trades(date))
        .map(|(date, name)| SpecialSession::new(date, OPEN, EARLY_CLOSE, name))
        .collect()
}
