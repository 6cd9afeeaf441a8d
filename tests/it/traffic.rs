//! Low-traffic windows learned from a real Prometheus (`support::prometheus`):
//! four weeks of a generated series in America/New_York with a known nightly
//! trough, across the fall-back of 1 November 2026, with one outage day and
//! one holiday spike, give exactly the expected windows; the TOML written
//! loads; several series, no series and a bad query are clear errors; a
//! `[[window]]` with `traffic` uses its cached copy (and says it is stale)
//! when Prometheus is down, and fails closed with exit 2 when there is none.
//!
//! The outage is a day with **no samples**, not zeros: that is what a
//! Prometheus has when its target is down (scrapes fail, `rate()` has nothing
//! to say), and the profile must not take a gap for quiet.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::prometheus::{Blocks, Prometheus};
use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Timelike, Utc, Weekday};
use chrono_tz::America::New_York;
use shipwindow::policy::RuleSource;
use shipwindow::{DeployRequest, LoadOptions, PolicySet, Verdict, decide};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex, Weak};

/// Samples every five minutes, so that every query point (whole 15 minutes)
/// finds one inside Prometheus' five-minute lookback.
const SAMPLE_EVERY: i64 = 300;
const QUIET: f64 = 8.0;
const BUSY: f64 = 120.0;
const HOLIDAY: f64 = 900.0;
/// The end of the four weeks: Monday 16 November 2026, 00:00 EST.
const END: &str = "2026-11-16T00:00:00-05:00";

fn end() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(END).unwrap().to_utc()
}

/// The traffic of `web` at a wall-clock time in New York.
fn web(local: chrono::NaiveDateTime) -> Option<f64> {
    let date = local.date();
    // The outage: no samples at all on Thursday 29 October.
    if date == NaiveDate::from_ymd_opt(2026, 10, 29).unwrap() {
        return None;
    }
    let minute = local.hour() * 60 + local.minute();
    let night = (60..300).contains(&minute);
    // The holiday: a busy night on Tuesday 10 November (one week of four).
    if night && date == NaiveDate::from_ymd_opt(2026, 11, 10).unwrap() {
        return Some(HOLIDAY);
    }
    let quiet = match local.weekday() {
        // Sunday night runs on into Monday morning.
        Weekday::Sun => night || minute >= 22 * 60,
        Weekday::Mon => minute < 300,
        // A half-hour dip, shorter than the minimum length.
        Weekday::Wed => night || (13 * 60..13 * 60 + 30).contains(&minute),
        _ => night,
    };
    // Busy hours vary a little, so the profile is not flat.
    Some(if quiet {
        QUIET
    } else {
        BUSY + f64::from(local.hour())
    })
}

/// OpenMetrics text: `traffic_rps{service="web"}` over the four weeks (and a
/// day either side), and `traffic_rps{service="api"}` over the last week.
fn openmetrics() -> String {
    let from = end() - TimeDelta::days(29);
    let to = end() + TimeDelta::hours(1);
    let mut out = String::from("# TYPE traffic_rps gauge\n");
    let mut t = from;
    while t <= to {
        let local = t.with_timezone(&New_York).naive_local();
        if let Some(v) = web(local) {
            out.push_str(&format!(
                "traffic_rps{{service=\"web\"}} {v} {}\n",
                t.timestamp()
            ));
        }
        t += TimeDelta::seconds(SAMPLE_EVERY);
    }
    let mut t = end() - TimeDelta::days(7);
    while t <= to {
        out.push_str(&format!(
            "traffic_rps{{service=\"api\"}} 50 {}\n",
            t.timestamp()
        ));
        t += TimeDelta::seconds(SAMPLE_EVERY);
    }
    out.push_str("# EOF\n");
    out
}

/// The backfilled blocks, made once while any test holds them.
fn blocks() -> Arc<Blocks> {
    static BLOCKS: Mutex<Weak<Blocks>> = Mutex::new(Weak::new());
    let mut blocks = BLOCKS.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(b) = blocks.upgrade() {
        return b;
    }
    let b = Arc::new(Blocks::create(&openmetrics()));
    *blocks = Arc::downgrade(&b);
    b
}

