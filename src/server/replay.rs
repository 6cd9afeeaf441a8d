//! Signed requests already answered, each remembered until its signature would
//! expire anyway, so the same request sent again is refused: a replay. Knows
//! nothing of Slack; the caller says what a request's tag is and when it
//! expires, on the server's clock.
//!
//! Memory is bounded: only requests whose signature verified are remembered
//! (nobody without the secret can add one), each for the signature's window
//! only, and at most [`MAX_REMEMBERED`] at once. When full, a new request is
//! refused rather than an unexpired one forgotten, which would let it be replayed.

use std::collections::{BTreeSet, HashSet};
use std::sync::Mutex;

/// Far more signed requests than a team's chat sends in five minutes.
pub(crate) const MAX_REMEMBERED: usize = 10_000;

/// An HMAC tag: what tells one signed request from another.
pub(crate) type Tag = [u8; 32];

/// Why a signed request is not answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ReplayError {
    #[error("this request was already received (the same timestamp and signature): a replay")]
    Replayed,
    #[error("too many signed requests in the last five minutes; try again in a minute")]
    Full,
}

#[derive(Debug, Default)]
pub(crate) struct SeenRequests {
    seen: Mutex<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    /// `(expires, tag)`, soonest first, to forget them in order.
    by_expiry: BTreeSet<(i64, Tag)>,
    tags: HashSet<Tag>,
}

impl SeenRequests {
    /// Records `tag` (valid until `expires`, Unix seconds) unless it was seen
    /// before; forgets every tag expired at `now` first.
    pub(crate) fn first_time(&self, tag: Tag, expires: i64, now: i64) -> Result<(), ReplayError> {
        // A panic elsewhere while holding the lock leaves the sets consistent:
        // each change below is one insert or one removal pair.
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        while let Some(&(at, old)) = seen.by_expiry.first()
            && at < now
        {
            seen.by_expiry.remove(&(at, old));
            seen.tags.remove(&old);
        }
        if seen.tags.contains(&tag) {
            return Err(ReplayError::Replayed);
        }
        if seen.tags.len() >= MAX_REMEMBERED {
            return Err(ReplayError::Full);
        }
        seen.tags.insert(tag);
        seen.by_expiry.insert((expires, tag));
        Ok(())
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.seen.lock().map(|s| s.tags.len()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(n: u32) -> Tag {
        let mut t = [0; 32];
        t[..4].copy_from_slice(&n.to_be_bytes());
        t
    }

    #[test]
    fn a_tag_is_refused_until_it_expires_and_then_forgotten() {
        let seen = SeenRequests::default();
        assert_eq!(seen.first_time(tag(1), 1_300, 1_000), Ok(()));
        assert_eq!(seen.first_time(tag(2), 1_310, 1_000), Ok(()));
        for now in [1_000, 1_200, 1_300] {
            assert_eq!(
                seen.first_time(tag(1), 1_300, now),
                Err(ReplayError::Replayed),
                "at {now}"
            );
        }
        // Past its expiry the signature is refused as stale by its checker;
        // here it is only forgotten.
        assert_eq!(seen.first_time(tag(3), 1_700, 1_301), Ok(()));
        assert_eq!(seen.len(), 2);
        assert_eq!(seen.first_time(tag(1), 1_300, 1_400), Ok(()));
        assert_eq!(seen.len(), 2);
    }

    #[test]
    fn memory_is_bounded_and_full_refuses_rather_than_forgets() {
        let seen = SeenRequests::default();
        let cap = u32::try_from(MAX_REMEMBERED).unwrap();
        for n in 0..cap {
            assert_eq!(seen.first_time(tag(n), 1_300, 1_000), Ok(()));
        }
        assert_eq!(
            seen.first_time(tag(cap), 1_300, 1_000),
            Err(ReplayError::Full)
        );
        // Still refused as replays, not forgotten.
        assert_eq!(
            seen.first_time(tag(0), 1_300, 1_000),
            Err(ReplayError::Replayed)
        );
        // Once they expire there is room again.
        assert_eq!(seen.first_time(tag(cap), 1_700, 1_301), Ok(()));
        assert_eq!(seen.len(), 1);
    }
}
