//! The deploy calendar as iCalendar: `windows --format ics` and
//! `GET /v1/calendar.ics`. The export parses back, with the `icalendar` crate
//! and as a freeze calendar of its own, to exactly the closed intervals.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::ics as ics_common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{DateTime, TimeDelta, Utc};
use http_body_util::BodyExt;
use icalendar::{CalendarComponent, CalendarDateTime, Component, DatePerhapsTime};
use ics_common::*;
use shipwindow::calendar::{Interval, merge};
use shipwindow::eval::{WindowState, WindowsReport, join_closed};
use shipwindow::policy::{ChangeKind, PolicySet};
use shipwindow::server::{AppState, Tokens, app};
use shipwindow::store::Store;
use shipwindow::wire::ics::{ExportOptions, Feed};
use std::path::Path;
use std::sync::Arc;
use tower::ServiceExt;

fn bundled() -> PolicySet {
    PolicySet::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("policies")).unwrap()
}

fn report(policy: &PolicySet, service: &str, from: &str, to: &str) -> WindowsReport {
    shipwindow::windows(policy, service, "prod", ChangeKind::Deploy, t(from), t(to)).unwrap()
}

/// The closed stretches, adjacent closed pieces joined as the export joins them.
fn closed(report: &WindowsReport) -> Vec<(DateTime<Utc>, DateTime<Utc>, Vec<String>)> {
    join_closed(&report.intervals)
        .iter()
        .filter(|s| s.state == WindowState::Closed)
        .map(|s| {
            (
                s.start.with_timezone(&Utc),
                s.end.with_timezone(&Utc),
                s.rules.clone(),
            )
        })
        .collect()
}

/// One parsed VEVENT: start, end, summary, description, uid.
struct Parsed {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    summary: String,
    description: String,
    uid: String,
}

/// Parses with the `icalendar` crate's own reader (its high-level API).
fn parse_back(text: &str) -> Vec<Parsed> {
    let calendar: icalendar::Calendar = text.parse().unwrap();
    let utc = |d: Option<DatePerhapsTime>| match d {
        Some(DatePerhapsTime::DateTime(CalendarDateTime::Utc(t))) => t,
        other => panic!("not a UTC date-time: {other:?}"),
    };
    calendar
        .components
        .iter()
        .filter_map(|c| match c {
            CalendarComponent::Event(e) => Some(Parsed {
                start: utc(e.get_start()),
                end: utc(e.get_end()),
                summary: e.get_summary().unwrap().to_string(),
                description: e.get_description().unwrap_or_default().to_string(),
                uid: e.get_uid().unwrap().to_string(),
            }),
            _ => None,
        })
        .collect()
}

fn opts<'a>(service: &'a str, stamp: &str) -> ExportOptions<'a> {
    ExportOptions {
        service,
        env: "prod",
        stamp: t(stamp),
        refresh: None,
        feed: Feed::Closed,
    }
}

/// The export of a report made from the bundled policies.
fn export(report: &WindowsReport, opts: &ExportOptions<'_>) -> String {
    shipwindow::wire::ics::export(report, &bundled(), opts)
}

