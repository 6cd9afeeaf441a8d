//! shipwindow: may service S be deployed to environment E at time T — and if not,
//! why not and when next?
//!
//! # The façade
//!
//! Load a policy set, ask it about a deploy, read the answer:
//!
//! ```
//! use shipwindow::{DeployRequest, PolicySet, Verdict, decide};
//!
//! let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
//! let policy = PolicySet::load(&dir).unwrap();
//! // Friday 27 November 2026, 17:30 in Seoul: Black Friday and the weekend freeze.
//! let at = chrono::DateTime::parse_from_rfc3339("2026-11-27T17:30:00+09:00").unwrap();
//! let request = DeployRequest::new("web", "prod", at.to_utc());
//! let decision = decide(&policy, &request).unwrap();
//! assert_eq!(decision.verdict, Verdict::Deny);
//! assert!(decision.blocked_by.iter().any(|b| b.rule == "weekend"));
//! assert!(decision.next_allowed.is_some());
//! ```
//!
//! # The layers behind it
//!
//! Each module depends only on modules in the rows above it, and no source file
//! imports one that imports it back (`tests/it/layers.rs` checks both):
//!
//! ```text
//! credentials · text                        URL passwords kept out of messages;
//!                                           control characters refused or escaped
//! suggest · diagnostic · calendar · clock   did-you-mean; a problem at a span of a
//!                                           file; interval sets; now and waiting
//! time                                      zones, gaps and folds, cron, time specs
//! market · ics · traffic                    exchange calendars; iCalendar files, feeds;
//!                                           low-traffic windows from Prometheus
//! policy                                    TOML files → validated rules (+ runtime rules)
//! eval                                      request → decision, next allowed, windows
//! plan                                      a strategy's timeline and its comparison
//! review                                    a policy change as the time it blocks and opens
//! input                                     request text (flags, queries, JSON) → request
//! runner · store · wire                     carrying a plan out; the server's store
//!                                           state; the JSON and iCalendar shapes
//! server                                    the HTTP front door
//! cli                                       the command line (it also starts the server)
//! ```
//!
//! `eval` never touches IO, a clock, HTTP or flags. The two front doors hold no
//! policy logic: they turn transport input into a request and a decision back
//! into text, JSON or an exit code. The layers are public so that the front
//! doors, the benchmarks and the integration tests can reach them; `suggest` and
//! `diagnostic` are reached through `policy`.

pub mod calendar;
pub mod cli;
pub mod clock;
mod credentials;
mod diagnostic;
pub mod eval;
pub mod ics;
pub mod input;
pub mod market;
pub mod plan;
pub mod policy;
pub mod review;
pub mod runner;
pub mod server;
pub mod store;
mod suggest;
pub mod text;
pub mod time;
pub mod traffic;
pub mod wire;

pub use eval::{
    Blocker, BlockerKind, Decision, DeployRequest, EvalError, Override, Verdict, WindowsReport,
    decide, next_allowed, windows,
};
pub use plan::Plan;
pub use policy::{ChangeKind, LoadError, LoadOptions, PolicySet};
