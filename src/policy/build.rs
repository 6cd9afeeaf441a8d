//! The files of a set, in path order, read into settings, rules, strategies and
//! mappings. Each file is parsed on its own, then `[settings]` is read (every
//! rule's default zone), the names are claimed in policy order (unique across
//! the set), the tables are read, and last the rules that read a calendar or a
//! traffic profile, one at a time. A large set is parsed and read on every
//! core; whatever ran where, every problem comes out in the order, and with the
//! text, of a one-at-a-time read.

use super::error::LoadError;
use super::github::GithubMapping;
use super::kubernetes::KubernetesMapping;
use super::lane::Lane;
use super::parallel::{map_in_order, workers_for};
use super::read::calendar::Calendars;
use super::read::github::github;
use super::read::kubernetes::kubernetes;
use super::read::lane::lane;
use super::read::lint::windows_that_never_open;
use super::read::rule::{reads_outside, rule};
use super::read::sections::{Section, sections};
use super::read::settings::{SETTINGS_KEYS, SettingsPart, settings_part};
use super::read::strategy::strategy;
use super::read::toolkit::{FileCtx, FileText, entries};
use super::rule::Rule;
use super::set::Settings;
use super::strategy::Strategy;
use crate::diagnostic::{Diagnostic, Source};
use chrono_tz::Tz;
use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::de::{DeTable, DeValue};

/// Below this much TOML, files are parsed on this thread: starting threads
/// would cost more than they save.
const PARSE_IN_PARALLEL: usize = 64 * 1024;

/// Below this many tables, they are read on this thread.
const READ_IN_PARALLEL: usize = 256;

/// Tables read as one job: enough that taking a job costs nothing beside it.
const TABLES_PER_JOB: usize = 64;

/// How many threads parse and read: as many as are worth it, or exactly so
/// many (the tests compare one with several).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Threads {
    Auto,
    #[cfg_attr(not(test), expect(dead_code, reason = "the tests choose the count"))]
    Exactly(usize),
}

impl Threads {
    fn for_work(self, items: usize, size: usize, worth_it: usize) -> usize {
        match self {
            Threads::Auto => workers_for(items, size, worth_it),
            Threads::Exactly(n) => n,
        }
    }
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
    build_with(sources, calendars, Threads::Auto)
}

