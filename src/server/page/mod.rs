//! The read-only page at `GET /`: pick a service and environment, see whether
//! a deploy may start now and why not, when it may over the next days (the
//! grid), and the runtime freezes. Rendered on the server, with no script and
//! nothing loaded from elsewhere, so it works offline and under a strict
//! Content-Security-Policy.
//!
//! `access` decides who may open it (the API's tokens, in `?token=` since a
//! browser cannot send the header), `handler` gathers what it shows, `html`
//! writes it, and `respond` sends it with its headers.

mod access;
mod handler;
mod html;
mod respond;

pub(super) use access::require_token;
pub(super) use handler::{favicon, show};
