//! Policy text to model, one concern per reader: the TOML toolkit at the bottom
//! (knowing nothing of rules), and above it the readers of a file's sections,
//! `[settings]`, the common keys of a rule, time specs, markets, calendars,
//! `lead`/`tail`, a window's `traffic`, strategies and their hooks, `[[github]]` and
//! `[[kubernetes]]` mappings, `[[lane]]`s, and the warnings (`lint`). Each reports every problem with its
//! place and returns `None` for what it could not read.

pub(crate) mod calendar;
pub(crate) mod github;
mod hooks;
pub(crate) mod kubernetes;
pub(crate) mod lane;
mod lead_tail;
pub(crate) mod lint;
mod market;
pub(crate) mod rule;
pub(crate) mod sections;
pub(crate) mod settings;
pub(crate) mod strategy;
mod time_spec;
pub(crate) mod toolkit;
pub(crate) mod traffic;
