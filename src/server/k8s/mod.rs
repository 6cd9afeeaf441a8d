//! The Kubernetes front doors: a validating admission webhook that gates the
//! workloads whose pod template changes, and the Flagger gate. Both decide like
//! `/v1/check`; each answers in the shape its caller reads.
//!
//! `review` is the AdmissionReview wire format, `change` says whether a request
//! changes running code, `target` which service and environment it deploys, and
//! `admission` turns a decision into the answer. `flagger` is the canary gate.
//! `denial` is the one-line "why not, when next" both show.

pub(super) mod admission;
mod change;
mod denial;
pub(super) mod flagger;
pub(super) mod review;
mod target;
