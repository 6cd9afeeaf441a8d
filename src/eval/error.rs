//! Why a request could not be decided.

/// Why a request could not be decided.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// The request reaches beyond the data of a rule that applies to it (an
    /// exchange calendar's coverage): answering would be a guess.
    #[error("rule `{rule}` uses {data}; {what} reaches outside it")]
    OutOfCoverage {
        rule: String,
        data: String,
        what: String,
    },
}
