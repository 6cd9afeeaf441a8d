//! The Kubernetes manifests under `deploy/`: each parses as YAML with the fields
//! Kubernetes requires of its kind, they agree with each other (names, labels,
//! ports, mounts), the webhook's rules cover exactly the kinds the server gates,
//! and every path they call answers on the router.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::k8s::{deploy_path, document, documents, router_at};
use crate::support::server::{call_json, call_text};
use axum::http::StatusCode;
use serde_json::{Value, json};
use shipwindow::PolicySet;
use shipwindow::server::Tokens;
use std::collections::BTreeSet;

/// Fri 2026-11-27 17:14 KST: Black Friday, the weekend freeze, outside the window.
const BLACK_FRIDAY: &str = "2026-11-27T08:14:00Z";
/// Mon 2026-11-30 22:00 KST: the weeknight window opens, nothing else blocks.
const IN_WINDOW: &str = "2026-11-30T13:00:00Z";
/// The Service's name inside the cluster, as callers write it.
const SERVICE_HOST: &str = "shipwindow.shipwindow.svc";

/// Every manifest file under `deploy/`, relative to it.
fn manifest_files() -> Vec<String> {
    let mut files = Vec::new();
    for dir in ["kubernetes", "argo-rollouts"] {
        for entry in std::fs::read_dir(deploy_path(dir)).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            assert!(
                name.ends_with(".yaml"),
                "deploy/{dir}/{name}: manifests are .yaml"
            );
            files.push(format!("{dir}/{name}"));
        }
    }
    files.sort();
    files
}

/// The apiVersion each kind is written in, and whether it lives in a namespace.
fn schema_of(kind: &str) -> Option<(&'static str, bool)> {
    Some(match kind {
        "Namespace" => ("v1", false),
        "ConfigMap" | "Service" => ("v1", true),
        "Deployment" => ("apps/v1", true),
        "PodDisruptionBudget" => ("policy/v1", true),
        "NetworkPolicy" => ("networking.k8s.io/v1", true),
        "ValidatingWebhookConfiguration" => ("admissionregistration.k8s.io/v1", false),
        "Canary" => ("flagger.app/v1beta1", true),
        "AnalysisTemplate" | "Rollout" => ("argoproj.io/v1alpha1", true),
        _ => return None,
    })
}

/// A DNS-1123 subdomain, what most object names must be.
fn is_dns_subdomain(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !part.starts_with('-')
                && !part.ends_with('-')
        })
}

