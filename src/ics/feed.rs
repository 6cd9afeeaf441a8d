//! Calendar feeds (`ics = "https://…"`): fetched with a timeout and a size limit,
//! cached under the state directory (`feeds/`) with the server's validators
//! (ETag, Last-Modified), and refreshed at most once per `refresh`.
//!
//! A failed refresh falls back to the last good copy and says so (the decision's
//! `stale`); with no copy at all the caller fails closed. A new copy replaces the
//! old one only when it parses, so a broken upload never replaces a good calendar.

use crate::credentials;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long one fetch may take, connection to last byte.
pub const FEED_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest feed read; years of a busy calendar fit in a few MiB.
pub const MAX_FEED_BYTES: u64 = 10 * 1024 * 1024;

/// Where feeds are cached and what "now" is, for refresh decisions.
#[derive(Debug, Clone)]
pub struct FeedOptions {
    /// The state directory; copies go to `feeds/` under it.
    pub state_dir: PathBuf,
    pub now: DateTime<Utc>,
    pub timeout: Duration,
    pub max_bytes: u64,
}

impl FeedOptions {
    pub fn new(state_dir: PathBuf, now: DateTime<Utc>) -> FeedOptions {
        FeedOptions {
            state_dir,
            now,
            timeout: FEED_TIMEOUT,
            max_bytes: MAX_FEED_BYTES,
        }
    }
}

/// The copy of a feed to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedCopy {
    pub body: String,
    /// When the server last confirmed this copy (a 200 or a 304).
    pub fetched_at: DateTime<Utc>,
    /// When a refresh was last tried.
    pub checked_at: DateTime<Utc>,
    /// Why the last refresh failed, when this copy is older than it should be.
    pub error: Option<String>,
}

/// The cache file: the body with what is needed to revalidate it. One file,
/// replaced by rename, so a reader never sees a body with another's validators.
#[derive(Debug, Serialize, Deserialize)]
struct Cached {
    url: String,
    etag: Option<String>,
    last_modified: Option<String>,
    fetched_at: DateTime<Utc>,
    checked_at: DateTime<Utc>,
    error: Option<String>,
    body: String,
}

/// The copy of `url` to use now: the cached one while it is younger than
/// `refresh`, else a refreshed one; on a failed refresh the cached one with the
/// failure noted. `check` tells whether a new body is a usable calendar.
/// `Err` (with why) only when there is no usable copy at all.
pub fn obtain(
    url: &str,
    refresh: TimeDelta,
    opts: &FeedOptions,
    check: impl Fn(&str) -> Result<(), String>,
) -> Result<FeedCopy, String> {
    let path = cache_path(&opts.state_dir, url);
    let cached = read_cache(&path).filter(|c| c.url == url);
    // `refresh = "0s"` fetches on every load.
    if let Some(c) = &cached
        && refresh > TimeDelta::zero()
        && opts.now < c.checked_at + refresh
    {
        return Ok(copy_of(c));
    }
    let outcome = fetch(url, cached.as_ref(), opts).and_then(|fetched| match fetched {
        Fetched::Body {
            body,
            etag,
            last_modified,
        } => match check(&body) {
            Ok(()) => Ok(Cached {
                url: url.to_string(),
                etag,
                last_modified,
                fetched_at: opts.now,
                checked_at: opts.now,
                error: None,
                body,
            }),
            Err(e) => Err(format!("the new copy is not a usable calendar ({e})")),
        },
        Fetched::NotModified => match &cached {
            Some(c) => Ok(Cached {
                url: url.to_string(),
                etag: c.etag.clone(),
                last_modified: c.last_modified.clone(),
                fetched_at: opts.now,
                checked_at: opts.now,
                error: None,
                body: c.body.clone(),
            }),
            None => Err("the server answered 304 Not Modified, but there is no cached copy".into()),
        },
    });
    let fresh = match (outcome, cached) {
        (Ok(fresh), _) => fresh,
        (Err(e), Some(mut old)) => {
            old.checked_at = opts.now;
            old.error = Some(e);
            old
        }
        (Err(e), None) => return Err(e),
    };
    // A cache that cannot be written costs a fetch next time, not a decision.
    let _ = write_cache(&path, &fresh);
    Ok(copy_of(&fresh))
}

