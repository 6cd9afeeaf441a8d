//! Issue 13, class 11: request text with control characters in it (C0, DEL, C1,
//! bidi controls) is refused naming the field and the character, and what the
//! program prints (logs, GitHub commands, the step summary, terminals) escapes
//! what it did not refuse, so no value can forge a line.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::server::{Server, bundled, request};
use serde_json::json;
use std::fmt::Write as _;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

/// Each forbidden kind, with the name the error must give it.
const BAD: &[(&str, &str)] = &[
    ("ok\n2026-12-07T08:00:00Z  INFO forged", "U+000A"),
    ("ok\rforged", "U+000D"),
    ("tab\there", "U+0009"),
    ("esc \u{1b}[31mred", "U+001B"),
    ("del\u{7f}", "U+007F"),
    ("next\u{85}line", "U+0085"),
    ("csi\u{9b}", "U+009B"),
    ("evil\u{202e}txt.exe", "U+202E"),
    ("isolate\u{2066}x\u{2069}", "U+2066"),
    ("mark\u{200f}", "U+200F"),
    ("arabic\u{61c}", "U+061C"),
];

/// The forged log line a value tries to inject.
const FORGED: &str = "ok\n2025-01-01T08:00:00.000000Z  INFO forged: deploy approved\r\nx";

fn shipwindow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shipwindow"))
        .args(args)
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GITHUB_OUTPUT")
        .env_remove("SHIPWINDOW_POLICIES")
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn command_line_request_text_is_refused() {
    let policies = bundled();
    let base = ["--policies", policies.to_str().unwrap(), "check"];
    for (bad, name) in BAD {
        for (flag, args) in [
            ("--service", vec!["--service", bad, "--env", "prod"]),
            ("--env", vec!["--service", "web", "--env", bad]),
            (
                "--override-reason",
                vec![
                    "--service",
                    "web",
                    "--env",
                    "prod",
                    "--override-reason",
                    bad,
                ],
            ),
            (
                "--approver",
                vec![
                    "--service",
                    "web",
                    "--env",
                    "prod",
                    "--override-reason",
                    "INC-1",
                    "--approver",
                    bad,
                ],
            ),
        ] {
            let all: Vec<&str> = base.iter().copied().chain(args).collect();
            let o = shipwindow(&all);
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{flag} {bad:?}: {err}");
            assert!(
                err.contains(flag) && err.contains(name),
                "{flag} {bad:?}: {err}"
            );
            assert!(
                !err.contains("forged"),
                "the value is not echoed raw: {err}"
            );
        }
    }
}

#[test]
fn run_versions_refuse_every_kind() {
    let dir = tempfile::tempdir().unwrap();
    let policies = bundled();
    for (bad, name) in BAD {
        for flag in ["--version", "--previous"] {
            let (version, previous) = if flag == "--version" {
                (*bad, "v1")
            } else {
                ("v2", *bad)
            };
            let o = shipwindow(&[
                "--policies",
                policies.to_str().unwrap(),
                "run",
                "--strategy",
                "web-rolling",
                "--state-dir",
                dir.path().to_str().unwrap(),
                "--version",
                version,
                "--previous",
                previous,
            ]);
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{flag} {bad:?}: {err}");
            assert!(
                err.contains(flag) && err.contains(name),
                "{flag} {bad:?}: {err}"
            );
        }
    }
}

#[test]
fn http_request_text_is_refused() {
    let state = tempfile::tempdir().unwrap();
    let server = Server::start(&bundled(), state.path(), &[]);
    let refused = |status: u16, body: &serde_json::Value, field: &str, name: &str, what: &str| {
        let text = body.to_string();
        assert_eq!(status, 400, "{what}: {text}");
        assert!(
            text.contains(field) && text.contains(name),
            "{what}: {text}"
        );
    };
    for (bad, name) in BAD {
        let check = |field: &str, body: serde_json::Value| {
            let (status, answer) = server.send_json("POST", "/v1/check", &body);
            refused(
                status,
                &answer,
                field,
                name,
                &format!("check {field} {bad:?}"),
            );
        };
        check("service", json!({"service": bad, "env": "prod"}));
        check("env", json!({"service": "web", "env": bad}));
        check(
            "override.reason",
            json!({"service": "web", "env": "prod", "override": {"reason": bad}}),
        );
        check(
            "override.approver",
            json!({"service": "web", "env": "prod",
                   "override": {"reason": "INC-1", "approver": bad}}),
        );

        let freeze = |field: &str, body: serde_json::Value| {
            let (status, answer) = server.send_json("POST", "/v1/freezes", &body);
            refused(
                status,
                &answer,
                field,
                name,
                &format!("freeze {field} {bad:?}"),
            );
        };
        freeze(
            "reason",
            json!({"services": ["web"], "envs": ["prod"], "for": "1h", "reason": bad}),
        );
        freeze(
            "by",
            json!({"services": ["web"], "envs": ["prod"], "for": "1h",
                   "reason": "INC-1", "by": bad}),
        );
        freeze(
            "services[0]",
            json!({"services": [bad], "envs": ["prod"], "for": "1h", "reason": "INC-1"}),
        );

        // A query string: the same check, percent-encoded.
        let encoded: String = bad.bytes().map(|b| format!("%{b:02X}")).collect();
        let (status, text) = request(
            server.port,
            "GET",
            &format!("/v1/check?service={encoded}&env=prod"),
            &[],
            None,
        );
        let body: serde_json::Value = serde_json::from_str(&text).unwrap();
        refused(status, &body, "service", name, &format!("query {bad:?}"));
        let (status, text) = request(
            server.port,
            "DELETE",
            &format!("/v1/freezes/rf-1?by={encoded}"),
            &[],
            None,
        );
        let body: serde_json::Value = serde_json::from_str(&text).unwrap();
        refused(status, &body, "by", name, &format!("lift by {bad:?}"));
    }
    // Nothing refused was stored.
    let list = server.get_json("/v1/freezes");
    assert_eq!(list["freezes"].as_array().unwrap().len(), 0, "{list}");
}

