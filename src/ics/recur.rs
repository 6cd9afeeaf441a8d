//! An RRULE's parts checked against RFC 5545 §3.3.10 before the `rrule` crate
//! reads them: a rule that cannot be right (`INTERVAL=0`, `COUNT=0`,
//! `BYMONTHDAY=0`, `COUNT` with `UNTIL`, a BY* value out of its range or with a
//! frequency it does not go with) is a load error at its line, never a
//! recurrence that is quietly dropped or read some other way. A freeze that
//! loses its recurrences would answer "allowed".

use std::collections::HashSet;

/// Why an RRULE cannot be right: a message and, where it helps, what would be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invalid {
    pub message: String,
    pub help: Option<String>,
}

fn invalid(message: impl Into<String>, help: impl Into<String>) -> Invalid {
    Invalid {
        message: message.into(),
        help: Some(help.into()),
    }
}

const FREQUENCIES: [&str; 7] = [
    "SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY",
];
const DAYS: [&str; 7] = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"];
const PARTS: [&str; 14] = [
    "FREQ",
    "UNTIL",
    "COUNT",
    "INTERVAL",
    "BYSECOND",
    "BYMINUTE",
    "BYHOUR",
    "BYDAY",
    "BYMONTHDAY",
    "BYYEARDAY",
    "BYWEEKNO",
    "BYMONTH",
    "BYSETPOS",
    "WKST",
];

/// The parts of an RRULE value, by upper-case name, in order.
struct Parts<'a> {
    parts: Vec<(String, &'a str)>,
}

impl<'a> Parts<'a> {
    fn get(&self, name: &str) -> Option<&'a str> {
        self.parts.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }
}

/// Checks every constraint of RFC 5545 §3.3.10 on `text`, an RRULE value
/// (`FREQ=WEEKLY;BYDAY=MO`).
pub(crate) fn check(text: &str) -> Result<(), Invalid> {
    let parts = split(text)?;
    let Some(freq) = parts.get("FREQ") else {
        return Err(invalid(
            "no `FREQ`",
            "every RRULE says how often it repeats: `FREQ=WEEKLY`",
        ));
    };
    let freq = freq.trim().to_ascii_uppercase();
    if !FREQUENCIES.contains(&freq.as_str()) {
        return Err(invalid(
            format!("`{freq}` is not a valid frequency"),
            "`FREQ` is one of SECONDLY, MINUTELY, HOURLY, DAILY, WEEKLY, MONTHLY, YEARLY",
        ));
    }
    for name in ["COUNT", "INTERVAL"] {
        if let Some(v) = parts.get(name) {
            let ok = is_digits(v.trim()) && v.trim().parse::<u32>().is_ok_and(|n| n >= 1);
            if !ok {
                return Err(invalid(
                    format!("`{name}={}` is not a whole number of at least 1", v.trim()),
                    match name {
                        "COUNT" => {
                            "`COUNT` is how many instances the series has: 1 or more; leave it out for a series without end"
                        }
                        _ => {
                            "`INTERVAL` is how many periods apart the instances are: 1 (the default) or more"
                        }
                    },
                ));
            }
        }
    }
    if parts.get("COUNT").is_some() && parts.get("UNTIL").is_some() {
        return Err(invalid(
            "`COUNT` and `UNTIL` are both given",
            "a series ends one way: after `COUNT` instances or at `UNTIL`; remove one of them",
        ));
    }
    // (name, lowest, highest, may count from the end, what it counts)
    let numbers: [(&str, i32, i32, bool, &str); 8] = [
        ("BYSECOND", 0, 59, false, "0 to 59"),
        ("BYMINUTE", 0, 59, false, "0 to 59"),
        ("BYHOUR", 0, 23, false, "0 to 23"),
        (
            "BYMONTHDAY",
            1,
            31,
            true,
            "1 to 31, or -1 to -31 counting back from the month's last day",
        ),
        (
            "BYYEARDAY",
            1,
            366,
            true,
            "1 to 366, or -1 to -366 counting back from the year's last day",
        ),
        (
            "BYWEEKNO",
            1,
            53,
            true,
            "1 to 53, or -1 to -53 counting back from the year's last week",
        ),
        ("BYMONTH", 1, 12, false, "1 to 12"),
        (
            "BYSETPOS",
            1,
            366,
            true,
            "1 to 366, or -1 to -366 counting back from the last instance in the period",
        ),
    ];
    for (name, low, high, signed, range) in numbers {
        let Some(list) = parts.get(name) else {
            continue;
        };
        for item in items(name, list)? {
            let number = parse_number(item, signed);
            if name == "BYSECOND" && number == Some(60) {
                return Err(invalid(
                    "`BYSECOND=60` (a leap second) is not supported",
                    "shipwindow's times have no leap seconds; use `BYSECOND=59`",
                ));
            }
            if !number.is_some_and(|n| (low..=high).contains(&n.abs())) {
                return Err(invalid(
                    format!("`{name}={item}` is out of range"),
                    format!("`{name}` takes {range}"),
                ));
            }
        }
    }
    let only_with = |name: &str, freqs: &[&str], help: &str| -> Result<(), Invalid> {
        if parts.get(name).is_some() && !freqs.contains(&freq.as_str()) {
            return Err(invalid(
                format!("`{name}` cannot be used with `FREQ={freq}`"),
                help.to_string(),
            ));
        }
        Ok(())
    };
    only_with(
        "BYWEEKNO",
        &["YEARLY"],
        "`BYWEEKNO` picks weeks of a year: it needs `FREQ=YEARLY`",
    )?;
    only_with(
        "BYMONTHDAY",
        &[
            "SECONDLY", "MINUTELY", "HOURLY", "DAILY", "MONTHLY", "YEARLY",
        ],
        "a weekly rule picks days with `BYDAY`, not `BYMONTHDAY`",
    )?;
    only_with(
        "BYYEARDAY",
        &["SECONDLY", "MINUTELY", "HOURLY", "YEARLY"],
        "`BYYEARDAY` goes with `FREQ=YEARLY` (or HOURLY and finer)",
    )?;
    if let Some(list) = parts.get("BYDAY") {
        for item in items("BYDAY", list)? {
            by_day(item, &freq, parts.get("BYWEEKNO").is_some())?;
        }
    }
    if parts.get("BYSETPOS").is_some()
        && !parts
            .parts
            .iter()
            .any(|(n, _)| n.starts_with("BY") && n != "BYSETPOS")
    {
        return Err(invalid(
            "`BYSETPOS` without another `BY…` part",
            "`BYSETPOS` picks among the instances another part gives, e.g. `BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1` for the last weekday",
        ));
    }
    if let Some(day) = parts.get("WKST")
        && !DAYS.contains(&day.trim().to_ascii_uppercase().as_str())
    {
        return Err(invalid(
            format!("`WKST={}` is not a day", day.trim()),
            "`WKST` is one of SU, MO, TU, WE, TH, FR, SA",
        ));
    }
    Ok(())
}

