//! `ics` on a `[[freeze]]`: each feature of RFC 5545 that calendar exports use,
//! read into freeze intervals. Every expected interval is written out by hand.

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
fn a_timed_event_with_an_iana_tzid() {
    let p = calendar_policy(
        "UTC",
        "",
        &events(&[&[
            "UID:launch-1@example.com",
            "SUMMARY:Payments launch",
            "DTSTART;TZID=Asia/Seoul:20261201T090000",
            "DTEND;TZID=Asia/Seoul:20261201T180000",
        ]]),
    );
    assert_intervals(
        &p,
        "2026-11-01T00:00:00Z",
        "2027-01-01T00:00:00Z",
        &[("2026-12-01T09:00:00+09:00", "2026-12-01T18:00:00+09:00")],
    );
}

#[test]
fn duration_instead_of_dtend_with_nominal_days() {
    let p = calendar_policy(
        "UTC",
        "",
        &events(&[
            &[
                "UID:d1",
                "SUMMARY:Migration",
                "DTSTART;TZID=Europe/Berlin:20261201T220000",
                "DURATION:PT3H30M",
            ],
            // P1D is a nominal day: 12:00 to 12:00 on the wall clock, 25 hours
            // across the end of daylight saving time.
            &[
                "UID:d2",
                "SUMMARY:Halloween traffic",
                "DTSTART;TZID=America/New_York:20261031T120000",
                "DURATION:P1D",
            ],
        ]),
    );
    assert_intervals(
        &p,
        "2026-10-01T00:00:00Z",
        "2027-01-01T00:00:00Z",
        &[
            ("2026-10-31T12:00:00-04:00", "2026-11-01T12:00:00-05:00"),
            ("2026-12-01T22:00:00+01:00", "2026-12-02T01:30:00+01:00"),
        ],
    );
}

#[test]
fn no_end_a_date_is_one_day_and_a_date_time_blocks_nothing() {
    let p = calendar_policy(
        "Asia/Seoul",
        "",
        &events(&[
            &["UID:e1", "SUMMARY:Exam day", "DTSTART;VALUE=DATE:20261119"],
            // RFC 5545 §3.6.1: ends where it starts.
            &["UID:e2", "SUMMARY:Reminder", "DTSTART:20261120T090000Z"],
        ]),
    );
    assert_intervals(
        &p,
        "2026-11-01T00:00:00Z",
        "2026-12-01T00:00:00Z",
        &[("2026-11-19T00:00:00+09:00", "2026-11-20T00:00:00+09:00")],
    );
}

#[test]
fn utc_times() {
    let p = calendar_policy(
        "Asia/Seoul",
        "",
        &events(&[&[
            "UID:u1",
            "SUMMARY:Provider maintenance",
            "DTSTART:20261201T000000Z",
            "DTEND:20261201T020000Z",
        ]]),
    );
    assert_intervals(
        &p,
        "2026-11-01T00:00:00Z",
        "2027-01-01T00:00:00Z",
        &[("2026-12-01T00:00:00Z", "2026-12-01T02:00:00Z")],
    );
}

#[test]
fn floating_times_are_read_in_the_rules_zone() {
    let ics = events(&[&[
        "UID:f1",
        "SUMMARY:Town hall",
        "DTSTART:20261201T090000",
        "DTEND:20261201T100000",
    ]]);
    // The settings' zone, when the rule has none...
    let p = calendar_policy("America/New_York", "", &ics);
    assert_intervals(
        &p,
        "2026-11-01T00:00:00Z",
        "2027-01-01T00:00:00Z",
        &[("2026-12-01T09:00:00-05:00", "2026-12-01T10:00:00-05:00")],
    );
    // ...and the rule's own zone when it has one.
    let p = calendar_policy("America/New_York", "timezone = \"Asia/Tokyo\"", &ics);
    assert_intervals(
        &p,
        "2026-11-01T00:00:00Z",
        "2027-01-01T00:00:00Z",
        &[("2026-12-01T09:00:00+09:00", "2026-12-01T10:00:00+09:00")],
    );
}

