//! `lead` and `tail` on a `[[freeze]]`: the freeze blocks `[start - lead, end + tail)`
//! of each of its events, in exact instants. Every time spec (one-time, daily,
//! weekly, cron with a length, cron pair, `ics`), across DST changes, the blocker's
//! extent and words for a lead, an event and a tail, `next_allowed` and `free_until`
//! around the lead of the next event, the `windows` timeline, and load errors.
//! Every expected instant is written out by hand.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use chrono::{DateTime, TimeDelta, Utc};
use shipwindow::calendar::Interval;
use shipwindow::eval::WindowState;
use shipwindow::policy::{ChangeKind, RuleSource};
use shipwindow::{Decision, DeployRequest, PolicySet, Verdict, windows};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("{s}: {e}"))
        .with_timezone(&Utc)
}

fn policy(text: &str) -> PolicySet {
    PolicySet::from_files(&[("p.toml", text)]).unwrap_or_else(|e| panic!("{e}"))
}

/// A request for `web`/`prod` at `at` with a deploy of `dur` minutes and `mon`
/// minutes of monitoring.
fn req(at: &str, dur: i64, mon: i64) -> DeployRequest {
    let mut r = DeployRequest::new("web", "prod", t(at));
    r.duration = Some(TimeDelta::minutes(dur));
    r.monitoring = Some(TimeDelta::minutes(mon));
    r
}

fn decide(policy: &PolicySet, req: &DeployRequest) -> Decision {
    shipwindow::decide(policy, req).unwrap()
}

fn show(t: Option<DateTime<chrono_tz::Tz>>) -> Option<String> {
    t.map(|t| t.to_rfc3339())
}

/// The only blocker of a denied decision: (rule, reason, from, until), times as
/// RFC 3339 in the settings' zone.
#[track_caller]
fn only_blocker(d: &Decision) -> (String, String, String, String) {
    assert_eq!(d.verdict, Verdict::Deny, "{d:#?}");
    assert_eq!(d.blocked_by.len(), 1, "{d:#?}");
    let b = &d.blocked_by[0];
    (
        b.rule.clone(),
        b.reason.clone(),
        b.from.to_rfc3339(),
        b.until.to_rfc3339(),
    )
}

fn blocker(rule: &str, reason: &str, from: &str, until: &str) -> (String, String, String, String) {
    (rule.into(), reason.into(), from.into(), until.into())
}

/// Asserts the only blocker of a denied decision, and that the next allowed
/// start is where that blocker ends.
#[track_caller]
fn assert_blocked_until_its_end(d: &Decision, rule: &str, reason: &str, from: &str, until: &str) {
    assert_eq!(only_blocker(d), blocker(rule, reason, from, until));
    assert_eq!(show(d.next_allowed), Some(until.to_string()));
}

const SALE: &str = r#"
[settings]
timezone = "Asia/Seoul"
horizon = "30d"

[[freeze]]
name = "black-friday"
start_at = "2026-11-27T00:00"
end_at = "2026-11-30T00:00"
lead = "2d"
tail = "1h"
reason = "Black Friday sale"
"#;

