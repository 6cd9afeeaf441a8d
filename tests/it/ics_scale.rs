//! Calendars with many RDATEs and EXDATEs: what one decision expands stays
//! linear in the calendar, and the lookups that make it so lose no instance.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::ics::{assert_intervals, calendar_policy, intervals, t};
use chrono::{DateTime, TimeDelta, Utc};
use shipwindow::PolicySet;
use shipwindow::policy::ChangeKind;

/// A hang guard, not a speed claim (speed lives in BENCHMARKS.md): far above a
/// debug build on a busy machine, far below the minutes the quadratic scans of
/// EXDATEs and RDATEs took on the largest series here.
const HANG_GUARD: std::time::Duration = std::time::Duration::from_secs(60);

fn calendar(body: &[String]) -> String {
    let mut lines: Vec<String> = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//test//EN",
        "BEGIN:VEVENT",
        "UID:dense@example.com",
        "SUMMARY:Dense",
    ]
    .map(String::from)
    .to_vec();
    lines.extend(body.iter().cloned());
    lines.extend(["END:VEVENT".to_string(), "END:VCALENDAR".to_string()]);
    lines.join("\r\n") + "\r\n"
}

/// A blocked stretch: its start and end.
type Stretch = (DateTime<Utc>, DateTime<Utc>);

