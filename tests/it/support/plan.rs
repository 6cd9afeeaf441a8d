//! Helpers shared by the strategy-plan tests (tests/it/plan.rs and
//! tests/it/plan_compare.rs): the instant both plan from, short ways to write
//! times and durations, a policy directory, and reading the binary's output.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]
#![allow(dead_code, reason = "each test file uses the helpers it needs")]

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;
use std::process::Output;

/// Tuesday 2026-12-01 22:00 KST.
pub fn at() -> DateTime<Utc> {
    t("2026-12-01T22:00:00+09:00")
}

pub fn t(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).unwrap().to_utc()
}

pub fn min(m: i64) -> TimeDelta {
    TimeDelta::minutes(m)
}

/// A policy directory with `policy` as policy.toml and `strategies` as
/// strategies.toml.
pub fn policy_dir(policy: &str, strategies: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("policy.toml"), policy).unwrap();
    std::fs::write(dir.path().join("strategies.toml"), strategies).unwrap();
    dir
}

pub fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn json_out(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", out(o)))
}
