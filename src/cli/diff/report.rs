//! Everything one `diff` found, as the output formats read it.

use crate::eval::WindowsReport;
use crate::review::{HeldOutcome, PairDiff};
use chrono::{DateTime, TimeDelta};
use chrono_tz::Tz;

/// One side of the comparison: what the user gave and the policy it loaded.
pub(super) struct Side {
    /// The `--base`/`--head` text: a directory or a git ref.
    pub label: String,
    /// Whether `label` is a git ref.
    pub git_ref: bool,
    pub fingerprint: String,
}

/// One compared pair with both timelines (the SVG draws them).
pub(super) struct Compared {
    pub diff: PairDiff,
    pub base: WindowsReport,
    pub head: WindowsReport,
}

/// What the held deploys showed.
pub(super) enum HeldReport {
    Checked {
        store: String,
        count: usize,
        blocked: Vec<HeldOutcome>,
    },
    NotChecked {
        why: String,
    },
}

pub(super) struct DiffReport {
    pub base: Side,
    pub head: Side,
    pub from: DateTime<Tz>,
    pub to: DateTime<Tz>,
    pub pairs: Vec<Compared>,
    pub held: HeldReport,
}

impl DiffReport {
    pub fn blocked(&self) -> TimeDelta {
        self.pairs.iter().map(|p| p.diff.blocked).sum()
    }

    pub fn opened(&self) -> TimeDelta {
        self.pairs.iter().map(|p| p.diff.opened).sum()
    }

    pub fn changed(&self) -> impl Iterator<Item = &Compared> {
        self.pairs.iter().filter(|p| !p.diff.changes.is_empty())
    }

    pub fn unchanged(&self) -> impl Iterator<Item = &Compared> {
        self.pairs.iter().filter(|p| p.diff.changes.is_empty())
    }

    pub fn held_blocked(&self) -> &[HeldOutcome] {
        match &self.held {
            HeldReport::Checked { blocked, .. } => blocked,
            HeldReport::NotChecked { .. } => &[],
        }
    }

    /// Whether anything became blocked: time of a pair, or a held deploy.
    pub fn new_blocks(&self) -> bool {
        self.blocked() > TimeDelta::zero() || !self.held_blocked().is_empty()
    }
}
