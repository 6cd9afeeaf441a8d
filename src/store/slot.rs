//! What a reservation is, as the store keeps it and the front doors show it:
//! a slot booked in a lane, and one to book.

use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// A booked slot: `service` deploys to `env` from `start`, is done by
/// `deploy_end` and watched until `monitoring_end`, when the slot expires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Reservation {
    /// Assigned by the store: the decimal text of an integer never reused.
    pub id: String,
    pub service: String,
    pub env: String,
    /// The `[[lane]]` the slot is booked in.
    pub lane: String,
    pub start: DateTime<Utc>,
    pub deploy_end: DateTime<Utc>,
    pub monitoring_end: DateTime<Utc>,
    /// Who holds it.
    pub by: String,
    pub created_at: DateTime<Utc>,
    /// Set when someone released it before it expired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub released_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub released_by: Option<String>,
}

impl Reservation {
    /// The name it blocks under: `reservation:<id>`.
    pub fn rule_name(&self) -> String {
        crate::policy::reservation_rule_name(&self.id)
    }

    /// What the policy layer needs to make it a rule.
    pub fn spec(&self) -> crate::policy::ReservationSpec<'_> {
        crate::policy::ReservationSpec {
            id: &self.id,
            lane: &self.lane,
            service: &self.service,
            env: &self.env,
            start: self.start,
            monitoring_end: self.monitoring_end,
            by: &self.by,
        }
    }

    /// "reservation 1 of payments-api/prod by alice holds lane `payments-db`
    /// from … until …", times in `tz`: a refusal's words.
    pub fn holds_words(&self, tz: Tz) -> String {
        let show = |t: DateTime<Utc>| {
            t.with_timezone(&tz)
                .to_rfc3339_opts(SecondsFormat::Secs, false)
        };
        format!(
            "reservation {} of {}/{} by {} holds lane `{}` from {} until {}",
            self.id,
            self.service,
            self.env,
            self.by,
            self.lane,
            show(self.start),
            show(self.monitoring_end)
        )
    }

    /// Whether `[start, end)` meets this slot.
    pub fn overlaps(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
        self.start < end && start < self.monitoring_end
    }
}

/// A slot to book. The caller has checked the policy allows it; the store only
/// insists on the order of its times and that its lane is free.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReservation {
    pub service: String,
    pub env: String,
    pub lane: String,
    pub start: DateTime<Utc>,
    pub deploy_end: DateTime<Utc>,
    pub monitoring_end: DateTime<Utc>,
    pub by: String,
}

impl NewReservation {
    /// The reservation as stored under `id`.
    pub(crate) fn stored(self, id: String, now: DateTime<Utc>) -> Reservation {
        Reservation {
            id,
            service: self.service,
            env: self.env,
            lane: self.lane,
            start: self.start,
            deploy_end: self.deploy_end,
            monitoring_end: self.monitoring_end,
            by: self.by,
            created_at: now,
            released_at: None,
            released_by: None,
        }
    }
}

/// A reservation as the API shows it; times in the policy's zone.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReservationView {
    pub id: String,
    pub service: String,
    pub env: String,
    pub lane: String,
    pub start: String,
    pub deploy_end: String,
    pub monitoring_end: String,
    pub by: String,
    /// The rule it blocks other deploys under: `reservation:<id>`.
    pub rule: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub released_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub released_by: Option<String>,
}

impl Reservation {
    /// As the API and `reservations --format json` show it, times in `tz`.
    pub fn view(&self, tz: Tz) -> ReservationView {
        let r = self;
        let show = |t: DateTime<Utc>| {
            t.with_timezone(&tz)
                .to_rfc3339_opts(SecondsFormat::Secs, false)
        };
        ReservationView {
            id: r.id.clone(),
            service: r.service.clone(),
            env: r.env.clone(),
            lane: r.lane.clone(),
            start: show(r.start),
            deploy_end: show(r.deploy_end),
            monitoring_end: show(r.monitoring_end),
            by: r.by.clone(),
            rule: r.rule_name(),
            released_at: r.released_at.map(show),
            released_by: r.released_by.clone(),
        }
    }
}
