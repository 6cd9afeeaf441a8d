//! A calendar that cannot be read is a load error with a place: the `ics` key in
//! the policy file for a file that is missing, the calendar's own line for a bad
//! property. Nothing is decided on it (exit 2).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::ics as ics_common;

use crate::support::diagnostic::expect_one;
use ics_common::*;

fn err(ics: &str) -> String {
    calendar_error("Asia/Seoul", "", ics)
}

#[test]
fn a_missing_file_is_reported_at_the_ics_key() {
    let dir = Dir::new(&[(
        "p.toml",
        &calendar_toml("UTC", "calendars/holidays.ics", ""),
    )]);
    let e = dir.load().unwrap_err().to_string();
    let root = format!("{}/", dir.policies().display());
    let e = e.replace(&root, "");
    assert_eq!(
        e,
        "p.toml:6:7: `ics`: cannot read `calendars/holidays.ics`: no such file\n  help: a relative `ics` path is read from the policy file's directory; a feed starts with `https://`"
    );
}

#[test]
fn a_bad_property_is_reported_at_its_line_in_the_calendar() {
    let ics = events(&[&[
        "UID:a",
        "SUMMARY:Launch",
        "DTSTART:2026-12-01",
        "DTEND:20261202T000000Z",
    ]]);
    assert_eq!(
        err(&ics),
        "cal.ics:7:1: `DTSTART`: `2026-12-01` is not a DATE-TIME (`YYYYMMDDTHHMMSS`, with `Z` for UTC)\n  help: the calendar of [[freeze]] `cal` (p.toml:6:7)"
    );
}

#[test]
fn lines_are_the_files_own_after_folded_lines() {
    let ics = ics(&[
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "BEGIN:VEVENT",
        "UID:a",
        "DESCRIPTION:a long description that a calendar app folded over",
        " several physical lines, as RFC 5545 asks for lines over 75",
        " octets",
        "SUMMARY:Launch",
        "DTSTART:20261201T000000Z",
        "DTEND:20261130T000000Z",
        "END:VEVENT",
        "END:VCALENDAR",
    ]);
    let e = err(&ics);
    assert!(
        e.starts_with("cal.ics:10:1: `DTEND` is before `DTSTART`"),
        "{e}"
    );
}

#[test]
fn structural_problems() {
    let cases: &[(&str, &str)] = &[
        (
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART:20261201T000000Z\r\n",
            "cal.ics:2:1: `BEGIN:VEVENT` is never closed",
        ),
        (
            "<!DOCTYPE html>\n<html><body>Sign in</body></html>\n",
            "cal.ics:1:1: `<!DOCTYPE html>` is not an iCalendar content line",
        ),
        (
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:a\nSUMMARY no colon\nEND:VEVENT\nEND:VCALENDAR\n",
            "cal.ics:4:1: `SUMMARY no colon` is not an iCalendar content line",
        ),
        (
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:a\nSUMMARY:x\nEND:VEVENT\n",
            "cal.ics:1:1: `BEGIN:VCALENDAR` is never closed",
        ),
    ];
    for (ics, want) in cases {
        let e = err(ics);
        assert!(e.starts_with(want), "\n{ics:?}\n got: {e}\nwant: {want}");
    }
}

#[test]
fn event_level_problems() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["UID:a", "SUMMARY:x"],
            "cal.ics:4:1: VEVENT has no `DTSTART`",
        ),
        (
            &[
                "UID:a",
                "DTSTART;VALUE=DATE:20261201",
                "DTEND:20261202T000000Z",
            ],
            "cal.ics:7:1: `DTEND` and `DTSTART` must both be dates or both date-times",
        ),
        (
            &[
                "UID:a",
                "DTSTART:20261201T000000Z",
                "DTEND:20261201T010000Z",
                "DURATION:PT1H",
            ],
            "cal.ics:8:1: VEVENT has both `DTEND` and `DURATION`",
        ),
        (
            &["UID:a", "DTSTART:20261201T000000Z", "DURATION:1 hour"],
            "cal.ics:7:1: `DURATION`: `1 hour` is not a duration",
        ),
        (
            &[
                "UID:a",
                "DTSTART:20261201T000000Z",
                "RRULE:FREQ=FORTNIGHTLY",
            ],
            "cal.ics:7:1: `RRULE`: `FORTNIGHTLY` is not a valid frequency",
        ),
        (
            &["UID:a", "DTSTART:20261201T000000Z", "RRULE:FREQ=MINUTELY"],
            "cal.ics:7:1: `RRULE`: `FREQ=MINUTELY` is not supported",
        ),
        (
            &["UID:a", "DTSTART;TZID=Mars/Olympus:20261201T000000"],
            "cal.ics:6:1: `DTSTART`: time zone `Mars/Olympus` is neither an IANA zone nor a Windows zone name",
        ),
        (
            &[
                "UID:a",
                "DTSTART:20261201T000000Z",
                "RECURRENCE-ID;RANGE=THISANDFUTURE:20261201T000000Z",
            ],
            "cal.ics:7:1: `RECURRENCE-ID;RANGE=THISANDFUTURE` is not supported",
        ),
    ];
    for (props, want) in cases {
        let e = err(&events(&[props]));
        assert!(e.starts_with(want), "\n{props:?}\n got: {e}\nwant: {want}");
    }
}

