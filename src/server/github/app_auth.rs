//! A GitHub App's credentials: its private key signs an RS256 JWT (issued a
//! minute in the past against clock drift, expiring within ten minutes, issuer
//! the App's id), which buys an installation token
//! (`POST /app/installations/{id}/access_tokens`) that is kept until shortly
//! before it expires. GitHub checks these times against its own clock, so they
//! are read from the system's, never from a test's manual clock.

use super::client::{ApiClient, CallError};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use rustls_pki_types::PrivateKeyDer;
use rustls_pki_types::pem::PemObject;
use std::collections::HashMap;
use std::sync::Mutex;

/// How far in the past a JWT says it was issued (GitHub's advice, for drift).
const ISSUED_BEFORE: TimeDelta = TimeDelta::seconds(60);
/// How long a JWT is good for: GitHub refuses more than ten minutes.
const JWT_LIFETIME: TimeDelta = TimeDelta::minutes(9);
/// An installation token is fetched again once it has less than this left, so
/// one never expires during a callback.
const TOKEN_MARGIN: TimeDelta = TimeDelta::minutes(5);

/// Why the App's key cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the App id must not be blank")]
    NoAppId,
    #[error("not a PEM private key: {0}")]
    NotPem(String),
    #[error("not an RSA private key (GitHub App keys are RSA)")]
    NotRsa,
    #[error("the RSA key is unusable: {0}")]
    Rejected(String),
    #[error("signing the JWT failed")]
    Signing,
}

/// The App's id and private key.
pub struct AppKey {
    app_id: String,
    pair: RsaKeyPair,
}

impl std::fmt::Debug for AppKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("AppKey")
            .field("app_id", &self.app_id)
            .finish()
    }
}

impl AppKey {
    /// The App `app_id` with the PEM private key GitHub gave for it
    /// (`BEGIN RSA PRIVATE KEY`, or PKCS #8 `BEGIN PRIVATE KEY`).
    pub fn from_pem(app_id: &str, pem: &[u8]) -> Result<AppKey, KeyError> {
        let app_id = app_id.trim();
        if app_id.is_empty() {
            return Err(KeyError::NoAppId);
        }
        let der =
            PrivateKeyDer::from_pem_slice(pem).map_err(|e| KeyError::NotPem(e.to_string()))?;
        let pair = match &der {
            PrivateKeyDer::Pkcs1(k) => RsaKeyPair::from_der(k.secret_pkcs1_der()),
            PrivateKeyDer::Pkcs8(k) => RsaKeyPair::from_pkcs8(k.secret_pkcs8_der()),
            _ => return Err(KeyError::NotRsa),
        }
        .map_err(|e| KeyError::Rejected(e.to_string()))?;
        Ok(AppKey {
            app_id: app_id.to_string(),
            pair,
        })
    }

    /// The App's id, as given.
    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    /// A JWT for the App's own endpoints, good from a minute before `now` for
    /// nine minutes.
    pub fn jwt(&self, now: DateTime<Utc>) -> Result<String, KeyError> {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
        // A numeric id is written as a number, as GitHub's examples do; a client
        // id (`Iv1.…`) as a string.
        let issuer = match self.app_id.parse::<u64>() {
            Ok(n) => serde_json::Value::from(n),
            Err(_) => serde_json::Value::from(self.app_id.clone()),
        };
        let claims = serde_json::json!({
            "iat": (now - ISSUED_BEFORE).timestamp(),
            "exp": (now + JWT_LIFETIME).timestamp(),
            "iss": issuer,
        });
        let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signed = format!("{header}.{claims}");
        let mut signature = vec![0; self.pair.public().modulus_len()];
        self.pair
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                signed.as_bytes(),
                &mut signature,
            )
            .map_err(|_| KeyError::Signing)?;
        Ok(format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }
}

/// An installation token and when GitHub said it expires.
#[derive(Debug, Clone)]
struct Cached {
    token: String,
    expires_at: DateTime<Utc>,
}

/// Installation tokens by installation id, each kept until [`TOKEN_MARGIN`]
/// before it expires.
#[derive(Debug, Default)]
pub(super) struct TokenCache {
    tokens: Mutex<HashMap<i64, Cached>>,
}

#[derive(serde::Deserialize)]
struct AccessToken {
    token: String,
    expires_at: DateTime<Utc>,
}

impl TokenCache {
    /// A token for `installation`: the cached one while it has time left, else
    /// a new one from GitHub (blocking).
    pub(super) fn token(
        &self,
        key: &AppKey,
        client: &ApiClient,
        installation: i64,
    ) -> Result<String, CallError> {
        let now = Utc::now();
        if let Some(c) = self.lock().get(&installation)
            && c.expires_at - now > TOKEN_MARGIN
        {
            return Ok(c.token.clone());
        }
        let jwt = key
            .jwt(now)
            .map_err(|e| CallError::Failed(format!("cannot sign the App's JWT: {e}")))?;
        let path = format!("/app/installations/{installation}/access_tokens");
        let body = client.post_json(&path, &jwt, &serde_json::json!({}))?;
        let fresh: AccessToken = serde_json::from_str(&body).map_err(|e| {
            CallError::Failed(format!(
                "the installation token answer is not understood: {e}"
            ))
        })?;
        self.lock().insert(
            installation,
            Cached {
                token: fresh.token.clone(),
                expires_at: fresh.expires_at,
            },
        );
        Ok(fresh.token)
    }

    /// Drops `installation`'s token (GitHub refused it: revoked, or the App was
    /// reinstalled), so the next call fetches another.
    pub(super) fn forget(&self, installation: i64) {
        self.lock().remove(&installation);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Cached>> {
        self.tokens.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;
    use ring::signature::KeyPair as _;
    use ring::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};

    const PEM: &[u8] =
        include_bytes!("../../../tests/fixtures/github-app-TEST-ONLY-private-key.pem");

    #[test]
    fn the_jwt_is_rs256_signed_with_githubs_claims() {
        let key = AppKey::from_pem("12345", PEM).unwrap();
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let jwt = key.jwt(now).unwrap();
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["alg"], "RS256");
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(claims["iss"], 12345);
        assert_eq!(claims["iat"], 1_800_000_000 - 60);
        let lifetime = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
        assert!(
            lifetime <= 600,
            "GitHub refuses more than ten minutes: {lifetime}"
        );
        let public = UnparsedPublicKey::new(
            &RSA_PKCS1_2048_8192_SHA256,
            key.pair.public_key().as_ref().to_vec(),
        );
        let signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        let signed = format!("{}.{}", parts[0], parts[1]);
        public.verify(signed.as_bytes(), &signature).unwrap();
        assert!(public.verify(b"other", &signature).is_err());
    }

    #[test]
    fn a_client_id_is_a_string_issuer_and_bad_keys_are_refused() {
        let key = AppKey::from_pem("Iv1.abc", PEM).unwrap();
        let jwt = key.jwt(Utc::now()).unwrap();
        let claims = jwt.split('.').nth(1).unwrap();
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).unwrap()).unwrap();
        assert_eq!(claims["iss"], "Iv1.abc");
        assert_eq!(AppKey::from_pem(" ", PEM).unwrap_err(), KeyError::NoAppId);
        assert!(matches!(
            AppKey::from_pem("1", b"not a key").unwrap_err(),
            KeyError::NotPem(_)
        ));
        let debug = format!("{key:?}");
        assert!(!debug.contains("BEGIN"), "{debug}");
    }
}
