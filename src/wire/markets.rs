//! The exchange calendars as JSON (`markets --format json`): the built-in
//! calendars, and one calendar's days over a range.
//!
//! Keys come in alphabetical order: the shapes were first written as `json!`
//! maps, which sort their keys, and scripts have read that order since.

use super::rfc3339;
use crate::market::{Day, Exchange};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

/// One built-in calendar in the list: its regular hours as `HH:MM` in its zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketSummary {
    #[serde(rename = "break")]
    pub lunch: Option<Span<String>>,
    pub close: String,
    pub code: String,
    pub coverage: Coverage,
    pub name: String,
    pub open: String,
    pub zone: String,
}

/// The dates a calendar's data covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

/// A break: `HH:MM` times in the list, instants in a calendar's days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span<T> {
    pub end: T,
    pub start: T,
}

/// One calendar's days from `from` to `to` (as asked), times with its zone's offset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketDays {
    pub code: String,
    pub days: Vec<MarketDay>,
    pub from: String,
    pub name: String,
    pub to: String,
    pub zone: String,
}

/// A trading day's session, or a closed day (`holiday` is `null` on a weekend).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MarketDay {
    Open {
        #[serde(rename = "break")]
        lunch: Option<Span<ExchangeTime>>,
        close: ExchangeTime,
        date: NaiveDate,
        open: ExchangeTime,
        special: Option<String>,
        /// Always `true`.
        trading: bool,
    },
    Closed {
        date: NaiveDate,
        holiday: Option<String>,
        /// Always `false`.
        trading: bool,
    },
}

/// An instant as RFC 3339 with the exchange's offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ExchangeTime(#[serde(with = "rfc3339")] pub DateTime<FixedOffset>);

impl From<&Exchange> for MarketSummary {
    fn from(e: &Exchange) -> MarketSummary {
        let hm = |t: NaiveTime| t.format("%H:%M").to_string();
        let h = e.current_hours();
        MarketSummary {
            lunch: h.lunch.map(|(start, end)| Span {
                end: hm(end),
                start: hm(start),
            }),
            close: hm(h.close),
            code: e.code.to_string(),
            coverage: Coverage {
                first: e.first,
                last: e.last,
            },
            name: e.name.to_string(),
            open: hm(h.open),
            zone: e.zone.name().to_string(),
        }
    }
}

impl MarketDays {
    /// `days` of `e`, asked for as `from` to `to`.
    pub fn new(e: &Exchange, from: &str, to: &str, days: &[Day]) -> MarketDays {
        let at = |t: DateTime<Utc>| ExchangeTime(t.with_timezone(&e.zone).fixed_offset());
        let days = days
            .iter()
            .map(|d| match d {
                Day::Open(s) => MarketDay::Open {
                    lunch: s.lunch.map(|l| Span {
                        end: at(l.end),
                        start: at(l.start),
                    }),
                    close: at(s.close),
                    date: s.date,
                    open: at(s.open),
                    special: s.special.clone(),
                    trading: true,
                },
                Day::Closed { date, holiday } => MarketDay::Closed {
                    date: *date,
                    holiday: holiday.clone(),
                    trading: false,
                },
            })
            .collect();
        MarketDays {
            code: e.code.to_string(),
            days,
            from: from.to_string(),
            name: e.name.to_string(),
            to: to.to_string(),
            zone: e.zone.name().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_keep_their_alphabetical_keys_and_read_back_as_the_same_kind() {
        let e = crate::market::exchange("XKRX").unwrap();
        let from = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        let to = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
        let doc = MarketDays::new(e, "2026-11-20", "2026-11-21", &e.days(from, to).unwrap());
        let json = serde_json::to_string(&doc).unwrap();
        assert_eq!(
            json,
            concat!(
                r#"{"code":"XKRX","days":[{"break":null,"close":"2026-11-20T15:30:00+09:00","#,
                r#""date":"2026-11-20","open":"2026-11-20T09:00:00+09:00","special":null,"trading":true},"#,
                r#"{"date":"2026-11-21","holiday":null,"trading":false}],"#,
                r#""from":"2026-11-20","name":"Korea Exchange","to":"2026-11-21","zone":"Asia/Seoul"}"#
            )
        );
        let back: MarketDays = serde_json::from_str(&json).unwrap();
        assert_eq!(back, doc);
    }
}