/// The `NAME=value` parts, each named once and known.
fn split(text: &str) -> Result<Parts<'_>, Invalid> {
    let mut parts = Vec::new();
    let mut seen = HashSet::new();
    for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((name, value)) = part.split_once('=') else {
            return Err(invalid(
                format!("`{part}` is not `NAME=value`"),
                "an RRULE is parts like `FREQ=WEEKLY;BYDAY=MO` separated by `;`",
            ));
        };
        let name = name.trim().to_ascii_uppercase();
        if !PARTS.contains(&name.as_str()) {
            return Err(invalid(
                format!("unknown part `{name}`"),
                format!("the parts of an RRULE are {}", PARTS.join(", ")),
            ));
        }
        if !seen.insert(name.clone()) {
            return Err(invalid(
                format!("`{name}` appears twice"),
                "each part of an RRULE is given once; list several values with commas: `BYDAY=MO,TU`",
            ));
        }
        parts.push((name, value));
    }
    Ok(Parts { parts })
}

/// The comma-separated values of a BY* part, none of them empty.
fn items<'a>(name: &str, list: &'a str) -> Result<Vec<&'a str>, Invalid> {
    let items: Vec<&str> = list.split(',').map(str::trim).collect();
    if items.iter().any(|i| i.is_empty()) {
        return Err(invalid(
            format!("`{name}={}` has an empty value", list.trim()),
            format!("list values with commas between them: `{name}=1,2`"),
        ));
    }
    Ok(items)
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.len() <= 9 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `12`, or with `signed` also `+12` and `-12`.
fn parse_number(item: &str, signed: bool) -> Option<i32> {
    let (negative, digits) = match item.as_bytes().first() {
        Some(b'-') if signed => (true, &item[1..]),
        Some(b'+') if signed => (false, &item[1..]),
        _ => (false, item),
    };
    if !is_digits(digits) {
        return None;
    }
    let n: i32 = digits.parse().ok()?;
    Some(if negative { -n } else { n })
}

