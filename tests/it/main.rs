//! The integration tests, one binary: each file below is a module with the tests of
//! one area, and `support` holds the helpers they share (one link instead of thirty).

mod support;

mod blank_input;
mod ci_action;
mod ci_gitlab;
mod cli;
mod control_chars;
mod decision;
mod e2e_nginx;
mod hostile_input;
mod ics_errors;
mod ics_events;
mod ics_export;
mod ics_feed;
mod ics_fixtures;
mod ics_hostile;
mod ics_scale;
mod layers;
mod lead_tail;
mod load_errors;
mod market_reference;
mod market_rule;
mod market_xhkg;
mod market_xkrx;
mod market_xlon;
mod market_xnys;
mod market_xtks;
mod metrics;
mod plan;
mod plan_compare;
mod policy_files;
mod property;
mod remote_answers;
mod runner;
mod runtime_bounds;
mod server;
mod server_ops;
mod server_state;
mod slack;
mod state_names;
mod strategy_load;
mod time_range;
mod url_credentials;
mod wait;
mod windows_output;
