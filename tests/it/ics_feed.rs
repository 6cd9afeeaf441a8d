//! Calendar feeds against a real HTTP server on the loopback interface, run by
//! the test: the first fetch, a `304 Not Modified` revalidation, failed fetches
//! that fall back to the cached copy and say so (`stale`), and no copy at all
//! failing closed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::ics as ics_common;

use ics_common::*;
use shipwindow::ics::{FeedOptions, obtain};
use shipwindow::wire;
use shipwindow::{DeployRequest, Verdict, decide};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A feed server answering each connection with the next scripted response, then
/// stopping: bounded in requests, and in time (30 s to wait for each).
struct Feed {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<String>>>,
    thread: Option<JoinHandle<()>>,
}

impl Feed {
    fn serve(responses: Vec<Reply>) -> Feed {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&requests);
        let thread = std::thread::spawn(move || {
            for reply in responses {
                let deadline = Instant::now() + Duration::from_secs(30);
                let mut stream = loop {
                    match listener.accept() {
                        Ok((s, _)) => break s,
                        Err(_) if Instant::now() < deadline => {
                            std::thread::sleep(Duration::from_millis(5))
                        }
                        Err(_) => return,
                    }
                };
                stream.set_nonblocking(false).unwrap();
                stream
                    .set_read_timeout(Some(Duration::from_secs(5)))
                    .unwrap();
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.ends_with(b"\r\n\r\n") {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                log.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&request).into_owned());
                match reply {
                    Reply::Raw(text) => {
                        let _ = stream.write_all(text.as_bytes());
                    }
                    // Accept, read the request, answer nothing until the client
                    // hangs up (at most `d`).
                    Reply::Stall(d) => {
                        stream.set_read_timeout(Some(d)).unwrap();
                        let _ = stream.read(&mut buf);
                    }
                }
            }
        });
        Feed {
            addr,
            requests,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://{}/team/freezes.ics", self.addr)
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }

    /// Waits for the server to have answered everything it was given.
    fn finish(mut self) -> Vec<String> {
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
        self.requests()
    }
}

enum Reply {
    Raw(String),
    Stall(Duration),
}

fn ok(body: &str, etag: &str) -> Reply {
    Reply::Raw(format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/calendar; charset=utf-8\r\nETag: {etag}\r\nLast-Modified: Fri, 27 Nov 2026 00:00:00 GMT\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ))
}

fn not_modified(etag: &str) -> Reply {
    Reply::Raw(format!(
        "HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nConnection: close\r\n\r\n"
    ))
}

fn status(code: u16, text: &str) -> Reply {
    Reply::Raw(format!(
        "HTTP/1.1 {code} {text}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    ))
}

fn header<'a>(request: &'a str, name: &str) -> Option<&'a str> {
    request.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// An address on which nothing listens: connecting is refused.
fn refused_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}/team/freezes.ics")
}

fn sale() -> String {
    events(&[&[
        "UID:bf@example.com",
        "SUMMARY:Black Friday sale",
        "DTSTART;VALUE=DATE:20261127",
        "DTEND;VALUE=DATE:20261130",
    ]])
}

fn sale_and_launch() -> String {
    events(&[
        &[
            "UID:bf@example.com",
            "SUMMARY:Black Friday sale",
            "DTSTART;VALUE=DATE:20261127",
            "DTEND;VALUE=DATE:20261130",
        ],
        &[
            "UID:launch@example.com",
            "SUMMARY:Launch",
            "DTSTART:20261202T000000Z",
            "DTEND:20261203T000000Z",
        ],
    ])
}

fn feed_dir(url: &str) -> Dir {
    Dir::new(&[("p.toml", &calendar_toml("UTC", url, ""))])
}

fn during_sale() -> DeployRequest {
    DeployRequest::new("web", "prod", t("2026-11-28T12:00:00Z"))
}

