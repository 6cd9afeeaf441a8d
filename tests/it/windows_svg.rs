//! `windows --format svg`: the binary draws the report `--format json` prints,
//! on the policy zone's wall clock (a fold's hour twice, a gap's not at all),
//! `--open` draws the open windows only, and bad input is still exit 2.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::ics::{Dir, shipwindow};
use std::collections::BTreeSet;

/// London, with a freeze over the night the clocks go back and a window
/// every evening.
const LONDON: &str = r#"
[settings]
timezone = "Europe/London"
deploy_duration = "30m"
monitoring = "30m"

[[window]]
name = "evening"
days = ["mon-sun"]
start = "18:00"
end = "23:00"

[[freeze]]
name = "clock-change"
reason = "Nobody deploys across a clock change"
start_at = "2026-10-25T00:30"
end_at = "2026-10-25T04:00"
"#;

fn svg(dir: &Dir, extra: &[&str]) -> String {
    let mut args = vec![
        "windows",
        "--service",
        "web",
        "--env",
        "prod",
        "--from",
        "2026-10-24T00:00",
        "--to",
        "+3d",
        "--format",
        "svg",
    ];
    args.extend(extra);
    let out = shipwindow(dir, &args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Each block: kind, date, lane, rules.
fn blocks(svg: &str) -> Vec<(String, String, String, String)> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants()
        .filter(|n| n.attribute("class") == Some("block"))
        .map(|n| {
            let a = |k: &str| n.attribute(k).unwrap().to_string();
            (
                a("data-kind"),
                a("data-date"),
                a("data-lane"),
                a("data-rules"),
            )
        })
        .collect()
}

#[test]
fn the_grid_draws_the_json_report_with_the_fold_in_two_lanes() {
    let dir = Dir::new(&[("p.toml", LONDON)]);
    let svg = svg(&dir, &[]);
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    // The same pieces as the JSON.
    let out = shipwindow(
        &dir,
        &[
            "windows",
            "--service",
            "web",
            "--env",
            "prod",
            "--from",
            "2026-10-24T00:00",
            "--to",
            "+3d",
            "--format",
            "json",
        ],
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let starts: BTreeSet<String> = json["intervals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["start"].as_str().unwrap().to_string())
        .collect();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let drawn: BTreeSet<String> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("block"))
        .map(|n| n.attribute("data-start").unwrap().to_string())
        .collect();
    assert_eq!(drawn, starts);
    // Sunday: the freeze from 00:30 BST runs through both passes of 01:00-02:00.
    let sunday: Vec<_> = blocks(&svg)
        .into_iter()
        .filter(|(kind, date, _, _)| kind == "freeze" && date == "2026-10-25")
        .map(|(_, _, lane, _)| lane)
        .collect();
    assert_eq!(sunday, ["full", "first", "second", "full"]);
    let folds = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("fold"))
        .count();
    assert_eq!(folds, 1);
    // Three days from Saturday, three rows.
    let days: Vec<&str> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("day"))
        .map(|n| n.attribute("data-date").unwrap())
        .collect();
    assert_eq!(days, ["2026-10-24", "2026-10-25", "2026-10-26"]);
}

#[test]
fn open_draws_only_the_open_windows() {
    let dir = Dir::new(&[("p.toml", LONDON)]);
    let all = blocks(&svg(&dir, &[]));
    let open = blocks(&svg(&dir, &["--open"]));
    assert!(all.iter().any(|(kind, ..)| kind != "open"));
    assert!(!open.is_empty());
    assert!(open.iter().all(|(kind, ..)| kind == "open"), "{open:?}");
    let want: Vec<_> = all
        .into_iter()
        .filter(|(kind, ..)| kind == "open")
        .collect();
    assert_eq!(open, want);
}

#[test]
fn bad_input_is_exit_2_with_no_picture() {
    let dir = Dir::new(&[("p.toml", LONDON)]);
    let out = shipwindow(
        &dir,
        &[
            "windows",
            "--service",
            "web",
            "--env",
            "prod",
            "--from",
            "someday",
            "--format",
            "svg",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--from"));
}

#[test]
fn the_svg_in_the_docs_is_what_the_binary_draws() {
    // docs/calendars.md shows this command and the picture it made; the range
    // is in the past, so no "now" line makes it depend on when it runs.
    let out = crate::support::server::run(&[
        "--policies",
        crate::support::server::bundled().to_str().unwrap(),
        "windows",
        "--service",
        "web",
        "--env",
        "prod",
        "--from",
        "2026-11-23T00:00",
        "--to",
        "+14d",
        "--format",
        "svg",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/windows-web-prod.svg");
    let committed = std::fs::read_to_string(&docs).unwrap();
    assert!(
        committed == String::from_utf8(out.stdout).unwrap(),
        "docs/windows-web-prod.svg is not what the binary draws now: run the command in docs/calendars.md §10 again"
    );
    let doc = roxmltree::Document::parse(&committed).unwrap();
    assert!(
        doc.descendants()
            .all(|n| n.attribute("class") != Some("now"))
    );
}
