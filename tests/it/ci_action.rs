//! The GitHub Action (`action.yml`), run step by step the way the runner runs a
//! composite action: the outputs of an allowed and a denied deploy, the inputs that
//! are refused, `wait`, building and caching the binary, and no input ever running
//! a command.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::ci::{keys, recorded_argv, recording_binary, script, string};
use crate::support::github_runner::{Action, action_yml};
use std::path::{Path, PathBuf};

const POLICY: &str = r#"
[settings]
timezone = "UTC"
deploy_duration = "30m"
monitoring = "30m"
horizon = "14d"

[[freeze]]
name = "release-week"
reason = "Release week: prod stays untouched"
start_at = "2026-12-14T00:00"
end_at = "2026-12-16T00:00"
envs = ["prod"]
"#;

const BINARY: &str = env!("CARGO_BIN_EXE_shipwindow");

/// A scratch job: a workspace holding `policies/`, and the action given the built
/// binary and the request flags of a web deploy to prod.
fn job(root: &Path) -> Action {
    let action = Action::new(root);
    let policies = action.workspace.join("policies");
    std::fs::create_dir_all(&policies).unwrap();
    std::fs::write(policies.join("policy.toml"), POLICY).unwrap();
    action
        .input("binary", BINARY)
        .input("service", "web")
        .input("env", "prod")
        .input("policies", "policies")
}

#[test]
fn an_allowed_deploy_passes_and_sets_the_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let run = job(dir.path()).input("at", "2026-12-10T10:00").run();

    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.ran, ["source", "install", "decide"]);
    assert_eq!(run.outputs["allowed"], "true");
    assert_eq!(run.outputs["verdict"], "allow");
    assert_eq!(run.outputs["next-allowed"], "");
    assert!(
        run.outputs["policy"].starts_with("sha256:"),
        "{:?}",
        run.outputs
    );
    assert!(
        run.stdout.contains(
            "::notice title=Deploy allowed%3A web to prod::Clear from Thu 2026-12-10 10:00 UTC"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.summary.contains("deploy web to prod: ✅ allowed"),
        "{}",
        run.summary
    );
}

#[test]
fn a_denied_deploy_fails_the_step_and_still_sets_the_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let run = job(dir.path()).input("at", "2026-12-14T10:00").run();

    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.outputs["allowed"], "false");
    assert_eq!(run.outputs["verdict"], "deny");
    assert_eq!(run.outputs["next-allowed"], "2026-12-16T00:00:00+00:00");
    assert!(
        run.outputs["policy"].starts_with("sha256:"),
        "{:?}",
        run.outputs
    );
    assert!(
        run.stdout
            .contains("::error title=Deploy blocked%3A web to prod::release-week (freeze)"),
        "{}",
        run.stdout
    );
    assert!(run.summary.contains("⛔ denied"), "{}", run.summary);
    assert!(run.summary.contains("`release-week`"), "{}", run.summary);
}

#[test]
fn the_binary_is_put_on_the_path_under_its_own_name() {
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = dir.path().join("tools").join("sw-1.2");
    std::fs::create_dir_all(elsewhere.parent().unwrap()).unwrap();
    std::fs::copy(BINARY, &elsewhere).unwrap();
    let run = job(dir.path())
        .input("binary", elsewhere.to_str().unwrap())
        .input("at", "2026-12-10T10:00")
        .run();
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.outputs["verdict"], "allow");
    // The workflow's later steps find it as `shipwindow`, and it is this binary.
    assert_eq!(run.added_path.len(), 1, "{:?}", run.added_path);
    let on_path = run.added_path[0].join("shipwindow");
    let version = std::process::Command::new(&on_path)
        .arg("--version")
        .output()
        .unwrap();
    assert!(version.status.success());
    assert_eq!(
        std::fs::canonicalize(&on_path).unwrap(),
        std::fs::canonicalize(&elsewhere).unwrap()
    );
}

/// Text that a script would run if an input were pasted into it.
fn payloads(marker: &Path) -> Vec<String> {
    let m = marker.display();
    vec![
        format!("\"; touch {m}; \""),
        format!("'; touch {m}; '"),
        format!("$(touch {m})"),
        format!("`touch {m}`"),
        format!("x\ntouch {m}"),
        format!("--policies=$(touch {m})"),
    ]
}

