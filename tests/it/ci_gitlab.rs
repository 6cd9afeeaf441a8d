//! The GitLab CI/CD component (`templates/shipwindow.yml`): the shape GitLab requires
//! of a component, and its job run the way a GitLab runner runs it — an allowed and
//! a denied deploy, `wait`, obtaining the binary, and no input ever running a command.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::ci::{documents, keys, recorded_argv, recording_binary, script, string};
use crate::support::gitlab_runner::{Gitlab, gitlab_template};
use std::path::{Path, PathBuf};
use yaml_rust2::Yaml;

const POLICY: &str = r#"
[settings]
timezone = "UTC"
deploy_duration = "30m"
monitoring = "30m"
horizon = "14d"

[[freeze]]
name = "release-week"
reason = "Release week: prod stays untouched"
days = ["mon-sun"]
start = "00:00"
end = "23:59"
envs = ["prod"]
"#;

const BINARY: &str = env!("CARGO_BIN_EXE_shipwindow");

/// A scratch project holding `policies/` (prod is frozen all day, every day; staging
/// is free), with the component given the built binary and a web deploy.
fn pipeline(root: &Path) -> Gitlab {
    let gitlab = Gitlab::new(root);
    let policies = gitlab.project.join("policies");
    std::fs::create_dir_all(&policies).unwrap();
    std::fs::write(policies.join("policy.toml"), POLICY).unwrap();
    gitlab
        .input("binary", BINARY)
        .input("service", "web")
        .input("policies", "policies")
}

#[test]
fn the_component_has_what_gitlab_requires() {
    let docs = documents(&gitlab_template());
    assert_eq!(
        docs.len(),
        2,
        "a `spec:` header document, `---`, then the job"
    );
    let inputs = &docs[0]["spec"]["inputs"];
    let names = keys(inputs);
    for name in ["service", "env", "stage", "wait", "timeout", "remote"] {
        assert!(
            names.contains(&name.to_string()),
            "no input `{name}` in {names:?}"
        );
    }
    for (name, input) in inputs.as_hash().unwrap() {
        assert!(
            string(&input["description"]).is_some(),
            "input {name:?} says what it is for"
        );
    }
    assert!(
        inputs["service"]["default"].is_badvalue(),
        "`service` is required"
    );
    assert!(inputs["env"]["default"].is_badvalue(), "`env` is required");
    assert_eq!(string(&inputs["wait"]["type"]), Some("boolean"));
    assert_eq!(inputs["wait"]["default"], Yaml::Boolean(false));

    let jobs = docs[1].as_hash().unwrap();
    assert_eq!(jobs.len(), 1, "one job");
    let (name, job) = jobs.iter().next().unwrap();
    assert_eq!(name.as_str(), Some("$[[ inputs.job-name ]]"));
    assert_eq!(string(&job["stage"]), Some("$[[ inputs.stage ]]"));
    let script = job["script"].as_vec().unwrap();
    assert!(!script.is_empty());
    for line in script {
        assert!(
            !line.as_str().unwrap().contains("$[["),
            "an input inside `script:` would put its text into the script"
        );
    }

    // Every declared input is used, and every one used is declared.
    let text = std::fs::read_to_string(gitlab_template()).unwrap();
    let body = text.split("\n---\n").nth(1).unwrap();
    for name in &names {
        assert!(
            body.contains(&format!("$[[ inputs.{name} ]]")),
            "input `{name}` is never used"
        );
    }
    for used in body.split("$[[ inputs.").skip(1) {
        let name = used.split(" ]]").next().unwrap();
        assert!(
            names.contains(&name.to_string()),
            "`{name}` is used but not declared"
        );
    }
}

#[test]
fn the_job_takes_its_name_and_stage_from_the_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let (name, job) = pipeline(dir.path())
        .input("env", "prod")
        .input("stage", "gate")
        .input("job-name", "gate-web")
        .job();
    assert_eq!(name, "gate-web");
    assert_eq!(string(&job["stage"]), Some("gate"));
    let (name, job) = pipeline(dir.path()).input("env", "prod").job();
    assert_eq!(name, "shipwindow");
    assert_eq!(string(&job["stage"]), Some(".pre"));
    assert_eq!(string(&job["image"]), Some("rust:1.89-slim"));
}

#[test]
fn an_allowed_deploy_passes_and_a_denied_one_fails() {
    let dir = tempfile::tempdir().unwrap();
    let allowed = pipeline(dir.path()).input("env", "staging").run();
    assert_eq!(allowed.code, 0, "{}{}", allowed.stdout, allowed.stderr);
    assert!(
        allowed.stdout.contains("ALLOWED: deploy web to staging"),
        "{}",
        allowed.stdout
    );

    let denied = pipeline(dir.path()).input("env", "prod").run();
    assert_eq!(denied.code, 1, "{}{}", denied.stdout, denied.stderr);
    assert!(
        denied.stdout.contains("DENIED: deploy web to prod"),
        "{}",
        denied.stdout
    );
    assert!(
        denied.stdout.contains("release-week (freeze)"),
        "{}",
        denied.stdout
    );
}

fn recorded(root: &Path, gitlab: Gitlab) -> (PathBuf, Vec<String>) {
    let bin = recording_binary(&root.join("fake"));
    let run = gitlab.input("binary", bin.to_str().unwrap()).run();
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let fake = bin.parent().unwrap().to_path_buf();
    let argv = recorded_argv(&fake).expect("shipwindow was run");
    (fake, argv)
}