#[test]
fn one_time_freeze_blocks_its_lead_and_tail_with_words_for_each() {
    let p = policy(SALE);
    // Monitoring ends exactly where the lead starts (2026-11-25 00:00): clear, and
    // the clear stretch ends there, not at the event.
    let d = decide(&p, &req("2026-11-24T23:00:00+09:00", 30, 30));
    assert_eq!(d.verdict, Verdict::Allow, "{d:#?}");
    assert_eq!(show(d.free_until), Some("2026-11-25T00:00:00+09:00".into()));
    // One second later the monitoring reaches into the lead. The blocker starts at
    // the lead's start and runs to the end of the tail.
    let d = decide(&p, &req("2026-11-24T23:00:01+09:00", 30, 30));
    let whole = ("2026-11-25T00:00:00+09:00", "2026-11-30T01:00:00+09:00");
    assert_blocked_until_its_end(
        &d,
        "black-friday",
        "2 days before Black Friday sale",
        whole.0,
        whole.1,
    );
    // Inside the lead, a day and a half before the sale.
    let d = decide(&p, &req("2026-11-25T12:00:00+09:00", 30, 30));
    assert_eq!(
        only_blocker(&d),
        blocker(
            "black-friday",
            "2 days before Black Friday sale",
            whole.0,
            whole.1
        )
    );
    // A deploy in the lead whose monitoring reaches the event itself: plain words.
    let d = decide(&p, &req("2026-11-26T23:30:00+09:00", 30, 30));
    assert_eq!(
        only_blocker(&d),
        blocker("black-friday", "Black Friday sale", whole.0, whole.1)
    );
    // During the sale.
    let d = decide(&p, &req("2026-11-28T12:00:00+09:00", 30, 30));
    assert_eq!(
        only_blocker(&d),
        blocker("black-friday", "Black Friday sale", whole.0, whole.1)
    );
    // Right after it, in the cool-down.
    let d = decide(&p, &req("2026-11-30T00:00:00+09:00", 30, 30));
    assert_blocked_until_its_end(
        &d,
        "black-friday",
        "cool-down, 1 hour after Black Friday sale",
        whole.0,
        whole.1,
    );
    // The last second of the tail still blocks; its end does not.
    let mut last_second = req("2026-11-30T00:59:59+09:00", 0, 0);
    last_second.monitoring = Some(TimeDelta::seconds(1));
    assert!(!decide(&p, &last_second).allowed);
    assert!(decide(&p, &req("2026-11-30T01:00:00+09:00", 30, 30)).allowed);
}

#[test]
fn a_freeze_without_a_reason_says_which_rule_it_is_before() {
    let p = policy(&SALE.replace("reason = \"Black Friday sale\"\n", ""));
    let d = decide(&p, &req("2026-11-26T12:00:00+09:00", 30, 30));
    assert_eq!(
        d.blocked_by[0].reason,
        "2 days before freeze black-friday (2026-11-27 00:00 to 2026-11-30 00:00 Asia/Seoul)"
    );
}

#[test]
fn expansion_finds_an_event_that_starts_after_the_range_by_its_lead() {
    let p = policy(SALE);
    let rule = &p.rules[0];
    // An hour on 2026-11-25, two days before the event itself.
    let range = Interval::new(
        t("2026-11-25T00:00:00+09:00"),
        t("2026-11-25T01:00:00+09:00"),
    );
    assert_eq!(
        rule.intervals(range),
        vec![Interval::new(
            t("2026-11-25T00:00:00+09:00"),
            t("2026-11-30T01:00:00+09:00")
        )]
    );
    assert_eq!(rule.event_intervals(range), vec![]);
    assert_eq!(
        (rule.lead(), rule.tail()),
        (TimeDelta::days(2), TimeDelta::hours(1))
    );
    // And one in the tail, after the event ended.
    let range = Interval::new(
        t("2026-11-30T00:59:00+09:00"),
        t("2026-11-30T02:00:00+09:00"),
    );
    assert_eq!(rule.intervals(range).len(), 1);
    // `0s` is the same as not setting them: the rule is a plain freeze.
    let p = policy(
        &SALE
            .replace("lead = \"2d\"", "lead = \"0s\"")
            .replace("tail = \"1h\"", "tail = \"0s\""),
    );
    assert!(matches!(p.rules[0].source, RuleSource::Spec(_)));
    assert!(decide(&p, &req("2026-11-26T23:00:00+09:00", 30, 30)).allowed);
}

