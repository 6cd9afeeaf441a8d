//! The policy model: validated rules and settings, loaded from a directory of TOML
//! files. Only the model is evaluated; text never reaches the evaluator.
//!
//! The model (`set`, `rule`, `scope`, `strategy`, `lead_tail`, `github`, `kubernetes`) knows nothing of
//! TOML; `index` and `applicable` find the rules that apply to a service and
//! `reuse` keeps their expansions between requests; `read` turns one file's text into it, and `load` reads the files of a
//! directory and puts the set together.

mod applicable;
mod build;
mod error;
mod github;
mod index;
mod kubernetes;
mod lane;
mod lead_tail;
mod load;
mod options;
mod parallel;
mod read;
mod regular_file;
mod reservation;
mod reuse;
mod rule;
mod runtime;
mod scope;
mod set;
mod strategy;

pub use crate::diagnostic::Diagnostic;
pub(crate) use applicable::Applying;
pub use error::LoadError;
pub use github::{GithubMapping, GithubTarget, github_target};
pub use index::APPLICABLE_BUDGET;
pub use kubernetes::{KubernetesMapping, kubernetes_env};
pub use lane::Lane;
pub use lead_tail::MAX_LEAD_TAIL;
pub use options::LoadOptions;
pub use read::calendar::DEFAULT_REFRESH;
pub(crate) use read::toolkit::valid_name;
pub use regular_file::MAX_FILE_BYTES;
pub(crate) use regular_file::read_regular;
pub use reservation::{ReservationSpec, reservation_rule_name};
pub use reuse::{CHUNK_SECONDS, RULE_DAYS_BUDGET, SET_DAYS_BUDGET};
pub(crate) use reuse::{Day, Expansions, SetDay, day_interval, days_of};
pub use rule::{
    ChangeKind, Coverage, Extended, Held, OverridePolicy, Rule, RuleKind, RuleOrigin, RuleSource,
};
pub use runtime::{RuntimeFreezeSpec, runtime_reason_parts, runtime_rule_name};
pub use scope::Scope;
pub use set::{MAX_HORIZON, MAX_LENGTH, PolicySet, Settings};
pub use strategy::{
    Batch, Hook, HookValues, Hooks, OnWindowClose, PLACEHOLDERS, Strategy, StrategyKind,
};
