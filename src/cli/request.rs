//! The flags of `check` and `next` as request text, and that text resolved
//! against the policy into one request.

use super::args::RequestArgs;
use super::error::{CliError, flag_error};
use crate::eval::DeployRequest;
use crate::input::{OverrideText, RequestText};
use crate::policy::PolicySet;
use chrono::{DateTime, Utc};

pub(super) fn request_text(args: &RequestArgs) -> RequestText {
    RequestText {
        service: Some(args.service.clone()),
        env: Some(args.env.clone()),
        at: args.at.clone(),
        duration: args.duration.clone(),
        strategy: args.strategy.clone(),
        monitoring: args.monitoring.clone(),
        change: Some(args.change.clone()),
        override_: args.override_reason.as_ref().map(|reason| OverrideText {
            reason: Some(reason.clone()),
            approver: args.approver.clone(),
        }),
        reservation: args.reservation.clone(),
    }
}

pub(super) fn request(
    policy: &PolicySet,
    args: &RequestArgs,
    now: DateTime<Utc>,
) -> Result<DeployRequest, CliError> {
    request_text(args).resolve(policy, now).map_err(flag_error)
}
