//! The built binary, spawned as CI would run it: every exit code and output format.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bundled() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("policies")
}

fn shipwindow(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_shipwindow"));
    cmd.args(args)
        .env_remove("SHIPWINDOW_POLICIES")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GITHUB_OUTPUT");
    cmd
}

fn run(args: &[&str]) -> Output {
    let dir = bundled();
    let mut full = vec!["--policies", dir.to_str().unwrap()];
    full.extend_from_slice(args);
    shipwindow(&full).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

// Friday evening of the Black Friday sale: denied by the sale, the weekend and the window.
const DENIED_AT: &str = "2026-11-27T17:30:00+09:00";
// Tuesday night, inside the weeknight window.
const ALLOWED_AT: &str = "2026-12-01T23:00";

#[test]
fn check_allowed_exits_0_with_a_human_summary() {
    let o = run(&[
        "check",
        "--service",
        "web",
        "--env",
        "prod",
        "--at",
        ALLOWED_AT,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with("ALLOWED: deploy web to prod at Tue 2026-12-01 23:00 KST"),
        "{out}"
    );
    assert!(out.contains("deploy 30m + monitoring 1h"), "{out}");
    assert!(
        out.contains("clear until Wed 2026-12-02 06:00 KST (5h 30m to spare after monitoring)"),
        "{out}"
    );
}

#[test]
fn check_denied_exits_1_with_reasons_ends_and_next() {
    let o = run(&[
        "check",
        "--service",
        "web",
        "--env",
        "prod",
        "--at",
        DENIED_AT,
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with("DENIED: deploy web to prod at Fri 2026-11-27 17:30 KST"),
        "{out}"
    );
    assert!(
        out.contains("- weekend (freeze): Nobody is around to watch a weekend deploy"),
        "{out}"
    );
    assert!(
        out.contains("Fri 2026-11-27 17:00 KST to Mon 2026-11-30 06:00 KST, ends in 2d 12h 30m"),
        "{out}"
    );
    assert!(
        out.contains("- black-friday (freeze): Black Friday sale: traffic peak"),
        "{out}"
    );
    assert!(
        out.contains("next allowed: Mon 2026-11-30 22:00 KST (in 3d 4h 30m)"),
        "{out}"
    );
}

#[test]
fn check_json_is_exactly_the_spec_shape() {
    let o = run(&[
        "check",
        "--service",
        "web",
        "--env",
        "prod",
        "--at",
        DENIED_AT,
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let mut want = [
        "allowed",
        "verdict",
        "service",
        "env",
        "change",
        "start",
        "deploy_end",
        "monitoring_end",
        "blocked_by",
        "next_allowed",
        "free_until",
        "policy",
    ];
    want.sort_unstable();
    let mut got = keys.clone();
    got.sort_unstable();
    assert_eq!(got, want);
    assert_eq!(v["allowed"], false);
    assert_eq!(v["verdict"], "deny");
    assert_eq!(v["start"], "2026-11-27T17:30:00+09:00");
    assert_eq!(v["deploy_end"], "2026-11-27T18:00:00+09:00");
    assert_eq!(v["monitoring_end"], "2026-11-27T19:00:00+09:00");
    assert_eq!(v["next_allowed"], "2026-11-30T22:00:00+09:00");
    assert_eq!(v["free_until"], serde_json::Value::Null);
    assert!(v["policy"].as_str().unwrap().starts_with("sha256:"));
    let weekend = v["blocked_by"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["rule"] == "weekend")
        .unwrap();
    assert_eq!(
        weekend,
        &serde_json::json!({"rule": "weekend", "kind": "freeze", "reason": "Nobody is around to watch a weekend deploy",
            "from": "2026-11-27T17:00:00+09:00", "until": "2026-11-30T06:00:00+09:00", "overridable": false})
    );
}

#[test]
fn an_approved_override_exits_0_with_verdict_override() {
    // Thursday night: only the sale blocks, and it takes an approver's override.
    let args = [
        "check",
        "--service",
        "web",
        "--env",
        "prod",
        "--at",
        "2026-11-26T23:00",
        "--format",
        "json",
    ];
    let o = run(&args);
    assert_eq!(o.status.code(), Some(1));
    let mut with = args.to_vec();
    with.extend([
        "--override-reason",
        "INC-42 hotfix for checkout",
        "--approver",
        "oncall-lead",
    ]);
    let o = run(&with);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let v = json(&o);
    assert_eq!(
        (v["verdict"].as_str(), v["allowed"].as_bool()),
        (Some("override"), Some(true))
    );
    assert_eq!(v["blocked_by"][0]["rule"], "black-friday");
    // The wrong approver is denied.
    let last = with.len() - 1;
    with[last] = "intern";
    assert_eq!(run(&with).status.code(), Some(1));
}

#[test]
fn github_format_writes_commands_summary_and_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let outputs = dir.path().join("outputs");
    let o = shipwindow(&[
        "--policies",
        bundled().to_str().unwrap(),
        "check",
        "--service",
        "web",
        "--env",
        "prod",
        "--at",
        DENIED_AT,
        "--format",
        "github",
    ])
    .env("GITHUB_STEP_SUMMARY", &summary)
    .env("GITHUB_OUTPUT", &outputs)
    .output()
    .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.starts_with("::error title=Deploy blocked%3A web to prod::"),
        "{out}"
    );
    assert!(
        out.contains("Next allowed: Mon 2026-11-30 22:00 KST"),
        "{out}"
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.contains("### shipwindow: deploy web to prod: ⛔ denied"),
        "{md}"
    );
    assert!(
        md.contains("| `weekend` | freeze | Nobody is around to watch a weekend deploy |"),
        "{md}"
    );
    let outs = std::fs::read_to_string(&outputs).unwrap();
    assert!(
        outs.contains("allowed=false\nverdict=deny\nnext_allowed=2026-11-30T22:00:00+09:00\n"),
        "{outs}"
    );

    let o = run(&[
        "check",
        "--service",
        "web",
        "--env",
        "prod",
        "--at",
        ALLOWED_AT,
        "--format",
        "github",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).starts_with("::notice title=Deploy allowed%3A web to prod::"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn next_prints_one_line_or_none() {
    let o = run(&[
        "next",
        "--service",
        "web",
        "--env",
        "prod",
        "--at",
        DENIED_AT,
    ]);
    assert_eq!(
        (o.status.code(), stdout(&o).as_str()),
        (Some(0), "2026-11-30T22:00:00+09:00\n")
    );
    // Allowed now: `at` itself.
    let o = run(&[
        "next",
        "--service",
        "web",
        "--env",
        "prod",
        "--at",
        ALLOWED_AT,
    ]);
    assert_eq!(stdout(&o), "2026-12-01T23:00:00+09:00\n");
    // A deploy longer than any window never fits: `none`, exit 1.
    let o = run(&[
        "next",
        "--service",
        "web",
        "--env",
        "prod",
        "--at",
        ALLOWED_AT,
        "--duration",
        "9h",
    ]);
    assert_eq!((o.status.code(), stdout(&o).as_str()), (Some(1), "none\n"));
    let o = run(&[
        "next",
        "--service",
        "web",
        "--env",
        "prod",
        "--at",
        ALLOWED_AT,
        "--duration",
        "9h",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(json(&o)["next_allowed"], serde_json::Value::Null);
}

#[test]
fn next_in_github_format_annotates_and_sets_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let outputs = dir.path().join("outputs");
    let bundled_dir = bundled();
    let args = [
        "--policies",
        bundled_dir.to_str().unwrap(),
        "next",
        "--service",
        "web",
        "--env",
        "prod",
        "--at",
        DENIED_AT,
        "--format",
        "github",
    ];
    let o = shipwindow(&args)
        .env("GITHUB_OUTPUT", &outputs)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stdout(&o),
        "::notice title=Next deploy window%3A web to prod::Mon 2026-11-30 22:00 KST\n"
    );
    assert_eq!(
        std::fs::read_to_string(&outputs).unwrap(),
        "next_allowed=2026-11-30T22:00:00+09:00\n"
    );
}

#[test]
fn a_github_output_file_that_cannot_be_written_fails_the_step() {
    // A directory cannot be appended to: later steps would read no `allowed`.
    let dir = tempfile::tempdir().unwrap();
    let bundled_dir = bundled();
    let o = shipwindow(&[
        "--policies",
        bundled_dir.to_str().unwrap(),
        "check",
        "--service",
        "web",
        "--env",
        "prod",
        "--at",
        ALLOWED_AT,
        "--format",
        "github",
    ])
    .env("GITHUB_OUTPUT", dir.path())
    .output()
    .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("error: cannot write the output: cannot append to $GITHUB_OUTPUT ("),
        "{}",
        stderr(&o)
    );
}

#[test]
fn windows_json_covers_the_range_consecutively() {
    let (from, to) = ("2026-11-23T00:00:00Z", "2026-12-07T00:00:00Z");
    let o = run(&[
        "windows",
        "--service",
        "web",
        "--env",
        "prod",
        "--from",
        from,
        "--to",
        to,
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json(&o);
    let iv = v["intervals"].as_array().unwrap();
    assert_eq!(iv.first().unwrap()["start"], "2026-11-23T09:00:00+09:00");
    assert_eq!(iv.last().unwrap()["end"], "2026-12-07T09:00:00+09:00");
    for pair in iv.windows(2) {
        assert_eq!(pair[0]["end"], pair[1]["start"]);
        assert!(pair[0]["state"] != pair[1]["state"] || pair[0]["rules"] != pair[1]["rules"]);
    }
    // Monday night is open by the weeknight window.
    let mon = iv
        .iter()
        .find(|i| i["start"] == "2026-11-23T22:00:00+09:00")
        .unwrap();
    assert_eq!(mon["state"], "open");
    assert_eq!(mon["rules"], serde_json::json!(["weeknight"]));
    let o = run(&[
        "windows",
        "--service",
        "web",
        "--env",
        "prod",
        "--from",
        "2026-11-30T00:00",
        "--to",
        "2026-12-01T00:00",
    ]);
    assert!(
        stdout(&o).contains("open    Mon 11-30 22:00 KST to Tue 12-01 00:00 KST"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn validate_ok_and_every_problem() {
    let o = run(&["validate"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        stdout(&o).starts_with("ok: 8 rules (2 windows, 5 freezes, 1 market)"),
        "{}",
        stdout(&o)
    );

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.toml"),
        "[settings]\ntimezone = \"Asia/Seol\"\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("team")).unwrap();
    std::fs::write(
        dir.path().join("team/b.toml"),
        "[[freeze]]\nname = \"x\"\ndays = [\"mon\"]\nstart = \"25:00\"\nend = \"06:00\"\n",
    )
    .unwrap();
    let d = dir.path().to_str().unwrap();
    let o = shipwindow(&["validate", "--policies", d]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let out = stdout(&o);
    assert!(out.contains(&format!("{d}/a.toml:2:12: `timezone`: unknown time zone `Asia/Seol`\n  help: did you mean `Asia/Seoul`?")), "{out}");
    assert!(
        out.contains(&format!(
            "{d}/team/b.toml:4:9: `start`: `25:00` is not a time of day"
        )),
        "{out}"
    );
    assert!(stderr(&o).contains("2 problems found"));
}

#[test]
fn a_bad_policy_never_gives_a_verdict() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.toml"),
        "[[freeze]]\nname = \"x\"\ncron = \"0 0 9 * * *\"\nduration = \"1h\"\n",
    )
    .unwrap();
    let d = dir.path().to_str().unwrap();
    for format in ["human", "json", "github"] {
        let o = shipwindow(&[
            "check",
            "--policies",
            d,
            "--service",
            "web",
            "--env",
            "prod",
            "--format",
            format,
        ])
        .output()
        .unwrap();
        assert_eq!(o.status.code(), Some(2), "{format}");
        assert!(
            !stdout(&o).contains("verdict") && !stdout(&o).contains("ALLOWED"),
            "{format}: {}",
            stdout(&o)
        );
        assert!(
            stderr(&o).contains("bad.toml:3:8: `cron`: cron `0 0 9 * * *` has 6 fields"),
            "{}",
            stderr(&o)
        );
        assert!(!stderr(&o).contains("panicked"));
    }
    // JSON consumers get an error object.
    let o = shipwindow(&[
        "check",
        "--policies",
        d,
        "--service",
        "web",
        "--env",
        "prod",
        "--format",
        "json",
    ])
    .output()
    .unwrap();
    assert!(json(&o)["error"].as_str().unwrap().contains("bad.toml:3:8"));
}

#[test]
fn bad_input_exits_2() {
    let cases: &[&[&str]] = &[
        &["check", "--service", "web"],
        &[
            "check",
            "--service",
            "web",
            "--env",
            "prod",
            "--at",
            "tomorrow",
        ],
        &[
            "check",
            "--service",
            "web",
            "--env",
            "prod",
            "--duration",
            "5 minutes",
        ],
        &[
            "check",
            "--service",
            "web",
            "--env",
            "prod",
            "--change",
            "yolo",
        ],
        &[
            "check",
            "--service",
            "web",
            "--env",
            "prod",
            "--format",
            "xml",
        ],
        &[
            "windows",
            "--service",
            "web",
            "--env",
            "prod",
            "--from",
            "2026-12-02T00:00",
            "--to",
            "2026-12-01T00:00",
        ],
        &[
            "check",
            "--service",
            "web",
            "--env",
            "prod",
            "--at",
            "9999-12-31T00:00",
        ],
        &[
            "windows",
            "--service",
            "web",
            "--env",
            "prod",
            "--from",
            "2026-01-01T00:00",
            "--to",
            "2036-01-01T00:00",
        ],
        &["frobnicate"],
        &[],
    ];
    for args in cases {
        let o = run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{args:?}");
    }
    let o = run(&[
        "check",
        "--service",
        "web",
        "--env",
        "prod",
        "--at",
        "tomorrow",
    ]);
    assert!(
        stderr(&o).contains("--at: `tomorrow` is not a date and time"),
        "{}",
        stderr(&o)
    );
    let o = shipwindow(&[
        "check",
        "--policies",
        "/nonexistent/dir",
        "--service",
        "web",
        "--env",
        "prod",
    ])
    .output()
    .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("/nonexistent/dir: policy directory not found"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn the_policy_directory_comes_from_the_flag_then_the_environment_then_cwd() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("p.toml"),
        "[[freeze]]\nname = \"always\"\ndays = [\"daily\"]\nstart = \"00:00\"\nend = \"00:00\"\n",
    )
    .unwrap();
    let args = [
        "check",
        "--service",
        "web",
        "--env",
        "prod",
        "--at",
        ALLOWED_AT,
    ];
    // $SHIPWINDOW_POLICIES: denied by `always`.
    let o = shipwindow(&args)
        .env("SHIPWINDOW_POLICIES", dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    // --policies wins over the environment.
    let bundled_dir = bundled();
    let mut with_flag = vec!["--policies", bundled_dir.to_str().unwrap()];
    with_flag.extend(args);
    let o = shipwindow(&with_flag)
        .env("SHIPWINDOW_POLICIES", dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    // Neither: ./policies under the working directory.
    let o = shipwindow(&args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn version_names_the_time_zone_database() {
    let o = shipwindow(&["--version"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.starts_with("shipwindow 0.1.0 (tz database 20"), "{out}");
}

#[test]
fn every_bad_input_class_exits_2_with_a_location_and_no_verdict() {
    let w = "[[window]]\nname = \"w\"\ndays = [\"mon\"]\nstart = \"22:00\"\nend = \"06:00\"\n";
    // (class, files, expected location of the first problem)
    type Class<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let classes: &[Class] = &[
        (
            "toml syntax",
            &[("a.toml", "[[window]\nname = \"w\"\n")],
            "a.toml:1:",
        ),
        (
            "unknown key",
            &[("a.toml", &format!("{w}colour = \"red\"\n"))],
            "a.toml:6:1: unknown key",
        ),
        (
            "wrong type",
            &[("a.toml", &w.replace("\"22:00\"", "22"))],
            "a.toml:4:9:",
        ),
        (
            "bad zone",
            &[("a.toml", "[settings]\ntimezone = \"Asia/Seol\"\n")],
            "a.toml:2:12:",
        ),
        (
            "bad duration",
            &[("a.toml", "[settings]\nmonitoring = \"1hour\"\n")],
            "a.toml:2:14:",
        ),
        (
            "bad day",
            &[("a.toml", &w.replace("\"mon\"", "\"mondy\""))],
            "a.toml:3:9:",
        ),
        (
            "bad glob",
            &[("a.toml", &format!("{w}services = [\"[web\"]\n"))],
            "a.toml:6:13:",
        ),
        (
            "six-field cron",
            &[(
                "a.toml",
                "[[freeze]]\nname = \"f\"\ncron = \"0 0 9 * * *\"\nduration = \"1h\"\n",
            )],
            "a.toml:3:8:",
        ),
        (
            "end before start",
            &[(
                "a.toml",
                "[[freeze]]\nname = \"f\"\nstart_at = \"2026-12-02T00:00\"\nend_at = \"2026-12-01T00:00\"\n",
            )],
            "a.toml:4:10:",
        ),
        (
            "no time spec",
            &[("a.toml", "[[freeze]]\nname = \"f\"\n")],
            "a.toml:1:1:",
        ),
        (
            "two time specs",
            &[(
                "a.toml",
                &format!("{w}from = \"fri 17:00\"\nto = \"mon 06:00\"\n"),
            )],
            "a.toml:1:1:",
        ),
        (
            "duplicate name",
            &[("a.toml", w), ("b.toml", w)],
            "b.toml:2:8:",
        ),
        (
            "settings twice",
            &[
                ("a.toml", "[settings]\nhorizon = \"7d\"\n"),
                ("b.toml", "[settings]\nhorizon = \"9d\"\n"),
            ],
            "b.toml:2:1:",
        ),
    ];
    for (class, files, location) in classes {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in *files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let d = dir.path().to_str().unwrap();
        for cmd in [
            vec!["validate"],
            vec!["check", "--service", "web", "--env", "prod"],
        ] {
            let mut args = vec!["--policies", d];
            args.extend(cmd.iter().copied());
            let o = shipwindow(&args).output().unwrap();
            let all = format!("{}{}", stdout(&o), stderr(&o));
            assert_eq!(o.status.code(), Some(2), "{class} ({cmd:?}): {all}");
            assert!(
                all.contains(&format!("{d}/{location}")),
                "{class} ({cmd:?}): want {location} in {all}"
            );
            assert!(
                !all.contains("panicked") && !all.contains("ALLOWED") && !all.contains("DENIED"),
                "{class}: {all}"
            );
        }
    }
}

#[test]
fn markets_lists_the_calendars_and_one_calendars_days() {
    let o = shipwindow(&["markets"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    for code in ["XKRX", "XNYS", "XNAS", "XTKS", "XLON", "XHKG"] {
        assert!(
            out.contains(&format!("\n{code} ")),
            "{code} missing from:\n{out}"
        );
    }
    assert!(out.contains("America/New_York   09:30–16:00"), "{out}");
    let o = shipwindow(&[
        "markets",
        "XNYS",
        "--from",
        "2026-11-26",
        "--to",
        "2026-11-28",
    ])
    .output()
    .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("Thu 2026-11-26  closed  Thanksgiving Day"),
        "{out}"
    );
    assert!(out.contains("Fri 2026-11-27  open    09:30–13:00"), "{out}");
    assert!(out.contains("Sat 2026-11-28  closed  (weekend)"), "{out}");
    let o = shipwindow(&[
        "markets",
        "XNYS",
        "--from",
        "2026-11-26",
        "--to",
        "2026-11-27",
        "--format",
        "json",
    ])
    .output()
    .unwrap();
    let v = json(&o);
    assert_eq!(
        v["days"][0],
        serde_json::json!({"date": "2026-11-26", "trading": false, "holiday": "Thanksgiving Day"})
    );
    assert_eq!(v["days"][1]["close"], "2026-11-27T13:00:00-05:00");
    let listed = json(
        &shipwindow(&["markets", "--format", "json"])
            .output()
            .unwrap(),
    );
    assert_eq!(
        listed[1]["coverage"],
        serde_json::json!({"first": "2015-01-01", "last": "2030-12-31"})
    );
}

#[test]
fn markets_and_market_rules_outside_coverage_exit_2() {
    let o = shipwindow(&[
        "markets",
        "XKRX",
        "--from",
        "2030-12-30",
        "--to",
        "2031-01-02",
    ])
    .output()
    .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(
            "XKRX calendar data covers 2015-01-01 to 2030-12-31; 2031-01-01 is outside it"
        ),
        "{}",
        stderr(&o)
    );
    let o = shipwindow(&[
        "markets",
        "XKRZ",
        "--from",
        "2026-01-01",
        "--to",
        "2026-01-02",
    ])
    .output()
    .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean `XKRX`?"),
        "{}",
        stderr(&o)
    );

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("m.toml"),
        "[[market]]\nname = \"krx\"\nexchange = \"XKRX\"\nbefore_open = \"30m\"\n",
    )
    .unwrap();
    let d = dir.path().to_str().unwrap();
    let o = shipwindow(&[
        "check",
        "--policies",
        d,
        "--service",
        "web",
        "--env",
        "prod",
        "--at",
        "2031-01-02T12:00:00+09:00",
        "--format",
        "json",
    ])
    .output()
    .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(!stdout(&o).contains("verdict"));
    assert!(
        stderr(&o).contains(
            "rule `krx` uses the XKRX calendar, whose data covers 2015-01-01 to 2030-12-31"
        ),
        "{}",
        stderr(&o)
    );
    // Inside coverage it decides, naming the session.
    let o = shipwindow(&[
        "check",
        "--policies",
        d,
        "--service",
        "web",
        "--env",
        "prod",
        "--at",
        "2026-12-01T10:00:00+09:00",
        "--format",
        "json",
    ])
    .output()
    .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(json(&o)["blocked_by"][0]["kind"], "market");
    assert!(
        json(&o)["blocked_by"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("XKRX session 09:00–15:30 KST")
    );
}

#[test]
fn windows_names_the_market_session_that_closes_a_stretch() {
    let o = run(&[
        "windows",
        "--service",
        "trading-api",
        "--env",
        "prod",
        "--from",
        "2026-11-19T09:00",
        "--to",
        "2026-11-19T17:00",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    // The market's stretch and the window's on either side are one closed row
    // for people (the JSON below keeps them apart).
    assert!(
        out.contains(
            "closed  Thu 11-19 09:00 KST to Thu 11-19 17:00 KST            8h  weeknight, krx\n"
        ),
        "{out}"
    );
    assert!(out.contains("krx: The brokerage integration is live while KRX trades: XKRX session 10:00–16:30 KST (College entrance exam (CSAT) day)"), "{out}");
    // The JSON keeps exactly the documented fields.
    let o = run(&[
        "windows",
        "--service",
        "trading-api",
        "--env",
        "prod",
        "--from",
        "2026-11-19T09:00",
        "--to",
        "2026-11-19T17:00",
        "--format",
        "json",
    ]);
    let piece = &json(&o)["intervals"][1];
    let mut keys: Vec<&str> = piece
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["end", "rules", "start", "state"]);
}

#[test]
fn a_reader_that_stops_early_does_not_crash_the_command() {
    use std::io::Read;
    use std::process::Stdio;
    // 170 KiB of JSON, more than a pipe holds: the writer is still writing when the
    // reader goes away, as with `shipwindow markets … | head`.
    let mut child = shipwindow(&[
        "markets",
        "XKRX",
        "--from",
        "2024-01-01",
        "--to",
        "2026-12-31",
        "--format",
        "json",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The read end is closed here.
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(first.starts_with(b"{"));
}

#[test]
fn output_that_cannot_be_written_is_an_error_not_a_verdict() {
    // /dev/full fails every write with ENOSPC, like a full disk behind `> file`.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let dir = bundled();
    let out = shipwindow(&[
        "--policies",
        dir.to_str().unwrap(),
        "check",
        "--service",
        "web",
        "--env",
        "prod",
        "--at",
        "2026-12-01T03:00:00+09:00",
    ])
    .stdout(full)
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("error: cannot write the output: No space left on device"),
        "{stderr}"
    );
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = shipwindow(&["--version"]).stdout(full).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
