//! The strategy runner (SPEC §6, `shipwindow run`).

pub mod actions;
pub mod gate;
pub mod health;
pub mod hooks;
pub mod journal;
pub mod lock;
pub mod progress;
pub mod signals;
pub mod state;