#[test]
fn no_input_runs_a_command() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("pwned");
    for input in [
        "service", "env", "strategy", "at", "policies", "remote", "timeout", "token", "wait",
        "binary",
    ] {
        for payload in payloads(&marker) {
            let mut action = job(dir.path()).input(input, &payload);
            // Reach the step that uses each input: a token needs a server, a timeout needs wait.
            match input {
                "token" => action = action.input("remote", "http://127.0.0.1:9"),
                "timeout" => action = action.input("wait", "true"),
                _ => {}
            }
            let run = action.run();
            assert!(
                !marker.exists(),
                "input `{input}` = {payload:?} ran a command\n{}{}",
                run.stdout,
                run.stderr
            );
        }
    }
}

#[test]
fn an_input_reaches_shipwindow_as_one_argument_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let payload = "web\"; touch x; \"";
    let run = job(dir.path())
        .input("service", payload)
        .input("at", "2026-12-14T10:00")
        .run();
    // The freeze applies to every service, so the odd name is decided like any other,
    // and shown back as it was given.
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("Deploy blocked%3A web\"; touch x; \" to prod"),
        "{}",
        run.stdout
    );
}

fn recorded(dir: &Path, action: Action) -> (PathBuf, Vec<String>) {
    let bin = recording_binary(&dir.join("fake"));
    let run = action.input("binary", bin.to_str().unwrap()).run();
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let fake = bin.parent().unwrap().to_path_buf();
    let argv = recorded_argv(&fake).expect("shipwindow was run");
    (fake, argv)
}

#[test]
fn wait_true_runs_wait_with_the_timeout_and_the_same_request_flags() {
    let dir = tempfile::tempdir().unwrap();
    let (fake, argv) = recorded(
        dir.path(),
        job(dir.path())
            .input("wait", "true")
            .input("timeout", "2h")
            .input("strategy", "web-rolling")
            .input("remote", "https://shipwindow.example")
            .input("token", "s3cret"),
    );
    assert_eq!(
        argv,
        [
            "wait",
            "--policies=policies",
            "--service=web",
            "--env=prod",
            "--strategy=web-rolling",
            "--remote=https://shipwindow.example",
            "--timeout=2h",
            "--format",
            "github",
        ]
    );
    assert_eq!(
        std::fs::read_to_string(fake.join("token")).unwrap(),
        "s3cret"
    );
}

/// `wait: true` with the real binary: a deploy allowed now passes at once with
/// the outputs set, and one that nothing opens for within the timeout fails the
/// step with the outputs of the denial, at once rather than after the timeout.
#[test]
fn wait_true_with_the_real_binary_passes_at_once_or_fails_when_nothing_opens_in_time() {
    let dir = tempfile::tempdir().unwrap();
    let action = job(dir.path()).input("wait", "true").input("timeout", "1h");
    // Only the settings, so the deploy is allowed whatever day the test runs.
    let settings = POLICY.split("[[freeze]]").next().unwrap();
    std::fs::write(action.workspace.join("policies/policy.toml"), settings).unwrap();
    let run = action.run();
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.outputs["allowed"], "true");
    assert_eq!(run.outputs["verdict"], "allow");

    let dir = tempfile::tempdir().unwrap();
    let action = job(dir.path()).input("wait", "true").input("timeout", "1h");
    let frozen = "[[freeze]]\nname = \"long-freeze\"\nreason = \"Migration\"\nstart_at = \"2026-01-01T00:00\"\nend_at = \"2199-01-01T00:00\"\n";
    std::fs::write(action.workspace.join("policies/frozen.toml"), frozen).unwrap();
    let started = std::time::Instant::now();
    let run = action.run();
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.outputs["allowed"], "false");
    assert_eq!(run.outputs["verdict"], "deny");
    assert!(run.stdout.contains("long-freeze"), "{}", run.stdout);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(600),
        "it waited instead of failing at once"
    );
}

#[test]
fn by_default_it_runs_check_and_leaves_the_job_token_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (fake, argv) = recorded(dir.path(), job(dir.path()).input("policies", ""));
    assert_eq!(
        argv,
        ["check", "--service=web", "--env=prod", "--format", "github"]
    );
    assert_eq!(
        std::fs::read_to_string(fake.join("token")).unwrap(),
        "unset"
    );
}

#[test]
fn a_value_that_looks_like_a_flag_stays_a_value() {
    let dir = tempfile::tempdir().unwrap();
    let run = job(dir.path())
        .input("service", "--help")
        .input("at", "2026-12-10T10:00")
        .run();
    // Decided as a service named `--help` (no rule names it, so allowed), not a help text.
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("Deploy allowed%3A --help to prod"),
        "{}",
        run.stdout
    );
}

