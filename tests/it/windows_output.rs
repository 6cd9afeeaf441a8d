//! `windows` for people at a glance: the last start that still fits in each open
//! stretch (exact, across DST changes, checked against the decision itself),
//! relative and default ranges, `--open`, closed rows joined in the human output,
//! and the same over `GET /v1/windows`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::ics::{Dir, shipwindow, t};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{DateTime, TimeDelta, Utc};
use http_body_util::BodyExt;
use serde_json::Value;
use shipwindow::eval::{WindowState, WindowsReport};
use shipwindow::policy::{ChangeKind, PolicySet};
use shipwindow::server::{AppState, Tokens, app};
use shipwindow::store::Store;
use shipwindow::{DeployRequest, decide};
use std::path::Path;
use std::sync::Arc;
use tower::ServiceExt;

fn policy(toml: &str) -> PolicySet {
    PolicySet::from_files(&[("p.toml", toml)]).unwrap()
}

fn report(policy: &PolicySet, from: &str, to: &str) -> WindowsReport {
    shipwindow::windows(policy, "web", "prod", ChangeKind::Deploy, t(from), t(to)).unwrap()
}

/// The open pieces: start, end, last start (all UTC RFC 3339).
fn open_rows(r: &WindowsReport) -> Vec<(String, String, Option<String>)> {
    let utc = |t: &DateTime<chrono_tz::Tz>| t.with_timezone(&Utc).to_rfc3339();
    r.intervals
        .iter()
        .filter(|s| s.state == WindowState::Open)
        .map(|s| (utc(&s.start), utc(&s.end), s.last_start.as_ref().map(utc)))
        .collect()
}

fn night_window(zone: &str, end: &str) -> String {
    format!(
        "[settings]\ntimezone = \"{zone}\"\ndeploy_duration = \"30m\"\nmonitoring = \"1h\"\n\n\
         [[window]]\nname = \"night\"\ndays = [\"mon-sun\"]\nstart = \"22:00\"\nend = \"{end}\"\n"
    )
}

#[test]
fn the_last_start_is_exact_across_dst_changes() {
    // (zone, window end, night, want: the end of the window less 1h30m of
    // elapsed time). Counting on the wall clock would be an hour off on these
    // nights.
    let cases = [
        // London springs forward at 01:00 GMT on 29 March 2026: the window's
        // 02:30 is 01:30 UTC, so the last start is midnight GMT, not 01:00.
        (
            "Europe/London",
            "02:30",
            ("2026-03-28T12:00:00Z", "2026-03-29T12:00:00Z"),
            "2026-03-29T00:00:00+00:00",
        ),
        // London falls back at 02:00 BST on 25 October 2026: an end at 01:30
        // is the later 01:30 (GMT), so the last start is 01:00 BST.
        (
            "Europe/London",
            "01:30",
            ("2026-10-24T12:00:00Z", "2026-10-25T12:00:00Z"),
            "2026-10-25T00:00:00+00:00",
        ),
        // New York springs forward at 02:00 EST on 8 March 2026.
        (
            "America/New_York",
            "03:30",
            ("2026-03-07T17:00:00Z", "2026-03-08T17:00:00Z"),
            "2026-03-08T06:00:00+00:00",
        ),
    ];
    for (zone, end, (from, to), want) in cases {
        let p = policy(&night_window(zone, end));
        let rows = open_rows(&report(&p, from, to));
        let got: Vec<_> = rows.iter().map(|r| r.2.clone()).collect();
        assert_eq!(
            got,
            vec![Some(t(want).to_rfc3339())],
            "\nzone: {zone} end: {end} rows: {rows:?}"
        );
    }
}

#[test]
fn the_last_start_leaves_room_before_a_freeze_and_joins_adjacent_windows() {
    let p = policy(
        r#"
[settings]
timezone = "UTC"
deploy_duration = "30m"
monitoring = "1h"

[[window]]
name = "late"
days = ["mon"]
start = "22:00"
end = "24:00"

[[window]]
name = "early"
days = ["tue"]
start = "00:00"
end = "06:00"

[[freeze]]
name = "backup"
days = ["tue"]
start = "05:00"
end = "05:30"
"#,
    );
    // Monday 7 December 2026.
    let r = report(&p, "2026-12-07T12:00:00Z", "2026-12-08T12:00:00Z");
    let rows = open_rows(&r);
    // Two windows joined into one stretch, cut by the backup at 05:00: every
    // open row of the stretch has the same last start, 05:00 less 1h30m; the
    // 30 minutes after the backup fit nothing.
    assert_eq!(
        rows,
        vec![
            (
                t("2026-12-07T22:00:00Z").to_rfc3339(),
                t("2026-12-08T00:00:00Z").to_rfc3339(),
                Some(t("2026-12-08T03:30:00Z").to_rfc3339())
            ),
            (
                t("2026-12-08T00:00:00Z").to_rfc3339(),
                t("2026-12-08T05:00:00Z").to_rfc3339(),
                Some(t("2026-12-08T03:30:00Z").to_rfc3339())
            ),
            (
                t("2026-12-08T05:30:00Z").to_rfc3339(),
                t("2026-12-08T06:00:00Z").to_rfc3339(),
                None
            ),
        ]
    );
}

