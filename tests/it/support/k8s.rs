//! What the Kubernetes tests share: a router on the bundled policies at a fixed
//! time, and the manifests under `deploy/` read as YAML documents (turned into
//! JSON values, so a missing field reads as `null` rather than panicking).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]
#![allow(dead_code, reason = "each test file uses the helpers it needs")]

use crate::support::server::bundled;
use serde_json::{Map, Value};
use shipwindow::PolicySet;
use shipwindow::clock::ManualClock;
use shipwindow::server::{AppState, Tokens, app};
use shipwindow::store::Store;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use yaml_rust2::{Yaml, YamlLoader};

/// A server state on the policies in `dir`, with an in-memory store and a
/// clock stopped at `now` (RFC 3339).
pub fn state_on(dir: &Path, now: &str) -> AppState {
    let now = chrono::DateTime::parse_from_rfc3339(now).unwrap().to_utc();
    let policy = PolicySet::load(dir).unwrap();
    AppState::new(policy, Store::in_memory().unwrap())
        .unwrap()
        .with_clock(Arc::new(ManualClock::new(now)))
}

/// The routes on the policies in `dir`, with a clock stopped at `now` (RFC 3339).
pub fn router_on(dir: &Path, now: &str, tokens: Tokens) -> axum::Router {
    app(Arc::new(state_on(dir, now)), tokens)
}

/// An AdmissionReview kept in `tests/fixtures/k8s/`.
pub fn review_fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/k8s/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The routes on the bundled policies at `now`.
pub fn router_at(now: &str, tokens: Tokens) -> axum::Router {
    router_on(&bundled(), now, tokens)
}

/// `deploy/<relative>` in the repository.
pub fn deploy_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("deploy")
        .join(relative)
}

/// Every YAML document of `deploy/<relative>`, as JSON.
pub fn documents(relative: &str) -> Vec<Value> {
    let path = deploy_path(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let docs = YamlLoader::load_from_str(&text)
        .unwrap_or_else(|e| panic!("{}: not YAML: {e}", path.display()));
    docs.iter()
        .map(|d| to_json(d).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .collect()
}

/// The one document of `deploy/<relative>`.
pub fn document(relative: &str) -> Value {
    let mut docs = documents(relative);
    assert_eq!(docs.len(), 1, "{relative}: one document expected");
    docs.remove(0)
}

/// A YAML node as JSON: mapping keys must be strings (Kubernetes' are), and a
/// node the loader could not read is an error rather than a silent null.
fn to_json(yaml: &Yaml) -> Result<Value, String> {
    Ok(match yaml {
        Yaml::Null => Value::Null,
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Integer(i) => Value::from(*i),
        Yaml::Real(text) => {
            let f: f64 = text
                .parse()
                .map_err(|_| format!("`{text}` is not a number"))?;
            Value::from(f)
        }
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Array(items) => Value::Array(items.iter().map(to_json).collect::<Result<_, _>>()?),
        Yaml::Hash(hash) => {
            let mut map = Map::new();
            for (k, v) in hash {
                let Yaml::String(key) = k else {
                    return Err(format!("a mapping key that is not a string: {k:?}"));
                };
                if map.insert(key.clone(), to_json(v)?).is_some() {
                    return Err(format!("the key `{key}` twice"));
                }
            }
            Value::Object(map)
        }
        Yaml::Alias(_) | Yaml::BadValue => return Err(format!("an unreadable node: {yaml:?}")),
    })
}
