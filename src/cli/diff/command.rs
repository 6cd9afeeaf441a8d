//! Running `diff`: both policy sets loaded (the base from a directory or a
//! git ref), the range and the pairs resolved, every pair's timelines
//! compared, the held deploys asked about, and the answer printed.

use super::args::{DiffArgs, DiffFormat};
use super::git_base::copy_at_ref;
use super::held::{Held, held_deploys};
use super::report::{Compared, DiffReport, HeldReport, Side};
use super::{human, json, markdown, svg};
use crate::cli::error::{CliError, flag_error};
use crate::cli::exit::{EXIT_ALLOWED, EXIT_DENIED};
use crate::cli::output::out;
use crate::eval::windows;
use crate::input::resolve_range;
use crate::policy::{ChangeKind, LoadOptions, PolicySet};
use crate::review::{HeldDeploy, NameFilter, diff_pair, newly_blocked, pairs};
use chrono::{SubsecRound, TimeDelta, Utc};
use std::path::{Path, PathBuf};

/// The range when `--to` is left out: a month, about the furthest ahead a
/// review of a policy change looks.
const DEFAULT_SPAN: TimeDelta = TimeDelta::days(30);

fn load(
    which: &str,
    label: &str,
    dir: &Path,
    options: &LoadOptions,
) -> Result<PolicySet, CliError> {
    PolicySet::load_with(dir, options).map_err(|e| {
        CliError::Usage(format!(
            "the {which} policy set (`{label}`) failed to load:\n{e}"
        ))
    })
}

fn filter(flag: &str, text: Option<&str>) -> Result<Option<NameFilter>, CliError> {
    let usage = |e: String| CliError::Usage(format!("--{flag}: {e}"));
    let Some(text) = text else {
        return Ok(None);
    };
    crate::text::check_line(text).map_err(|e| usage(e.to_string()))?;
    NameFilter::parse(text.trim()).map(Some).map_err(usage)
}

/// Runs `diff`; `policies` is the directory the other commands read, the
/// head's default.
pub(crate) fn diff(policies: PathBuf, args: &DiffArgs) -> Result<u8, CliError> {
    let now = Utc::now().trunc_subsecs(0);
    let options = LoadOptions::new(args.state.state_dir.clone(), now);
    let head_dir = args.head.clone().unwrap_or(policies);
    let head_label = head_dir.display().to_string();
    let head = load("head", &head_label, &head_dir, &options)?;
    let base_dir = Path::new(&args.base);
    let (base, git_ref) = if base_dir.is_dir() {
        (load("base", &args.base, base_dir, &options)?, false)
    } else {
        let copy =
            copy_at_ref(&args.base, &head_dir).map_err(|e| CliError::Usage(e.to_string()))?;
        // Problems name the files as `REF:path`, not the temporary copy.
        let copied = copy.path().display().to_string();
        let inside = format!("{copied}{}", std::path::MAIN_SEPARATOR);
        let base = load("base", &args.base, copy.path(), &options).map_err(|e| {
            let text = e.to_string().replace(&inside, &format!("{}:", args.base));
            CliError::Usage(text.replace(&copied, &format!("{}:.", args.base)))
        })?;
        (base, true)
    };
    let tz = head.settings.timezone;
    let (from, to) = resolve_range(
        args.from.as_deref(),
        args.to.as_deref(),
        DEFAULT_SPAN,
        tz,
        now,
    )
    .map_err(flag_error)?;
    let service = filter("service", args.service.as_deref())?;
    let env = filter("env", args.env.as_deref())?;
    let pairs = pairs(&base, &head, service.as_ref(), env.as_ref())
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let mut compared = Vec::with_capacity(pairs.len());
    for (service, env) in pairs {
        let timeline = |policy: &PolicySet, which: &str| {
            windows(policy, &service, &env, ChangeKind::Deploy, from, to).map_err(|e| {
                CliError::Usage(format!("{service} to {env} on the {which} policy: {e}"))
            })
        };
        let before = timeline(&base, "base")?;
        let after = timeline(&head, "head")?;
        compared.push(Compared {
            diff: diff_pair(&service, &env, &before, &after, tz),
            base: before,
            head: after,
        });
    }
    let held = match held_deploys(&args.store, &args.state, now)? {
        Held::NoStore { why } => HeldReport::NotChecked { why },
        Held::Checked { store, deploys } => {
            let refs: Vec<&dyn HeldDeploy> = deploys.iter().map(Box::as_ref).collect();
            HeldReport::Checked {
                store,
                count: deploys.len(),
                blocked: newly_blocked(&base, &head, &refs)?,
            }
        }
    };
    let report = DiffReport {
        base: Side {
            label: args.base.clone(),
            git_ref,
            fingerprint: base.fingerprint.clone(),
        },
        head: Side {
            label: head_label,
            git_ref: false,
            fingerprint: head.fingerprint.clone(),
        },
        from: from.with_timezone(&tz),
        to: to.with_timezone(&tz),
        pairs: compared,
        held,
    };
    match args.format {
        DiffFormat::Human => out!("{}", human::render(&report)),
        DiffFormat::Json => out!("{}", json::render(&report)),
        DiffFormat::Github => markdown::github(&report),
        DiffFormat::Svg => out!("{}", svg::render(&report)),
    }
    Ok(if args.fail_on_new_blocks && report.new_blocks() {
        EXIT_DENIED
    } else {
        EXIT_ALLOWED
    })
}
