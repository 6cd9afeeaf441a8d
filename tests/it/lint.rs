//! The traps a policy can load with but hardly ever means — legacy zone names,
//! cron day fields that OR, rules that can never apply — are warnings at their
//! place; the misspellings people make get the suggestion they need; and
//! `validate` shows both in its three formats, failing on warnings when told to.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::diagnostic::located;
use chrono::{DateTime, Utc};
use shipwindow::policy::Diagnostic;
use shipwindow::{LoadOptions, PolicySet};
use std::path::Path;
use std::process::{Command, Output};

/// Monday 7 December 2026, 09:00 UTC: "now" for every load here.
fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-07T09:00:00Z")
        .unwrap()
        .to_utc()
}

/// The warnings of a one-file set (`a.toml`) loaded at [`now`], as
/// `a.toml:line:col: message` with their help.
fn warnings(text: &str) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.toml"), text).unwrap();
    let options = LoadOptions::new(dir.path().join("state"), now());
    let set = PolicySet::load_with(dir.path(), &options).unwrap();
    let root = format!("{}/", dir.path().display());
    set.warnings
        .iter()
        .map(|d: &Diagnostic| (located(d, &root), d.help.clone().unwrap_or_default()))
        .collect()
}

const OPEN_WINDOW: &str =
    "[[window]]\nname = \"nights\"\ndays = [\"daily\"]\nstart = \"22:00\"\nend = \"06:00\"\n";

#[test]
fn a_set_without_traps_has_no_warnings() {
    assert_eq!(warnings(OPEN_WINDOW), vec![]);
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    let early = DateTime::parse_from_rfc3339("2026-11-01T00:00:00Z")
        .unwrap()
        .to_utc();
    let set = PolicySet::load_with(&bundled, &LoadOptions::new("state".into(), early)).unwrap();
    assert!(set.warnings.is_empty(), "{:?}", set.warnings);
}

#[test]
fn fixed_offset_and_legacy_zone_names_warn_and_suggest_a_city() {
    let cases = [
        ("EST", "America/New_York"),
        ("MST", "America/Denver"),
        ("US/Eastern", "America/New_York"),
        ("Etc/GMT+5", "America/New_York"),
    ];
    for (zone, city) in cases {
        let got = warnings(&format!(
            "[settings]\ntimezone = \"{zone}\"\n\n{OPEN_WINDOW}"
        ));
        assert_eq!(got.len(), 1, "zone: {zone}: {got:#?}");
        assert!(
            got[0].0.starts_with("a.toml:2:12: `timezone`: "),
            "{got:#?}"
        );
        assert_eq!(
            got[0].1,
            format!("did you mean `{city}`? name the city whose clocks the rule follows")
        );
    }
    // The inverted sign of `Etc/GMT+5` is spelled out.
    let got = warnings(&format!("{OPEN_WINDOW}timezone = \"Etc/GMT+5\"\n"));
    assert!(got[0].0.contains("a fixed UTC-05:00 all year"), "{got:#?}");
    assert!(got[0].0.starts_with("a.toml:6:12: "), "{got:#?}");
    // A city zone and UTC are what they say.
    for zone in ["Asia/Seoul", "UTC"] {
        let text = format!("[settings]\ntimezone = \"{zone}\"\n\n{OPEN_WINDOW}");
        assert_eq!(warnings(&text), vec![], "zone: {zone}");
    }
}

#[test]
fn cron_with_both_day_fields_restricted_explains_the_or_and_shows_fires() {
    let text =
        "[[freeze]]\nname = \"thanksgiving\"\ncron = \"0 0 22-28 11 thu\"\nduration = \"24h\"\n";
    let got = warnings(text);
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(
        got[0].0,
        "a.toml:3:8: `cron`: `0 0 22-28 11 thu` restricts both day-of-month and day-of-week, \
         so it fires on a day that matches either one, not both; its next fires are \
         Thu 2027-11-04 00:00, Thu 2027-11-11 00:00, Thu 2027-11-18 00:00, Mon 2027-11-22 00:00"
    );
    assert!(
        got[0].1.contains("RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=4TH"),
        "{}",
        got[0].1
    );
    assert!(got[0].1.contains("one-time rules"), "{}", got[0].1);
    // One restricted day field means just that field: no warning.
    let one = "[[freeze]]\nname = \"t\"\ncron = \"0 0 22-28 11 *\"\nduration = \"24h\"\n";
    assert_eq!(warnings(one), vec![]);
    // `until_cron` is read the same way.
    let pair = "[[freeze]]\nname = \"t\"\ncron = \"0 17 * * fri\"\nuntil_cron = \"0 6 1 * mon\"\n";
    let got = warnings(pair);
    assert_eq!(got.len(), 1, "{got:#?}");
    assert!(
        got[0]
            .0
            .starts_with("a.toml:4:14: `until_cron`: `0 6 1 * mon` restricts both")
    );
}

