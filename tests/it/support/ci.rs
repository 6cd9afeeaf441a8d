//! Two CI runners in miniature, enough to run shipwindow's CI front doors for real:
//! `action.yml` step by step the way GitHub's runner runs a composite action, and the
//! GitLab component's job the way a GitLab runner runs an included job — each with
//! the shell the platform uses and a scratch workspace. They read only what those
//! files use and refuse anything else, so that a test never passes on a feature the
//! miniature skipped.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test should fail loudly at the failing step"
)]
#![allow(dead_code, reason = "each test file uses the helpers it needs")]

use std::collections::BTreeMap;
use std::io::Read as _;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use yaml_rust2::{Yaml, YamlLoader};

/// A step or a job that runs longer than this is stuck: it is killed and the test fails.
const HANG_GUARD: Duration = Duration::from_secs(120);

/// The system's directories for the PATH a step starts with.
const SYSTEM_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every YAML document of a file.
pub fn documents(path: &Path) -> Vec<Yaml> {
    let text = std::fs::read_to_string(path).unwrap();
    YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn action_yml() -> Yaml {
    let mut docs = documents(&repo().join("action.yml"));
    assert_eq!(docs.len(), 1, "action.yml is one YAML document");
    docs.remove(0)
}

pub fn string(y: &Yaml) -> Option<&str> {
    y.as_str()
}

/// The keys of a mapping, as text.
pub fn keys(y: &Yaml) -> Vec<String> {
    y.as_hash()
        .map(|h| h.keys().map(|k| k.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

/// Writes an executable script.
pub fn script(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A stand-in for shipwindow that writes each argument it was given, NUL-terminated,
/// to `argv` in `dir`, and `$SHIPWINDOW_TOKEN` to `token`, then exits 0 (wherever it
/// is copied to).
pub fn recording_binary(dir: &Path) -> PathBuf {
    let path = dir.join("fake-shipwindow");
    script(
        &path,
        &format!(
            r#"#!/bin/sh
d="{dir}"
[ "$1" = --version ] && {{ echo "fake shipwindow"; exit 0; }}
: > "$d/argv"
for a in "$@"; do printf '%s\0' "$a" >> "$d/argv"; done
printf '%s' "${{SHIPWINDOW_TOKEN-unset}}" > "$d/token"
exit 0
"#,
            dir = dir.display()
        ),
    );
    path
}

/// What a [`recording_binary`] in `dir` was given, if it ran.
pub fn recorded_argv(dir: &Path) -> Option<Vec<String>> {
    let bytes = std::fs::read(dir.join("argv")).ok()?;
    Some(
        bytes
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8(a.to_vec()).unwrap())
            .collect(),
    )
}

/// What one script printed and how it ended.
pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs a program with exactly the environment given (nothing inherited), killing
/// it and failing the test if it outlives [`HANG_GUARD`].
fn run(program: &str, args: &[&Path], cwd: &Path, env: &BTreeMap<String, String>) -> Ran {
    let mut child = Command::new(program)
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .envs(env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut stdout = String::new();
        let mut stderr = String::new();
        let reader = std::thread::spawn(move || {
            err.read_to_string(&mut stderr).unwrap();
            stderr
        });
        out.read_to_string(&mut stdout).unwrap();
        let stderr = reader.join().unwrap();
        let status = child.wait().unwrap();
        let _ = tx.send(Ran {
            code: status.code().unwrap_or(-1),
            stdout,
            stderr,
        });
    });
    match rx.recv_timeout(HANG_GUARD) {
        Ok(ran) => ran,
        Err(_) => {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            panic!("{program} {args:?} still running after {HANG_GUARD:?}");
        }
    }
}

/// `name=value` lines and `name<<DELIMITER` blocks, as the runner reads `$GITHUB_OUTPUT`.
pub fn parse_outputs(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((name, delimiter)) = line.split_once("<<") {
            let mut value = Vec::new();
            for l in lines.by_ref() {
                if l == delimiter {
                    break;
                }
                value.push(l);
            }
            out.insert(name.to_string(), value.join("\n"));
        } else if let Some((name, value)) = line.split_once('=') {
            out.insert(name.to_string(), value.to_string());
        } else if !line.is_empty() {
            panic!("not an output line: {line:?}");
        }
    }
    out
}

/// A run of `action.yml` as a workflow step `uses: ./` with `with:` inputs.
pub struct Action {
    pub inputs: BTreeMap<String, String>,
    /// The job's working directory, `$GITHUB_WORKSPACE`.
    pub workspace: PathBuf,
    /// `runner.temp`; it outlives the run, like a cache that is restored.
    pub temp: PathBuf,
    /// `github.action_path`: where the action's files are.
    pub action_path: PathBuf,
    /// Directories ahead of the system's on the job's PATH (a fake `cargo`).
    pub path: Vec<PathBuf>,
    /// The system's part of the PATH.
    pub system_path: String,
}

/// What a run of the action did.
pub struct ActionRun {
    /// The exit code of the step that failed, 0 when every step passed.
    pub code: i32,
    /// The ids (or names) of the steps that ran, in order.
    pub ran: Vec<String>,
    /// The action's outputs, evaluated as the runner does after its steps.
    pub outputs: BTreeMap<String, String>,
    pub stdout: String,
    pub stderr: String,
    /// Every step's `$GITHUB_STEP_SUMMARY`, joined.
    pub summary: String,
    /// Each step's outputs, by step id.
    pub steps: BTreeMap<String, BTreeMap<String, String>>,
}

impl Action {
    pub fn new(root: &Path) -> Self {
        let workspace = root.join("workspace");
        let temp = root.join("runner-temp");
        std::fs::create_dir_all(&workspace).unwrap();
        std::fs::create_dir_all(&temp).unwrap();
        Action {
            inputs: BTreeMap::new(),
            workspace,
            temp,
            action_path: repo(),
            path: Vec::new(),
            system_path: SYSTEM_PATH.to_string(),
        }
    }

    pub fn input(mut self, name: &str, value: &str) -> Self {
        self.inputs.insert(name.to_string(), value.to_string());
        self
    }

    /// Runs every step of the action.
    pub fn run(&self) -> ActionRun {
        self.run_steps(None)
    }

    /// Runs the steps of the action with these ids only (the others are skipped).
    pub fn run_only(&self, ids: &[&str]) -> ActionRun {
        self.run_steps(Some(ids))
    }

    fn run_steps(&self, only: Option<&[&str]>) -> ActionRun {
        let action = action_yml();
        assert_eq!(string(&action["runs"]["using"]), Some("composite"));
        let inputs = self.resolved_inputs(&action);
        let mut steps: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        let mut github_path: Vec<PathBuf> = Vec::new();
        let mut result = ActionRun {
            code: 0,
            ran: Vec::new(),
            outputs: BTreeMap::new(),
            stdout: String::new(),
            stderr: String::new(),
            summary: String::new(),
            steps: BTreeMap::new(),
        };
        let files = self.temp.join("_runner_file_commands");
        std::fs::create_dir_all(&files).unwrap();
        for (index, step) in action["runs"]["steps"].as_vec().unwrap().iter().enumerate() {
            let id = string(&step["id"])
                .or(string(&step["name"]))
                .unwrap()
                .to_string();
            if only.is_some_and(|ids| !ids.contains(&id.as_str())) {
                continue;
            }
            if !step["uses"].is_badvalue() {
                // The miniature runs no other action: a `uses:` step is the cache, whose
                // restore a test plays by leaving files in `runner.temp`.
                assert_eq!(string(&step["uses"]), Some("actions/cache@v4"), "step {id}");
                continue;
            }
            assert!(
                step["if"].is_badvalue(),
                "step {id}: the miniature runner does not evaluate `if:` on a run step"
            );
            assert_eq!(string(&step["shell"]), Some("bash"), "step {id}");
            let body = string(&step["run"]).unwrap();
            assert!(
                !body.contains("${{"),
                "step {id}: an expression inside `run:` would put input text into the script"
            );
            let script_path = files.join(format!("step-{index}.sh"));
            std::fs::write(&script_path, body).unwrap();
            let output = files.join(format!("output-{index}"));
            let summary = files.join(format!("summary-{index}"));
            let path_file = files.join(format!("path-{index}"));
            for f in [&output, &summary, &path_file] {
                std::fs::write(f, "").unwrap();
            }

            let mut env = BTreeMap::new();
            let mut path: Vec<String> = self
                .path
                .iter()
                .chain(github_path.iter().rev())
                .map(|p| p.display().to_string())
                .collect();
            path.push(self.system_path.clone());
            env.insert("PATH".to_string(), path.join(":"));
            env.insert(
                "HOME".to_string(),
                self.temp.join("home").display().to_string(),
            );
            env.insert("CI".to_string(), "true".to_string());
            env.insert("GITHUB_ACTIONS".to_string(), "true".to_string());
            env.insert("RUNNER_OS".to_string(), "Linux".to_string());
            env.insert("RUNNER_TEMP".to_string(), self.temp.display().to_string());
            env.insert(
                "GITHUB_WORKSPACE".to_string(),
                self.workspace.display().to_string(),
            );
            env.insert(
                "GITHUB_ACTION_PATH".to_string(),
                self.action_path.display().to_string(),
            );
            env.insert("GITHUB_OUTPUT".to_string(), output.display().to_string());
            env.insert(
                "GITHUB_STEP_SUMMARY".to_string(),
                summary.display().to_string(),
            );
            env.insert("GITHUB_PATH".to_string(), path_file.display().to_string());
            for (name, value) in &inputs {
                env.insert(
                    format!("INPUT_{}", name.to_uppercase().replace(' ', "_")),
                    value.clone(),
                );
            }
            if let Some(map) = step["env"].as_hash() {
                for (k, v) in map {
                    let value = self.evaluate(string(v).unwrap(), &inputs, &steps);
                    env.insert(k.as_str().unwrap().to_string(), value);
                }
            }

            let ran = run(
                "/bin/bash",
                &[
                    Path::new("--noprofile"),
                    Path::new("--norc"),
                    Path::new("-eo"),
                    Path::new("pipefail"),
                    &script_path,
                ],
                &self.workspace,
                &env,
            );
            result.ran.push(id.clone());
            result.stdout.push_str(&ran.stdout);
            result.stderr.push_str(&ran.stderr);
            result
                .summary
                .push_str(&std::fs::read_to_string(&summary).unwrap());
            steps.insert(
                id.clone(),
                parse_outputs(&std::fs::read_to_string(&output).unwrap()),
            );
            for line in std::fs::read_to_string(&path_file).unwrap().lines() {
                if !line.is_empty() {
                    github_path.push(PathBuf::from(line));
                }
            }
            if ran.code != 0 {
                result.code = ran.code;
                break;
            }
        }
        // The action's outputs are evaluated after its steps, failed or not.
        if let Some(outputs) = action["outputs"].as_hash() {
            for (name, output) in outputs {
                let value = self.evaluate(string(&output["value"]).unwrap(), &inputs, &steps);
                result
                    .outputs
                    .insert(name.as_str().unwrap().to_string(), value);
            }
        }
        result.steps = steps;
        result
    }

    /// The inputs as the action sees them: those given, the declared defaults for the
    /// rest. An input the action does not declare fails the test (a typo in a test).
    fn resolved_inputs(&self, action: &Yaml) -> BTreeMap<String, String> {
        let declared = action["inputs"].as_hash().unwrap();
        for name in self.inputs.keys() {
            assert!(
                declared.contains_key(&Yaml::String(name.clone())),
                "action.yml declares no input `{name}`"
            );
        }
        declared
            .iter()
            .map(|(k, v)| {
                let name = k.as_str().unwrap().to_string();
                let value = self
                    .inputs
                    .get(&name)
                    .cloned()
                    .unwrap_or_else(|| string(&v["default"]).unwrap_or_default().to_string());
                (name, value)
            })
            .collect()
    }

    /// Substitutes each `${{ … }}` in `text`; only the contexts the action uses are known.
    fn evaluate(
        &self,
        text: &str,
        inputs: &BTreeMap<String, String>,
        steps: &BTreeMap<String, BTreeMap<String, String>>,
    ) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${{") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find("}}").unwrap() + start;
            let expr = rest[start + 3..end].trim();
            let value = if let Some(name) = expr.strip_prefix("inputs.") {
                inputs
                    .get(name)
                    .unwrap_or_else(|| panic!("`{expr}`: no such input"))
                    .clone()
            } else if let Some(path) = expr.strip_prefix("steps.") {
                let (step, output) = path.split_once(".outputs.").unwrap();
                steps
                    .get(step)
                    .and_then(|o| o.get(output))
                    .cloned()
                    .unwrap_or_default()
            } else {
                match expr {
                    "github.action_path" => self.action_path.display().to_string(),
                    "runner.temp" => self.temp.display().to_string(),
                    "runner.os" => "Linux".to_string(),
                    "runner.arch" => "X64".to_string(),
                    other => panic!("the miniature runner does not know `{other}`"),
                }
            };
            out.push_str(&value);
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        out
    }
}

/// The GitLab component and a run of its job, as `include: component:` with `inputs:`.
pub struct Gitlab {
    pub inputs: BTreeMap<String, Yaml>,
    /// `$CI_PROJECT_DIR`, the job's working directory; it outlives the run, like a
    /// cache that is restored.
    pub project: PathBuf,
    /// Directories ahead of the system's on the job's PATH.
    pub path: Vec<PathBuf>,
    /// CI/CD variables of the project (such as `SHIPWINDOW_TOKEN`).
    pub variables: BTreeMap<String, String>,
}

pub fn gitlab_template() -> PathBuf {
    repo().join("templates").join("shipwindow.yml")
}

impl Gitlab {
    pub fn new(root: &Path) -> Self {
        let project = root.join("project");
        std::fs::create_dir_all(&project).unwrap();
        Gitlab {
            inputs: BTreeMap::new(),
            project,
            path: Vec::new(),
            variables: BTreeMap::new(),
        }
    }

    pub fn input(mut self, name: &str, value: &str) -> Self {
        self.inputs
            .insert(name.to_string(), Yaml::String(value.to_string()));
        self
    }

    pub fn flag(mut self, name: &str, value: bool) -> Self {
        self.inputs.insert(name.to_string(), Yaml::Boolean(value));
        self
    }

    /// The job after interpolation: its name and its definition.
    pub fn job(&self) -> (String, Yaml) {
        let docs = documents(&gitlab_template());
        assert_eq!(
            docs.len(),
            2,
            "a component is a `spec:` document, `---`, then the jobs"
        );
        let inputs = self.resolved_inputs(&docs[0]["spec"]["inputs"]);
        let jobs = interpolate(&docs[1], &inputs);
        let map = jobs.as_hash().unwrap();
        assert_eq!(map.len(), 1, "the component defines one job");
        let (name, job) = map.iter().next().unwrap();
        (name.as_str().unwrap().to_string(), job.clone())
    }

    /// Runs the job's script the way a runner does in an image whose shell is a POSIX
    /// `sh`: the job's variables in the environment, the script's entries in order,
    /// stopping at the first that fails.
    pub fn run(&self) -> Ran {
        let (_, job) = self.job();
        let mut env = BTreeMap::new();
        let mut path: Vec<String> = self.path.iter().map(|p| p.display().to_string()).collect();
        path.push(SYSTEM_PATH.to_string());
        env.insert("PATH".to_string(), path.join(":"));
        env.insert(
            "HOME".to_string(),
            self.project.join(".home").display().to_string(),
        );
        env.insert("CI".to_string(), "true".to_string());
        env.insert("GITLAB_CI".to_string(), "true".to_string());
        env.insert(
            "CI_PROJECT_DIR".to_string(),
            self.project.display().to_string(),
        );
        env.extend(self.variables.clone());
        for (k, v) in job["variables"].as_hash().unwrap() {
            let value = match v {
                Yaml::String(s) => s.clone(),
                other => panic!(
                    "variable {k:?} is {other:?}: GitLab takes only text as a variable's value"
                ),
            };
            env.insert(k.as_str().unwrap().to_string(), value);
        }
        let body: Vec<&str> = job["script"]
            .as_vec()
            .unwrap()
            .iter()
            .map(|line| line.as_str().unwrap())
            .collect();
        let script_path = self.project.join(".job-script.sh");
        std::fs::write(&script_path, body.join("\n")).unwrap();
        run(
            "/bin/sh",
            &[Path::new("-e"), &script_path],
            &self.project,
            &env,
        )
    }

    /// Given inputs checked against the spec (known, of the declared type), defaults
    /// for the rest; an input with no default must be given.
    fn resolved_inputs(&self, spec: &Yaml) -> BTreeMap<String, Yaml> {
        let declared = spec.as_hash().unwrap();
        for name in self.inputs.keys() {
            assert!(
                declared.contains_key(&Yaml::String(name.clone())),
                "the component declares no input `{name}`"
            );
        }
        declared
            .iter()
            .map(|(k, v)| {
                let name = k.as_str().unwrap().to_string();
                let value = match self.inputs.get(&name) {
                    Some(given) => given.clone(),
                    None => {
                        assert!(
                            !v["default"].is_badvalue(),
                            "input `{name}` has no default and was not given"
                        );
                        v["default"].clone()
                    }
                };
                let kind = string(&v["type"]).unwrap_or("string");
                let fits = match kind {
                    "string" => matches!(value, Yaml::String(_)),
                    "boolean" => matches!(value, Yaml::Boolean(_)),
                    other => panic!("input type `{other}` is not used by the component"),
                };
                assert!(fits, "input `{name}`: {value:?} is not a {kind}");
                (name, value)
            })
            .collect()
    }
}

/// Every `$[[ inputs.NAME ]]` in the document's keys and text replaced as GitLab does:
/// a scalar that is one interpolation alone takes the input's value with its type;
/// inside longer text the value is written as text.
pub fn interpolate(y: &Yaml, inputs: &BTreeMap<String, Yaml>) -> Yaml {
    match y {
        Yaml::String(s) => interpolate_text(s, inputs),
        Yaml::Array(items) => Yaml::Array(items.iter().map(|i| interpolate(i, inputs)).collect()),
        Yaml::Hash(map) => Yaml::Hash(
            map.iter()
                .map(|(k, v)| (interpolate(k, inputs), interpolate(v, inputs)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn interpolate_text(s: &str, inputs: &BTreeMap<String, Yaml>) -> Yaml {
    let mut out = String::new();
    let mut rest = s;
    let mut whole = None;
    while let Some(start) = rest.find("$[[") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("]]").unwrap() + start;
        let expr = rest[start + 3..end].trim();
        let name = expr
            .strip_prefix("inputs.")
            .unwrap_or_else(|| panic!("`{expr}`: only inputs are interpolated"));
        let value = inputs
            .get(name)
            .unwrap_or_else(|| panic!("`$[[ {expr} ]]`: unknown input"));
        if start == 0 && end + 2 == rest.len() && out.is_empty() {
            whole = Some(value.clone());
        }
        match value {
            Yaml::String(v) => out.push_str(v),
            Yaml::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
            other => panic!("input value {other:?}"),
        }
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    whole.unwrap_or(Yaml::String(out))
}