#[test]
fn an_unknown_vtimezone_names_the_tzid() {
    // Outlook writes a made-up name when the organiser customised the zone.
    let ics = ics(&[
        "BEGIN:VCALENDAR",
        "PRODID:Microsoft Exchange Server 2010",
        "VERSION:2.0",
        "BEGIN:VTIMEZONE",
        "TZID:Customized Time Zone",
        "BEGIN:STANDARD",
        "DTSTART:16010101T000000",
        "TZOFFSETFROM:+0900",
        "TZOFFSETTO:+0900",
        "END:STANDARD",
        "END:VTIMEZONE",
        "BEGIN:VEVENT",
        "UID:a",
        "SUMMARY:Launch",
        "DTSTART;TZID=Customized Time Zone:20261201T100000",
        "DTEND;TZID=Customized Time Zone:20261201T120000",
        "END:VEVENT",
        "END:VCALENDAR",
    ]);
    assert_eq!(
        err(&ics),
        "cal.ics:15:1: `DTSTART`: time zone `Customized Time Zone` is neither an IANA zone nor a Windows zone name\n  help: use an IANA name such as `Asia/Seoul`, or a Windows name such as `Korea Standard Time` (its VTIMEZONE is at line 4; shipwindow reads zones by name, not from VTIMEZONE rules); the calendar of [[freeze]] `cal` (p.toml:6:7)"
    );
}

#[test]
fn not_utf8() {
    let dir = Dir::new(&[("p.toml", &calendar_toml("UTC", "cal.ics", ""))]);
    std::fs::write(
        dir.policies().join("cal.ics"),
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:Caf\xe9\r\n",
    )
    .unwrap();
    let e = dir.load().unwrap_err().to_string();
    assert!(e.contains("cal.ics:3:1: not UTF-8 text"), "{e}");
}

#[test]
fn calendar_keys_in_the_wrong_place() {
    let cases: &[(&str, &str)] = &[
        (
            "[[window]]\nname = \"w\"\nics = \"cal.ics\"\n",
            "p.toml:3:1: unknown key `ics` in [[window]]\n  help: a calendar's events are freezes: put `ics` on a [[freeze]]",
        ),
        (
            "[[freeze]]\nname = \"f\"\nstart_at = \"2026-12-01T00:00\"\nend_at = \"2026-12-02T00:00\"\ncategories = [\"x\"]\n",
            "p.toml:5:1: `categories` is only used with `ics`",
        ),
        (
            "[[freeze]]\nname = \"f\"\nics = \"cal.ics\"\nrefresh = \"1h\"\n",
            "p.toml:4:1: `refresh` is only used with a calendar feed (`ics = \"https://…\"`)",
        ),
        (
            "[[freeze]]\nname = \"f\"\nics = \"cal.ics\"\nstart_at = \"2026-12-01T00:00\"\nend_at = \"2026-12-02T00:00\"\n",
            "p.toml:1:1: [[freeze]] has several time specs (calendar, one-time)",
        ),
        (
            "[[freeze]]\nname = \"f\"\nics = \"cal.ics\"\ncategories = []\n",
            "p.toml:4:14: `categories` is empty and would match no event",
        ),
    ];
    let ics = events(&[&["UID:a", "DTSTART:20261201T000000Z"]]);
    for (toml, want) in cases {
        let dir = Dir::new(&[("p.toml", toml), ("cal.ics", &ics)]);
        let e = dir.load().unwrap_err().to_string();
        let e = e.replace(&format!("{}/", dir.policies().display()), "");
        assert!(e.contains(want), "\n{toml}\n got: {e}\nwant: {want}");
    }
}

