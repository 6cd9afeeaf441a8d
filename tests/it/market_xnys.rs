//! The NYSE (XNYS) and Nasdaq (XNAS) calendars against published facts.
//!
//! Sources for the tables below:
//! - NYSE "Holidays & Trading Hours" page (nyse.com/markets/hours-calendars), which
//!   lists the holidays and 1:00 p.m. early closes for 2025, 2026 and 2027;
//! - NYSE Group press releases announcing each year's holiday and early-closing
//!   calendar (e.g. 2021-12-27 for 2022–2024, with "New Year's Day: no holiday
//!   observed" in 2022 under NYSE Rule 7.2);
//! - NYSE press releases of 2018-12-01 and 2024-12-30 on the national days of
//!   mourning for Presidents George H. W. Bush and Jimmy Carter;
//! - Nasdaq's "U.S. Holiday Schedule", which matches NYSE's.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc, Weekday};
use shipwindow::market::{Day, exchange};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn t(s: &str) -> NaiveTime {
    NaiveTime::parse_from_str(s, "%H:%M").unwrap()
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn day(code: &str, date: &str) -> Day {
    exchange(code)
        .unwrap()
        .day(d(date))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The holiday name if `date` is a named closure, and fails if it is open.
fn closed(code: &str, date: &str) -> Option<String> {
    match day(code, date) {
        Day::Closed { holiday, .. } => holiday,
        Day::Open(s) => panic!(
            "{code} {date}: open {}-{}, want closed",
            s.local_open, s.local_close
        ),
    }
}

/// The local open and close, and fails if `date` is closed.
fn hours(code: &str, date: &str) -> (NaiveTime, NaiveTime) {
    match day(code, date) {
        Day::Open(s) => (s.local_open, s.local_close),
        Day::Closed { holiday, .. } => panic!("{code} {date}: closed ({holiday:?}), want open"),
    }
}

/// Every weekday closure NYSE publishes for 2025–2027, with its name.
const CLOSED_2025_2027: &[(&str, &str)] = &[
    ("2025-01-01", "New Year's Day"),
    (
        "2025-01-09",
        "National Day of Mourning for former President Jimmy Carter",
    ),
    ("2025-01-20", "Martin Luther King, Jr. Day"),
    ("2025-02-17", "Washington's Birthday"),
    ("2025-04-18", "Good Friday"),
    ("2025-05-26", "Memorial Day"),
    ("2025-06-19", "Juneteenth National Independence Day"),
    ("2025-07-04", "Independence Day"),
    ("2025-09-01", "Labor Day"),
    ("2025-11-27", "Thanksgiving Day"),
    ("2025-12-25", "Christmas Day"),
    ("2026-01-01", "New Year's Day"),
    ("2026-01-19", "Martin Luther King, Jr. Day"),
    ("2026-02-16", "Washington's Birthday"),
    ("2026-04-03", "Good Friday"),
    ("2026-05-25", "Memorial Day"),
    ("2026-06-19", "Juneteenth National Independence Day"),
    ("2026-07-03", "Independence Day (observed)"),
    ("2026-09-07", "Labor Day"),
    ("2026-11-26", "Thanksgiving Day"),
    ("2026-12-25", "Christmas Day"),
    ("2027-01-01", "New Year's Day"),
    ("2027-01-18", "Martin Luther King, Jr. Day"),
    ("2027-02-15", "Washington's Birthday"),
    ("2027-03-26", "Good Friday"),
    ("2027-05-31", "Memorial Day"),
    (
        "2027-06-18",
        "Juneteenth National Independence Day (observed)",
    ),
    ("2027-07-05", "Independence Day (observed)"),
    ("2027-09-06", "Labor Day"),
    ("2027-11-25", "Thanksgiving Day"),
    ("2027-12-24", "Christmas Day (observed)"),
];

/// Every 1:00 p.m. early close NYSE publishes for 2025–2027.
const EARLY_2025_2027: &[(&str, &str)] = &[
    ("2025-07-03", "13:00"),
    ("2025-11-28", "13:00"),
    ("2025-12-24", "13:00"),
    ("2026-11-27", "13:00"),
    ("2026-12-24", "13:00"),
    ("2027-11-26", "13:00"),
];

fn all_days(year: i32) -> impl Iterator<Item = NaiveDate> {
    let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
    first.iter_days().take_while(move |x| x.year() == year)
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Exactly the tabled weekdays are closed, with their names; every other weekday is open.
fn assert_closures(code: &str, year: i32) {
    let cal = exchange(code).unwrap();
    for date in all_days(year) {
        let want = CLOSED_2025_2027
            .iter()
            .find(|(x, _)| d(x) == date)
            .map(|(_, n)| n.to_string());
        match (cal.day(date).unwrap(), is_weekend(date)) {
            (Day::Closed { holiday, .. }, true) => assert_eq!(holiday, None, "{code} {date}"),
            (Day::Closed { holiday, .. }, false) => {
                assert!(
                    want.is_some(),
                    "{code} {date}: closed ({holiday:?}), want open"
                );
                assert_eq!(holiday, want, "{code} {date}");
            }
            (Day::Open(_), weekend) => assert!(
                !weekend && want.is_none(),
                "{code} {date}: open, want closed"
            ),
        }
    }
}

/// Exactly the tabled days close early at the tabled time; every other session is 09:30–16:00.
fn assert_sessions(code: &str, year: i32) {
    let cal = exchange(code).unwrap();
    for date in all_days(year) {
        let Day::Open(s) = cal.day(date).unwrap() else {
            continue;
        };
        let early = EARLY_2025_2027
            .iter()
            .find(|(x, _)| d(x) == date)
            .map(|(_, c)| t(c));
        assert_eq!(s.local_open, t("09:30"), "{code} {date}");
        assert_eq!(s.local_close, early.unwrap_or(t("16:00")), "{code} {date}");
        assert_eq!(
            s.special.is_some(),
            early.is_some(),
            "{code} {date}: {:?}",
            s.special
        );
        assert_eq!(s.lunch, None, "{code} {date}");
    }
}

#[test]
fn closures_2025_to_2027_are_exactly_the_published_ones() {
    for code in ["XNYS", "XNAS"] {
        for year in 2025..=2027 {
            assert_closures(code, year);
        }
    }
}

#[test]
fn early_closes_2025_to_2027_are_exactly_the_published_ones() {
    for code in ["XNYS", "XNAS"] {
        for year in 2025..=2027 {
            assert_sessions(code, year);
        }
    }
}

#[test]
fn trading_day_counts_2025_to_2027() {
    let cal = exchange("XNYS").unwrap();
    for (year, want) in [(2025, 250), (2026, 251), (2027, 251)] {
        let open = all_days(year)
            .filter(|x| matches!(cal.day(*x).unwrap(), Day::Open(_)))
            .count();
        assert_eq!(open, want, "{year}");
    }
}

#[test]
fn a_saturday_new_year_closes_nothing_on_the_friday_before() {
    // NYSE Rule 7.2: no holiday observed for New Year's Day 2022 (Saturday), nor 2028.
    assert_eq!(hours("XNYS", "2021-12-31"), (t("09:30"), t("16:00")));
    assert_eq!(hours("XNYS", "2027-12-31"), (t("09:30"), t("16:00")));
    assert_eq!(closed("XNYS", "2022-01-01"), None);
    assert_eq!(hours("XNYS", "2022-01-03"), (t("09:30"), t("16:00")));
}

#[test]
fn a_sunday_new_year_closes_the_monday() {
    assert_eq!(
        closed("XNYS", "2017-01-02").as_deref(),
        Some("New Year's Day (observed)")
    );
    assert_eq!(
        closed("XNYS", "2023-01-02").as_deref(),
        Some("New Year's Day (observed)")
    );
}

#[test]
fn juneteenth_starts_in_2022() {
    // Made a federal holiday on 2021-06-17; NYSE traded on Friday 2021-06-18.
    assert_eq!(hours("XNYS", "2021-06-18"), (t("09:30"), t("16:00")));
    assert_eq!(
        closed("XNYS", "2022-06-20").as_deref(),
        Some("Juneteenth National Independence Day (observed)")
    );
    assert_eq!(
        closed("XNYS", "2023-06-19").as_deref(),
        Some("Juneteenth National Independence Day")
    );
    assert_eq!(
        closed("XNYS", "2024-06-19").as_deref(),
        Some("Juneteenth National Independence Day")
    );
    assert_eq!(
        closed("XNYS", "2028-06-19").as_deref(),
        Some("Juneteenth National Independence Day")
    );
}

#[test]
fn national_days_of_mourning() {
    assert_eq!(
        closed("XNYS", "2018-12-05").as_deref(),
        Some("National Day of Mourning for President George H. W. Bush")
    );
    assert_eq!(
        closed("XNAS", "2025-01-09").as_deref(),
        Some("National Day of Mourning for former President Jimmy Carter")
    );
}

#[test]
fn spot_checks_in_other_years() {
    let holidays = [
        ("2015-07-03", "Independence Day (observed)"),
        ("2016-12-26", "Christmas Day (observed)"),
        ("2019-04-19", "Good Friday"),
        ("2020-07-03", "Independence Day (observed)"),
        ("2021-07-05", "Independence Day (observed)"),
        ("2021-12-24", "Christmas Day (observed)"),
        ("2022-12-26", "Christmas Day (observed)"),
        ("2024-03-29", "Good Friday"),
        ("2028-01-17", "Martin Luther King, Jr. Day"),
        ("2029-11-22", "Thanksgiving Day"),
        ("2030-04-19", "Good Friday"),
    ];
    for (date, name) in holidays {
        assert_eq!(closed("XNYS", date).as_deref(), Some(name), "{date}");
    }
    let early = [
        "2015-11-27",
        "2015-12-24",
        "2017-07-03",
        "2018-12-24",
        "2019-07-03",
        "2024-07-03",
        "2028-07-03",
        "2029-12-24",
        "2030-07-03",
    ];
    for date in early {
        assert_eq!(hours("XNYS", date), (t("09:30"), t("13:00")), "{date}");
    }
    // Jul 3 on a Monday to Thursday only; Dec 24 is a full day after a weekend.
    let full = [
        "2016-07-01",
        "2020-07-02",
        "2021-07-02",
        "2022-07-01",
        "2021-12-23",
        "2022-12-23",
        "2025-12-26",
        "2026-07-02",
    ];
    for date in full {
        assert_eq!(hours("XNYS", date), (t("09:30"), t("16:00")), "{date}");
    }
}

#[test]
fn nasdaq_equals_nyse_on_every_date() {
    let (nyse, nasdaq) = (exchange("XNYS").unwrap(), exchange("XNAS").unwrap());
    for date in d("2015-01-01")
        .iter_days()
        .take_while(|x| *x <= d("2030-12-31"))
    {
        assert_eq!(nasdaq.day(date).unwrap(), nyse.day(date).unwrap(), "{date}");
    }
}

#[test]
fn session_instants_follow_new_york_daylight_saving() {
    // US DST 2026: starts Sunday Mar 8, ends Sunday Nov 1.
    let cases = [
        ("2026-03-06", "2026-03-06T14:30:00Z", "2026-03-06T21:00:00Z"),
        ("2026-03-09", "2026-03-09T13:30:00Z", "2026-03-09T20:00:00Z"),
        ("2026-10-30", "2026-10-30T13:30:00Z", "2026-10-30T20:00:00Z"),
        ("2026-11-02", "2026-11-02T14:30:00Z", "2026-11-02T21:00:00Z"),
        ("2026-11-27", "2026-11-27T14:30:00Z", "2026-11-27T18:00:00Z"),
        ("2025-07-03", "2025-07-03T13:30:00Z", "2025-07-03T17:00:00Z"),
    ];
    for code in ["XNYS", "XNAS"] {
        for (date, open, close) in cases {
            let Day::Open(s) = day(code, date) else {
                panic!("{code} {date}: closed")
            };
            assert_eq!((s.open, s.close), (utc(open), utc(close)), "{code} {date}");
        }
    }
}

#[test]
fn dates_outside_coverage_are_errors_naming_code_and_coverage() {
    for code in ["XNYS", "XNAS"] {
        let cal = exchange(code).unwrap();
        for date in ["2014-12-31", "2031-01-02"] {
            let msg = cal.day(d(date)).unwrap_err().to_string();
            for part in [code, "2015-01-01", "2030-12-31", date] {
                assert!(msg.contains(part), "{msg:?} lacks {part}");
            }
        }
        assert!(cal.day(d("2015-01-02")).is_ok() && cal.day(d("2030-12-31")).is_ok());
    }
}

/// No closure after the last announced one is projected (issue 13, class 4): from 2027
/// every closure is an NYSE Rule 7.2 holiday, and the days a careless projection would
/// close trade.
#[test]
fn projected_but_unannounced_days_trade() {
    for code in ["XNYS", "XNAS"] {
        crate::support::market::assert_closures_only_named(
            code,
            2027..=2030,
            &[
                "New Year's Day",
                "Martin Luther King, Jr. Day",
                "Washington's Birthday",
                "Good Friday",
                "Memorial Day",
                "Juneteenth National Independence Day",
                "Independence Day",
                "Labor Day",
                "Thanksgiving Day",
                "Christmas Day",
            ],
        );
        crate::support::market::assert_trades(
            code,
            &[
                // New Year's Day 2028 is a Saturday: federal offices observe Friday,
                // NYSE Rule 7.2 does not.
                ("2027-12-31", "observed New Year's Day"),
                // Election days have not closed the exchange since 1980.
                ("2028-11-07", "presidential election day"),
                ("2030-11-05", "midterm election day"),
            ],
        );
    }
}