#[test]
fn wait_true_runs_wait_with_the_timeout_and_the_token_from_the_project() {
    let dir = tempfile::tempdir().unwrap();
    let mut gitlab = pipeline(dir.path())
        .input("env", "prod")
        .flag("wait", true)
        .input("timeout", "3h")
        .input("strategy", "web-rolling")
        .input("remote", "https://shipwindow.example");
    gitlab
        .variables
        .insert("SHIPWINDOW_TOKEN".to_string(), "s3cret".to_string());
    let (fake, argv) = recorded(dir.path(), gitlab);
    assert_eq!(
        argv,
        [
            "wait",
            "--policies=policies",
            "--service=web",
            "--env=prod",
            "--strategy=web-rolling",
            "--remote=https://shipwindow.example",
            "--timeout=3h",
        ]
    );
    assert_eq!(
        std::fs::read_to_string(fake.join("token")).unwrap(),
        "s3cret"
    );
}

#[test]
fn by_default_it_runs_check() {
    let dir = tempfile::tempdir().unwrap();
    let (_, argv) = recorded(
        dir.path(),
        pipeline(dir.path())
            .input("env", "prod")
            .input("policies", ""),
    );
    assert_eq!(argv, ["check", "--service=web", "--env=prod"]);
}

#[test]
fn no_input_runs_a_command() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("pwned");
    let m = marker.display();
    let payloads = [
        format!("\"; touch {m}; \""),
        format!("'; touch {m}; '"),
        format!("$(touch {m})"),
        format!("`touch {m}`"),
        format!("x\ntouch {m}"),
    ];
    for input in [
        "service", "env", "strategy", "policies", "remote", "timeout", "binary", "source",
        "version",
    ] {
        for payload in &payloads {
            let mut gitlab = pipeline(dir.path())
                .input("env", "prod")
                .input(input, payload);
            match input {
                "timeout" => gitlab = gitlab.flag("wait", true),
                // Reach the build: no binary in the image, and a cargo that would run.
                "source" => {
                    gitlab = gitlab
                        .input("binary", "no-shipwindow")
                        .input("version", "v1")
                }
                "version" => {
                    gitlab = gitlab
                        .input("binary", "no-shipwindow")
                        .input("source", "https://git.example/shipwindow.git")
                }
                _ => {}
            }
            if matches!(input, "source" | "version") {
                gitlab.path = vec![fake_cargo(&dir.path().join("tools"))];
            }
            let run = gitlab.run();
            assert!(
                !marker.exists(),
                "input `{input}` = {payload:?} ran a command\n{}{}",
                run.stdout,
                run.stderr
            );
        }
    }
}

/// A `cargo` that logs its arguments to `cargo.log` beside it and, for `install`,
/// puts the built shipwindow in `--root`/bin as cargo would.
fn fake_cargo(dir: &Path) -> PathBuf {
    let bin = dir.join("bin");
    script(
        &bin.join("cargo"),
        &format!(
            r#"#!/bin/sh
printf '%s\n' "$*" >> "{log}"
root=
while [ $# -gt 0 ]; do [ "$1" = --root ] && root=$2; shift; done
mkdir -p "$root/bin" && cp "{binary}" "$root/bin/shipwindow"
"#,
            log = dir.join("cargo.log").display(),
            binary = BINARY
        ),
    );
    bin
}

#[test]
fn without_shipwindow_in_the_image_it_builds_from_source_once_per_version() {
    let dir = tempfile::tempdir().unwrap();
    let tools = dir.path().join("tools");
    let build = |env: &str| {
        let mut gitlab = pipeline(dir.path())
            .input("env", env)
            .input("binary", "shipwindow")
            .input("source", "https://git.example/shipwindow.git")
            .input("version", "v1.2.0");
        gitlab.path = vec![fake_cargo(&tools)];
        gitlab.run()
    };
    let first = build("staging");
    assert_eq!(first.code, 0, "{}{}", first.stdout, first.stderr);
    let root = dir.path().join("project/.shipwindow-build/v1.2.0");
    assert_eq!(
        std::fs::read_to_string(tools.join("cargo.log")).unwrap(),
        format!(
            "install --locked --root {} --git https://git.example/shipwindow.git --rev v1.2.0\n",
            root.display()
        )
    );
    // The cached build (the job's `cache:` keeps `.shipwindow-build/`) is used as it is.
    let second = build("prod");
    assert_eq!(second.code, 1, "{}{}", second.stdout, second.stderr);
    assert_eq!(
        std::fs::read_to_string(tools.join("cargo.log"))
            .unwrap()
            .lines()
            .count(),
        1,
        "cargo ran again"
    );
}

#[test]
fn bad_inputs_are_refused_with_exit_2_saying_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[(&str, &str)], &str); 4] = [
        (
            &[("binary", "no-shipwindow")],
            "`no-shipwindow` is not in the image: use an image with shipwindow on its PATH",
        ),
        (
            &[
                ("binary", "no-shipwindow"),
                ("source", "https://git.example/shipwindow.git"),
            ],
            "input `source` needs `version` (a tag or commit)",
        ),
        (
            &[("timeout", "1h")],
            "input `timeout` is set but `wait` is not true",
        ),
        (
            &[
                ("binary", "no-shipwindow"),
                ("source", "https://git.example/shipwindow.git"),
                ("version", "../v1"),
            ],
            "input `version` names a directory and a cache key",
        ),
    ];
    for (inputs, message) in cases {
        let mut gitlab = pipeline(dir.path()).input("env", "prod");
        for (name, value) in inputs {
            gitlab = gitlab.input(name, value);
        }
        let run = gitlab.run();
        assert_eq!(run.code, 2, "{inputs:?}\n{}{}", run.stdout, run.stderr);
        assert!(
            run.stderr
                .contains(&format!("shipwindow component: {message}")),
            "{inputs:?}\n{}",
            run.stderr
        );
    }
}
