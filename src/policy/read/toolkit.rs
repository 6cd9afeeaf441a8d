//! The TOML toolkit every policy reader uses, knowing nothing of rules: one
//! file's text and its diagnostics, a value looked up with its span, strings,
//! lists, durations and zones read with the right message for a wrong type,
//! "one of" a set of words with "did you mean", and unknown keys reported.

use crate::diagnostic::{Diagnostic, Source};
use crate::suggest::{by_prefix, closest, did_you_mean};
use crate::time::duration::parse_duration;
use crate::time::legacy_zone::city_zone_for;
use crate::time::{SyntaxError, parse_zone};
use chrono::TimeDelta;
use chrono_tz::Tz;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// One policy file's name and text. Its [`Source`] (a copy of the text and its
/// line index) is made the first time a problem or a place needs it: most files
/// of a large set have none, and loading is on the path of every short-lived
/// command. Shared by every reader of the file, on any thread.
pub(crate) struct FileText<'a> {
    file: PathBuf,
    text: &'a str,
    source: OnceLock<Source>,
}

impl<'a> FileText<'a> {
    pub fn new(file: PathBuf, text: &'a str) -> FileText<'a> {
        FileText {
            file,
            text,
            source: OnceLock::new(),
        }
    }

    fn source(&self) -> &Source {
        self.source
            .get_or_init(|| Source::new(self.file.clone(), self.text))
    }
}

/// One policy file being read: its text, and the sinks for its problems and
/// its warnings (what loads but is almost certainly not what was meant).
pub(crate) struct FileCtx<'a> {
    pub text: &'a str,
    of: &'a FileText<'a>,
    pub diags: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
}

