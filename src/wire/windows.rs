//! The `windows` report as JSON (SPEC §5): what `windows --format json` prints
//! and `/v1/windows` answers.

use super::time::rfc3339;
use crate::eval;
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum WindowState {
    Open,
    Closed,
}

/// One piece of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WindowsSegment {
    #[serde(with = "rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub start: DateTime<FixedOffset>,
    #[serde(with = "rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub end: DateTime<FixedOffset>,
    pub state: WindowState,
    /// Closed: the deny rules containing it, plus the applicable windows when none
    /// covers it. Open: the windows containing it. Policy order.
    pub rules: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WindowsReport {
    #[serde(with = "rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub from: DateTime<FixedOffset>,
    #[serde(with = "rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub to: DateTime<FixedOffset>,
    pub intervals: Vec<WindowsSegment>,
}

/// The report without its notes for people, which are not part of the JSON.
impl From<&eval::WindowsReport> for WindowsReport {
    fn from(r: &eval::WindowsReport) -> WindowsReport {
        WindowsReport {
            from: r.from.fixed_offset(),
            to: r.to.fixed_offset(),
            intervals: r
                .intervals
                .iter()
                .map(|s| WindowsSegment {
                    start: s.start.fixed_offset(),
                    end: s.end.fixed_offset(),
                    state: match s.state {
                        eval::WindowState::Open => WindowState::Open,
                        eval::WindowState::Closed => WindowState::Closed,
                    },
                    rules: s.rules.clone(),
                })
                .collect(),
        }
    }
}
