//! `TZID` parameters to IANA zones. Calendars name zones three ways: IANA names
//! (Google, Apple), Windows names (Outlook: `Korea Standard Time`), and, in older
//! Thunderbird exports, IANA names behind a vendor prefix
//! (`/mozilla.org/20050126_1/Europe/Berlin`).

use chrono_tz::Tz;
use windows_timezones::WindowsTimezone;

/// How a `TZID` was understood, for messages and docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ZoneSource {
    Iana,
    /// A Windows zone name, mapped with the Unicode CLDR `windowsZones` table
    /// (its world-wide `001` entry), as the `windows-timezones` crate carries it.
    Windows,
    /// An IANA name behind a vendor prefix.
    Prefixed,
}

/// The IANA zone a `TZID` names, if any. Surrounding quotes and spaces are ignored.
pub(crate) fn resolve(tzid: &str) -> Option<(Tz, ZoneSource)> {
    let name = tzid.trim().trim_matches('"').trim();
    if let Ok(tz) = name.parse::<Tz>() {
        return Some((tz, ZoneSource::Iana));
    }
    if let Ok(windows) = name.parse::<WindowsTimezone>() {
        return Some((Tz::from(windows), ZoneSource::Windows));
    }
    // `/mozilla.org/20050126_1/Europe/Berlin`, `/softwarestudio.org/Olson_20011030_5/America/New_York`:
    // the longest IANA name the TZID ends with.
    let parts: Vec<&str> = name.split('/').collect();
    (1..parts.len())
        .filter_map(|i| parts[i..].join("/").parse::<Tz>().ok())
        .next()
        .map(|tz| (tz, ZoneSource::Prefixed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_every_kind_resolve() {
        let cases: &[(&str, Tz, ZoneSource)] = &[
            ("Asia/Seoul", chrono_tz::Asia::Seoul, ZoneSource::Iana),
            (
                "\"Europe/Berlin\"",
                chrono_tz::Europe::Berlin,
                ZoneSource::Iana,
            ),
            (
                "Korea Standard Time",
                chrono_tz::Asia::Seoul,
                ZoneSource::Windows,
            ),
            (
                "W. Europe Standard Time",
                chrono_tz::Europe::Berlin,
                ZoneSource::Windows,
            ),
            (
                "Eastern Standard Time",
                chrono_tz::America::New_York,
                ZoneSource::Windows,
            ),
            (
                "Tokyo Standard Time",
                chrono_tz::Asia::Tokyo,
                ZoneSource::Windows,
            ),
            (
                "GMT Standard Time",
                chrono_tz::Europe::London,
                ZoneSource::Windows,
            ),
            ("UTC", chrono_tz::UTC, ZoneSource::Iana),
            (
                "/mozilla.org/20050126_1/Europe/Berlin",
                chrono_tz::Europe::Berlin,
                ZoneSource::Prefixed,
            ),
            (
                "/softwarestudio.org/Olson_20011030_5/America/New_York",
                chrono_tz::America::New_York,
                ZoneSource::Prefixed,
            ),
        ];
        for (tzid, tz, source) in cases {
            assert_eq!(resolve(tzid), Some((*tz, *source)), "\nTZID: {tzid}");
        }
        assert_eq!(resolve("Customized Time Zone"), None);
        assert_eq!(resolve("Asia/Seol"), None);
    }
}