/// A writer the test reads back.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn logged(json: bool, log: impl FnOnce()) -> String {
    let out = Captured::default();
    let sink = out.clone();
    let subscriber =
        shipwindow::cli::log_subscriber(json, tracing::Level::INFO, move || sink.clone());
    tracing::subscriber::with_default(subscriber, log);
    String::from_utf8(out.0.lock().unwrap().clone()).unwrap()
}

#[test]
fn a_value_cannot_forge_a_log_line() {
    for json in [false, true] {
        for value in [
            FORGED,
            "a\u{85}b",
            "a\u{2028}b\u{202e}c",
            "\n",
            "x\r\n\r\ny",
        ] {
            // The server logs values both ways: `%` (Display) and `?` (Debug),
            // in fields and in the message (a reload error holds file text).
            let text = logged(json, || {
                tracing::error!(error = %value, "reload failed; still serving the last good policy");
                tracing::info!(by = ?value, "runtime freeze created");
                tracing::warn!("{value}");
            });
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines.len(), 3, "json={json} {value:?}:\n{text}");
            for line in &lines {
                assert!(!line.contains('\r') && !line.contains('\u{85}'), "{line:?}");
                assert!(!line.contains('\u{202e}'), "{line:?}");
                if json {
                    let v: serde_json::Value = serde_json::from_str(line).unwrap();
                    assert!(v.to_string().contains("level"), "{v}");
                }
            }
            if !json {
                assert!(lines.iter().all(|l| !l.starts_with("2025-01-01")), "{text}");
            }
        }
    }
}

