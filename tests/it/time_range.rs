//! Issue 13, classes 1 and 3 and the leap-second hole: every rule kind blocks for
//! the whole supported range (1971–2199), times are bounded in the zone they are
//! written in, anything that would end past the range is bad input (never a panic
//! or a far-future "allowed"), and `:60` is refused wherever a time is read.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{DateTime, TimeDelta, Utc};
use http_body_util::BodyExt;
use serde_json::Value;
use shipwindow::input::RequestText;
use shipwindow::plan::{self, Color};
use shipwindow::server::{AppState, Tokens, app};
use shipwindow::store::Store;
use shipwindow::time::parse_instant;
use shipwindow::{DeployRequest, EvalError, PolicySet, Verdict};
use std::process::{Command, Output};
use std::sync::Arc;
use tower::ServiceExt;

fn rfc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn policy(text: &str) -> PolicySet {
    PolicySet::from_files(&[("p.toml", text)]).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn load_error(text: &str) -> String {
    match PolicySet::from_files(&[("p.toml", text)]) {
        Ok(_) => panic!("loaded, but should not:\n{text}"),
        Err(e) => e.to_string(),
    }
}

/// One freeze of each time spec kind, 10:00–14:00 on the days it covers.
const SPECS: [(&str, &str); 5] = [
    (
        "daily",
        "days = [\"daily\"]\nstart = \"10:00\"\nend = \"14:00\"",
    ),
    ("weekly", "from = \"tue 10:00\"\nto = \"tue 14:00\""),
    ("cron-for", "cron = \"0 10 * * *\"\nduration = \"4h\""),
    (
        "cron-until",
        "cron = \"0 10 * * *\"\nuntil_cron = \"0 14 * * *\"",
    ),
    (
        "once",
        "start_at = \"2199-12-31T10:00\"\nend_at = \"2199-12-31T14:00\"",
    ),
];

fn freeze_policy(zone: &str, spec: &str) -> PolicySet {
    policy(&format!(
        "[settings]\ntimezone = \"{zone}\"\n\n[[freeze]]\nname = \"f\"\nreason = \"r\"\n{spec}\n"
    ))
}

fn request(at: &str) -> DeployRequest {
    let mut r = DeployRequest::new("web", "prod", rfc(at));
    r.duration = Some(TimeDelta::minutes(10));
    r.monitoring = Some(TimeDelta::minutes(10));
    r
}

#[test]
fn every_time_spec_kind_blocks_on_the_last_day_of_the_range() {
    // 2199-12-31 is a Tuesday; so is 2101-01-04, just past where the cron crate
    // used to stop producing intervals.
    for zone in ["UTC", "Asia/Seoul", "America/New_York"] {
        let offset = match zone {
            "UTC" => "Z",
            "Asia/Seoul" => "+09:00",
            _ => "-05:00",
        };
        for (kind, spec) in SPECS {
            let policy = freeze_policy(zone, spec);
            let mut days = vec!["2199-12-31"];
            if kind != "once" {
                days.push("2101-01-04");
            }
            for day in days {
                let inside = format!("{day}T12:00:00{offset}");
                let d = shipwindow::decide(&policy, &request(&inside)).unwrap();
                assert_eq!(
                    d.verdict,
                    Verdict::Deny,
                    "\nkind: {kind} zone: {zone} at: {inside}"
                );
                let outside = format!("{day}T15:00:00{offset}");
                let d = shipwindow::decide(&policy, &request(&outside)).unwrap();
                assert_eq!(
                    d.verdict,
                    Verdict::Allow,
                    "\nkind: {kind} zone: {zone} at: {outside}"
                );
            }
            // A denied request on the last day is never told to go at a time whose
            // deploy and monitoring (20 minutes) would end after the range.
            let req = request(&format!("2199-12-31T12:00:00{offset}"));
            let d = shipwindow::decide(&policy, &req).unwrap();
            let next = shipwindow::next_allowed(&policy, &req).unwrap();
            assert_eq!(d.next_allowed, next, "kind: {kind} zone: {zone}");
            let next = next.unwrap().to_utc();
            let last = rfc(&format!("2200-01-01T00:00:00{offset}"));
            assert_eq!(
                next,
                rfc(&format!("2199-12-31T14:00:00{offset}")),
                "{kind} {zone}"
            );
            assert!(
                next + TimeDelta::minutes(20) <= last,
                "kind: {kind} zone: {zone}"
            );
        }
    }
}

#[test]
fn searches_stop_where_the_range_ends() {
    // Blocked from 23:00 to the end of 2199: nothing is left to suggest, rather
    // than a start whose deploy would run into 2200.
    let policy = freeze_policy(
        "UTC",
        "days = [\"daily\"]\nstart = \"23:00\"\nend = \"24:00\"",
    );
    let req = request("2199-12-31T22:50:00Z");
    let d = shipwindow::decide(&policy, &req).unwrap();
    assert_eq!(d.verdict, Verdict::Deny);
    assert_eq!(d.next_allowed, None);
    assert_eq!(shipwindow::next_allowed(&policy, &req).unwrap(), None);
    // Allowed before the freeze: clear until it starts.
    let d = shipwindow::decide(&policy, &request("2199-12-31T22:00:00Z")).unwrap();
    assert_eq!(d.verdict, Verdict::Allow);
    assert_eq!(d.free_until.unwrap().to_utc(), rfc("2199-12-31T23:00:00Z"));
}

#[test]
fn windows_keep_closing_through_the_last_year() {
    // A cron-based window that stopped producing intervals would close
    // everything, so this checks the window opens on the last day too.
    let policy = policy(
        "[settings]\ntimezone = \"Asia/Seoul\"\n\n[[window]]\nname = \"w\"\n\
         cron = \"0 22 * * *\"\nduration = \"2h\"\n",
    );
    for at in ["2199-12-31T22:30:00+09:00", "2150-06-01T22:30:00+09:00"] {
        let d = shipwindow::decide(&policy, &request(at)).unwrap();
        assert_eq!(d.verdict, Verdict::Allow, "{at}");
    }
}

#[test]
fn times_are_bounded_in_the_zone_they_are_written_in() {
    let seoul = chrono_tz::Asia::Seoul;
    let new_york = chrono_tz::America::New_York;
    for (text, tz) in [
        // Still 2199 in UTC, but 2200 where it is written.
        ("2200-01-01T08:59", seoul),
        ("2200-01-01T08:59:00+09:00", seoul),
        ("2200-01-01T00:00", new_york),
        ("1970-12-31T23:59", new_york),
        ("1970-12-31T23:00:00-05:00", seoul),
        ("2201-06-01T00:00:00Z", seoul),
        ("9999-12-31T23:59:59Z", seoul),
        ("0001-01-01T00:00", seoul),
    ] {
        let err = parse_instant(text, tz).unwrap_err();
        assert!(
            err.message.contains("outside the supported years"),
            "{text} in {tz}: {err}"
        );
        assert_eq!(err.help.as_deref(), Some("use a time from 1971 to 2199"));
    }
    for (text, tz) in [
        ("2199-12-31T23:59", seoul),
        ("2199-12-31T23:59:59-05:00", seoul),
        ("1971-01-01T00:00", new_york),
        ("1971-01-01T00:00:00+14:00", new_york),
    ] {
        assert!(parse_instant(text, tz).is_ok(), "{text} in {tz}");
    }
    // A one-time rule is read the same way, in its zone.
    for (start, end) in [
        ("2199-12-31T10:00", "2200-01-01T00:30"),
        ("1970-12-31T23:00", "1971-01-01T10:00"),
        ("2199-12-31T10:00", "2200-01-01T08:59:00+09:00"),
    ] {
        let text = format!(
            "[settings]\ntimezone = \"Asia/Seoul\"\n\n[[freeze]]\nname = \"f\"\nreason = \"r\"\n\
             start_at = \"{start}\"\nend_at = \"{end}\"\n"
        );
        let err = load_error(&text);
        assert!(
            err.contains("outside the supported years"),
            "{start} {end}: {err}"
        );
    }
}

#[test]
fn a_request_that_ends_past_the_range_is_refused_not_decided() {
    let policy = freeze_policy("Asia/Seoul", SPECS[0].1);
    for (at, duration, monitoring) in [
        ("2199-12-31T23:00:00+09:00", "2h", "0s"),
        ("2199-12-31T23:00:00+09:00", "30m", "31m"),
        ("2150-01-01T00:00:00+09:00", "36500d", "36500d"),
        ("2199-12-31T23:59:59+09:00", "1s", "1s"),
    ] {
        let text = RequestText {
            service: Some("web".into()),
            env: Some("prod".into()),
            at: Some(at.into()),
            duration: Some(duration.into()),
            monitoring: Some(monitoring.into()),
            ..RequestText::default()
        };
        let req = text.resolve(&policy, Utc::now()).unwrap();
        let err = shipwindow::decide(&policy, &req).unwrap_err();
        assert!(
            matches!(err, EvalError::OutOfRange { .. }),
            "{at} {duration}: {err}"
        );
        assert!(
            err.to_string().contains("after the supported years"),
            "{at} {duration}: {err}"
        );
        let err = shipwindow::next_allowed(&policy, &req).unwrap_err();
        assert!(matches!(err, EvalError::OutOfRange { .. }), "{at}: {err}");
    }
    // Ending exactly when the range ends is still inside it.
    let req = request("2199-12-31T23:40:00+09:00");
    assert!(shipwindow::decide(&freeze_policy("Asia/Seoul", SPECS[0].1), &req).is_ok());
}

/// A strategy whose plan lasts far beyond the range: 36500 days a step.
const LONG_STRATEGY: &str = r#"
[settings]
timezone = "Asia/Seoul"

[[strategy]]
name = "ages"
kind = "rolling"
service = "web"
env = "prod"
targets = ["web-1", "web-2", "web-3", "web-4", "web-5", "web-6", "web-7", "web-8"]
batch = 1
step_time = "36500d"
verify = "36500d"

[strategy.hooks]
deploy = ["./deploy.sh", "{target}", "{version}"]
health = ["./health.sh", "{target}"]
rollback = ["./rollback.sh", "{target}", "{previous}"]
"#;

#[test]
fn a_plan_that_ends_past_the_range_is_refused() {
    let policy = policy(LONG_STRATEGY);
    let ages = plan::find(&policy, "ages").unwrap().clone();
    for at in ["2026-12-01T22:00:00+09:00", "1971-01-01T00:00:00+09:00"] {
        let err = plan::plan(&policy, &ages, rfc(at), Color::Blue).unwrap_err();
        assert!(matches!(err, EvalError::OutOfRange { .. }), "{at}: {err}");
        let text = RequestText {
            service: Some("web".into()),
            env: Some("prod".into()),
            at: Some(at.into()),
            strategy: Some("ages".into()),
            ..RequestText::default()
        };
        let req = text.resolve(&policy, Utc::now()).unwrap();
        let err = shipwindow::decide(&policy, &req).unwrap_err();
        assert!(matches!(err, EvalError::OutOfRange { .. }), "{at}: {err}");
    }
    let at = rfc("2026-12-01T22:00:00Z");
    let compared = plan::compare::compare(&policy, "web", "prod", at, None, |_| Color::Blue);
    assert!(matches!(compared, Err(EvalError::OutOfRange { .. })));
}

fn shipwindow(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shipwindow"))
        .arg("--policies")
        .arg(dir)
        .args(args)
        .env_remove("SHIPWINDOW_POLICIES")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GITHUB_OUTPUT")
        .output()
        .unwrap()
}

#[test]
fn the_cli_exits_2_for_times_and_lengths_past_the_range() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.toml"), LONG_STRATEGY).unwrap();
    let base = ["check", "--service", "web", "--env", "prod"];
    for (extra, says) in [
        (
            &["--at", "2200-01-01T08:59"][..],
            "outside the supported years",
        ),
        (&["--at", "2199-12-31T23:59:60"][..], "leap second"),
        (
            &["--at", "2199-12-31T23:00", "--duration", "2h"][..],
            "after the supported years",
        ),
        (
            &[
                "--at",
                "2026-12-01T22:00",
                "--monitoring",
                "36500d",
                "--duration",
                "36500d",
            ][..],
            "after the supported years",
        ),
        (
            &["--at", "2026-12-01T22:00", "--strategy", "ages"][..],
            "after the supported years",
        ),
    ] {
        let args: Vec<&str> = base.iter().chain(extra).copied().collect();
        let o = shipwindow(dir.path(), &args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    let o = shipwindow(
        dir.path(),
        &["plan", "--strategy", "ages", "--at", "2026-12-01T22:00"],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("after the supported years"), "{err}");
}

#[tokio::test]
async fn http_answers_400_for_times_and_lengths_past_the_range() {
    let state = AppState::new(policy(LONG_STRATEGY), Store::in_memory().unwrap()).unwrap();
    let router = app(Arc::new(state), Tokens::default());
    for (uri, says) in [
        (
            "/v1/check?service=web&env=prod&at=2200-01-01T08:59",
            "outside the supported years",
        ),
        (
            "/v1/check?service=web&env=prod&at=2026-06-30T23:59:60Z",
            "leap second",
        ),
        (
            "/v1/check?service=web&env=prod&at=2199-12-31T23:00&duration=2h",
            "after the supported years",
        ),
        (
            "/v1/check?service=web&env=prod&at=2026-12-01T22:00&strategy=ages",
            "after the supported years",
        ),
        (
            "/v1/next?service=web&env=prod&at=2199-12-31T23:00&duration=2h",
            "after the supported years",
        ),
        (
            "/v1/windows?service=web&env=prod&from=2199-12-01T00:00&to=2200-01-02T00:00",
            "outside the supported years",
        ),
    ] {
        let resp = router
            .clone()
            .oneshot(Request::builder().uri(uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        let error = body["error"].as_str().unwrap_or_default();
        assert!(error.contains(says), "{uri}: {body}");
    }
}

#[test]
fn leap_seconds_are_refused_wherever_a_time_is_read() {
    let seoul = chrono_tz::Asia::Seoul;
    for text in [
        "2016-12-31T23:59:60Z",
        "2016-12-31T23:59:60+00:00",
        "2017-01-01T08:59:60+09:00",
        "2026-06-30T23:59:60",
        "2026-06-30 12:30:60",
        "2026-06-30T23:59:60.5Z",
    ] {
        let err = parse_instant(text, seoul).unwrap_err();
        assert!(err.message.contains("leap second"), "{text}: {err}");
    }
    // In a policy file, quoted or as a TOML date-time.
    for value in [
        "\"2026-06-30T23:59:60\"",
        "\"2026-06-30T23:59:60Z\"",
        "2026-06-30T23:59:60",
        "2026-06-30T23:59:60Z",
    ] {
        let text = format!(
            "[[freeze]]\nname = \"f\"\nreason = \"r\"\nstart_at = {value}\nend_at = \"2026-07-01T10:00\"\n"
        );
        let err = load_error(&text);
        assert!(err.contains("leap second"), "{value}: {err}");
    }
    // In an iCalendar file.
    for stamp in ["20161231T235960Z", "20261231T235960"] {
        let ics = format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:a\r\n\
             DTSTAMP:20260101T000000Z\r\nDTSTART:{stamp}\r\nDTEND:20270101T010000Z\r\n\
             SUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        );
        let err = crate::support::ics::calendar_error("UTC", "", &ics);
        assert!(err.contains(stamp), "{stamp}: {err}");
    }
}

#[test]
fn a_recurring_calendar_event_blocks_on_the_last_day_of_the_range() {
    let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:a\r\n\
               DTSTAMP:20260101T000000Z\r\nDTSTART:20260101T100000Z\r\nDTEND:20260101T140000Z\r\n\
               RRULE:FREQ=DAILY\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let policy = crate::support::ics::calendar_policy("UTC", "", ics);
    for at in ["2101-01-04T12:00:00Z", "2199-12-31T12:00:00Z"] {
        let d = shipwindow::decide(&policy, &request(at)).unwrap();
        assert_eq!(d.verdict, Verdict::Deny, "{at}");
    }
}