/// [`build`] on the threads given.
pub(crate) fn build_with(
    sources: &[(PathBuf, &[u8])],
    calendars: &mut Calendars<'_>,
    threads: Threads,
) -> Result<Built, LoadError> {
    let decoded: Vec<_> = sources
        .iter()
        .map(|(file, bytes)| {
            let text = std::str::from_utf8(bytes);
            let file_text = FileText::new(file.clone(), text.unwrap_or_default());
            (file_text, text.err())
        })
        .collect();
    let size = sources.iter().map(|(_, bytes)| bytes.len()).sum();
    let parse_workers = threads.for_work(sources.len(), size, PARSE_IN_PARALLEL);
    let jobs: Vec<_> = decoded.iter().zip(sources).collect();
    let (mut ctxs, trees): (Vec<FileCtx<'_>>, Vec<Option<DeTable<'_>>>) =
        map_in_order(jobs, parse_workers, |((text, bad), (file, bytes))| {
            parse(text, file, bytes, *bad)
        })
        .into_iter()
        .unzip();

    // The sections of each file, with the problems of its top level kept aside:
    // they come after those of `[settings]`.
    let (split, mut tops): (Vec<_>, Vec<_>) = ctxs
        .iter()
        .zip(&trees)
        .map(|(ctx, tree)| {
            let mut top = ctx.fork();
            let list = tree.as_ref().map(|t| sections(&mut top, t));
            (list.unwrap_or_default(), top)
        })
        .unzip();

    let settings = read_settings(&mut ctxs, &split);
    for (ctx, top) in ctxs.iter_mut().zip(tops.drain(..)) {
        ctx.absorb(top);
    }

    let mut tables = claim_names(&ctxs, split);
    let read_workers = threads.for_work(
        tables.len().div_ceil(TABLES_PER_JOB),
        tables.len(),
        READ_IN_PARALLEL,
    );
    // Each job reads its tables in place: a table, with what it reads into,
    // is too large to move about.
    let jobs: Vec<&mut [Table<'_, '_>]> = tables.chunks_mut(TABLES_PER_JOB).collect();
    let template = calendars.sibling();
    let siblings = map_in_order(jobs, read_workers, |job| {
        let mut local = template.sibling();
        for table in job.iter_mut().filter(|t| !t.outside()) {
            table.read(settings.timezone, &mut local);
        }
        local
    });
    for local in siblings {
        calendars.absorb(local);
    }
    // Calendars and traffic profiles are read one at a time, in policy order:
    // two rules may share a feed's fetch, and what they read is fingerprinted.
    for table in tables.iter_mut().filter(|t| t.outside()) {
        table.read(settings.timezone, calendars);
    }

    let mut rules = Vec::new();
    let mut strategies = Vec::new();
    let mut mappings = Vec::new();
    let mut namespaces = Vec::new();
    let mut lanes = Vec::new();
    // Where each rule was written (its file and table), for warnings about it.
    let mut rule_at: Vec<(usize, Range<usize>)> = Vec::new();
    for table in tables {
        if let Some(ctx) = ctxs.get_mut(table.file) {
            ctx.absorb(table.ctx);
        }
        match table.read {
            Some(Read::Rule(rule)) if !table.duplicate => {
                rules.push(rule);
                rule_at.push((table.file, table.span));
            }
            Some(Read::Strategy(s)) if !table.duplicate => strategies.push(s),
            Some(Read::Lane(l)) if !table.duplicate => lanes.push(l),
            Some(Read::Github(m)) => mappings.push(m),
            Some(Read::Kubernetes(m)) => namespaces.push(m),
            _ => {}
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

/// One file parsed: its problems so far and, when it has no syntax error, its tree.
fn parse<'a>(
    text: &'a FileText<'a>,
    file: &Path,
    bytes: &[u8],
    bad: Option<std::str::Utf8Error>,
) -> (FileCtx<'a>, Option<DeTable<'a>>) {
    let mut ctx = FileCtx::new(text);
    if let Some(e) = bad {
        ctx.diags.push(not_utf8(file, bytes, e));
        return (ctx, None);
    }
    let (tree, errors) = DeTable::parse_recoverable(ctx.text);
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
    (ctx, errors.is_empty().then(|| tree.into_inner()))
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

type Sections<'t, 'a> = Vec<(usize, Section<'t, 'a>)>;

/// `[settings]`, from every file in path order: each key may be set in one file only.
fn read_settings(ctxs: &mut [FileCtx<'_>], split: &[Sections<'_, '_>]) -> Settings {
    let mut settings = Settings::default();
    let mut set_where: HashMap<&str, String> = HashMap::new();
    for (ctx, list) in ctxs.iter_mut().zip(split) {
        for (_, section) in list {
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
    settings
}

/// One table of a file to read (any but `[settings]`), with its own sink for
/// problems so that it can be read anywhere and its problems put back in order.
struct Table<'t, 'a> {
    file: usize,
    section: Section<'t, 'a>,
    span: Range<usize>,
    ctx: FileCtx<'a>,
    /// An earlier table of its kind has its name: it is read, but not kept.
    duplicate: bool,
    read: Option<Read>,
}

/// What a table was read into.
enum Read {
    Rule(Rule),
    Strategy(Strategy),
    Github(GithubMapping),
    Kubernetes(KubernetesMapping),
    Lane(Lane),
    /// It had problems (all reported).
    Nothing,
}

impl Table<'_, '_> {
    /// Whether reading it reads a calendar or a traffic profile.
    fn outside(&self) -> bool {
        match &self.section {
            Section::Rule(kind, table, _) => reads_outside(*kind, table),
            _ => false,
        }
    }

    fn read(&mut self, zone: Tz, cals: &mut Calendars<'_>) {
        let ctx = &mut self.ctx;
        let read = match &self.section {
            Section::Settings(_) => None,
            Section::Rule(kind, table, span) => {
                rule(ctx, *kind, table, span, zone, cals).map(Read::Rule)
            }
            Section::Strategy(table, span) => strategy(ctx, table, span).map(Read::Strategy),
            Section::Github(table, span) => github(ctx, table, span).map(Read::Github),
            Section::Kubernetes(table, span) => kubernetes(ctx, table, span).map(Read::Kubernetes),
            Section::Lane(table, span) => lane(ctx, table, span).map(Read::Lane),
        };
        self.read = Some(read.unwrap_or(Read::Nothing));
    }
}

/// Where a name was first claimed: a file (by index) and a byte offset in it.
/// Its `file:line:column` is worked out only for a message about a duplicate.
type Claimed = (usize, usize);

/// The tables to read, in policy order, each with its name claimed before it
/// is read (rules, strategies and lanes each have their own names), so that a
/// duplicate is reported even while the first has a problem of its own.
fn claim_names<'t, 'a>(ctxs: &[FileCtx<'a>], split: Vec<Sections<'t, 'a>>) -> Vec<Table<'t, 'a>> {
    let mut rule_names = HashMap::new();
    let mut strategy_names = HashMap::new();
    let mut lane_names = HashMap::new();
    let mut tables = Vec::new();
    for (file, (ctx, list)) in ctxs.iter().zip(split).enumerate() {
        for (_, section) in list {
            let mut own = ctx.fork();
            let (names, what, table, span) = match &section {
                Section::Settings(_) => continue,
                Section::Rule(_, table, span) => (Some(&mut rule_names), "rule", table, span),
                Section::Strategy(table, span) => {
                    (Some(&mut strategy_names), "strategy", table, span)
                }
                Section::Lane(table, span) => (Some(&mut lane_names), "lane", table, span),
                Section::Github(table, span) | Section::Kubernetes(table, span) => {
                    (None, "", table, span)
                }
            };
            let duplicate = names.is_some_and(|names| {
                claim_name(&mut own, ctxs, (file, span.start), table, names, what)
            });
            let span = span.clone();
            tables.push(Table {
                file,
                section,
                span,
                ctx: own,
                duplicate,
                read: None,
            });
        }
    }
    tables
}

/// Records a table's `name` (when it is a string) as used at `at`; reports it
/// (on `ctx`) and returns true when an earlier `what` already has it.
fn claim_name<'t>(
    ctx: &mut FileCtx<'_>,
    files: &[FileCtx<'_>],
    at: Claimed,
    table: &'t DeTable<'_>,
    names: &mut HashMap<&'t str, Claimed>,
    what: &str,
) -> bool {
    let Some(e) = entries(table).find(|e| e.key == "name") else {
        return false;
    };
    let DeValue::String(n) = e.value.get_ref() else {
        return false;
    };
    match names.get(n.as_ref()) {
        Some(&(file, offset)) => {
            let first = files.get(file).map(|f| f.place(offset)).unwrap_or_default();
            ctx.error(
                &e.value.span(),
                format!("{what} name `{n}` is already used at {first}"),
                Some(format!("{what} names are unique across the policy set")),
            );
            true
        }
        None => {
            names.insert(n.as_ref(), at);
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::LoadOptions;
    use chrono::{TimeZone, Utc};
    use std::fmt::Write as _;

    /// Six files of rules, strategies and lanes, with names reused across
    /// files; `broken` adds a problem of every sort to every few tables.
    fn policy(broken: bool) -> Vec<(PathBuf, Vec<u8>)> {
        let mut files = Vec::new();
        for f in 0..6 {
            let mut text = String::new();
            if f == 0 || (broken && f == 3) {
                text.push_str("[settings]\ntimezone = \"Asia/Seoul\"\n");
            }
            for i in 0..120 {
                let n = f * 120 + i;
                // Every name is used twice, the second time in a later file.
                let name = if broken { n % 500 } else { n };
                let cron = if n % 50 == 0 {
                    "0 0 22-28 11 thu" // warned about: its day fields are ORed
                } else {
                    "0 22 * * mon-thu"
                };
                let _ = write!(
                    text,
                    "\n[[freeze]]\nname = \"r{name}\"\nservices = [\"svc-{}\", \"team-{}-*\"]\ncron = \"{cron}\"\nduration = \"2h\"\n",
                    n % 37,
                    n % 5
                );
                if broken {
                    match n % 7 {
                        0 => text.push_str("colour = \"red\"\n"),
                        1 => text.push_str("timezone = \"Mars/Olympus\"\n"),
                        2 => text.push_str("exempt = [\"hotfx\"]\n"),
                        _ => {}
                    }
                }
                if i % 40 == 0 && broken {
                    let _ = write!(text, "\n[[lane]]\nname = \"lane-{}\"\n", i / 40 % 2);
                    let _ = write!(
                        text,
                        "\n[[strategy]]\nname = \"s{}\"\nkind = \"canary\"\n",
                        f % 2
                    );
                } else if i % 40 == 0 {
                    let _ = write!(text, "\n[[lane]]\nname = \"lane-{f}-{i}\"\n");
                }
            }
            files.push((
                PathBuf::from(format!("rules/part-{f}.toml")),
                text.into_bytes(),
            ));
        }
        if broken {
            files.push((
                PathBuf::from("rules/syntax.toml"),
                b"[[freeze]\nname = 1\n".to_vec(),
            ));
            files.push((
                PathBuf::from("rules/latin1.toml"),
                b"reason = \"caf\xe9\"\n".to_vec(),
            ));
        }
        files
    }

    fn built_on(
        files: &[(PathBuf, Vec<u8>)],
        threads: Threads,
    ) -> Result<(Vec<String>, Vec<Diagnostic>), Vec<Diagnostic>> {
        let sources: Vec<(PathBuf, &[u8])> = files
            .iter()
            .map(|(p, b)| (p.clone(), b.as_slice()))
            .collect();
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        let options = LoadOptions::new(PathBuf::from("no-state-dir"), now);
        let mut calendars = Calendars::new(&options, PathBuf::from("policies"));
        build_with(&sources, &mut calendars, threads)
            .map(|b| {
                let names = b.rules.iter().map(|r| r.name.clone()).collect();
                (names, b.warnings)
            })
            .map_err(|e| e.diagnostics)
    }

    #[test]
    fn several_threads_read_a_set_exactly_as_one_does() {
        let files = policy(false);
        let one = built_on(&files, Threads::Exactly(1)).unwrap();
        assert_eq!(one.0.len(), 720);
        assert!(!one.1.is_empty(), "the ORed crons are warned about");
        for n in [2, 3, 8] {
            assert_eq!(
                built_on(&files, Threads::Exactly(n)).unwrap(),
                one,
                "{n} threads"
            );
        }
    }

    #[test]
    fn several_threads_report_every_problem_exactly_as_one_does() {
        let files = policy(true);
        let one = built_on(&files, Threads::Exactly(1)).unwrap_err();
        let text: Vec<String> = one.iter().map(ToString::to_string).collect();
        let has = |what: &str| text.iter().any(|t| t.contains(what));
        assert!(has("rule name `r0` is already used at rules/part-0.toml:"));
        assert!(has(
            "lane name `lane-0` is already used at rules/part-0.toml:"
        ));
        assert!(has(
            "strategy name `s0` is already used at rules/part-0.toml:"
        ));
        assert!(has(
            "settings key `timezone` is already set at rules/part-0.toml:2:1"
        ));
        assert!(has("unknown key `colour`"));
        assert!(has("unknown change kind `hotfx`"));
        assert!(has("TOML syntax"));
        assert!(has("not UTF-8 text"));
        for n in [2, 3, 8] {
            assert_eq!(
                built_on(&files, Threads::Exactly(n)).unwrap_err(),
                one,
                "{n} threads"
            );
        }
    }
}
