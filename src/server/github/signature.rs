//! GitHub's webhook signature: `X-Hub-Signature-256: sha256=<hex>`, the
//! HMAC-SHA256 of the raw body under the webhook secret, compared in constant
//! time. Knows nothing of the payload inside the body.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The header GitHub signs a delivery in.
pub(super) const SIGNATURE_HEADER: &str = "x-hub-signature-256";

type HmacSha256 = Hmac<Sha256>;

/// Why a delivery's signature was refused: fit for a 401 body, never naming the
/// secret or the expected signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(super) enum SignatureError {
    #[error("missing X-Hub-Signature-256 header")]
    Missing,
    #[error("X-Hub-Signature-256 is not `sha256=` followed by 64 hex digits")]
    Malformed,
    #[error("X-Hub-Signature-256 does not match the request body")]
    Mismatch,
}

/// Checks `signature` (the header's value) against `body`, the bytes as received.
pub(super) fn verify_signature(
    secret: &[u8],
    signature: Option<&str>,
    body: &[u8],
) -> Result<(), SignatureError> {
    let signature = signature
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or(SignatureError::Missing)?;
    let tag = signature
        .strip_prefix("sha256=")
        .and_then(decode_hex)
        .ok_or(SignatureError::Malformed)?;
    let mut mac =
        <HmacSha256 as KeyInit>::new_from_slice(secret).map_err(|_| SignatureError::Mismatch)?;
    mac.update(body);
    // `verify_slice` compares in constant time.
    mac.verify_slice(&tag).map_err(|_| SignatureError::Mismatch)
}

/// The header value GitHub would send for `body` under `secret`.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut out = String::from("sha256=");
    if let Ok(mut mac) = <HmacSha256 as KeyInit>::new_from_slice(secret) {
        mac.update(body);
        for b in mac.finalize().into_bytes() {
            out.push_str(&format!("{b:02x}"));
        }
    }
    out
}

/// 32 bytes from 64 hex digits (either case).
fn decode_hex(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    bytes
        .chunks(2)
        .map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?))
        .collect()
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
mod tests {
    use super::*;

    // The example in GitHub's "Validating webhook deliveries".
    const SECRET: &[u8] = b"It's a Secret to Everybody";
    const BODY: &[u8] = b"Hello, World!";
    const EXPECTED: &str =
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    #[test]
    fn signs_githubs_documented_example() {
        assert_eq!(sign(SECRET, BODY), EXPECTED);
        assert_eq!(verify_signature(SECRET, Some(EXPECTED), BODY), Ok(()));
        let upper = format!("sha256={}", EXPECTED[7..].to_uppercase());
        assert_eq!(verify_signature(SECRET, Some(&upper), BODY), Ok(()));
    }

    #[test]
    fn refuses_a_tampered_body_or_another_secret() {
        assert_eq!(
            verify_signature(SECRET, Some(EXPECTED), b"Hello, World?"),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature(b"another", Some(EXPECTED), BODY),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn refuses_missing_or_malformed_headers() {
        for (header, want) in [
            (None, SignatureError::Missing),
            (Some("  "), SignatureError::Missing),
            (Some(&EXPECTED[7..]), SignatureError::Malformed),
            (
                Some("sha1=757107ea0eb2509fc211221cce984b8a37570b6d"),
                SignatureError::Malformed,
            ),
            (Some(&EXPECTED[..70]), SignatureError::Malformed),
            (
                Some("sha256=zz7107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"),
                SignatureError::Malformed,
            ),
        ] {
            assert_eq!(
                verify_signature(SECRET, header, BODY),
                Err(want),
                "{header:?}"
            );
        }
    }
}
