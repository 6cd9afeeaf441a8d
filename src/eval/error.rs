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
    /// Something the request asks about ends after the supported years (or so far
    /// out that the arithmetic would overflow): bad input, never a guess.
    #[error(
        "{what} would end after the supported years (1971 to 2199); ask for a shorter one or an earlier start"
    )]
    OutOfRange { what: String },
    /// The deploy or its monitoring is longer than a request may ask for: every
    /// rule would be expanded over all of it.
    #[error("{what} is longer than {max}, the most a request may ask for; ask for a shorter one")]
    TooLong { what: String, max: String },
    /// A windows report would hold more pieces than one answer may: rules that
    /// change state every minute or so, over a long range.
    #[error(
        "the timeline would have more than {max} open and closed pieces; ask for a shorter range"
    )]
    TooManyPieces { max: usize },
}