#[test]
fn the_export_parses_back_to_exactly_the_closed_intervals() {
    let policy = bundled();
    // Starts inside the weekend freeze, so the first stretch is cut at `from`.
    let r = report(
        &policy,
        "web",
        "2026-11-21T12:00:00+09:00",
        "2026-12-07T00:00:00+09:00",
    );
    let text = export(&r, &opts("web", "2026-11-20T00:00:00Z"));
    let want = closed(&r);
    assert!(want.len() > 5, "a busy fortnight: {}", want.len());
    let got = parse_back(&text);
    assert_eq!(got.len(), want.len());
    for (g, (start, end, rules)) in got.iter().zip(&want) {
        assert_eq!((g.start, g.end), (*start, *end));
        // Titled by what the stretch means, every rule behind it named.
        for rule in rules {
            let title = match rule.as_str() {
                "weeknight" => "Outside deploy window (weeknight)",
                other => other,
            };
            assert!(g.summary.contains(title), "{rule}: {}", g.summary);
        }
        assert!(
            g.summary.starts_with("Deploy freeze: ")
                || g.summary.starts_with("Outside deploy window"),
            "{}",
            g.summary
        );
        assert!(
            g.description.starts_with("No deploys of web to prod: "),
            "{}",
            g.description
        );
    }
    assert_eq!(
        got[0].start,
        t("2026-11-21T12:00:00+09:00"),
        "clipped to `from`"
    );

    // The file's shape: CRLF everywhere, no line over 75 octets, the header.
    assert!(text.ends_with("END:VCALENDAR\r\n"));
    assert!(!text.replace("\r\n", "").contains('\n'), "a bare LF");
    for line in text.split("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
    }
    for head in [
        "BEGIN:VCALENDAR\r\n",
        "VERSION:2.0\r\n",
        "CALSCALE:GREGORIAN\r\n",
        "PRODID:-//shipwindow//",
    ] {
        assert!(text.contains(head), "{head}");
    }
    assert_eq!(
        text.matches("DTSTAMP:20261120T000000Z\r\n").count(),
        want.len()
    );

    // UIDs are unique, and the same on a later export: calendar apps update.
    let mut uids: Vec<&str> = got.iter().map(|g| g.uid.as_str()).collect();
    uids.sort_unstable();
    uids.dedup();
    assert_eq!(uids.len(), got.len());
    let later = parse_back(&export(&r, &opts("web", "2026-11-21T00:00:00Z")));
    assert!(got.iter().zip(&later).all(|(a, b)| a.uid == b.uid));
    // A range that starts later keeps the UIDs of the stretches it still holds
    // whole, and of the one it cuts (named by its end).
    let r2 = report(
        &policy,
        "web",
        "2026-11-22T12:00:00+09:00",
        "2026-12-07T00:00:00+09:00",
    );
    let shifted = parse_back(&export(&r2, &opts("web", "2026-11-21T00:00:00Z")));
    assert_eq!(shifted[0].uid, got[0].uid, "the weekend, cut at two starts");
    for s in &shifted[1..] {
        assert!(
            got.iter().any(|g| g.uid == s.uid && g.start == s.start),
            "{}",
            s.uid
        );
    }
    // Another service's calendar has other UIDs.
    let other = parse_back(&export(&r, &opts("api", "2026-11-20T00:00:00Z")));
    assert!(other.iter().all(|o| !uids.contains(&o.uid.as_str())));
}

#[test]
fn the_export_read_as_a_freeze_calendar_gives_the_closed_intervals_back() {
    let policy = bundled();
    let r = report(
        &policy,
        "payments-api",
        "2026-11-23T00:00:00+09:00",
        "2026-12-28T00:00:00+09:00",
    );
    let text = export(&r, &opts("payments-api", "2026-11-20T00:00:00Z"));
    let p = calendar_policy("UTC", "", &text);
    let want = merge(
        closed(&r)
            .into_iter()
            .map(|(s, e, _)| Interval::new(s, e))
            .collect(),
    );
    let got = intervals(
        &p,
        "cal",
        "2026-11-23T00:00:00+09:00",
        "2026-12-28T00:00:00+09:00",
    );
    assert_eq!(got, want);
}

#[test]
fn text_is_escaped_and_comes_back_unchanged() {
    let summary = "Sale; EU, US \\ APAC";
    let ics = events(&[&[
        "UID:s",
        "SUMMARY:Sale\\; EU\\, US \\\\ APAC",
        "DTSTART:20261201T000000Z",
        "DTEND:20261202T000000Z",
    ]]);
    let p = calendar_policy("UTC", "", &ics);
    let r = shipwindow::windows(
        &p,
        "web",
        "prod",
        ChangeKind::Deploy,
        t("2026-11-30T00:00:00Z"),
        t("2026-12-03T00:00:00Z"),
    )
    .unwrap();
    let text = shipwindow::wire::ics::export(&r, &p, &opts("web", "2026-11-20T00:00:00Z"));
    assert!(text.contains("Sale\\; EU\\, US \\\\ APAC"), "{text}");
    let got = parse_back(&text);
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].description,
        format!("No deploys of web to prod: cal.\ncal: {summary}")
    );
}

