//! Issue 13, class 8: the work of one request is bounded. The server evaluates
//! off its async workers under a deadline that really answers 503 while the
//! evaluation still runs, and `/healthz` and `/metrics` answer meanwhile.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::server::{bundled, call_json};
use axum::http::StatusCode;
use shipwindow::PolicySet;
use shipwindow::server::{AppState, EvaluationHook, Tokens, app};
use shipwindow::store::Store;
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

/// How long a test waits for an event before it calls the code under test hung.
const HANG_GUARD: Duration = Duration::from_secs(60);

/// Evaluations that report their start and then wait to be released.
struct Held {
    started: Arc<Mutex<mpsc::Receiver<()>>>,
    release: mpsc::Sender<()>,
}

impl Held {
    /// Waits (off the async thread) until an evaluation has started.
    async fn started(&self) {
        let started = Arc::clone(&self.started);
        tokio::task::spawn_blocking(move || started.lock().unwrap().recv_timeout(HANG_GUARD))
            .await
            .unwrap()
            .expect("no evaluation started");
    }
}

/// The bundled policies served with `deadline`, every evaluation held.
fn held_router(deadline: Duration) -> (axum::Router, Held) {
    let (started_tx, started) = mpsc::channel();
    let (release, release_rx) = mpsc::channel::<()>();
    let release_rx = Mutex::new(release_rx);
    let hook: EvaluationHook = Arc::new(move || {
        let _ = started_tx.send(());
        // A test that ends without releasing must not leave the thread behind.
        let _ = release_rx.lock().unwrap().recv_timeout(HANG_GUARD);
    });
    let policy = PolicySet::load(&bundled()).unwrap();
    let state = AppState::new(policy, Store::in_memory().unwrap())
        .unwrap()
        .with_deadline(deadline)
        .with_evaluation_hook(hook);
    let held = Held {
        started: Arc::new(Mutex::new(started)),
        release,
    };
    (app(Arc::new(state), Tokens::default()), held)
}

