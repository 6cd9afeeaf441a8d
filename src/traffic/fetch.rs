//! A profile from Prometheus, and its copy cached under the state directory
//! (`feeds/traffic-….json`) the way calendar feeds are: refreshed at most once
//! per `refresh`; a failed refresh falls back to the last good copy and says so
//! (the decision's `stale`); with no copy at all the caller fails closed.

use super::profile::{Profile, Step};
use super::prometheus::{Auth, PromError, Prometheus};
use crate::credentials;
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The longest lookback: a year of weeks is more history than a weekly
/// profile can use, and bounds what one refresh reads.
pub const MAX_LOOKBACK: TimeDelta = TimeDelta::days(366);

/// What to ask Prometheus: the series, the zone its profile is read in, and
/// over how long.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileQuery {
    /// The server's address as written (it may carry `user:password@`).
    pub prometheus: String,
    pub query: String,
    pub zone: Tz,
    pub lookback: TimeDelta,
    pub step: Step,
}

/// The range a profile ending at `end` reads: whole steps, the last one
/// ending at or before `end`. Returns the first and the last point.
pub fn range(
    end: DateTime<Utc>,
    lookback: TimeDelta,
    step: Step,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let end = end.duration_trunc(step.delta()).unwrap_or(end);
    (end - lookback, end - step.delta())
}

/// The profile of `q` over the lookback ending at `end`, read from the server.
pub fn fetch(
    q: &ProfileQuery,
    auth: Auth,
    end: DateTime<Utc>,
    timeout: Duration,
) -> Result<Profile, PromError> {
    let mut server = Prometheus::new(&q.prometheus, auth)?;
    server.timeout = timeout;
    let (first, last) = range(end, q.lookback, q.step);
    let samples = server.query_range(&q.query, first, last, q.step.delta())?;
    Ok(Profile::build(&samples, q.zone, q.step))
}

/// Where copies are cached, what "now" is, and how long a request may take.
#[derive(Debug, Clone)]
pub struct CacheOptions {
    pub state_dir: PathBuf,
    pub now: DateTime<Utc>,
    pub timeout: Duration,
}

/// The copy of a profile to use.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileCopy {
    pub profile: Profile,
    /// The end of the lookback it was read over.
    pub end: DateTime<Utc>,
    /// When Prometheus last answered for it.
    pub fetched_at: DateTime<Utc>,
    /// When a refresh was last tried.
    pub checked_at: DateTime<Utc>,
    /// Why the last refresh failed, when this copy is older than it should be.
    pub error: Option<String>,
}

/// The cache file: the copy and what it was asked for, so that a changed
/// query never reads another query's copy.
#[derive(Debug, Serialize, Deserialize)]
struct Cached {
    prometheus: String,
    query: String,
    zone: String,
    lookback_seconds: i64,
    end: DateTime<Utc>,
    fetched_at: DateTime<Utc>,
    checked_at: DateTime<Utc>,
    error: Option<String>,
    profile: Profile,
}

/// The copy of `q` to use now: the cached one while it is younger than
/// `refresh`, else a fresh one; on a failed refresh the cached one with the
/// failure noted. `Err` (with why, no credentials in it) only when there is no
/// copy at all. `auth` is asked for only when a request is made.
pub fn obtain(
    q: &ProfileQuery,
    refresh: TimeDelta,
    auth: impl FnOnce() -> Result<Auth, String>,
    opts: &CacheOptions,
) -> Result<ProfileCopy, String> {
    let address = credentials::strip(&q.prometheus);
    let path = cache_path(&opts.state_dir, q);
    let cached = read_cache(&path).filter(|c| {
        c.prometheus == address
            && c.query == q.query
            && c.zone == q.zone.name()
            && c.lookback_seconds == q.lookback.num_seconds()
            && c.profile.is_consistent()
            && c.profile.step() == q.step
    });
    if let Some(c) = &cached
        && refresh > TimeDelta::zero()
        && opts.now < c.checked_at + refresh
    {
        return Ok(copy_of(c));
    }
    let outcome = auth().and_then(|auth| {
        fetch(q, auth, opts.now, opts.timeout).map_err(|e| credentials::strip(&e.to_string()))
    });
    let fresh = match (outcome, cached) {
        (Ok(profile), _) => Cached {
            prometheus: address,
            query: q.query.clone(),
            zone: q.zone.name().to_string(),
            lookback_seconds: q.lookback.num_seconds(),
            end: opts.now,
            fetched_at: opts.now,
            checked_at: opts.now,
            error: None,
            profile,
        },
        (Err(e), Some(mut old)) => {
            old.checked_at = opts.now;
            old.error = Some(e);
            old
        }
        (Err(e), None) => return Err(e),
    };
    // A cache that cannot be written costs a request next time, not a decision.
    let _ = write_cache(&path, &fresh);
    Ok(copy_of(&fresh))
}

