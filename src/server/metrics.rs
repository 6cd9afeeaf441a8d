//! Prometheus metrics for `GET /metrics` (OpenMetrics text): decisions by verdict
//! and by blocking rule, API latency, policy reloads and audit-log writes. Every
//! label comes from a fixed list or from the policy files' rule names, never from
//! a caller (a service, an env, a path) or a runtime freeze's id, so the number of
//! series stays bounded however many requests and freezes come.

use crate::eval::Decision;
use crate::policy::PolicySet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

type Labels = Vec<(&'static str, String)>;

/// The `rule` label of every runtime freeze: one series for all of them, since
/// each has its own id and they come and go without bound.
const RUNTIME_RULE_LABEL: &str = "runtime";

/// Round bucket bounds (seconds), so the exposition reads cleanly.
const LATENCY_BUCKETS: [f64; 17] = [
    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
    1.0, 2.5, 5.0, 10.0,
];

pub struct Metrics {
    registry: Registry,
    /// The `decisions` counters for allow, override and deny, looked up once:
    /// a decision is counted on every check.
    verdicts: [Counter; 3],
    blocked: Family<Labels, Counter>,
    latency: Histogram,
    reloads: Family<Labels, Counter>,
    audit_writes: Family<Labels, Counter>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        let mut registry = Registry::with_prefix("shipwindow");
        let decisions = Family::<Labels, Counter>::default();
        let blocked = Family::<Labels, Counter>::default();
        // 50 µs to 10 s: a decision takes microseconds, a stuck request seconds.
        let latency = Histogram::new(LATENCY_BUCKETS);
        let reloads = Family::<Labels, Counter>::default();
        let audit_writes = Family::<Labels, Counter>::default();
        registry.register(
            "decisions",
            "Decisions answered, by verdict",
            decisions.clone(),
        );
        registry.register(
            "blocked",
            "Blocking rules reported in decisions, by rule and kind",
            blocked.clone(),
        );
        registry.register(
            "request_duration_seconds",
            "Time to answer a /v1 request",
            latency.clone(),
        );
        registry.register("reloads", "Policy reloads, by outcome", reloads.clone());
        registry.register(
            "audit_writes",
            "Audit log entries written, by outcome",
            audit_writes.clone(),
        );
        let verdicts = ["allow", "override", "deny"].map(|v| {
            decisions
                .get_or_create(&vec![("verdict", v.to_string())])
                .clone()
        });
        Metrics {
            registry,
            verdicts,
            blocked,
            latency,
            reloads,
            audit_writes,
        }
    }
}

impl Metrics {
    /// Counts `d`, made with `policy` (which tells a runtime freeze's rule from
    /// a file's by its origin).
    pub fn decision(&self, d: &Decision, policy: &PolicySet) {
        let verdict = match d.verdict {
            crate::eval::Verdict::Allow => &self.verdicts[0],
            crate::eval::Verdict::Override => &self.verdicts[1],
            crate::eval::Verdict::Deny => &self.verdicts[2],
        };
        verdict.inc();
        for b in &d.blocked_by {
            let runtime = policy.runtime_rules().any(|r| r.name == b.rule);
            let rule = if runtime {
                RUNTIME_RULE_LABEL.to_string()
            } else {
                b.rule.clone()
            };
            let labels = vec![("rule", rule), ("kind", b.kind.as_str().to_string())];
            self.blocked.get_or_create(&labels).inc();
        }
    }

    pub fn latency(&self, seconds: f64) {
        self.latency.observe(seconds);
    }

    pub fn reload(&self, ok: bool) {
        let outcome = if ok { "ok" } else { "failed" };
        self.reloads
            .get_or_create(&vec![("outcome", outcome.to_string())])
            .inc();
    }

    pub fn audit_write(&self, ok: bool) {
        let outcome = if ok { "ok" } else { "failed" };
        self.audit_writes
            .get_or_create(&vec![("outcome", outcome.to_string())])
            .inc();
    }

    /// The OpenMetrics text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        match encode(&mut out, &self.registry) {
            Ok(()) => out,
            Err(_) => "# EOF\n".into(),
        }
    }
}