#[test]
fn all_day_events_are_whole_local_days_in_the_rules_zone() {
    let ics = events(&[&[
        "UID:bf",
        "SUMMARY:Black Friday sale",
        "DTSTART;VALUE=DATE:20261126",
        "DTEND;VALUE=DATE:20261130",
    ]]);
    let p = calendar_policy("Asia/Seoul", "", &ics);
    assert_intervals(
        &p,
        "2026-11-01T00:00:00Z",
        "2027-01-01T00:00:00Z",
        &[("2026-11-26T00:00:00+09:00", "2026-11-30T00:00:00+09:00")],
    );
    let p = calendar_policy("Asia/Seoul", "timezone = \"America/Los_Angeles\"", &ics);
    assert_intervals(
        &p,
        "2026-11-01T00:00:00Z",
        "2027-01-01T00:00:00Z",
        &[("2026-11-26T00:00:00-08:00", "2026-11-30T00:00:00-08:00")],
    );
}

#[test]
fn an_all_day_event_whose_midnight_is_in_a_dst_gap() {
    // Santiago springs forward at midnight: 2026-09-06 00:00 does not exist, so
    // that day starts at 01:00 (a start in a gap is the end of the gap),
    // and the day before ends there too.
    let p = calendar_policy(
        "America/Santiago",
        "",
        &events(&[
            &[
                "UID:s1",
                "SUMMARY:Fiestas prep",
                "DTSTART;VALUE=DATE:20260905",
            ],
            &["UID:s2", "SUMMARY:Election", "DTSTART;VALUE=DATE:20260906"],
        ]),
    );
    assert_intervals(
        &p,
        "2026-09-01T00:00:00Z",
        "2026-10-01T00:00:00Z",
        &[("2026-09-05T00:00:00-04:00", "2026-09-07T00:00:00-03:00")],
    );
    let rule = &p.rules[0];
    let RuleSource::Calendar(source) = &rule.source else {
        panic!("not a calendar rule")
    };
    let days: Vec<(String, String)> = source
        .occurrences(range("2026-09-01T00:00:00Z", "2026-10-01T00:00:00Z"))
        .iter()
        .map(|o| (o.interval.start.to_rfc3339(), o.interval.end.to_rfc3339()))
        .collect();
    assert_eq!(
        days,
        [
            (
                "2026-09-05T04:00:00+00:00".into(),
                "2026-09-06T04:00:00+00:00".into()
            ),
            (
                "2026-09-06T04:00:00+00:00".into(),
                "2026-09-07T03:00:00+00:00".into()
            ),
        ]
    );
}

#[test]
fn rrule_daily_with_interval_and_count() {
    let p = calendar_policy(
        "Asia/Seoul",
        "",
        &events(&[&[
            "UID:r1",
            "SUMMARY:Batch window",
            "DTSTART;TZID=Asia/Seoul:20261201T020000",
            "DTEND;TZID=Asia/Seoul:20261201T040000",
            "RRULE:FREQ=DAILY;INTERVAL=2;COUNT=3",
        ]]),
    );
    assert_intervals(
        &p,
        "2026-11-01T00:00:00Z",
        "2027-01-01T00:00:00Z",
        &[
            ("2026-12-01T02:00:00+09:00", "2026-12-01T04:00:00+09:00"),
            ("2026-12-03T02:00:00+09:00", "2026-12-03T04:00:00+09:00"),
            ("2026-12-05T02:00:00+09:00", "2026-12-05T04:00:00+09:00"),
        ],
    );
}

#[test]
fn rrule_weekly_with_byday_and_until() {
    // 2026-12-01 is a Tuesday; UNTIL (UTC) includes the Thursday of Dec 10.
    let p = calendar_policy(
        "UTC",
        "",
        &events(&[&[
            "UID:r2",
            "SUMMARY:Release train",
            "DTSTART;TZID=Europe/London:20261201T170000",
            "DTEND;TZID=Europe/London:20261201T180000",
            "RRULE:FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20261210T170000Z",
        ]]),
    );
    assert_intervals(
        &p,
        "2026-11-01T00:00:00Z",
        "2027-01-01T00:00:00Z",
        &[
            ("2026-12-01T17:00:00Z", "2026-12-01T18:00:00Z"),
            ("2026-12-03T17:00:00Z", "2026-12-03T18:00:00Z"),
            ("2026-12-08T17:00:00Z", "2026-12-08T18:00:00Z"),
            ("2026-12-10T17:00:00Z", "2026-12-10T18:00:00Z"),
        ],
    );
}

