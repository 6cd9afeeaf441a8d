//! Every client-visible failure is one JSON shape, `{"error": "…"}`, with the
//! status that says whose fault it is (the router gives the framework's own
//! plain-text answers the same shape).

use crate::eval::EvalError;
use crate::input::InputError;
use crate::store::StoreError;
// The sibling handlers name it in their OpenAPI annotations.
pub(super) use crate::wire::ErrorBody;
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A failure answered with `{"error": message}` and `status`.
#[derive(Debug)]
pub struct ApiError {
    pub(super) status: StatusCode,
    pub(super) message: String,
    /// Answer with `WWW-Authenticate: Bearer` (a token would help).
    bearer_challenge: bool,
    /// For the server's own faults: what went wrong, for `/healthz` (the client
    /// gets only `message`; the log gets everything, paths included).
    pub(super) detail: Option<String>,
}

impl ApiError {
    pub(super) fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            bearer_challenge: false,
            detail: None,
        }
    }

    pub(super) fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    pub(super) fn unauthorized() -> ApiError {
        ApiError {
            bearer_challenge: true,
            ..ApiError::new(
                StatusCode::UNAUTHORIZED,
                "a valid `Authorization: Bearer <token>` is required",
            )
        }
    }

    /// 401 with `message` saying what would authenticate (for routes whose
    /// callers carry a token elsewhere than the header).
    pub(super) fn unauthorized_because(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, message)
    }

    /// The server's own fault; the detail goes to the log, not to the client.
    pub(super) fn internal(context: &str, detail: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %detail, "{context}");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, context.to_string())
    }
}

/// Marks an error answer whose plain text is its caller's contract (Flagger
/// copies a 423's body into its events), so it is not turned into JSON.
#[derive(Debug, Clone, Copy)]
pub(super) struct PlainAnswer;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Json(ErrorBody::new(self.message));
        let mut response = (self.status, body).into_response();
        if self.bearer_challenge {
            let challenge = HeaderValue::from_static("Bearer realm=\"shipwindow\"");
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, challenge);
        }
        response
    }
}

impl From<InputError> for ApiError {
    fn from(e: InputError) -> ApiError {
        ApiError::bad_request(format!("`{}` {}", e.field, e.message))
    }
}

impl From<EvalError> for ApiError {
    fn from(e: EvalError) -> ApiError {
        ApiError::bad_request(e.to_string())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(e: QueryRejection) -> ApiError {
        ApiError::bad_request(e.body_text())
    }
}

impl From<JsonRejection> for ApiError {
    fn from(e: JsonRejection) -> ApiError {
        // Keep 413 (too large) and 415 (not JSON); malformed JSON is a plain 400.
        let status = match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE | StatusCode::UNSUPPORTED_MEDIA_TYPE => e.status(),
            _ => StatusCode::BAD_REQUEST,
        };
        ApiError::new(status, e.body_text())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::FreezeNotFound(id) => {
                ApiError::new(StatusCode::NOT_FOUND, format!("no runtime freeze `{id}`"))
            }
            StoreError::FreezeNotActive(id) => ApiError::new(
                StatusCode::CONFLICT,
                format!("runtime freeze `{id}` is already lifted or expired"),
            ),
            StoreError::InvalidRange { .. }
            | StoreError::TooManyFreezes { .. }
            | StoreError::ReservationTimes { .. } => ApiError::bad_request(e.to_string()),
            StoreError::ReservationNotFound(_) => {
                ApiError::new(StatusCode::NOT_FOUND, e.to_string())
            }
            StoreError::ReservationNotActive(_) | StoreError::ReservationOverlap { .. } => {
                ApiError::new(StatusCode::CONFLICT, e.to_string())
            }
            StoreError::Unavailable { .. } => {
                // Not the server's bug and not for good: the client may retry.
                let context = "the server's state store is unavailable; try again shortly";
                tracing::error!(error = %e, "{context}");
                ApiError {
                    detail: Some(e.reason()),
                    ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, context)
                }
            }
            other => {
                let context = "the server could not use its state database";
                let reason = other.reason();
                ApiError {
                    detail: Some(format!("{context}: {reason}")),
                    ..ApiError::internal(context, other)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn store_errors_say_whose_fault_and_keep_paths_out_of_the_detail() {
        let at = Utc.timestamp_opt(1_800_000_000, 0).unwrap();
        // An empty freeze (until caught up with by the clock) is the request's fault.
        let e = ApiError::from(StoreError::InvalidRange {
            start: at,
            until: at,
        });
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert!(e.detail.is_none());
        // A failed statement is the server's; the detail says why, not where.
        let e = ApiError::from(StoreError::Sql {
            path: "/srv/secret/state/shipwindow.db".into(),
            source: rusqlite::Error::InvalidQuery,
        });
        assert_eq!(e.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(e.message, "the server could not use its state database");
        let detail = e.detail.unwrap();
        assert!(detail.starts_with("the server could not use its state database: "));
        assert!(!detail.contains("/srv/secret"), "{detail}");
    }

    #[test]
    fn an_unreachable_store_is_a_503_without_its_location() {
        let e = ApiError::from(StoreError::Unavailable {
            location: "postgres://db.internal:5432/shipwindow".into(),
            reason: "connection refused".into(),
        });
        assert_eq!(e.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(e.message.contains("unavailable"), "{}", e.message);
        let detail = e.detail.unwrap();
        assert!(detail.contains("connection refused"), "{detail}");
        assert!(!detail.contains("db.internal"), "{detail}");
    }
}