#[test]
fn first_fetch_then_cache_then_304_then_failures_fall_back_with_stale() {
    let feed = Feed::serve(vec![
        ok(&sale(), "\"v1\""),
        not_modified("\"v1\""),
        status(500, "Internal Server Error"),
    ]);
    let dir = feed_dir(&feed.url());

    // First fetch: the events block, nothing is stale.
    let p = dir.load_at("2026-11-27T00:00:00Z").unwrap();
    let d = decide(&p, &during_sale()).unwrap();
    assert_eq!(d.verdict, Verdict::Deny);
    assert_eq!(d.blocked_by[0].reason, "Black Friday sale");
    assert!(d.stale.is_empty(), "{:?}", d.stale);
    let json = serde_json::to_value(wire::Decision::from(&d)).unwrap();
    assert!(
        json.get("stale").is_none(),
        "no `stale` key when fresh: {json}"
    );
    assert_eq!(feed.requests().len(), 1);
    let cached: Vec<_> = std::fs::read_dir(dir.state().join("feeds"))
        .unwrap()
        .collect();
    assert_eq!(cached.len(), 1, "one cache file under STATE/feeds");

    // Within `refresh` (10m by default): the cached copy, no request.
    let again = dir.load_at("2026-11-27T00:09:59Z").unwrap();
    assert_eq!(again.fingerprint, p.fingerprint);
    assert_eq!(feed.requests().len(), 1);

    // Due: a conditional request, answered 304.
    let p = dir.load_at("2026-11-27T00:11:00Z").unwrap();
    let requests = feed.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(header(&requests[1], "If-None-Match"), Some("\"v1\""));
    assert_eq!(
        header(&requests[1], "If-Modified-Since"),
        Some("Fri, 27 Nov 2026 00:00:00 GMT")
    );
    assert!(header(&requests[0], "If-None-Match").is_none());
    let d = decide(&p, &during_sale()).unwrap();
    assert!(d.stale.is_empty());
    assert_eq!(d.verdict, Verdict::Deny);

    // Due again, and the server fails: the cached copy decides, and says so.
    let p = dir.load_at("2026-11-27T00:22:00Z").unwrap();
    let d = decide(&p, &during_sale()).unwrap();
    assert_eq!(d.verdict, Verdict::Deny);
    assert_eq!(d.blocked_by[0].reason, "Black Friday sale");
    assert_eq!(
        d.stale,
        ["cal: fetched 2026-11-27T00:11:00+00:00, refresh failed: the server answered HTTP 500"]
    );
    let json = serde_json::to_value(wire::Decision::from(&d)).unwrap();
    assert_eq!(json["stale"][0], d.stale[0]);
    assert_eq!(feed.finish().len(), 3);

    // A failed refresh is not retried before `refresh` has passed; still stale.
    let p = dir.load_at("2026-11-27T00:30:00Z").unwrap();
    let d = decide(&p, &during_sale()).unwrap();
    assert_eq!(d.stale.len(), 1);

    // Due, and the server has stopped (its port refuses connections): still
    // the cached copy, with the new reason.
    let p = dir.load_at("2026-11-27T00:40:00Z").unwrap();
    let d = decide(&p, &during_sale()).unwrap();
    assert_eq!(d.verdict, Verdict::Deny);
    assert_eq!(d.stale.len(), 1);
    assert!(
        d.stale[0].starts_with("cal: fetched 2026-11-27T00:11:00+00:00, refresh failed: "),
        "{:?}",
        d.stale
    );
    assert!(!d.stale[0].contains("HTTP 500"), "{:?}", d.stale);
}

/// The address in the policy file of a [`feed_dir`].
fn feed_url_of(dir: &Dir) -> String {
    let text = std::fs::read_to_string(dir.policies().join("p.toml")).unwrap();
    let line = text.lines().find(|l| l.starts_with("ics = ")).unwrap();
    line.trim_start_matches("ics = ")
        .trim_matches('"')
        .to_string()
}

