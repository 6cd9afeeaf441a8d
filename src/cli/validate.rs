//! `shipwindow validate`: load the policy set and say what it holds, or print
//! every problem — for people with the offending source line underlined, as a
//! JSON array for machines, or as GitHub annotations on the lines of a pull
//! request. Warnings (what loads but was probably not meant) come the same
//! three ways; `--deny-warnings` makes them fail the run.

use super::exit::{EXIT_ALLOWED, EXIT_BAD_INPUT};
use super::format::{Format, to_json};
use super::github::{Level, annotation};
use super::output::{out, outln};
use crate::policy::{Diagnostic, PolicySet, RuleKind, RuleSource};
use chrono::SecondsFormat;
use clap::Args;
use std::mem::ManuallyDrop;
use std::path::Path;

#[derive(Args, Debug)]
pub(super) struct ValidateArgs {
    /// human: each problem with its source line; json: an array of problems
    /// (`[]` when the set loads with no warning); github: an `::error` or
    /// `::warning` annotation per problem, at its file, line and column
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Treat warnings as errors: exit 2 when there is any
    #[arg(long)]
    pub deny_warnings: bool,
}

/// One problem as `validate --format json` lists it: the diagnostic's fields
/// and whether it stops the set from loading.
#[derive(serde::Serialize)]
struct Listed<'d> {
    #[serde(flatten)]
    diagnostic: &'d Diagnostic,
    severity: Level,
}

/// Exit 0 when the set loads (with no warning under `--deny-warnings`), 2 when
/// it has problems (counted on stderr).
pub(super) fn validate(dir: &Path, args: &ValidateArgs) -> u8 {
    match PolicySet::load(dir) {
        Ok(policy) => {
            // Never freed: the process exits once the summary is printed, and
            // freeing thousands of rules one by one would only delay that.
            let policy = ManuallyDrop::new(policy);
            let warnings = &policy.warnings;
            let failed = args.deny_warnings && !warnings.is_empty();
            match args.format {
                Format::Json => outln!("{}", to_json(&listed(warnings, Level::Warning))),
                Format::Github => {
                    for w in warnings {
                        outln!("{}", annotation(Level::Warning, w));
                    }
                }
                Format::Human => {
                    if !failed {
                        outln!("{}", summary(dir, &policy));
                        out!("{}", traffic_windows(&policy));
                    }
                    // A blank line between two, and after the `ok:` line.
                    for (i, w) in warnings.iter().enumerate() {
                        let gap = if i > 0 || !failed { "\n" } else { "" };
                        out!("{gap}{}\n", w.render_warning());
                    }
                }
            }
            if !warnings.is_empty() {
                let n = warnings.len();
                let denied = if failed {
                    " (denied by --deny-warnings)"
                } else {
                    ""
                };
                eprintln!("{n} warning{}{denied}", if n == 1 { "" } else { "s" });
            }
            if failed { EXIT_BAD_INPUT } else { EXIT_ALLOWED }
        }
        Err(err) => {
            match args.format {
                Format::Json => outln!("{}", to_json(&listed(&err.diagnostics, Level::Error))),
                Format::Human => outln!("{}", err.render()),
                Format::Github => {
                    for d in &err.diagnostics {
                        outln!("{}", annotation(Level::Error, d));
                    }
                }
            }
            let n = err.diagnostics.len();
            eprintln!("{n} problem{} found", if n == 1 { "" } else { "s" });
            EXIT_BAD_INPUT
        }
    }
}

fn listed(diagnostics: &[Diagnostic], severity: Level) -> Vec<Listed<'_>> {
    diagnostics
        .iter()
        .map(|diagnostic| Listed {
            diagnostic,
            severity,
        })
        .collect()
}

/// `ok: 8 rules (2 windows, 5 freezes, 1 market) in policies, zone …, policy …`.
fn summary(dir: &Path, policy: &PolicySet) -> String {
    let count = |kind| policy.rules.iter().filter(|r| r.kind == kind).count();
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut kinds = vec![
        plural(count(RuleKind::Window), "window", "windows"),
        plural(count(RuleKind::Freeze), "freeze", "freezes"),
    ];
    if count(RuleKind::Market) > 0 {
        kinds.push(plural(count(RuleKind::Market), "market", "markets"));
    }
    let lanes = match policy.lanes.len() {
        0 => String::new(),
        n => format!(", {}", plural(n, "lane", "lanes")),
    };
    format!(
        "ok: {} rules ({}){lanes} in {}, zone {}, policy {}",
        policy.rules.len(),
        kinds.join(", "),
        dir.display(),
        policy.settings.timezone,
        policy.fingerprint
    )
}

/// For each window whose times come from traffic, the windows it derives now:
/// `  web-quiet: sun 22:00-mon 05:00, tue 01:00-05:00 (America/New_York), from
/// the profile fetched …` (and why a refresh failed, when the copy is stale).
fn traffic_windows(policy: &PolicySet) -> String {
    let mut out = String::new();
    for rule in &policy.rules {
        let RuleSource::Traffic(source) = rule.events() else {
            continue;
        };
        let fetched = source
            .copy
            .fetched_at
            .with_timezone(&rule.timezone)
            .to_rfc3339_opts(SecondsFormat::Secs, false);
        out.push_str(&format!(
            "  {}: {} ({}), from the traffic profile at {} fetched {fetched}\n",
            rule.name,
            source.describe(),
            rule.timezone.name(),
            source.address()
        ));
        if let Some(error) = &source.copy.error {
            out.push_str(&format!("    stale: the last refresh failed: {error}\n"));
        }
    }
    out
}