#[test]
fn windows_format_ics_on_the_command_line() {
    let ics = events(&[&[
        "UID:bf",
        "SUMMARY:Black Friday sale",
        "DTSTART;VALUE=DATE:20261126",
        "DTEND;VALUE=DATE:20261130",
    ]]);
    let dir = Dir::new(&[
        (
            "p.toml",
            &format!(
                "{}\n[[freeze]]\nname = \"weekend\"\nfrom = \"fri 17:00\"\nto = \"mon 06:00\"\n",
                calendar_toml("Asia/Seoul", "cal.ics", "")
            ),
        ),
        ("cal.ics", &ics),
    ]);
    let args = [
        "windows",
        "--service",
        "web",
        "--env",
        "prod",
        "--from",
        "2026-11-20T00:00",
        "--to",
        "2026-12-05T00:00",
    ];
    let mut with = args.to_vec();
    with.extend(["--format", "ics"]);
    let out = shipwindow(&dir, &with);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let got: Vec<(String, String, String)> = parse_back(&text)
        .into_iter()
        .map(|p| (p.summary, p.start.to_rfc3339(), p.end.to_rfc3339()))
        .collect();
    assert_eq!(
        got,
        expect(&[
            (
                "Deploy freeze: weekend",
                "2026-11-20T17:00:00+09:00",
                "2026-11-23T06:00:00+09:00",
            ),
            // The sale, then the sale and the weekend, then the weekend: one
            // stretch, titled by the calendar's event and the freeze.
            (
                "Deploy freeze: Black Friday sale, weekend",
                "2026-11-26T00:00:00+09:00",
                "2026-11-30T06:00:00+09:00",
            ),
            (
                "Deploy freeze: weekend",
                "2026-12-04T17:00:00+09:00",
                "2026-12-05T00:00:00+09:00",
            ),
        ])
    );
    // The same stretches as `--format json` calls closed, adjacent ones joined.
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let v: serde_json::Value =
        serde_json::from_slice(&shipwindow(&dir, &json_args).stdout).unwrap();
    let mut closed: Vec<(String, String)> = Vec::new();
    for i in v["intervals"].as_array().unwrap() {
        if i["state"] != "closed" {
            continue;
        }
        let start = t(i["start"].as_str().unwrap()).to_rfc3339();
        let end = t(i["end"].as_str().unwrap()).to_rfc3339();
        match closed.last_mut() {
            Some(last) if last.1 == start => last.1 = end,
            _ => closed.push((start, end)),
        }
    }
    let ics_closed: Vec<(String, String)> = got.into_iter().map(|(_, a, b)| (a, b)).collect();
    assert_eq!(ics_closed, closed);
    // `--format ics` is for `windows` only.
    let out = shipwindow(&dir, &["markets", "--format", "ics"]);
    assert_eq!(out.status.code(), Some(2));
}

/// A server state over a calendar freeze two to three days from now.
fn calendar_state(dir: &Dir) -> (Arc<AppState>, DateTime<Utc>, DateTime<Utc>) {
    let now = Utc::now();
    let fmt = |t: DateTime<Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
    let (start, end) = (now + TimeDelta::days(2), now + TimeDelta::days(3));
    let ics = events(&[&[
        "UID:soon",
        "SUMMARY:Launch",
        &format!("DTSTART:{}", fmt(start)),
        &format!("DTEND:{}", fmt(end)),
    ]]);
    std::fs::write(dir.policies().join("cal.ics"), ics).unwrap();
    let policy = PolicySet::load(&dir.policies()).unwrap();
    let state = Arc::new(AppState::new(policy, Store::in_memory().unwrap()).unwrap());
    let secs = |t: DateTime<Utc>| DateTime::from_timestamp(t.timestamp(), 0).unwrap();
    (state, secs(start), secs(end))
}

