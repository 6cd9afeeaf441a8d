//! Reads a policy directory: finds the files in path order, fingerprints them,
//! parses each, merges settings and rules, and checks what spans files (duplicate
//! names, a settings key set twice).

use super::error::LoadError;
use super::github::GithubMapping;
use super::index::RuleIndex;
use super::kubernetes::KubernetesMapping;
use super::lane::Lane;
use super::options::LoadOptions;
use super::read::calendar::Calendars;
use super::read::github::github;
use super::read::kubernetes::kubernetes;
use super::read::lane::lane;
use super::read::lint::windows_that_never_open;
use super::read::rule::rule;
use super::read::sections::{Section, sections};
use super::read::settings::{SETTINGS_KEYS, SettingsPart, settings_part};
use super::read::strategy::strategy;
use super::read::toolkit::{FileCtx, entries};
use super::regular_file::read_regular;
use super::rule::Rule;
use super::set::{PolicySet, Settings};
use super::strategy::Strategy;
use crate::diagnostic::{Diagnostic, Source};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use toml::de::DeTable;

impl PolicySet {
    /// Loads every `*.toml` file under `dir` (subdirectories included) in path
    /// order. Every problem in every file is reported, not just the first.
    /// Calendar feeds are cached under `$SHIPWINDOW_STATE_DIR` (see
    /// [`PolicySet::load_with`]).
    pub fn load(dir: &Path) -> Result<PolicySet, LoadError> {
        PolicySet::load_with(dir, &LoadOptions::from_env())
    }

    /// [`PolicySet::load`] with the feed cache and clock given.
    pub fn load_with(dir: &Path, options: &LoadOptions) -> Result<PolicySet, LoadError> {
        let fail = |message: String, help: Option<&str>| LoadError {
            diagnostics: vec![Diagnostic::whole(
                dir.to_path_buf(),
                message,
                help.map(String::from),
            )],
        };
        if !dir.is_dir() {
            return Err(fail(
                "policy directory not found".into(),
                Some(
                    "pass `--policies DIR`, set `SHIPWINDOW_POLICIES`, or run where `./policies` exists",
                ),
            ));
        }
        let mut found = Vec::new();
        discover(dir, Path::new(""), &mut found)
            .map_err(|e| fail(format!("cannot read the policy directory: {e}"), None))?;
        if found.is_empty() {
            return Err(fail(
                "no policy files (`*.toml`) in this directory".into(),
                Some("point `--policies` at the directory that holds your rules"),
            ));
        }
        // Every entry that cannot be read is reported, not just the first, in path order.
        found.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let mut contents = Vec::new();
        let mut unreadable = Vec::new();
        for (_, path) in &found {
            match read_regular(path) {
                Ok(bytes) => contents.push(bytes),
                Err(e) => unreadable.push(Diagnostic::whole(
                    path.clone(),
                    format!("cannot read the policy file: it {e}"),
                    Some(e.help().into()),
                )),
            }
        }
        if !unreadable.is_empty() {
            return Err(LoadError {
                diagnostics: unreadable,
            });
        }
        let files = found
            .iter()
            .zip(&contents)
            .map(|((rel, path), bytes)| SourceFile {
                rel,
                shown: path.clone(),
                bytes,
            })
            .collect();
        assemble(dir.to_path_buf(), files, options)
    }

    /// Builds a policy set from in-memory files (relative path, TOML text), as if
    /// they were the files of a directory; used by tests, benchmarks and embedders.
    pub fn from_files(files: &[(&str, &str)]) -> Result<PolicySet, LoadError> {
        let files = files
            .iter()
            .map(|(rel, text)| SourceFile {
                rel,
                shown: PathBuf::from(rel),
                bytes: text.as_bytes(),
            })
            .collect();
        assemble(PathBuf::new(), files, &LoadOptions::from_env())
    }
}

/// One file of a policy set: its path relative to the set's directory (what is
/// ordered and fingerprinted), the name used in messages, and its bytes.
struct SourceFile<'a> {
    rel: &'a str,
    shown: PathBuf,
    bytes: &'a [u8],
}

