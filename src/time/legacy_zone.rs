//! Zone names the time zone database keeps for old habits — fixed offsets
//! (`EST`, `Etc/GMT+5`) and legacy links (`US/Eastern`) — and the city zone a
//! person writing one almost always meant. Valid names, so they load; the
//! policy reader warns about them.

/// Why `name` is probably not what its writer meant, and the city zone to use
/// instead; `None` for a city zone (or `UTC`, which is meant as written).
pub fn city_zone_for(name: &str) -> Option<LegacyZone> {
    if let Some(offset) = name.strip_prefix("Etc/GMT") {
        return etc_gmt(offset);
    }
    let (city, kind) = FIXED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, city)| (*city, Kind::Fixed))
        .or_else(|| {
            LINKS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, city)| (*city, Kind::Link))
        })?;
    let why = match kind {
        Kind::Fixed => format!(
            "`{name}` is not a place: it names an offset or a rule set, and does not follow a city's daylight saving changes"
        ),
        Kind::Link => format!("`{name}` is a legacy name kept for old systems"),
    };
    Some(LegacyZone {
        why,
        city: Some(city),
    })
}

/// A zone name that is probably a mistake: why, and the city zone meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyZone {
    pub why: String,
    /// The city zone to suggest, when one is the obvious reading.
    pub city: Option<&'static str>,
}

enum Kind {
    Fixed,
    Link,
}

/// `Etc/GMT+5` is UTC−5 (POSIX signs, the reverse of what people expect) all
/// year; which city was meant cannot be told, except for the common US ones.
fn etc_gmt(offset: &str) -> Option<LegacyZone> {
    let hours: i32 = match offset {
        "" | "0" | "+0" | "-0" => return None,
        o => o.parse().ok()?,
    };
    let shown = -hours;
    let city = match hours {
        5 => Some("America/New_York"),
        6 => Some("America/Chicago"),
        7 => Some("America/Denver"),
        8 => Some("America/Los_Angeles"),
        -1 => Some("Europe/Paris"),
        -9 => Some("Asia/Seoul"),
        _ => None,
    };
    Some(LegacyZone {
        why: format!(
            "`Etc/GMT{offset}` is a fixed UTC{shown:+03}:00 all year (its sign is the reverse of what it looks like) and follows no daylight saving changes"
        ),
        city,
    })
}

/// Names for an offset or a US-style rule set rather than a place.
const FIXED: &[(&str, &str)] = &[
    ("EST", "America/New_York"),
    ("MST", "America/Denver"),
    ("HST", "Pacific/Honolulu"),
    ("EST5EDT", "America/New_York"),
    ("CST6CDT", "America/Chicago"),
    ("MST7MDT", "America/Denver"),
    ("PST8PDT", "America/Los_Angeles"),
    ("CET", "Europe/Paris"),
    ("MET", "Europe/Paris"),
    ("EET", "Europe/Athens"),
    ("WET", "Europe/Lisbon"),
];

/// Legacy links of the database's `backward` file, to the zone they point at.
const LINKS: &[(&str, &str)] = &[
    ("US/Eastern", "America/New_York"),
    ("US/Central", "America/Chicago"),
    ("US/Mountain", "America/Denver"),
    ("US/Pacific", "America/Los_Angeles"),
    ("US/Alaska", "America/Anchorage"),
    ("US/Arizona", "America/Phoenix"),
    ("US/Hawaii", "Pacific/Honolulu"),
    ("US/East-Indiana", "America/Indiana/Indianapolis"),
    ("Canada/Eastern", "America/Toronto"),
    ("Canada/Central", "America/Winnipeg"),
    ("Canada/Mountain", "America/Edmonton"),
    ("Canada/Pacific", "America/Vancouver"),
    ("Japan", "Asia/Tokyo"),
    ("ROK", "Asia/Seoul"),
    ("PRC", "Asia/Shanghai"),
    ("ROC", "Asia/Taipei"),
    ("Hongkong", "Asia/Hong_Kong"),
    ("Singapore", "Asia/Singapore"),
    ("GB", "Europe/London"),
    ("Eire", "Europe/Dublin"),
    ("Asia/Calcutta", "Asia/Kolkata"),
    ("Asia/Saigon", "Asia/Ho_Chi_Minh"),
    ("Asia/Katmandu", "Asia/Kathmandu"),
    ("Asia/Rangoon", "Asia/Yangon"),
    ("Europe/Kiev", "Europe/Kyiv"),
    ("Australia/ACT", "Australia/Sydney"),
    ("Australia/NSW", "Australia/Sydney"),
    ("Brazil/East", "America/Sao_Paulo"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_and_fixed_names_suggest_a_city_and_city_names_do_not() {
        let cases = [
            ("EST", Some("America/New_York")),
            ("MST", Some("America/Denver")),
            ("US/Eastern", Some("America/New_York")),
            ("Etc/GMT+5", Some("America/New_York")),
            ("Etc/GMT-3", None),
        ];
        for (name, city) in cases {
            let got = city_zone_for(name).unwrap_or_else(|| panic!("{name} should warn"));
            assert_eq!(got.city, city, "\nzone: {name}");
            // Every suggestion is itself a zone the database knows.
            if let Some(c) = got.city {
                assert!(c.parse::<chrono_tz::Tz>().is_ok(), "{c}");
            }
        }
        assert!(
            city_zone_for("Etc/GMT+5")
                .unwrap()
                .why
                .contains("UTC-05:00")
        );
        for fine in [
            "Asia/Seoul",
            "America/New_York",
            "UTC",
            "Etc/UTC",
            "Etc/GMT",
        ] {
            assert_eq!(city_zone_for(fine), None, "\nzone: {fine}");
        }
    }

    #[test]
    fn every_name_in_the_tables_is_known_to_the_database() {
        for (name, city) in FIXED.iter().chain(LINKS) {
            assert!(name.parse::<chrono_tz::Tz>().is_ok(), "{name}");
            assert!(city.parse::<chrono_tz::Tz>().is_ok(), "{city}");
        }
    }
}
