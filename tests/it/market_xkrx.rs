//! The XKRX (Korea Exchange) calendar against published facts, written out by hand.
//!
//! Sources:
//! - KRX market holidays (휴장일), https://open.krx.co.kr/contents/MKD/01/0110/01100305/MKD01100305.jsp,
//!   and the KRX notices on trading hours for the first trading day and the CSAT.
//! - The government's holiday announcements: the Ministry of Personnel Management
//!   (인사혁신처) on temporary holidays and substitute holidays (e.g.
//!   https://www.korea.kr/news/policyNewsView.do?newsId=148919798 for 2023-10-02), the
//!   State Council decisions, and the Public Official Election Act art. 34.
//! - The Korea Astronomy and Space Science Institute (KASI) almanac 월력요항, which
//!   lists each year's public holidays, https://astro.kasi.re.kr/information/pageView/31.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use chrono::{Datelike, NaiveDate, NaiveTime, Timelike, Weekday};
use shipwindow::market::{Day, Exchange, Session, exchange};

fn xkrx() -> &'static Exchange {
    exchange("XKRX").expect("XKRX is built in")
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn time(s: &str) -> NaiveTime {
    NaiveTime::parse_from_str(s, "%H:%M").unwrap()
}

fn session(day: &str) -> Session {
    match xkrx().day(date(day)).unwrap() {
        Day::Open(s) => s,
        closed => panic!("{day}: want a session, got {closed:?}"),
    }
}

fn holiday(day: &str) -> String {
    match xkrx().day(date(day)).unwrap() {
        Day::Closed {
            holiday: Some(name),
            ..
        } => name,
        other => panic!("{day}: want a holiday, got {other:?}"),
    }
}

/// Every weekday of `year` on which KRX is closed, with its name. A weekday is either
/// a named closure or a session, so this list also fixes the open days.
fn closed_weekdays(year: i32) -> Vec<(NaiveDate, String)> {
    let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
    first
        .iter_days()
        .take_while(|d| d.year() == year)
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .filter_map(|d| match xkrx().day(d).unwrap() {
            Day::Closed {
                holiday: Some(name),
                ..
            } => Some((d, name)),
            Day::Closed { holiday: None, .. } => panic!("{d}: a weekday closed without a name"),
            Day::Open(_) => None,
        })
        .collect()
}

fn assert_closed_weekdays(year: i32, want: &[(&str, &str)]) {
    let want: Vec<(NaiveDate, String)> =
        want.iter().map(|(d, n)| (date(d), n.to_string())).collect();
    assert_eq!(
        closed_weekdays(year),
        want,
        "XKRX weekday closures of {year}"
    );
}

/// 2025: the KRX 2025 holiday notice, with the temporary holiday of 2025-01-27
/// (State Council, 2025-01-14) and the presidential election of 2025-06-03 (State
/// Council, 2025-04-08; KRX notice of 2025-05-20) added during the year.
#[test]
fn weekday_closures_2025() {
    assert_closed_weekdays(
        2025,
        &[
            ("2025-01-01", "New Year's Day"),
            ("2025-01-27", "Temporary holiday"),
            ("2025-01-28", "Seollal"),
            ("2025-01-29", "Seollal"),
            ("2025-01-30", "Seollal"),
            (
                "2025-03-03",
                "Substitute holiday for Independence Movement Day",
            ),
            ("2025-05-01", "Labor Day"),
            ("2025-05-05", "Children's Day; Buddha's Birthday"),
            (
                "2025-05-06",
                "Substitute holiday for Children's Day and Buddha's Birthday",
            ),
            ("2025-06-03", "Presidential election"),
            ("2025-06-06", "Memorial Day"),
            ("2025-08-15", "Liberation Day"),
            ("2025-10-03", "National Foundation Day"),
            ("2025-10-06", "Chuseok"),
            ("2025-10-07", "Chuseok"),
            ("2025-10-08", "Substitute holiday for Chuseok"),
            ("2025-10-09", "Hangul Day"),
            ("2025-12-25", "Christmas Day"),
            ("2025-12-31", "Year-end closing"),
        ],
    );
}

/// 2026: the KRX 2026 holiday notice and the KASI 2026 almanac, with the 9th local
/// elections (Election Act art. 34) and Constitution Day, a public holiday again from
/// 2026 (Public Holidays Act amendment passed 2026-01-29). Memorial Day falls on a
/// Saturday and is never substituted.
#[test]
fn weekday_closures_2026() {
    assert_closed_weekdays(
        2026,
        &[
            ("2026-01-01", "New Year's Day"),
            ("2026-02-16", "Seollal"),
            ("2026-02-17", "Seollal"),
            ("2026-02-18", "Seollal"),
            (
                "2026-03-02",
                "Substitute holiday for Independence Movement Day",
            ),
            ("2026-05-01", "Labor Day"),
            ("2026-05-05", "Children's Day"),
            ("2026-05-25", "Substitute holiday for Buddha's Birthday"),
            ("2026-06-03", "Local election"),
            ("2026-07-17", "Constitution Day"),
            ("2026-08-17", "Substitute holiday for Liberation Day"),
            ("2026-09-24", "Chuseok"),
            ("2026-09-25", "Chuseok"),
            (
                "2026-10-05",
                "Substitute holiday for National Foundation Day",
            ),
            ("2026-10-09", "Hangul Day"),
            ("2026-12-25", "Christmas Day"),
            ("2026-12-31", "Year-end closing"),
        ],
    );
}

