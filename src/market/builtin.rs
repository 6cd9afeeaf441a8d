//! The built-in exchange calendars, and finding one by its code.

use super::definition::Exchange;
use super::{xhkg, xkrx, xlon, xnys, xtks};

static EXCHANGES: [&Exchange; 6] = [
    &xkrx::XKRX,
    &xnys::XNYS,
    &xnys::XNAS,
    &xtks::XTKS,
    &xlon::XLON,
    &xhkg::XHKG,
];

/// Every built-in calendar.
pub fn exchanges() -> &'static [&'static Exchange] {
    &EXCHANGES
}

/// The calendar with this code (`XKRX`), if built in.
pub fn exchange(code: &str) -> Option<&'static Exchange> {
    EXCHANGES.iter().copied().find(|e| e.code == code)
}