async fn get(
    state: Arc<AppState>,
    tokens: Tokens,
    uri: &str,
    bearer: Option<&str>,
) -> (StatusCode, String, String) {
    let mut req = Request::builder().uri(uri);
    if let Some(b) = bearer {
        req = req.header("authorization", format!("Bearer {b}"));
    }
    let resp = app(state, tokens)
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let ctype = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, ctype, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn the_server_serves_the_calendar() {
    let dir = Dir::new(&[("p.toml", &calendar_toml("UTC", "cal.ics", ""))]);
    let (state, start, end) = calendar_state(&dir);
    let open = Tokens::default();

    let (status, ctype, body) = get(
        Arc::clone(&state),
        open.clone(),
        "/v1/calendar.ics?service=web&env=prod",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(ctype, "text/calendar; charset=utf-8");
    let got = parse_back(&body);
    assert_eq!(got.len(), 1, "{body}");
    assert_eq!((got[0].start, got[0].end), (start, end));
    assert_eq!(got[0].summary, "Deploy freeze: Launch");
    assert!(body.contains("REFRESH-INTERVAL;VALUE=DURATION:PT60M\r\n"));

    // `days` bounds the range: one day from now ends before the event.
    let (_, _, body) = get(
        Arc::clone(&state),
        open.clone(),
        "/v1/calendar.ics?service=web&env=prod&days=1",
        None,
    )
    .await;
    assert!(parse_back(&body).is_empty(), "{body}");

    for (uri, message) in [
        (
            "/v1/calendar.ics?service=web&env=prod&days=401",
            "`days` must be a whole number from 1 to 400",
        ),
        (
            "/v1/calendar.ics?service=web&env=prod&days=0",
            "`days` must be a whole number from 1 to 400",
        ),
        ("/v1/calendar.ics?env=prod", "service"),
        ("/v1/calendar.ics?service=web&env=prod&colour=red", "colour"),
    ] {
        let (status, _, body) = get(Arc::clone(&state), open.clone(), uri, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert!(body.contains(message), "{uri}: {body}");
    }
}

#[tokio::test]
async fn a_calendar_app_may_give_the_token_in_the_address() {
    let dir = Dir::new(&[("p.toml", &calendar_toml("UTC", "cal.ics", ""))]);
    let (state, _, _) = calendar_state(&dir);
    let tokens = Tokens::from_sources(None, Some("s3cret"));
    let base = "/v1/calendar.ics?service=web&env=prod";
    let (status, _, _) = get(Arc::clone(&state), tokens.clone(), base, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) = get(Arc::clone(&state), tokens.clone(), base, Some("s3cret")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, body) = get(
        Arc::clone(&state),
        tokens.clone(),
        &format!("{base}&token=s3cret"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _, _) = get(
        Arc::clone(&state),
        tokens.clone(),
        &format!("{base}&token=wrong"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Only this endpoint reads a token from the address.
    let (status, _, _) = get(
        Arc::clone(&state),
        tokens,
        "/v1/windows?service=web&env=prod&from=2026-11-27T00:00Z&to=2026-11-28T00:00Z&token=s3cret",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// A night window, a weekly freeze and a calendar freeze, for the titles.
const TITLED: &str = r#"
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
name = "sales"
ics = "sales.ics"
reason = "Sale traffic"
"#;

fn titled_dir() -> Dir {
    let sales = events(&[&[
        "UID:bf",
        "SUMMARY:Black Friday sale",
        "DTSTART;VALUE=DATE:20261126",
        "DTEND;VALUE=DATE:20261130",
    ]]);
    Dir::new(&[("p.toml", TITLED), ("sales.ics", &sales)])
}

#[test]
fn events_are_titled_by_what_they_mean_with_the_reasons_and_joined() {
    let dir = titled_dir();
    let out = shipwindow(
        &dir,
        &[
            "windows",
            "--service",
            "web",
            "--env",
            "prod",
            "--from",
            "2026-11-25T23:00",
            "--to",
            "2026-12-02T00:00",
            "--format",
            "ics",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let got = parse_back(&String::from_utf8(out.stdout).unwrap());
    let rows: Vec<(String, String, String)> = got
        .iter()
        .map(|p| (p.summary.clone(), p.start.to_rfc3339(), p.end.to_rfc3339()))
        .collect();
    // Thursday 00:00 to Monday 22:00 is one event although its rules change
    // five times; Tuesday's day outside the window is another.
    assert_eq!(
        rows,
        expect(&[
            (
                "Deploy freeze: Black Friday sale, weekend · Outside deploy window (weeknight)",
                "2026-11-26T00:00:00+09:00",
                "2026-11-30T22:00:00+09:00",
            ),
            (
                "Outside deploy window (weeknight)",
                "2026-12-01T06:00:00+09:00",
                "2026-12-01T22:00:00+09:00",
            ),
        ])
    );
    assert_eq!(
        got[0].description,
        "No deploys of web to prod: sales, weeknight, weekend.\n\
         sales: Sale traffic: Black Friday sale\n\
         outside weeknight: Low traffic at night\n\
         weekend: Nobody is around to watch a weekend deploy"
    );
}

#[test]
fn the_open_feed_lists_when_to_deploy_with_the_last_start() {
    let dir = titled_dir();
    let out = shipwindow(
        &dir,
        &[
            "windows",
            "--service",
            "web",
            "--env",
            "prod",
            "--from",
            "2026-11-29T00:00",
            "--to",
            "2026-12-02T00:00",
            "--format",
            "ics",
            "--open",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("X-WR-CALNAME:Deploy windows: web to prod\r\n"));
    assert_eq!(text.matches("TRANSP:TRANSPARENT\r\n").count(), 2, "{text}");
    let got = parse_back(&text);
    let rows: Vec<(String, String, String)> = got
        .iter()
        .map(|p| (p.summary.clone(), p.start.to_rfc3339(), p.end.to_rfc3339()))
        .collect();
    assert_eq!(
        rows,
        expect(&[
            (
                "Deploy window open (weeknight)",
                "2026-11-30T22:00:00+09:00",
                "2026-12-01T06:00:00+09:00",
            ),
            (
                "Deploy window open (weeknight)",
                "2026-12-01T22:00:00+09:00",
                "2026-12-02T00:00:00+09:00",
            ),
        ])
    );
    assert_eq!(
        got[0].description,
        "web may deploy to prod.\n\
         Last start that still fits the deploy and its monitoring: Tue 2026-12-01 04:30 KST."
    );
    // The open and closed feeds of one range never share a UID.
    let closed = shipwindow(
        &dir,
        &[
            "windows",
            "--service",
            "web",
            "--env",
            "prod",
            "--from",
            "2026-11-29T00:00",
            "--to",
            "2026-12-02T00:00",
            "--format",
            "ics",
        ],
    );
    let closed = parse_back(&String::from_utf8(closed.stdout).unwrap());
    assert!(got.iter().all(|o| closed.iter().all(|c| c.uid != o.uid)));
}

#[tokio::test]
async fn the_server_serves_the_open_feed_on_request() {
    let dir = Dir::new(&[("p.toml", &calendar_toml("UTC", "cal.ics", ""))]);
    let (state, start, end) = calendar_state(&dir);
    let (status, _, body) = get(
        Arc::clone(&state),
        Tokens::default(),
        "/v1/calendar.ics?service=web&env=prod&days=5&open=true",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let got = parse_back(&body);
    // Open from now until the calendar's event, and after it to the fifth day.
    assert_eq!(got.len(), 2, "{body}");
    assert_eq!(got[0].end, start);
    assert_eq!(got[1].start, end);
    assert!(
        got.iter().all(|g| g.summary == "Deploy window open"),
        "{body}"
    );
    let (status, _, body) = get(
        state,
        Tokens::default(),
        "/v1/calendar.ics?service=web&env=prod&open=maybe",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}