/// 2027: KRX's own 2027 notice comes out in December 2026, so this year is derived
/// from published facts rather than copied: the KASI 2027 almanac's lunar dates and
/// public holidays, the substitute law (Constitution Day falls on a Saturday and, as a
/// national day, gets a substitute), and KRX's standing closures (Labor Day, year-end).
/// Labor Day also falls on a Saturday, but no substitute for it is confirmed in force,
/// so Monday 2027-05-03 trades.
#[test]
fn weekday_closures_2027() {
    assert_closed_weekdays(
        2027,
        &[
            ("2027-01-01", "New Year's Day"),
            ("2027-02-08", "Seollal"),
            ("2027-02-09", "Substitute holiday for Seollal"),
            ("2027-03-01", "Independence Movement Day"),
            ("2027-05-05", "Children's Day"),
            ("2027-05-13", "Buddha's Birthday"),
            ("2027-07-19", "Substitute holiday for Constitution Day"),
            ("2027-08-16", "Substitute holiday for Liberation Day"),
            ("2027-09-14", "Chuseok"),
            ("2027-09-15", "Chuseok"),
            ("2027-09-16", "Chuseok"),
            (
                "2027-10-04",
                "Substitute holiday for National Foundation Day",
            ),
            ("2027-10-11", "Substitute holiday for Hangul Day"),
            ("2027-12-27", "Substitute holiday for Christmas Day"),
            ("2027-12-31", "Year-end closing"),
        ],
    );
}

/// One-off closures and elections in other years, each from the KRX closure notice
/// and the government decision behind it.
#[test]
fn one_off_closures_in_other_years() {
    let want = [
        // 70th anniversary of Liberation; State Council 2015-08-04
        ("2015-08-14", "Temporary holiday"),
        // State Council 2016-04-28; KRX notice of the same day
        ("2016-05-06", "Temporary holiday"),
        // 19th presidential (early) election
        ("2017-05-09", "Presidential election"),
        // State Council 2017-09-05 (인사혁신처)
        ("2017-10-02", "Temporary holiday"),
        // State Council 2020-07-21; KRX notice of 2020-07-30
        ("2020-08-17", "Temporary holiday"),
        // 20th presidential election
        ("2022-03-09", "Presidential election"),
        // State Council 2023-09-05 (인사혁신처)
        ("2023-10-02", "Temporary holiday"),
        // 22nd National Assembly election
        ("2024-04-10", "National Assembly election"),
        // Armed Forces Day; State Council 2024-09-03; KRX notice of 2024-09-10
        ("2024-10-01", "Armed Forces Day (temporary holiday)"),
    ];
    for (day, name) in want {
        assert_eq!(holiday(day), name, "{day}");
    }
}

/// The substitute law in the years around its changes (인사혁신처 announcements):
/// Seollal and Chuseok only for a Sunday or an overlap; Mar 1, Aug 15, Oct 3 and Oct 9
/// from 2021-08-04; Buddha's Birthday and Christmas from 2023-05-04.
#[test]
fn substitute_holidays_follow_the_law_of_the_day() {
    let substitutes = [
        ("2015-09-29", "Substitute holiday for Chuseok"),
        ("2016-02-10", "Substitute holiday for Seollal"),
        // Oct 3 was also the day before Chuseok: one substitute.
        ("2017-10-06", "Substitute holiday for Chuseok"),
        ("2018-05-07", "Substitute holiday for Children's Day"),
        ("2021-08-16", "Substitute holiday for Liberation Day"),
        ("2022-10-10", "Substitute holiday for Hangul Day"),
        ("2023-05-29", "Substitute holiday for Buddha's Birthday"),
    ];
    for (day, name) in substitutes {
        assert_eq!(holiday(day), name, "{day}");
    }
    let open_mondays = [
        // Chuseok 2019 ended on Saturday the 14th: a Saturday gives no substitute.
        "2019-09-16",
        // Oct 3, 2020 was a Saturday, before the national days had substitutes.
        "2020-10-05",
        // Christmas 2022 was a Sunday, before Christmas had a substitute.
        "2022-12-26",
        // Memorial Day 2026 is a Saturday and is never substituted.
        "2026-06-08",
    ];
    for day in open_mondays {
        assert_eq!(session(day).special, None, "{day}");
    }
}

