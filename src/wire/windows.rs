//! The `windows` report as JSON: what `windows --format json` prints
//! and `/v1/windows` answers.

use super::{opt_rfc3339, rfc3339};
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
    /// Open intervals only: the latest start whose deploy and monitoring (the
    /// policy's default lengths) still fit in the open stretch this interval
    /// belongs to (followed past `to`). Absent when no start fits, or when the
    /// stretch runs past the search horizon or a calendar's data.
    #[serde(with = "opt_rfc3339", default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_start: Option<DateTime<FixedOffset>>,
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

impl WindowsReport {
    /// Keeps the open intervals only (`windows --open`, `/v1/windows?open=true`).
    pub fn retain_open(&mut self) {
        self.intervals.retain(|i| i.state == WindowState::Open);
    }
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
                    last_start: s.last_start.map(|t| t.fixed_offset()),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::Europe::London;

    #[test]
    fn a_report_is_the_spec_object_without_the_notes_and_reads_back() {
        // 2026-10-25 01:00 BST is the second 01:00 of the night in GMT: the
        // offset says which.
        let bst = London.with_ymd_and_hms(2026, 10, 24, 18, 0, 0).unwrap();
        let gmt = London.with_ymd_and_hms(2026, 10, 25, 9, 0, 0).unwrap();
        let report = eval::WindowsReport {
            from: bst,
            to: gmt,
            intervals: vec![eval::WindowsSegment {
                start: bst,
                end: gmt,
                state: eval::WindowState::Closed,
                rules: vec!["weekend".into()],
                notes: vec!["weekend: Saturday".into()],
                last_start: None,
            }],
        };
        let json = serde_json::to_string(&WindowsReport::from(&report)).unwrap();
        assert_eq!(
            json,
            concat!(
                r#"{"from":"2026-10-24T18:00:00+01:00","to":"2026-10-25T09:00:00+00:00","#,
                r#""intervals":[{"start":"2026-10-24T18:00:00+01:00","end":"2026-10-25T09:00:00+00:00","#,
                r#""state":"closed","rules":["weekend"]}]}"#
            )
        );
        let back: WindowsReport = serde_json::from_str(&json).unwrap();
        assert_eq!(back, WindowsReport::from(&report));
    }
}
