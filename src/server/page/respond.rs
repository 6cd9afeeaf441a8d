//! How every answer of the page goes out: HTML with the headers that keep it
//! to itself (nothing loaded from elsewhere, not framed, not cached, no
//! referrer carrying a `?token=` away), and kept as HTML when it is an error.

use super::html::content_security_policy;
use crate::server::error::PlainAnswer;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// `html` with `status` and the page's headers.
pub(super) fn page(status: StatusCode, html: String) -> Response {
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    if let Ok(csp) = HeaderValue::from_str(&content_security_policy()) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    // An error page is for a person: the router leaves it as it is.
    response.extensions_mut().insert(PlainAnswer);
    response
}
