//! XHKG (Hong Kong Exchanges) against hand-written tables of published facts.
//!
//! Sources:
//! - Hong Kong general holidays, gazetted each year (names as published):
//!   https://www.gov.hk/en/about/abouthk/holiday/ ;
//! - HKEX trading calendar and trading hours (no afternoon session on the eves of
//!   Christmas, New Year and Lunar New Year):
//!   https://www.hkex.com.hk/Services/Trading-hours-and-Severe-Weather-Arrangements ;
//! - Hong Kong Observatory calendar for the lunar dates of years not yet gazetted:
//!   https://www.hko.gov.hk/en/gts/time/conversion.htm ;
//! - HKEX notices of whole-day trading cancellations for typhoon signal 8 / black
//!   rainstorm (until Severe Weather Trading began on 2024-09-23).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::market as common;

use chrono::{NaiveDate, NaiveTime};
use shipwindow::market::{Day, Session, exchange};

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn hm(s: &str) -> NaiveTime {
    NaiveTime::parse_from_str(s, "%H:%M").unwrap()
}

fn day(s: &str) -> Day {
    exchange("XHKG").unwrap().day(date(s)).unwrap()
}

fn session(s: &str) -> Session {
    match day(s) {
        Day::Open(session) => session,
        other => panic!("{s}: {other:?}"),
    }
}

/// The holiday name if `s` is a closed day with one, `None` if it trades.
fn closed(s: &str) -> Option<String> {
    match day(s) {
        Day::Closed { holiday, .. } => Some(holiday.expect("a weekday closure has a name")),
        Day::Open(_) => None,
    }
}

const SAR_DAY: &str = "Hong Kong Special Administrative Region Establishment Day";

#[test]
fn closed_weekdays_2025() {
    common::assert_closed_weekdays(
        "XHKG",
        2025,
        &[
            ("2025-01-01", "The first day of January"),
            ("2025-01-29", "Lunar New Year's Day"),
            ("2025-01-30", "The second day of Lunar New Year"),
            ("2025-01-31", "The third day of Lunar New Year"),
            ("2025-04-04", "Ching Ming Festival"),
            ("2025-04-18", "Good Friday"),
            ("2025-04-21", "Easter Monday"),
            ("2025-05-01", "Labour Day"),
            ("2025-05-05", "The Birthday of the Buddha"),
            // Tuen Ng Festival is Saturday 05-31: no weekday closure.
            ("2025-07-01", SAR_DAY),
            ("2025-10-01", "National Day"),
            (
                "2025-10-07",
                "The day following the Chinese Mid-Autumn Festival",
            ),
            ("2025-10-29", "Chung Yeung Festival"),
            ("2025-12-25", "Christmas Day"),
            ("2025-12-26", "The first weekday after Christmas Day"),
        ],
    );
}

#[test]
fn closed_weekdays_2026() {
    common::assert_closed_weekdays(
        "XHKG",
        2026,
        &[
            ("2026-01-01", "The first day of January"),
            ("2026-02-17", "Lunar New Year's Day"),
            ("2026-02-18", "The second day of Lunar New Year"),
            ("2026-02-19", "The third day of Lunar New Year"),
            ("2026-04-03", "Good Friday"),
            // Ching Ming falls on Easter Sunday 04-05.
            ("2026-04-06", "The day following Ching Ming Festival"),
            ("2026-04-07", "The day following Easter Monday"),
            ("2026-05-01", "Labour Day"),
            ("2026-05-25", "The day following the Birthday of the Buddha"),
            ("2026-06-19", "Tuen Ng Festival"),
            ("2026-07-01", SAR_DAY),
            // The day after Mid-Autumn is Saturday 09-26: Saturdays are not substituted.
            ("2026-10-01", "National Day"),
            ("2026-10-19", "The day following Chung Yeung Festival"),
            ("2026-12-25", "Christmas Day"),
            // The first weekday after Christmas is Saturday 12-26.
        ],
    );
}

