//! `/v1/openapi.json` as clients use it: valid OpenAPI 3.1 (checked by the
//! PyPI validator `openapi-spec-validator` against a real server, with a client
//! built from the document calling `/v1/check`), and the points a validator
//! does not see: every operation has its own id, query parameters are declared
//! in the query, and fields always present are required.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::server::{Server, bundled};
use serde_json::Value;
use shipwindow::server::ApiDoc;
use std::collections::BTreeSet;
use std::path::Path;
use utoipa::OpenApi;

fn document() -> Value {
    serde_json::to_value(ApiDoc::openapi()).unwrap()
}

#[test]
fn operation_ids_are_unique_and_parameters_are_where_they_are_sent() {
    let doc = document();
    let mut ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap();
            assert!(ids.insert(id.to_string()), "{method} {path}: `{id}` twice");
            for p in op["parameters"].as_array().into_iter().flatten() {
                // A path parameter must appear in the path as `{name}`.
                if p["in"] == "path" {
                    let name = p["name"].as_str().unwrap();
                    assert!(
                        path.contains(&format!("{{{name}}}")),
                        "{method} {path}: `{name}` is not in the path"
                    );
                }
            }
        }
    }
    let calendar = &doc["paths"]["/v1/calendar.ics"]["get"]["parameters"];
    let declared: Vec<(&str, &str, bool)> = calendar
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap(),
                p["in"].as_str().unwrap(),
                p["required"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    assert_eq!(
        declared,
        [
            ("service", "query", true),
            ("env", "query", true),
            ("days", "query", false),
            ("change", "query", false),
            ("open", "query", false),
            ("token", "query", false),
        ]
    );
}

#[test]
fn fields_always_present_or_always_needed_are_required() {
    let doc = document();
    let required = |schema: &str| -> Vec<String> {
        doc["components"]["schemas"][schema]["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    // A decision always carries next_allowed and free_until (null or a time).
    let decision = required("Decision");
    for field in ["next_allowed", "free_until"] {
        assert!(decision.iter().any(|f| f == field), "{decision:?}");
    }
    // A request needs a service and an env, in a body or a query.
    assert_eq!(required("RequestText"), ["service", "env"]);
    for path in ["/v1/check", "/v1/next", "/v1/windows"] {
        let params = doc["paths"][path]["get"]["parameters"].as_array().unwrap();
        for name in ["service", "env"] {
            let p = params.iter().find(|p| p["name"] == name).unwrap();
            assert_eq!(p["required"], true, "{path} {name}");
            assert_eq!(p["schema"]["type"], "string", "{path} {name}");
        }
    }
}

#[test]
#[ignore = "needs python3 with openapi-spec-validator; scripts/test.sh installs it and runs it"]
fn the_document_validates_and_a_client_built_from_it_calls_check() {
    let state = tempfile::tempdir().unwrap();
    let server = Server::start(&bundled(), state.path(), &[]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/openapi/validate_and_call.py");
    let out = std::process::Command::new("python3")
        .arg(script)
        .arg(format!("http://127.0.0.1:{}", server.port))
        .output()
        .expect("python3 runs");
    let (code, log) = server.stop();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}\nserver: {code:?} {log}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("ok: "),
        "{out:?}"
    );
}
