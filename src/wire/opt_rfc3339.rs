//! Optional instants on the wire, as `#[serde(with = "opt_rfc3339")]` for an
//! `Option<DateTime<FixedOffset>>`: written like [`super::rfc3339`], `null`
//! when absent.

use super::rfc3339;
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Deserializer, Serializer};

pub fn serialize<S: Serializer>(
    t: &Option<DateTime<FixedOffset>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => rfc3339::serialize(t, s),
        None => s.serialize_none(),
    }
}

pub fn deserialize<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<DateTime<FixedOffset>>, D::Error> {
    match <Option<String>>::deserialize(d)? {
        Some(text) => super::rfc3339::read(&text)
            .map(Some)
            .map_err(serde::de::Error::custom),
        None => Ok(None),
    }
}
