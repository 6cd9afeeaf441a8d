//! Where `wait` gets each decision: the policy files, read afresh every time
//! (an edit made while waiting counts), or a server asked every time (its
//! runtime freezes count).

use super::waiting::{AskError, Decided, Decider};
use crate::cli::args::RequestArgs;
use crate::cli::error::{CliError, flag_error};
use crate::cli::remote;
use crate::cli::request::request_text;
use crate::cli::slots::{SlotsStore, with_reservations};
use crate::eval;
use crate::input::RequestText;
use crate::policy::{LoadOptions, PolicySet};
use crate::store::{BookError, Reservation, SlotRequest, Store, book};
use chrono::{DateTime, SecondsFormat, Utc};
use std::path::PathBuf;

/// The policy directory, loaded for every decision.
pub(super) struct Local {
    dir: PathBuf,
    text: RequestText,
    options: LoadOptions,
    /// Where the reservations are read from when the policy has lanes.
    slots: SlotsStore,
    /// With `--reserve`: who holds the slot booked when the window opens.
    pub(super) reserve: Option<String>,
    /// The slot booked.
    pub(super) booked: Option<Reservation>,
}

impl Local {
    pub(super) fn new(dir: PathBuf, text: RequestText, slots: SlotsStore) -> Local {
        Local {
            dir,
            text,
            options: LoadOptions::from_env(),
            slots,
            reserve: None,
            booked: None,
        }
    }

    /// Books the slot of an allowed `decision` at `now`: the decision to go on
    /// with (allowed when booked; when another booking took the slot first, the
    /// decision again with it in view, so the wait goes on).
    fn book_at(
        &mut self,
        policy: &PolicySet,
        by: String,
        decision: eval::Decision,
        now: DateTime<Utc>,
    ) -> Result<eval::Decision, AskError> {
        let store =
            Store::select(self.slots.store.url(), &self.slots.state.state_dir).map_err(|e| {
                AskError::Invalid(CliError::Usage(format!("cannot open the store: {e}")))
            })?;
        let mut text = self.text.clone();
        text.at = Some(now.to_rfc3339_opts(SecondsFormat::Secs, true));
        let slot = SlotRequest {
            text: text.clone(),
            next: false,
            by,
        };
        match book(&store, policy, &slot, now) {
            Ok((r, _)) => {
                self.booked = Some(r);
                Ok(decision)
            }
            Err(BookError::Taken(_)) => {
                let policy = with_reservations(policy.clone(), &self.slots, now)
                    .map_err(AskError::Invalid)?;
                let req = text
                    .resolve(&policy, now)
                    .map_err(|e| AskError::Invalid(flag_error(e)))?;
                eval::decide(&policy, &req).map_err(|e| AskError::Invalid(CliError::Eval(e)))
            }
            Err(BookError::Denied(d)) => Ok(*d),
            Err(e) => Err(AskError::Invalid(CliError::Usage(e.to_string()))),
        }
    }
}

impl Decider for Local {
    fn decide(&mut self, now: DateTime<Utc>) -> Result<Decided, AskError> {
        let options = LoadOptions {
            now,
            ..self.options.clone()
        };
        // A policy that no longer loads is bad input now, as it is for `check`:
        // the wait ends with exit 2 rather than waiting on rules nobody can read.
        let policy = PolicySet::load_with(&self.dir, &options)
            .map_err(|e| AskError::Invalid(CliError::Policy(e)))?;
        // Slots booked meanwhile count too; a store that cannot be read ends the
        // wait with exit 2 rather than deciding without them.
        let policy = with_reservations(policy, &self.slots, now).map_err(AskError::Invalid)?;
        let req = self
            .text
            .resolve(&policy, now)
            .map_err(|e| AskError::Invalid(flag_error(e)))?;
        let mut decision =
            eval::decide(&policy, &req).map_err(|e| AskError::Invalid(CliError::Eval(e)))?;
        if let Some(by) = self.reserve.clone()
            && decision.verdict == eval::Verdict::Allow
            && self.booked.is_none()
        {
            decision = self.book_at(&policy, by, decision, now)?;
        }
        Ok(Decided {
            decision,
            horizon: Some(policy.settings.horizon),
        })
    }
}

/// A server (`--remote`), asked about the instant the loop decides at.
pub(super) struct Remote<'a> {
    args: &'a RequestArgs,
}

impl<'a> Remote<'a> {
    pub(super) fn new(args: &'a RequestArgs) -> Remote<'a> {
        Remote { args }
    }
}

impl Decider for Remote<'_> {
    fn decide(&mut self, now: DateTime<Utc>) -> Result<Decided, AskError> {
        let mut text = request_text(self.args);
        // Our clock, not the server's, says when we woke: asked about that
        // instant, the server cannot answer for a moment before the opening.
        text.at = Some(now.to_rfc3339_opts(SecondsFormat::Secs, true));
        match remote::ask(self.args, text) {
            Ok(decision) => Ok(Decided {
                decision,
                horizon: None,
            }),
            Err(e) if e.passing => Err(AskError::NoAnswer(e.message)),
            Err(e) => Err(AskError::Invalid(e.into())),
        }
    }
}
