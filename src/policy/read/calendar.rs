//! The `ics` time spec of a `[[freeze]]`: a calendar file (relative to
//! the policy file) or an `http(s)://` feed, with `refresh` and `categories`.
//! Reads the calendar while the policy loads, so a broken calendar is a load
//! error with a position, like any other problem in the set: in the policy file
//! for a calendar that cannot be had, in the calendar file for a bad line.

use super::toolkit::{Entry, FileCtx, duration, get, string, strings};
use crate::diagnostic::Source;
use crate::ics::{Calendar, CalendarSource, FeedCopy, FeedOptions, Location, redact};
use crate::policy::options::LoadOptions;
use crate::policy::regular_file::{NotRegular, read_regular};
use chrono::TimeDelta;
use chrono_tz::Tz;
use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use toml::de::DeTable;

/// The keys of the calendar spec.
pub(crate) const CALENDAR_KEYS: [&str; 3] = ["ics", "refresh", "categories"];

/// Reports `refresh` and `categories` on a `[[freeze]]` without `ics`.
pub(crate) fn reject_without_ics(ctx: &mut FileCtx<'_>, table: &DeTable<'_>) {
    for key in ["refresh", "categories"] {
        if let Some(e) = get(table, key) {
            ctx.error(
                &e.key_span,
                format!("`{key}` is only used with `ics`"),
                Some(
                    "`refresh` and `categories` belong to a calendar freeze (`ics = \"…\"`)".into(),
                ),
            );
        }
    }
}

/// How often a feed is fetched again when `refresh` is not set.
pub const DEFAULT_REFRESH: TimeDelta = TimeDelta::minutes(10);

/// What the calendars of one load read: the options, and the bytes that go into
/// the set's fingerprint.
pub(crate) struct Calendars<'o> {
    options: &'o LoadOptions,
    /// The policy directory, to name calendar files relative to it.
    root: PathBuf,
    /// Local calendar files by their path relative to the policy directory.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Feeds by address (and traffic profiles by address and query): the copy
    /// this load uses.
    pub feeds: BTreeMap<String, Vec<u8>>,
    /// Feeds already obtained in this load, so two rules share one fetch.
    copies: HashMap<String, Result<FeedCopy, String>>,
}

impl<'o> Calendars<'o> {
    pub fn new(options: &'o LoadOptions, root: PathBuf) -> Calendars<'o> {
        Calendars {
            options,
            root,
            files: BTreeMap::new(),
            feeds: BTreeMap::new(),
            copies: HashMap::new(),
        }
    }

    /// An empty one with the same options and directory, to read on another
    /// thread the rules that read no calendar and no traffic profile (see
    /// [`super::rule::reads_outside`]): they only ask it what time it is.
    pub fn sibling(&self) -> Calendars<'o> {
        Calendars::new(self.options, self.root.clone())
    }

    /// Takes in what a sibling read, so that nothing read anywhere escapes the
    /// fingerprint (a sibling that read only rules of their own file read nothing).
    pub fn absorb(&mut self, sibling: Calendars<'o>) {
        self.files.extend(sibling.files);
        self.feeds.extend(sibling.feeds);
        self.copies.extend(sibling.copies);
    }

    /// The load's options: the state directory, the clock and the fetch timeout
    /// (a window's `traffic` is fetched and cached like a feed).
    pub fn options(&self) -> &LoadOptions {
        self.options
    }

    /// The load's clock: what "now" is for a feed's refresh and for warnings
    /// about times already past.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.options.now
    }

    fn feed(&mut self, url: &str, refresh: TimeDelta, zone: Tz) -> Result<FeedCopy, String> {
        if let Some(copy) = self.copies.get(url) {
            return copy.clone();
        }
        let opts = FeedOptions {
            timeout: self.options.feed_timeout,
            ..FeedOptions::new(self.options.state_dir.clone(), self.options.now)
        };
        let copy = crate::ics::obtain(url, refresh, &opts, |body| {
            Calendar::parse(body, zone)
                .map(|_| ())
                .map_err(|e| e.to_string())
        });
        if let Ok(c) = &copy {
            self.feeds
                .insert(url.to_string(), c.body.clone().into_bytes());
        }
        self.copies.insert(url.to_string(), copy.clone());
        copy
    }
}

/// Reads a `[[freeze]]` with `ics` (and no other time spec); `None` when it has
/// problems (all reported).
pub(crate) fn calendar_source(
    ctx: &mut FileCtx<'_>,
    table: &DeTable<'_>,
    tz: Tz,
    name: Option<&str>,
    cals: &mut Calendars<'_>,
) -> Option<CalendarSource> {
    let ics_e = get(table, "ics")?;
    let target = string(ctx, &ics_e, "\"calendars/holidays.ics\"")?;
    let refresh = match get(table, "refresh") {
        Some(e) => Some(duration(ctx, &e, TimeDelta::zero())?).map(|d| (d, e)),
        None => None,
    };
    let categories = match get(table, "categories") {
        None => Vec::new(),
        Some(e) => {
            let items = strings(ctx, &e, "[\"payments\"]")?;
            if items.is_empty() {
                ctx.error(
                    &e.span(),
                    "`categories` is empty and would match no event",
                    Some("remove `categories` to take every event, or list some: `categories = [\"payments\"]`".into()),
                );
                return None;
            }
            items
                .into_iter()
                .map(|(s, _)| s.trim().to_string())
                .collect()
        }
    };
    let url = feed_url(&target);
    let (location, calendar) = match url {
        Some(url) => {
            let refresh_d = refresh.as_ref().map_or(DEFAULT_REFRESH, |(d, _)| *d);
            feed_calendar(ctx, &ics_e, &url, refresh_d, tz, cals)?
        }
        None => {
            if let Some((_, e)) = &refresh {
                ctx.error(
                    &e.key_span,
                    "`refresh` is only used with a calendar feed (`ics = \"https://…\"`)",
                    Some("a file is read each time the policy loads; remove `refresh`".into()),
                );
                return None;
            }
            file_calendar(ctx, &ics_e, &target, tz, name, cals)?
        }
    };
    Some(CalendarSource {
        location,
        calendar: Arc::new(calendar),
        categories,
    })
}

