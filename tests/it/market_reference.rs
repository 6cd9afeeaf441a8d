//! Every date 2015–2030 of every built-in calendar against a reference schedule:
//! `tests/fixtures/markets/<CODE>.sessions.csv` (each trading day's local open,
//! break and close) and `<CODE>.closures.csv` (each weekday closure).
//!
//! The reference is the schedule of the Python package `exchange_calendars` 4.13.2
//! (Apache-2.0), dumped once, with the corrections listed in
//! `tests/fixtures/markets/README.md` applied by hand from exchange notices. The
//! crate computes its calendars from rules and its own dated tables; this test only
//! compares, so neither Python nor the package is needed to run it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use chrono::{NaiveDate, NaiveTime};
use shipwindow::market::{Day, exchange};
use std::collections::BTreeMap;
use std::path::Path;

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/markets")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn time(s: &str) -> Option<NaiveTime> {
    (!s.is_empty()).then(|| NaiveTime::parse_from_str(s, "%H:%M").unwrap())
}

/// A reference session's local open, break start, break end and close.
type RefSession = (
    Option<NaiveTime>,
    Option<NaiveTime>,
    Option<NaiveTime>,
    Option<NaiveTime>,
);

/// Compares one calendar with its reference; returns every difference.
fn differences(code: &str) -> Vec<String> {
    let cal = exchange(code).unwrap();
    let mut want_open: BTreeMap<NaiveDate, RefSession> = BTreeMap::new();
    for line in fixture(&format!("{code}.sessions.csv")).lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let date = NaiveDate::parse_from_str(f[0], "%Y-%m-%d").unwrap();
        want_open.insert(date, (time(f[1]), time(f[2]), time(f[3]), time(f[4])));
    }
    let mut want_closed: BTreeMap<NaiveDate, String> = BTreeMap::new();
    for line in fixture(&format!("{code}.closures.csv")).lines().skip(1) {
        let f: Vec<&str> = line.splitn(4, ',').collect();
        want_closed.insert(
            NaiveDate::parse_from_str(f[0], "%Y-%m-%d").unwrap(),
            f[2].to_string(),
        );
    }
    let mut diffs = Vec::new();
    let (first, last) = (
        NaiveDate::from_ymd_opt(2015, 1, 1).unwrap(),
        NaiveDate::from_ymd_opt(2030, 12, 31).unwrap(),
    );
    for date in first.iter_days().take_while(|d| *d <= last) {
        let got = cal.day(date).unwrap_or_else(|e| panic!("{e}"));
        match (got, want_open.get(&date)) {
            (Day::Open(s), Some(&(open, brk_start, brk_end, close))) => {
                let tz = cal.zone;
                let local = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&tz).time();
                let got_break = s.lunch.map(|l| (local(l.start), local(l.end)));
                let want_break = brk_start.zip(brk_end);
                if (Some(s.local_open), Some(s.local_close), got_break) != (open, close, want_break)
                {
                    diffs.push(format!(
                        "{date}: got {}-{} break {got_break:?}, want {open:?}-{close:?} break {want_break:?}",
                        s.local_open, s.local_close
                    ));
                }
                if local(s.open) != s.local_open || local(s.close) != s.local_close {
                    diffs.push(format!("{date}: instants do not read as the local times"));
                }
            }
            (Day::Open(_), None) => {
                let why = want_closed
                    .get(&date)
                    .map_or("a weekend".to_string(), |n| format!("closed ({n})"));
                diffs.push(format!("{date}: got a session, want {why}"));
            }
            (Day::Closed { holiday, .. }, Some(_)) => {
                diffs.push(format!("{date}: got closed ({holiday:?}), want a session"))
            }
            (Day::Closed { holiday, .. }, None) => {
                if holiday.is_some() != want_closed.contains_key(&date) {
                    diffs.push(format!(
                        "{date}: got holiday {holiday:?}, reference closure {:?}",
                        want_closed.get(&date)
                    ));
                }
            }
        }
    }
    diffs
}

fn check(code: &str) {
    let diffs = differences(code);
    assert!(
        diffs.is_empty(),
        "{code}: {} differences from the reference:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

#[test]
fn xkrx_matches_the_reference_schedule() {
    check("XKRX");
}

#[test]
fn xnys_matches_the_reference_schedule() {
    check("XNYS");
}

#[test]
fn xnas_matches_the_reference_schedule() {
    check("XNAS");
}

#[test]
fn xtks_matches_the_reference_schedule() {
    check("XTKS");
}

#[test]
fn xlon_matches_the_reference_schedule() {
    check("XLON");
}

#[test]
fn xhkg_matches_the_reference_schedule() {
    check("XHKG");
}