#[test]
fn rrule_monthly_with_bymonthday_and_with_bysetpos() {
    let p = calendar_policy(
        "Asia/Seoul",
        "",
        &events(&[
            // The last day of each month, all day: a month-end close.
            &[
                "UID:m1",
                "SUMMARY:Month-end close",
                "DTSTART;VALUE=DATE:20260131",
                "RRULE:FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=4",
            ],
        ]),
    );
    assert_intervals(
        &p,
        "2026-01-01T00:00:00Z",
        "2026-12-01T00:00:00Z",
        &[
            ("2026-01-31T00:00:00+09:00", "2026-02-01T00:00:00+09:00"),
            ("2026-02-28T00:00:00+09:00", "2026-03-01T00:00:00+09:00"),
            ("2026-03-31T00:00:00+09:00", "2026-04-01T00:00:00+09:00"),
            ("2026-04-30T00:00:00+09:00", "2026-05-01T00:00:00+09:00"),
        ],
    );
    // The last weekday of each month, 16:00 to 20:00 New York time.
    let p = calendar_policy(
        "UTC",
        "",
        &events(&[&[
            "UID:m2",
            "SUMMARY:Quarter books",
            "DTSTART;TZID=America/New_York:20261030T160000",
            "DTEND;TZID=America/New_York:20261030T200000",
            "RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=3",
        ]]),
    );
    assert_intervals(
        &p,
        "2026-10-01T00:00:00Z",
        "2027-03-01T00:00:00Z",
        &[
            ("2026-10-30T16:00:00-04:00", "2026-10-30T20:00:00-04:00"),
            ("2026-11-30T16:00:00-05:00", "2026-11-30T20:00:00-05:00"),
            ("2026-12-31T16:00:00-05:00", "2026-12-31T20:00:00-05:00"),
        ],
    );
}

#[test]
fn rrule_yearly_with_bymonth_and_byday_and_interval() {
    // Thanksgiving (the fourth Thursday of November) and the day after.
    let p = calendar_policy(
        "America/New_York",
        "",
        &events(&[&[
            "UID:y1",
            "SUMMARY:Thanksgiving",
            "DTSTART;VALUE=DATE:20251127",
            "DTEND;VALUE=DATE:20251129",
            "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=4TH",
        ]]),
    );
    assert_intervals(
        &p,
        "2026-01-01T00:00:00Z",
        "2028-01-01T00:00:00Z",
        &[
            ("2026-11-26T00:00:00-05:00", "2026-11-28T00:00:00-05:00"),
            ("2027-11-25T00:00:00-05:00", "2027-11-27T00:00:00-05:00"),
        ],
    );
    // Every other year.
    let p = calendar_policy(
        "UTC",
        "",
        &events(&[&[
            "UID:y2",
            "SUMMARY:Biennial audit",
            "DTSTART;VALUE=DATE:20260301",
            "RRULE:FREQ=YEARLY;INTERVAL=2",
        ]]),
    );
    assert_intervals(
        &p,
        "2026-01-01T00:00:00Z",
        "2031-01-01T00:00:00Z",
        &[
            ("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z"),
            ("2028-03-01T00:00:00Z", "2028-03-02T00:00:00Z"),
            ("2030-03-01T00:00:00Z", "2030-03-02T00:00:00Z"),
        ],
    );
}

#[test]
fn rdate_and_exdate() {
    let p = calendar_policy(
        "Asia/Seoul",
        "",
        &events(&[&[
            "UID:x1",
            "SUMMARY:Settlement run",
            "DTSTART;TZID=Asia/Seoul:20261201T100000",
            "DTEND;TZID=Asia/Seoul:20261201T110000",
            "RRULE:FREQ=DAILY;COUNT=5",
            // Excluded in the event's zone, and in UTC (10:00 KST is 01:00Z).
            "EXDATE;TZID=Asia/Seoul:20261202T100000",
            "EXDATE:20261204T010000Z",
            // Added: an extra instance, and a PERIOD with its own length.
            "RDATE;TZID=Asia/Seoul:20261210T150000",
            "RDATE;VALUE=PERIOD:20261220T000000Z/PT2H",
        ]]),
    );
    assert_intervals(
        &p,
        "2026-11-01T00:00:00Z",
        "2027-01-01T00:00:00Z",
        &[
            ("2026-12-01T10:00:00+09:00", "2026-12-01T11:00:00+09:00"),
            ("2026-12-03T10:00:00+09:00", "2026-12-03T11:00:00+09:00"),
            ("2026-12-05T10:00:00+09:00", "2026-12-05T11:00:00+09:00"),
            ("2026-12-10T15:00:00+09:00", "2026-12-10T16:00:00+09:00"),
            ("2026-12-20T00:00:00Z", "2026-12-20T02:00:00Z"),
        ],
    );
    // All-day series take DATE exclusions.
    let p = calendar_policy(
        "Asia/Seoul",
        "",
        &events(&[&[
            "UID:x2",
            "SUMMARY:Freeze Mondays",
            "DTSTART;VALUE=DATE:20261130",
            "RRULE:FREQ=WEEKLY;COUNT=3",
            "EXDATE;VALUE=DATE:20261207",
        ]]),
    );
    assert_intervals(
        &p,
        "2026-11-01T00:00:00Z",
        "2027-01-01T00:00:00Z",
        &[
            ("2026-11-30T00:00:00+09:00", "2026-12-01T00:00:00+09:00"),
            ("2026-12-14T00:00:00+09:00", "2026-12-15T00:00:00+09:00"),
        ],
    );
}

