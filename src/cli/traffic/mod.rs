//! `shipwindow traffic`: low-traffic windows learned from a Prometheus series,
//! shown as a table, JSON, an SVG heat map, or the `[[window]]` tables that
//! encode them.
//!
//! `command` reads the flags and asks Prometheus, `report` is what every
//! format shows (and the JSON itself), and `human`, `svg` and `toml` write it.

mod command;
mod human;
mod report;
mod svg;
mod toml;

pub(super) use command::{TrafficArgs, TrafficFormat, traffic};
