//! Lanes and reservations in the policy and in decisions: `[[lane]]` tables load
//! (or fail with their place), and a booked slot blocks the other deploys of its
//! lane, names its holder, lets through the deploy that presents it, and shows
//! in `next_allowed`, `free_until`, `windows` and the ICS export.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use chrono::{DateTime, TimeDelta, Utc};
use shipwindow::eval::{BlockerKind, Override, Verdict, WindowState};
use shipwindow::input::RequestText;
use shipwindow::policy::ReservationSpec;
use shipwindow::{DeployRequest, PolicySet, decide, windows};

pub const LANES: &str = "[settings]\ntimezone = \"Asia/Seoul\"\ndeploy_duration = \"30m\"\nmonitoring = \"30m\"\n\n\
    [[window]]\nname = \"evenings\"\ndays = [\"mon-sun\"]\nstart = \"18:00\"\nend = \"23:59\"\n\n\
    [[lane]]\nname = \"payments-db\"\nservices = [\"payments-*\", \"ledger\"]\nenvs = [\"prod\"]\n\
    reason = \"one shared payments database\"\n";

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn problems(files: &[(&str, &str)]) -> Vec<(String, String)> {
    crate::support::diagnostic::problems(files)
}

/// The policy with alice's slot for payments-api 19:00–20:00 KST (7 December 2026).
fn booked() -> PolicySet {
    let files = PolicySet::from_files(&[("p.toml", LANES)]).unwrap();
    let spec = ReservationSpec {
        id: "7",
        lane: "payments-db",
        service: "payments-api",
        env: "prod",
        start: t("2026-12-07T19:00:00+09:00"),
        monitoring_end: t("2026-12-07T20:00:00+09:00"),
        by: "alice",
    };
    let rule = spec.rule(&files);
    files.with_runtime_rules([rule])
}

fn request(service: &str, at: &str) -> DeployRequest {
    DeployRequest::new(service, "prod", t(at))
}

#[test]
fn a_lane_loads_with_its_scope_and_reason() {
    let p = PolicySet::from_files(&[("p.toml", LANES)]).unwrap();
    let lane = p.lane_for("ledger", "prod").unwrap();
    assert_eq!(lane.name, "payments-db");
    assert_eq!(lane.reason.as_deref(), Some("one shared payments database"));
    assert!(p.lane_for("ledger", "staging").is_none());
    assert!(p.lane_for("web", "prod").is_none());
}

#[test]
fn bad_lanes_are_load_errors_at_their_place() {
    let got = problems(&[(
        "a.toml",
        "[[lane]]\nname = \"db\"\nservices = [\"[\"]\ncolor = 1\n\n[[lane]]\nname = \"db\"\n\n[[lane]]\nenvs = [\"prod\"]\n",
    )]);
    let messages: Vec<&str> = got.iter().map(|(m, _)| m.as_str()).collect();
    assert_eq!(
        messages,
        [
            "a.toml:3:13: `services`: bad glob `[`: unclosed character class; missing ']'",
            "a.toml:4:1: unknown key `color` in [[lane]]",
            "a.toml:7:8: lane name `db` is already used at a.toml:1:1",
            "a.toml:9:1: [[lane]] has no `name`",
        ],
        "{got:#?}"
    );
}

#[test]
fn a_lane_member_is_denied_over_the_slot_naming_its_holder() {
    let p = booked();
    let d = decide(&p, &request("ledger", "2026-12-07T19:30:00+09:00")).unwrap();
    assert_eq!(d.verdict, Verdict::Deny);
    let b = &d.blocked_by[0];
    assert_eq!(b.kind, BlockerKind::Reservation);
    assert_eq!(b.rule, "reservation:7");
    assert_eq!(
        b.reason,
        "slot held by alice for payments-api/prod until 2026-12-07 20:00 KST (lane payments-db)"
    );
    assert_eq!(b.from, t("2026-12-07T19:00:00+09:00"));
    assert_eq!(b.until, t("2026-12-07T20:00:00+09:00"));
    // The slot's end is the next start whose deploy and monitoring miss it.
    assert_eq!(d.next_allowed.unwrap(), t("2026-12-07T20:00:00+09:00"));
    // A deploy whose monitoring would reach into the slot is denied too.
    let before = decide(&p, &request("payments-web", "2026-12-07T18:30:00+09:00")).unwrap();
    assert_eq!(before.blocked_by[0].rule, "reservation:7");
    // Outside the lane, nothing changes.
    let web = decide(&p, &request("web", "2026-12-07T19:30:00+09:00")).unwrap();
    assert_eq!(web.verdict, Verdict::Allow);
    let staging = DeployRequest::new("ledger", "staging", t("2026-12-07T19:30:00+09:00"));
    assert_eq!(decide(&p, &staging).unwrap().verdict, Verdict::Allow);
}

