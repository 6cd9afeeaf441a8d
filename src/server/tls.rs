//! TLS for `serve --tls-cert --tls-key`: the certificate chain and key read from
//! PEM files, served to every new connection, and read again on a reload. A new
//! pair that cannot be used keeps the old one serving, and says so (`/healthz`
//! turns degraded) until a good pair is read.

use crate::policy::read_regular;
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// Why a certificate and key cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("--tls-cert {}: {message}", path.display())]
    Cert { path: PathBuf, message: String },
    #[error("--tls-key {}: {message}", path.display())]
    Key { path: PathBuf, message: String },
    #[error("--tls-cert and --tls-key do not make a pair: {0}")]
    Pair(String),
}

/// The pair being served, and where it is read from.
pub struct TlsIdentity {
    cert: PathBuf,
    key: PathBuf,
    config: RwLock<Arc<ServerConfig>>,
    /// The last reload's failure while the previous pair keeps serving.
    error: RwLock<Option<String>>,
}

impl std::fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsIdentity")
            .field("cert", &self.cert)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl TlsIdentity {
    /// Reads the pair; a server does not start on one it cannot use.
    pub fn load(cert: PathBuf, key: PathBuf) -> Result<TlsIdentity, TlsError> {
        let config = server_config(&cert, &key)?;
        Ok(TlsIdentity {
            cert,
            key,
            config: RwLock::new(Arc::new(config)),
            error: RwLock::new(None),
        })
    }

    /// Reads the pair again. On failure the old pair keeps serving and the
    /// error is kept for `/healthz` until a reload succeeds.
    pub fn reload(&self) -> Result<(), TlsError> {
        let outcome = server_config(&self.cert, &self.key);
        let mut error = self.error.write().unwrap_or_else(|p| p.into_inner());
        match outcome {
            Ok(config) => {
                *self.config.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(config);
                *error = None;
                Ok(())
            }
            Err(e) => {
                *error = Some(e.to_string());
                Err(e)
            }
        }
    }

    /// The configuration for the next connection's handshake.
    pub(super) fn current(&self) -> Arc<ServerConfig> {
        Arc::clone(&self.config.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Why the last reload failed, while the old pair serves.
    pub(super) fn error(&self) -> Option<String> {
        self.error.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The directories of the two files: watched with `--watch` (a Kubernetes
    /// Secret is updated by swapping a link in its directory, not the file).
    pub(super) fn directories(&self) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = [&self.cert, &self.key]
            .iter()
            .filter_map(|p| p.parent())
            .map(|d| {
                if d.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    d.to_path_buf()
                }
            })
            .collect();
        dirs.sort();
        dirs.dedup();
        dirs
    }
}

fn server_config(cert_path: &Path, key_path: &Path) -> Result<ServerConfig, TlsError> {
    let cert_error = |message: String| TlsError::Cert {
        path: cert_path.to_path_buf(),
        message,
    };
    let key_error = |message: String| TlsError::Key {
        path: key_path.to_path_buf(),
        message,
    };
    let cert_pem = read_regular(cert_path).map_err(|e| cert_error(e.to_string()))?;
    let key_pem = read_regular(key_path).map_err(|e| key_error(e.to_string()))?;
    let chain = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| cert_error(format!("not a PEM certificate chain ({e})")))?;
    if chain.is_empty() {
        return Err(cert_error(
            "holds no `BEGIN CERTIFICATE` block; give the server's certificate (then its intermediates) in PEM".into(),
        ));
    }
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| {
        key_error(format!(
            "holds no PEM private key ({e}); give a PKCS#8, PKCS#1 or SEC1 key"
        ))
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Pair(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| TlsError::Pair(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}