#[test]
fn next_allowed_respects_the_lead_of_the_next_event() {
    let text = r#"
[settings]
timezone = "Asia/Seoul"

[[freeze]]
name = "incident-review"
start_at = "2026-12-01T10:00"
end_at = "2026-12-01T11:00"

[[freeze]]
name = "ticket-opening"
start_at = "2026-12-01T14:00"
end_at = "2026-12-01T15:00"
lead = "2h"
reason = "Concert ticket opening"
"#;
    let p = policy(text);
    // From 11:00 to the lead's start at 12:00 there is exactly one hour: a
    // 30m + 30m deploy fits, and may not overrun (free_until is the lead's start).
    let d = decide(&p, &req("2026-12-01T10:30:00+09:00", 30, 30));
    assert_eq!(d.blocked_by[0].rule, "incident-review");
    assert_eq!(
        show(d.next_allowed),
        Some("2026-12-01T11:00:00+09:00".into())
    );
    let d = decide(&p, &req("2026-12-01T11:00:00+09:00", 30, 30));
    assert_eq!(d.verdict, Verdict::Allow);
    assert_eq!(show(d.free_until), Some("2026-12-01T12:00:00+09:00".into()));
    // A minute longer would end inside the lead: the next start is after the event.
    let d = decide(&p, &req("2026-12-01T10:30:00+09:00", 30, 31));
    assert_eq!(
        show(d.next_allowed),
        Some("2026-12-01T15:00:00+09:00".into())
    );
    let next = shipwindow::next_allowed(&p, &req("2026-12-01T10:30:00+09:00", 30, 31)).unwrap();
    assert_eq!(show(next), Some("2026-12-01T15:00:00+09:00".into()));
    // And that deploy at 11:00 names the lead.
    let d = decide(&p, &req("2026-12-01T11:00:00+09:00", 30, 31));
    assert_eq!(
        only_blocker(&d),
        blocker(
            "ticket-opening",
            "2 hours before Concert ticket opening",
            "2026-12-01T12:00:00+09:00",
            "2026-12-01T15:00:00+09:00"
        )
    );
}

#[test]
fn weekly_freeze_with_lead_and_tail() {
    let text = r#"
[settings]
timezone = "Europe/London"

[[freeze]]
name = "weekend"
from = "fri 17:00"
to = "mon 06:00"
lead = "3h"
tail = "90m"
reason = "Weekend"
"#;
    let p = policy(text);
    // Friday 2026-12-04, GMT: the lead starts at 14:00.
    assert!(decide(&p, &req("2026-12-04T13:00:00Z", 30, 30)).allowed);
    let d = decide(&p, &req("2026-12-04T14:00:00Z", 30, 30));
    assert_blocked_until_its_end(
        &d,
        "weekend",
        "3 hours before Weekend",
        "2026-12-04T14:00:00+00:00",
        "2026-12-07T07:30:00+00:00",
    );
    let d = decide(&p, &req("2026-12-07T06:00:00Z", 30, 30));
    assert_eq!(
        d.blocked_by[0].reason,
        "cool-down, 1 hour 30 minutes after Weekend"
    );
    // The weekend London falls back (Sunday 2026-10-25): the lead starts at 14:00
    // BST, the tail ends 90 real minutes after Monday 06:00 GMT.
    let d = decide(&p, &req("2026-10-23T15:00:00+01:00", 30, 30));
    let b = &d.blocked_by[0];
    assert_eq!(
        (b.from.to_rfc3339(), b.until.to_rfc3339()),
        (
            "2026-10-23T14:00:00+01:00".to_string(),
            "2026-10-26T07:30:00+00:00".to_string()
        )
    );
    // 3h + 62h (the weekend with the extra hour) + 1h30m.
    assert_eq!(b.until - b.from, TimeDelta::minutes(66 * 60 + 30));
}

