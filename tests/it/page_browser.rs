//! The page and the grid in a real headless Chromium (Debian's `chromium`
//! package), driven over the DevTools protocol: a real `serve`, the page loaded
//! as a person would, no console errors (a blocked style or a refused load is
//! one), the verdict shown equal to what `/v1/check` answers for the same
//! request, and the grid drawn. Screenshots are kept under
//! `target/test-artifacts/`. Without Chromium the test fails, naming the
//! package: it never passes without having looked.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::server::{Server, bundled};
use headless_chrome::protocol::cdp::Page::CaptureScreenshotFormatOption;
use headless_chrome::protocol::cdp::types::Event;
use headless_chrome::{Browser, LaunchOptions, Tab};
use serde_json::json;
use std::ffi::OsStr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Where Debian's package puts the browser.
fn chromium() -> PathBuf {
    let candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];
    candidates
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .or_else(|| which_in_path("chromium"))
        .unwrap_or_else(|| {
            panic!(
                "Chromium is not installed: the page's browser tests need Debian's `chromium` \
                 package (`apt-get install chromium`; scripts/test.sh installs it when missing)"
            )
        })
}

fn which_in_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// A headless Chromium that reaches nothing but this machine: no sandbox (the
/// tests run as root), a fresh profile, and none of the background calls to
/// the browser maker's hosts.
fn browser(profile: &std::path::Path) -> Browser {
    let args: Vec<&OsStr> = [
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--no-default-browser-check",
    ]
    .iter()
    .map(OsStr::new)
    .collect();
    let options = LaunchOptions::default_builder()
        .path(Some(chromium()))
        .headless(true)
        .sandbox(false)
        .user_data_dir(Some(profile.to_path_buf()))
        .window_size(Some((1280, 1800)))
        .idle_browser_timeout(Duration::from_secs(60))
        .args(args)
        .build()
        .unwrap();
    Browser::new(options).unwrap_or_else(|e| panic!("Chromium did not start: {e:#}"))
}

/// What the page logged as an error or threw, collected from the tab's events.
type Errors = Arc<Mutex<Vec<String>>>;

fn listen_for_errors(tab: &Tab) -> Errors {
    let errors: Errors = Arc::default();
    tab.enable_log().unwrap();
    tab.enable_runtime().unwrap();
    let seen = Arc::clone(&errors);
    tab.add_event_listener(Arc::new(move |event: &Event| {
        use headless_chrome::protocol::cdp::Log::LogEntryLevel;
        use headless_chrome::protocol::cdp::Runtime::ConsoleAPICalledEventTypeOption;
        let line = match event {
            Event::LogEntryAdded(e) if e.params.entry.level == LogEntryLevel::Error => {
                Some(format!(
                    "log ({:?}): {} {}",
                    e.params.entry.source,
                    e.params.entry.text,
                    e.params.entry.url.clone().unwrap_or_default()
                ))
            }
            Event::RuntimeConsoleAPICalled(e)
                if e.params.Type == ConsoleAPICalledEventTypeOption::Error =>
            {
                Some(format!("console.error: {:?}", e.params.args))
            }
            Event::RuntimeExceptionThrown(e) => {
                Some(format!("exception: {}", e.params.exception_details.text))
            }
            _ => None,
        };
        if let Some(line) = line {
            seen.lock().unwrap().push(line);
        }
    }))
    .unwrap();
    errors
}

