//! Instants on the wire, as `#[serde(with = "rfc3339")]` for a
//! `DateTime<FixedOffset>`: RFC 3339 to the second, with the offset of the zone
//! they were given in (`2026-11-27T17:30:00+09:00`, never `Z`), and read back
//! from any RFC 3339 text.

use chrono::{DateTime, FixedOffset, SecondsFormat};
use serde::{Deserialize, Deserializer, Serializer};

pub fn serialize<S: Serializer>(t: &DateTime<FixedOffset>, s: S) -> Result<S::Ok, S::Error> {
    // Whole seconds: a request's `at` may carry a fraction the answer never shows.
    s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Secs, false))
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<FixedOffset>, D::Error> {
    let text = String::deserialize(d)?;
    read(&text).map_err(serde::de::Error::custom)
}

/// RFC 3339 text as an instant; a leap second (`:60`) is refused, as everywhere.
pub(super) fn read(text: &str) -> Result<DateTime<FixedOffset>, String> {
    let t = DateTime::parse_from_rfc3339(text).map_err(|e| e.to_string())?;
    if crate::time::is_leap_second(t.naive_local()) {
        return Err(format!("`{text}` is a leap second (`:60`)"));
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_leap_second_on_the_wire_is_refused() {
        assert!(super::read("2026-11-27T17:30:00+09:00").is_ok());
        for text in ["2016-12-31T23:59:60Z", "2017-01-01T08:59:60+09:00"] {
            let err = super::read(text).unwrap_err();
            assert!(err.contains("leap second"), "{text}: {err}");
        }
    }
}
