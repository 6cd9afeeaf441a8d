//! What each block of the grid is, and how it looks: the one table from a kind
//! of block to its name, legend label and colours, and the rules of a policy
//! read into kinds. Every colour in the picture comes from [`BlockKind::look`].

use crate::policy::{PolicySet, RuleKind, RuleOrigin};
use std::collections::HashMap;

/// The kinds of block, most telling first: a closed stretch that several kinds
/// of rule close is drawn in the colour of the first of them in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BlockKind {
    /// Deploys may start: no rule blocks.
    Open,
    /// A freeze made while the server runs (`runtime:<id>`).
    RuntimeFreeze,
    /// A `[[freeze]]` of the policy files.
    Freeze,
    /// A lane taken by someone's reservation (`reservation:<id>`).
    Reservation,
    /// An exchange's trading session (`[[market]]`).
    Market,
    /// No applicable `[[window]]` is open.
    OutsideWindow,
    /// A rule the policy no longer holds: its name is all there is.
    Other,
}

/// How a kind of block looks: its name in the SVG (`data-kind`), its words in
/// the legend, its fill and the colour of text on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Look {
    pub name: &'static str,
    pub label: &'static str,
    pub fill: &'static str,
    pub ink: &'static str,
}

/// The one table: every kind in legend order. The fills are light enough for
/// dark text at 10px and told apart by hue and lightness both.
const LOOKS: [(BlockKind, Look); 7] = [
    (
        BlockKind::Open,
        Look {
            name: "open",
            label: "Open: deploys may start",
            fill: "#9ad8a5",
            ink: "#0f3d1c",
        },
    ),
    (
        BlockKind::OutsideWindow,
        Look {
            name: "window-closed",
            label: "Outside the deploy windows",
            fill: "#d9dde3",
            ink: "#2f3640",
        },
    ),
    (
        BlockKind::Freeze,
        Look {
            name: "freeze",
            label: "Freeze",
            fill: "#f2a0a0",
            ink: "#5a0d0d",
        },
    ),
    (
        BlockKind::Market,
        Look {
            name: "market",
            label: "Market hours",
            fill: "#f6c86b",
            ink: "#4a3200",
        },
    ),
    (
        BlockKind::RuntimeFreeze,
        Look {
            name: "runtime-freeze",
            label: "Runtime freeze",
            fill: "#c3a3ee",
            ink: "#2a0c4e",
        },
    ),
    (
        BlockKind::Reservation,
        Look {
            name: "reservation",
            label: "Reserved",
            fill: "#8ec5f5",
            ink: "#0b2e4f",
        },
    ),
    (
        BlockKind::Other,
        Look {
            name: "other",
            label: "Closed (rule no longer in the policy)",
            fill: "#bdbdbd",
            ink: "#222222",
        },
    ),
];

impl BlockKind {
    /// This kind's row of the table.
    pub fn look(self) -> Look {
        LOOKS
            .iter()
            .find(|(kind, _)| *kind == self)
            .map_or(LOOKS[LOOKS.len() - 1].1, |(_, look)| *look)
    }

    /// Every kind, in legend order.
    pub fn all() -> impl Iterator<Item = BlockKind> {
        LOOKS.iter().map(|(kind, _)| *kind)
    }
}

/// What the grid knows of a rule named in the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInfo {
    pub kind: BlockKind,
    pub reason: Option<String>,
}

/// The rules a report may name, by name: their kind of block and their reason.
#[derive(Debug, Clone, Default)]
pub struct RuleTable {
    rules: HashMap<String, RuleInfo>,
}

/// What a blocker named `reservation:<id>` is, when the policy does not hold it
/// as a rule: reservations live in the server's store, not in the files.
const RESERVATION_PREFIX: &str = "reservation:";

impl RuleTable {
    /// The rules of `policy` (runtime freezes included when it is a server's
    /// served set). A window rule named on a closed piece means the piece is
    /// outside the windows; named on an open one, that it is inside.
    pub fn from_policy(policy: &PolicySet) -> RuleTable {
        let mut table = RuleTable::default();
        for rule in &policy.rules {
            let kind = match (rule.kind, rule.origin.is_runtime()) {
                _ if matches!(rule.origin, RuleOrigin::Reservation(_)) => BlockKind::Reservation,
                (RuleKind::Freeze, true) => BlockKind::RuntimeFreeze,
                (RuleKind::Freeze, false) => BlockKind::Freeze,
                (RuleKind::Market, _) => BlockKind::Market,
                (RuleKind::Window, _) => BlockKind::OutsideWindow,
            };
            table.insert(&rule.name, kind, rule.reason.as_deref());
        }
        table
    }

    /// Adds (or replaces) one rule.
    pub fn insert(&mut self, name: &str, kind: BlockKind, reason: Option<&str>) {
        self.rules.insert(
            name.to_string(),
            RuleInfo {
                kind,
                reason: reason.map(str::to_string),
            },
        );
    }

    /// The kind of block a rule named on a closed piece stands for.
    pub fn kind_of(&self, name: &str) -> BlockKind {
        match self.rules.get(name) {
            Some(info) => info.kind,
            None if name.starts_with(RESERVATION_PREFIX) => BlockKind::Reservation,
            None => BlockKind::Other,
        }
    }

    /// The rule's reason, when it has one.
    pub fn reason_of(&self, name: &str) -> Option<&str> {
        self.rules.get(name).and_then(|i| i.reason.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_kind_has_its_own_row_name_and_fill() {
        let kinds: Vec<BlockKind> = BlockKind::all().collect();
        assert_eq!(kinds.len(), 7);
        let names: HashSet<_> = kinds.iter().map(|k| k.look().name).collect();
        let fills: HashSet<_> = kinds.iter().map(|k| k.look().fill).collect();
        assert_eq!(names.len(), kinds.len(), "names repeat");
        assert_eq!(fills.len(), kinds.len(), "fills repeat");
        assert_eq!(BlockKind::Reservation.look().name, "reservation");
        assert_eq!(BlockKind::OutsideWindow.look().name, "window-closed");
    }

    #[test]
    fn the_bundled_policy_reads_into_kinds_and_unknown_names_are_told_apart() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
        let policy = PolicySet::load(&dir).unwrap();
        let table = RuleTable::from_policy(&policy);
        assert_eq!(table.kind_of("weekend"), BlockKind::Freeze);
        assert_eq!(table.kind_of("krx"), BlockKind::Market);
        assert_eq!(table.kind_of("weeknight"), BlockKind::OutsideWindow);
        assert_eq!(
            table.reason_of("weekend"),
            Some("Nobody is around to watch a weekend deploy")
        );
        assert_eq!(table.kind_of("reservation:12"), BlockKind::Reservation);
        assert_eq!(table.kind_of("gone"), BlockKind::Other);
    }

    #[test]
    fn a_booked_slot_is_a_reservation_not_a_runtime_freeze() {
        let policy = PolicySet::from_files(&[("p.toml", "")]).unwrap();
        let at = chrono::DateTime::from_timestamp(1_796_000_000, 0).unwrap();
        let slot = crate::policy::ReservationSpec {
            id: "7",
            lane: "db",
            service: "web",
            env: "prod",
            start: at,
            monitoring_end: at + chrono::TimeDelta::hours(1),
            by: "alice",
        };
        let policy = policy.with_reservation_rules([slot.rule(&policy)]);
        let table = RuleTable::from_policy(&policy);
        assert_eq!(table.kind_of("reservation:7"), BlockKind::Reservation);
        assert!(table.reason_of("reservation:7").unwrap().contains("alice"));
    }
}
