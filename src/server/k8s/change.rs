//! Whether an admission request changes running code: creating a workload, or
//! updating one whose pod template differs. Scaling, status, labels and other
//! kinds pass without a decision.

use super::review::Request;
use serde_json::Value;

/// The workload kinds the gate decides on, by API group and kind, and where
/// each keeps what its pods run.
const GATED: [(&str, &str, &str); 5] = [
    ("apps", "Deployment", "template"),
    ("apps", "StatefulSet", "template"),
    ("apps", "DaemonSet", "template"),
    ("batch", "CronJob", "jobTemplate"),
    ("argoproj.io", "Rollout", "template"),
];

/// Whether `request` rolls out new pods and so needs a decision.
pub(super) fn changes_running_code(request: &Request) -> bool {
    let Some((_, _, field)) = GATED
        .iter()
        .find(|(group, kind, _)| *group == request.kind.group && *kind == request.kind.kind)
    else {
        return false;
    };
    match request.operation.as_str() {
        "CREATE" => true,
        "UPDATE" => {
            let kind = request.kind.kind.as_str();
            pod_spec_of(request.object.as_ref(), field, kind)
                != pod_spec_of(request.old_object.as_ref(), field, kind)
        }
        _ => false,
    }
}

/// What decides the pods of a workload: `spec.<field>`, and for a Rollout that
/// takes its template from a Deployment, `spec.workloadRef` too.
fn pod_spec_of<'v>(object: Option<&'v Value>, field: &str, kind: &str) -> [Option<&'v Value>; 2] {
    let spec = object.and_then(|o| o.get("spec"));
    let template = spec.and_then(|s| s.get(field));
    let workload_ref = (kind == "Rollout")
        .then(|| spec.and_then(|s| s.get("workloadRef")))
        .flatten();
    [template, workload_ref]
}