#[test]
fn bad_inputs_are_refused_with_exit_2_naming_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[(&str, &str)], &str); 6] = [
        (
            &[("wait", "yes")],
            "input `wait` is `yes`: it must be `true` or `false`",
        ),
        (
            &[("timeout", "1h")],
            "input `timeout` is set but `wait` is not `true`",
        ),
        (
            &[("wait", "true"), ("at", "2026-12-14T10:00")],
            "input `at` is set but `wait` is `true`: a wait is about a deploy starting now",
        ),
        (
            &[("token", "s3cret")],
            "input `token` is set but `remote` is empty",
        ),
        (
            &[
                ("token", "s3cret\n::warning::hello"),
                ("remote", "https://shipwindow.example"),
            ],
            "input `token` is more than one line: a bearer token is one line",
        ),
        (
            &[("binary", "no/such/shipwindow")],
            "input `binary`: no executable file at `no/such/shipwindow`",
        ),
    ];
    for (inputs, message) in cases {
        let fake_dir = dir.path().join("fake");
        let bin = recording_binary(&fake_dir);
        let _ = std::fs::remove_file(fake_dir.join("argv"));
        let mut action = job(dir.path()).input("binary", bin.to_str().unwrap());
        for (name, value) in inputs {
            action = action.input(name, value);
        }
        let run = action.run();
        assert_eq!(run.code, 2, "{inputs:?}\n{}{}", run.stdout, run.stderr);
        assert!(
            run.stdout
                .contains(&format!("::error title=shipwindow action::{message}")),
            "{inputs:?}\n{}",
            run.stdout
        );
        assert_eq!(recorded_argv(&fake_dir), None, "{inputs:?}: shipwindow ran");
    }
}

#[test]
fn a_required_input_left_out_is_exit_2_not_a_decision() {
    // The runner does not enforce `required:` for a composite action's inputs, so an
    // empty `service` reaches shipwindow, which refuses it.
    let dir = tempfile::tempdir().unwrap();
    let run = job(dir.path()).input("service", "").run();
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("--service"), "{}", run.stderr);
    assert_eq!(run.outputs["allowed"], "", "no decision, no outputs");
}

/// A `cargo` that logs its arguments to `cargo.log` and, for `install`, puts the
/// built shipwindow in `--root`/bin as cargo would; or one that always fails.
fn fake_cargo(dir: &Path, works: bool) -> PathBuf {
    let bin = dir.join(if works { "cargo-ok" } else { "cargo-broken" });
    let body = if works {
        format!(
            r#"#!/bin/sh
printf '%s\n' "$*" >> "{log}"
root=
while [ $# -gt 0 ]; do [ "$1" = --root ] && root=$2; shift; done
mkdir -p "$root/bin" && cp "{binary}" "$root/bin/shipwindow"
"#,
            log = dir.join("cargo.log").display(),
            binary = BINARY
        )
    } else {
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$*\" >> \"{}\"\nexit 101\n",
            dir.join("cargo.log").display()
        )
    };
    script(&bin.join("cargo"), &body);
    bin
}

#[test]
fn without_a_binary_it_builds_one_with_cargo_then_reuses_the_cached_build() {
    let dir = tempfile::tempdir().unwrap();
    let tools = dir.path().join("tools");
    let mut first = job(dir.path())
        .input("binary", "")
        .input("at", "2026-12-10T10:00");
    first.path = vec![fake_cargo(&tools, true)];
    let run = first.run();
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.outputs["verdict"], "allow");
    let root = first.temp.join("shipwindow-action");
    assert_eq!(
        std::fs::read_to_string(tools.join("cargo.log")).unwrap(),
        format!(
            "install --locked --path {} --root {}\n",
            first.action_path.display(),
            root.display()
        )
    );

    // The next job finds the build where the cache restores it (`runner.temp`), and
    // never calls cargo: here a cargo that would fail.
    std::fs::remove_file(tools.join("cargo.log")).unwrap();
    let mut second = job(dir.path())
        .input("binary", "")
        .input("at", "2026-12-14T10:00");
    second.path = vec![fake_cargo(&tools, false)];
    let run = second.run();
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.outputs["verdict"], "deny");
    assert!(
        run.stdout.contains("shipwindow restored from the cache"),
        "{}",
        run.stdout
    );
    assert!(
        !tools.join("cargo.log").exists(),
        "cargo ran on a cache hit"
    );
}

