//! Slack's `v0` request signature: the HMAC-SHA256 of `v0:{timestamp}:{body}` under
//! the signing secret, with a five-minute replay window. Knows nothing of the form
//! or the commands inside the body; the caller passes `now`.

use crate::server::replay::Tag;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The header with the request's Unix time (seconds), as Slack sends it.
pub(super) const TIMESTAMP_HEADER: &str = "x-slack-request-timestamp";
/// The header with `v0=` and the hex HMAC-SHA256 of `v0:{timestamp}:{body}`.
pub(super) const SIGNATURE_HEADER: &str = "x-slack-signature";
/// How far a request's timestamp may be from the server's clock, either way.
pub(super) const REPLAY_WINDOW_SECS: u64 = 300;

type HmacSha256 = Hmac<Sha256>;

/// Why a Slack request's signature was refused. The messages are fit for a 401
/// body: they name what is wrong, never the secret or the expected signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(super) enum SignatureError {
    #[error("Slack commands are not configured on this server (no signing secret)")]
    NoSecret,
    #[error("missing X-Slack-Request-Timestamp header")]
    MissingTimestamp,
    #[error("missing X-Slack-Signature header")]
    MissingSignature,
    #[error("X-Slack-Request-Timestamp is not a Unix time in seconds")]
    MalformedTimestamp,
    #[error("X-Slack-Signature is not `v0=` followed by 64 hex digits")]
    MalformedSignature,
    #[error(
        "X-Slack-Request-Timestamp is more than 5 minutes from the server's clock (a replay, or clock skew)"
    )]
    Stale,
    #[error("X-Slack-Signature does not match the request")]
    Mismatch,
}

/// A header's value, trimmed; an empty one counts as missing.
fn present(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|v| !v.is_empty())
}

/// Checks a Slack request: both headers present and well formed, the timestamp
/// within [`REPLAY_WINDOW_SECS`] of `now` either way, and the signature the
/// HMAC-SHA256 of `v0:{timestamp}:{body}` under `secret`, compared in constant time.
/// `body` must be the raw bytes as received, before any form decoding.
pub(super) fn verify_signature(
    secret: &[u8],
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<Verified, SignatureError> {
    if secret.is_empty() {
        return Err(SignatureError::NoSecret);
    }
    let timestamp = present(timestamp).ok_or(SignatureError::MissingTimestamp)?;
    let signature = present(signature).ok_or(SignatureError::MissingSignature)?;
    let sent_at = parse_timestamp(timestamp)?;
    let tag = parse_signature(signature)?;
    if now.timestamp().abs_diff(sent_at) > REPLAY_WINDOW_SECS {
        return Err(SignatureError::Stale);
    }
    let mac = mac(secret, timestamp, body).ok_or(SignatureError::Mismatch)?;
    // `verify_slice` compares in constant time.
    mac.verify_slice(&tag)
        .map_err(|_| SignatureError::Mismatch)?;
    let tag: Tag = tag.try_into().map_err(|_| SignatureError::Mismatch)?;
    let window = i64::try_from(REPLAY_WINDOW_SECS).unwrap_or(i64::MAX);
    Ok(Verified {
        tag,
        expires: sent_at.saturating_add(window),
    })
}

/// A request whose signature verified: its tag (upper- or lower-case hex alike)
/// and when its timestamp leaves the replay window, to remember it until then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Verified {
    pub(super) tag: Tag,
    pub(super) expires: i64,
}

/// The `X-Slack-Signature` value Slack would send for this request:
/// `v0=` and the lowercase hex HMAC-SHA256 of `v0:{timestamp}:{body}`.
#[cfg(test)]
pub(super) fn sign(secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    // HMAC takes keys of any length, so `mac` never fails; an empty string would
    // never verify anyway.
    mac(secret, timestamp, body)
        .map(|m| format!("v0={}", hex(&m.finalize().into_bytes())))
        .unwrap_or_default()
}

fn mac(secret: &[u8], timestamp: &str, body: &[u8]) -> Option<HmacSha256> {
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(secret).ok()?;
    mac.update(b"v0:");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    Some(mac)
}

/// Seconds since the epoch: digits only, at most 12 of them.
fn parse_timestamp(text: &str) -> Result<i64, SignatureError> {
    if text.is_empty() || text.len() > 12 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SignatureError::MalformedTimestamp);
    }
    text.parse().map_err(|_| SignatureError::MalformedTimestamp)
}

/// `v0=` and 64 hex digits → the 32 bytes of the tag.
fn parse_signature(text: &str) -> Result<Vec<u8>, SignatureError> {
    let hex = text
        .strip_prefix("v0=")
        .filter(|h| h.len() == 64)
        .ok_or(SignatureError::MalformedSignature)?;
    hex.as_bytes()
        .chunks(2)
        .map(|pair| match pair {
            [hi, lo] => Some(nibble(*hi)? << 4 | nibble(*lo)?),
            _ => None,
        })
        .collect::<Option<Vec<u8>>>()
        .ok_or(SignatureError::MalformedSignature)
}

fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::slack::testing::{BODY, EXPECTED, SECRET, TS};

    fn at_ts(offset: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_531_420_618 + offset, 0).unwrap()
    }

    fn verify(
        ts: Option<&str>,
        sig: Option<&str>,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<(), SignatureError> {
        verify_signature(SECRET, ts, sig, body.as_bytes(), now).map(|_| ())
    }

    #[test]
    fn signs_slacks_documented_example() {
        assert_eq!(sign(SECRET, TS, BODY.as_bytes()), EXPECTED);
    }

    #[test]
    fn accepts_a_correctly_signed_request() {
        assert_eq!(verify(Some(TS), Some(EXPECTED), BODY, at_ts(0)), Ok(()));
        // Upper-case hex is the same signature.
        let upper = format!("v0={}", EXPECTED[3..].to_uppercase());
        assert_eq!(verify(Some(TS), Some(&upper), BODY, at_ts(0)), Ok(()));
        // The edges of the replay window are inside it.
        assert_eq!(verify(Some(TS), Some(EXPECTED), BODY, at_ts(300)), Ok(()));
        assert_eq!(verify(Some(TS), Some(EXPECTED), BODY, at_ts(-300)), Ok(()));
    }

    #[test]
    fn refuses_a_wrong_signature() {
        let mut wrong = EXPECTED.to_string();
        wrong.replace_range(10..11, if &EXPECTED[10..11] == "0" { "1" } else { "0" });
        assert_ne!(wrong, EXPECTED);
        assert_eq!(
            verify(Some(TS), Some(&wrong), BODY, at_ts(0)),
            Err(SignatureError::Mismatch)
        );
        // Signed with another secret.
        let other = sign(b"another-secret", TS, BODY.as_bytes());
        assert_eq!(
            verify(Some(TS), Some(&other), BODY, at_ts(0)),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn refuses_a_tampered_body_or_timestamp() {
        let tampered = BODY.replace("text=&", "text=freeze+*+prod+for+1d+because+x&");
        assert_eq!(
            verify(Some(TS), Some(EXPECTED), &tampered, at_ts(0)),
            Err(SignatureError::Mismatch)
        );
        // A different timestamp, still inside the window, breaks the signature too.
        assert_eq!(
            verify(Some("1531420619"), Some(EXPECTED), BODY, at_ts(0)),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn refuses_timestamps_outside_the_replay_window() {
        for offset in [360, -360, 301, -301] {
            // `now` is `offset` after the timestamp: positive is an old request,
            // negative one from the future.
            assert_eq!(
                verify(Some(TS), Some(EXPECTED), BODY, at_ts(offset)),
                Err(SignatureError::Stale),
                "{offset}"
            );
        }
        // Even correctly signed for its timestamp.
        let old = (1_531_420_618 - 360).to_string();
        let sig = sign(SECRET, &old, BODY.as_bytes());
        assert_eq!(
            verify(Some(&old), Some(&sig), BODY, at_ts(0)),
            Err(SignatureError::Stale)
        );
        assert_eq!(verify(Some(&old), Some(&sig), BODY, at_ts(-360)), Ok(()));
    }

    #[test]
    fn refuses_missing_or_malformed_headers() {
        let cases: [(Option<&str>, Option<&str>, SignatureError); 10] = [
            (None, Some(EXPECTED), SignatureError::MissingTimestamp),
            (Some(""), Some(EXPECTED), SignatureError::MissingTimestamp),
            (Some(TS), None, SignatureError::MissingSignature),
            (Some(TS), Some(" "), SignatureError::MissingSignature),
            (None, None, SignatureError::MissingTimestamp),
            (
                Some("15314206l8"),
                Some(EXPECTED),
                SignatureError::MalformedTimestamp,
            ),
            (
                Some("-1531420618"),
                Some(EXPECTED),
                SignatureError::MalformedTimestamp,
            ),
            (
                Some("99999999999999999999"),
                Some(EXPECTED),
                SignatureError::MalformedTimestamp,
            ),
            (
                Some(TS),
                Some(&EXPECTED[3..]),
                SignatureError::MalformedSignature,
            ),
            (
                Some(TS),
                Some("v1=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"),
                SignatureError::MalformedSignature,
            ),
        ];
        for (ts, sig, want) in cases {
            assert_eq!(verify(ts, sig, BODY, at_ts(0)), Err(want), "{ts:?} {sig:?}");
        }
        for sig in [
            "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b50",
            "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b5033",
            "v0=+2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
            "v0=g2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
        ] {
            assert_eq!(
                verify(Some(TS), Some(sig), BODY, at_ts(0)),
                Err(SignatureError::MalformedSignature),
                "{sig}"
            );
        }
        assert_eq!(
            verify_signature(b"", Some(TS), Some(EXPECTED), BODY.as_bytes(), at_ts(0)),
            Err(SignatureError::NoSecret)
        );
    }

    #[test]
    fn error_messages_never_show_the_secret_or_signature() {
        for e in [
            SignatureError::NoSecret,
            SignatureError::MissingTimestamp,
            SignatureError::MissingSignature,
            SignatureError::MalformedTimestamp,
            SignatureError::MalformedSignature,
            SignatureError::Stale,
            SignatureError::Mismatch,
        ] {
            let m = e.to_string();
            assert!(!m.is_empty());
            assert!(!m.contains("8f742231") && !m.contains("a2114d57"), "{m}");
        }
    }
}
