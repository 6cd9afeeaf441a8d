//! `shipwindow wait`: decide like `check`, and while denied with an opening
//! before the timeout, wait for it and decide again, until allowed (exit 0),
//! nothing opens in time (1), bad input (2) or a signal (130).
//!
//! `waiting` is the loop, on a clock so tests move time by hand; `deciders`
//! gives it each decision (the policy files reloaded, or a server asked);
//! `display` tells on stderr how the wait goes; `stop` turns SIGINT/SIGTERM
//! into the end of the wait; `command` puts them together for the binary.

mod command;
mod deciders;
mod display;
mod stop;
mod waiting;

#[cfg(test)]
mod tests;

pub(super) use command::wait;
