//! Helpers shared by the market calendar fact tests.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]
#![allow(dead_code, reason = "each test file uses the helpers it needs")]

use chrono::{Datelike, NaiveDate, Weekday};
use shipwindow::market::{Day, exchange};

/// Every day of `year` in the calendar `code`.
pub fn year_days(code: &str, year: i32) -> Vec<Day> {
    let cal = exchange(code).unwrap();
    let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
    let last = NaiveDate::from_ymd_opt(year, 12, 31).unwrap();
    cal.days(first, last).unwrap()
}

/// Every weekday of `year` that does not trade, with its name.
pub fn closed_weekdays(code: &str, year: i32) -> Vec<(String, String)> {
    year_days(code, year)
        .into_iter()
        .filter_map(|d| match d {
            Day::Closed { date, holiday }
                if !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) =>
            {
                Some((
                    date.to_string(),
                    holiday.expect("a weekday closure has a name"),
                ))
            }
            _ => None,
        })
        .collect()
}

/// Asserts that the weekday closures of `year` are exactly `want` (date, name), so
/// every other weekday trades.
pub fn assert_closed_weekdays(code: &str, year: i32, want: &[(&str, &str)]) {
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(d, n)| (d.to_string(), n.to_string()))
        .collect();
    assert_eq!(
        closed_weekdays(code, year),
        want,
        "{code} {year}: every other weekday trades"
    );
}
