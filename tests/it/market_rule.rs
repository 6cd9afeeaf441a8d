//! The `[[market]]` rule in decisions: it denies `[open - before_open, close +
//! after_close)` of every session, names the session in its reason, opens on
//! holidays, and refuses to answer outside its calendar's data.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use chrono::{DateTime, TimeDelta, Utc};
use shipwindow::{
    BlockerKind, DeployRequest, EvalError, PolicySet, Verdict, decide, next_allowed, windows,
};

fn rfc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

const NYSE: &str = r#"
[settings]
timezone = "America/New_York"
horizon = "14d"

[[market]]
name = "nyse"
exchange = "XNYS"
before_open = "30m"
after_close = "15m"
services = ["trading-*"]
"#;

fn policy(text: &str) -> PolicySet {
    PolicySet::from_files(&[("p.toml", text)]).unwrap_or_else(|e| panic!("{e}"))
}

/// A deploy of `dur` plus `mon` monitoring for `trading-api`.
fn req(at: &str, dur: TimeDelta, mon: TimeDelta) -> DeployRequest {
    let mut r = DeployRequest::new("trading-api", "prod", rfc(at));
    r.duration = Some(dur);
    r.monitoring = Some(mon);
    r
}

fn min(m: i64) -> TimeDelta {
    TimeDelta::minutes(m)
}

#[test]
fn the_guard_before_the_open_is_exact() {
    let p = policy(NYSE);
    // Tuesday 2026-12-01: session 09:30-16:00 EST, guarded from 09:00 to 16:15.
    // A deploy ending one minute before 09:00 is allowed ...
    let d = decide(&p, &req("2026-12-01T08:29:00-05:00", min(20), min(10))).unwrap();
    assert_eq!(d.verdict, Verdict::Allow, "{d:#?}");
    assert_eq!(
        d.free_until.unwrap().to_rfc3339(),
        "2026-12-01T09:00:00-05:00"
    );
    // ... one ending one second after 09:00 is denied, naming the session.
    let d = decide(&p, &req("2026-12-01T08:30:01-05:00", min(20), min(10))).unwrap();
    assert_eq!(d.verdict, Verdict::Deny);
    let b = &d.blocked_by[0];
    assert_eq!((b.rule.as_str(), b.kind), ("nyse", BlockerKind::Market));
    assert_eq!(b.reason, "XNYS session 09:30–16:00 EST");
    assert_eq!(b.from.to_rfc3339(), "2026-12-01T09:00:00-05:00");
    assert_eq!(b.until.to_rfc3339(), "2026-12-01T16:15:00-05:00");
    // The next start is exactly close + after_close.
    assert_eq!(
        d.next_allowed.unwrap().to_rfc3339(),
        "2026-12-01T16:15:00-05:00"
    );
}

#[test]
fn special_sessions_and_holidays() {
    let p = policy(NYSE);
    // Thanksgiving 2026-11-26: closed all day, so clear from the previous guard's end
    // to the next day's guard start.
    let d = decide(&p, &req("2026-11-26T12:00:00-05:00", min(30), min(30))).unwrap();
    assert_eq!(d.verdict, Verdict::Allow);
    assert_eq!(
        d.free_until.unwrap().to_rfc3339(),
        "2026-11-27T09:00:00-05:00"
    );
    // The day after Thanksgiving closes at 13:00, so the guard ends at 13:15.
    let d = decide(&p, &req("2026-11-27T12:00:00-05:00", min(30), min(30))).unwrap();
    assert_eq!(
        d.next_allowed.unwrap().to_rfc3339(),
        "2026-11-27T13:15:00-05:00"
    );
    assert!(
        d.blocked_by[0]
            .reason
            .starts_with("XNYS session 09:30–13:00 EST"),
        "{}",
        d.blocked_by[0].reason
    );
    // Across the DST change the session stays at 09:30 local.
    let d = decide(&p, &req("2026-03-09T09:10:00-04:00", min(10), min(10))).unwrap();
    assert_eq!(
        d.blocked_by[0].from.to_rfc3339(),
        "2026-03-09T09:00:00-04:00"
    );
}

#[test]
fn extra_closed_days_and_scoping() {
    let text = NYSE.replace(
        "after_close = \"15m\"",
        "after_close = \"15m\"\nextra_closed = [\"2026-12-01\"]",
    );
    let p = policy(&text);
    assert!(
        decide(&p, &req("2026-12-01T12:00:00-05:00", min(30), min(30)))
            .unwrap()
            .allowed
    );
    assert!(
        !decide(&p, &req("2026-12-02T12:00:00-05:00", min(30), min(30)))
            .unwrap()
            .allowed
    );
    // A service outside `services` is not governed by the market rule at all.
    let mut web = req("2026-12-02T12:00:00-05:00", min(30), min(30));
    web.service = "web".into();
    assert!(decide(&p, &web).unwrap().allowed);
}

