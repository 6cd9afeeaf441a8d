//! Every class of bad policy input gives a diagnostic with the file, line and
//! column of the mistake, a message saying what is wrong and help saying what would
//! be right — and loading reports all of them, not just the first.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::diagnostic::{expect_diagnostic, expect_one};
use shipwindow::PolicySet;

/// Loads in-memory files and returns each diagnostic as (`file:line:col: message`, help).
fn problems(files: &[(&str, &str)]) -> Vec<(String, String)> {
    crate::support::diagnostic::problems(files)
}

/// Asserts exactly one problem, with this location+message and help containing `help`.
#[track_caller]
fn one(files: &[(&str, &str)], want: &str, help: &str) {
    let got = problems(files);
    assert_eq!(got.len(), 1, "expected one problem, got {got:#?}");
    assert_eq!(got[0].0, want);
    assert!(
        got[0].1.contains(help),
        "help `{}` should contain `{help}`",
        got[0].1
    );
}

const WINDOW: &str =
    "[[window]]\nname = \"w\"\ndays = [\"mon\"]\nstart = \"22:00\"\nend = \"06:00\"\n";

#[test]
fn toml_syntax_error() {
    one(
        &[("a.toml", "[[window]]\nname = \"w\nstart = 1\n")],
        "a.toml:2:10: TOML syntax: invalid basic string, expected `\"`",
        "toml.io",
    );
}

#[test]
fn unknown_key_suggests_the_closest() {
    let text = WINDOW.replace("start =", "strat =");
    let got = problems(&[("a.toml", &text)]);
    assert_eq!(got[1].0, "a.toml:4:1: unknown key `strat` in [[window]]");
    assert_eq!(got[1].1, "did you mean `start`?");
    // The rule is also missing the key the typo was meant to be.
    assert_eq!(got[0].0, "a.toml:1:1: [[window]] daily range needs `start`");
    assert_eq!(got.len(), 2);
}

#[test]
fn unknown_settings_key_and_table() {
    one(
        &[("a.toml", "[settings]\ntimezon = \"UTC\"\n")],
        "a.toml:2:1: unknown key `timezon` in [settings]",
        "did you mean `timezone`?",
    );
    one(
        &[("a.toml", "[[freez]]\nname = \"x\"\n")],
        "a.toml:1:3: unknown table `freez`",
        "did you mean `freeze`?",
    );
    one(
        &[("a.toml", "[[strategie]]\nname = \"web\"\n")],
        "a.toml:1:3: unknown table `strategie`",
        "did you mean `strategy`?",
    );
}

#[test]
fn wrong_types() {
    one(
        &[("a.toml", &WINDOW.replace("\"22:00\"", "22"))],
        "a.toml:4:9: `start` must be a string, found an integer",
        "write `start = \"22:00\"`",
    );
    one(
        &[("a.toml", &format!("{WINDOW}envs = \"prod\"\n"))],
        "a.toml:6:8: `envs` must be a list of strings, found a string",
        "[\"prod\"]",
    );
    one(
        &[("a.toml", "[window]\nname = \"w\"\n")],
        "a.toml:1:2: `window` must be an array of tables",
        "write `[[window]]`",
    );
}

#[test]
fn bad_zone_names_suggest_the_closest() {
    one(
        &[("a.toml", "[settings]\ntimezone = \"Asia/Seol\"\n")],
        "a.toml:2:12: `timezone`: unknown time zone `Asia/Seol`",
        "did you mean `Asia/Seoul`?",
    );
    one(
        &[("a.toml", &format!("{WINDOW}timezone = \"europe/london\"\n"))],
        "a.toml:6:12: `timezone`: unknown time zone `europe/london`",
        "did you mean `Europe/London`?",
    );
}

#[test]
fn bad_durations() {
    one(
        &[("a.toml", "[settings]\nmonitoring = \"1 hour\"\n")],
        "a.toml:2:14: `monitoring`: unknown unit ` ` in duration `1 hour`",
        "`1h30m`",
    );
    one(
        &[("a.toml", "[settings]\nhorizon = \"0s\"\n")],
        "a.toml:2:11: `horizon` must be longer than zero",
        "30m",
    );
    one(
        &[(
            "a.toml",
            "[[freeze]]\nname = \"f\"\ncron = \"0 1 * * *\"\nduration = \"2x\"\n",
        )],
        "a.toml:4:12: `duration`: unknown unit `x` in duration `2x`",
        "`1h30m`",
    );
}

