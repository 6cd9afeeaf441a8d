//! GitHub's runner in miniature: `action.yml` run step by step the way the runner runs
//! a composite action — inputs and expressions evaluated into each step's `env:`, the
//! step's script run by `bash -eo pipefail` with its own `$GITHUB_OUTPUT`,
//! `$GITHUB_STEP_SUMMARY` and `$GITHUB_PATH`, the action's outputs evaluated after.
//! It knows only what the action uses and refuses anything else, so that a test never
//! passes on a feature the miniature skipped.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test should fail loudly at the failing step"
)]
#![allow(dead_code, reason = "each test file uses the helpers it needs")]

use super::ci::{SYSTEM_PATH, documents, repo, run, string};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use yaml_rust2::Yaml;

pub fn action_yml() -> Yaml {
    let mut docs = documents(&repo().join("action.yml"));
    assert_eq!(docs.len(), 1, "action.yml is one YAML document");
    docs.remove(0)
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
    /// The directories the steps added to the job's PATH (`$GITHUB_PATH`), in order.
    pub added_path: Vec<PathBuf>,
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
            added_path: Vec::new(),
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
            // No `INPUT_*` variables: the runner sets them for JavaScript and Docker
            // actions, not for a composite action's steps, whose only way to an input
            // is an expression (here, in `env:`).
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
        result.added_path = github_path;
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