#[test]
fn recurrence_id_overrides_replace_and_cancel_instances() {
    let p = calendar_policy(
        "Asia/Seoul",
        "",
        &events(&[
            &[
                "UID:weekly-review@example.com",
                "SUMMARY:Weekly review",
                "DTSTART;TZID=Asia/Seoul:20261130T090000",
                "DTEND;TZID=Asia/Seoul:20261130T100000",
                "RRULE:FREQ=WEEKLY;COUNT=3",
            ],
            // The Dec 7 instance moves to Dec 8, 14:00-16:00.
            &[
                "UID:weekly-review@example.com",
                "RECURRENCE-ID;TZID=Asia/Seoul:20261207T090000",
                "SUMMARY:Weekly review (moved)",
                "DTSTART;TZID=Asia/Seoul:20261208T140000",
                "DTEND;TZID=Asia/Seoul:20261208T160000",
            ],
            // The Dec 14 instance is cancelled.
            &[
                "UID:weekly-review@example.com",
                "RECURRENCE-ID;TZID=Asia/Seoul:20261214T090000",
                "SUMMARY:Weekly review",
                "DTSTART;TZID=Asia/Seoul:20261214T090000",
                "DTEND;TZID=Asia/Seoul:20261214T100000",
                "STATUS:CANCELLED",
            ],
        ]),
    );
    assert_intervals(
        &p,
        "2026-11-01T00:00:00Z",
        "2027-01-01T00:00:00Z",
        &[
            ("2026-11-30T09:00:00+09:00", "2026-11-30T10:00:00+09:00"),
            ("2026-12-08T14:00:00+09:00", "2026-12-08T16:00:00+09:00"),
        ],
    );
    // The moved instance blocks with its own SUMMARY.
    let mut req = DeployRequest::new("web", "prod", t("2026-12-08T05:30:00Z"));
    req.monitoring = Some(chrono::TimeDelta::zero());
    let d = decide(&p, &req).unwrap();
    assert_eq!(d.verdict, Verdict::Deny);
    assert_eq!(d.blocked_by[0].reason, "Weekly review (moved)");
}

#[test]
fn cancelled_events_are_ignored() {
    let p = calendar_policy(
        "UTC",
        "",
        &events(&[
            &[
                "UID:gone",
                "SUMMARY:Cancelled launch",
                "STATUS:CANCELLED",
                "DTSTART:20261201T000000Z",
                "DTEND:20261202T000000Z",
                "RRULE:FREQ=WEEKLY;COUNT=4",
            ],
            // An override of a cancelled series goes with it.
            &[
                "UID:gone",
                "RECURRENCE-ID:20261208T000000Z",
                "SUMMARY:Cancelled launch (moved)",
                "DTSTART:20261209T000000Z",
                "DTEND:20261210T000000Z",
            ],
            &[
                "UID:kept",
                "SUMMARY:Confirmed launch",
                "STATUS:CONFIRMED",
                "DTSTART:20261215T000000Z",
                "DTEND:20261216T000000Z",
            ],
        ]),
    );
    assert_intervals(
        &p,
        "2026-11-01T00:00:00Z",
        "2027-01-01T00:00:00Z",
        &[("2026-12-15T00:00:00Z", "2026-12-16T00:00:00Z")],
    );
}