#[test]
fn the_first_trading_day_opens_at_ten() {
    for (day, close) in [
        ("2015-01-02", "15:00"),
        ("2016-01-04", "15:00"),
        ("2025-01-02", "15:30"),
        ("2026-01-02", "15:30"),
        ("2027-01-04", "15:30"),
    ] {
        let s = session(day);
        assert_eq!(
            (s.local_open, s.local_close),
            (time("10:00"), time(close)),
            "{day}"
        );
        assert!(s.special.is_some(), "{day}: a special session");
    }
    // 10:00 in Seoul (UTC+9, no DST) is 01:00 UTC.
    assert_eq!(session("2026-01-02").open.hour(), 1);
}

/// CSAT days: KRX notices for each exam ("수능일 증권시장 거래시간 1시간 순연"),
/// including the originally announced 2017-11-16, kept after the exam moved to the
/// 23rd. Under the pre-2016-08 hours the close moved from 15:00 to 16:00.
#[test]
fn csat_days_shift_the_session_by_an_hour() {
    for (day, open, close) in [
        ("2015-11-12", "10:00", "16:00"),
        ("2017-11-16", "10:00", "16:30"),
        ("2017-11-23", "10:00", "16:30"),
        ("2024-11-14", "10:00", "16:30"),
        ("2025-11-13", "10:00", "16:30"),
        ("2026-11-19", "10:00", "16:30"),
    ] {
        let s = session(day);
        assert_eq!(
            (s.local_open, s.local_close),
            (time(open), time(close)),
            "{day}"
        );
        assert!(s.special.is_some(), "{day}: a special session");
    }
}

/// Exam dates from 2027 on are not published, so the calendar has none: every
/// November and December session from 2027 on keeps the regular hours.
#[test]
fn no_csat_day_is_guessed_after_2026() {
    for year in 2027..=2030 {
        let from = NaiveDate::from_ymd_opt(year, 11, 1).unwrap();
        let to = NaiveDate::from_ymd_opt(year, 12, 31).unwrap();
        for day in xkrx().days(from, to).unwrap() {
            if let Day::Open(s) = day {
                assert_eq!(
                    (s.local_open, s.special),
                    (time("09:00"), None),
                    "{}",
                    s.date
                );
            }
        }
    }
}

/// 09:00–15:00 until 2016-07-29; 09:00–15:30 from 2016-08-01 (FSC/KRX extension);
/// never a midday break.
#[test]
fn regular_hours_and_the_2016_extension() {
    for (day, close) in [
        ("2015-03-03", "15:00"),
        ("2016-07-29", "15:00"),
        ("2016-08-01", "15:30"),
        ("2026-03-03", "15:30"),
    ] {
        let s = session(day);
        assert_eq!(
            (s.local_open, s.local_close),
            (time("09:00"), time(close)),
            "{day}"
        );
        assert_eq!((s.lunch, s.special), (None, None), "{day}");
    }
    assert_eq!(xkrx().current_hours().close, time("15:30"));
    assert_eq!(xkrx().zone, chrono_tz::Asia::Seoul);
}

/// Dec 31, or the business day before when Dec 31 is a weekend (KRX market business
/// regulation; KRX notices for 2022, 2023 and 2028's calendar).
#[test]
fn the_year_end_closing_moves_back_from_a_weekend() {
    for (day, day_before) in [
        ("2022-12-30", "2022-12-29"),
        ("2023-12-29", "2023-12-28"),
        ("2028-12-29", "2028-12-28"),
    ] {
        assert_eq!(holiday(day), "Year-end closing", "{day}");
        assert_eq!(session(day_before).special, None, "{day_before}");
    }
    assert_eq!(holiday("2025-12-31"), "Year-end closing");
}

#[test]
fn dates_outside_coverage_are_errors() {
    for day in ["2014-12-31", "2031-01-02"] {
        let err = xkrx().day(date(day)).unwrap_err();
        let msg = err.to_string();
        for part in ["XKRX", "2015-01-01", "2030-12-31", day] {
            assert!(msg.contains(part), "{msg:?} should name {part}");
        }
    }
    assert!(xkrx().day(date("2015-01-01")).is_ok());
    assert!(xkrx().day(date("2030-12-31")).is_ok());
}

/// Days a projection would close but no statute, decree or KRX notice does (issue 13,
/// class 4): the calendar leaves them open, so a market rule blocks them. Each can be
/// added with `extra_closed` once it is announced.
#[test]
fn projected_but_unannounced_days_trade() {
    crate::support::market::assert_trades(
        "XKRX",
        &[
            // May 1 falls on a Saturday; no Labor Day substitute rule is confirmed.
            ("2027-05-03", "Labor Day substitute"),
            // Election Act art. 34's date only if the president serves the full term.
            ("2030-03-27", "22nd presidential election"),
        ],
    );
    // The closures around them that law or KRX rules do establish stay closed.
    assert_eq!(holiday("2029-05-01"), "Labor Day");
    assert_eq!(
        holiday("2027-07-19"),
        "Substitute holiday for Constitution Day"
    );
    assert_eq!(holiday("2028-04-12"), "National Assembly election");
    assert_eq!(holiday("2030-06-12"), "Local election");
}