/// `n` RDATEs five minutes apart from 2026-01-01 00:00Z, each `minutes` long,
/// written newest first (the reader must not rely on the file's order), every
/// other one taken out by an EXDATE and every instance on 2026-06-01 by a DATE
/// EXDATE: the calendar text, and the instances it leaves merged into the
/// stretches they block.
fn dense_series(n: usize, minutes: i64) -> (String, Vec<Stretch>) {
    let base = t("2026-01-01T00:00:00Z");
    let at = |i: usize| base + TimeDelta::minutes(5 * i as i64);
    let stamp = |i: usize| at(i).format("%Y%m%dT%H%M%SZ").to_string();
    let mut body = vec![
        format!("DTSTART:{}", stamp(0)),
        format!("DURATION:PT{minutes}M"),
        "EXDATE;VALUE=DATE:20260601".to_string(),
    ];
    let june_first = t("2026-06-01T00:00:00Z").date_naive();
    let mut kept: Vec<Stretch> = Vec::new();
    for i in (0..n).rev() {
        body.push(format!("RDATE:{}", stamp(i)));
        if i % 2 == 1 {
            body.push(format!("EXDATE:{}", stamp(i)));
        } else if at(i).date_naive() != june_first {
            kept.push((at(i), at(i) + TimeDelta::minutes(minutes)));
        }
    }
    kept.sort();
    let mut merged: Vec<Stretch> = Vec::new();
    for (s, e) in kept {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    (calendar(&body), merged)
}

/// The closed stretches of a windows report of `policy` over `[from, to)`.
fn closed(policy: &PolicySet, from: &str, to: &str) -> Vec<Stretch> {
    let report =
        shipwindow::eval::windows(policy, "web", "prod", ChangeKind::Deploy, t(from), t(to))
            .unwrap();
    report
        .intervals
        .iter()
        .filter(|s| s.state == shipwindow::eval::WindowState::Closed)
        .map(|s| (s.start.to_utc(), s.end.to_utc()))
        .collect()
}

fn within(stretches: &[Stretch], from: &str, to: &str) -> Vec<Stretch> {
    let (from, to) = (t(from), t(to));
    stretches
        .iter()
        .filter(|(s, e)| *e > from && *s < to)
        .map(|(s, e)| (*s.max(&from), *e.min(&to)))
        .collect()
}

/// 100,000 RDATEs and 50,000 EXDATEs over a 400-day `windows`: ten-minute
/// instances every ten minutes once the EXDATEs are out, so they join into a
/// few long stretches (a report of one piece per instance would pass the cap
/// on pieces). Scanning the EXDATEs per instance took minutes here.
#[test]
fn many_rdates_and_exdates_over_a_400_day_windows() {
    for n in [10, 1_000, 100_000] {
        let (text, want) = dense_series(n, 10);
        let policy = calendar_policy("UTC", "", &text);
        let started = std::time::Instant::now();
        let (from, to) = ("2026-01-01T00:00:00Z", "2027-02-05T00:00:00Z");
        let got = intervals(&policy, "cal", from, to);
        let got: Vec<_> = got.iter().map(|iv| (iv.start, iv.end)).collect();
        assert_eq!(got, want, "{n} RDATEs");
        assert_eq!(
            closed(&policy, from, to),
            within(&want, from, to),
            "{n} RDATEs"
        );
        assert!(
            started.elapsed() < HANG_GUARD,
            "{n} RDATEs took {:?}",
            started.elapsed()
        );
    }
}

/// The same series with one-minute instances, so each is a closed stretch of
/// its own, over the 120 days that a report can hold: the rule is asked once per
/// stretch (17,000 times), and each question reads only the RDATEs that can
/// reach it. Walking all of them per question took minutes here.
#[test]
fn one_question_per_closed_stretch_reads_only_what_reaches_it() {
    let (text, want) = dense_series(100_000, 1);
    let policy = calendar_policy("UTC", "", &text);
    let started = std::time::Instant::now();
    let (from, to) = ("2026-02-01T00:00:00Z", "2026-06-01T00:00:00Z");
    let got = closed(&policy, from, to);
    assert_eq!(got.len(), 17_280);
    assert_eq!(got, within(&want, from, to));
    assert!(
        started.elapsed() < HANG_GUARD,
        "took {:?}",
        started.elapsed()
    );
}

/// A query reads only the RDATEs that can reach it, so an RDATE whose PERIOD is
/// far longer than the event's own length must still be found when it starts
/// long before the query and runs into it.
#[test]
fn a_long_rdate_period_reaches_a_query_that_starts_after_it() {
    let text = calendar(&[
        "DTSTART:20260101T000000Z".to_string(),
        "DURATION:PT1M".to_string(),
        "RDATE;VALUE=PERIOD:20260110T000000Z/P60D".to_string(),
        "RDATE;VALUE=PERIOD:20260105T000000Z/20260301T120000Z".to_string(),
        "RDATE:20260120T000000Z".to_string(),
    ]);
    let policy = calendar_policy("UTC", "", &text);
    assert_intervals(
        &policy,
        "2026-02-15T00:00:00Z",
        "2026-02-16T00:00:00Z",
        // Merged: the first starts it, the P60D one (from 10 January) ends it.
        &[("2026-01-05T00:00:00Z", "2026-03-11T00:00:00Z")],
    );
    // Past the longer one's end, neither.
    assert_intervals(&policy, "2026-03-11T00:00:00Z", "2026-03-12T00:00:00Z", &[]);
}

/// EXDATEs looked up by binary search: an exact instant, a DATE that takes every
/// instance of that local day (in the event's zone, not UTC), and nothing else.
#[test]
fn exdates_take_out_exactly_their_instances() {
    let text = calendar(&[
        "DTSTART;TZID=Asia/Seoul:20260301T080000".to_string(),
        "DURATION:PT1H".to_string(),
        "RRULE:FREQ=HOURLY;INTERVAL=8;COUNT=9".to_string(),
        // 2026-03-01 16:00 KST, written in UTC.
        "EXDATE:20260301T070000Z".to_string(),
        // Every instance on 2 March in Seoul: 00:00, 08:00 and 16:00 KST.
        "EXDATE;VALUE=DATE:20260302".to_string(),
        // Not an instance: takes nothing.
        "EXDATE:20260303T030000Z".to_string(),
    ]);
    let policy = calendar_policy("Asia/Seoul", "", &text);
    assert_intervals(
        &policy,
        "2026-02-28T00:00:00Z",
        "2026-03-05T00:00:00Z",
        &[
            ("2026-02-28T23:00:00Z", "2026-03-01T00:00:00Z"),
            ("2026-03-02T15:00:00Z", "2026-03-02T16:00:00Z"),
            ("2026-03-02T23:00:00Z", "2026-03-03T00:00:00Z"),
            ("2026-03-03T07:00:00Z", "2026-03-03T08:00:00Z"),
            ("2026-03-03T15:00:00Z", "2026-03-03T16:00:00Z"),
        ],
    );
}

/// The same for the densest RRULE a calendar rule accepts (hourly): its
/// occurrences are found once and cut by exact instants per query, so a windows
/// report over 400 days (9,599 closed stretches) asks each stretch for a handful.
#[test]
fn a_dense_rrule_over_a_long_windows_stays_linear() {
    let text = calendar(&[
        "DTSTART;TZID=America/New_York:20260101T000000".to_string(),
        "DURATION:PT30M".to_string(),
        "RRULE:FREQ=HOURLY".to_string(),
    ]);
    let policy = calendar_policy("America/New_York", "", &text);
    let started = std::time::Instant::now();
    let report = shipwindow::eval::windows(
        &policy,
        "web",
        "prod",
        ChangeKind::Deploy,
        t("2026-01-01T05:00:00Z"),
        t("2027-02-05T05:00:00Z"),
    )
    .unwrap();
    let closed: Vec<_> = report
        .intervals
        .iter()
        .filter(|s| s.state == shipwindow::eval::WindowState::Closed)
        .collect();
    // 400 days of 24 a day, less one: on 8 March 02:00 does not exist and
    // starts at 03:00 with the 03:00 instance (on 1 November the repeated hour
    // has its instance once, on its first pass).
    assert_eq!(closed.len(), 400 * 24 - 1);
    assert!(closed.iter().all(|s| s.notes == ["cal: Dense"]));
    assert!(
        started.elapsed() < HANG_GUARD,
        "took {:?}",
        started.elapsed()
    );
}