#[test]
fn a_weekly_event_keeps_its_local_time_across_a_dst_change() {
    // New York leaves daylight saving time on 2026-11-01: 09:00 is 13:00Z
    // before and 14:00Z after.
    let p = calendar_policy(
        "UTC",
        "",
        &events(&[&[
            "UID:standup",
            "SUMMARY:Ops standup",
            "DTSTART;TZID=America/New_York:20261026T090000",
            "DTEND;TZID=America/New_York:20261026T100000",
            "RRULE:FREQ=WEEKLY;COUNT=3",
        ]]),
    );
    assert_intervals(
        &p,
        "2026-10-01T00:00:00Z",
        "2026-12-01T00:00:00Z",
        &[
            ("2026-10-26T13:00:00Z", "2026-10-26T14:00:00Z"),
            ("2026-11-02T14:00:00Z", "2026-11-02T15:00:00Z"),
            ("2026-11-09T14:00:00Z", "2026-11-09T15:00:00Z"),
        ],
    );
}

#[test]
fn an_instance_in_a_dst_gap_starts_at_the_end_of_the_gap() {
    // 02:30 does not exist in New York on 2026-03-08; that instance starts at
    // 03:00 EDT and lasts the event's hour.
    let p = calendar_policy(
        "UTC",
        "",
        &events(&[&[
            "UID:gap",
            "SUMMARY:Night batch",
            "DTSTART;TZID=America/New_York:20260301T023000",
            "DTEND;TZID=America/New_York:20260301T033000",
            "RRULE:FREQ=WEEKLY;COUNT=3",
        ]]),
    );
    assert_intervals(
        &p,
        "2026-02-01T00:00:00Z",
        "2026-04-01T00:00:00Z",
        &[
            ("2026-03-01T02:30:00-05:00", "2026-03-01T03:30:00-05:00"),
            ("2026-03-08T03:00:00-04:00", "2026-03-08T04:00:00-04:00"),
            ("2026-03-15T02:30:00-04:00", "2026-03-15T03:30:00-04:00"),
        ],
    );
}

