//! GitLab's runner in miniature: the component's `spec:` inputs checked and
//! interpolated into its job as GitLab does, then the job's script run by a POSIX
//! `sh -e` with its variables. It knows only what the component uses and refuses
//! anything else.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test should fail loudly at the failing step"
)]
#![allow(dead_code, reason = "each test file uses the helpers it needs")]

use super::ci::{Ran, SYSTEM_PATH, documents, repo, run, string};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use yaml_rust2::Yaml;

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