fn assemble(
    root: PathBuf,
    mut files: Vec<SourceFile<'_>>,
    options: &LoadOptions,
) -> Result<PolicySet, LoadError> {
    // Path order is the byte order of the relative paths, `/`-separated.
    files.sort_by(|a, b| a.rel.as_bytes().cmp(b.rel.as_bytes()));
    let sources: Vec<(PathBuf, &[u8])> = files.iter().map(|f| (f.shown.clone(), f.bytes)).collect();
    let mut calendars = Calendars::new(options, root.clone());
    let Built {
        settings,
        rules,
        strategies,
        github,
        kubernetes,
        lanes,
        warnings,
    } = build(&sources, &mut calendars)?;
    // The fingerprint covers the TOML files, then the calendar files they read, each in path
    // order; then the feeds' copies in use, by address, so that a decision can
    // be tied to the events that made it.
    let fingerprint = fingerprint(
        files
            .iter()
            .map(|f| (f.rel, f.bytes))
            .chain(
                calendars
                    .files
                    .iter()
                    .map(|(p, b)| (p.as_str(), b.as_slice())),
            )
            .chain(
                calendars
                    .feeds
                    .iter()
                    .map(|(u, b)| (u.as_str(), b.as_slice())),
            ),
    );
    let index = std::sync::Arc::new(RuleIndex::build(&rules));
    Ok(PolicySet {
        settings,
        index,
        rules,
        strategies,
        github,
        kubernetes,
        lanes,
        fingerprint,
        root,
        warnings,
    })
}

/// Every `.toml` file under `dir`, walked with a list of directories still to
/// read rather than by recursion, so that no directory tree, however deep, can
/// exhaust the stack (the files are put in path order afterwards). A directory
/// reached a second time (a symbolic link back up the tree, or two links to one
/// directory) is an error: followed, a loop would be walked until the paths grow
/// too long, reading its files again at every level. Names that start with `.`
/// are not read (`.git/`, an editor's `.#a.toml`); every other `*.toml` entry
/// that is not a directory is a policy file, whatever it is: one that cannot be
/// read as a regular file (a dangling link, a FIFO) is an error when it is read,
/// never skipped.
fn discover(dir: &Path, rel: &Path, out: &mut Vec<(String, PathBuf)>) -> std::io::Result<()> {
    let mut seen: HashMap<PathBuf, String> = HashMap::new();
    let mut pending = vec![rel.to_path_buf()];
    while let Some(rel) = pending.pop() {
        let here = dir.join(&rel);
        let shown = shown_name(&rel);
        if let Some(first) = seen.insert(fs::canonicalize(&here)?, shown.clone()) {
            return Err(std::io::Error::other(format!(
                "`{shown}` is the directory `{first}` again (a symbolic link); each policy file is read once, so remove the link"
            )));
        }
        for entry in fs::read_dir(&here)? {
            let entry = entry?;
            if entry.file_name().as_encoded_bytes().starts_with(b".") {
                continue;
            }
            let rel_path = rel.join(entry.file_name());
            let full = dir.join(&rel_path);
            // Follows links; a dangling link or a link cycle is not a directory.
            if fs::metadata(&full).is_ok_and(|m| m.is_dir()) {
                pending.push(rel_path);
            } else if rel_path.extension().is_some_and(|e| e == "toml") {
                out.push((shown_name(&rel_path), full));
            }
        }
    }
    Ok(())
}

/// A path relative to the policy directory as messages show it: `/`-separated,
/// `.` for the directory itself.
fn shown_name(rel: &Path) -> String {
    let shown = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    if shown.is_empty() { ".".into() } else { shown }
}

/// A file that is not UTF-8, at the line and column of its first bad byte: the
/// text up to it is shown as it is, the bad byte as `�`.
fn not_utf8(file: &Path, bytes: &[u8], e: std::str::Utf8Error) -> Diagnostic {
    let at = e.valid_up_to();
    let shown = String::from_utf8_lossy(bytes);
    let source = Source::new(file.to_path_buf(), &shown);
    let byte = bytes.get(at).copied().unwrap_or_default();
    source.diagnostic(
        at..at + char::REPLACEMENT_CHARACTER.len_utf8(),
        format!("not UTF-8 text (byte `0x{byte:02X}` is not valid UTF-8 here)"),
        Some(
            "save the policy file as UTF-8; it may have been saved as Latin-1 or Windows-1252"
                .into(),
        ),
    )
}