fn artifact(name: &str) -> PathBuf {
    // CARGO_TARGET_TMPDIR is `<target>/tmp`: the artifacts go beside it.
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let dir = target
        .parent()
        .map_or_else(|| target.clone(), PathBuf::from)
        .join("test-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn attribute(tab: &Tab, selector: &str, name: &str) -> String {
    tab.wait_for_element(selector)
        .unwrap_or_else(|e| panic!("no `{selector}` on the page: {e}"))
        .get_attribute_value(name)
        .unwrap()
        .unwrap_or_else(|| panic!("`{selector}` has no {name}"))
}

/// Loads `/?service=&env=`, checks it against `/v1/check` and keeps a screenshot.
fn check_page(tab: &Tab, errors: &Errors, server: &Server, service: &str, env: &str, shot: &str) {
    let url = format!(
        "http://127.0.0.1:{}/?service={service}&env={env}",
        server.port
    );
    tab.navigate_to(&url)
        .unwrap()
        .wait_until_navigated()
        .unwrap();
    // The verdict shown, and the instant it was decided for.
    let verdict = attribute(tab, "#verdict", "data-verdict");
    let start = attribute(tab, "#verdict", "data-start");
    let shown_rules: Vec<String> = tab
        .find_elements("#blocked-by tbody tr")
        .map(|rows| {
            rows.iter()
                .map(|r| r.get_attribute_value("data-rule").unwrap().unwrap())
                .collect()
        })
        .unwrap_or_default();
    let words = tab
        .find_element(".verdict")
        .unwrap()
        .get_inner_text()
        .unwrap();
    // The same request to the API, at the same instant.
    let at = start.replace('+', "%2B");
    let check = server.get_json(&format!("/v1/check?service={service}&env={env}&at={at}"));
    assert_eq!(
        verdict, check["verdict"],
        "{service} {env}: the page and /v1/check differ"
    );
    let want_words = match check["verdict"].as_str().unwrap() {
        "allow" => "Allowed",
        "deny" => "Denied",
        other => panic!("verdict {other}"),
    };
    assert_eq!(words, want_words);
    let rules: Vec<String> = check["blocked_by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["rule"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(shown_rules, rules, "{service} {env}: the blockers differ");
    // The grid is drawn: an SVG with a box on the page and blocks in it.
    let grid = tab.wait_for_element("#grid svg").unwrap();
    let model = grid.get_box_model().unwrap();
    assert!(
        model.width > 600.0 && model.height > 200.0,
        "the grid's box: {}x{}",
        model.width,
        model.height
    );
    let blocks = tab.find_elements("#grid svg g.block").unwrap();
    assert!(!blocks.is_empty(), "no blocks in the grid");
    let png = tab
        .capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true)
        .unwrap();
    let path = artifact(shot);
    std::fs::write(&path, png).unwrap();
    println!("screenshot of {url}: {}", path.display());
    let errors = errors.lock().unwrap();
    assert!(
        errors.is_empty(),
        "{service} {env}: the console has errors: {errors:#?}"
    );
}

#[test]
fn the_page_in_chromium_shows_the_verdict_check_gives_without_console_errors() {
    let state = tempfile::tempdir().unwrap();
    let server = Server::start(&bundled(), state.path(), &[]);
    // A runtime freeze, so one page surely shows a denial with its reason.
    let (status, made) = server.send_json(
        "POST",
        "/v1/freezes",
        &json!({"services": ["api"], "envs": ["staging"], "for": "2h", "reason": "INC-7 <db failover>"}),
    );
    assert_eq!(status, 201, "{made}");
    let profile = tempfile::tempdir().unwrap();
    let browser = browser(profile.path());
    let tab = browser.new_tab().unwrap();
    let errors = listen_for_errors(&tab);
    check_page(&tab, &errors, &server, "api", "staging", "page.png");
    assert_eq!(attribute(&tab, "#verdict", "data-verdict"), "deny");
    let freeze = tab.find_element("#freezes tr[data-state=active]").unwrap();
    assert!(
        freeze
            .get_inner_text()
            .unwrap()
            .contains("INC-7 <db failover>")
    );
    check_page(&tab, &errors, &server, "web", "prod", "page-web-prod.png");
}

#[test]
fn the_grid_loads_in_chromium_as_an_image() {
    let state = tempfile::tempdir().unwrap();
    let server = Server::start(&bundled(), state.path(), &[]);
    let profile = tempfile::tempdir().unwrap();
    let browser = browser(profile.path());
    let tab = browser.new_tab().unwrap();
    let errors = listen_for_errors(&tab);
    // As an `<img>`, the way a dashboard or a README would show it: loaded
    // from a document of the same server (one with no policy of its own).
    let src = format!(
        "http://127.0.0.1:{}/v1/windows.svg?service=web&env=prod&days=21",
        server.port
    );
    let base = format!("http://127.0.0.1:{}/healthz", server.port);
    tab.navigate_to(&base)
        .unwrap()
        .wait_until_navigated()
        .unwrap();
    let size = tab
        .evaluate(
            &format!(
                "new Promise(done => {{ const i = new Image(); \
                 i.onload = () => done(i.naturalWidth + 'x' + i.naturalHeight); \
                 i.onerror = () => done('error'); i.src = {}; }})",
                serde_json::to_string(&src).unwrap()
            ),
            true,
        )
        .unwrap()
        .value
        .unwrap();
    let size = size.as_str().unwrap().to_string();
    let (w, h) = size
        .split_once('x')
        .unwrap_or_else(|| panic!("the image did not load: {size}"));
    assert!(w.parse::<u32>().unwrap() > 600, "{size}");
    assert!(h.parse::<u32>().unwrap() > 400, "{size}");
    // And opened on its own.
    tab.navigate_to(&src)
        .unwrap()
        .wait_until_navigated()
        .unwrap();
    let days = tab.find_elements("g.day").unwrap();
    assert_eq!(days.len(), 21);
    let png = tab
        .capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true)
        .unwrap();
    let path = artifact("grid.png");
    std::fs::write(&path, png).unwrap();
    println!("screenshot of {src}: {}", path.display());
    let errors = errors.lock().unwrap();
    assert!(errors.is_empty(), "the console has errors: {errors:#?}");
}