#[test]
fn infinite_rules_expand_lazily_over_the_range_asked() {
    let p = calendar_policy(
        "Asia/Seoul",
        "",
        &events(&[
            // Every day since 2016, forever.
            &[
                "UID:daily",
                "SUMMARY:Nightly batch",
                "DTSTART;TZID=Asia/Seoul:20160101T010000",
                "DTEND;TZID=Asia/Seoul:20160101T013000",
                "RRULE:FREQ=DAILY",
            ],
            // A rule that never matches: February 30th. Only DTSTART, which
            // always counts, takes place.
            &[
                "UID:never",
                "SUMMARY:Never",
                "DTSTART;TZID=Asia/Seoul:20260101T120000",
                "DTEND;TZID=Asia/Seoul:20260101T130000",
                "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
            ],
        ]),
    );
    let started = std::time::Instant::now();
    assert_intervals(
        &p,
        "2030-06-01T00:00:00+09:00",
        "2030-06-03T00:00:00+09:00",
        &[
            ("2030-06-01T01:00:00+09:00", "2030-06-01T01:30:00+09:00"),
            ("2030-06-02T01:00:00+09:00", "2030-06-02T01:30:00+09:00"),
        ],
    );
    assert_intervals(
        &p,
        "2026-01-01T11:00:00+09:00",
        "2026-01-01T14:00:00+09:00",
        &[("2026-01-01T12:00:00+09:00", "2026-01-01T13:00:00+09:00")],
    );
    // A decision searches forward over the calendar and still answers at once.
    let d = decide(
        &p,
        &DeployRequest::new("web", "prod", t("2030-06-01T00:50:00+09:00")),
    )
    .unwrap();
    assert_eq!(d.verdict, Verdict::Deny);
    assert_eq!(
        d.next_allowed.unwrap().to_rfc3339(),
        "2030-06-01T01:30:00+09:00"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn outlook_windows_zone_names_map_to_iana() {
    let p = calendar_policy(
        "UTC",
        "",
        &events(&[
            &[
                "UID:w1",
                "SUMMARY:Seoul launch",
                "DTSTART;TZID=Korea Standard Time:20261201T090000",
                "DTEND;TZID=Korea Standard Time:20261201T100000",
            ],
            &[
                "UID:w2",
                "SUMMARY:Berlin launch",
                "DTSTART;TZID=\"W. Europe Standard Time\":20261201T090000",
                "DTEND;TZID=\"W. Europe Standard Time\":20261201T100000",
            ],
        ]),
    );
    assert_intervals(
        &p,
        "2026-11-01T00:00:00Z",
        "2027-01-01T00:00:00Z",
        &[
            ("2026-12-01T09:00:00+09:00", "2026-12-01T10:00:00+09:00"),
            ("2026-12-01T09:00:00+01:00", "2026-12-01T10:00:00+01:00"),
        ],
    );
}

#[test]
fn the_summary_is_the_reason_and_the_uid_is_kept() {
    let p = calendar_policy(
        "Asia/Seoul",
        "",
        &events(&[&[
            "UID:bf-2026@example.com",
            "SUMMARY:Black Friday sale\\, all regions",
            "DTSTART;VALUE=DATE:20261126",
            "DTEND;VALUE=DATE:20261130",
        ]]),
    );
    let d = decide(
        &p,
        &DeployRequest::new("web", "prod", t("2026-11-27T17:30:00+09:00")),
    )
    .unwrap();
    assert_eq!(d.verdict, Verdict::Deny);
    let b = &d.blocked_by[0];
    assert_eq!(b.rule, "cal");
    assert_eq!(b.reason, "Black Friday sale, all regions");
    assert_eq!(b.from.to_rfc3339(), "2026-11-26T00:00:00+09:00");
    assert_eq!(b.until.to_rfc3339(), "2026-11-30T00:00:00+09:00");
    assert_eq!(
        d.next_allowed.unwrap().to_rfc3339(),
        "2026-11-30T00:00:00+09:00"
    );
    let RuleSource::Calendar(source) = &p.rules[0].source else {
        panic!("not a calendar rule")
    };
    assert_eq!(source.calendar.events()[0].uid, "bf-2026@example.com");
    // With `reason` on the rule, it leads and the event follows.
    let p = calendar_policy(
        "Asia/Seoul",
        "reason = \"Sales calendar\"",
        &events(&[&[
            "UID:bf",
            "SUMMARY:Black Friday sale",
            "DTSTART;VALUE=DATE:20261126",
        ]]),
    );
    let d = decide(
        &p,
        &DeployRequest::new("web", "prod", t("2026-11-26T12:00:00+09:00")),
    )
    .unwrap();
    assert_eq!(d.blocked_by[0].reason, "Sales calendar: Black Friday sale");
}

#[test]
fn categories_select_events_and_services_scope_the_rule() {
    let ics = events(&[
        &[
            "UID:c1",
            "SUMMARY:Card network maintenance",
            "CATEGORIES:Payments,Maintenance",
            "DTSTART:20261201T000000Z",
            "DTEND:20261201T040000Z",
        ],
        &[
            "UID:c2",
            "SUMMARY:Search reindex",
            "CATEGORIES:Search",
            "DTSTART:20261202T000000Z",
            "DTEND:20261202T040000Z",
        ],
        &[
            "UID:c3",
            "SUMMARY:Company offsite",
            "DTSTART:20261203T000000Z",
            "DTEND:20261203T040000Z",
        ],
    ]);
    let from = "2026-11-01T00:00:00Z";
    let to = "2027-01-01T00:00:00Z";
    // Compared without case; events without CATEGORIES are not selected.
    let p = calendar_policy("UTC", "categories = [\"payments\"]", &ics);
    assert_intervals(
        &p,
        from,
        to,
        &[("2026-12-01T00:00:00Z", "2026-12-01T04:00:00Z")],
    );
    let p = calendar_policy("UTC", "categories = [\"PAYMENTS\", \"search\"]", &ics);
    assert_intervals(
        &p,
        from,
        to,
        &[
            ("2026-12-01T00:00:00Z", "2026-12-01T04:00:00Z"),
            ("2026-12-02T00:00:00Z", "2026-12-02T04:00:00Z"),
        ],
    );
    let p = calendar_policy("UTC", "", &ics);
    assert_eq!(intervals(&p, "cal", from, to).len(), 3);
    // `services` scopes the rule as for any rule.
    let p = calendar_policy(
        "UTC",
        "categories = [\"payments\"]\nservices = [\"payments-*\"]",
        &ics,
    );
    let at = t("2026-12-01T01:00:00Z");
    let d = decide(&p, &DeployRequest::new("payments-api", "prod", at)).unwrap();
    assert_eq!(d.verdict, Verdict::Deny);
    assert_eq!(d.blocked_by[0].reason, "Card network maintenance");
    let d = decide(&p, &DeployRequest::new("search-api", "prod", at)).unwrap();
    assert_eq!(d.verdict, Verdict::Allow);
}
