//! A failure as JSON, `{"error": "…"}`: what every API error answers and what
//! the commands print on standard output for `--format json`.

use serde::{Deserialize, Serialize};

/// The body of every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What was wrong, naming the field for bad input.
    pub error: String,
}

impl ErrorBody {
    pub fn new(error: impl Into<String>) -> ErrorBody {
        ErrorBody {
            error: error.into(),
        }
    }
}