#[test]
fn the_command_line_exits_2_and_decides_nothing() {
    let ics = events(&[&["UID:a", "SUMMARY:Launch", "DTSTART:20261301T000000Z"]]);
    let dir = Dir::new(&[
        ("p.toml", &calendar_toml("UTC", "cal.ics", "")),
        ("cal.ics", &ics),
    ]);
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
    assert!(!stdout.contains("verdict"), "{stdout}");
    assert!(
        stderr.contains("cal.ics:7:1: `DTSTART`: `20261301T000000Z` is not a DATE-TIME"),
        "{stderr}"
    );
    let out = shipwindow(&dir, &["validate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("cal.ics:7:1:"));
}

/// A problem in a calendar file underlines its whole line there, and one in
/// getting the calendar underlines the `ics` value in the policy file.
#[test]
fn calendar_diagnostics_underline_the_offending_line() {
    let ics = events(&[&[
        "UID:a",
        "SUMMARY:Launch",
        "DTSTART:2026-12-01",
        "DTEND:20261202T000000Z",
    ]]);
    let toml = calendar_toml("Asia/Seoul", "cal.ics", "");
    let dir = Dir::new(&[("p.toml", &toml), ("cal.ics", &ics)]);
    let root = format!("{}/", dir.policies().display());
    expect_one(
        &dir.load().unwrap_err(),
        &root,
        "cal.ics:7:1: `DTSTART`: `2026-12-01` is not a DATE-TIME (`YYYYMMDDTHHMMSS`, with `Z` for UTC)",
        "DTSTART:2026-12-01",
        &format!("the calendar of [[freeze]] `cal` ({root}p.toml:6:7)"),
    );

    let dir = Dir::new(&[(
        "p.toml",
        &calendar_toml("UTC", "calendars/holidays.ics", ""),
    )]);
    let root = format!("{}/", dir.policies().display());
    expect_one(
        &dir.load().unwrap_err(),
        &root,
        &format!("p.toml:6:7: `ics`: cannot read `{root}calendars/holidays.ics`: no such file"),
        "\"calendars/holidays.ics\"",
        "a relative `ics` path is read from the policy file's directory; a feed starts with `https://`",
    );
}

/// `validate` shows people the calendar's line underlined, and gives machines
/// the same problem as JSON.
#[test]
fn validate_shows_a_calendar_problem_to_people_and_to_machines() {
    let ics = events(&[&["UID:a", "SUMMARY:x", "DTSTART:20261301T000000Z"]]);
    let toml = calendar_toml("UTC", "cal.ics", "");
    let dir = Dir::new(&[("p.toml", &toml), ("cal.ics", &ics)]);
    let root = format!("{}/", dir.policies().display());

    let out = shipwindow(&dir, &["validate"]);
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout).replace(&root, "");
    assert!(
        stdout.contains("  |\n7 | DTSTART:20261301T000000Z\n  | ^^^^^^^^^^^^^^^^^^^^^^^^\n"),
        "{stdout}"
    );

    let out = shipwindow(&dir, &["validate", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &json[0];
    assert_eq!(d["file"], format!("{root}cal.ics"));
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(7), Some(1))
    );
    assert_eq!(
        (d["end_line"].as_u64(), d["end_column"].as_u64()),
        (Some(7), Some(25))
    );
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .starts_with("`DTSTART`: `20261301T000000Z`"),
        "{d}"
    );
    assert_eq!(json.as_array().map(Vec::len), Some(1), "{json}");

    // A set that loads has no problems.
    let dir = Dir::new(&[
        ("p.toml", &toml),
        (
            "cal.ics",
            &events(&[&["UID:a", "SUMMARY:x", "DTSTART:20261201T000000Z"]]),
        ),
    ]);
    let out = shipwindow(&dir, &["validate", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "[]\n");
}

/// Issue 13, class 2: an RRULE that cannot be right (RFC 5545 §3.3.10) is a load
/// error at its line, never a recurrence the freeze silently loses.
#[test]
fn recurrence_rules_that_cannot_be_right_are_load_errors() {
    let cases: &[(&str, &str)] = &[
        (
            "FREQ=DAILY;INTERVAL=0",
            "`INTERVAL=0` is not a whole number of at least 1",
        ),
        (
            "FREQ=DAILY;COUNT=0",
            "`COUNT=0` is not a whole number of at least 1",
        ),
        (
            "FREQ=MONTHLY;BYMONTHDAY=0",
            "`BYMONTHDAY=0` is out of range",
        ),
        (
            "FREQ=DAILY;COUNT=3;UNTIL=20261231T000000Z",
            "`COUNT` and `UNTIL` are both given",
        ),
        ("FREQ=DAILY;BYHOUR=24", "`BYHOUR=24` is out of range"),
        ("FREQ=DAILY;BYMINUTE=60", "`BYMINUTE=60` is out of range"),
        (
            "FREQ=DAILY;BYSECOND=60",
            "`BYSECOND=60` (a leap second) is not supported",
        ),
        (
            "FREQ=YEARLY;BYYEARDAY=-367",
            "`BYYEARDAY=-367` is out of range",
        ),
        ("FREQ=YEARLY;BYWEEKNO=54", "`BYWEEKNO=54` is out of range"),
        (
            "FREQ=MONTHLY;BYWEEKNO=1",
            "`BYWEEKNO` cannot be used with `FREQ=MONTHLY`",
        ),
        ("FREQ=YEARLY;BYMONTH=13", "`BYMONTH=13` is out of range"),
        (
            "FREQ=WEEKLY;BYDAY=2MO",
            "`BYDAY=2MO` has a number, which cannot be used with `FREQ=WEEKLY`",
        ),
        (
            "FREQ=YEARLY;BYWEEKNO=1;BYDAY=1MO",
            "`BYDAY=1MO` has a number, which cannot go with `BYWEEKNO`",
        ),
        (
            "FREQ=MONTHLY;BYSETPOS=1",
            "`BYSETPOS` without another `BY…` part",
        ),
        (
            "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=0",
            "`BYSETPOS=0` is out of range",
        ),
        ("FREQ=WEEKLY;WKST=XY", "`WKST=XY` is not a day"),
        ("BYDAY=MO", "no `FREQ`"),
        (
            "FREQ=DAILY;INTERVAL=2;INTERVAL=3",
            "`INTERVAL` appears twice",
        ),
    ];
    for (rule, want) in cases {
        let rrule = format!("RRULE:{rule}");
        let ics = events(&[&["UID:a", "DTSTART:20261201T000000Z", &rrule]]);
        let e = err(&ics);
        let want = format!("cal.ics:7:1: `RRULE`: {want}");
        assert!(
            e.starts_with(&want),
            "\nrule: {rule}\n got: {e}\nwant: {want}"
        );
        assert!(e.contains("\n  help: "), "{rule}: no help in {e}");
    }
}

/// Issue 13, class 6: a calendar nested thousands of components deep is a load
/// error at the first line past the limit, not a stack overflow that aborts the
/// process.
#[test]
fn calendars_nested_too_deep_are_load_errors() {
    for depth in [16, 100, 100_000] {
        let mut lines = vec!["BEGIN:VCALENDAR"];
        lines.extend(std::iter::repeat_n("BEGIN:VEVENT", depth));
        lines.extend(std::iter::repeat_n("END:VEVENT", depth));
        lines.push("END:VCALENDAR");
        let e = err(&ics(&lines));
        assert!(
            e.starts_with("cal.ics:17:1: `BEGIN:VEVENT` nests components more than 16 deep"),
            "depth {depth}: {e}"
        );
    }
    // Through the CLI too: exit 2 with the place, no verdict, no abort.
    let mut lines = vec!["BEGIN:VCALENDAR"];
    lines.extend(std::iter::repeat_n("BEGIN:VALARM", 50_000));
    let dir = Dir::new(&[
        ("p.toml", &calendar_toml("UTC", "cal.ics", "")),
        ("cal.ics", &ics(&lines)),
    ]);
    let out = shipwindow(&dir, &["check", "--service", "web", "--env", "prod"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cal.ics:17:1: `BEGIN:VALARM` nests components"),
        "{stderr}"
    );
}

/// A time after the last supported year, in any property that places an
/// instance, is refused at its line, read on the wall clock it is written in;
/// years before the first stay (a series begun long ago repeats into them).
#[test]
fn times_after_the_supported_years_are_refused_where_they_are_written() {
    let after = |at: &str| format!("`{at}` is after the supported years (to 2199)");
    let cases: &[(&[&str], &str, String)] = &[
        (
            &["UID:a", "DTSTART:25000101T000000Z"],
            "cal.ics:6:1: `DTSTART`",
            after("25000101T000000Z"),
        ),
        (
            &["UID:a", "DTSTART;VALUE=DATE:22000101"],
            "cal.ics:6:1: `DTSTART`",
            after("22000101"),
        ),
        // 2200-01-01 00:30 in Seoul is still 2199 in UTC: out all the same.
        (
            &["UID:a", "DTSTART;TZID=Asia/Seoul:22000101T003000"],
            "cal.ics:6:1: `DTSTART`",
            after("22000101T003000"),
        ),
        (
            &[
                "UID:a",
                "DTSTART:20261201T000000Z",
                "DTEND:22000101T000000Z",
            ],
            "cal.ics:7:1: `DTEND`",
            after("22000101T000000Z"),
        ),
        (
            &[
                "UID:a",
                "DTSTART:20261201T000000Z",
                "RDATE:20270101T000000Z,22100101T000000Z",
            ],
            "cal.ics:7:1: `RDATE`",
            after("22100101T000000Z"),
        ),
        (
            &[
                "UID:a",
                "DTSTART:20261201T000000Z",
                "RDATE;VALUE=PERIOD:22000101T000000Z/PT1H",
            ],
            "cal.ics:7:1: `RDATE`",
            after("22000101T000000Z"),
        ),
        (
            &[
                "UID:a",
                "DTSTART:20261201T000000Z",
                "RRULE:FREQ=DAILY",
                "EXDATE:22000101T000000Z",
            ],
            "cal.ics:8:1: `EXDATE`",
            after("22000101T000000Z"),
        ),
    ];
    for (lines, place, message) in cases {
        let e = err(&events(&[lines]));
        assert!(
            e.starts_with(&format!(
                "{place}: {message}\n  help: use a time up to 2199-12-31"
            )),
            "{lines:?}: {e}"
        );
    }
    // The last supported moment, and a series from before 1971, load.
    for lines in [
        &["UID:a", "DTSTART;TZID=Asia/Seoul:21991231T235959"][..],
        &[
            "UID:a",
            "DTSTART:19000101T000000Z",
            "RRULE:FREQ=YEARLY;UNTIL=99991231T000000Z",
        ][..],
    ] {
        calendar_policy("Asia/Seoul", "", &events(&[lines]));
    }
}

/// A DURATION (or an RDATE PERIOD's) longer than a century is refused with what
/// the most is, however it is written: too many weeks, days, hours or seconds,
/// numbers too big for any integer, or parts that only overflow together.
#[test]
fn durations_longer_than_a_century_are_refused_not_overflowed() {
    for (line, value) in [
        ("DURATION:PT9999999999999H", "PT9999999999999H"),
        ("DURATION:P2000000000000000000W", "P2000000000000000000W"),
        ("DURATION:P99999999999999999999D", "P99999999999999999999D"),
        ("DURATION:P36601D", "P36601D"),
        ("DURATION:PT3162326400S", "PT3162326400S"),
        ("DURATION:P1DT878401H", "P1DT878401H"),
        ("RDATE;VALUE=PERIOD:20270101T000000Z/P5229W", "P5229W"),
    ] {
        let e = err(&events(&[&["UID:a", "DTSTART:20261201T000000Z", line]]));
        let name = line.split([':', ';']).next().unwrap();
        assert!(
            e.starts_with(&format!(
                "cal.ics:7:1: `{name}`: `{value}` is longer than a century (at most `P36600D`)"
            )),
            "{line}: {e}"
        );
    }
    // A century exactly loads.
    calendar_policy(
        "Asia/Seoul",
        "",
        &events(&[&[
            "UID:a",
            "DTSTART:20261201T000000Z",
            "DURATION:P36600DT878400H",
        ]]),
    );
}
