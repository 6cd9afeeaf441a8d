//! XLON: London Stock Exchange.
//!
//! The exchange closes on the bank holidays of England and Wales. The usual eight follow
//! rules (the Banking and Financial Dealings Act 1971 and its weekend substitutes); the
//! holidays moved or added by royal proclamation are dated tables, each entry citing its
//! source. The market closes early (12:30) on the last business day before Christmas
//! and the last business day of the year.

use super::definition::{Exchange, Holiday, Hours, SpecialSession};
use super::rules::{
    dated, days_after, easter_sunday, hm, is_weekend, last_weekday, nth_weekday,
    observed_next_weekday, ymd,
};
use chrono::{NaiveDate, NaiveTime, Weekday};

const OPEN: NaiveTime = hm(8, 0);

/// The half-day close before Christmas and at the year end.
const EARLY_CLOSE: NaiveTime = hm(12, 30);

pub(super) static XLON: Exchange = Exchange::new(
    "XLON",
    "London Stock Exchange",
    chrono_tz::Europe::London,
    &[Hours {
        from: ymd(2015, 1, 1),
        open: OPEN,
        close: hm(16, 30),
        lunch: None,
    }],
    (ymd(2015, 1, 1), ymd(2030, 12, 31)),
    holidays,
    specials,
);

/// Bank holidays moved by royal proclamation: (usual date, date instead, name).
const MOVED: &[(NaiveDate, NaiveDate, &str)] = &[
    // gov.uk/bank-holidays and LSE business days notice for 2020: the early May bank
    // holiday moved from Monday 4 May to Friday 8 May, the 75th anniversary of VE Day.
    (
        ymd(2020, 5, 4),
        ymd(2020, 5, 8),
        "Early May bank holiday (VE day)",
    ),
    // gov.uk/bank-holidays and LSE business days notice for 2022: the spring bank
    // holiday moved from Monday 30 May to Thursday 2 June for the Platinum Jubilee.
    (ymd(2022, 5, 30), ymd(2022, 6, 2), "Spring bank holiday"),
];

/// Extra bank holidays proclaimed for one year only.
const ONE_OFF_CLOSURES: &[(NaiveDate, &str)] = &[
    // gov.uk/bank-holidays and LSE business days notice for 2022: Friday 3 June 2022.
    (ymd(2022, 6, 3), "Platinum Jubilee bank holiday"),
    // gov.uk/bank-holidays (proclaimed September 2022) and LSE market notice: the
    // market closed on Monday 19 September 2022.
    (
        ymd(2022, 9, 19),
        "Bank holiday for the State Funeral of Queen Elizabeth II",
    ),
    // gov.uk/bank-holidays (proclaimed November 2022) and LSE business days notice for
    // 2023: Monday 8 May 2023.
    (
        ymd(2023, 5, 8),
        "Bank holiday for the coronation of King Charles III",
    ),
];

/// Every weekday closure of `year`, sorted by date.
fn holidays(year: i32) -> Vec<Holiday> {
    let mut days: Vec<Holiday> = rule_holidays(year).into_iter().map(apply_moves).collect();
    days.extend(christmas(year));
    days.extend(dated(ONE_OFF_CLOSURES, year));
    days.sort_by_key(|h| h.date);
    days
}

/// The bank holidays that fall on their usual weekday-based or substitute dates.
fn rule_holidays(year: i32) -> [Holiday; 6] {
    let easter = easter_sunday(year);
    [
        substitute(ymd(year, 1, 1), "New Year's Day"),
        Holiday::new(days_after(easter, -2), "Good Friday"),
        Holiday::new(days_after(easter, 1), "Easter Monday"),
        Holiday::new(
            nth_weekday(year, 5, Weekday::Mon, 1),
            "Early May bank holiday",
        ),
        Holiday::new(last_weekday(year, 5, Weekday::Mon), "Spring bank holiday"),
        Holiday::new(last_weekday(year, 8, Weekday::Mon), "Summer bank holiday"),
    ]
}

/// A holiday replaced by its proclaimed date, if it was moved.
fn apply_moves(holiday: Holiday) -> Holiday {
    match MOVED.iter().find(|(usual, _, _)| *usual == holiday.date) {
        Some((_, instead, name)) => Holiday::new(*instead, *name),
        None => holiday,
    }
}

/// A holiday on a weekend is replaced by the next weekday (a "substitute day").
fn substitute(date: NaiveDate, name: &str) -> Holiday {
    let moved = observed_next_weekday(date);
    if moved == date {
        Holiday::new(date, name)
    } else {
        Holiday::new(moved, format!("{name} (substitute day)"))
    }
}

/// Christmas Day and Boxing Day. One on a weekend gets the next weekday that is not
/// already a holiday, so both days off survive: Christmas on a Saturday gives Monday and
/// Tuesday; on a Sunday, Boxing Day keeps Monday and Christmas moves to Tuesday.
fn christmas(year: i32) -> Vec<Holiday> {
    let fixed = [
        (ymd(year, 12, 25), "Christmas Day"),
        (ymd(year, 12, 26), "Boxing Day"),
    ];
    let mut days: Vec<Holiday> = fixed
        .iter()
        .filter(|(date, _)| !is_weekend(*date))
        .map(|(date, name)| Holiday::new(*date, *name))
        .collect();
    for (date, name) in fixed.iter().filter(|(date, _)| is_weekend(*date)) {
        let mut instead = observed_next_weekday(*date);
        while days.iter().any(|h| h.date == instead) {
            instead = observed_next_weekday(days_after(instead, 1));
        }
        days.push(Holiday::new(instead, format!("{name} (substitute day)")));
    }
    days
}

/// The 12:30 early closes of `year`: the last business day before Christmas and the last
/// business day of the year. When Dec 24 or Dec 31 falls on a weekend the early close
/// moves to the Friday before (2016, 2017, 2022, 2023, 2028), as LSE's notices show.
fn specials(year: i32) -> Vec<SpecialSession> {
    let closed = holidays(year);
    let trades = |day: &NaiveDate| !is_weekend(*day) && !closed.iter().any(|h| h.date == *day);
    // A week back always reaches a trading day; the fallback is never used.
    let last_business_day_by = |date: NaiveDate| {
        (0..7)
            .map(|n| days_after(date, -n))
            .find(trades)
            .unwrap_or(date)
    };
    [
        (
            last_business_day_by(ymd(year, 12, 24)),
            "Last business day before Christmas",
        ),
        (
            last_business_day_by(ymd(year, 12, 31)),
            "Last business day of the year",
        ),
    ]
    .into_iter()
    .map(|(date, name)| SpecialSession::new(date, OPEN, EARLY_CLOSE, name))
    .collect()
}
