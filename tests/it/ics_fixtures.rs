//! Calendars as Google Calendar and Outlook export them — VTIMEZONE blocks,
//! folded lines, overrides and cancelled instances, Windows zone names — read
//! into freeze occurrences written out by hand.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::ics as ics_common;

use ics_common::*;
use shipwindow::policy::RuleSource;
use shipwindow::{DeployRequest, Verdict, decide};

#[test]
fn a_google_calendar_export() {
    let p = calendar_policy("Asia/Seoul", "", &fixture("google.ics"));
    let got = occurrences(&p, "2026-11-01T00:00:00Z", "2026-12-02T00:00:00Z");
    let want = expect(&[
        // The Nov 2 instance moved to Nov 3 (RECURRENCE-ID), after New York
        // left daylight saving time.
        (
            "US market close watch (election week)",
            "2026-11-03T12:00:00-05:00",
            "2026-11-03T13:00:00-05:00",
        ),
        (
            "US market close watch",
            "2026-11-09T16:00:00-05:00",
            "2026-11-09T17:00:00-05:00",
        ),
        (
            "US market close watch",
            "2026-11-16T16:00:00-05:00",
            "2026-11-16T17:00:00-05:00",
        ),
        (
            "수능 (CSAT) exam day",
            "2026-11-19T08:00:00+09:00",
            "2026-11-19T18:00:00+09:00",
        ),
        // All-day, read as whole days in Seoul (TRANSP:TRANSPARENT does not
        // matter: Google marks all-day events free by default).
        (
            "Black Friday sale",
            "2026-11-26T00:00:00+09:00",
            "2026-11-30T00:00:00+09:00",
        ),
        (
            "Month-end close",
            "2026-11-30T00:00:00+09:00",
            "2026-12-01T00:00:00+09:00",
        ),
        // Nov 23 was cancelled; the cancelled Dec 1 maintenance is gone.
        (
            "US market close watch",
            "2026-11-30T16:00:00-05:00",
            "2026-11-30T17:00:00-05:00",
        ),
    ]);
    assert_eq!(got, want);
    // October: the EXDATE on Oct 12 and the month-end close of Oct 31.
    let got = occurrences(&p, "2026-10-01T00:00:00+09:00", "2026-11-01T00:00:00+09:00");
    let want = expect(&[
        (
            "Month-end close",
            "2026-09-30T00:00:00+09:00",
            "2026-10-01T00:00:00+09:00",
        ),
        (
            "US market close watch",
            "2026-10-05T16:00:00-04:00",
            "2026-10-05T17:00:00-04:00",
        ),
        (
            "US market close watch",
            "2026-10-19T16:00:00-04:00",
            "2026-10-19T17:00:00-04:00",
        ),
        (
            "US market close watch",
            "2026-10-26T16:00:00-04:00",
            "2026-10-26T17:00:00-04:00",
        ),
        (
            "Month-end close",
            "2026-10-31T00:00:00+09:00",
            "2026-11-01T00:00:00+09:00",
        ),
    ]);
    // Sep 30's close ends exactly at the range's start, so it is not there.
    assert_eq!(got, want[1..]);
    let RuleSource::Calendar(source) = &p.rules[0].source else {
        panic!("not a calendar rule")
    };
    let uids: Vec<&str> = source
        .calendar
        .events()
        .iter()
        .map(|e| e.uid.as_str())
        .collect();
    assert!(
        uids.contains(&"2kq9f7mbd1s3v8c0pe4hj6lrtu@google.com"),
        "{uids:?}"
    );
    assert!(
        !uids.contains(&"9a8b7c6d5e4f3a2b1c0d9e8f7a@google.com"),
        "a cancelled event is not read: {uids:?}"
    );
}

#[test]
fn an_outlook_export_with_windows_zone_names() {
    let p = calendar_policy("Asia/Seoul", "", &fixture("outlook.ics"));
    let got = occurrences(&p, "2026-12-01T00:00:00+09:00", "2027-01-01T00:00:00+09:00");
    let want = expect(&[
        // TZID:Korea Standard Time is Asia/Seoul.
        (
            "DB maintenance window",
            "2026-12-01T10:00:00+09:00",
            "2026-12-01T12:00:00+09:00",
        ),
        // TZID:Pacific Standard Time is America/Los_Angeles.
        (
            "US payroll run",
            "2026-12-15T09:00:00-08:00",
            "2026-12-15T11:00:00-08:00",
        ),
        // Dec 8 is excluded; Dec 15 moved to Dec 16 afternoon.
        (
            "DB maintenance window (moved)",
            "2026-12-16T14:00:00+09:00",
            "2026-12-16T16:00:00+09:00",
        ),
        // UNTIL=20261222T010000Z is 10:00 in Seoul: the last instance counts.
        (
            "DB maintenance window",
            "2026-12-22T10:00:00+09:00",
            "2026-12-22T12:00:00+09:00",
        ),
        (
            "Christmas freeze",
            "2026-12-24T00:00:00+09:00",
            "2026-12-26T00:00:00+09:00",
        ),
    ]);
    assert_eq!(got, want);
    // The same file for the payments team only.
    let p = calendar_policy(
        "Asia/Seoul",
        "categories = [\"Payments\"]",
        &fixture("outlook.ics"),
    );
    let got = occurrences(&p, "2026-12-01T00:00:00+09:00", "2027-01-01T00:00:00+09:00");
    assert_eq!(
        got,
        expect(&[(
            "US payroll run",
            "2026-12-15T09:00:00-08:00",
            "2026-12-15T11:00:00-08:00",
        )])
    );
}

#[test]
fn a_decision_names_the_event_that_blocks() {
    let p = calendar_policy("Asia/Seoul", "", &fixture("google.ics"));
    let d = decide(
        &p,
        &DeployRequest::new("web", "prod", t("2026-11-19T07:45:00+09:00")),
    )
    .unwrap();
    assert_eq!(d.verdict, Verdict::Deny);
    assert_eq!(d.blocked_by.len(), 1);
    assert_eq!(d.blocked_by[0].reason, "수능 (CSAT) exam day");
    assert_eq!(
        d.blocked_by[0].from.to_rfc3339(),
        "2026-11-19T08:00:00+09:00"
    );
    assert_eq!(
        d.blocked_by[0].until.to_rfc3339(),
        "2026-11-19T18:00:00+09:00"
    );
    assert_eq!(
        d.next_allowed.unwrap().to_rfc3339(),
        "2026-11-19T18:00:00+09:00"
    );
    // Black Friday and the month-end close touch: one blocking stretch, both named.
    let d = decide(
        &p,
        &DeployRequest::new("web", "prod", t("2026-11-29T23:30:00+09:00")),
    )
    .unwrap();
    assert_eq!(d.blocked_by[0].reason, "Black Friday sale; Month-end close");
    assert_eq!(
        d.blocked_by[0].from.to_rfc3339(),
        "2026-11-26T00:00:00+09:00"
    );
    assert_eq!(
        d.blocked_by[0].until.to_rfc3339(),
        "2026-12-01T00:00:00+09:00"
    );
}