#[test]
fn a_lead_across_the_spring_forward_night_is_exact_hours() {
    // New York springs forward at 02:00 on Sunday 2026-03-08. The event starts at
    // 09:00 EDT; a 12-hour lead starts at 20:00 EST the evening before — 13 hours
    // on the wall clock, 12 real hours.
    let text = r#"
[settings]
timezone = "America/New_York"

[[freeze]]
name = "launch"
start_at = "2026-03-08T09:00"
end_at = "2026-03-08T12:00"
lead = "12h"
reason = "Product launch"
"#;
    let p = policy(text);
    let d = decide(&p, &req("2026-03-07T20:00:00-05:00", 30, 30));
    let (rule, reason, from, until) = only_blocker(&d);
    assert_eq!(
        (
            rule.as_str(),
            reason.as_str(),
            from.as_str(),
            until.as_str()
        ),
        (
            "launch",
            "12 hours before Product launch",
            "2026-03-07T20:00:00-05:00",
            "2026-03-08T12:00:00-04:00"
        )
    );
    assert_eq!(
        t("2026-03-08T09:00:00-04:00") - t(&from),
        TimeDelta::hours(12)
    );
    // A wall-clock lead (21:00) would allow this one; an exact one does not.
    assert!(!decide(&p, &req("2026-03-07T20:00:00-05:00", 10, 0)).allowed);
    assert!(decide(&p, &req("2026-03-07T19:00:00-05:00", 30, 30)).allowed);
    // `1d` is 24 hours: 09:00 EDT minus a day is 08:00 EST, not 09:00.
    let p = policy(&text.replace("lead = \"12h\"", "lead = \"1d\""));
    let d = decide(&p, &req("2026-03-07T08:30:00-05:00", 10, 0));
    assert_eq!(
        d.blocked_by[0].from.to_rfc3339(),
        "2026-03-07T08:00:00-05:00"
    );
    assert_eq!(d.blocked_by[0].reason, "1 day before Product launch");
    assert!(decide(&p, &req("2026-03-07T07:30:00-05:00", 15, 15)).allowed);
}

#[test]
fn a_tail_across_the_spring_forward_night_is_exact_hours() {
    // London springs forward at 01:00 GMT on 2026-03-29; a 2h tail after an event
    // ending at 00:30 GMT ends at 03:30 BST (02:30 UTC).
    let text = r#"
[settings]
timezone = "Europe/London"

[[freeze]]
name = "migration"
start_at = "2026-03-28T22:00"
end_at = "2026-03-29T00:30"
tail = "2h"
"#;
    let p = policy(text);
    let d = decide(&p, &req("2026-03-29T03:00:00+01:00", 10, 10));
    let (_, reason, from, until) = only_blocker(&d);
    assert_eq!(
        (from.as_str(), until.as_str()),
        ("2026-03-28T22:00:00+00:00", "2026-03-29T03:30:00+01:00")
    );
    assert!(
        reason.starts_with("cool-down, 2 hours after freeze migration"),
        "{reason}"
    );
    assert_eq!(
        show(d.next_allowed),
        Some("2026-03-29T03:30:00+01:00".into())
    );
}

#[test]
fn cron_freezes_with_lead_and_tail() {
    // Every Monday at 09:00 New York time, two hours, with an hour before and half
    // an hour after. 2026-03-09 is the first Monday on daylight time.
    let text = r#"
[settings]
timezone = "America/New_York"

[[freeze]]
name = "release-train"
cron = "0 9 * * 1"
duration = "2h"
lead = "1h"
tail = "30m"
reason = "Weekly release train"
"#;
    let p = policy(text);
    let d = decide(&p, &req("2026-03-09T07:30:00-04:00", 15, 15));
    assert_eq!(d.verdict, Verdict::Allow);
    assert_eq!(show(d.free_until), Some("2026-03-09T08:00:00-04:00".into()));
    let d = decide(&p, &req("2026-03-09T08:15:00-04:00", 15, 15));
    assert_blocked_until_its_end(
        &d,
        "release-train",
        "1 hour before Weekly release train",
        "2026-03-09T08:00:00-04:00",
        "2026-03-09T11:30:00-04:00",
    );
    let d = decide(&p, &req("2026-03-09T11:00:00-04:00", 15, 15));
    assert_eq!(
        d.blocked_by[0].reason,
        "cool-down, 30 minutes after Weekly release train"
    );
    // The Monday before, on standard time.
    let d = decide(&p, &req("2026-03-02T08:59:00-05:00", 0, 1));
    assert_eq!(
        d.blocked_by[0].from.to_rfc3339(),
        "2026-03-02T08:00:00-05:00"
    );

    // A cron pair (GitLab style) with a lead: Friday 17:00 to Monday 06:00 in
    // Seoul, blocked from 15:00.
    let text = r#"
[settings]
timezone = "Asia/Seoul"

[[freeze]]
name = "weekend"
cron = "0 17 * * 5"
until_cron = "0 6 * * 1"
lead = "2h"
reason = "Weekend"
"#;
    let p = policy(text);
    let d = decide(&p, &req("2026-12-04T15:00:00+09:00", 30, 30));
    assert_eq!(
        only_blocker(&d),
        blocker(
            "weekend",
            "2 hours before Weekend",
            "2026-12-04T15:00:00+09:00",
            "2026-12-07T06:00:00+09:00"
        )
    );
    assert!(decide(&p, &req("2026-12-04T14:00:00+09:00", 30, 30)).allowed);
}

