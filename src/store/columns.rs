//! How values are stored in columns: timestamps as UTC unix seconds, and
//! structured values as JSON text.

use chrono::{DateTime, Utc};

/// Stored form of a timestamp: UTC unix seconds (sub-second parts are dropped,
/// like every instant the server decides on).
pub(super) fn to_secs(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

/// Reads column `idx` as a stored timestamp.
pub(super) fn time_at(row: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<DateTime<Utc>> {
    let secs: i64 = row.get(idx)?;
    from_secs(secs, idx)
}

pub(super) fn from_secs(secs: i64, idx: usize) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::from_timestamp(secs, 0).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            idx,
            rusqlite::types::Type::Integer,
            format!("timestamp {secs} out of range").into(),
        )
    })
}

/// Reads column `idx` as JSON text.
pub(super) fn json_at<T: serde::de::DeserializeOwned>(
    row: &rusqlite::Row<'_>,
    idx: usize,
) -> rusqlite::Result<T> {
    let text: String = row.get(idx)?;
    serde_json::from_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// Stored form of a JSON column.
pub(super) fn to_json<T: serde::Serialize>(value: &T) -> rusqlite::Result<String> {
    serde_json::to_string(value).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}
