//! The London Stock Exchange (XLON) calendar against published facts.
//!
//! Sources for the tables below:
//! - UK Government, "UK bank holidays" (gov.uk/bank-holidays), England and Wales: the
//!   dates and names of the bank holidays 2025–2027, the substitute days, and the
//!   proclaimed ones (2020 VE Day move, 2022 Platinum Jubilee, 2022 State Funeral of
//!   Queen Elizabeth II, 2023 coronation of King Charles III);
//! - London Stock Exchange business days notices (londonstockexchange.com, "Business
//!   days"), which list the same market holidays and the 12:30 early closes on the last
//!   business day before Christmas and the last business day of the year (e.g. Friday
//!   22 and Friday 29 December 2023).

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

fn day(date: &str) -> Day {
    exchange("XLON")
        .unwrap()
        .day(d(date))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The holiday name if `date` is a named closure, and fails if it is open.
fn closed(date: &str) -> Option<String> {
    match day(date) {
        Day::Closed { holiday, .. } => holiday,
        Day::Open(s) => panic!(
            "{date}: open {}-{}, want closed",
            s.local_open, s.local_close
        ),
    }
}

/// The local open and close, and fails if `date` is closed.
fn hours(date: &str) -> (NaiveTime, NaiveTime) {
    match day(date) {
        Day::Open(s) => (s.local_open, s.local_close),
        Day::Closed { holiday, .. } => panic!("{date}: closed ({holiday:?}), want open"),
    }
}

/// Every weekday closure (England and Wales bank holiday) for 2025–2027, with its name.
const CLOSED_2025_2027: &[(&str, &str)] = &[
    ("2025-01-01", "New Year's Day"),
    ("2025-04-18", "Good Friday"),
    ("2025-04-21", "Easter Monday"),
    ("2025-05-05", "Early May bank holiday"),
    ("2025-05-26", "Spring bank holiday"),
    ("2025-08-25", "Summer bank holiday"),
    ("2025-12-25", "Christmas Day"),
    ("2025-12-26", "Boxing Day"),
    ("2026-01-01", "New Year's Day"),
    ("2026-04-03", "Good Friday"),
    ("2026-04-06", "Easter Monday"),
    ("2026-05-04", "Early May bank holiday"),
    ("2026-05-25", "Spring bank holiday"),
    ("2026-08-31", "Summer bank holiday"),
    ("2026-12-25", "Christmas Day"),
    ("2026-12-28", "Boxing Day (substitute day)"),
    ("2027-01-01", "New Year's Day"),
    ("2027-03-26", "Good Friday"),
    ("2027-03-29", "Easter Monday"),
    ("2027-05-03", "Early May bank holiday"),
    ("2027-05-31", "Spring bank holiday"),
    ("2027-08-30", "Summer bank holiday"),
    ("2027-12-27", "Christmas Day (substitute day)"),
    ("2027-12-28", "Boxing Day (substitute day)"),
];

/// Every 12:30 early close for 2025–2027.
const EARLY_2025_2027: &[(&str, &str)] = &[
    ("2025-12-24", "12:30"),
    ("2025-12-31", "12:30"),
    ("2026-12-24", "12:30"),
    ("2026-12-31", "12:30"),
    ("2027-12-24", "12:30"),
    ("2027-12-31", "12:30"),
];

fn all_days(year: i32) -> impl Iterator<Item = NaiveDate> {
    let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
    first.iter_days().take_while(move |x| x.year() == year)
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

#[test]
fn closures_2025_to_2027_are_exactly_the_published_ones() {
    let cal = exchange("XLON").unwrap();
    for date in (2025..=2027).flat_map(all_days) {
        let want = CLOSED_2025_2027
            .iter()
            .find(|(x, _)| d(x) == date)
            .map(|(_, n)| n.to_string());
        match (cal.day(date).unwrap(), is_weekend(date)) {
            (Day::Closed { holiday, .. }, true) => assert_eq!(holiday, None, "{date}"),
            (Day::Closed { holiday, .. }, false) => {
                assert!(want.is_some(), "{date}: closed ({holiday:?}), want open");
                assert_eq!(holiday, want, "{date}");
            }
            (Day::Open(_), weekend) => {
                assert!(!weekend && want.is_none(), "{date}: open, want closed");
            }
        }
    }
}

#[test]
fn early_closes_2025_to_2027_are_exactly_the_published_ones() {
    let cal = exchange("XLON").unwrap();
    for date in (2025..=2027).flat_map(all_days) {
        let Day::Open(s) = cal.day(date).unwrap() else {
            continue;
        };
        let early = EARLY_2025_2027
            .iter()
            .find(|(x, _)| d(x) == date)
            .map(|(_, c)| t(c));
        assert_eq!(s.local_open, t("08:00"), "{date}");
        assert_eq!(s.local_close, early.unwrap_or(t("16:30")), "{date}");
        assert_eq!(
            s.special.is_some(),
            early.is_some(),
            "{date}: {:?}",
            s.special
        );
        assert_eq!(s.lunch, None, "{date}");
    }
}

#[test]
fn trading_day_counts_2025_to_2027() {
    let cal = exchange("XLON").unwrap();
    for year in 2025..=2027 {
        let open = all_days(year)
            .filter(|x| matches!(cal.day(*x).unwrap(), Day::Open(_)))
            .count();
        assert_eq!(open, 253, "{year}");
    }
}

#[test]
fn proclaimed_bank_holidays() {
    // 2020: the early May bank holiday moved to Friday 8 May (75th anniversary of VE Day).
    assert_eq!(
        closed("2020-05-08").as_deref(),
        Some("Early May bank holiday (VE day)")
    );
    assert_eq!(hours("2020-05-04"), (t("08:00"), t("16:30")));
    // 2022: the spring bank holiday moved to Thursday 2 June, plus Friday 3 June.
    assert_eq!(closed("2022-06-02").as_deref(), Some("Spring bank holiday"));
    assert_eq!(
        closed("2022-06-03").as_deref(),
        Some("Platinum Jubilee bank holiday")
    );
    assert_eq!(hours("2022-05-30"), (t("08:00"), t("16:30")));
    assert_eq!(
        closed("2022-09-19").as_deref(),
        Some("Bank holiday for the State Funeral of Queen Elizabeth II")
    );
    assert_eq!(
        closed("2023-05-08").as_deref(),
        Some("Bank holiday for the coronation of King Charles III")
    );
    assert_eq!(
        closed("2023-05-01").as_deref(),
        Some("Early May bank holiday")
    );
}

#[test]
fn weekend_christmas_and_new_year_substitutes() {
    let cases = [
        ("2015-12-28", "Boxing Day (substitute day)"),
        ("2016-12-26", "Boxing Day"),
        ("2016-12-27", "Christmas Day (substitute day)"),
        ("2017-01-02", "New Year's Day (substitute day)"),
        ("2021-12-27", "Christmas Day (substitute day)"),
        ("2021-12-28", "Boxing Day (substitute day)"),
        ("2022-01-03", "New Year's Day (substitute day)"),
        ("2022-12-27", "Christmas Day (substitute day)"),
        ("2028-01-03", "New Year's Day (substitute day)"),
    ];
    for (date, name) in cases {
        assert_eq!(closed(date).as_deref(), Some(name), "{date}");
    }
    // England and Wales only: Jan 2 (a Scottish bank holiday) trades.
    assert_eq!(hours("2029-01-02"), (t("08:00"), t("16:30")));
}

#[test]
fn early_closes_move_to_the_friday_before_a_weekend() {
    let early = [
        "2016-12-23",
        "2016-12-30",
        "2017-12-22",
        "2017-12-29",
        "2022-12-23",
        "2022-12-30",
        "2023-12-22",
        "2023-12-29",
        "2028-12-22",
        "2028-12-29",
    ];
    for date in early {
        assert_eq!(hours(date), (t("08:00"), t("12:30")), "{date}");
    }
    for date in [
        "2015-12-24",
        "2019-12-31",
        "2021-12-24",
        "2021-12-31",
        "2029-12-24",
        "2030-12-31",
    ] {
        assert_eq!(hours(date), (t("08:00"), t("12:30")), "{date}");
    }
    // The days after a moved early close trade normally.
    for date in ["2022-12-28", "2022-12-29", "2023-12-27", "2023-12-28"] {
        assert_eq!(hours(date), (t("08:00"), t("16:30")), "{date}");
    }
}

#[test]
fn spot_checks_in_other_years() {
    let cases = [
        ("2015-04-06", "Easter Monday"),
        ("2018-05-07", "Early May bank holiday"),
        ("2019-08-26", "Summer bank holiday"),
        ("2024-03-29", "Good Friday"),
        ("2029-05-28", "Spring bank holiday"),
        ("2030-04-22", "Easter Monday"),
    ];
    for (date, name) in cases {
        assert_eq!(closed(date).as_deref(), Some(name), "{date}");
    }
}

#[test]
fn session_instants_follow_london_summer_time() {
    // BST 2026: starts Sunday Mar 29, ends Sunday Oct 25.
    let cases = [
        ("2026-03-27", "2026-03-27T08:00:00Z", "2026-03-27T16:30:00Z"),
        ("2026-03-30", "2026-03-30T07:00:00Z", "2026-03-30T15:30:00Z"),
        ("2026-10-23", "2026-10-23T07:00:00Z", "2026-10-23T15:30:00Z"),
        ("2026-10-26", "2026-10-26T08:00:00Z", "2026-10-26T16:30:00Z"),
        ("2026-12-24", "2026-12-24T08:00:00Z", "2026-12-24T12:30:00Z"),
    ];
    for (date, open, close) in cases {
        let Day::Open(s) = day(date) else {
            panic!("{date}: closed")
        };
        assert_eq!((s.open, s.close), (utc(open), utc(close)), "{date}");
    }
}

#[test]
fn dates_outside_coverage_are_errors_naming_code_and_coverage() {
    let cal = exchange("XLON").unwrap();
    for date in ["2014-12-31", "2031-01-02"] {
        let msg = cal.day(d(date)).unwrap_err().to_string();
        for part in ["XLON", "2015-01-01", "2030-12-31", date] {
            assert!(msg.contains(part), "{msg:?} lacks {part}");
        }
    }
    assert!(cal.day(d("2015-01-02")).is_ok() && cal.day(d("2030-12-31")).is_ok());
}

/// No closure after the last proclamation is projected (issue 13, class 4): from 2027
/// every closure is a bank holiday of the Banking and Financial Dealings Act 1971
/// schedule (or its substitute day), and no one-off bank holiday is assumed.
#[test]
fn projected_but_unannounced_days_trade() {
    crate::support::market::assert_closures_only_named(
        "XLON",
        2027..=2030,
        &[
            "New Year's Day",
            "Good Friday",
            "Easter Monday",
            "Early May bank holiday",
            "Spring bank holiday",
            "Summer bank holiday",
            "Christmas Day",
            "Boxing Day",
        ],
    );
    crate::support::market::assert_trades(
        "XLON",
        &[
            // No anniversary bank holiday is proclaimed (2020 and 2023 had one-offs).
            ("2030-05-08", "VE Day 85th anniversary"),
            ("2028-06-02", "a jubilee-style extra day"),
        ],
    );
}