#[test]
fn github_and_terminal_output_escape_what_policy_files_say() {
    let dir = tempfile::tempdir().unwrap();
    let reasons = [
        "line\n::error::forged annotation",
        "cr\r::warning::forged",
        "ff\u{c}tab\t::notice::forged\u{1b}[2K",
        "md <img src=x onerror=alert(1)> **bold** [link](http://x) | cell `code`",
        "pct %0A::error::forged",
        "bidi \u{202e}dexelfer\u{202c} and \u{85}",
    ];
    for (i, reason) in reasons.iter().enumerate() {
        let toml = format!(
            "[[freeze]]\nname = \"f{i}\"\nreason = {}\nfrom = \"mon 00:00\"\nto = \"sun 23:59\"\n",
            toml_string(reason)
        );
        std::fs::write(dir.path().join("freezes.toml"), toml).unwrap();
        let summary = dir.path().join("summary.md");
        let _ = std::fs::remove_file(&summary);
        let o = Command::new(env!("CARGO_BIN_EXE_shipwindow"))
            .args(["--policies", dir.path().to_str().unwrap(), "check"])
            .args(["--service", "web", "--env", "prod"])
            .args(["--at", "2026-12-09T10:00:00Z", "--format", "github"])
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env_remove("GITHUB_OUTPUT")
            .output()
            .unwrap();
        let out = String::from_utf8(o.stdout).unwrap();
        if reason.chars().any(shipwindow::text::is_forbidden) {
            // The loader already refuses a control character in a reason.
            let err = stderr_of(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{err}");
            assert!(err.contains("must be one line"), "{err}");
            continue;
        }
        assert_eq!(
            o.status.code(),
            Some(1),
            "{reason:?}: {out}{}",
            stderr_of(&o.stderr)
        );
        assert_eq!(out.lines().count(), 1, "{reason:?}: one command:\n{out}");
        assert!(out.starts_with("::error title="), "{out}");
        assert!(!out.contains('\r') && !out.contains('\u{202e}'), "{out:?}");
        assert!(!out.contains("%0A::error"), "`%` is escaped: {out}");

        let md = std::fs::read_to_string(&summary).unwrap();
        let row = md
            .lines()
            .find(|l| l.starts_with("| `f"))
            .unwrap_or_default();
        assert!(
            row.starts_with("| `f") && row.ends_with(" |"),
            "{reason:?}: {md}"
        );
        assert!(!md.contains("::error::forged\n"), "{md}");
        assert!(!md.contains("<img") && !md.contains("**bold**"), "{md}");
        assert!(!md.contains('\r') && !md.contains('\u{202e}'), "{md:?}");
        assert_eq!(row.matches(" | ").count(), 4, "the cells stay five: {row}");

        let o = shipwindow(&[
            "--policies",
            dir.path().to_str().unwrap(),
            "check",
            "--service",
            "web",
            "--env",
            "prod",
            "--at",
            "2026-12-09T10:00:00Z",
        ]);
        let out = String::from_utf8(o.stdout).unwrap();
        assert_eq!(o.status.code(), Some(1), "{out}");
        assert!(
            out.lines().all(|l| !l.starts_with("::")),
            "a terminal line cannot be forged: {out}"
        );
        assert!(!out.contains('\r') && !out.contains('\u{202e}'), "{out:?}");
    }
}

fn stderr_of(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A TOML basic string with every control character escaped.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Free text in a policy file that is printed (a reason, approvers, service and
/// env patterns, a strategy's service, env and targets) is one line of plain
/// text: every character `text` treats as control is a load error at the value,
/// a multi-line string's line break included.
#[test]
fn policy_free_text_with_a_control_character_is_a_positioned_load_error() {
    let freeze = |key: &str, value: &str| {
        let approvers = if key == "approvers" {
            ""
        } else {
            "approvers = [\"lead\"]\n"
        };
        format!(
            "[[freeze]]\nname = \"f\"\nfrom = \"mon 00:00\"\nto = \"sun 23:59\"\n\
             override = \"approver\"\n{approvers}{key} = {value}\n"
        )
    };
    let strategy = |key: &str, value: &str| {
        let mut fields = vec![
            ("service", "\"web\"".to_string()),
            ("env", "\"prod\"".to_string()),
            ("targets", "[\"web-1\", \"web-2\"]".to_string()),
        ];
        for f in &mut fields {
            if f.0 == key {
                f.1 = value.to_string();
            }
        }
        let fields: String = fields.iter().map(|(k, v)| format!("{k} = {v}\n")).collect();
        format!(
            "[[strategy]]\nname = \"s\"\nkind = \"rolling\"\n{fields}batch = 1\n\
             step_time = \"1m\"\nverify = \"1m\"\n\n[strategy.hooks]\n\
             deploy = [\"./d\", \"{{target}}\", \"{{version}}\"]\n\
             health = [\"./h\", \"{{target}}\"]\n\
             rollback = [\"./r\", \"{{target}}\", \"{{previous}}\"]\n"
        )
    };
    for (bad, name) in BAD {
        let text = toml_string(bad);
        let cases = [
            ("reason", freeze("reason", &text), 7),
            ("approvers", freeze("approvers", &format!("[{text}]")), 6),
            ("services", freeze("services", &format!("[{text}]")), 7),
            ("envs", freeze("envs", &format!("[\"prod\", {text}]")), 7),
            ("service", strategy("service", &text), 4),
            ("env", strategy("env", &text), 5),
            (
                "targets",
                strategy("targets", &format!("[\"web-1\", {text}]")),
                6,
            ),
        ];
        for (key, toml, line) in cases {
            let err = match shipwindow::PolicySet::from_files(&[("p.toml", &toml)]) {
                Ok(_) => panic!("{key} = {bad:?} loaded:\n{toml}"),
                Err(e) => e.to_string(),
            };
            let want = format!("p.toml:{line}:");
            let said = format!(
                "`{key}` must be one line of plain text: it has the control character {name}"
            );
            assert!(
                err.lines()
                    .any(|l| l.starts_with(&want) && l.contains(&said)),
                "{key} = {bad:?}:\n{err}\n{toml}"
            );
        }
    }
    // A multi-line string is refused for its line break, and allowed when every
    // break is escaped away.
    let toml = freeze("reason", "\"\"\"\nSale:\ntraffic peak\"\"\"");
    let err = shipwindow::PolicySet::from_files(&[("p.toml", &toml)])
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("p.toml:7:10: `reason` must be one line of plain text: it has the control character U+000A in it (at character 6)"), "{err}");
    assert!(
        err.contains("each line break is escaped with a final `\\`"),
        "{err}"
    );
    let toml = freeze("reason", "\"\"\"\nSale: \\\n  traffic peak\"\"\"");
    let set = shipwindow::PolicySet::from_files(&[("p.toml", &toml)]).unwrap();
    assert_eq!(set.rules[0].reason.as_deref(), Some("Sale: traffic peak"));
}
