//! The AdmissionReview (`admission.k8s.io/v1`) as the API server sends it and as
//! it reads the answer back: only the fields the gate uses are read, everything
//! else is ignored, and a review without what the protocol requires is refused.

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub(super) const API_VERSION: &str = "admission.k8s.io/v1";
const KIND: &str = "AdmissionReview";

/// The envelope: `apiVersion`, `kind` and the `request`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Review {
    api_version: String,
    kind: String,
    request: Option<Request>,
}

/// What is being admitted.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Request {
    pub uid: String,
    /// The object's kind as the API server resolved it.
    pub kind: GroupVersionKind,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub namespace: String,
    /// `CREATE`, `UPDATE`, `DELETE` or `CONNECT`.
    pub operation: String,
    #[serde(default)]
    pub user_info: UserInfo,
    #[serde(default)]
    pub object: Option<Value>,
    #[serde(default)]
    pub old_object: Option<Value>,
    #[serde(default)]
    pub dry_run: bool,
}

#[derive(Debug, Deserialize)]
pub(super) struct GroupVersionKind {
    /// Empty for the core group.
    #[serde(default)]
    pub group: String,
    pub kind: String,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct UserInfo {
    #[serde(default)]
    pub username: String,
}

/// Why a body is not a review the gate can answer.
#[derive(Debug, thiserror::Error)]
pub(super) enum ReviewError {
    #[error("the body is not an AdmissionReview: {0}")]
    Shape(#[from] serde_json::Error),
    #[error(
        "`apiVersion` is `{0}`; this webhook answers `{API_VERSION}` (set `admissionReviewVersions: [\"v1\"]`)"
    )]
    Version(String),
    #[error("`kind` is `{0}`, not `{KIND}`")]
    Kind(String),
    #[error("the AdmissionReview has no `request`")]
    NoRequest,
    #[error("`request.uid` is empty")]
    NoUid,
}

/// Reads a review's request from the raw body.
pub(super) fn parse(body: &[u8]) -> Result<Request, ReviewError> {
    let review: Review = serde_json::from_slice(body)?;
    if review.api_version != API_VERSION {
        return Err(ReviewError::Version(review.api_version));
    }
    if review.kind != KIND {
        return Err(ReviewError::Kind(review.kind));
    }
    let request = review.request.ok_or(ReviewError::NoRequest)?;
    if request.uid.trim().is_empty() {
        return Err(ReviewError::NoUid);
    }
    Ok(request)
}

/// The answer: always HTTP 200; `allowed`, and for a denial the status the API
/// server shows (`kubectl` prints its message).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Answer {
    api_version: &'static str,
    kind: &'static str,
    response: Response,
}

#[derive(Debug, Serialize)]
struct Response {
    uid: String,
    allowed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<Status>,
    /// Shown by `kubectl` as `Warning: …` even when admitted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Status {
    code: u16,
    message: String,
}

impl Answer {
    pub(super) fn allow(uid: &str, warnings: Vec<String>) -> Answer {
        Answer::new(uid, true, None, warnings)
    }

    /// A refusal with its HTTP-like `code`: 403 for a policy denial, 400 for a
    /// request the policy cannot read, 500 when the server cannot decide.
    pub(super) fn deny(uid: &str, code: u16, message: String) -> Answer {
        Answer::new(uid, false, Some(Status { code, message }), Vec::new())
    }

    fn new(uid: &str, allowed: bool, status: Option<Status>, warnings: Vec<String>) -> Answer {
        Answer {
            api_version: API_VERSION,
            kind: KIND,
            response: Response {
                uid: uid.to_string(),
                allowed,
                status,
                warnings,
            },
        }
    }
}