#[test]
fn every_last_start_is_the_latest_start_check_allows() {
    // Differential: the bundled policies over a busy fortnight, for every
    // service it treats differently. At the last start the decision allows;
    // a second later it does not, and nothing later in the stretch does.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    let p = PolicySet::load(&dir).unwrap();
    let mut checked = 0;
    for service in ["web", "payments-api", "batch-report", "trading-gw"] {
        let r = shipwindow::windows(
            &p,
            service,
            "prod",
            ChangeKind::Deploy,
            t("2026-11-20T00:00:00+09:00"),
            t("2026-12-07T00:00:00+09:00"),
        )
        .unwrap();
        for seg in r.intervals.iter().filter(|s| s.state == WindowState::Open) {
            let Some(last) = seg.last_start else { continue };
            let last = last.with_timezone(&Utc);
            let allowed = |at: DateTime<Utc>| {
                decide(&p, &DeployRequest::new(service, "prod", at))
                    .unwrap()
                    .allowed
            };
            assert!(allowed(last), "{service}: {last} should be allowed");
            assert!(
                !allowed(last + TimeDelta::seconds(1)),
                "{service}: a second after {last} should not be allowed"
            );
            checked += 1;
        }
    }
    assert!(checked > 20, "checked {checked} open stretches");
}

const WEEK: &str = r#"
[settings]
timezone = "Asia/Seoul"
deploy_duration = "30m"
monitoring = "1h"

[[window]]
name = "weeknight"
days = ["mon-thu", "sun"]
start = "22:00"
end = "06:00"
reason = "Low traffic at night"

[[freeze]]
name = "weekend"
from = "fri 17:00"
to = "mon 06:00"
reason = "Nobody is around to watch a weekend deploy"

[[freeze]]
name = "sale"
start_at = "2026-11-26T00:00"
end_at = "2026-11-30T00:00"
reason = "Black Friday sale"
"#;

fn run_json(dir: &Dir, args: &[&str]) -> Value {
    let out = shipwindow(dir, args);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn from_defaults_to_now_and_to_takes_relative_forms() {
    let dir = Dir::new(&[("p.toml", WEEK)]);
    let base = ["windows", "--service", "web", "--env", "prod"];
    let range = |extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend(extra);
        args.extend(["--format", "json"]);
        let v = run_json(&dir, &args);
        (t(v["from"].as_str().unwrap()), t(v["to"].as_str().unwrap()))
    };
    let before = Utc::now() - TimeDelta::seconds(1);
    let (from, to) = range(&[]);
    let after = Utc::now() + TimeDelta::seconds(1);
    assert!(before <= from && from <= after, "{from} is now");
    assert_eq!(to - from, TimeDelta::days(7), "a week by default");

    let (from, to) = range(&["--from", "now", "--to", "+14d"]);
    assert!(before <= from && from <= after + TimeDelta::seconds(5));
    assert_eq!(to - from, TimeDelta::days(14));

    // `+D` counts from --from; `now+D` from now; `-D` goes back.
    let (from, to) = range(&["--from", "2026-11-23T06:00", "--to", "+1d12h"]);
    assert_eq!(from, t("2026-11-23T06:00:00+09:00"));
    assert_eq!(to, t("2026-11-24T18:00:00+09:00"));
    let (from, to) = range(&["--from", "-2h", "--to", "now+1h"]);
    assert_eq!(to - from, TimeDelta::hours(3));

    // Bad forms are exit 2 with what is wrong and what to write.
    for (flag, value, says) in [
        ("--to", "+2x", "unknown unit `x`"),
        ("--from", "yesterday", "is not a date and time"),
        ("--to", "now*2", "write `now`, `now+2h`, `+14d`"),
        ("--to", "-1d", "is not after `from`"),
    ] {
        let mut args = base.to_vec();
        args.extend([flag, value]);
        let out = shipwindow(&dir, &args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}: {err}");
        assert!(err.contains(says), "{flag} {value}: {err}");
    }
}