#[test]
fn every_manifest_has_the_fields_kubernetes_requires_of_its_kind() {
    // What kustomization.yaml applies: shipwindow's own objects.
    let own: Vec<String> = document("kubernetes/kustomization.yaml")["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| format!("kubernetes/{}", r.as_str().unwrap()))
        .collect();
    let own: Vec<&str> = own.iter().map(String::as_str).collect();
    for file in manifest_files() {
        if file == "kubernetes/kustomization.yaml" {
            continue; // kustomize's own file, checked below
        }
        for doc in documents(&file) {
            let kind = doc["kind"]
                .as_str()
                .unwrap_or_else(|| panic!("{file}: no kind"));
            let (api_version, namespaced) = schema_of(kind)
                .unwrap_or_else(|| panic!("{file}: a kind this test does not know: {kind}"));
            assert_eq!(doc["apiVersion"], api_version, "{file}: {kind}");
            let name = doc["metadata"]["name"].as_str().unwrap_or("");
            assert!(is_dns_subdomain(name), "{file}: {kind} name `{name}`");
            let namespace = &doc["metadata"]["namespace"];
            if !namespaced {
                assert!(namespace.is_null(), "{file}: {kind} is cluster-wide");
            } else if own.contains(&file.as_str()) {
                assert_eq!(namespace, "shipwindow", "{file}: {kind} `{name}`");
            }
            // The examples and the AnalysisTemplate go into a workload's namespace.
        }
    }
}

#[test]
fn the_kustomization_lists_every_manifest_but_the_examples() {
    let kustomization = document("kubernetes/kustomization.yaml");
    assert_eq!(
        kustomization["apiVersion"],
        "kustomize.config.k8s.io/v1beta1"
    );
    assert_eq!(kustomization["kind"], "Kustomization");
    let listed: BTreeSet<String> = kustomization["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| format!("kubernetes/{}", r.as_str().unwrap()))
        .collect();
    let expected: BTreeSet<String> = manifest_files()
        .into_iter()
        .filter(|f| f.starts_with("kubernetes/"))
        .filter(|f| f != "kubernetes/kustomization.yaml" && f != "kubernetes/flagger-canary.yaml")
        .collect();
    assert_eq!(listed, expected);
}

fn deployment() -> Value {
    document("kubernetes/deployment.yaml")
}

fn container(deployment: &Value) -> &Value {
    let containers = deployment["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap();
    assert_eq!(containers.len(), 1);
    &containers[0]
}

/// The value after `flag` in the container's arguments.
fn flag<'a>(args: &'a [&'a str], name: &str) -> &'a str {
    let at = args
        .iter()
        .position(|a| *a == name)
        .unwrap_or_else(|| panic!("no {name} in {args:?}"));
    args.get(at + 1)
        .unwrap_or_else(|| panic!("{name} has no value"))
}

/// The volume mounted at the directory holding `path`, and that volume.
fn volume_holding<'a>(deployment: &'a Value, path: &str) -> (&'a Value, String) {
    let mount = container(deployment)["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| path.starts_with(m["mountPath"].as_str().unwrap()))
        .max_by_key(|m| m["mountPath"].as_str().unwrap().len())
        .unwrap_or_else(|| panic!("nothing is mounted where `{path}` is"));
    let name = &mount["name"];
    let volume = deployment["spec"]["template"]["spec"]["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == *name)
        .unwrap_or_else(|| panic!("no volume {name}"));
    let mount_path = mount["mountPath"].as_str().unwrap();
    let rest = path[mount_path.len()..].trim_start_matches('/').to_string();
    (volume, rest)
}

/// The flags `serve` takes, as its help lists them.
fn serve_flags() -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_shipwindow"))
        .args(["serve", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_deployment_runs_two_ready_replicas_over_tls_with_its_policy_and_tokens_mounted() {
    let deployment = deployment();
    let spec = &deployment["spec"];
    assert_eq!(spec["replicas"], 2);
    let labels = &spec["template"]["metadata"]["labels"];
    for (k, v) in spec["selector"]["matchLabels"].as_object().unwrap() {
        assert_eq!(&labels[k], v, "the selector matches the pods' labels");
    }
    let container = container(&deployment);
    let args: Vec<&str> = container["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(args[2], "serve", "{args:?}");

    // Listening where the container port is, and probed on /healthz over HTTPS.
    let port = container["ports"][0]["containerPort"].as_i64().unwrap();
    let port_name = container["ports"][0]["name"].as_str().unwrap();
    assert_eq!(flag(&args, "--listen"), format!("0.0.0.0:{port}"));
    for probe in ["readinessProbe", "livenessProbe"] {
        let get = &container[probe]["httpGet"];
        assert_eq!(get["path"], "/healthz", "{probe}");
        assert_eq!(get["scheme"], "HTTPS", "{probe}");
        assert_eq!(get["port"], port_name, "{probe}");
    }

    // The policy from the ConfigMap, read as a directory.
    let configmap = document("kubernetes/configmap-policies.yaml");
    let (volume, rest) = volume_holding(&deployment, flag(&args, "--policies"));
    assert_eq!(volume["configMap"]["name"], configmap["metadata"]["name"]);
    assert_eq!(rest, "", "--policies is the mounted directory itself");
    // The TLS pair from a kubernetes.io/tls Secret's own keys.
    for (name, key) in [("--tls-cert", "tls.crt"), ("--tls-key", "tls.key")] {
        let (volume, rest) = volume_holding(&deployment, flag(&args, name));
        assert_eq!(volume["secret"]["secretName"], "shipwindow-tls", "{name}");
        assert_eq!(rest, key, "{name}");
    }
    // Tokens from a Secret.
    let (volume, rest) = volume_holding(&deployment, flag(&args, "--tokens-file"));
    assert_eq!(volume["secret"]["secretName"], "shipwindow-tokens");
    assert_eq!(rest, "tokens");
    // State on a writable volume (the root file system is read-only).
    let (volume, _) = volume_holding(&deployment, flag(&args, "--state-dir"));
    assert!(volume["emptyDir"].is_object(), "{volume}");
    assert_eq!(container["securityContext"]["readOnlyRootFilesystem"], true);
    assert!(args.contains(&"--watch"), "ConfigMap edits are picked up");

    let help = serve_flags();
    for arg in args.iter().skip(3).filter(|a| a.starts_with("--")) {
        assert!(
            help.contains(&format!("{arg} ")),
            "`serve` has no flag {arg}"
        );
    }
    assert!(help.contains("--policies "), "a global flag before `serve`");
}

#[test]
fn the_service_sends_443_to_the_pods_https_port() {
    let deployment = deployment();
    let service = document("kubernetes/service.yaml");
    assert_eq!(
        format!(
            "{}.{}.svc",
            service["metadata"]["name"].as_str().unwrap(),
            service["metadata"]["namespace"].as_str().unwrap()
        ),
        SERVICE_HOST
    );
    let labels = &deployment["spec"]["template"]["metadata"]["labels"];
    for (k, v) in service["spec"]["selector"].as_object().unwrap() {
        assert_eq!(&labels[k], v, "the Service selects the pods");
    }
    let port = &service["spec"]["ports"][0];
    assert_eq!(port["port"], 443);
    assert_eq!(
        port["targetPort"],
        container(&deployment)["ports"][0]["name"]
    );
    let pdb = document("kubernetes/poddisruptionbudget.yaml");
    assert_eq!(pdb["spec"]["minAvailable"], 1);
    assert_eq!(
        pdb["spec"]["selector"]["matchLabels"],
        deployment["spec"]["selector"]["matchLabels"]
    );
}

fn webhook() -> Value {
    let config = document("kubernetes/validating-webhook.yaml");
    let hooks = config["webhooks"].as_array().unwrap();
    assert_eq!(hooks.len(), 1);
    hooks[0].clone()
}

#[test]
fn the_webhook_is_v1_fails_closed_within_5_seconds_and_is_opted_into_by_label() {
    let hook = webhook();
    // A webhook's name is a fully qualified name of three or more segments.
    let name = hook["name"].as_str().unwrap();
    assert!(
        is_dns_subdomain(name) && name.split('.').count() >= 3,
        "{name}"
    );
    assert_eq!(hook["admissionReviewVersions"], json!(["v1"]));
    assert_eq!(hook["failurePolicy"], "Fail");
    assert_eq!(hook["timeoutSeconds"], 5);
    assert_eq!(hook["sideEffects"], "NoneOnDryRun");
    assert_eq!(
        hook["namespaceSelector"],
        json!({"matchLabels": {"shipwindow.io/gate": "enabled"}})
    );
    let client = &hook["clientConfig"];
    assert!(client["url"].is_null(), "called through the Service");
    let service = document("kubernetes/service.yaml");
    assert_eq!(client["service"]["name"], service["metadata"]["name"]);
    assert_eq!(
        client["service"]["namespace"],
        service["metadata"]["namespace"]
    );
    assert_eq!(
        client["service"]["port"],
        service["spec"]["ports"][0]["port"]
    );
    assert_eq!(client["service"]["path"], "/v1/k8s/admission");
    // A placeholder that is not base64, so the file cannot be applied unfilled.
    let ca = client["caBundle"].as_str().unwrap();
    assert!(ca.contains('_'), "{ca}");
}

/// `(group, kind)` of every kind `src/server/k8s/change.rs` gates, read from
/// its `GATED` table.
fn gated_by_the_server() -> BTreeSet<(String, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/server/k8s/change.rs");
    let source = std::fs::read_to_string(path).unwrap();
    let table = source
        .split_once("const GATED")
        .unwrap()
        .1
        .split_once("];")
        .unwrap()
        .0;
    let gated: BTreeSet<(String, String)> = table
        .lines()
        .filter_map(|line| {
            let row = line.trim().strip_prefix("(\"")?;
            let fields: Vec<&str> = row.split('"').filter(|f| !f.contains(',')).collect();
            Some((fields[0].to_string(), fields[1].to_string()))
        })
        .collect();
    assert!(gated.len() >= 5, "read the table: {gated:?}");
    gated
}

/// `(group, version, resource)` of every rule of the webhook, each with exactly
/// CREATE and UPDATE.
fn rules() -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for rule in webhook()["rules"].as_array().unwrap() {
        assert_eq!(rule["operations"], json!(["CREATE", "UPDATE"]), "{rule}");
        assert_eq!(rule["scope"], "Namespaced", "{rule}");
        let all = |key: &str| -> Vec<String> {
            rule[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect()
        };
        for group in all("apiGroups") {
            for version in all("apiVersions") {
                for resource in all("resources") {
                    assert!(!resource.contains('/'), "no subresources: {resource}");
                    out.push((group.clone(), version.clone(), resource));
                }
            }
        }
    }
    out
}

/// An AdmissionReview creating an object of this kind, shaped as the API server
/// sends it (the Deployment fixture, retyped).
fn create_review(group: &str, version: &str, kind: &str, resource: &str) -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/k8s/deployment-image-update.json"
    );
    let mut review: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let request = &mut review["request"];
    request["operation"] = json!("CREATE");
    request["kind"] = json!({"group": group, "version": version, "kind": kind});
    request["resource"] = json!({"group": group, "version": version, "resource": resource});
    request["requestKind"] = request["kind"].clone();
    request["requestResource"] = request["resource"].clone();
    request["oldObject"] = Value::Null;
    let api_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    request["object"]["apiVersion"] = json!(api_version);
    request["object"]["kind"] = json!(kind);
    request["options"] = json!({"kind": "CreateOptions", "apiVersion": "meta.k8s.io/v1"});
    review
}

/// What the API server sends is what the server gates: the rules name the
/// plural of each gated kind, nothing else, and each such review is decided
/// (denied in a freeze) while the kinds left out pass.
#[tokio::test]
async fn the_webhook_rules_cover_exactly_the_kinds_the_server_gates() {
    let gated = gated_by_the_server();
    let rules = rules();
    let plural = |kind: &str| format!("{}s", kind.to_lowercase());
    let from_rules: BTreeSet<(String, String)> = rules
        .iter()
        .map(|(g, _, r)| (g.clone(), r.clone()))
        .collect();
    let from_server: BTreeSet<(String, String)> =
        gated.iter().map(|(g, k)| (g.clone(), plural(k))).collect();
    assert_eq!(from_rules, from_server);

    let router = router_at(BLACK_FRIDAY, Tokens::from_sources(None, None));
    for (group, version, resource) in &rules {
        let (_, kind) = gated
            .iter()
            .find(|(g, k)| g == group && plural(k) == *resource)
            .unwrap();
        let review = create_review(group, version, kind, resource);
        let (status, answer) = call_json(&router, "POST", "/v1/k8s/admission", Some(review)).await;
        assert_eq!(status, StatusCode::OK, "{kind}: {answer}");
        assert_eq!(
            answer["response"]["allowed"], false,
            "{kind} is gated: {answer}"
        );
    }
    for (group, kind, resource) in [
        ("", "Pod", "pods"),
        ("apps", "ReplicaSet", "replicasets"),
        ("batch", "Job", "jobs"),
        ("", "ConfigMap", "configmaps"),
    ] {
        assert!(
            !from_rules.contains(&(group.to_string(), resource.to_string())),
            "{kind}"
        );
        let review = create_review(group, "v1", kind, resource);
        let (_, answer) = call_json(&router, "POST", "/v1/k8s/admission", Some(review)).await;
        assert_eq!(
            answer["response"]["allowed"], true,
            "{kind} passes: {answer}"
        );
    }
}

/// The ConfigMap's files are the bundled policies (without the strategies) and
/// load as a policy set from a directory, as the pods read them.
#[test]
fn the_configmap_holds_the_bundled_policies_and_loads() {
    let configmap = document("kubernetes/configmap-policies.yaml");
    let data = configmap["data"].as_object().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bundled = concat!(env!("CARGO_MANIFEST_DIR"), "/policies");
    for (key, text) in data {
        assert!(key.ends_with(".toml"), "{key}");
        let text = text.as_str().unwrap();
        let original = std::fs::read_to_string(format!("{bundled}/{key}")).unwrap();
        assert_eq!(text, original, "{key} differs from policies/{key}");
        std::fs::write(dir.path().join(key), text).unwrap();
    }
    assert!(!data.contains_key("strategies.toml"));
    let policy = PolicySet::load(dir.path()).unwrap();
    let names =
        |set: &PolicySet| -> Vec<String> { set.rules.iter().map(|r| r.name.clone()).collect() };
    let everything = PolicySet::load(std::path::Path::new(bundled)).unwrap();
    assert_eq!(
        names(&policy),
        names(&everything),
        "every rule, none but strategies left out"
    );
}

#[test]
fn the_network_policy_admits_only_named_callers_on_the_pods_port() {
    let policy = document("kubernetes/networkpolicy.yaml");
    let deployment = deployment();
    assert_eq!(
        policy["spec"]["podSelector"]["matchLabels"],
        deployment["spec"]["selector"]["matchLabels"]
    );
    assert_eq!(policy["spec"]["policyTypes"], json!(["Ingress"]));
    let port = container(&deployment)["ports"][0]["containerPort"].clone();
    let rules = policy["spec"]["ingress"].as_array().unwrap();
    assert!(!rules.is_empty());
    for rule in rules {
        // A rule without `from` (or with an empty one) would admit everyone.
        let from = rule["from"].as_array().unwrap();
        assert!(!from.is_empty(), "{rule}");
        for peer in from {
            assert!(
                peer["ipBlock"]["cidr"].is_string()
                    || peer["namespaceSelector"]["matchLabels"].is_object(),
                "{peer}"
            );
            assert_ne!(peer["ipBlock"]["cidr"], "0.0.0.0/0", "{rule}");
        }
        assert_eq!(rule["ports"], json!([{"port": port, "protocol": "TCP"}]));
    }
}

/// The paths the manifests call, on the scheme and host they name, answer on
/// the router as their callers expect.
#[tokio::test]
async fn every_path_the_manifests_call_exists_on_the_router() {
    let open = router_at(IN_WINDOW, Tokens::from_sources(None, None));
    let base = format!("https://{SERVICE_HOST}");

    let (status, health) = call_json(&open, "GET", "/healthz", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(health["status"], "ok");

    let path = webhook()["clientConfig"]["service"]["path"]
        .as_str()
        .unwrap()
        .to_string();
    let review = create_review("apps", "v1", "Deployment", "deployments");
    let (status, answer) = call_json(&open, "POST", &path, Some(review)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["response"]["allowed"], true, "{answer}");

    let template = document("argo-rollouts/analysis-template.yaml");
    let default_url = template["spec"]["args"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "shipwindow-url")
        .unwrap()["value"]
        .clone();
    assert_eq!(default_url, base.as_str());

    // Flagger: the Canary's own name and namespace, its webhook's metadata.
    let canary = document("kubernetes/flagger-canary.yaml");
    let hooks = canary["spec"]["analysis"]["webhooks"].as_array().unwrap();
    let types: BTreeSet<&str> = hooks.iter().map(|h| h["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        BTreeSet::from(["confirm-rollout", "confirm-promotion"])
    );
    for hook in hooks {
        let url = hook["url"].as_str().unwrap();
        let path = url
            .strip_prefix(base.as_str())
            .unwrap_or_else(|| panic!("{url}"));
        assert_eq!(path, "/v1/gates/flagger");
        let token = hook["metadata"]["token"].as_str().unwrap();
        let payload = |metadata: &Value| {
            json!({"name": canary["metadata"]["name"], "namespace": canary["metadata"]["namespace"],
                   "phase": "Progressing", "checksum": "6d5b4c8f9", "type": hook["type"],
                   "metadata": metadata})
        };
        for (now, want) in [
            (IN_WINDOW, StatusCode::OK),
            (BLACK_FRIDAY, StatusCode::LOCKED),
        ] {
            let router = router_at(now, Tokens::from_sources(Some(token), None));
            let (status, body) =
                call_text(&router, "POST", path, Some(payload(&hook["metadata"]))).await;
            assert_eq!(status, want, "{} at {now}: {body}", hook["type"]);
            assert!(body.contains("web to prod"), "{body}");
        }
    }
}