#[test]
fn bad_day_names() {
    one(
        &[(
            "a.toml",
            &WINDOW.replace("[\"mon\"]", "[\"mon\", \"thurs\"]"),
        )],
        "a.toml:3:16: `days`: `thurs` is not a day",
        "did you mean `thu`?",
    );
    one(
        &[(
            "a.toml",
            "[[freeze]]\nname = \"f\"\nfrom = \"fryday 17:00\"\nto = \"mon 06:00\"\n",
        )],
        "a.toml:3:8: `from`: `fryday` is not a day in `fryday 17:00`",
        "did you mean `fri`?",
    );
}

#[test]
fn bad_times_of_day() {
    one(
        &[("a.toml", &WINDOW.replace("\"22:00\"", "\"25:00\""))],
        "a.toml:4:9: `start`: `25:00` is not a time of day",
        "`HH:MM`",
    );
}

#[test]
fn bad_globs() {
    one(
        &[(
            "a.toml",
            &format!("{WINDOW}services = [\"web\", \"api-[ab\"]\n"),
        )],
        "a.toml:6:20: `services`: bad glob `api-[ab`: unclosed character class; missing ']'",
        "`[abc]`",
    );
    one(
        &[("a.toml", &format!("{WINDOW}services = []\n"))],
        "a.toml:6:12: `services` is empty and would match nothing",
        "remove `services`",
    );
}

#[test]
fn bad_cron() {
    let freeze =
        |cron: &str| format!("[[freeze]]\nname = \"f\"\ncron = \"{cron}\"\nduration = \"1h\"\n");
    one(
        &[("a.toml", &freeze("0 0 9 * * *"))],
        "a.toml:3:8: `cron`: cron `0 0 9 * * *` has 6 fields, expected the standard five (a seconds or year field is not part of standard cron)",
        "minute hour day-of-month month day-of-week",
    );
    one(
        &[("a.toml", &freeze("0 0 9 * * * 2026"))],
        "a.toml:3:8: `cron`: cron `0 0 9 * * * 2026` has 7 fields, expected the standard five (a seconds or year field is not part of standard cron)",
        "five fields",
    );
    one(
        &[("a.toml", &freeze("0 9 L * *"))],
        "a.toml:3:8: `cron`: `L` in the day-of-month field `L` is a Quartz extension, not standard cron",
        "five fields",
    );
    one(
        &[("a.toml", &freeze("0 9 30 2 *"))],
        "a.toml:3:8: `cron`: cron `0 9 30 2 *` can never fire: no listed month has the listed day",
        "day-of-month",
    );
    one(
        &[("a.toml", &freeze("0 9 * * mun"))],
        "a.toml:3:8: `cron`: `mun` is not valid in the day-of-week field `mun`",
        "did you mean `mon`?",
    );
    one(
        &[(
            "a.toml",
            "[[freeze]]\nname = \"f\"\ncron = \"0 17 * * fri\"\nuntil_cron = \"@reboot\"\n",
        )],
        "a.toml:4:14: `until_cron`: unknown cron macro `@reboot`",
        "@hourly",
    );
}

#[test]
fn end_at_not_after_start_at() {
    let text = "[[freeze]]\nname = \"f\"\nstart_at = \"2026-11-30T00:00\"\nend_at = \"2026-11-26T00:00\"\n";
    one(
        &[("a.toml", text)],
        "a.toml:4:10: `end_at` is not after `start_at`",
        "later than `start_at`",
    );
    // Both ends inside the same DST gap map to one instant: empty, so an error too.
    let gap = "[[freeze]]\nname = \"f\"\ntimezone = \"America/New_York\"\nstart_at = \"2026-03-08T02:10\"\nend_at = \"2026-03-08T02:50\"\n";
    one(
        &[("a.toml", gap)],
        "a.toml:5:10: `end_at` is not after `start_at`",
        "later",
    );
}

