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
    DateTime::parse_from_rfc3339(&text).map_err(serde::de::Error::custom)
}