#[test]
fn closed_weekdays_2027() {
    common::assert_closed_weekdays(
        "XHKG",
        2027,
        &[
            ("2027-01-01", "The first day of January"),
            // Lunar New Year's Day is Saturday 02-06, the second day Sunday 02-07.
            ("2027-02-08", "The third day of Lunar New Year"),
            ("2027-02-09", "The fourth day of Lunar New Year"),
            ("2027-03-26", "Good Friday"),
            ("2027-03-29", "Easter Monday"),
            ("2027-04-05", "Ching Ming Festival"),
            ("2027-05-13", "The Birthday of the Buddha"),
            ("2027-06-09", "Tuen Ng Festival"),
            ("2027-07-01", SAR_DAY),
            (
                "2027-09-16",
                "The day following the Chinese Mid-Autumn Festival",
            ),
            ("2027-10-01", "National Day"),
            ("2027-10-08", "Chung Yeung Festival"),
            // Christmas Day is Saturday 12-25.
            ("2027-12-27", "The first weekday after Christmas Day"),
        ],
    );
}

#[test]
fn half_days_2025_to_2027() {
    let mut got = Vec::new();
    for year in 2025..=2027 {
        for d in common::year_days("XHKG", year) {
            if let Day::Open(s) = d
                && let Some(name) = s.special
            {
                assert_eq!(
                    (s.local_open, s.local_close),
                    (hm("09:30"), hm("12:00")),
                    "{}",
                    s.date
                );
                got.push((s.date.to_string(), name));
            }
        }
    }
    let want = [
        ("2025-01-28", "Lunar New Year's Eve"),
        ("2025-12-24", "Christmas Eve"),
        ("2025-12-31", "New Year's Eve"),
        ("2026-02-16", "Lunar New Year's Eve"),
        ("2026-12-24", "Christmas Eve"),
        ("2026-12-31", "New Year's Eve"),
        ("2027-02-05", "Lunar New Year's Eve"),
        ("2027-12-24", "Christmas Eve"),
        ("2027-12-31", "New Year's Eve"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(d, n)| (d.to_string(), n.to_string()))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn no_half_day_when_the_eve_is_a_weekend() {
    // Lunar New Year's Eve 2023-01-21 and 2030-02-02 are Saturdays; nothing moves.
    for d in ["2023-01-20", "2030-02-01", "2022-12-23", "2023-12-29"] {
        assert!(session(d).special.is_none(), "{d} is a full day");
    }
}

#[test]
fn a_half_day_has_no_lunch_break_and_a_regular_day_does() {
    let half = session("2025-12-24");
    assert_eq!(half.local_close, hm("12:00"));
    assert!(half.lunch.is_none());
    let regular = session("2025-12-23");
    assert_eq!(
        (regular.local_open, regular.local_close),
        (hm("09:30"), hm("16:00"))
    );
    let lunch = regular.lunch.expect("a midday break");
    let local =
        |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&chrono_tz::Asia::Hong_Kong).time();
    assert_eq!(
        (local(lunch.start), local(lunch.end)),
        (hm("12:00"), hm("13:00"))
    );
}

#[test]
fn lunar_new_year_day_four_replaces_a_sunday() {
    // One of the first three days is a Sunday in each of these years.
    for d in [
        "2017-01-31",
        "2018-02-19",
        "2020-01-28",
        "2021-02-15",
        "2023-01-25",
        "2024-02-13",
        "2027-02-09",
        "2030-02-06",
    ] {
        assert_eq!(
            closed(d).as_deref(),
            Some("The fourth day of Lunar New Year"),
            "{d}"
        );
    }
    // No Sunday among the first three days: the fourth day trades.
    assert_eq!(closed("2026-02-20"), None);
    assert_eq!(closed("2019-02-08"), None);
}

#[test]
fn day_after_mid_autumn_on_a_sunday_moves_to_monday() {
    for d in ["2022-09-12", "2029-09-24"] {
        assert_eq!(
            closed(d).as_deref(),
            Some("The second day following the Chinese Mid-Autumn Festival"),
            "{d}"
        );
    }
    assert_eq!(
        closed("2020-10-02").as_deref(),
        Some("The day following the Chinese Mid-Autumn Festival")
    );
}

#[test]
fn ching_ming_on_easter_sunday_closes_the_tuesday_too() {
    for (monday, tuesday) in [("2015-04-06", "2015-04-07"), ("2021-04-05", "2021-04-06")] {
        assert_eq!(
            closed(monday).as_deref(),
            Some("The day following Ching Ming Festival")
        );
        assert_eq!(
            closed(tuesday).as_deref(),
            Some("The day following Easter Monday")
        );
    }
}

#[test]
fn christmas_weekdays() {
    // Sunday Christmas: Monday and Tuesday closed.
    assert_eq!(
        closed("2022-12-26").as_deref(),
        Some("The first weekday after Christmas Day")
    );
    assert_eq!(
        closed("2022-12-27").as_deref(),
        Some("The second weekday after Christmas Day")
    );
    // Friday Christmas: the first weekday after is Saturday, so Monday trades.
    assert_eq!(closed("2020-12-28"), None);
}

#[test]
fn one_off_and_historical_weather_closures() {
    assert!(closed("2015-09-03").unwrap().contains("70th anniversary"));
    let weather = [
        "2016-08-02",
        "2016-10-21",
        "2017-08-23",
        "2020-10-13",
        "2021-10-13",
        "2023-07-17",
        "2023-09-01",
        "2023-09-08",
        "2024-09-06",
    ];
    for d in weather {
        let name = closed(d).unwrap();
        assert!(
            name.contains("Signal No.") || name.contains("Rainstorm"),
            "{d}: {name}"
        );
    }
}

#[test]
fn outside_coverage_is_an_error_naming_code_and_coverage() {
    let cal = exchange("XHKG").unwrap();
    for d in ["2014-12-31", "2031-01-02"] {
        let err = cal.day(date(d)).expect_err(d).to_string();
        for part in ["XHKG", "2015-01-01", "2030-12-31", d] {
            assert!(err.contains(part), "{err:?} lacks {part}");
        }
    }
}

/// No closure beyond the General Holidays Ordinance (Cap. 149) is projected (issue 13,
/// class 4): from 2027 every closure is a general holiday or its substitute; no one-off
/// holiday and no severe-weather closure (HKEX trades through it since 2024-09-23).
#[test]
fn projected_but_unannounced_days_trade() {
    common::assert_closures_only_named(
        "XHKG",
        2027..=2030,
        &[
            "The first day of January",
            "The day following the first day of January",
            "Lunar New Year's Day",
            "The second day of Lunar New Year",
            "The third day of Lunar New Year",
            "The fourth day of Lunar New Year",
            "Ching Ming Festival",
            "The day following Ching Ming Festival",
            "Good Friday",
            "The day following Good Friday",
            "The second day following Good Friday",
            "Easter Monday",
            "The day following Easter Monday",
            "Labour Day",
            "The day following Labour Day",
            "The Birthday of the Buddha",
            "The day following the Birthday of the Buddha",
            "Tuen Ng Festival",
            "The day following Tuen Ng Festival",
            "Hong Kong Special Administrative Region Establishment Day",
            "The day following Hong Kong Special Administrative Region Establishment Day",
            "The day following the Chinese Mid-Autumn Festival",
            "The second day following the Chinese Mid-Autumn Festival",
            "National Day",
            "The day following National Day",
            "Chung Yeung Festival",
            "The day following Chung Yeung Festival",
            "Christmas Day",
            "The first weekday after Christmas Day",
            "The second weekday after Christmas Day",
        ],
    );
    common::assert_trades(
        "XHKG",
        &[
            // The 2015 commemorative holiday was a one-off; none is gazetted after it.
            ("2030-09-03", "an anniversary holiday"),
            // Lunar New Year's Eve is a half day, not a closure.
            ("2028-01-25", "Lunar New Year's Eve"),
        ],
    );
}
