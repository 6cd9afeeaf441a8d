//! Booking a slot, whichever door asks (the HTTP API, Slack, the command line,
//! the runner): the policy must allow the deploy then (or, for the earliest
//! slot, the search finds when it does, treating every other reservation as a
//! blocker), and the store must take it. A booking that loses a race for the
//! earliest slot searches again, a few times at most.

use super::audit::AuditEntry;
use super::error::StoreError;
use super::handle::Store;
use super::slot::{NewReservation, Reservation};
use crate::eval::{self, BlockerKind, Decision, EvalError, Verdict};
use crate::input::{InputError, RequestText};
use crate::policy::PolicySet;
use chrono::{DateTime, Utc};

/// How many times the search for the earliest slot runs when another booking
/// takes what it found first.
pub const BOOKING_ATTEMPTS: usize = 4;

/// A slot to book: the deploy as request text (`service`, `env`, `at`,
/// `duration` or `strategy`, `monitoring`), the earliest free one instead of
/// `at` when `next`, and who holds it.
#[derive(Debug, Clone)]
pub struct SlotRequest {
    pub text: RequestText,
    pub next: bool,
    pub by: String,
}

/// Why no slot was booked.
#[derive(Debug, thiserror::Error)]
pub enum BookError {
    #[error("`{}` {}", .0.field, .0.message)]
    Input(#[from] InputError),
    #[error("{0}")]
    Eval(#[from] EvalError),
    /// No `[[lane]]` covers the deploy: there is nothing to reserve.
    #[error(
        "no `[[lane]]` covers {service}/{env}, so it has no slot to reserve (deploys outside lanes never wait for one another)"
    )]
    NoLane { service: String, env: String },
    /// The policy does not allow the deploy then.
    #[error("the policy does not allow {}/{} then: {}", .0.service, .0.env, denial(.0))]
    Denied(Box<Decision>),
    /// Another reservation of the lane overlaps.
    #[error(
        "slot taken: reservation {} of {}/{} by {} holds lane `{}` from {} until {}",
        .0.id, .0.service, .0.env, .0.by, .0.lane, .0.start, .0.monitoring_end
    )]
    Taken(Box<Reservation>),
    /// No free slot before the horizon.
    #[error("no free slot for {service}/{env} within the policy's horizon")]
    NothingFree { service: String, env: String },
    #[error("{0}")]
    Store(StoreError),
}

impl From<StoreError> for BookError {
    fn from(e: StoreError) -> BookError {
        match e {
            StoreError::ReservationOverlap { holder } => BookError::Taken(holder),
            other => BookError::Store(other),
        }
    }
}

/// The reasons of a denial, for its message.
fn denial(d: &Decision) -> String {
    let reasons: Vec<String> = d
        .blocked_by
        .iter()
        .map(|b| format!("{} ({})", b.rule, b.reason))
        .collect();
    reasons.join("; ")
}

/// Books `slot` in `store`, deciding with `policy` (its reservation rules are
/// replaced by the store's unexpired ones, read afresh for each attempt).
pub fn book(
    store: &Store,
    policy: &PolicySet,
    slot: &SlotRequest,
    now: DateTime<Utc>,
) -> Result<(Reservation, AuditEntry), BookError> {
    let mut text = slot.text.clone();
    // A booking presents nothing and overrides nothing.
    text.override_ = None;
    text.reservation = None;
    let mut last_holder = None;
    for _ in 0..BOOKING_ATTEMPTS {
        let held = store.unexpired_reservations(now, None, None)?;
        let current = policy.with_reservation_rules(held.iter().map(|r| r.spec().rule(policy)));
        let mut req = text.resolve(&current, now)?;
        let Some(lane) = current.lane_for(&req.service, &req.env) else {
            return Err(BookError::NoLane {
                service: req.service,
                env: req.env,
            });
        };
        let mut decision = eval::decide(&current, &req)?;
        if slot.next && decision.verdict != Verdict::Allow {
            let Some(at) = decision.next_allowed else {
                return Err(BookError::NothingFree {
                    service: req.service,
                    env: req.env,
                });
            };
            req.at = at.to_utc();
            decision = eval::decide(&current, &req)?;
        }
        if decision.verdict != Verdict::Allow {
            // Only other slots in the way: name the first holder.
            let only_slots = decision
                .blocked_by
                .iter()
                .all(|b| b.kind == BlockerKind::Reservation);
            if only_slots
                && let Some(holder) = decision.blocked_by.first().and_then(|b| {
                    let id = b.rule.strip_prefix("reservation:")?;
                    held.iter().find(|r| r.id == id)
                })
            {
                return Err(BookError::Taken(Box::new(holder.clone())));
            }
            return Err(BookError::Denied(Box::new(decision)));
        }
        let new = NewReservation {
            service: req.service.clone(),
            env: req.env.clone(),
            lane: lane.name.clone(),
            start: decision.start.to_utc(),
            deploy_end: decision.deploy_end.to_utc(),
            monitoring_end: decision.monitoring_end.to_utc(),
            by: slot.by.clone(),
        };
        match store.reserve(new, now) {
            Ok(booked) => return Ok(booked),
            // Lost a race for the earliest slot: look again with the winner in view.
            Err(StoreError::ReservationOverlap { holder }) if slot.next => {
                last_holder = Some(holder);
            }
            Err(e) => return Err(e.into()),
        }
    }
    match last_holder {
        Some(holder) => Err(BookError::Taken(holder)),
        None => Err(BookError::Store(StoreError::ReservationTimes {
            why: "no booking attempt was made".into(),
        })),
    }
}
