//! `shipwindow validate`: load the policy set and say what it holds, or print
//! every problem — for people with the offending source line underlined, or as
//! a JSON array for machines.

use super::exit::{EXIT_ALLOWED, EXIT_BAD_INPUT};
use super::format::{WindowsFormat, to_json};
use super::output::outln;
use crate::policy::{PolicySet, RuleKind};
use clap::Args;
use std::path::Path;

#[derive(Args, Debug)]
pub(super) struct ValidateArgs {
    /// human: each problem with its source line; json: an array of problems
    /// (`[]` when the set loads)
    #[arg(long, value_enum, default_value_t = WindowsFormat::Human)]
    pub format: WindowsFormat,
}

/// Exit 0 when the set loads, 2 when it has problems (counted on stderr).
pub(super) fn validate(dir: &Path, format: WindowsFormat) -> u8 {
    match PolicySet::load(dir) {
        Ok(policy) => {
            if format == WindowsFormat::Json {
                outln!("[]");
                return EXIT_ALLOWED;
            }
            let count = |kind| policy.rules.iter().filter(|r| r.kind == kind).count();
            let plural = |n: usize, one: &str, many: &str| {
                format!("{n} {}", if n == 1 { one } else { many })
            };
            let mut kinds = vec![
                plural(count(RuleKind::Window), "window", "windows"),
                plural(count(RuleKind::Freeze), "freeze", "freezes"),
            ];
            if count(RuleKind::Market) > 0 {
                kinds.push(plural(count(RuleKind::Market), "market", "markets"));
            }
            outln!(
                "ok: {} rules ({}) in {}, zone {}, policy {}",
                policy.rules.len(),
                kinds.join(", "),
                dir.display(),
                policy.settings.timezone,
                policy.fingerprint
            );
            EXIT_ALLOWED
        }
        Err(err) => {
            match format {
                WindowsFormat::Json => outln!("{}", to_json(&err.diagnostics)),
                WindowsFormat::Human => outln!("{}", err.render()),
            }
            let n = err.diagnostics.len();
            eprintln!("{n} problem{} found", if n == 1 { "" } else { "s" });
            EXIT_BAD_INPUT
        }
    }
}