#[test]
fn zero_or_several_time_specs() {
    one(
        &[("a.toml", "[[freeze]]\nname = \"f\"\nreason = \"x\"\n")],
        "a.toml:1:1: [[freeze]] has no time spec",
        "exactly one of",
    );
    let both = format!("{WINDOW}from = \"fri 17:00\"\nto = \"mon 06:00\"\n");
    one(
        &[("a.toml", &both)],
        "a.toml:1:1: [[window]] has several time specs (daily range, weekly span)",
        "exactly one of",
    );
    one(
        &[(
            "a.toml",
            "[[window]]\nname = \"w\"\ndays = [\"mon\"]\nstart = \"22:00\"\n",
        )],
        "a.toml:1:1: [[window]] daily range needs `end`",
        "`days`, `start`, `end`",
    );
    one(
        &[("a.toml", "[[freeze]]\nname = \"f\"\ncron = \"0 1 * * *\"\n")],
        "a.toml:1:1: [[freeze]] has `cron` but no `duration` or `until_cron`",
        "until_cron",
    );
    one(
        &[(
            "a.toml",
            "[[freeze]]\nname = \"f\"\nfrom = \"fri 17:00\"\nto = \"fri 17:00\"\n",
        )],
        "a.toml:3:8: `from` and `to` are the same moment",
        "two different times",
    );
}

#[test]
fn duplicate_names_across_files() {
    one(
        &[
            ("a.toml", WINDOW),
            ("b/c.toml", &WINDOW.replace("mon", "tue")),
        ],
        "b/c.toml:2:8: rule name `w` is already used at a.toml:1:1",
        "unique across the policy set",
    );
}

#[test]
fn duplicates_are_found_even_when_the_first_is_invalid() {
    let got = problems(&[
        (
            "a.toml",
            "[settings]\ntimezone = \"Mars/Base\"\n\n[[window]]\nname = \"w\"\ndays = [\"mon\"]\nstart = \"25:00\"\nend = \"06:00\"\n",
        ),
        (
            "b.toml",
            &format!("[settings]\ntimezone = \"UTC\"\n\n{WINDOW}"),
        ),
    ]);
    let got: Vec<&str> = got.iter().map(|(m, _)| m.as_str()).collect();
    assert!(
        got.contains(&"b.toml:2:1: settings key `timezone` is already set at a.toml:2:1"),
        "{got:#?}"
    );
    assert!(
        got.contains(&"b.toml:5:8: rule name `w` is already used at a.toml:4:1"),
        "{got:#?}"
    );
}

#[test]
fn settings_key_set_twice_across_files() {
    one(
        &[
            ("a.toml", "[settings]\ntimezone = \"UTC\"\n"),
            (
                "b.toml",
                "[settings]\nmonitoring = \"1h\"\ntimezone = \"Asia/Seoul\"\n",
            ),
        ],
        "b.toml:3:1: settings key `timezone` is already set at a.toml:2:1",
        "one file only",
    );
}

#[test]
fn invalid_names_overrides_and_change_kinds() {
    one(
        &[("a.toml", &WINDOW.replace("\"w\"", "\"Weeknight\""))],
        "a.toml:2:8: invalid rule name `Weeknight`",
        "lowercase",
    );
    one(
        &[("a.toml", &format!("{WINDOW}exempt = [\"rolback\"]\n"))],
        "a.toml:6:11: unknown change kind `rolback`",
        "did you mean `rollback`?",
    );
    one(
        &[("a.toml", &format!("{WINDOW}override = \"approver\"\n"))],
        "a.toml:1:1: `override = \"approver\"` needs `approvers`",
        "approvers = [",
    );
    one(
        &[("a.toml", &format!("{WINDOW}override = \"always\"\n"))],
        "a.toml:6:12: unknown override policy `always`",
        "\"never\"",
    );
    one(
        &[(
            "a.toml",
            "[[window]]\ndays = [\"mon\"]\nstart = \"22:00\"\nend = \"06:00\"\n",
        )],
        "a.toml:1:1: [[window]] has no `name`",
        "add `name",
    );
}