#[test]
fn human_rows_join_closed_stretches_and_open_lists_only_open_windows() {
    let dir = Dir::new(&[("p.toml", WEEK)]);
    let args = [
        "windows",
        "--service",
        "web",
        "--env",
        "prod",
        "--from",
        "2026-11-25T23:00",
        "--to",
        "2026-12-02T00:00",
    ];
    let out = shipwindow(&dir, &args);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("  ")).collect();
    // Thursday 00:00 to Monday 22:00 is one closed row (the sale, then the
    // sale outside the window, then the weekend too, then the weekend) naming
    // all their rules; the JSON keeps the pieces apart.
    assert!(
        rows.contains(
            &"  closed  Thu 11-26 00:00 KST to Mon 11-30 22:00 KST        4d 22h  sale, weeknight, weekend"
        ),
        "{text}"
    );
    assert_eq!(
        rows.iter().filter(|r| r.starts_with("  closed")).count(),
        2,
        "{text}"
    );
    // The hour before the sale fits no 30m deploy and 1h of monitoring.
    assert!(
        text.contains(
            "  open    Wed 11-25 23:00 KST to Thu 11-26 00:00 KST            1h  weeknight\n          last start: none (deploy and monitoring do not fit)\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "  open    Mon 11-30 22:00 KST to Tue 12-01 06:00 KST            8h  weeknight\n          last start Tue 12-01 04:30 KST (deploy and monitoring still fit)\n"
        ),
        "{text}"
    );
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let v = run_json(&dir, &json_args);
    let intervals = v["intervals"].as_array().unwrap();
    let closed = intervals.iter().filter(|i| i["state"] == "closed").count();
    assert!(closed > 2, "the JSON keeps its segments: {v}");
    let last_starts: Vec<&Value> = intervals
        .iter()
        .filter_map(|i| i.get("last_start"))
        .collect();
    assert_eq!(
        last_starts,
        ["2026-12-01T04:30:00+09:00", "2026-12-02T04:30:00+09:00"],
        "on the open intervals where a start fits: {v}"
    );

    let mut open_args = args.to_vec();
    open_args.push("--open");
    let text = String::from_utf8(shipwindow(&dir, &open_args).stdout).unwrap();
    assert!(!text.contains("closed"), "{text}");
    assert_eq!(text.matches("  open  ").count(), 3, "{text}");
    open_args.extend(["--format", "json"]);
    let v = run_json(&dir, &open_args);
    let states: Vec<&str> = v["intervals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["open", "open", "open"], "{v}");
    assert!(v["intervals"][0].get("last_start").is_none(), "{v}");
    assert_eq!(
        v["intervals"][1]["last_start"], "2026-12-01T04:30:00+09:00",
        "{v}"
    );

    // No open window at all says so.
    let none = [
        "windows",
        "--service",
        "web",
        "--env",
        "prod",
        "--from",
        "2026-11-27T00:00",
        "--to",
        "2026-11-29T00:00",
        "--open",
    ];
    let text = String::from_utf8(shipwindow(&dir, &none).stdout).unwrap();
    assert!(text.contains("no open windows in this range"), "{text}");
}

async fn get_json(state: Arc<AppState>, uri: &str) -> (StatusCode, Value) {
    let req = Request::builder().uri(uri).body(Body::empty()).unwrap();
    let resp = app(state, Tokens::default()).oneshot(req).await.unwrap();
    let status = resp.status();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&body).unwrap())
}

#[tokio::test]
async fn the_server_answers_windows_the_same_way() {
    let clock = Arc::new(shipwindow::clock::ManualClock::new(t(
        "2026-11-25T23:00:00+09:00",
    )));
    let state = AppState::new(policy(WEEK), Store::in_memory().unwrap())
        .unwrap()
        .with_clock(clock);
    let state = Arc::new(state);
    // `from` defaults to the server's now, `to` to a week later.
    let (status, v) = get_json(Arc::clone(&state), "/v1/windows?service=web&env=prod").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["from"], "2026-11-25T23:00:00+09:00");
    assert_eq!(v["to"], "2026-12-02T23:00:00+09:00");
    let (_, v) = get_json(
        Arc::clone(&state),
        "/v1/windows?service=web&env=prod&to=%2B6d1h&open=true",
    )
    .await;
    assert_eq!(v["to"], "2026-12-02T00:00:00+09:00", "{v}");
    let intervals = v["intervals"].as_array().unwrap();
    assert_eq!(intervals.len(), 3, "{v}");
    assert!(intervals.iter().all(|i| i["state"] == "open"), "{v}");
    assert!(intervals[0].get("last_start").is_none(), "{v}");
    assert_eq!(intervals[1]["last_start"], "2026-12-01T04:30:00+09:00");
    let (status, v) = get_json(
        Arc::clone(&state),
        "/v1/windows?service=web&env=prod&to=%2B7x",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["error"].as_str().unwrap().contains("unknown unit `x`"),
        "{v}"
    );
}