#[test]
fn a_changed_feed_replaces_the_copy_and_the_fingerprint() {
    let feed = Feed::serve(vec![
        ok(&sale(), "\"v1\""),
        ok(&sale_and_launch(), "\"v2\""),
    ]);
    let dir = feed_dir(&feed.url());
    let first = dir.load_at("2026-11-27T00:00:00Z").unwrap();
    let second = dir.load_at("2026-11-27T00:10:00Z").unwrap();
    let requests = feed.finish();
    assert_eq!(header(&requests[1], "If-None-Match"), Some("\"v1\""));
    assert_ne!(first.fingerprint, second.fingerprint);
    let launch = DeployRequest::new("web", "prod", t("2026-12-02T12:00:00Z"));
    assert_eq!(decide(&first, &launch).unwrap().verdict, Verdict::Allow);
    let d = decide(&second, &launch).unwrap();
    assert_eq!(d.verdict, Verdict::Deny);
    assert_eq!(d.blocked_by[0].reason, "Launch");
}

#[test]
fn a_broken_new_copy_keeps_the_last_good_one() {
    let broken = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:half a file\r\n";
    let feed = Feed::serve(vec![ok(&sale(), "\"v1\""), ok(broken, "\"v2\"")]);
    let dir = feed_dir(&feed.url());
    dir.load_at("2026-11-27T00:00:00Z").unwrap();
    let p = dir.load_at("2026-11-27T01:00:00Z").unwrap();
    feed.finish();
    let d = decide(&p, &during_sale()).unwrap();
    assert_eq!(d.verdict, Verdict::Deny);
    assert_eq!(
        d.stale,
        [
            "cal: fetched 2026-11-27T00:00:00+00:00, refresh failed: the new copy is not a usable calendar (line 2: `BEGIN:VEVENT` is never closed)"
        ]
    );
}