#[test]
fn all_problems_are_reported_in_one_run() {
    let a = "[settings]\ntimezone = \"Asia/Seol\"\n\n[[window]]\nname = \"w\"\ndays = [\"mon\"]\nstart = \"25:00\"\nend = \"06:00\"\n";
    let b = "[[freeze]]\nname = \"w\"\ncron = \"0 0 9 * * *\"\nduration = \"1h\"\nbogus = 1\n";
    let got: Vec<String> = problems(&[("a.toml", a), ("b.toml", b)])
        .into_iter()
        .map(|(m, _)| m)
        .collect();
    assert_eq!(
        got,
        [
            "a.toml:2:12: `timezone`: unknown time zone `Asia/Seol`",
            "a.toml:7:9: `start`: `25:00` is not a time of day",
            "b.toml:2:8: rule name `w` is already used at a.toml:4:1",
            "b.toml:3:8: `cron`: cron `0 0 9 * * *` has 6 fields, expected the standard five (a seconds or year field is not part of standard cron)",
            "b.toml:5:1: unknown key `bogus` in [[freeze]]",
        ]
    );
}

#[test]
fn a_good_policy_loads_in_policy_order() {
    let a = "[[freeze]]\nname = \"z-first\"\nfrom = \"fri 17:00\"\nto = \"mon 06:00\"\n\n[[window]]\nname = \"a-second\"\ndays = [\"daily\"]\nstart = \"00:00\"\nend = \"24:00\"\n";
    let b =
        "[[window]]\nname = \"m-third\"\ndays = [\"mon\"]\nstart = \"22:00\"\nend = \"06:00\"\n";
    let set = PolicySet::from_files(&[("b.toml", b), ("a.toml", a)]).unwrap();
    let names: Vec<&str> = set.rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["z-first", "a-second", "m-third"]);
    assert!(set.fingerprint.starts_with("sha256:") && set.fingerprint.len() == 7 + 64);
}

#[test]
fn bad_market_rules() {
    let m = "[[market]]\nname = \"krx\"\nexchange = \"XKRX\"\n";
    one(
        &[("a.toml", &m.replace("XKRX", "XKRZ"))],
        "a.toml:3:12: unknown exchange `XKRZ`",
        "did you mean `XKRX`?",
    );
    one(
        &[("a.toml", "[[market]]\nname = \"krx\"\n")],
        "a.toml:1:1: [[market]] has no `exchange`",
        "built-in calendars: XKRX, XNYS",
    );
    one(
        &[("a.toml", &format!("{m}before_open = \"half an hour\"\n"))],
        "a.toml:4:15: `before_open`: missing number before `h` in duration `half an hour`",
        "`1h30m`",
    );
    one(
        &[("a.toml", &format!("{m}extra_closed = [\"2026-13-01\"]\n"))],
        "a.toml:4:17: `extra_closed`: `2026-13-01` is not a date",
        "2026-06-03",
    );
    one(
        &[("a.toml", &format!("{m}extra_closed = [\"2031-01-02\"]\n"))],
        "a.toml:4:17: `extra_closed`: 2031-01-02 is outside the XKRX calendar",
        "covers 2015-01-01 to 2030-12-31",
    );
    // A market rule reads its times in the exchange's zone, so `timezone` is unknown there.
    one(
        &[("a.toml", &format!("{m}timezone = \"Asia/Seoul\"\n"))],
        "a.toml:4:1: unknown key `timezone` in [[market]]",
        "exchange",
    );
    // TOML dates without quotes are accepted.
    assert!(
        PolicySet::from_files(&[("a.toml", &format!("{m}extra_closed = [2026-06-03]\n"))]).is_ok()
    );
}

#[test]
fn market_guards_longer_than_a_week_are_rejected() {
    one(
        &[(
            "a.toml",
            "[[market]]\nname = \"krx\"\nexchange = \"XKRX\"\nbefore_open = \"3000d\"\n",
        )],
        "a.toml:4:15: `before_open` is longer than 7d",
        "minutes or hours",
    );
}