impl<'a> FileCtx<'a> {
    pub fn new(of: &'a FileText<'a>) -> FileCtx<'a> {
        FileCtx {
            text: of.text,
            of,
            diags: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Empty sinks for the same file: a part of it read on its own (another
    /// thread, or later), whose problems are put back in order by [`FileCtx::absorb`].
    pub fn fork(&self) -> FileCtx<'a> {
        FileCtx::new(self.of)
    }

    /// Appends the problems and warnings of a fork, after those already here.
    pub fn absorb(&mut self, part: FileCtx<'a>) {
        self.diags.extend(part.diags);
        self.warnings.extend(part.warnings);
    }

    /// The file as the user would name it.
    pub fn file(&self) -> &Path {
        &self.of.file
    }

    /// `file:line:column` of a byte offset, for messages that point back to it.
    pub fn place(&self, offset: usize) -> String {
        self.of.source().place(offset)
    }

    pub fn error(&mut self, span: &Range<usize>, message: impl Into<String>, help: Option<String>) {
        let d = self.of.source().diagnostic(span.clone(), message, help);
        self.diags.push(d);
    }

    /// Something that loads but is almost certainly not what was meant.
    pub fn warn(&mut self, span: &Range<usize>, message: impl Into<String>, help: Option<String>) {
        let d = self.of.source().diagnostic(span.clone(), message, help);
        self.warnings.push(d);
    }

    /// A malformed time expression in `key`'s value: "`key`: message".
    pub fn syntax(&mut self, span: &Range<usize>, key: &str, err: SyntaxError) {
        self.error(span, format!("`{key}`: {}", err.message), err.help);
    }

    /// How many problems have been reported so far, to tell whether a reader
    /// added any.
    pub fn count(&self) -> usize {
        self.diags.len()
    }
}

/// A value with its key's span, looked up in a table.
pub(crate) struct Entry<'t, 'i> {
    pub key: &'t str,
    pub key_span: Range<usize>,
    pub value: &'t Spanned<DeValue<'i>>,
}

impl Entry<'_, '_> {
    pub fn span(&self) -> Range<usize> {
        self.value.span()
    }
}

pub(crate) fn entries<'t, 'i>(table: &'t DeTable<'i>) -> impl Iterator<Item = Entry<'t, 'i>> {
    table.iter().map(|(k, v)| Entry {
        key: k.get_ref().as_ref(),
        key_span: k.span(),
        value: v,
    })
}

/// The entry of `key`, looked up in the table's map (a rule reads some thirty
/// keys, most of them absent).
pub(crate) fn get<'t, 'i>(table: &'t DeTable<'i>, key: &str) -> Option<Entry<'t, 'i>> {
    table.get_key_value(key).map(|(k, v)| Entry {
        key: k.get_ref().as_ref(),
        key_span: k.span(),
        value: v,
    })
}

/// "a string", "an integer", …: a TOML value's type for messages.
pub(crate) fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// Reads a string value, reporting any other type.
pub(crate) fn string(ctx: &mut FileCtx<'_>, e: &Entry<'_, '_>, example: &str) -> Option<String> {
    match e.value.get_ref() {
        DeValue::String(s) => Some(s.to_string()),
        other => {
            ctx.error(
                &e.span(),
                format!("`{}` must be a string, found {}", e.key, type_name(other)),
                Some(format!("write `{} = {example}`", e.key)),
            );
            None
        }
    }
}

/// Reads an array of strings, with each item's span.
pub(crate) fn strings(
    ctx: &mut FileCtx<'_>,
    e: &Entry<'_, '_>,
    example: &str,
) -> Option<Vec<(String, Range<usize>)>> {
    let help = Some(format!("write a list of strings: `{} = {example}`", e.key));
    let DeValue::Array(items) = e.value.get_ref() else {
        ctx.error(
            &e.span(),
            format!(
                "`{}` must be a list of strings, found {}",
                e.key,
                type_name(e.value.get_ref())
            ),
            help,
        );
        return None;
    };
    let mut out = Vec::new();
    for item in items.iter() {
        match item.get_ref() {
            DeValue::String(s) => out.push((s.to_string(), item.span())),
            other => {
                ctx.error(
                    &item.span(),
                    format!(
                        "`{}` entries must be strings, found {}",
                        e.key,
                        type_name(other)
                    ),
                    help.clone(),
                );
                return None;
            }
        }
    }
    Some(out)
}

/// Whether `value`, the text of `key` at `span`, is one line of plain text:
/// free text that is printed to terminals and logs (a reason, a name) may not
/// hold a control character (C0, DEL, C1, a bidi control; see [`crate::text`]).
/// Reports it when it does.
pub(crate) fn plain_line(
    ctx: &mut FileCtx<'_>,
    span: &Range<usize>,
    key: &str,
    value: &str,
) -> bool {
    let Err(c) = crate::text::check_line(value) else {
        return true;
    };
    ctx.error(
        span,
        format!(
            "`{key}` must be one line of plain text: it has the control character U+{:04X} in it (at character {})",
            u32::from(c.ch),
            c.at + 1
        ),
        Some(if matches!(c.ch, '\n' | '\r') {
            "a multi-line string (`\"\"\"`) is one line only when each line break is escaped with a final `\\`".into()
        } else {
            "remove the character (it may be written as a `\\u` escape too)".into()
        }),
    );
    false
}

/// A string, or a TOML date-time written without quotes, as text.
pub(crate) fn string_or_datetime(ctx: &mut FileCtx<'_>, e: &Entry<'_, '_>) -> Option<String> {
    match e.value.get_ref() {
        DeValue::Datetime(d) => Some(d.to_string()),
        _ => string(ctx, e, "\"2026-11-26T00:00\""),
    }
}

/// The value of a TOML integer: `None` for another type, `Some(None)` for an
/// integer that does not fit in an `i64`.
pub(crate) fn integer(value: &DeValue<'_>) -> Option<Option<i64>> {
    match value {
        DeValue::Integer(i) => {
            Some(i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok())
        }
        _ => None,
    }
}

/// Reads a duration of at least `min` (zero or one second in practice).
pub(crate) fn duration(
    ctx: &mut FileCtx<'_>,
    e: &Entry<'_, '_>,
    min: TimeDelta,
) -> Option<TimeDelta> {
    let text = string(ctx, e, "\"30m\"")?;
    let d = parse_duration(&text)
        .map_err(|err| ctx.syntax(&e.span(), e.key, err))
        .ok()?;
    if d < min {
        ctx.error(
            &e.span(),
            format!("`{}` must be longer than zero", e.key),
            Some("write a duration like `30m`".into()),
        );
        return None;
    }
    Some(d)
}

/// Reads an IANA zone name.
pub(crate) fn zone(ctx: &mut FileCtx<'_>, e: &Entry<'_, '_>) -> Option<Tz> {
    let name = string(ctx, e, "\"Asia/Seoul\"")?;
    let tz = parse_zone(&name)
        .map_err(|err| ctx.syntax(&e.span(), e.key, err))
        .ok()?;
    if let Some(legacy) = city_zone_for(&name) {
        let help = match legacy.city {
            Some(city) => {
                format!("did you mean `{city}`? name the city whose clocks the rule follows")
            }
            None => {
                "name the city whose clocks the rule follows, such as `America/New_York`".into()
            }
        };
        ctx.warn(
            &e.span(),
            format!("`{}`: {}", e.key, legacy.why),
            Some(help),
        );
    }
    Some(tz)
}

/// A word that must be one of a few: what the words are called in the
/// "unknown …" message, and the help (after "did you mean `x`?" when
/// `suggest` finds a close one).
pub(crate) struct OneOf<'w, T: Copy> {
    /// "change kind" in "unknown change kind `x`".
    pub what: &'w str,
    pub words: &'w [(&'w str, T)],
    /// The help when a close word is found, after the question.
    pub then: &'w str,
    /// The help when none is (or when `suggest` is off).
    pub otherwise: &'w str,
    pub suggest: bool,
}