#[test]
fn touching_extensions_merge_and_a_gap_between_events_names_both() {
    // Peaks at 12:00 and 14:00 for an hour each; 30 minutes of lead and tail make
    // [11:30, 13:30) and [13:30, 15:30), which touch and block as one stretch.
    let text = r#"
[settings]
timezone = "Asia/Seoul"

[[freeze]]
name = "peak"
cron = "0 12,14 * * *"
duration = "1h"
lead = "30m"
tail = "30m"
reason = "Lunch peak"
"#;
    let p = policy(text);
    let d = decide(&p, &req("2026-12-01T13:20:00+09:00", 10, 10));
    assert_blocked_until_its_end(
        &d,
        "peak",
        "cool-down, 30 minutes after Lunch peak; 30 minutes before Lunch peak",
        "2026-12-01T11:30:00+09:00",
        "2026-12-01T15:30:00+09:00",
    );
    // The timeline shows the extended, merged stretch.
    let w = windows(
        &p,
        "web",
        "prod",
        ChangeKind::Deploy,
        t("2026-12-01T11:00:00+09:00"),
        t("2026-12-01T16:00:00+09:00"),
    )
    .unwrap();
    let got: Vec<(String, String, WindowState)> = w
        .intervals
        .iter()
        .map(|s| (s.start.to_rfc3339(), s.end.to_rfc3339(), s.state))
        .collect();
    let want = [
        (
            "2026-12-01T11:00:00+09:00",
            "2026-12-01T11:30:00+09:00",
            WindowState::Open,
        ),
        (
            "2026-12-01T11:30:00+09:00",
            "2026-12-01T15:30:00+09:00",
            WindowState::Closed,
        ),
        (
            "2026-12-01T15:30:00+09:00",
            "2026-12-01T16:00:00+09:00",
            WindowState::Open,
        ),
    ]
    .map(|(a, b, s)| (a.to_string(), b.to_string(), s));
    assert_eq!(got, want);
}

#[test]
fn a_daily_freeze_with_a_lead() {
    let text = r#"
[settings]
timezone = "Asia/Seoul"

[[freeze]]
name = "exam"
days = ["mon-fri"]
start = "09:00"
end = "12:00"
lead = "30m"
reason = "University exam"
"#;
    let p = policy(text);
    let d = decide(&p, &req("2026-12-01T08:40:00+09:00", 10, 10));
    assert_eq!(
        only_blocker(&d),
        blocker(
            "exam",
            "30 minutes before University exam",
            "2026-12-01T08:30:00+09:00",
            "2026-12-01T12:00:00+09:00"
        )
    );
    // Saturday has no exam, so no lead either.
    assert!(decide(&p, &req("2026-12-05T08:40:00+09:00", 10, 10)).allowed);
}