fn copy_of(c: &Cached) -> FeedCopy {
    FeedCopy {
        body: c.body.clone(),
        fetched_at: c.fetched_at,
        checked_at: c.checked_at,
        error: c.error.clone(),
    }
}

/// `STATE/feeds/<first 16 hex digits of SHA-256(url)>.json`.
fn cache_path(state_dir: &Path, url: &str) -> PathBuf {
    let digest = Sha256::digest(url.as_bytes());
    let key: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    state_dir.join("feeds").join(format!("{key}.json"))
}

fn read_cache(path: &Path) -> Option<Cached> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

fn write_cache(path: &Path, cached: &Cached) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("json.{}.tmp", std::process::id()));
    let text = serde_json::to_string(cached).map_err(std::io::Error::other)?;
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

enum Fetched {
    Body {
        body: String,
        etag: Option<String>,
        last_modified: Option<String>,
    },
    NotModified,
}

/// One GET, conditional when there is a cached copy with validators.
fn fetch(url: &str, cached: Option<&Cached>, opts: &FeedOptions) -> Result<Fetched, String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(opts.timeout))
        .http_status_as_error(false)
        .user_agent(format!("shipwindow/{}", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let mut request = agent.get(url).header("Accept", "text/calendar, */*;q=0.5");
    if let Some(c) = cached {
        if let Some(etag) = &c.etag {
            request = request.header("If-None-Match", etag);
        }
        if let Some(lm) = &c.last_modified {
            request = request.header("If-Modified-Since", lm);
        }
    }
    // A library's message may quote the address, password and all.
    let mut response = request
        .call()
        .map_err(|e| credentials::strip(&e.to_string()))?;
    let status = response.status().as_u16();
    match status {
        304 => Ok(Fetched::NotModified),
        200..=299 => {
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(String::from)
            };
            let (etag, last_modified) = (header("etag"), header("last-modified"));
            let bytes = response
                .body_mut()
                .with_config()
                .limit(opts.max_bytes)
                .read_to_vec()
                .map_err(|e| match e {
                    ureq::Error::BodyExceedsLimit(_) => {
                        format!("the feed is larger than {} bytes", opts.max_bytes)
                    }
                    other => credentials::strip(&other.to_string()),
                })?;
            let body = String::from_utf8(bytes).map_err(|e| {
                let valid = e
                    .as_bytes()
                    .get(..e.utf8_error().valid_up_to())
                    .unwrap_or(&[]);
                let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
                format!("the feed is not UTF-8 text (line {line})")
            })?;
            Ok(Fetched::Body {
                body,
                etag,
                last_modified,
            })
        }
        _ => Err(format!("the server answered HTTP {status}")),
    }
}

/// A feed address fit for messages and logs: scheme, host and the last path
/// segment. A calendar's secret address (Google's `private-…` path, a `?token=`)
/// never reaches a CI log.
pub fn redact(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let path = match segments.as_slice() {
        [] => String::new(),
        [one] => format!("/{one}"),
        [.., last] => format!("/…/{last}"),
    };
    if scheme.is_empty() {
        format!("{host}{path}")
    } else {
        format!("{scheme}://{host}{path}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_parts_of_an_address_are_left_out() {
        let cases = [
            (
                "https://calendar.google.com/calendar/ical/team%40example.com/private-abc123/basic.ics",
                "https://calendar.google.com/…/basic.ics",
            ),
            (
                "http://127.0.0.1:8080/feed.ics",
                "http://127.0.0.1:8080/feed.ics",
            ),
            (
                "https://u:p@cal.example.com/x.ics?token=s3cret",
                "https://cal.example.com/x.ics",
            ),
            ("https://cal.example.com", "https://cal.example.com"),
        ];
        for (url, want) in cases {
            assert_eq!(redact(url), want, "{url}");
        }
    }

    #[test]
    fn cache_files_are_named_by_a_digest_of_the_address() {
        let a = cache_path(Path::new("/s"), "https://a.example/x.ics");
        let b = cache_path(Path::new("/s"), "https://a.example/y.ics");
        assert_ne!(a, b);
        assert!(a.starts_with("/s/feeds"));
        assert_eq!(a.extension().and_then(|e| e.to_str()), Some("json"));
    }
}