#[test]
fn the_midday_break_does_not_open_a_window() {
    let text = "[[market]]\nname = \"tse\"\nexchange = \"XTKS\"\n";
    let p = policy(text);
    // Tokyo's 11:30-12:30 lunch break on Tuesday 2026-12-01 stays closed.
    let mut r = DeployRequest::new("api", "prod", rfc("2026-12-01T11:40:00+09:00"));
    r.duration = Some(min(10));
    r.monitoring = Some(min(10));
    let d = decide(&p, &r).unwrap();
    assert_eq!(d.verdict, Verdict::Deny);
    assert_eq!(
        d.blocked_by[0].from.to_rfc3339(),
        "2026-12-01T00:00:00+00:00"
    );
    assert_eq!(
        d.blocked_by[0].until.to_rfc3339(),
        "2026-12-01T06:30:00+00:00"
    );
}

#[test]
fn outside_the_calendar_data_is_an_error_never_open() {
    let p = policy(NYSE);
    let err = decide(&p, &req("2031-01-02T12:00:00-05:00", min(30), min(30))).unwrap_err();
    let EvalError::OutOfCoverage { rule, data, .. } = &err else {
        panic!("not a coverage error: {err}");
    };
    assert_eq!(
        (rule.as_str(), data.as_str()),
        (
            "nyse",
            "the XNYS calendar, whose data covers 2015-01-01 to 2030-12-31"
        )
    );
    assert!(decide(&p, &req("2014-12-31T12:00:00-05:00", min(30), min(30))).is_err());
    assert!(next_allowed(&p, &req("2031-01-02T12:00:00-05:00", min(30), min(30))).is_err());
    let from = rfc("2030-12-30T00:00:00Z");
    assert!(
        windows(
            &p,
            "trading-api",
            "prod",
            shipwindow::ChangeKind::Deploy,
            from,
            rfc("2031-01-03T00:00:00Z")
        )
        .is_err()
    );
    // A request the market rule does not apply to is still answered.
    let mut web = req("2031-01-02T12:00:00-05:00", min(30), min(30));
    web.service = "web".into();
    assert!(decide(&p, &web).unwrap().allowed);
}

#[test]
fn the_search_stops_where_the_data_ends() {
    let text = format!(
        "{NYSE}\n[[freeze]]\nname = \"new-year\"\nstart_at = \"2030-12-31T17:00\"\nend_at = \"2031-01-05T00:00\"\n"
    );
    let p = policy(&text);
    // In session on the last covered trading day; after it, the freeze runs past the
    // data: no next start is claimed, and none is wrongly found beyond the data.
    let d = decide(&p, &req("2030-12-31T10:00:00-05:00", min(30), min(30))).unwrap();
    assert_eq!((d.verdict, d.next_allowed), (Verdict::Deny, None));
}

#[test]
fn the_data_edge_is_exact_and_other_rules_are_not_cut_by_it() {
    let text = format!(
        "{NYSE}\n[[freeze]]\nname = \"new-year\"\nstart_at = \"2030-12-31T20:00\"\nend_at = \"2031-01-05T00:00\"\n"
    );
    let p = policy(&text);
    // With ordinary guards the whole data is usable: a deploy ending exactly at the
    // end of 2030-12-31 is decided, one ending a second later is not.
    let d = decide(&p, &req("2030-12-31T23:00:00-05:00", min(30), min(30))).unwrap();
    assert_eq!(d.verdict, Verdict::Deny);
    // The freeze is reported whole, though the market data ends before it does.
    let b = d.blocked_by.iter().find(|b| b.rule == "new-year").unwrap();
    assert_eq!(b.until.to_rfc3339(), "2031-01-05T00:00:00-05:00");
    // The search could not look past the data, and says where it stopped.
    let (end, data) = d.data_end.clone().unwrap();
    assert_eq!(end.to_rfc3339(), "2031-01-01T00:00:00-05:00");
    assert!(data.starts_with("the XNYS calendar"), "{data}");
    let mut r = req("2030-12-31T23:00:00-05:00", min(30), min(30));
    r.monitoring = Some(min(30) + TimeDelta::seconds(1));
    assert!(decide(&p, &r).is_err());
    // The first minutes of the data are usable too (a session the day before could
    // not reach into them with a 15-minute guard).
    assert!(decide(&p, &req("2015-01-01T00:05:00-05:00", min(10), min(10))).is_ok());
    // A guard that passes midnight shrinks the usable data by exactly that much.
    let long = policy(&NYSE.replace("after_close = \"15m\"", "after_close = \"9h\""));
    assert!(decide(&long, &req("2015-01-01T00:59:00-05:00", min(1), min(0))).is_err());
    assert!(decide(&long, &req("2015-01-01T01:00:00-05:00", min(1), min(0))).is_ok());
}
