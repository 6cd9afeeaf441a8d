//! Hostile input, generated (issue 13): random policy text, calendar text and
//! request fields fed to the loader, the evaluator and the `check` command. Nothing
//! may panic, abort or stall; every rejected input is a load error whose every
//! diagnostic has a line and column unless it is about a whole file, and the CLI
//! answers 0, 1 or 2 (2 with a message), never 101.
//!
//! The inputs are valid texts (the bundled `policies/` files, small rules of every
//! kind, small calendars) mutated a few times each: bytes and tokens inserted,
//! deleted or replaced, lines swapped, with extreme numbers, odd dates and huge
//! durations among the tokens. They stay small (a few kilobytes), so a stack
//! overflow here would be a real finding, not an artefact of size.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use chrono::{DateTime, TimeDelta, Utc};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config as ProptestConfig, TestCaseError};
use shipwindow::policy::LoadError;
use shipwindow::{ChangeKind, DeployRequest, PolicySet, decide};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::ics::Dir;

/// Not a timing test: a loose bound that only a hang (or an accidental
/// quadratic walk) would cross, even on a loaded CI machine. A request whose deploy
/// and monitoring span most of the supported range walks every interval of a daily
/// rule over two centuries (some 80,000), which takes about 2 s in a debug build
/// with other tests running: linear work, not a hang, so the bound is above that.
const HANG: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------
// Valid texts to start from
// ---------------------------------------------------------------------------------

const BUNDLED: [&str; 6] = [
    include_str!("../../policies/settings.toml"),
    include_str!("../../policies/windows.toml"),
    include_str!("../../policies/freezes.toml"),
    include_str!("../../policies/events.toml"),
    include_str!("../../policies/markets.toml"),
    include_str!("../../policies/strategies.toml"),
];

/// One small rule of every kind (and settings), each valid on its own.
const RULES: [&str; 10] = [
    "[settings]\ntimezone = \"Asia/Seoul\"\ndeploy_duration = \"30m\"\nmonitoring = \"1h\"\nhorizon = \"60d\"\n",
    "[[window]]\nname = \"night\"\ndays = [\"mon-thu\", \"sun\"]\nstart = \"22:00\"\nend = \"06:00\"\nenvs = [\"prod\"]\n",
    "[[freeze]]\nname = \"weekend\"\ndays = [\"fri\"]\nstart = \"18:00\"\nuntil_day = \"mon\"\nend = \"09:00\"\n",
    "[[freeze]]\nname = \"nightly\"\ncron = \"0 2 * * *\"\nduration = \"90m\"\ntimezone = \"America/New_York\"\n",
    "[[freeze]]\nname = \"year-end\"\ncron = \"0 18 24 12 *\"\nuntil_cron = \"0 9 2 1 *\"\noverride = \"approver\"\napprovers = [\"cto\"]\n",
    "[[freeze]]\nname = \"sale\"\nstart_at = \"2026-11-26T00:00\"\nend_at = \"2026-11-30T00:00\"\nlead = \"2h\"\ntail = \"1d\"\n",
    "[[freeze]]\nname = \"cal\"\nics = \"cal.ics\"\n",
    "[[market]]\nname = \"krx\"\nexchange = \"XKRX\"\nbefore_open = \"30m\"\nafter_close = \"15m\"\nservices = [\"trading-*\"]\n",
    "[[market]]\nname = \"nyse\"\nexchange = \"XNYS\"\nextra_closed = [\"2026-12-24\"]\n",
    "[[strategy]]\nname = \"web-canary\"\nservice = \"web\"\nenv = \"prod\"\nmonitoring = \"30m\"\nsteps = [\"5%\", \"wait 10m\", \"50%\", \"wait 10m\", \"100%\"]\n",
];

/// Tokens a careless or hostile author might leave in a policy.
const TOML_TOKENS: [&str; 40] = [
    "\"",
    "'",
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    "=",
    ",",
    "\n",
    "#",
    "\\",
    "\"\"\"",
    "99999999999999999999",
    "-9223372036854775808",
    "1e400",
    "nan",
    "-1",
    "0",
    "\"9999999999d\"",
    "\"106751991167d\"",
    "\"0s\"",
    "\"-5m\"",
    "\"1y\"",
    "\"2199-12-31T23:59\"",
    "\"2200-01-01T08:59\"",
    "\"1970-01-01T00:00\"",
    "\"0000-02-29T00:00\"",
    "\"2026-02-30T00:00\"",
    "\"23:59:60\"",
    "\"24:00\"",
    "\"25:61\"",
    "\"* * * * *\"",
    "\"0 0 31 2 *\"",
    "\"*/0 * * * *\"",
    "\"mon-sun\"",
    "[settings]\n",
    "[[freeze]]\nname = \"x\"\n",
    "\u{feff}",
];

