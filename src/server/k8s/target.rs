//! Which service and environment an object deploys: from its labels, else from
//! well-known labels and its name (the environment: its label, else the
//! `[[kubernetes]]` table of its namespace, else the namespace); and what its
//! annotations ask (a break-glass override, a rollback).

use serde_json::Value;

pub(super) const SERVICE_LABEL: &str = "shipwindow.io/service";
pub(super) const ENV_LABEL: &str = "shipwindow.io/env";
pub(super) const OVERRIDE_REASON: &str = "shipwindow.io/override-reason";
pub(super) const APPROVER: &str = "shipwindow.io/approver";
pub(super) const CHANGE: &str = "shipwindow.io/change";

/// The parts of an object's metadata the gate reads.
pub(super) struct Metadata<'v> {
    object: Option<&'v Value>,
}

impl<'v> Metadata<'v> {
    pub(super) fn of(object: Option<&'v Value>) -> Metadata<'v> {
        Metadata { object }
    }

    fn field(&self, map: &str, key: &str) -> Option<&'v str> {
        self.object?
            .get("metadata")?
            .get(map)?
            .get(key)?
            .as_str()
            .filter(|s| !s.trim().is_empty())
    }

    pub(super) fn label(&self, key: &str) -> Option<&'v str> {
        self.field("labels", key)
    }

    pub(super) fn annotation(&self, key: &str) -> Option<&'v str> {
        self.field("annotations", key)
    }

    fn name(&self) -> Option<&'v str> {
        self.object?
            .get("metadata")?
            .get("name")?
            .as_str()
            .filter(|s| !s.is_empty())
    }

    /// `shipwindow.io/service`, else `app.kubernetes.io/name`, else the object's
    /// name (`fallback`, the request's name, when the object has none yet).
    pub(super) fn service(&self, fallback: &str) -> String {
        self.label(SERVICE_LABEL)
            .or_else(|| self.label("app.kubernetes.io/name"))
            .or_else(|| self.name())
            .unwrap_or(fallback)
            .to_string()
    }
}