#[test]
fn no_copy_at_all_fails_closed_naming_the_feed() {
    // The server fails the very first fetch.
    let feed = Feed::serve(vec![status(503, "Service Unavailable")]);
    let dir = feed_dir(&feed.url());
    let e = dir.load_at("2026-11-27T00:00:00Z").unwrap_err().to_string();
    feed.finish();
    let e = e.replace(&format!("{}/", dir.policies().display()), "");
    let shown = format!("http://{}/…/freezes.ics", feed_host(&dir));
    assert!(
        e.starts_with(&format!(
            "p.toml:6:7: `ics`: cannot fetch the calendar feed {shown} and no copy of it is cached: the server answered HTTP 503"
        )),
        "{e}"
    );

    // From the command line: exit 2, no verdict, the feed named; never allowed.
    let dir = feed_dir(&refused_url());
    let out = shipwindow(
        &dir,
        &[
            "check",
            "--service",
            "web",
            "--env",
            "prod",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stdout.contains("\"verdict\""), "{stdout}");
    assert!(
        stderr.contains("cannot fetch the calendar feed http://127.0.0.1:")
            && stderr.contains("/…/freezes.ics and no copy of it is cached"),
        "{stderr}"
    );
}

fn feed_host(dir: &Dir) -> String {
    let url = feed_url_of(dir);
    url.trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn the_command_line_warns_about_a_stale_feed() {
    let feed = Feed::serve(vec![ok(&sale(), "\"v1\"")]);
    let dir = feed_dir(&feed.url());
    // A first load by the binary caches the feed...
    let out = shipwindow(&dir, &["validate"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    feed.finish();
    // ...and with `refresh = "0s"` every later load refetches: the server is
    // gone, so the cached copy is used and the output says so.
    let url = feed_url_of(&dir);
    std::fs::write(
        dir.policies().join("p.toml"),
        calendar_toml("UTC", &url, "refresh = \"0s\""),
    )
    .unwrap();
    let args = [
        "check",
        "--service",
        "web",
        "--env",
        "prod",
        "--at",
        "2026-11-28T12:00:00Z",
    ];
    let out = shipwindow(&dir, &args);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("  warning: decided on an old copy of a feed: cal: fetched "),
        "{text}"
    );
    assert!(text.contains("Black Friday sale"), "{text}");
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let out = shipwindow(&dir, &json_args);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["stale"][0].as_str().unwrap().starts_with("cal: fetched "),
        "{v}"
    );
    assert_eq!(v["verdict"], "deny");
}

#[test]
fn a_feed_larger_than_the_limit_or_too_slow_is_a_failed_fetch() {
    let body = sale();
    let feed = Feed::serve(vec![
        ok(&body, "\"big\""),
        Reply::Stall(Duration::from_secs(3)),
    ]);
    let state = tempfile::tempdir().unwrap();
    let mut opts = FeedOptions::new(state.path().to_path_buf(), t("2026-11-27T00:00:00Z"));
    opts.max_bytes = 100;
    let e = obtain(&feed.url(), chrono::TimeDelta::minutes(10), &opts, |_| {
        Ok(())
    })
    .unwrap_err();
    assert_eq!(e, "the feed is larger than 100 bytes");
    opts.max_bytes = shipwindow::ics::MAX_FEED_BYTES;
    opts.timeout = Duration::from_millis(150);
    let started = Instant::now();
    let e = obtain(&feed.url(), chrono::TimeDelta::minutes(10), &opts, |_| {
        Ok(())
    })
    .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(
        e.to_lowercase().contains("timeout") || e.to_lowercase().contains("timed out"),
        "{e}"
    );
    feed.finish();
}

#[tokio::test]
async fn a_server_reload_refetches_and_reports_a_stale_feed() {
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use shipwindow::server::{AppState, Tokens, app};
    use shipwindow::store::Store;
    use tower::ServiceExt;

    let feed = Feed::serve(vec![
        ok(&sale(), "\"v1\""),
        status(500, "Internal Server Error"),
    ]);
    let dir = Dir::new(&[(
        "p.toml",
        &calendar_toml("UTC", &feed.url(), "refresh = \"0s\""),
    )]);
    let options = shipwindow::policy::LoadOptions::new(dir.state(), chrono::Utc::now());
    let policy = shipwindow::PolicySet::load_with(&dir.policies(), &options).unwrap();
    let state = std::sync::Arc::new(
        AppState::new(policy, Store::in_memory().unwrap())
            .unwrap()
            .reloading_from(dir.policies())
            .feeds_in(dir.state()),
    );
    assert!(state.stale_feeds().is_empty());
    // A reload (SIGHUP, --watch, or the feed's `refresh` coming due) fetches
    // again; the server fails, so the cached copy keeps serving, marked stale.
    let worker = std::sync::Arc::clone(&state);
    tokio::task::spawn_blocking(move || worker.reload())
        .await
        .unwrap()
        .unwrap();
    let requests = feed.finish();
    assert_eq!(requests.len(), 2);
    assert_eq!(header(&requests[1], "If-None-Match"), Some("\"v1\""));
    let stale = state.stale_feeds();
    assert_eq!(stale.len(), 1);
    assert!(
        stale[0].ends_with("refresh failed: the server answered HTTP 500"),
        "{stale:?}"
    );
    let get = |uri: &str| {
        let state = std::sync::Arc::clone(&state);
        let req = Request::builder().uri(uri).body(Body::empty()).unwrap();
        async move {
            let resp = app(state, Tokens::default()).oneshot(req).await.unwrap();
            let bytes = resp.into_body().collect().await.unwrap().to_bytes();
            serde_json::from_slice::<serde_json::Value>(&bytes).unwrap()
        }
    };
    let health = get("/healthz").await;
    assert_eq!(health["status"], "ok", "{health}");
    assert_eq!(health["stale"][0], stale[0].as_str());
    let d = get("/v1/check?service=web&env=prod&at=2026-11-28T12:00:00Z").await;
    assert_eq!(d["verdict"], "deny", "{d}");
    assert_eq!(d["stale"][0], stale[0].as_str());
    assert_eq!(d["blocked_by"][0]["reason"], "Black Friday sale");
}

#[test]
fn plan_and_run_cache_feeds_in_their_own_state_dir() {
    // `shipwindow` below sets $SHIPWINDOW_STATE_DIR to dir.state(); `--state-dir`
    // must win for the feed copies as it does for the runner's own state.
    // A freeze around the real now, so the run is refused before any hook (and
    // before an hour of monitoring).
    let day = |d: i64| (chrono::Utc::now() + chrono::TimeDelta::days(d)).format("%Y%m%d");
    let (start, end) = (
        format!("DTSTART;VALUE=DATE:{}", day(-1)),
        format!("DTEND;VALUE=DATE:{}", day(2)),
    );
    let incident = events(&[&[
        "UID:incident@example.com",
        "SUMMARY:Incident review",
        &start,
        &end,
    ]]);
    let feed = Feed::serve(vec![ok(&incident, "\"v1\""), ok(&incident, "\"v1\"")]);
    let strategy = r#"
[[strategy]]
name = "roll"
kind = "rolling"
service = "web"
env = "prod"
targets = ["web-1", "web-2"]
batch = 1

[strategy.hooks]
deploy = ["true", "{target}", "{version}"]
health = ["true", "{target}"]
rollback = ["true", "{target}", "{previous}"]
"#;
    let dir = Dir::new(&[
        ("p.toml", &calendar_toml("UTC", &feed.url(), "")),
        ("s.toml", strategy),
    ]);
    let feeds_in = |state: &std::path::Path| -> usize {
        std::fs::read_dir(state.join("feeds")).map_or(0, |d| d.count())
    };
    let plan_state = dir.tmp.path().join("plan-state");
    let out = shipwindow(
        &dir,
        &[
            "plan",
            "--strategy",
            "roll",
            "--state-dir",
            plan_state.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("Incident review"));
    assert!(
        feeds_in(&plan_state) > 0,
        "no feed copy in plan's --state-dir"
    );

    let run_state = dir.tmp.path().join("run-state");
    let out = shipwindow(
        &dir,
        &[
            "run",
            "--strategy",
            "roll",
            "--version",
            "v2",
            "--previous",
            "v1",
            "--state-dir",
            run_state.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("nothing was run"));
    assert!(
        feeds_in(&run_state) > 0,
        "no feed copy in run's --state-dir"
    );
    assert_eq!(
        feeds_in(&dir.state()),
        0,
        "a copy went to $SHIPWINDOW_STATE_DIR"
    );
    feed.finish();
}

/// Issue 13, class 6: a feed whose new copy is nested thousands of components
/// deep is a failed refresh (the last good copy keeps serving, marked stale),
/// not a stack overflow; with no good copy it is a load error at its line.
#[test]
fn a_deeply_nested_feed_copy_is_a_failed_refresh() {
    let mut deep = String::from("BEGIN:VCALENDAR\r\n");
    deep.push_str(&"BEGIN:VEVENT\r\n".repeat(100_000));
    let feed = Feed::serve(vec![ok(&sale(), "\"v1\""), ok(&deep, "\"v2\"")]);
    let dir = feed_dir(&feed.url());
    dir.load_at("2026-11-27T00:00:00Z").unwrap();
    let p = dir.load_at("2026-11-27T01:00:00Z").unwrap();
    feed.finish();
    let d = decide(&p, &during_sale()).unwrap();
    assert_eq!(d.verdict, Verdict::Deny);
    assert_eq!(
        d.stale,
        [
            "cal: fetched 2026-11-27T00:00:00+00:00, refresh failed: the new copy is not a usable calendar (line 17: `BEGIN:VEVENT` nests components more than 16 deep)"
        ]
    );

    let feed = Feed::serve(vec![ok(&deep, "\"v1\"")]);
    let dir = feed_dir(&feed.url());
    let e = dir.load_at("2026-11-27T00:00:00Z").unwrap_err().to_string();
    feed.finish();
    assert!(
        e.contains("(line 17: `BEGIN:VEVENT` nests components more than 16 deep)"),
        "{e}"
    );
}