#[test]
fn rollbacks_stay_exempt_and_overrides_work_in_the_lead() {
    let text = SALE.replace(
        "reason = \"Black Friday sale\"",
        "reason = \"Black Friday sale\"\noverride = \"reason\"",
    );
    let p = policy(&text);
    let mut r = req("2026-11-26T12:00:00+09:00", 30, 30);
    r.change = ChangeKind::Rollback;
    assert_eq!(decide(&p, &r).verdict, Verdict::Allow);
    let mut r = req("2026-11-26T12:00:00+09:00", 30, 30);
    r.override_ = Some(shipwindow::Override {
        reason: "hotfix for checkout".into(),
        approver: None,
    });
    let d = decide(&p, &r);
    assert_eq!(d.verdict, Verdict::Override);
    assert_eq!(d.blocked_by[0].reason, "2 days before Black Friday sale");
}

/// An iCalendar file with a one-off sale and a weekly flash sale (three times).
const SALES_ICS: &str = "BEGIN:VCALENDAR\r\n\
VERSION:2.0\r\n\
PRODID:-//test//EN\r\n\
BEGIN:VEVENT\r\n\
UID:bf-2026@example.com\r\n\
SUMMARY:Black Friday sale\r\n\
DTSTART;TZID=Asia/Seoul:20261127T000000\r\n\
DTEND;TZID=Asia/Seoul:20261130T000000\r\n\
END:VEVENT\r\n\
BEGIN:VEVENT\r\n\
UID:flash@example.com\r\n\
SUMMARY:Flash sale\r\n\
DTSTART;TZID=Asia/Seoul:20261209T120000\r\n\
DTEND;TZID=Asia/Seoul:20261209T130000\r\n\
RRULE:FREQ=WEEKLY;COUNT=3\r\n\
END:VEVENT\r\n\
END:VCALENDAR\r\n";

/// A policy directory with `p.toml` (the text) and `sales.ics`.
fn ics_policy(toml: &str) -> (tempfile::TempDir, PolicySet) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.toml"), toml).unwrap();
    std::fs::write(dir.path().join("sales.ics"), SALES_ICS).unwrap();
    let p = PolicySet::load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    (dir, p)
}

const ICS_FREEZE: &str = r#"
[settings]
timezone = "Asia/Seoul"

[[freeze]]
name = "sales"
ics = "sales.ics"
lead = "2d"
tail = "1h"
"#;

#[test]
fn an_ics_freeze_leads_each_event() {
    let (_dir, p) = ics_policy(ICS_FREEZE);
    assert!(matches!(p.rules[0].events(), RuleSource::Calendar(_)));
    let d = decide(&p, &req("2026-11-25T09:00:00+09:00", 30, 30));
    assert_eq!(
        only_blocker(&d),
        blocker(
            "sales",
            "2 days before Black Friday sale",
            "2026-11-25T00:00:00+09:00",
            "2026-11-30T01:00:00+09:00"
        )
    );
    let d = decide(&p, &req("2026-11-30T00:10:00+09:00", 10, 10));
    assert_eq!(
        d.blocked_by[0].reason,
        "cool-down, 1 hour after Black Friday sale"
    );
    let d = decide(&p, &req("2026-11-28T00:00:00+09:00", 10, 10));
    assert_eq!(d.blocked_by[0].reason, "Black Friday sale");
    // Each occurrence of the weekly flash sale has its own lead: the second one is
    // on 2026-12-16 at 12:00, so its lead starts on 2026-12-14 at 12:00.
    assert!(decide(&p, &req("2026-12-14T11:00:00+09:00", 30, 30)).allowed);
    let d = decide(&p, &req("2026-12-14T11:30:00+09:00", 30, 30));
    assert_blocked_until_its_end(
        &d,
        "sales",
        "2 days before Flash sale",
        "2026-12-14T12:00:00+09:00",
        "2026-12-16T14:00:00+09:00",
    );
    // After the third and last occurrence (2026-12-23) nothing more.
    assert!(decide(&p, &req("2026-12-23T14:00:00+09:00", 30, 30)).allowed);
    // The timeline closes from the lead's start, and its note names the lead.
    let w = windows(
        &p,
        "web",
        "prod",
        ChangeKind::Deploy,
        t("2026-12-14T00:00:00+09:00"),
        t("2026-12-14T18:00:00+09:00"),
    )
    .unwrap();
    let closed: Vec<(String, String, Vec<String>)> = w
        .intervals
        .iter()
        .filter(|s| s.state == WindowState::Closed)
        .map(|s| (s.start.to_rfc3339(), s.end.to_rfc3339(), s.notes.clone()))
        .collect();
    assert_eq!(
        closed,
        vec![(
            "2026-12-14T12:00:00+09:00".to_string(),
            "2026-12-14T18:00:00+09:00".to_string(),
            vec!["sales: 2 days before Flash sale".to_string()]
        )]
    );
}