#[test]
fn rules_that_can_never_apply_are_warnings() {
    // A freeze wholly in the past.
    let past = "[[freeze]]\nname = \"sale\"\nstart_at = \"2026-11-26T00:00\"\nend_at = \"2026-11-30T00:00\"\n";
    let got = warnings(past);
    assert_eq!(
        got,
        vec![(
            "a.toml:4:10: this freeze ended at Mon 2026-11-30 00:00 UTC, in the past: it can never apply again".to_string(),
            "remove the rule, or correct its dates if it was meant for a later year".to_string()
        )]
    );
    // One still running is fine.
    let running = past.replace("2026-11-30", "2026-12-30");
    assert_eq!(warnings(&running), vec![]);

    // A Saturday window for `web` under a weekend freeze for `web` never opens.
    let hidden = "[[window]]\nname = \"sat\"\ndays = [\"sat\"]\nstart = \"10:00\"\nend = \"12:00\"\nservices = [\"web\"]\n\n\
                  [[freeze]]\nname = \"weekend\"\nfrom = \"fri 17:00\"\nto = \"mon 06:00\"\n";
    let got = warnings(hidden);
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(
        got[0].0,
        "a.toml:1:1: this window never opens: freeze `weekend` covers every opening in the coming year for what it names"
    );
    // When the freeze spares one of the services the window names, it opens.
    let spared = hidden.replace("services = [\"web\"]", "services = [\"web\", \"api\"]")
        + "services = [\"web\"]\n";
    assert_eq!(warnings(&spared), vec![]);
    // A freeze that exempts deploys does not close the window for them.
    let exempt = format!("{hidden}exempt = [\"deploy\"]\n");
    assert_eq!(warnings(&exempt), vec![]);
}

#[test]
fn misspellings_get_the_suggestion_they_need() {
    let problems = |text: &str| {
        let err = PolicySet::from_files(&[("a.toml", text)]).unwrap_err();
        err.diagnostics
            .iter()
            .map(|d| (located(d, ""), d.help.clone().unwrap_or_default()))
            .collect::<Vec<_>>()
    };
    let got = problems(&format!("{OPEN_WINDOW}enviroments = [\"prod\"]\n"));
    assert_eq!(
        got,
        vec![(
            "a.toml:6:1: unknown key `enviroments` in [[window]]".to_string(),
            "did you mean `envs`?".to_string()
        )]
    );
    let got = problems(&OPEN_WINDOW.replace("[\"daily\"]", "[\"weekdays\"]"));
    assert_eq!(got[0].0, "a.toml:3:9: `days`: `weekdays` is not a day");
    assert!(
        got[0].1.starts_with("did you mean `mon-fri`?"),
        "{}",
        got[0].1
    );
    let got = problems(&OPEN_WINDOW.replace("\"22:00\"", "\"2:00\""));
    assert_eq!(got[0].0, "a.toml:4:9: `start`: `2:00` is not a time of day");
    assert!(
        got[0].1.starts_with("did you mean `02:00`?"),
        "{}",
        got[0].1
    );
    // A time that no padding can mend gets no such suggestion.
    let got = problems(&OPEN_WINDOW.replace("\"22:00\"", "\"25:00\""));
    assert!(!got[0].1.contains("did you mean"), "{}", got[0].1);
    let swapped = "[[freeze]]\nname = \"f\"\nstart_at = \"2026-11-30T00:00\"\nend_at = \"2026-11-26T00:00\"\n";
    let got = problems(swapped);
    assert!(got[0].1.contains("swap them?"), "{}", got[0].1);
}

fn validate(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shipwindow"))
        .arg("validate")
        .arg("--policies")
        .arg(dir)
        .args(args)
        .env_remove("SHIPWINDOW_POLICIES")
        .output()
        .unwrap()
}

fn text(bytes: &[u8], root: &str) -> String {
    String::from_utf8_lossy(bytes).replace(root, "")
}

