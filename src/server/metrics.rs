//! Prometheus metrics for `GET /metrics`: decisions by verdict and by blocking
//! rule, API latency, policy reloads, audit-log writes and store syncs, and gauges for a
//! degraded server and the runtime freezes in force. Every label comes from a
//! fixed list or from the policy files' rule names, never from a caller (a
//! service, an env, a path) or a runtime freeze's id, so the number of series
//! stays bounded however many requests and freezes come. Counters whose label
//! values are known start at zero, so `increase()` sees their first event.
//! Written as OpenMetrics text, or as Prometheus text 0.0.4 for a scraper that
//! asks for it.

use crate::eval::Decision;
use crate::policy::PolicySet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
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
    store_syncs: Family<Labels, Counter>,
    degraded: Gauge,
    runtime_freezes_active: Gauge,
    reservations_active: Gauge,
}

/// The two text formats `/metrics` speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exposition {
    /// `application/openmetrics-text; version=1.0.0`.
    OpenMetrics,
    /// `text/plain; version=0.0.4`, the classic Prometheus format.
    Prometheus,
}

impl Exposition {
    pub fn content_type(self) -> &'static str {
        match self {
            Exposition::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
            Exposition::Prometheus => "text/plain; version=0.0.4; charset=utf-8",
        }
    }

    /// The format an `Accept` header prefers: the one with the higher quality
    /// (`q`) among those it names; OpenMetrics when it names neither, names both
    /// alike, or is absent (what this server has always answered).
    pub fn negotiate(accept: Option<&str>) -> Exposition {
        let Some(accept) = accept else {
            return Exposition::OpenMetrics;
        };
        let (mut open, mut plain) = (None::<f32>, None::<f32>);
        for range in accept.split(',') {
            let mut parts = range.split(';').map(str::trim);
            let media = parts.next().unwrap_or_default().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")))
                .find_map(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let slot = match media.as_str() {
                "application/openmetrics-text" => &mut open,
                "text/plain" => &mut plain,
                _ => continue,
            };
            *slot = Some(slot.map_or(q, |old| old.max(q)));
        }
        match (open, plain) {
            (None, Some(p)) if p > 0.0 => Exposition::Prometheus,
            (Some(o), Some(p)) if p > o => Exposition::Prometheus,
            _ => Exposition::OpenMetrics,
        }
    }
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
        let store_syncs = Family::<Labels, Counter>::default();
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
        registry.register(
            "store_syncs",
            "Reads of the store's shared state into the served policy (on a change \
             notification, after reconnecting, or periodically), by outcome",
            store_syncs.clone(),
        );
        let degraded = Gauge::default();
        registry.register(
            "degraded",
            "1 while the last policy reload or state database write failed, or the \
             served state may be behind the store, else 0",
            degraded.clone(),
        );
        let runtime_freezes_active = Gauge::default();
        registry.register(
            "runtime_freezes_active",
            "Runtime freezes in force now",
            runtime_freezes_active.clone(),
        );
        let reservations_active = Gauge::default();
        registry.register(
            "reservations_active",
            "Reservations booked and not yet expired (released ones not counted)",
            reservations_active.clone(),
        );
        for outcome in ["ok", "failed"] {
            let labels = vec![("outcome", outcome.to_string())];
            // Created at zero; the guard is only a view of the series.
            drop(reloads.get_or_create(&labels));
            drop(audit_writes.get_or_create(&labels));
            drop(store_syncs.get_or_create(&labels));
        }
        drop(blocked.get_or_create(&vec![
            ("rule", RUNTIME_RULE_LABEL.to_string()),
            ("kind", "freeze".to_string()),
        ]));
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
            store_syncs,
            degraded,
            runtime_freezes_active,
            reservations_active,
        }
    }
}

/// What the gauges show, read from the server's state at each scrape.
pub struct Readings {
    pub degraded: bool,
    /// Runtime freezes in force now.
    pub runtime_freezes_active: usize,
    /// Reservations booked and not yet expired.
    pub reservations_active: usize,
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

    /// Counts one read of the store into the served policy.
    pub fn store_sync(&self, ok: bool) {
        let outcome = if ok { "ok" } else { "failed" };
        self.store_syncs
            .get_or_create(&vec![("outcome", outcome.to_string())])
            .inc();
    }

    /// Sets the gauges and starts the blocking counters of the policy files'
    /// rules at zero (a reload may bring new ones; their number is the files').
    pub fn observe(&self, readings: &Readings, files: &PolicySet) {
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        self.degraded.set(i64::from(readings.degraded));
        self.runtime_freezes_active
            .set(count(readings.runtime_freezes_active));
        self.reservations_active
            .set(count(readings.reservations_active));
        for rule in files.rules.iter().filter(|r| !r.origin.is_runtime()) {
            let kind = match rule.kind {
                crate::policy::RuleKind::Window => "window",
                crate::policy::RuleKind::Freeze => "freeze",
                crate::policy::RuleKind::Market => "market",
            };
            let labels = vec![("rule", rule.name.clone()), ("kind", kind.to_string())];
            drop(self.blocked.get_or_create(&labels));
        }
    }

    /// The text exposition in `format`.
    pub fn render(&self, format: Exposition) -> String {
        let mut out = String::new();
        if encode(&mut out, &self.registry).is_err() {
            out = "# EOF\n".into();
        }
        match format {
            Exposition::OpenMetrics => out,
            Exposition::Prometheus => to_prometheus_text(&out),
        }
    }
}

/// OpenMetrics text as Prometheus text 0.0.4: a counter's `HELP` and `TYPE`
/// name its samples' `_total` name, and the lines 0.0.4 does not have (`UNIT`,
/// `# EOF`) are left out. Samples are written alike in both.
fn to_prometheus_text(openmetrics: &str) -> String {
    let counters: Vec<&str> = openmetrics
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.strip_suffix(" counter"))
        .collect();
    let mut out = String::with_capacity(openmetrics.len());
    for line in openmetrics.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        let renamed = ["# HELP ", "# TYPE "].iter().find_map(|head| {
            let rest = line.strip_prefix(head)?;
            let (name, tail) = rest.split_once(' ')?;
            counters
                .contains(&name)
                .then(|| format!("{head}{name}_total {tail}"))
        });
        match renamed {
            Some(line) => out.push_str(&line),
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}