/// One server for the tests that only read from it.
fn shared() -> Arc<Prometheus> {
    static SHARED: Mutex<Weak<Prometheus>> = Mutex::new(Weak::new());
    let blocks = blocks();
    let mut shared = SHARED.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(p) = shared.upgrade() {
        return p;
    }
    let p = Arc::new(Prometheus::start(&blocks));
    *shared = Arc::downgrade(&p);
    p
}

fn shipwindow(args: &[&str], state: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shipwindow"))
        .args(args)
        .env("SHIPWINDOW_STATE_DIR", state)
        .env_remove("SHIPWINDOW_POLICIES")
        .env_remove("SHIPWINDOW_PROMETHEUS_TOKEN")
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `traffic` against the server with the test's range and zone, and
/// `--below 20 --min-length 2h` unless `extra` gives them.
fn traffic(url: &str, query: &str, extra: &[&str]) -> Output {
    let state = tempfile::tempdir().unwrap();
    let mut args = vec![
        "traffic",
        "--prometheus",
        url,
        "--query",
        query,
        "--zone",
        "America/New_York",
        "--end",
        END,
    ];
    for (flag, value) in [("--below", "20"), ("--min-length", "2h")] {
        if !extra.contains(&flag) {
            args.extend([flag, value]);
        }
    }
    args.extend_from_slice(extra);
    shipwindow(&args, state.path())
}

/// The windows every test expects, Monday first by where they open.
const EXPECTED: [(&str, &str); 7] = [
    ("tue 01:00", "tue 05:00"),
    ("wed 01:00", "wed 05:00"),
    ("thu 01:00", "thu 05:00"),
    ("fri 01:00", "fri 05:00"),
    ("sat 01:00", "sat 05:00"),
    ("sun 01:00", "sun 05:00"),
    ("sun 22:00", "mon 05:00"),
];

#[test]
fn four_weeks_of_traffic_give_exactly_the_nightly_windows_across_the_fall_back() {
    let p = shared();
    let out = traffic(
        &p.url,
        "traffic_rps{service=\"web\"}",
        &["--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let windows: Vec<(String, String)> = json["windows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["from"].as_str().unwrap().to_string(),
                w["to"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: Vec<(String, String)> = EXPECTED
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    // Without wall-clock slots the two weeks of EDT and two of EST would
    // disagree by an hour, and the windows would shrink to 02:00–04:00.
    assert_eq!(windows, want, "zone America/New_York, fall-back 2026-11-01");
    assert_eq!(json["zone"], "America/New_York");
    assert_eq!(json["threshold"], 20.0);
    assert_eq!(json["from"], "2026-10-19T01:00:00-04:00");
    assert_eq!(json["to"], "2026-11-16T00:00:00-05:00");
    let slots = json["slots"].as_array().unwrap();
    assert_eq!(slots.len(), 7 * 96);
    let slot = |day: &str, time: &str| {
        slots
            .iter()
            .find(|s| s["day"] == day && s["time"] == time)
            .unwrap()
            .clone()
    };
    // The holiday is one of four Tuesday nights: the median stays quiet.
    assert_eq!(slot("tue", "02:00")["median"], QUIET);
    assert_eq!(slot("tue", "02:00")["samples"], 4);
    // The outage left Thursday with three weeks of samples, still quiet.
    assert_eq!(slot("thu", "02:00")["samples"], 3);
    assert_eq!(slot("thu", "02:00")["low"], true);
    // The fall-back's repeated hour gave Sunday 01:00 a fifth sample.
    assert_eq!(slot("sun", "01:00")["samples"], 5);
    // The Wednesday dip is low but shorter than --min-length.
    assert_eq!(slot("wed", "13:00")["low"], true);
}

#[test]
fn the_human_table_and_the_svg_show_the_profile_and_the_windows() {
    let p = shared();
    let human = traffic(&p.url, "traffic_rps{service=\"web\"}", &["--step", "1h"]);
    assert_eq!(human.status.code(), Some(0), "{}", text(&human.stderr));
    let h = text(&human.stdout);
    assert!(
        h.contains("\ntime   mon   tue   wed   thu   fri   sat   sun\n")
            && h.contains("\n02:00    8*    8*    8*    8*    8*    8*    8*\n"),
        "{h}"
    );
    assert!(
        h.contains("\n12:00  132   132   132   132   132   132   132\n"),
        "{h}"
    );
    assert!(h.contains("  below 20; low slots marked *"), "{h}");
    assert!(h.contains("  sun 22:00 to mon 05:00  (7h)"), "{h}");
    let svg = traffic(
        &p.url,
        "traffic_rps{service=\"web\"} < 1e9",
        &["--format", "svg"],
    );
    assert_eq!(svg.status.code(), Some(0), "{}", text(&svg.stderr));
    let s = text(&svg.stdout);
    assert!(
        s.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
        "{s}"
    );
    assert!(
        s.contains("traffic_rps{service=&quot;web&quot;} &lt; 1e9"),
        "the query is escaped"
    );
    assert!(
        !s.contains("href") && !s.contains("<script"),
        "no external assets"
    );
    // Sunday 22:00 to Monday 05:00 is two outlines; six nights one each.
    assert_eq!(
        s.matches("stroke=\"#d62728\" stroke-width=\"2\"><title>")
            .count(),
        8
    );
    assert_eq!(s.matches("<rect").count(), 1 + 7 * 96 + 8 + 4);
}

#[test]
fn the_toml_it_writes_loads_with_validate_and_opens_the_windows() {
    let p = shared();
    let out = traffic(
        &p.url,
        "traffic_rps{service=\"web\"}",
        &["--format", "toml", "--name", "web-quiet"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let toml = text(&out.stdout);
    assert_eq!(toml.matches("\n[[window]]\n").count(), 7, "{toml}");
    assert!(toml.contains("name = \"web-quiet-7\"\n"), "{toml}");
    assert!(
        toml.contains("from = \"sun 22:00\"\nto = \"mon 05:00\"\n"),
        "{toml}"
    );
    let dir = tempfile::tempdir().unwrap();
    let policies = dir.path().join("policies");
    std::fs::create_dir(&policies).unwrap();
    std::fs::write(policies.join("traffic.toml"), &toml).unwrap();
    let p_arg = policies.to_str().unwrap();
    let validate = shipwindow(&["--policies", p_arg, "validate"], dir.path());
    assert_eq!(
        validate.status.code(),
        Some(0),
        "{}{}",
        text(&validate.stdout),
        text(&validate.stderr)
    );
    assert!(text(&validate.stdout).starts_with("ok: 7 rules (7 windows, 0 freezes)"));
    assert!(
        text(&validate.stderr).is_empty(),
        "no warning: {}",
        text(&validate.stderr)
    );
    let check = |at: &str| {
        shipwindow(
            &[
                "--policies",
                p_arg,
                "check",
                "--service",
                "web",
                "--env",
                "prod",
                "--at",
                at,
            ],
            dir.path(),
        )
        .status
        .code()
    };
    assert_eq!(
        check("2026-11-17T02:00:00-05:00"),
        Some(0),
        "Tuesday 02:00 is in a window"
    );
    assert_eq!(
        check("2026-11-17T12:00:00-05:00"),
        Some(1),
        "Tuesday noon is not"
    );
    assert_eq!(
        check("2026-11-22T23:00:00-05:00"),
        Some(0),
        "Sunday 23:00 is"
    );
}

#[test]
fn several_series_no_series_and_a_bad_query_are_clear_errors() {
    let p = shared();
    let several = traffic(&p.url, "traffic_rps", &[]);
    assert_eq!(several.status.code(), Some(2));
    assert_eq!(
        text(&several.stderr),
        "error: the query returned 2 series; a traffic profile reads exactly one (wrap the query in `sum(...)`, e.g. `sum(rate(http_requests_total[5m]))`)\n"
    );
    let none = traffic(&p.url, "traffic_rps{service=\"nope\"}", &[]);
    assert_eq!(none.status.code(), Some(2));
    assert!(
        text(&none.stderr).contains("the query returned no series over the lookback"),
        "{}",
        text(&none.stderr)
    );
    let bad = traffic(&p.url, "sum(traffic_rps", &[]);
    assert_eq!(bad.status.code(), Some(2));
    let e = text(&bad.stderr);
    // Prometheus' own words for the problem, with where it is.
    assert!(
        e.starts_with(&format!(
            "error: Prometheus at {} could not run the query (bad_data): ",
            p.url
        )),
        "{e}"
    );
    assert!(e.contains("parse error"), "{e}");
    // A wrong path prefix: Prometheus' own 404, named as such.
    let lost = traffic(&format!("{}/prom", p.url), "up", &[]);
    assert_eq!(lost.status.code(), Some(2));
    assert_eq!(
        text(&lost.stderr),
        format!(
            "error: Prometheus at {}/prom answered HTTP 404: 404 page not found\n",
            p.url
        )
    );
    // The sum of the two is one series: the last week's nights are 58, but
    // that is one week of four, and the median stays at 8.
    let sum = traffic(&p.url, "sum(traffic_rps)", &["--format", "json"]);
    assert_eq!(sum.status.code(), Some(0), "{}", text(&sum.stderr));
    let json: serde_json::Value = serde_json::from_slice(&sum.stdout).unwrap();
    assert_eq!(json["windows"].as_array().unwrap().len(), 7);
    // A threshold nothing is below finds no window: exit 1.
    let nothing = traffic(&p.url, "sum(traffic_rps)", &["--below", "1"]);
    assert_eq!(nothing.status.code(), Some(1), "{}", text(&nothing.stderr));
    assert!(text(&nothing.stdout).contains("no window: no run of low slots is 2h or longer"));
}

#[test]
fn an_unreachable_server_is_exit_2_and_its_password_is_never_shown() {
    let state = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://ops:s3cret@127.0.0.1:{port}");
    let out = traffic(&url, "up", &[]);
    assert_eq!(out.status.code(), Some(2));
    let e = text(&out.stderr);
    assert!(
        e.contains(&format!(
            "cannot reach Prometheus at http://127.0.0.1:{port}"
        )),
        "{e}"
    );
    assert!(!e.contains("s3cret") && !e.contains("ops"), "{e}");
    // Bad flags are refused before any request, naming the flag.
    let missing = state.path().join("none");
    let no_zone = shipwindow(
        &[
            "--policies",
            missing.to_str().unwrap(),
            "traffic",
            "--prometheus",
            &url,
            "--query",
            "up",
        ],
        state.path(),
    );
    assert_eq!(no_zone.status.code(), Some(2));
    assert!(
        text(&no_zone.stderr).starts_with("error: --zone: not given, and the policy set in `"),
        "{}",
        text(&no_zone.stderr)
    );
    for (flag, value, want) in [
        (
            "--step",
            "7m",
            "error: --step: a step of 7m does not divide a day into whole-minute slots (use a step like `15m`, `30m`, `1h` or `2h`)\n",
        ),
        (
            "--below",
            "p101",
            "error: --below: `p101` is not a percentile from p0 to p100 (write a percentile of the slot medians like `p25`, or a value in the query's unit like `120`)\n",
        ),
        (
            "--lookback",
            "3d",
            "error: --lookback: `3d` is outside 7d to 366d (a weekly profile needs every slot of the week at least once; 28d takes the median of four weeks)\n",
        ),
        (
            "--name",
            "Web Quiet",
            "error: --name: `Web Quiet` is not a rule name (lowercase letters, digits, `-` and `_`, starting with a letter or digit)\n",
        ),
    ] {
        let out = traffic(&url, "up", &[flag, value]);
        assert_eq!(out.status.code(), Some(2), "{flag}");
        assert_eq!(text(&out.stderr), want, "{flag}");
    }
}

fn window_policy(dir: &Path, url: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("windows.toml"),
        format!(
            r#"[settings]
timezone = "America/New_York"

[[window]]
name = "web-quiet"
services = ["web"]
traffic = {{ prometheus = "{url}", query = 'traffic_rps{{service="web"}}', below = "20", lookback = "28d", refresh = "1d", min_length = "2h" }}
"#
        ),
    )
    .unwrap();
}

#[test]
fn a_window_follows_the_traffic_and_uses_its_cached_copy_when_prometheus_is_down() {
    let mut p = Prometheus::start(&blocks());
    let dir = tempfile::tempdir().unwrap();
    let policies = dir.path().join("policies");
    let state = dir.path().join("state");
    window_policy(&policies, &p.url);
    let now = end();
    let policy = PolicySet::load_with(&policies, &LoadOptions::new(state.clone(), now)).unwrap();
    let RuleSource::Traffic(source) = &policy.rules[0].source else {
        panic!("a traffic window: {:?}", policy.rules[0].source);
    };
    let want: Vec<(String, String)> = EXPECTED
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(source.windows(), want);
    let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
    let ask = |policy: &PolicySet, t: &str| {
        decide(policy, &DeployRequest::new("web", "prod", at(t))).unwrap()
    };
    let d = ask(&policy, "2026-11-17T02:00:00-05:00");
    assert_eq!((d.verdict, d.stale.clone()), (Verdict::Allow, vec![]));
    let d = ask(&policy, "2026-11-17T12:00:00-05:00");
    assert_eq!(d.verdict, Verdict::Deny);
    assert_eq!(d.blocked_by[0].rule, "web-quiet");
    // Within `refresh` the cached copy is read, and the policy is the same one:
    // a regression test for a fingerprint that took the medians' floats as
    // they read back from the cache.
    let again = PolicySet::load_with(
        &policies,
        &LoadOptions::new(state.clone(), now + TimeDelta::hours(1)),
    )
    .unwrap();
    assert_eq!(again.fingerprint, policy.fingerprint);

    // Prometheus goes away; a day later the refresh fails and the copy is used.
    p.stop();
    let later = now + TimeDelta::days(2);
    let policy = PolicySet::load_with(&policies, &LoadOptions::new(state.clone(), later)).unwrap();
    let d = ask(&policy, "2026-11-24T02:00:00-05:00");
    assert_eq!(d.verdict, Verdict::Allow);
    assert_eq!(d.stale.len(), 1, "{:?}", d.stale);
    assert!(
        d.stale[0].starts_with("web-quiet: fetched 2026-11-16T00:00:00-05:00, refresh failed: cannot reach Prometheus at http://127.0.0.1:"),
        "{:?}",
        d.stale
    );
    // The command line says the same, with today's clock.
    let p_arg = policies.to_str().unwrap();
    let check = shipwindow(
        &[
            "--policies",
            p_arg,
            "check",
            "--service",
            "web",
            "--env",
            "prod",
            "--at",
            "2026-11-24T02:00:00-05:00",
            "--format",
            "json",
        ],
        &state,
    );
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stderr));
    let json: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    assert!(
        json["stale"][0]
            .as_str()
            .unwrap()
            .contains("refresh failed"),
        "{json}"
    );
    let validate = shipwindow(&["--policies", p_arg, "validate"], &state);
    assert_eq!(
        validate.status.code(),
        Some(0),
        "{}",
        text(&validate.stderr)
    );
    let v = text(&validate.stdout);
    assert!(
        v.contains("  web-quiet: tue 01:00-05:00, wed 01:00-05:00, thu 01:00-05:00, fri 01:00-05:00, sat 01:00-05:00, sun 01:00-05:00, sun 22:00-mon 05:00 (America/New_York), from the traffic profile at http://127.0.0.1:"),
        "{v}"
    );
    assert!(
        v.contains("    stale: the last refresh failed: cannot reach Prometheus"),
        "{v}"
    );
}

#[test]
fn with_no_copy_and_no_prometheus_the_policy_fails_closed_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let policies = dir.path().join("policies");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    window_policy(&policies, &format!("http://127.0.0.1:{port}"));
    let p_arg = policies.to_str().unwrap();
    let state = dir.path().join("state");
    let check = shipwindow(
        &[
            "--policies",
            p_arg,
            "check",
            "--service",
            "web",
            "--env",
            "prod",
        ],
        &state,
    );
    assert_eq!(check.status.code(), Some(2));
    let e = text(&check.stderr);
    assert!(
        e.contains("`traffic`: cannot read the profile from Prometheus at http://127.0.0.1:")
            && e.contains("no copy of it is cached"),
        "{e}"
    );
    let validate = shipwindow(&["--policies", p_arg, "validate"], &state);
    assert_eq!(validate.status.code(), Some(2));
}

/// The problems of a policy whose one window is `traffic` line `line`.
fn traffic_problems(extra: &str) -> Vec<(String, String)> {
    crate::support::diagnostic::problems(&[(
        "w.toml",
        &format!("[[window]]\nname = \"w\"\n{extra}\n"),
    )])
}

#[test]
fn a_bad_traffic_table_is_an_error_at_its_place_before_anything_is_fetched() {
    let full = |over: &str| {
        format!(
            "traffic = {{ prometheus = \"http://127.0.0.1:1\", query = \"up\", below = \"p25\", lookback = \"28d\", refresh = \"1d\"{over} }}"
        )
    };
    let cases: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            "traffic = \"http://prometheus:9090\"".into(),
            vec![(
                "w.toml:3:11: `traffic` must be a table, found a string",
                "write `traffic = {",
            )],
        ),
        (
            "traffic = { prometheus = \"http://h:9090\", query = \"up\" }".into(),
            vec![
                (
                    "w.toml:3:11: `traffic` has no `below`",
                    "`traffic` needs `prometheus`, `query`, `below`, `lookback`, `refresh`",
                ),
                ("w.toml:3:11: `traffic` has no `lookback`", ""),
                ("w.toml:3:11: `traffic` has no `refresh`", ""),
            ],
        ),
        (
            full(", step = \"7m\""),
            vec![(
                "`step`: a step of 7m does not divide a day into whole-minute slots",
                "use a step like `15m`",
            )],
        ),
        (
            full(", treshold = \"p10\""),
            vec![(
                "unknown key `treshold` in `traffic`",
                "keys of `traffic` are: prometheus, query, below",
            )],
        ),
        (
            full(", token_env = \"\""),
            vec![(
                "`token_env` `` is not an environment variable name",
                "token_env = \"PROMETHEUS_TOKEN\"",
            )],
        ),
        (
            full("").replace("\"p25\"", "\"p250\""),
            vec![(
                "`below`: `p250` is not a percentile from p0 to p100",
                "like `p25`",
            )],
        ),
        (
            full("").replace("\"28d\"", "\"3d\""),
            vec![(
                "`lookback` must be from 7d to 366d",
                "every slot of the week",
            )],
        ),
        (
            full("").replace("http://127.0.0.1:1", "prom:9090"),
            vec![(
                "`prometheus` `prom:9090` is not an http(s) address",
                "prometheus = \"http://prometheus:9090\"",
            )],
        ),
        (
            format!("days = [\"mon\"]\n{}", full("")),
            vec![(
                "w.toml:1:1: [[window]] has several time specs (traffic, `days`)",
                "from the traffic profile only",
            )],
        ),
    ];
    for (extra, want) in cases {
        let got = traffic_problems(&extra);
        assert_eq!(got.len(), want.len(), "{extra}\n{got:#?}");
        for ((msg, help), (want_msg, want_help)) in got.iter().zip(&want) {
            assert!(msg.contains(want_msg), "{extra}\n{msg}\nwant {want_msg}");
            assert!(
                help.contains(want_help),
                "{extra}\n{help}\nwant {want_help}"
            );
        }
    }
    let freeze = crate::support::diagnostic::problems(&[(
        "f.toml",
        "[[freeze]]\nname = \"f\"\nstart_at = \"2026-12-24T00:00\"\nend_at = \"2026-12-27T00:00\"\ntraffic = { query = \"up\" }\n",
    )]);
    assert_eq!(freeze.len(), 1, "{freeze:#?}");
    assert_eq!(
        freeze[0].0,
        "f.toml:5:1: unknown key `traffic` in [[freeze]]"
    );
    assert!(
        freeze[0].1.contains("put it on a [[window]]"),
        "{}",
        freeze[0].1
    );
}