// One async thread: had an evaluation run on it, nothing else could answer and
// no deadline could fire until it ended.
#[tokio::test(flavor = "current_thread")]
async fn a_held_evaluation_answers_503_at_the_deadline_while_healthz_answers() {
    let paths = [
        ("GET", "/v1/check?service=web&env=prod&at=2026-11-27T10:00"),
        ("GET", "/v1/next?service=web&env=prod&at=2026-11-27T10:00"),
        (
            "GET",
            "/v1/windows?service=web&env=prod&from=2026-11-23T00:00&to=2026-11-30T00:00",
        ),
        ("GET", "/v1/calendar.ics?service=web&env=prod"),
        ("POST", "/v1/check"),
    ];
    for (method, path) in paths {
        let (router, held) = held_router(Duration::from_millis(200));
        let body = (method == "POST").then(
            || serde_json::json!({"service": "web", "env": "prod", "at": "2026-11-27T10:00"}),
        );
        let asked = tokio::spawn({
            let router = router.clone();
            async move { call_json(&router, method, path, body).await }
        });
        held.started().await;
        // The evaluation is still running (it waits for `release`), and the
        // operational endpoints answer all the same.
        let (status, health) = call_json(&router, "GET", "/healthz", None).await;
        assert_eq!(status, StatusCode::OK, "{path}: {health}");
        assert_eq!(health["status"], "ok", "{path}");
        let (status, _) = call_json(&router, "GET", "/metrics", None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let (status, answer) = tokio::time::timeout(HANG_GUARD, asked)
            .await
            .expect("the deadline never fired")
            .unwrap();
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{path}: {answer}");
        assert_eq!(
            answer["error"], "the request took longer than 0.2s",
            "{path}"
        );
        held.release.send(()).unwrap();
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_released_evaluation_within_the_deadline_answers_as_usual() {
    let (router, held) = held_router(Duration::from_secs(60));
    let asked = tokio::spawn({
        let router = router.clone();
        async move {
            let path = "/v1/check?service=web&env=prod&at=2026-11-27T17:30:00%2B09:00";
            call_json(&router, "GET", path, None).await
        }
    });
    held.started().await;
    held.release.send(()).unwrap();
    let (status, decision) = asked.await.unwrap();
    assert_eq!(status, StatusCode::OK, "{decision}");
    assert_eq!(decision["verdict"], "deny");
}

// ---------------------------------------------------------------------------
// Dense cron rules: expanded stretch by stretch, exactly as fire by fire.

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use shipwindow::calendar::{Interval, merge};
use shipwindow::time::cron::Cron;
use shipwindow::time::spec::TimeSpec;

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

/// The reference for `cron` + `duration`: every fire whose interval meets
/// `range`, one by one, then merged.
fn fire_by_fire_for(tz: Tz, range: Interval, cron: &Cron, duration: TimeDelta) -> Vec<Interval> {
    let mut raw = Vec::new();
    let mut fire = cron.next_fire(tz, range.start - duration, false);
    while let Some(f) = fire.filter(|f| *f < range.end) {
        raw.push(Interval::new(f, f + duration));
        fire = cron.next_fire(tz, f, false);
    }
    let mut merged = merge(raw);
    merged.retain(|i| i.overlaps(&range));
    merged
}

/// The reference for a cron pair: every interval from a fire to the next
/// `until` fire, one by one, then merged.
fn fire_by_fire_until(tz: Tz, range: Interval, cron: &Cron, until: &Cron) -> Vec<Interval> {
    let anchor = until
        .prev_fire(tz, range.start)
        .unwrap_or(range.start - TimeDelta::days(400));
    let mut raw = Vec::new();
    let mut fire = cron.next_fire(tz, anchor, true);
    while let Some(f) = fire.filter(|f| *f < range.end) {
        let Some(end) = until.next_fire(tz, f, false) else {
            break;
        };
        raw.push(Interval::new(f, end));
        fire = cron.next_fire(tz, end, true);
    }
    let mut merged = merge(raw);
    merged.retain(|i| i.overlaps(&range));
    merged
}

fn cron_text() -> impl Strategy<Value = String> {
    let minute = prop::sample::select(vec!["*", "*/2", "0", "0,1,2", "30", "0-29", "*/15", "59"]);
    let hour = prop::sample::select(vec!["*", "1-3", "2", "22-23", "0", "*/6"]);
    let dom = prop::sample::select(vec!["*", "*", "1-3", "8"]);
    let month = prop::sample::select(vec!["*", "*", "3,11", "10"]);
    let dow = prop::sample::select(vec!["*", "*", "sun", "mon-fri"]);
    (minute, hour, dom, month, dow).prop_map(|(a, b, c, d, e)| format!("{a} {b} {c} {d} {e}"))
}

fn zone() -> impl Strategy<Value = Tz> {
    prop::sample::select(vec![
        chrono_tz::UTC,
        chrono_tz::America::New_York,
        chrono_tz::Europe::London,
        chrono_tz::Australia::Lord_Howe,
        chrono_tz::Asia::Seoul,
    ])
}

/// Ranges of up to four days that often hold a DST change (New York's and
/// London's in March, Lord Howe's half hour in October, the falls in November).
fn range() -> impl Strategy<Value = Interval> {
    let starts = prop::sample::select(vec![
        "2026-03-07T00:00:00Z",
        "2026-03-28T12:00:00Z",
        "2026-10-03T00:00:00Z",
        "2026-10-31T18:00:00Z",
        "2026-11-01T04:30:00Z",
        "2026-12-31T20:00:00Z",
    ]);
    (starts, 0i64..5760, 1i64..5760).prop_map(|(s, offset, len)| {
        let start = utc(s) + TimeDelta::minutes(offset);
        Interval::new(start, start + TimeDelta::minutes(len))
    })
}

fn duration() -> impl Strategy<Value = TimeDelta> {
    prop::sample::select(vec![
        1i64, 2, 30, 59, 60, 61, 90, 120, 600, 1440, 2000, 4320,
    ])
    .prop_map(TimeDelta::minutes)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(512),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn cron_with_duration_stretches_equal_the_fires_merged(
        text in cron_text(), tz in zone(), range in range(), duration in duration()
    ) {
        let cron = Cron::parse(&text).unwrap();
        let want = fire_by_fire_for(tz, range, &cron, duration);
        let got = TimeSpec::CronFor { cron, duration }.intervals(tz, range);
        prop_assert_eq!(got, want, "`{}` for {} in {}", text, duration, tz);
    }

    #[test]
    fn cron_pair_stretches_equal_the_intervals_merged(
        text in cron_text(), until_text in cron_text(), tz in zone(), range in range()
    ) {
        let cron = Cron::parse(&text).unwrap();
        let until = Cron::parse(&until_text).unwrap();
        let want = fire_by_fire_until(tz, range, &cron, &until);
        let got = TimeSpec::CronUntil { cron, until }.intervals(tz, range);
        prop_assert_eq!(got, want, "`{}` until `{}` in {}", text, until_text, tz);
    }
}

/// The same cron on both sides of a pair: each interval ends where the next
/// starts, on every minute, across New York's fall-back hour.
#[test]
fn a_pair_firing_every_minute_is_one_stretch_even_across_a_fold() {
    let every = Cron::parse("* * * * *").unwrap();
    let tz = chrono_tz::America::New_York;
    let range = Interval::new(utc("2026-10-31T00:00:00Z"), utc("2026-11-03T00:00:00Z"));
    let spec = TimeSpec::CronUntil {
        cron: every.clone(),
        until: every.clone(),
    };
    let got = spec.intervals(tz, range);
    assert_eq!(got, fire_by_fire_until(tz, range, &every, &every));
    assert_eq!(got.len(), 1, "{got:?}");
}

/// A stretch that reaches the end of the range stops at the last fire before
/// it, as fire by fire does (a fire exactly at the end does not count).
#[test]
fn a_stretch_reaching_the_end_of_the_range_ends_by_the_last_fire_before_it() {
    let every = Cron::parse("* * * * *").unwrap();
    let tz = chrono_tz::UTC;
    let range = Interval::new(utc("2026-06-01T00:00:00Z"), utc("2026-06-01T01:00:00Z"));
    let duration = TimeDelta::minutes(2);
    let got = TimeSpec::CronFor {
        cron: every.clone(),
        duration,
    }
    .intervals(tz, range);
    assert_eq!(got, fire_by_fire_for(tz, range, &every, duration));
    let reach = Interval::new(utc("2026-05-31T23:59:00Z"), utc("2026-06-01T01:01:00Z"));
    assert_eq!(got, vec![reach]);
}

/// New York, 8 March 2026: the cron's 02:00 and 02:30 fall in the gap and fire
/// at 03:00, the very instant `until` fires, so the stretch goes on through it.
#[test]
fn a_pair_goes_on_where_a_fire_in_a_dst_gap_lands_on_the_until_fire() {
    let cron = Cron::parse("0,30 1,2 * * *").unwrap();
    let until = Cron::parse("0 3 * * *").unwrap();
    let tz = chrono_tz::America::New_York;
    let range = Interval::new(utc("2026-03-08T05:00:00Z"), utc("2026-03-08T12:00:00Z"));
    let got = TimeSpec::CronUntil {
        cron: cron.clone(),
        until: until.clone(),
    }
    .intervals(tz, range);
    assert_eq!(got, fire_by_fire_until(tz, range, &cron, &until));
    // 01:00 EST to 03:00 EDT on the 9th.
    let stretch = Interval::new(utc("2026-03-08T06:00:00Z"), utc("2026-03-09T07:00:00Z"));
    assert_eq!(got, vec![stretch]);
}

// ---------------------------------------------------------------------------
// Whole decisions on dense rules, and the caps on horizon and request lengths.

use shipwindow::input::RequestText;
use shipwindow::{DeployRequest, Verdict};

fn policy(text: &str) -> PolicySet {
    PolicySet::from_files(&[("p.toml", text)]).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn load_error(text: &str) -> String {
    match PolicySet::from_files(&[("p.toml", text)]) {
        Ok(_) => panic!("loaded, but should not:\n{text}"),
        Err(e) => e.to_string(),
    }
}

/// Decides on another thread, failing the test if it has not answered within
/// the hang guard.
fn decide_within_guard(policy: PolicySet, at: &str) -> shipwindow::Decision {
    let req = DeployRequest::new("web", "prod", utc(at));
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(shipwindow::decide(&policy, &req));
    });
    rx.recv_timeout(HANG_GUARD)
        .expect("the decision did not answer within the hang guard")
        .unwrap()
}

/// A minutely cron with a ten-year duration: fire by fire, every expansion
/// would visit five million fires.
#[test]
fn a_minutely_cron_with_a_ten_year_duration_is_decided_at_once() {
    let p = policy(
        "[settings]\nhorizon = \"730d\"\n\n[[freeze]]\nname = \"decade\"\nreason = \"r\"\n\
         cron = \"* * * * *\"\nduration = \"3650d\"\n",
    );
    let d = decide_within_guard(p, "2026-06-01T12:00:00Z");
    assert_eq!(d.verdict, Verdict::Deny);
    assert_eq!(d.next_allowed, None);
    // Followed a horizon either way, and cut there.
    let b = &d.blocked_by[0];
    assert_eq!(b.from.to_utc(), utc("2024-06-01T12:00:00Z"));
    assert_eq!(b.until.to_utc(), utc("2028-05-31T13:00:00Z"));
}

/// Cron pairs on the same minutes, several of them: interval by interval,
/// each would be a walk over every minute of four years.
#[test]
fn cron_pairs_firing_every_minute_are_decided_at_once() {
    let mut text = String::from("[settings]\nhorizon = \"730d\"\n");
    for (i, (cron, until)) in [
        ("* * * * *", "* * * * *"),
        ("* * * * *", "*/2 * * * *"),
        ("*/2 * * * *", "*/2 * * * *"),
        ("0-58 * * * *", "* * * * *"),
    ]
    .iter()
    .cycle()
    .take(12)
    .enumerate()
    {
        text += &format!(
            "\n[[freeze]]\nname = \"pair-{i}\"\nreason = \"r\"\ncron = \"{cron}\"\nuntil_cron = \"{until}\"\n"
        );
    }
    let d = decide_within_guard(policy(&text), "2026-06-01T12:00:00Z");
    assert_eq!(d.verdict, Verdict::Deny);
    assert_eq!(d.blocked_by.len(), 12);
    assert_eq!(d.next_allowed, None);
    // "0-58 * * * *" until "* * * * *" rests one minute an hour, at :59.
    let hourly = d.blocked_by.iter().find(|b| b.rule == "pair-3").unwrap();
    assert_eq!(hourly.from.to_utc(), utc("2026-06-01T12:00:00Z"));
    assert_eq!(hourly.until.to_utc(), utc("2026-06-01T12:59:00Z"));
}

#[test]
fn a_horizon_longer_than_two_years_is_refused_where_it_is_written() {
    for (horizon, col) in [("36500d", 11), ("731d", 11), ("17545h", 11)] {
        let err = load_error(&format!("[settings]\nhorizon = \"{horizon}\"\n"));
        assert!(
            err.contains(&format!("p.toml:2:{col}: `horizon` is longer than 730d")),
            "{horizon}: {err}"
        );
        assert!(err.contains("write `horizon = \"730d\"` or less"), "{err}");
    }
    let at_most = policy("[settings]\nhorizon = \"730d\"\n");
    assert_eq!(at_most.settings.horizon, TimeDelta::days(730));
}

#[test]
fn default_lengths_longer_than_ninety_days_are_refused_where_they_are_written() {
    for key in ["deploy_duration", "monitoring"] {
        let err = load_error(&format!("[settings]\n{key} = \"91d\"\n"));
        let col = key.len() + 4;
        assert!(
            err.contains(&format!("p.toml:2:{col}: `{key}` is longer than 90d")),
            "{err}"
        );
        policy(&format!("[settings]\n{key} = \"90d\"\n"));
    }
}

/// An 80-year deploy with 90 years of monitoring still ends in the supported
/// years when asked for in 2026; it is refused for its length, everywhere.
#[tokio::test]
async fn request_lengths_longer_than_ninety_days_are_bad_input() {
    let p = policy("[settings]\ntimezone = \"UTC\"\n");
    for (duration, monitoring, says) in [
        ("29200d", "32850d", "the deploy (29200d) is longer than 90d"),
        ("91d", "0s", "the deploy (91d) is longer than 90d"),
        ("30m", "2161h", "the monitoring (90d 1h) is longer than 90d"),
    ] {
        let text = RequestText {
            service: Some("web".into()),
            env: Some("prod".into()),
            at: Some("2026-06-01T12:00".into()),
            duration: Some(duration.into()),
            monitoring: Some(monitoring.into()),
            ..RequestText::default()
        };
        let req = text.resolve(&p, Utc::now()).unwrap();
        let err = shipwindow::decide(&p, &req).unwrap_err().to_string();
        assert!(err.contains(says), "{duration} {monitoring}: {err}");
        assert!(shipwindow::next_allowed(&p, &req).is_err());

        let router = app(
            Arc::new(AppState::new(p.clone(), Store::in_memory().unwrap()).unwrap()),
            Tokens::default(),
        );
        let path = format!(
            "/v1/check?service=web&env=prod&at=2026-06-01T12:00&duration={duration}&monitoring={monitoring}"
        );
        let (status, body) = call_json(&router, "GET", &path, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body["error"].as_str().unwrap().contains(says), "{body}");
    }
    // Ninety days each is still a request.
    let text = RequestText {
        service: Some("web".into()),
        env: Some("prod".into()),
        at: Some("2026-06-01T12:00".into()),
        duration: Some("90d".into()),
        monitoring: Some("90d".into()),
        ..RequestText::default()
    };
    let req = text.resolve(&p, Utc::now()).unwrap();
    assert!(shipwindow::decide(&p, &req).unwrap().allowed);
}

#[test]
fn the_cli_exits_2_for_a_request_longer_than_ninety_days() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("p.toml"),
        "[settings]\ntimezone = \"UTC\"\n",
    )
    .unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_shipwindow"))
        .arg("--policies")
        .arg(dir.path())
        .args(["check", "--service", "web", "--env", "prod"])
        .args(["--at", "2026-06-01T12:00", "--duration", "29200d"])
        .args(["--monitoring", "32850d"])
        .env_remove("SHIPWINDOW_POLICIES")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GITHUB_OUTPUT")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("the deploy (29200d) is longer than 90d, the most a request may ask for"),
        "{err}"
    );
}

