//! Date arithmetic for holiday rules: nth and last weekdays, Easter, and the
//! weekend-observance and substitute-holiday shifts.

use chrono::{Datelike, NaiveDate, Weekday};

/// A date, for tables; panics only on an impossible literal, caught by the tests.
pub const fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(date) => date,
        None => panic!("invalid date literal"),
    }
}

/// A time of day, for tables.
pub const fn hm(h: u32, m: u32) -> chrono::NaiveTime {
    match chrono::NaiveTime::from_hms_opt(h, m, 0) {
        Some(t) => t,
        None => panic!("invalid time literal"),
    }
}

/// The entries of a dated fact table that fall in `year`, as holidays.
pub fn dated(table: &[(NaiveDate, &str)], year: i32) -> Vec<super::definition::Holiday> {
    table
        .iter()
        .filter(|(date, _)| date.year() == year)
        .map(|(date, name)| super::definition::Holiday::new(*date, *name))
        .collect()
}

/// `date` moved by `n` days (backwards for negative `n`).
pub fn days_after(date: NaiveDate, n: i64) -> NaiveDate {
    date.checked_add_signed(chrono::TimeDelta::days(n))
        .unwrap_or(date)
}

/// The `n`th (1-based) `weekday` of a month.
pub fn nth_weekday(year: i32, month: u32, weekday: Weekday, n: u8) -> NaiveDate {
    NaiveDate::from_weekday_of_month_opt(year, month, weekday, n)
        .unwrap_or_else(|| ymd(year, month, 1))
}

/// The last `weekday` of a month.
pub fn last_weekday(year: i32, month: u32, weekday: Weekday) -> NaiveDate {
    let first_next = if month == 12 {
        ymd(year + 1, 1, 1)
    } else {
        ymd(year, month + 1, 1)
    };
    let mut d = first_next.pred_opt().unwrap_or(first_next);
    while d.weekday() != weekday {
        d = d.pred_opt().unwrap_or(d);
    }
    d
}

/// Western (Gregorian) Easter Sunday, by the anonymous Gregorian algorithm.
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    ymd(year, month as u32, day as u32)
}

/// US-style observance: Saturday → the Friday before, Sunday → the Monday after.
pub fn observed_nearest(date: NaiveDate) -> NaiveDate {
    match date.weekday() {
        Weekday::Sat => date.pred_opt().unwrap_or(date),
        Weekday::Sun => date.succ_opt().unwrap_or(date),
        _ => date,
    }
}

/// UK/HK-style observance: a weekend holiday moves to the next weekday.
pub fn observed_next_weekday(date: NaiveDate) -> NaiveDate {
    let mut d = date;
    while matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
        d = d.succ_opt().unwrap_or(d);
    }
    d
}

pub fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn easter_dates() {
        let want = [
            (2015, 4, 5),
            (2016, 3, 27),
            (2019, 4, 21),
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2030, 4, 21),
        ];
        for (y, m, d) in want {
            assert_eq!(easter_sunday(y), ymd(y, m, d), "{y}");
        }
    }

    #[test]
    fn nth_and_last_weekdays() {
        assert_eq!(nth_weekday(2026, 11, Weekday::Thu, 4), ymd(2026, 11, 26));
        assert_eq!(nth_weekday(2026, 1, Weekday::Mon, 3), ymd(2026, 1, 19));
        assert_eq!(last_weekday(2026, 5, Weekday::Mon), ymd(2026, 5, 25));
        assert_eq!(last_weekday(2026, 12, Weekday::Mon), ymd(2026, 12, 28));
    }

    #[test]
    fn observance() {
        assert_eq!(observed_nearest(ymd(2026, 7, 4)), ymd(2026, 7, 3));
        assert_eq!(observed_nearest(ymd(2027, 7, 4)), ymd(2027, 7, 5));
        assert_eq!(observed_next_weekday(ymd(2027, 12, 25)), ymd(2027, 12, 27));
    }
}