/// The offending text itself is what a diagnostic underlines: a value, a key, a
/// list item, a table's header.
#[test]
fn diagnostics_underline_the_offending_text() {
    let load = |text: &str| PolicySet::from_files(&[("a.toml", text)]).unwrap_err();
    expect_one(
        &load("[settings]\ntimezone = \"Asia/Seol\"\n"),
        "",
        "a.toml:2:12: `timezone`: unknown time zone `Asia/Seol`",
        "\"Asia/Seol\"",
        "did you mean `Asia/Seoul`?",
    );
    expect_one(
        &load("[settings]\ntimezon = \"UTC\"\n"),
        "",
        "a.toml:2:1: unknown key `timezon` in [settings]",
        "timezon",
        "did you mean `timezone`?",
    );
    expect_one(
        &load(&format!("{WINDOW}exempt = [\"hotfix\", \"rolback\"]\n")),
        "",
        "a.toml:6:21: unknown change kind `rolback`",
        "\"rolback\"",
        "did you mean `rollback`? change kinds are deploy, hotfix, rollback, config",
    );
    expect_one(
        &load("[[freeze]]\nname = \"f\"\n"),
        "",
        "a.toml:1:1: [[freeze]] has no time spec",
        "[[freeze]]",
        "give exactly one of `days`/`start`/`end`, `from`/`to`, `cron` with `duration` or `until_cron`, or `start_at`/`end_at`",
    );
    expect_one(
        &load("[[market]]\nname = \"m\"\nexchange = \"XKRW\"\n"),
        "",
        "a.toml:3:12: unknown exchange `XKRW`",
        "\"XKRW\"",
        "did you mean `XKRX`? built-in calendars: XKRX, XNYS, XNAS, XTKS, XLON, XHKG",
    );
}

/// A duplicate is underlined where it is repeated, in the second file.
#[test]
fn a_duplicate_name_is_underlined_in_the_file_that_repeats_it() {
    let err = PolicySet::from_files(&[("a.toml", WINDOW), ("b.toml", WINDOW)]).unwrap_err();
    expect_one(
        &err,
        "",
        "b.toml:2:8: rule name `w` is already used at a.toml:1:1",
        "\"w\"",
        "rule names are unique across the policy set",
    );
}

/// Every problem keeps its own place when a file has several.
#[test]
fn each_of_several_problems_underlines_its_own_text() {
    let text = WINDOW.replace("start =", "strat =");
    let err = PolicySet::from_files(&[("a.toml", &text)]).unwrap_err();
    assert_eq!(err.diagnostics.len(), 2, "{err}");
    expect_diagnostic(
        &err.diagnostics[0],
        "",
        "a.toml:1:1: [[window]] daily range needs `start`",
        "[[window]]",
        "a daily range is `days`, `start`, `end`",
    );
    expect_diagnostic(
        &err.diagnostics[1],
        "",
        "a.toml:4:1: unknown key `strat` in [[window]]",
        "strat",
        "did you mean `start`?",
    );
}

#[test]
fn the_rendered_form_shows_the_source_line_under_the_help() {
    let err =
        PolicySet::from_files(&[("a.toml", "[settings]\ntimezone = \"Asia/Seol\"\n")]).unwrap_err();
    assert_eq!(
        err.render(),
        "a.toml:2:12: `timezone`: unknown time zone `Asia/Seol`
  help: did you mean `Asia/Seoul`?
  |
2 | timezone = \"Asia/Seol\"
  |            ^^^^^^^^^^^"
    );
    // Logs and error bodies keep the two-line form.
    assert_eq!(
        err.to_string(),
        "a.toml:2:12: `timezone`: unknown time zone `Asia/Seol`\n  help: did you mean `Asia/Seoul`?"
    );
}

/// For machines: file, start and end (1-based, the end just past the last
/// character), message and help. A rule's table is its header.
#[test]
fn diagnostics_as_json() {
    let err = PolicySet::from_files(&[(
        "a.toml",
        "[settings]\ntimezone = \"Asia/Seol\"\n\n[[freeze]]\nname = \"f\"\n",
    )])
    .unwrap_err();
    assert_eq!(
        serde_json::to_value(&err.diagnostics).unwrap(),
        serde_json::json!([
            {
                "file": "a.toml",
                "line": 2,
                "column": 12,
                "end_line": 2,
                "end_column": 23,
                "message": "`timezone`: unknown time zone `Asia/Seol`",
                "help": "did you mean `Asia/Seoul`?",
            },
            {
                "file": "a.toml",
                "line": 4,
                "column": 1,
                "end_line": 4,
                "end_column": 11,
                "message": "[[freeze]] has no time spec",
                "help": "give exactly one of `days`/`start`/`end`, `from`/`to`, `cron` with `duration` or `until_cron`, or `start_at`/`end_at`",
            },
        ])
    );
    // A problem with no place in a file has no line or column.
    let err = PolicySet::load(std::path::Path::new("no/such/dir")).unwrap_err();
    let json = serde_json::to_value(&err.diagnostics).unwrap();
    assert_eq!(json[0]["line"], serde_json::Value::Null);
    assert_eq!(json[0]["end_column"], serde_json::Value::Null);
    assert_eq!(json[0]["message"], "policy directory not found");
}