#[test]
fn the_holder_presenting_the_slot_is_allowed_and_free_until_stops_at_the_next() {
    let p = booked();
    let mut req = request("payments-api", "2026-12-07T19:00:00+09:00");
    assert_eq!(decide(&p, &req).unwrap().verdict, Verdict::Deny);
    req.reservation = Some("7".into());
    let d = decide(&p, &req).unwrap();
    assert_eq!(d.verdict, Verdict::Allow, "{:?}", d.blocked_by);
    // `evenings` ends at 23:59; nothing else in the way for the holder.
    assert_eq!(d.free_until.unwrap(), t("2026-12-07T23:59:00+09:00"));
    // Before the slot, another lane member's free stretch ends where it starts.
    let early = decide(&p, &request("ledger", "2026-12-07T18:00:00+09:00")).unwrap();
    assert_eq!(early.verdict, Verdict::Allow);
    assert_eq!(early.free_until.unwrap(), t("2026-12-07T19:00:00+09:00"));
}

#[test]
fn only_the_holder_may_override_a_slot_and_the_refusal_says_why() {
    let p = booked();
    let mut req = request("ledger", "2026-12-07T19:30:00+09:00");
    let bob = Override {
        reason: "hotfix".into(),
        approver: Some("bob".into()),
    };
    req.override_ = Some(bob.clone());
    let d = decide(&p, &req).unwrap();
    assert_eq!(d.verdict, Verdict::Deny);
    assert_eq!(
        shipwindow::eval::override_refusals(&p, &d.blocked_by, &bob),
        ["bob is not an approver of reservation:7 (approvers: alice)"]
    );
    req.override_ = Some(Override {
        reason: "mine, after all".into(),
        approver: Some("alice".into()),
    });
    assert_eq!(decide(&p, &req).unwrap().verdict, Verdict::Override);
}

#[test]
fn presenting_a_wrong_id_is_bad_input_naming_it() {
    let p = booked();
    let now = t("2026-12-07T18:00:00+09:00");
    let text = |service: &str, id: &str, at: &str| RequestText {
        service: Some(service.into()),
        env: Some("prod".into()),
        at: Some(at.into()),
        reservation: Some(id.into()),
        ..RequestText::default()
    };
    let err = text("payments-api", "8", "2026-12-07T19:00:00+09:00")
        .resolve(&p, now)
        .unwrap_err();
    assert_eq!(err.field, "reservation");
    assert!(
        err.message.starts_with("`8` is no reservation in force"),
        "{err}"
    );
    let err = text("ledger", "7", "2026-12-07T19:00:00+09:00")
        .resolve(&p, now)
        .unwrap_err();
    assert_eq!(
        err.message,
        "`7` is held for payments-api/prod, not for ledger/prod"
    );
    let err = text("payments-api", "7", "2026-12-07T20:00:00+09:00")
        .resolve(&p, now)
        .unwrap_err();
    assert!(
        err.message
            .starts_with("`7` expires at 2026-12-07T20:00:00+09:00"),
        "{err}"
    );
    let ok = text("payments-api", "7", "2026-12-07T19:00:00+09:00")
        .resolve(&p, now)
        .unwrap();
    assert_eq!(ok.reservation.as_deref(), Some("7"));
}

#[test]
fn windows_and_the_ics_export_show_the_slot_closed() {
    let p = booked();
    let (from, to) = (
        t("2026-12-07T18:00:00+09:00"),
        t("2026-12-07T21:00:00+09:00"),
    );
    let report = windows(
        &p,
        "ledger",
        "prod",
        shipwindow::ChangeKind::Deploy,
        from,
        to,
    )
    .unwrap();
    let closed: Vec<_> = report
        .intervals
        .iter()
        .filter(|s| s.state == WindowState::Closed)
        .map(|s| (s.start.to_utc(), s.end.to_utc(), s.rules.clone()))
        .collect();
    assert_eq!(
        closed,
        [(
            t("2026-12-07T19:00:00+09:00"),
            t("2026-12-07T20:00:00+09:00"),
            vec!["reservation:7".to_string()]
        )]
    );
    let ics = shipwindow::wire::ics::export(
        &report,
        &p,
        &shipwindow::wire::ics::ExportOptions {
            service: "ledger",
            env: "prod",
            stamp: from,
            refresh: None,
            feed: shipwindow::wire::ics::Feed::Closed,
        },
    );
    assert!(
        ics.contains("SUMMARY:Slot held: slot held by alice for payments-api/prod"),
        "{ics}"
    );
    // The holder's own timeline is open through it.
    let mine = p.presenting("7");
    let report = windows(
        &mine,
        "payments-api",
        "prod",
        shipwindow::ChangeKind::Deploy,
        from,
        to,
    )
    .unwrap();
    assert!(
        report
            .intervals
            .iter()
            .all(|s| s.state == WindowState::Open)
    );
    let _ = TimeDelta::zero();
}
