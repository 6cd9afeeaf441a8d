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

/// Asserts that every weekday closure of `years` in `code` carries one of `names` (a
/// rule in force, or a table entry backed by a statute or notice), optionally with a
/// `(substitute day)`-style suffix, so no one-off or projected closure is listed
/// before it is announced (issue 13, class 4).
pub fn assert_closures_only_named(
    code: &str,
    years: std::ops::RangeInclusive<i32>,
    names: &[&str],
) {
    for year in years {
        for (date, name) in closed_weekdays(code, year) {
            let base = name.split(" (").next().unwrap_or(&name);
            assert!(
                names.contains(&base),
                "{code} {date}: `{name}` is not a closure established by law or notice"
            );
        }
    }
}

/// Asserts that each of `days` (date, why a projection might close it) trades in
/// `code`: a market rule then blocks it, failing closed, until it is announced and
/// added with `extra_closed`.
pub fn assert_trades(code: &str, days: &[(&str, &str)]) {
    let cal = exchange(code).unwrap();
    for (day, why) in days {
        let date = NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
        assert!(
            matches!(cal.day(date).unwrap(), Day::Open(_)),
            "{code} {day} ({why}) must trade until it is announced"
        );
    }
}