const ICS_TOKENS: [&str; 28] = [
    "BEGIN:VEVENT\r\n",
    "END:VEVENT\r\n",
    "BEGIN:VCALENDAR\r\n",
    "END:VCALENDAR\r\n",
    "BEGIN:VALARM\r\n",
    "END:VALARM\r\n",
    "\r\n ",
    ":",
    ";",
    "=",
    "RRULE:FREQ=SECONDLY\r\n",
    "RRULE:FREQ=MINUTELY;INTERVAL=1\r\n",
    "RRULE:FREQ=DAILY;INTERVAL=0\r\n",
    "RRULE:FREQ=YEARLY;COUNT=0\r\n",
    "RRULE:FREQ=MONTHLY;BYMONTHDAY=0\r\n",
    "RRULE:FREQ=YEARLY;BYSETPOS=-366;BYDAY=MO\r\n",
    "RRULE:FREQ=WEEKLY;UNTIL=21991231T235959Z;COUNT=3\r\n",
    "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30\r\n",
    "EXDATE:20261127T000000Z\r\n",
    "DTSTART:19700101T000000Z\r\n",
    "DTSTART;VALUE=DATE:22000101\r\n",
    "DTEND;VALUE=DATE:00010101\r\n",
    "DURATION:P99999999W\r\n",
    "DURATION:-PT1H\r\n",
    "DTSTART;TZID=Nowhere/City:20261127T000000\r\n",
    "99999999999999999999",
    "T",
    "Z",
];

fn calendar() -> String {
    [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//shipwindow//hostile//EN",
        "BEGIN:VEVENT",
        "UID:sale@example.com",
        "SUMMARY:Black Friday sale",
        "DTSTART;VALUE=DATE:20261127",
        "DTEND;VALUE=DATE:20261130",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:standup@example.com",
        "SUMMARY:Release review",
        "DTSTART;TZID=America/New_York:20260302T090000",
        "DTEND;TZID=America/New_York:20260302T100000",
        "RRULE:FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20271231T000000Z",
        "EXDATE;TZID=America/New_York:20260304T090000",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:close@example.com",
        "SUMMARY:Month-end close",
        "DTSTART:20260131T000000Z",
        "DURATION:P1D",
        "RRULE:FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=24",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
    .join("\r\n")
}

// ---------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Mutation {
    Insert(Index, &'static str),
    InsertByte(Index, u8),
    Delete(Index, usize),
    Replace(Index, usize, &'static str),
    SwapLines(Index, Index),
}

fn mutation(tokens: &'static [&'static str]) -> impl Strategy<Value = Mutation> {
    let token = proptest::sample::select(tokens);
    prop_oneof![
        3 => (any::<Index>(), token.clone()).prop_map(|(i, t)| Mutation::Insert(i, t)),
        1 => (any::<Index>(), 0x20u8..0x7f).prop_map(|(i, b)| Mutation::InsertByte(i, b)),
        2 => (any::<Index>(), 1usize..24).prop_map(|(i, n)| Mutation::Delete(i, n)),
        3 => (any::<Index>(), 1usize..12, token).prop_map(|(i, n, t)| Mutation::Replace(i, n, t)),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
    ]
}

/// The char boundary at or before `i`'s place in `text`.
fn at(text: &str, i: &Index) -> usize {
    let mut p = i.index(text.len() + 1);
    while !text.is_char_boundary(p) {
        p -= 1;
    }
    p
}

fn boundary_after(text: &str, from: usize, n: usize) -> usize {
    let mut p = (from + n).min(text.len());
    while !text.is_char_boundary(p) {
        p += 1;
    }
    p
}

fn apply(text: &str, mutations: &[Mutation]) -> String {
    let mut text = text.to_owned();
    for m in mutations {
        match m {
            Mutation::Insert(i, t) => {
                let p = at(&text, i);
                text.insert_str(p, t);
            }
            Mutation::InsertByte(i, b) => {
                let p = at(&text, i);
                text.insert(p, char::from(*b));
            }
            Mutation::Delete(i, n) => {
                let p = at(&text, i);
                let q = boundary_after(&text, p, *n);
                text.replace_range(p..q, "");
            }
            Mutation::Replace(i, n, t) => {
                let p = at(&text, i);
                let q = boundary_after(&text, p, *n);
                text.replace_range(p..q, t);
            }
            Mutation::SwapLines(a, b) => {
                let mut lines: Vec<&str> = text.split('\n').collect();
                let (a, b) = (a.index(lines.len()), b.index(lines.len()));
                lines.swap(a, b);
                text = lines.join("\n");
            }
        }
    }
    text
}

/// A policy file: one bundled file or a few small rules, mutated.
fn policy_text() -> impl Strategy<Value = String> {
    let base = prop_oneof![
        proptest::sample::select(&BUNDLED[..]).prop_map(str::to_owned),
        proptest::collection::vec(proptest::sample::select(&RULES[..]), 1..4)
            .prop_map(|rules| rules.join("\n")),
    ];
    (
        base,
        proptest::collection::vec(mutation(&TOML_TOKENS), 0..5),
    )
        .prop_map(|(base, ms)| apply(&base, &ms))
}

fn calendar_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(mutation(&ICS_TOKENS), 0..6).prop_map(|ms| apply(&calendar(), &ms))
}