#[test]
fn without_a_binary_or_cargo_it_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let mut action = job(dir.path()).input("binary", "");
    // A runner without Rust: the shell's tools and nothing else on the PATH.
    let tools = dir.path().join("system");
    std::fs::create_dir_all(&tools).unwrap();
    for tool in ["sha256sum", "find", "sort", "cut", "mkdir", "cp", "dirname"] {
        let found = ["/usr/bin", "/bin"]
            .iter()
            .map(|d| Path::new(d).join(tool))
            .find(|p| p.exists())
            .unwrap();
        std::os::unix::fs::symlink(found, tools.join(tool)).unwrap();
    }
    action.system_path = tools.display().to_string();
    let run = action.run();
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(
            "::error title=shipwindow action::cannot build shipwindow: `cargo` is not on the PATH"
        ),
        "{}",
        run.stdout
    );
    assert_eq!(run.ran, ["source", "install"]);
}

/// A copy of the files the cache key is made of.
fn source_tree(root: &Path) -> PathBuf {
    let src = root.join("action");
    std::fs::create_dir_all(src.join("src")).unwrap();
    std::fs::write(src.join("Cargo.lock"), "lock 1\n").unwrap();
    std::fs::write(src.join("Cargo.toml"), "[package]\n").unwrap();
    std::fs::write(src.join("src").join("main.rs"), "fn main() {}\n").unwrap();
    src
}

fn cache_key(root: &Path, src: &Path) -> String {
    let mut action = Action::new(root)
        .input("service", "web")
        .input("env", "prod");
    action.action_path = src.to_path_buf();
    let run = action.run_only(&["source"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let key = run.steps["source"]["key"].clone();
    assert!(!key.is_empty());
    key
}

#[test]
fn the_cache_key_follows_the_runner_os_cargo_lock_and_the_source() {
    let dir = tempfile::tempdir().unwrap();
    let src = source_tree(dir.path());
    let first = cache_key(&dir.path().join("a"), &src);
    assert!(first.starts_with("shipwindow-Linux-X64-lock-"), "{first}");
    assert_eq!(
        cache_key(&dir.path().join("b"), &src),
        first,
        "the same source, the same key"
    );

    std::fs::write(src.join("Cargo.lock"), "lock 2\n").unwrap();
    let relocked = cache_key(&dir.path().join("c"), &src);
    assert_ne!(relocked, first, "a new Cargo.lock, a new key");

    std::fs::write(src.join("src").join("main.rs"), "fn main() { }\n").unwrap();
    let edited = cache_key(&dir.path().join("d"), &src);
    assert_ne!(edited, relocked, "new source, a new key");
}

#[test]
fn the_cache_step_restores_the_install_root_under_the_source_key() {
    let action = action_yml();
    let steps = action["runs"]["steps"].as_vec().unwrap();
    let cache: Vec<_> = steps.iter().filter(|s| !s["uses"].is_badvalue()).collect();
    assert_eq!(cache.len(), 1, "one `uses:` step, the cache");
    let cache = cache[0];
    assert_eq!(string(&cache["uses"]), Some("actions/cache@v4"));
    assert_eq!(string(&cache["if"]), Some("inputs.binary == ''"));
    assert_eq!(
        string(&cache["with"]["path"]),
        Some("${{ runner.temp }}/shipwindow-action")
    );
    assert_eq!(
        string(&cache["with"]["key"]),
        Some("${{ steps.source.outputs.key }}")
    );
    let install = steps
        .iter()
        .find(|s| string(&s["id"]) == Some("install"))
        .unwrap();
    assert!(
        string(&install["run"])
            .unwrap()
            .contains("root=\"$SW_TEMP/shipwindow-action\""),
        "the install step builds where the cache step restores"
    );
}

#[test]
fn every_input_and_output_the_action_promises_is_declared_and_used() {
    let action = action_yml();
    assert_eq!(
        keys(&action["inputs"]),
        [
            "service", "env", "strategy", "at", "policies", "remote", "token", "wait", "timeout",
            "binary"
        ]
    );
    assert_eq!(
        keys(&action["outputs"]),
        ["allowed", "verdict", "next-allowed", "policy"]
    );
    let envs: String = action["runs"]["steps"]
        .as_vec()
        .unwrap()
        .iter()
        .filter_map(|s| s["env"].as_hash())
        .flat_map(|h| h.values().map(|v| v.as_str().unwrap().to_string()))
        .collect();
    for input in keys(&action["inputs"]) {
        assert!(
            envs.contains(&format!("${{{{ inputs.{input} }}}}")),
            "input `{input}` is never used"
        );
    }
}