/// The fingerprint: SHA-256 over each file's relative path, NUL, decimal length, NUL, bytes.
pub(crate) fn fingerprint<'a>(files: impl Iterator<Item = (&'a str, &'a [u8])>) -> String {
    let mut hasher = Sha256::new();
    for (rel, bytes) in files {
        hasher.update(rel.as_bytes());
        hasher.update([0]);
        hasher.update(bytes.len().to_string().as_bytes());
        hasher.update([0]);
        hasher.update(bytes);
    }
    let digest = hasher.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// What the files of a set hold, in policy order, and the warnings about what
/// loads but was probably not meant.
pub(crate) struct Built {
    pub settings: Settings,
    pub rules: Vec<Rule>,
    pub strategies: Vec<Strategy>,
    pub github: Vec<GithubMapping>,
    pub kubernetes: Vec<KubernetesMapping>,
    pub lanes: Vec<Lane>,
    pub warnings: Vec<Diagnostic>,
}

/// Builds settings, rules, strategies and the `[[github]]` and `[[kubernetes]]`
/// tables from file contents in path order.
pub(crate) fn build(
    sources: &[(PathBuf, &[u8])],
    calendars: &mut Calendars<'_>,
) -> Result<Built, LoadError> {
    let mut ctxs = Vec::new();
    let mut trees: Vec<Option<DeTable<'_>>> = Vec::new();
    for (file, bytes) in sources {
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let mut ctx = FileCtx::new(file.clone(), "");
                ctx.diags.push(not_utf8(file, bytes, e));
                ctxs.push(ctx);
                trees.push(None);
                continue;
            }
        };
        let mut ctx = FileCtx::new(file.clone(), text);
        let (tree, errors) = DeTable::parse_recoverable(text);
        for err in &errors {
            let span = err.span().unwrap_or(0..0);
            let message = err.message().trim().trim_end_matches('.').to_string();
            ctx.error(
                &span,
                format!("TOML syntax: {message}"),
                Some("see https://toml.io for the syntax".into()),
            );
        }
        // A file with syntax errors is not read further: its tree is a guess.
        trees.push(errors.is_empty().then(|| tree.into_inner()));
        ctxs.push(ctx);
    }

    // Pass 1: settings, which every rule's default zone depends on.
    let mut settings = Settings::default();
    let mut set_where: HashMap<&str, String> = HashMap::new();
    for (ctx, tree) in ctxs.iter_mut().zip(&trees) {
        let Some(tree) = tree else { continue };
        // Sections are split again (and their shape reported) in pass 2.
        for (_, section) in sections(&mut FileCtx::new(ctx.file().to_path_buf(), ctx.text), tree) {
            let Section::Settings(table) = section else {
                continue;
            };
            // Claim every key this table sets, valid or not, so a duplicate is
            // reported even while the first value has a problem of its own.
            let mut claimed: Vec<&str> = Vec::new();
            for e in entries(table) {
                let Some(key) = SETTINGS_KEYS.iter().find(|k| **k == e.key) else {
                    continue;
                };
                match set_where.get(key) {
                    Some(first) => ctx.error(
                        &e.key_span,
                        format!("settings key `{key}` is already set at {first}"),
                        Some("a settings key may be set in one file only".into()),
                    ),
                    None => {
                        set_where.insert(key, ctx.place(e.key_span.start));
                        claimed.push(key);
                    }
                }
            }
            let part: SettingsPart = settings_part(ctx, table);
            let mine = |key: &str| claimed.contains(&key);
            if let Some((tz, _)) = part.timezone.filter(|_| mine("timezone")) {
                settings.timezone = tz;
            }
            for (key, value, slot) in [
                (
                    "deploy_duration",
                    part.deploy_duration,
                    &mut settings.deploy_duration,
                ),
                ("monitoring", part.monitoring, &mut settings.monitoring),
                ("horizon", part.horizon, &mut settings.horizon),
            ] {
                if let Some((d, _)) = value.filter(|_| mine(key)) {
                    *slot = d;
                }
            }
        }
    }

    // Pass 2: rules and strategies, in policy order, with names unique across the
    // set (rules and strategies each have their own names).
    let mut rules = Vec::new();
    let mut strategies = Vec::new();
    let mut mappings = Vec::new();
    let mut namespaces = Vec::new();
    let mut names: HashMap<String, String> = HashMap::new();
    let mut strategy_names: HashMap<String, String> = HashMap::new();
    let mut lanes = Vec::new();
    let mut lane_names: HashMap<String, String> = HashMap::new();
    // Where each rule was written (its file and table), for warnings about it.
    let mut rule_at: Vec<(usize, std::ops::Range<usize>)> = Vec::new();
    for (file_index, (ctx, tree)) in ctxs.iter_mut().zip(&trees).enumerate() {
        let Some(tree) = tree else { continue };
        for (_, section) in sections(ctx, tree) {
            match section {
                Section::Settings(_) => {}
                Section::Rule(kind, table, span) => {
                    // Names are claimed before the rule is validated, for the same reason.
                    let duplicate = claim_name(ctx, table, &span, &mut names, "rule");
                    if let Some(rule) = rule(ctx, kind, table, &span, settings.timezone, calendars)
                        && !duplicate
                    {
                        rules.push(rule);
                        rule_at.push((file_index, span.clone()));
                    }
                }
                Section::Strategy(table, span) => {
                    let duplicate = claim_name(ctx, table, &span, &mut strategy_names, "strategy");
                    if let Some(strategy) = strategy(ctx, table, &span)
                        && !duplicate
                    {
                        strategies.push(strategy);
                    }
                }
                Section::Github(table, span) => {
                    if let Some(mapping) = github(ctx, table, &span) {
                        mappings.push(mapping);
                    }
                }
                Section::Kubernetes(table, span) => {
                    if let Some(mapping) = kubernetes(ctx, table, &span) {
                        namespaces.push(mapping);
                    }
                }
                Section::Lane(table, span) => {
                    let duplicate = claim_name(ctx, table, &span, &mut lane_names, "lane");
                    if let Some(l) = lane(ctx, table, &span)
                        && !duplicate
                    {
                        lanes.push(l);
                    }
                }
            }
        }
    }

    for (i, message) in windows_that_never_open(&rules, calendars.now()) {
        if let Some((file_index, span)) = rule_at.get(i)
            && let Some(ctx) = ctxs.get_mut(*file_index)
        {
            let help = "check the window's days and times against the freezes that apply to its services and environments";
            ctx.warn(span, message, Some(help.into()));
        }
    }
    let mut diagnostics = Vec::new();
    let mut warnings = Vec::new();
    for ctx in ctxs {
        let file = ctx.file().to_path_buf();
        let mut w = ctx.warnings;
        w.sort_by_key(|d| d.position);
        warnings.extend(w);
        let mut d = ctx.diags;
        // A file's own problems by position, then those of the calendars it reads.
        d.sort_by(|a, b| {
            let key = |d: &Diagnostic| (d.file != file, d.file.clone(), d.position);
            key(a).cmp(&key(b))
        });
        diagnostics.extend(d);
    }
    if diagnostics.is_empty() {
        Ok(Built {
            settings,
            rules,
            strategies,
            github: mappings,
            kubernetes: namespaces,
            lanes,
            warnings,
        })
    } else {
        Err(LoadError { diagnostics })
    }
}

/// Records a table's `name` (when it is a string) as used at the table's position;
/// reports it and returns true when an earlier `what` already has it.
fn claim_name(
    ctx: &mut FileCtx<'_>,
    table: &DeTable<'_>,
    span: &std::ops::Range<usize>,
    names: &mut HashMap<String, String>,
    what: &str,
) -> bool {
    let Some(e) = entries(table).find(|e| e.key == "name") else {
        return false;
    };
    let toml::de::DeValue::String(n) = e.value.get_ref() else {
        return false;
    };
    match names.get(n.as_ref()) {
        Some(first) => {
            ctx.error(
                &e.value.span(),
                format!("{what} name `{n}` is already used at {first}"),
                Some(format!("{what} names are unique across the policy set")),
            );
            true
        }
        None => {
            names.insert(n.to_string(), ctx.place(span.start));
            false
        }
    }
}
