//! A policy change read as time: for every service and environment two policy
//! sets name, the stretches that become blocked and the stretches that become
//! open over a range, with the rules on each side, and the held deploys the
//! change would now block. Pure: no IO, no clock, no CLI or store types.
//!
//! `pairs` finds the service/env pairs to compare, `change` compares the two
//! `windows` timelines of one pair, and `held` asks the same of deploys that
//! wait somewhere (GitHub holds; any other kind plugs in through its trait).

mod change;
mod held;
mod pairs;

pub use change::{Became, Change, PairDiff, SideState, diff_pair};
pub use held::{HeldDeploy, HeldOutcome, HeldSide, decided_at, newly_blocked};
pub use pairs::{MAX_PAIRS, NameFilter, TooManyPairs, pairs};