/// The feed address of an `ics` value, if it is one; `webcal://` (what calendar
/// apps hand out for subscribing) is fetched as `https://`.
fn feed_url(target: &str) -> Option<String> {
    let lower = target.to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") {
        Some(target.to_string())
    } else if lower.starts_with("webcal://") {
        Some(format!("https://{}", &target["webcal://".len()..]))
    } else {
        None
    }
}

fn feed_calendar(
    ctx: &mut FileCtx<'_>,
    e: &Entry<'_, '_>,
    url: &str,
    refresh: TimeDelta,
    tz: Tz,
    cals: &mut Calendars<'_>,
) -> Option<(Location, Calendar)> {
    let shown = redact(url);
    let copy = match cals.feed(url, refresh, tz) {
        Ok(copy) => copy,
        Err(why) => {
            ctx.error(
                &e.span(),
                format!("`ics`: cannot fetch the calendar feed {shown} and no copy of it is cached: {why}"),
                Some("nothing is decided without the calendar; check the address and the network (a copy is kept once a fetch succeeds)".into()),
            );
            return None;
        }
    };
    let calendar = match Calendar::parse(&copy.body, tz) {
        Ok(c) => c,
        Err(err) => {
            ctx.error(
                &e.span(),
                format!(
                    "`ics`: the calendar feed {shown}, line {}: {}",
                    err.line, err.message
                ),
                err.help,
            );
            return None;
        }
    };
    let location = Location::Feed {
        url: url.to_string(),
        refresh,
        fetched_at: copy.fetched_at,
        checked_at: copy.checked_at,
        error: copy.error,
    };
    Some((location, calendar))
}

fn file_calendar(
    ctx: &mut FileCtx<'_>,
    e: &Entry<'_, '_>,
    target: &str,
    tz: Tz,
    name: Option<&str>,
    cals: &mut Calendars<'_>,
) -> Option<(Location, Calendar)> {
    let base = ctx.file().parent().unwrap_or(Path::new(""));
    let path = base.join(target);
    let bytes = match read_regular(&path) {
        Ok(b) => b,
        Err(err) => {
            let (why, help) = match err {
                NotRegular::Missing => (
                    err.to_string(),
                    "a relative `ics` path is read from the policy file's directory; a feed starts with `https://`",
                ),
                NotRegular::Io(_) => (err.to_string(), err.help()),
                _ => (format!("it {err}"), err.help()),
            };
            ctx.error(
                &e.span(),
                format!("`ics`: cannot read `{}`: {why}", path.display()),
                Some(help.into()),
            );
            return None;
        }
    };
    let calendar = match Calendar::parse_bytes(&bytes, tz) {
        Ok(c) => c,
        Err(err) => {
            let rule = name.map_or(String::new(), |n| format!(" `{n}`"));
            let read_by = format!(
                "the calendar of [[freeze]]{rule} ({})",
                ctx.place(e.span().start)
            );
            let text = String::from_utf8_lossy(&bytes);
            let mut d = err.diagnostic(&Source::new(path.clone(), &text));
            d.help = Some(match d.help {
                Some(h) => format!("{h}; {read_by}"),
                None => read_by,
            });
            ctx.diags.push(d);
            return None;
        }
    };
    let rel = relative_name(&cals.root, &path);
    cals.files.insert(rel, bytes);
    Some((Location::File(path), calendar))
}

/// A calendar file's name in the fingerprint: its path relative to the policy
/// directory, `/`-separated, with `.` and `..` resolved as far as the path allows.
fn relative_name(root: &Path, path: &Path) -> String {
    let path = normalize(path);
    let root = normalize(root);
    let rel = path
        .strip_prefix(&root)
        .map(Path::to_path_buf)
        .unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn normalize(path: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                _ => out.push(c),
            },
            other => out.push(other),
        }
    }
    out.iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_files_are_named_relative_to_the_policy_directory() {
        let root = Path::new("policies");
        assert_eq!(
            relative_name(root, Path::new("policies/teams/../cal/x.ics")),
            "cal/x.ics"
        );
        assert_eq!(relative_name(root, Path::new("policies/./x.ics")), "x.ics");
        assert_eq!(
            relative_name(Path::new(""), Path::new("teams/../../shared/x.ics")),
            "../shared/x.ics"
        );
    }

    #[test]
    fn webcal_addresses_are_fetched_over_https() {
        assert_eq!(
            feed_url("webcal://p01-caldav.icloud.com/published/2/abc").as_deref(),
            Some("https://p01-caldav.icloud.com/published/2/abc")
        );
        assert_eq!(
            feed_url("HTTP://x/y.ics").as_deref(),
            Some("HTTP://x/y.ics")
        );
        assert_eq!(feed_url("calendars/x.ics"), None);
    }
}