fn copy_of(c: &Cached) -> ProfileCopy {
    ProfileCopy {
        profile: c.profile.clone(),
        end: c.end,
        fetched_at: c.fetched_at,
        checked_at: c.checked_at,
        error: c.error.clone(),
    }
}

/// `STATE/feeds/traffic-<16 hex digits of SHA-256 of what is asked>.json`.
fn cache_path(state_dir: &Path, q: &ProfileQuery) -> PathBuf {
    let asked = format!(
        "{}\n{}\n{}\n{}\n{}",
        q.prometheus,
        q.query,
        q.zone.name(),
        q.lookback.num_seconds(),
        q.step.minutes()
    );
    let digest = Sha256::digest(asked.as_bytes());
    let key: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    state_dir.join("feeds").join(format!("traffic-{key}.json"))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn q(query: &str) -> ProfileQuery {
        ProfileQuery {
            prometheus: "http://127.0.0.1:1".into(),
            query: query.into(),
            zone: chrono_tz::UTC,
            lookback: TimeDelta::days(28),
            step: Step::new(TimeDelta::hours(1)).unwrap(),
        }
    }

    #[test]
    fn the_range_is_whole_steps_ending_at_or_before_the_end() {
        let end = DateTime::parse_from_rfc3339("2026-11-16T05:07:00Z")
            .unwrap()
            .to_utc();
        let (first, last) = range(end, TimeDelta::days(28), q("x").step);
        assert_eq!(first.to_rfc3339(), "2026-10-19T05:00:00+00:00");
        assert_eq!(last.to_rfc3339(), "2026-11-16T04:00:00+00:00");
    }

    #[test]
    fn different_queries_are_cached_apart() {
        let a = cache_path(Path::new("/s"), &q("a"));
        let b = cache_path(Path::new("/s"), &q("b"));
        assert_ne!(a, b);
        assert!(a.starts_with("/s/feeds"));
    }

    #[test]
    fn no_copy_and_no_server_is_an_error_and_a_copy_is_used_when_the_server_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let now = DateTime::parse_from_rfc3339("2026-11-16T05:00:00Z")
            .unwrap()
            .to_utc();
        let opts = CacheOptions {
            state_dir: dir.path().to_path_buf(),
            now,
            timeout: Duration::from_secs(2),
        };
        let query = q("sum(rate(x[5m]))");
        let none = obtain(&query, TimeDelta::days(1), || Ok(Auth::None), &opts).unwrap_err();
        assert!(none.contains("cannot reach Prometheus"), "{none}");
        // A copy from an earlier, successful refresh.
        let profile = Profile::from_medians(query.step, vec![Some(1.0); 168]).unwrap();
        let earlier = now - TimeDelta::days(2);
        let cached = Cached {
            prometheus: query.prometheus.clone(),
            query: query.query.clone(),
            zone: "UTC".into(),
            lookback_seconds: query.lookback.num_seconds(),
            end: earlier,
            fetched_at: earlier,
            checked_at: earlier,
            error: None,
            profile: profile.clone(),
        };
        write_cache(&cache_path(dir.path(), &query), &cached).unwrap();
        // Within `refresh` the copy is used as it is, with no request.
        let fresh = obtain(
            &query,
            TimeDelta::days(3),
            || Err("not asked".into()),
            &opts,
        )
        .unwrap();
        assert_eq!(
            (fresh.profile.clone(), fresh.error),
            (profile.clone(), None)
        );
        // Past it, the failed refresh is noted and the copy used.
        let stale = obtain(&query, TimeDelta::days(1), || Ok(Auth::None), &opts).unwrap();
        assert_eq!(stale.profile, profile);
        assert_eq!(stale.fetched_at, earlier);
        assert_eq!(stale.checked_at, now);
        assert!(stale.error.unwrap().contains("cannot reach"));
        // A missing token is a failed refresh too.
        let later = CacheOptions {
            now: now + TimeDelta::days(2),
            ..opts
        };
        let no_token = obtain(
            &query,
            TimeDelta::days(1),
            || Err("`PROM_TOKEN` is not set".into()),
            &later,
        )
        .unwrap();
        assert_eq!(no_token.error.as_deref(), Some("`PROM_TOKEN` is not set"));
    }
}