impl<T: Copy> OneOf<'_, T> {
    /// Reads the entry's string as one of the words, reporting any other.
    pub fn read(&self, ctx: &mut FileCtx<'_>, e: &Entry<'_, '_>, example: &str) -> Option<T> {
        let word = string(ctx, e, example)?;
        self.find(ctx, &word, &e.span())
    }

    /// `word` (found at `span`) as one of the words, reporting any other.
    pub fn find(&self, ctx: &mut FileCtx<'_>, word: &str, span: &Range<usize>) -> Option<T> {
        if let Some((_, value)) = self.words.iter().find(|(w, _)| *w == word) {
            return Some(*value);
        }
        let help = if self.suggest {
            did_you_mean(
                word,
                self.words.iter().map(|(w, _)| *w),
                self.then,
                self.otherwise,
            )
        } else {
            self.otherwise.to_string()
        };
        ctx.error(span, format!("unknown {} `{word}`", self.what), Some(help));
        None
    }
}

/// Reports every key of `table` outside `known` as "unknown key `k` in {what}";
/// `help` may give a key its own help, else the closest known key is suggested.
pub(crate) fn reject_unknown(
    ctx: &mut FileCtx<'_>,
    table: &DeTable<'_>,
    what: &str,
    known: &[&str],
    help: impl Fn(&str) -> Option<String>,
) {
    for e in entries(table) {
        if known.contains(&e.key) {
            continue;
        }
        let help = help(e.key).unwrap_or_else(|| {
            let list = format!("keys of {what} are: {}", known.join(", "));
            match by_prefix(e.key, known.iter().copied()) {
                Some(k) if closest(e.key, known.iter().copied()).is_none() => {
                    format!("did you mean `{k}`?")
                }
                _ => did_you_mean(e.key, known.iter().copied(), "", &list),
            }
        });
        ctx.error(
            &e.key_span,
            format!("unknown key `{}` in {what}", e.key),
            Some(help),
        );
    }
}

/// `[a-z0-9][a-z0-9_-]*`: the names of rules and strategies.
pub(crate) fn valid_name(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

pub(crate) const NAME_HELP: &str =
    "names are lowercase letters, digits, `-` and `_`, starting with a letter or digit";

/// Reads a `name`: a string that is a [`valid_name`], else "invalid {what} name".
pub(crate) fn name(
    ctx: &mut FileCtx<'_>,
    e: &Entry<'_, '_>,
    what: &str,
    example: &str,
) -> Option<String> {
    let n = string(ctx, e, example)?;
    if !valid_name(&n) {
        ctx.error(
            &e.span(),
            format!("invalid {what} name `{n}`"),
            Some(NAME_HELP.into()),
        );
        return None;
    }
    Some(n)
}

/// `a`, `a and b`, `a, b and c`.
pub(crate) fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