// ---------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct RequestGen {
    at: DateTime<Utc>,
    duration: Option<TimeDelta>,
    monitoring: Option<TimeDelta>,
    change: ChangeKind,
}

/// 1971-01-01 to 2199-12-31 in seconds since the epoch.
const FIRST: i64 = 31_536_000;
const LAST: i64 = 7_258_031_999;

fn length() -> impl Strategy<Value = Option<TimeDelta>> {
    prop_oneof![
        Just(None),
        Just(Some(TimeDelta::zero())),
        (1i64..86_400 * 3).prop_map(|s| Some(TimeDelta::seconds(s))),
        // Up to 300 years: longer than the supported range.
        (1i64..300 * 366 * 86_400).prop_map(|s| Some(TimeDelta::seconds(s))),
    ]
}

fn request() -> impl Strategy<Value = RequestGen> {
    (
        prop_oneof![
            FIRST..=LAST,
            Just(FIRST),
            Just(LAST),
            Just(LAST - 3_600),
            1_795_000_000i64..1_800_000_000, // around 2026-27, where the rules are
        ],
        length(),
        length(),
        proptest::sample::select(&ChangeKind::ALL[..]),
    )
        .prop_map(|(secs, duration, monitoring, change)| RequestGen {
            at: DateTime::from_timestamp(secs, 0).unwrap(),
            duration,
            monitoring,
            change,
        })
}

// ---------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------

/// A load error's diagnostics each have a place, unless they are about a whole file
/// (one that cannot be read, a calendar that is empty, a set with no rules).
fn check_rejection(err: &LoadError, input: &str) -> Result<(), TestCaseError> {
    prop_assert!(!err.diagnostics.is_empty(), "an error with no diagnostic");
    for d in &err.diagnostics {
        prop_assert!(!d.message.trim().is_empty(), "no message: {d:?}");
        if d.position.is_none() {
            prop_assert!(
                whole_file(&d.message),
                "no line and column for a problem inside a file: {d}\n--- input ---\n{input}"
            );
        }
    }
    // Rendering (with the source line underlined) must not panic either.
    let _ = err.render();
    let _ = err.to_string();
    Ok(())
}

fn whole_file(message: &str) -> bool {
    WHOLE_FILE.iter().any(|w| message.contains(w))
}

/// The messages of problems that have no place in a file. None has turned up from
/// these generators (a missing calendar or an unreadable file would be one); a
/// message added here must be about a whole file, not a place inside it.
const WHOLE_FILE: [&str; 0] = [];

fn check_decisions(policy: &PolicySet, requests: &[RequestGen]) -> Result<(), TestCaseError> {
    for rq in requests {
        let mut req = DeployRequest::new("web", "prod", rq.at);
        req.change = rq.change;
        req.duration = rq.duration;
        req.monitoring = rq.monitoring;
        let started = Instant::now();
        // An error (a plan that ends outside the supported range) is a fine
        // answer; a panic or a stall is not.
        let _ = decide(policy, &req);
        let took = started.elapsed();
        prop_assert!(took < HANG, "decide took {took:?} for {rq:?}");
    }
    Ok(())
}

