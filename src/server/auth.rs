//! Bearer tokens for `/v1/*`: when any are configured, a request must carry one of
//! them. Tokens are compared in constant time and never logged.

use super::ApiError;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// The accepted tokens; empty means authentication is off.
#[derive(Default, Clone)]
pub struct Tokens(Vec<Vec<u8>>);

impl std::fmt::Debug for Tokens {
    // Never print a token, not even in a debug dump.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tokens({} configured)", self.0.len())
    }
}

impl Tokens {
    /// Tokens from a file (one a line; blank lines and `#` comments skipped) and
    /// from `$SHIPWINDOW_TOKENS`-style text (comma-separated).
    pub fn from_sources(file_text: Option<&str>, env: Option<&str>) -> Tokens {
        let from_file = file_text
            .into_iter()
            .flat_map(str::lines)
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'));
        let from_env = env
            .into_iter()
            .flat_map(|e| e.split(','))
            .map(str::trim)
            .filter(|t| !t.is_empty());
        Tokens(
            from_file
                .chain(from_env)
                .map(|t| t.as_bytes().to_vec())
                .collect(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `presented` is one of the tokens, without an early exit on the
    /// first matching byte or token.
    fn accepts(&self, presented: &[u8]) -> bool {
        let mut found = subtle::Choice::from(0);
        for token in &self.0 {
            found |= token.as_slice().ct_eq(presented);
        }
        found.into()
    }
}

/// Middleware: refuses `/v1/*` requests without a valid `Authorization: Bearer`.
pub(super) async fn require_token(
    State(tokens): State<Arc<Tokens>>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    if tokens.is_empty() {
        return Ok(next.run(request).await);
    }
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        // The scheme name is case-insensitive (RFC 7235).
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    match presented {
        Some(token) if tokens.accepts(token.as_bytes()) => Ok(next.run(request).await),
        _ => Err(ApiError::unauthorized()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_from_file_and_env() {
        let t = Tokens::from_sources(Some("# ci\nabc\n\n  def  \n"), Some("ghi, jkl,"));
        for ok in ["abc", "def", "ghi", "jkl"] {
            assert!(t.accepts(ok.as_bytes()), "{ok}");
        }
        for bad in ["", "ab", "abcd", "# ci"] {
            assert!(!t.accepts(bad.as_bytes()), "{bad}");
        }
        assert_eq!(format!("{t:?}"), "Tokens(4 configured)");
        assert!(Tokens::from_sources(None, Some(" , ")).is_empty());
    }
}
