//! Why a command could not produce an answer (always exit 2), and a request
//! field's problem named by its flag.

use crate::policy::LoadError;

/// Why a command could not produce an answer: always exit 2.
#[derive(Debug, thiserror::Error)]
pub(super) enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error("the policy set failed to load:\n{0}")]
    Policy(LoadError),
    #[error("{0}")]
    Eval(#[from] crate::eval::EvalError),
}

/// `--flag: message` for a request field's problem.
pub(super) fn flag_error(e: crate::input::InputError) -> CliError {
    let flag = match e.field.as_str() {
        "override.reason" => "--override-reason".to_string(),
        "override.approver" => "--approver".to_string(),
        field => format!("--{field}"),
    };
    CliError::Usage(format!("{flag}: {}", e.message))
}
