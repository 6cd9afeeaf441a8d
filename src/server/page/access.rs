//! Who may open the page. A browser cannot send a bearer header, so when
//! tokens are configured the page takes the same tokens in `?token=` (or the
//! header, from a proxy that adds it); without one it answers 401 with a form
//! that asks for it. The page shows what `/v1/check`, `/v1/windows` and
//! `/v1/freezes` would: it is no more public than they are.

use super::html::token_form;
use super::respond::page;
use crate::server::auth::Tokens;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;

/// The query's pairs, as sent.
fn pairs(request: &Request) -> Vec<(String, String)> {
    request
        .uri()
        .query()
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .unwrap_or_default()
}

/// Middleware: with tokens configured, a valid one in `Authorization: Bearer`
/// or `?token=`, else the token form (401).
pub(crate) async fn require_token(
    State(tokens): State<Arc<Tokens>>,
    request: Request,
    next: Next,
) -> Response {
    if tokens.is_empty() {
        return next.run(request).await;
    }
    let header_token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_string());
    let query = pairs(&request);
    let query_token = query
        .iter()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.clone());
    let presented = header_token.or(query_token);
    if presented
        .as_deref()
        .is_some_and(|t| tokens.caller_for(t).is_some())
    {
        return next.run(request).await;
    }
    let mut response = page(
        StatusCode::UNAUTHORIZED,
        token_form(presented.is_some(), &query),
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"shipwindow\""),
    );
    response
}