/// One BYDAY value: `MO`, or with a number (`2MO`, `-1FR`) in a monthly or
/// yearly rule only.
fn by_day(item: &str, freq: &str, by_week_no: bool) -> Result<(), Invalid> {
    let upper = item.to_ascii_uppercase();
    let split = upper.len().saturating_sub(2);
    let (number, day) = match upper.get(..split).zip(upper.get(split..)) {
        Some((number, day)) if DAYS.contains(&day) => (number, day),
        _ => {
            return Err(invalid(
                format!("`BYDAY={item}` is not a day"),
                "`BYDAY` takes SU, MO, TU, WE, TH, FR, SA, each with an optional number: `2MO` is the second Monday, `-1FR` the last Friday",
            ));
        }
    };
    debug_assert_eq!(day.len(), 2);
    if number.is_empty() {
        return Ok(());
    }
    let high = match freq {
        "MONTHLY" => 5,
        "YEARLY" if !by_week_no => 53,
        "YEARLY" => {
            return Err(invalid(
                format!("`BYDAY={item}` has a number, which cannot go with `BYWEEKNO`"),
                "with `BYWEEKNO` the week is already chosen: give the day alone, e.g. `BYDAY=MO`",
            ));
        }
        _ => {
            return Err(invalid(
                format!("`BYDAY={item}` has a number, which cannot be used with `FREQ={freq}`"),
                "a numbered day (`2MO`, `-1FR`) needs `FREQ=MONTHLY` or `FREQ=YEARLY`; give the day alone, e.g. `BYDAY=MO`",
            ));
        }
    };
    if !parse_number(number, true).is_some_and(|n| (1..=high).contains(&n.abs())) {
        return Err(invalid(
            format!("`BYDAY={item}` is out of range"),
            format!(
                "in a `FREQ={freq}` rule a day's number is 1 to {high}, or -1 to -{high} counting from the end"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_that_can_be_right_pass() {
        for rule in [
            "FREQ=WEEKLY;COUNT=3",
            "freq=yearly;interval=2",
            "FREQ=YEARLY;INTERVAL=1;BYDAY=2SU;BYMONTH=3",
            "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH",
            "FREQ=WEEKLY;WKST=SU;BYDAY=MO",
            "FREQ=WEEKLY;UNTIL=20261222T010000Z;INTERVAL=1;BYDAY=TU;WKST=SU",
            "FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=4",
            "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=3",
            "FREQ=MONTHLY;BYDAY=-5SU,+1MO",
            "FREQ=YEARLY;BYWEEKNO=20,-1;BYDAY=MO",
            "FREQ=YEARLY;BYYEARDAY=1,366,-366;BYSETPOS=+1",
            "FREQ=YEARLY;BYDAY=53MO,-53FR",
            "FREQ=DAILY;BYHOUR=0,23;BYMINUTE=0,59;BYSECOND=0,59",
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
            "FREQ=DAILY;",
        ] {
            assert_eq!(check(rule), Ok(()), "{rule}");
        }
    }

    /// Every constraint of RFC 5545 §3.3.10, each with the message that names it.
    #[test]
    fn rules_that_cannot_be_right_are_named() {
        let cases: &[(&str, &str)] = &[
            ("COUNT=3", "no `FREQ`"),
            ("FREQ=FORTNIGHTLY", "`FORTNIGHTLY` is not a valid frequency"),
            ("FREQ=", "`` is not a valid frequency"),
            (
                "FREQ=DAILY;INTERVAL=0",
                "`INTERVAL=0` is not a whole number of at least 1",
            ),
            (
                "FREQ=DAILY;INTERVAL=-1",
                "`INTERVAL=-1` is not a whole number",
            ),
            (
                "FREQ=DAILY;INTERVAL=two",
                "`INTERVAL=two` is not a whole number",
            ),
            (
                "FREQ=DAILY;COUNT=0",
                "`COUNT=0` is not a whole number of at least 1",
            ),
            (
                "FREQ=DAILY;COUNT=99999999999",
                "`COUNT=99999999999` is not a whole number",
            ),
            ("FREQ=DAILY;COUNT=", "`COUNT=` is not a whole number"),
            (
                "FREQ=DAILY;COUNT=3;UNTIL=20261231",
                "`COUNT` and `UNTIL` are both given",
            ),
            ("FREQ=DAILY;BYSECOND=61", "`BYSECOND=61` is out of range"),
            (
                "FREQ=DAILY;BYSECOND=60",
                "`BYSECOND=60` (a leap second) is not supported",
            ),
            ("FREQ=DAILY;BYMINUTE=60", "`BYMINUTE=60` is out of range"),
            ("FREQ=DAILY;BYMINUTE=-1", "`BYMINUTE=-1` is out of range"),
            ("FREQ=DAILY;BYHOUR=24", "`BYHOUR=24` is out of range"),
            ("FREQ=DAILY;BYHOUR=1,,2", "`BYHOUR=1,,2` has an empty value"),
            (
                "FREQ=MONTHLY;BYMONTHDAY=0",
                "`BYMONTHDAY=0` is out of range",
            ),
            (
                "FREQ=MONTHLY;BYMONTHDAY=1,32",
                "`BYMONTHDAY=32` is out of range",
            ),
            (
                "FREQ=MONTHLY;BYMONTHDAY=-32",
                "`BYMONTHDAY=-32` is out of range",
            ),
            (
                "FREQ=MONTHLY;BYMONTHDAY=--1",
                "`BYMONTHDAY=--1` is out of range",
            ),
            ("FREQ=YEARLY;BYYEARDAY=0", "`BYYEARDAY=0` is out of range"),
            (
                "FREQ=YEARLY;BYYEARDAY=367",
                "`BYYEARDAY=367` is out of range",
            ),
            ("FREQ=YEARLY;BYWEEKNO=0", "`BYWEEKNO=0` is out of range"),
            ("FREQ=YEARLY;BYWEEKNO=54", "`BYWEEKNO=54` is out of range"),
            ("FREQ=YEARLY;BYMONTH=0", "`BYMONTH=0` is out of range"),
            ("FREQ=YEARLY;BYMONTH=13", "`BYMONTH=13` is out of range"),
            (
                "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=0",
                "`BYSETPOS=0` is out of range",
            ),
            (
                "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=-367",
                "`BYSETPOS=-367` is out of range",
            ),
            (
                "FREQ=MONTHLY;BYWEEKNO=1",
                "`BYWEEKNO` cannot be used with `FREQ=MONTHLY`",
            ),
            (
                "FREQ=WEEKLY;BYMONTHDAY=1",
                "`BYMONTHDAY` cannot be used with `FREQ=WEEKLY`",
            ),
            (
                "FREQ=MONTHLY;BYYEARDAY=1",
                "`BYYEARDAY` cannot be used with `FREQ=MONTHLY`",
            ),
            (
                "FREQ=WEEKLY;BYYEARDAY=1",
                "`BYYEARDAY` cannot be used with `FREQ=WEEKLY`",
            ),
            (
                "FREQ=DAILY;BYYEARDAY=1",
                "`BYYEARDAY` cannot be used with `FREQ=DAILY`",
            ),
            ("FREQ=WEEKLY;BYDAY=XX", "`BYDAY=XX` is not a day"),
            ("FREQ=WEEKLY;BYDAY=M", "`BYDAY=M` is not a day"),
            (
                "FREQ=WEEKLY;BYDAY=1MO",
                "`BYDAY=1MO` has a number, which cannot be used with `FREQ=WEEKLY`",
            ),
            (
                "FREQ=DAILY;BYDAY=-1FR",
                "`BYDAY=-1FR` has a number, which cannot be used with `FREQ=DAILY`",
            ),
            ("FREQ=MONTHLY;BYDAY=6MO", "`BYDAY=6MO` is out of range"),
            ("FREQ=MONTHLY;BYDAY=0MO", "`BYDAY=0MO` is out of range"),
            ("FREQ=YEARLY;BYDAY=54MO", "`BYDAY=54MO` is out of range"),
            ("FREQ=YEARLY;BYDAY=x1MO", "`BYDAY=x1MO` is out of range"),
            (
                "FREQ=YEARLY;BYWEEKNO=1;BYDAY=1MO",
                "`BYDAY=1MO` has a number, which cannot go with `BYWEEKNO`",
            ),
            (
                "FREQ=MONTHLY;BYSETPOS=1",
                "`BYSETPOS` without another `BY…` part",
            ),
            ("FREQ=WEEKLY;WKST=XY", "`WKST=XY` is not a day"),
            ("FREQ=DAILY;FREQ=WEEKLY", "`FREQ` appears twice"),
            ("FREQ=DAILY;BYDAY=MO;byday=TU", "`BYDAY` appears twice"),
            ("FREQ=DAILY;BYFORTNIGHT=1", "unknown part `BYFORTNIGHT`"),
            ("FREQ=DAILY;COUNT", "`COUNT` is not `NAME=value`"),
            ("FREQ=DAILY;BYDAY=MÖ", "`BYDAY=MÖ` is not a day"),
            ("FREQ=DAILY;BYDAY=ÖM", "`BYDAY=ÖM` is not a day"),
        ];
        for (rule, want) in cases {
            let got = check(rule).expect_err(rule);
            assert!(
                got.message.starts_with(want),
                "\nrule: {rule}\n got: {}\nwant: {want}",
                got.message
            );
            assert!(got.help.is_some(), "{rule}: no help");
        }
    }
}