/// Issue 13, class 12: a policy file that is not UTF-8 is reported at the line
/// and column of its first bad byte, whatever came before it (line endings,
/// characters of several bytes), and a calendar file at its line.
#[test]
fn invalid_utf8_is_reported_at_its_real_line() {
    use crate::support::ics::{Dir, calendar_toml};
    let cases: &[(&[u8], &str)] = &[
        (b"\xff[settings]\n", "p.toml:1:1: "),
        (
            b"[settings]\ntimezone = \"UTC\"\n\n[[freeze]]\nname = \"caf\xe9\"\n",
            "p.toml:5:12: ",
        ),
        (
            b"[settings]\r\ntimezone = \"UTC\"\r\n# \xec\x84\x9c\xec\x9a\xb8 \x80\r\n",
            "p.toml:3:6: ",
        ),
        (b"# ok\n# ok\n# cut off \xe2\x82", "p.toml:3:11: "),
    ];
    for (bytes, want) in cases {
        let dir = Dir::new(&[]);
        std::fs::create_dir_all(dir.policies()).unwrap();
        std::fs::write(dir.policies().join("p.toml"), bytes).unwrap();
        let err = dir.load().unwrap_err();
        assert_eq!(err.diagnostics.len(), 1, "{err}");
        let root = format!("{}/", dir.policies().display());
        let got = crate::support::diagnostic::located(&err.diagnostics[0], &root);
        assert!(
            got.starts_with(want),
            "{bytes:?}\n got: {got}\nwant: {want}"
        );
        assert!(got.contains("not UTF-8 text (byte `0x"), "{got}");
        assert_eq!(err.diagnostics[0].underlined(), Some("\u{fffd}"));
    }
    // A calendar: the bad byte's line, counted in the file as it is on disk.
    for (bytes, line) in [
        (
            &b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:Caf\xe9\r\n"[..],
            3,
        ),
        (
            &b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nDESCRIPTION:a\n  b\n  \xff\n"[..],
            5,
        ),
        (&b"\xef\xbb\xbfBEGIN:VCALENDAR\n\xc3\n"[..], 2),
    ] {
        let dir = Dir::new(&[("p.toml", &calendar_toml("UTC", "cal.ics", ""))]);
        std::fs::write(dir.policies().join("cal.ics"), bytes).unwrap();
        let e = dir.load().unwrap_err().to_string();
        assert!(
            e.contains(&format!("cal.ics:{line}:1: not UTF-8 text")),
            "{e}"
        );
    }
}

/// Issue 13, class 6: the policy directory is walked without recursion, and a
/// symbolic link back up the tree is an error rather than a walk that never ends
/// (each level read the files again: the load stalled and ate memory).
#[cfg(unix)]
#[test]
fn directory_loops_are_errors_and_deep_trees_load() {
    use crate::support::ics::Dir;
    let rule = "[[freeze]]\nname = \"migration\"\nstart_at = \"2026-12-01T20:00\"\nend_at = \"2026-12-02T04:00\"\n";
    for (link, target, want) in [
        (
            "loop",
            ".",
            "`loop` is the directory `.` again (a symbolic link)",
        ),
        ("teams/up", "..", "`teams/up` is the directory `.` again"),
        (
            "teams/self",
            "../teams",
            "`teams/self` is the directory `teams` again",
        ),
    ] {
        let dir = Dir::new(&[("p.toml", rule), ("teams/t.toml", "")]);
        std::os::unix::fs::symlink(target, dir.policies().join(link)).unwrap();
        let e = dir.load().unwrap_err().to_string();
        assert!(
            e.contains("cannot read the policy directory: ") && e.contains(want),
            "{link} -> {target}: {e}"
        );
    }
    // A deep tree still loads, its one file at the bottom.
    let dir = Dir::new(&[]);
    let mut deep = dir.policies();
    for _ in 0..200 {
        deep.push("d");
    }
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::write(deep.join("p.toml"), rule).unwrap();
    assert_eq!(dir.load().unwrap().rules.len(), 1);
}