fn load_and_decide(
    load: impl FnOnce() -> Result<PolicySet, LoadError>,
    input: &str,
    requests: &[RequestGen],
) -> Result<(), TestCaseError> {
    let started = Instant::now();
    let loaded = load();
    let took = started.elapsed();
    prop_assert!(took < HANG, "loading took {took:?}\n--- input ---\n{input}");
    match loaded {
        Err(e) => check_rejection(&e, input),
        Ok(policy) => check_decisions(&policy, requests),
    }
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        // Each case loads a policy and decides a few requests in a debug build;
        // these counts keep the whole file well under 30 s on two cores, bounded
        // for CI. `PROPTEST_CASES=100000` for a long hunt.
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(cases),
        // Findings are pinned as named tests below rather than written next to
        // the source.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(192))]

    #[test]
    fn mutated_policy_text_loads_or_is_rejected_at_a_place(
        text in policy_text(),
        requests in proptest::collection::vec(request(), 1..4),
    ) {
        load_and_decide(|| PolicySet::from_files(&[("policy.toml", &text)]), &text, &requests)?;
    }
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn mutated_calendars_load_or_are_rejected_at_a_place(
        ics in calendar_text(),
        // Mostly one small valid rule beside the calendar freeze, so that most
        // calendars that load are also decided.
        rule in proptest::option::of(proptest::sample::select(&RULES[..])),
        requests in proptest::collection::vec(request(), 1..3),
    ) {
        let policy = "[settings]\ntimezone = \"Asia/Seoul\"\n\n[[freeze]]\nname = \"cal\"\nics = \"cal.ics\"\n";
        let rule = rule.unwrap_or_default();
        let dir = Dir::new(&[("p.toml", policy), ("q.toml", rule), ("cal.ics", &ics)]);
        let input = format!("{rule}\n--- cal.ics ---\n{ics}");
        load_and_decide(|| dir.load(), &input, &requests)?;
    }
}

// ---------------------------------------------------------------------------------
// The binary
// ---------------------------------------------------------------------------------

const AT_TOKENS: [&str; 14] = [
    "2026-11-27T17:30:00+09:00",
    "2026-12-01T23:00",
    "1971-01-01T00:00:00Z",
    "2199-12-31T23:59:59Z",
    "2200-01-01T08:59",
    "1970-01-01T00:00:00Z",
    "2026-06-30T23:59:60Z",
    "9999-12-31T23:59:59Z",
    "2026-13-01T00:00",
    "now",
    "",
    "-262143-01-01T00:00:00Z",
    "2026-11-27T17:30:00+99:00",
    "２０２６-１１-２７T００:００", // an argument cannot hold a NUL byte
];

const DURATION_TOKENS: [&str; 12] = [
    "30m",
    "0s",
    "1h 30m",
    "99999999999999999999d",
    "106751991167d",
    "-5m",
    "1y",
    "",
    "36500d",
    "9223372036854775807s",
    "m",
    "1.5h",
];

fn field(tokens: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(tokens).prop_map(str::to_owned),
        1 => "[ -~]{0,12}",
    ]
}

fn shipwindow_check(args: &[String]) -> std::process::Output {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    Command::new(env!("CARGO_BIN_EXE_shipwindow"))
        .arg("--policies")
        .arg(dir)
        .arg("check")
        .args(args)
        .env_remove("SHIPWINDOW_POLICIES")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GITHUB_OUTPUT")
        .output()
        .unwrap()
}

proptest! {
    // A process per case: a handful is enough to cover the argument paths.
    #![proptest_config(config(24))]

    #[test]
    fn check_answers_0_1_or_2_with_a_message_for_any_request_fields(
        service in field(&["web", "trading-api", "batch-x", "", " "]),
        env in field(&["prod", "staging", ""]),
        at in field(&AT_TOKENS),
        duration in proptest::option::of(field(&DURATION_TOKENS)),
        monitoring in proptest::option::of(field(&DURATION_TOKENS)),
        change in field(&["deploy", "hotfix", "rollback", "config", "Deploy", ""]),
        json in any::<bool>(),
    ) {
        let mut args = vec![
            format!("--service={service}"),
            format!("--env={env}"),
            format!("--at={at}"),
            format!("--change={change}"),
        ];
        if let Some(d) = duration {
            args.push(format!("--duration={d}"));
        }
        if let Some(m) = monitoring {
            args.push(format!("--monitoring={m}"));
        }
        if json {
            args.push("--format=json".into());
        }
        let o = shipwindow_check(&args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        let code = o.status.code();
        prop_assert!(matches!(code, Some(0..=2)), "exit {code:?} for {args:?}: {stderr}");
        if code == Some(2) {
            prop_assert!(!stderr.trim().is_empty(), "exit 2 without a message for {args:?}");
        }
    }
}
