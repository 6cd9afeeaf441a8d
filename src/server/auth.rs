//! Bearer tokens for `/v1/*`: when any are configured, a request must carry one of
//! them (in the header, or in `?token=` for calendar apps). Tokens are compared in
//! constant time and never logged.

use super::error::ApiError;
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

    /// The caller a token stands for, when it is one of the tokens.
    pub(super) fn caller_for(&self, token: &str) -> Option<Caller> {
        self.accepts(token.trim().as_bytes())
            .then(|| Caller::token(token.trim()))
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
        let mut request = request;
        request.extensions_mut().insert(Caller::anonymous());
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
        Some(token) if tokens.accepts(token.as_bytes()) => {
            let caller = Caller::token(token);
            let mut request = request;
            request.extensions_mut().insert(caller);
            Ok(next.run(request).await)
        }
        _ => Err(ApiError::unauthorized()),
    }
}

/// Middleware for callers that cannot be made to send a token (the Kubernetes
/// API server sends none unless its admission kubeconfig gives one): a request
/// without `Authorization` passes as `anonymous`, one with it must carry a valid
/// token. Such a route is protected by TLS and the network, not by a token.
pub(super) async fn token_if_presented(
    State(tokens): State<Arc<Tokens>>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    if request.headers().contains_key(header::AUTHORIZATION) {
        return require_token(State(tokens), request, next).await;
    }
    let mut request = request;
    request.extensions_mut().insert(Caller::anonymous());
    Ok(next.run(request).await)
}

/// Turns `?token=` into an `Authorization: Bearer` header when the request has
/// none (`/v1/calendar.ics` only).
pub(super) async fn token_from_query(
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    use axum::http::{HeaderValue, header::AUTHORIZATION};
    if !request.headers().contains_key(AUTHORIZATION) {
        let token = request
            .uri()
            .query()
            .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
            .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "token"))
            .map(|(_, v)| v);
        if let Some(value) = token.and_then(|t| HeaderValue::from_str(&format!("Bearer {t}")).ok())
        {
            request.headers_mut().insert(AUTHORIZATION, value);
        }
    }
    next.run(request).await
}

/// Who made an authenticated request, for the audit log: `token:` and the first
/// eight hex digits of the token's SHA-256 (never the token), or `anonymous` when
/// authentication is off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller(pub String);

impl Caller {
    fn token(token: &str) -> Caller {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(token.as_bytes());
        let short: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
        Caller(format!("token:{short}"))
    }

    pub fn anonymous() -> Caller {
        Caller("anonymous".into())
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

    #[test]
    fn a_caller_is_named_by_a_digest_of_its_token_never_the_token() {
        // sha256("abc") = ba7816bf...
        assert_eq!(Caller::token("abc"), Caller("token:ba7816bf".into()));
    }
}