#[test]
fn an_ics_freeze_keeps_its_own_reason_in_front() {
    let toml = ICS_FREEZE.replace("tail = \"1h\"", "tail = \"1h\"\nreason = \"Sales\"");
    let (_dir, p) = ics_policy(&toml);
    let d = decide(&p, &req("2026-11-25T09:00:00+09:00", 30, 30));
    assert_eq!(
        d.blocked_by[0].reason,
        "Sales: 2 days before Black Friday sale"
    );
    let d = decide(&p, &req("2026-11-28T00:00:00+09:00", 10, 10));
    assert_eq!(d.blocked_by[0].reason, "Sales: Black Friday sale");
}

/// Loads in-memory files and returns each diagnostic as
/// (`file:line:col: message`, help).
fn problems(text: &str) -> Vec<(String, String)> {
    crate::support::diagnostic::problems(&[("a.toml", text)])
}

const FREEZE: &str =
    "[[freeze]]\nname = \"f\"\nstart_at = \"2026-11-27T00:00\"\nend_at = \"2026-11-30T00:00\"\n";

#[test]
fn load_errors_for_bad_leads_and_tails() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "lead = \"-2d\"",
            "a.toml:5:8: `lead` cannot be negative",
            "`lead` is how long before each event the freeze blocks too, e.g. `lead = \"2d\"`",
        ),
        (
            "tail = \"2 days\"",
            "a.toml:5:8: `tail`: unknown unit ` ` in duration `2 days`",
            "write a duration like `90m`, `1h30m`, `2d` or `45s` (units d, h, m, s, largest first)",
        ),
        (
            "lead = \"2x\"",
            "a.toml:5:8: `lead`: unknown unit `x` in duration `2x`",
            "write a duration like `90m`, `1h30m`, `2d` or `45s` (units d, h, m, s, largest first)",
        ),
        (
            "lead = \"31d\"",
            "a.toml:5:8: `lead` is longer than 30d",
            "a freeze blocks at most 30 days before each event; for a longer stretch write a freeze of its own",
        ),
        (
            "tail = 3600",
            "a.toml:5:8: `tail` must be a string, found an integer",
            "write `tail = \"2d\"`",
        ),
    ];
    for (line, want, help) in cases {
        let got = problems(&format!("{FREEZE}{line}\n"));
        assert_eq!(
            got,
            vec![(want.to_string(), help.to_string())],
            "\nline: {line}"
        );
    }
    // 30 days is the most, and allowed.
    policy(&format!("{FREEZE}lead = \"30d\"\ntail = \"30d\"\n"));
}

#[test]
fn lead_on_a_window_or_a_market_names_the_freeze() {
    let window = "[[window]]\nname = \"w\"\ndays = [\"mon\"]\nstart = \"22:00\"\nend = \"06:00\"\nlead = \"1h\"\n";
    assert_eq!(
        problems(window),
        vec![(
            "a.toml:6:1: unknown key `lead` in [[window]]".to_string(),
            "`lead` and `tail` extend a [[freeze]] before and after each of its events; a window opens and closes at its own times".to_string()
        )]
    );
    let market = "[[market]]\nname = \"krx\"\nexchange = \"XKRX\"\ntail = \"15m\"\n";
    assert_eq!(
        problems(market),
        vec![(
            "a.toml:4:1: unknown key `tail` in [[market]]".to_string(),
            "a [[market]] widens each session with `before_open` and `after_close`; `lead` and `tail` belong to a [[freeze]]".to_string()
        )]
    );
}
