//! Certificates made for a test (a CA and server certificates it signs, with
//! rcgen) and an HTTPS client that trusts only that CA.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]
#![allow(dead_code, reason = "each test file uses the helpers it needs")]

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, ServerName};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;

/// A test CA.
pub struct Ca {
    issuer: Issuer<'static, KeyPair>,
    pub der: CertificateDer<'static>,
}

impl Ca {
    pub fn new() -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "shipwindow test CA");
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        Ca {
            der: cert.der().clone(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A server certificate for `localhost` and 127.0.0.1 named `name` (its
    /// common name, to tell two apart), as PEM certificate and key.
    pub fn server_pair(&self, name: &str) -> (String, String) {
        let mut params =
            CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        (cert.pem(), key.serialize_pem())
    }

    /// Writes a server pair to `cert` and `key`.
    pub fn write_pair(&self, name: &str, cert: &Path, key: &Path) {
        let (c, k) = self.server_pair(name);
        std::fs::write(cert, c).unwrap();
        std::fs::write(key, k).unwrap();
    }

    fn client(&self) -> Arc<rustls::ClientConfig> {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.der.clone()).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        Arc::new(
            rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_root_certificates(roots)
                .with_no_client_auth(),
        )
    }

    /// Sends one HTTPS request to `127.0.0.1:port` (checking the certificate
    /// for `localhost` against this CA only); the status, the body and the
    /// server's certificate.
    pub fn request(
        &self,
        port: u16,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> Result<(u16, String, CertificateDer<'static>), String> {
        self.request_with(port, method, path, body, None)
    }

    /// [`Ca::request`] with an `Authorization: Bearer` token when given.
    pub fn request_with(
        &self,
        port: u16,
        method: &str,
        path: &str,
        body: Option<&str>,
        token: Option<&str>,
    ) -> Result<(u16, String, CertificateDer<'static>), String> {
        let name = ServerName::try_from("localhost").unwrap();
        let conn = rustls::ClientConnection::new(self.client(), name).unwrap();
        let sock = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        sock.set_read_timeout(Some(std::time::Duration::from_secs(30)))
            .unwrap();
        let mut tls = rustls::StreamOwned::new(conn, sock);
        let body = body.unwrap_or("");
        let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        tls.write_all(request.as_bytes())
            .map_err(|e| e.to_string())?;
        let mut response = Vec::new();
        // A server that closes without close_notify ends the read with an error
        // after the whole answer; what was read is the answer.
        let _ = tls.read_to_end(&mut response);
        let peer = tls
            .conn
            .peer_certificates()
            .and_then(|c| c.first())
            .cloned()
            .ok_or("no certificate")?;
        let text = String::from_utf8_lossy(&response).to_string();
        let (status, body) = crate::support::server::parse_response(&text);
        Ok((status, body, peer))
    }
}

/// The common name of a certificate made by [`Ca::server_pair`], found in its DER.
pub fn names(cert: &CertificateDer<'_>, name: &str) -> bool {
    cert.as_ref()
        .windows(name.len())
        .any(|w| w == name.as_bytes())
}