/// A timeline that changes every minute: 400 days of it would be over a million
/// pieces (a quarter of a gigabyte of JSON), so a report of more than
/// `MAX_PIECES` is refused, not built; 20 days (57,600 pieces) are enough to
/// show it.
#[tokio::test]
async fn a_windows_report_of_more_than_max_pieces_is_refused() {
    use shipwindow::eval::{EvalError, MAX_PIECES};
    let text = "[settings]\ntimezone = \"UTC\"\n\n[[window]]\nname = \"half-minutes\"\n\
                reason = \"r\"\ncron = \"* * * * *\"\nduration = \"30s\"\n";
    let p = policy(text);
    let from = utc("2026-06-01T00:00:00Z");
    let change = shipwindow::ChangeKind::Deploy;
    let err = shipwindow::windows(&p, "web", "prod", change, from, from + TimeDelta::days(20));
    assert_eq!(
        err.err(),
        Some(EvalError::TooManyPieces { max: MAX_PIECES })
    );
    // Two pieces a minute: 17 hours are 2,040 pieces, well inside.
    let report =
        shipwindow::windows(&p, "web", "prod", change, from, from + TimeDelta::hours(17)).unwrap();
    assert_eq!(report.intervals.len(), 2040);
    // Exactly at the cap is still an answer: 25,000 minutes.
    let at_cap = from + TimeDelta::minutes(25_000);
    let report = shipwindow::windows(&p, "web", "prod", change, from, at_cap).unwrap();
    assert_eq!(report.intervals.len(), MAX_PIECES);
    let past_cap = at_cap + TimeDelta::seconds(1);
    assert!(shipwindow::windows(&p, "web", "prod", change, from, past_cap).is_err());

    let router = app(
        Arc::new(AppState::new(p, Store::in_memory().unwrap()).unwrap()),
        Tokens::default(),
    );
    let path = "/v1/windows?service=web&env=prod&from=2026-06-01T00:00&to=2026-06-21T00:00";
    let (status, body) = call_json(&router, "GET", path, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(
        body["error"],
        "the timeline would have more than 50000 open and closed pieces; ask for a shorter range"
    );

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.toml"), text).unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_shipwindow"))
        .arg("--policies")
        .arg(dir.path())
        .args(["windows", "--service", "web", "--env", "prod"])
        .args(["--from", "2026-06-01T00:00", "--to", "2026-06-21T00:00"])
        .env_remove("SHIPWINDOW_POLICIES")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("more than 50000 open and closed pieces"),
        "{err}"
    );
}
