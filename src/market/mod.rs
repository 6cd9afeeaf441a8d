//! Built-in exchange calendars: for every date in a calendar's coverage, whether the
//! exchange trades and its session (open, close, midday break) in the exchange's zone.
//!
//! Each exchange is one file. Holidays that follow rules (fixed dates, nth weekdays,
//! Easter, weekend observance and substitute-holiday laws) are computed by the helpers
//! in [`rules`]; lunar-calendar holidays, elections and one-off closures are dated
//! tables, each entry citing its public source. Special sessions (late opens, early
//! closes) are listed per year the same way.
//!
//! `definition` holds the types every calendar is written in and answers "what
//! happens on this date"; the `x…` files each define one exchange with them;
//! `builtin` lists those; `guard` turns sessions into denied stretches.

mod builtin;
mod definition;
mod guard;
pub mod rules;
mod xhkg;
mod xkrx;
mod xlon;
mod xnys;
mod xtks;

pub use builtin::{exchange, exchanges};
pub use definition::{Day, Exchange, Holiday, Hours, OutOfCoverage, Session, SpecialSession};
pub use guard::SessionGuard;