#[test]
fn validate_shows_warnings_in_every_format_and_can_deny_them() {
    let dir = tempfile::tempdir().unwrap();
    let body = format!("[settings]\ntimezone = \"US/Eastern\"\n\n{OPEN_WINDOW}");
    std::fs::write(dir.path().join("a.toml"), body).unwrap();
    let root = format!("{}/", dir.path().display());

    let o = validate(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(0));
    let out = text(&o.stdout, &root);
    assert!(
        out.starts_with("ok: 1 rules (1 window, 0 freezes)"),
        "{out}"
    );
    assert!(
        out.contains("\na.toml:2:12: warning: `timezone`: `US/Eastern` is a legacy name kept for old systems\n  help: did you mean `America/New_York`?"),
        "{out}"
    );
    assert!(
        out.contains("2 | timezone = \"US/Eastern\"\n  |            ^^^^^^^^^^^^"),
        "{out}"
    );
    assert_eq!(text(&o.stderr, &root), "1 warning\n");

    let o = validate(dir.path(), &["--deny-warnings"]);
    assert_eq!(o.status.code(), Some(2));
    let out = text(&o.stdout, &root);
    assert!(out.starts_with("a.toml:2:12: warning: "), "{out}");
    assert_eq!(
        text(&o.stderr, &root),
        "1 warning (denied by --deny-warnings)\n"
    );

    let o = validate(dir.path(), &["--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json.as_array().map(Vec::len), Some(1), "{json}");
    assert_eq!(json[0]["severity"], "warning");
    assert_eq!(
        (json[0]["line"].as_u64(), json[0]["column"].as_u64()),
        (Some(2), Some(12))
    );
    assert_eq!(
        json[0]["help"],
        "did you mean `America/New_York`? name the city whose clocks the rule follows"
    );

    let o = validate(dir.path(), &["--format", "github", "--deny-warnings"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        text(&o.stdout, &root),
        "::warning file=a.toml,line=2,col=12,endLine=2,endColumn=24::`timezone`: `US/Eastern` is a legacy name kept for old systems%0Ahelp: did you mean `America/New_York`? name the city whose clocks the rule follows\n"
    );
}

#[test]
fn validate_github_puts_each_error_on_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = OPEN_WINDOW.replace("\"22:00\"", "\"2:00\"") + "enviroments = [\"prod\"]\n";
    std::fs::write(dir.path().join("a.toml"), bad).unwrap();
    let root = format!("{}/", dir.path().display());
    let o = validate(dir.path(), &["--format", "github"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        text(&o.stdout, &root),
        "::error file=a.toml,line=4,col=9,endLine=4,endColumn=15::`start`: `2:00` is not a time of day%0Ahelp: did you mean `02:00`? write `HH:MM` from `00:00` to `23:59`\n\
         ::error file=a.toml,line=6,col=1,endLine=6,endColumn=12::unknown key `enviroments` in [[window]]%0Ahelp: did you mean `envs`?\n"
    );
    // JSON marks each problem an error.
    let o = validate(dir.path(), &["--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json[0]["severity"], "error");
    assert_eq!(
        json[1]["message"],
        "unknown key `enviroments` in [[window]]"
    );
}

/// The never-opens check runs on every load, so its work is bounded: a set
/// with more window × freeze pairs than it looks at is not checked (and loads
/// as fast as before), while the same hidden window in a small set is found.
#[test]
fn the_never_opens_check_is_bounded_by_the_size_of_the_set() {
    let hidden = "[[window]]\nname = \"sat\"\ndays = [\"sat\"]\nstart = \"10:00\"\nend = \"12:00\"\n\n\
                  [[freeze]]\nname = \"weekend\"\nfrom = \"fri 17:00\"\nto = \"mon 06:00\"\n";
    assert_eq!(warnings(hidden).len(), 1);
    let mut big = hidden.to_string();
    for i in 0..60 {
        big.push_str(&format!(
            "\n[[window]]\nname = \"w{i}\"\ndays = [\"mon\"]\nstart = \"10:00\"\nend = \"12:00\"\n\n\
             [[freeze]]\nname = \"f{i}\"\ndays = [\"tue\"]\nstart = \"10:00\"\nend = \"11:00\"\n"
        ));
    }
    assert_eq!(warnings(&big), vec![]);
}

/// Whoever starts the server sees what `validate` would warn about.
#[test]
fn the_server_logs_the_warnings_when_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    let body = format!("[settings]\ntimezone = \"EST\"\n\n{OPEN_WINDOW}");
    std::fs::write(dir.path().join("a.toml"), body).unwrap();
    let state = tempfile::tempdir().unwrap();
    let server = crate::support::server::Server::start(dir.path(), state.path(), &[]);
    assert!(
        server
            .startup
            .contains("policy warning (see `shipwindow validate`): ")
            && server
                .startup
                .contains("a.toml:2:12: `timezone`: `EST` is not a place"),
        "{}",
        server.startup
    );
}
