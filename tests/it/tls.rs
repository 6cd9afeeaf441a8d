//! `serve --tls-cert --tls-key`: HTTPS with a certificate a test CA signs (the
//! client trusts only that CA), the admission webhook over it as the API server
//! calls it, and the pair read again on SIGHUP and with `--watch`, where a
//! broken new pair keeps the old one serving and turns `/healthz` degraded.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::k8s::review_fixture;
use crate::support::server::{Server, bundled, run};
use crate::support::tls::{Ca, names};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

struct Pair {
    _dir: tempfile::TempDir,
    cert: PathBuf,
    key: PathBuf,
}

fn pair(ca: &Ca, name: &str) -> Pair {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("tls.crt"), dir.path().join("tls.key"));
    ca.write_pair(name, &cert, &key);
    Pair {
        _dir: dir,
        cert,
        key,
    }
}

fn start(pair: &Pair, state: &Path, extra: &[&str]) -> Server {
    let mut args = vec![
        "--tls-cert",
        pair.cert.to_str().unwrap(),
        "--tls-key",
        pair.key.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    Server::start(&bundled(), state, &args)
}

#[test]
fn the_admission_webhook_answers_over_https() {
    let ca = Ca::new();
    let pair = pair(&ca, "first-cert");
    let state = tempfile::tempdir().unwrap();
    let server = start(&pair, state.path(), &[]);
    assert!(
        server.startup.contains("on https://127.0.0.1:"),
        "{}",
        server.startup
    );

    // A scale: decided without the clock, always admitted.
    let mut scale = review_fixture("deployment-image-update.json");
    scale["request"]["object"] = scale["request"]["oldObject"].clone();
    scale["request"]["object"]["spec"]["replicas"] = json!(6);
    let (status, body, cert) = ca
        .request(
            server.port,
            "POST",
            "/v1/k8s/admission",
            Some(&scale.to_string()),
        )
        .unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(names(&cert, "first-cert"));
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["response"]["uid"], scale["request"]["uid"]);
    assert_eq!(answer["response"]["allowed"], true);

    // An image change: decided now, whatever now is; the envelope is the same.
    let review = review_fixture("deployment-image-update.json");
    let (status, body, _) = ca
        .request(
            server.port,
            "POST",
            "/v1/k8s/admission",
            Some(&review.to_string()),
        )
        .unwrap();
    assert_eq!(status, 200, "{body}");
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["kind"], "AdmissionReview");
    assert_eq!(answer["response"]["uid"], review["request"]["uid"]);
    let allowed = answer["response"]["allowed"].as_bool().unwrap();
    assert_eq!(
        allowed,
        answer["response"].get("status").is_none(),
        "{answer}"
    );

    // Plain HTTP on the HTTPS port gets no answer.
    let mut plain = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    plain
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    use std::io::{Read, Write};
    plain
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut got = Vec::new();
    let _ = plain.read_to_end(&mut got);
    assert!(!String::from_utf8_lossy(&got).contains("\"status\""));
    server.stop();
}

fn healthz(ca: &Ca, port: u16) -> Value {
    let (status, body, _) = ca.request(port, "GET", "/healthz", None).unwrap();
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

#[test]
fn a_rotated_pair_is_served_after_sighup_and_a_broken_one_keeps_the_old() {
    let ca = Ca::new();
    let pair = pair(&ca, "first-cert");
    let state = tempfile::tempdir().unwrap();
    let mut server = start(&pair, state.path(), &[]);
    let port = server.port;
    let served = |ca: &Ca| ca.request(port, "GET", "/healthz", None).unwrap().2;
    assert!(names(&served(&ca), "first-cert"));

    ca.write_pair("second-cert", &pair.cert, &pair.key);
    // Until the reload, the first pair serves.
    assert!(names(&served(&ca), "first-cert"));
    server.signal("HUP");
    server.wait_for_log("TLS certificate reloaded");
    assert!(names(&served(&ca), "second-cert"));
    assert_eq!(healthz(&ca, server.port)["status"], "ok");

    // A broken certificate, then a key that does not match: the second pair
    // keeps serving, and /healthz says why.
    for (cert, key, says) in [
        (
            "not a certificate".to_string(),
            std::fs::read_to_string(&pair.key).unwrap(),
            "holds no `BEGIN CERTIFICATE` block",
        ),
        (
            ca.server_pair("third-cert").0,
            ca.server_pair("other").1,
            "do not make a pair",
        ),
    ] {
        let (good_cert, good_key) = (
            std::fs::read(&pair.cert).unwrap(),
            std::fs::read(&pair.key).unwrap(),
        );
        std::fs::write(&pair.cert, cert).unwrap();
        std::fs::write(&pair.key, key).unwrap();
        server.signal("HUP");
        server.wait_for_log("TLS reload failed");
        let health = healthz(&ca, server.port);
        assert_eq!(health["status"], "degraded", "{health}");
        assert!(
            health["tls_error"].as_str().unwrap().contains(says),
            "{health}"
        );
        assert!(names(&served(&ca), "second-cert"));
        std::fs::write(&pair.cert, good_cert).unwrap();
        std::fs::write(&pair.key, good_key).unwrap();
    }
    server.signal("HUP");
    server.wait_for_log("TLS certificate reloaded");
    assert_eq!(healthz(&ca, server.port)["status"], "ok");
    server.stop();
}

#[test]
fn with_watch_a_renewed_pair_is_served_without_a_signal() {
    let ca = Ca::new();
    let pair = pair(&ca, "first-cert");
    let state = tempfile::tempdir().unwrap();
    let mut server = start(&pair, state.path(), &["--watch"]);
    // Written aside and renamed into place, as cert-manager and a Secret
    // volume do: no moment with a new certificate and an old key.
    let dir = pair.cert.parent().unwrap();
    let (new_cert, new_key) = (dir.join("new.crt.tmp"), dir.join("new.key.tmp"));
    ca.write_pair("renewed-cert", &new_cert, &new_key);
    std::fs::rename(&new_key, &pair.key).unwrap();
    std::fs::rename(&new_cert, &pair.cert).unwrap();
    server.wait_for_log("TLS certificate reloaded");
    let (_, _, cert) = ca.request(server.port, "GET", "/healthz", None).unwrap();
    assert!(names(&cert, "renewed-cert"));
    server.stop();
}

#[test]
fn a_server_does_not_start_on_a_pair_it_cannot_use() {
    let ca = Ca::new();
    let pair = pair(&ca, "first-cert");
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "hello").unwrap();
    let policies = bundled();
    let state = dir.path().join("state");
    let base = |extra: &[&str]| {
        let mut args = vec![
            "--policies",
            policies.to_str().unwrap(),
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--state-dir",
            state.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    let cert = pair.cert.to_str().unwrap();
    let key = pair.key.to_str().unwrap();
    for (extra, says) in [
        (
            vec!["--tls-cert", garbage.to_str().unwrap(), "--tls-key", key],
            "holds no `BEGIN CERTIFICATE` block",
        ),
        (
            vec!["--tls-cert", cert, "--tls-key", garbage.to_str().unwrap()],
            "holds no PEM private key",
        ),
        (
            vec!["--tls-cert", cert, "--tls-key", "/nonexistent/tls.key"],
            "--tls-key /nonexistent/tls.key: no such file",
        ),
        (vec!["--tls-cert", cert], "--tls-key"),
    ] {
        let out = base(&extra);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(stderr.contains(says), "{extra:?}: {stderr}");
    }
}
