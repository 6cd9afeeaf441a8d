//! A spawned `shipwindow serve` and a small HTTP/1.1 client, shared by the server
//! test files. Loopback only; every server gets its own state directory.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]
#![allow(dead_code, reason = "each test file uses the helpers it needs")]

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, Command, Stdio};
use std::time::Duration;

pub fn bundled() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("policies")
}

/// A copy of the bundled policies in a temporary directory, to edit.
pub fn policy_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(bundled()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    dir
}

/// A running server; killed when dropped.
pub struct Server {
    pub child: Child,
    pub port: u16,
    pub stderr: BufReader<ChildStderr>,
    /// The log lines read so far.
    pub startup: String,
}

impl Server {
    /// Starts `shipwindow --policies POLICIES serve --listen 127.0.0.1:0 --state-dir STATE ARGS`.
    pub fn start(policies: &Path, state: &Path, args: &[&str]) -> Server {
        Server::start_with_env(policies, state, args, &[])
    }

    pub fn start_with_env(
        policies: &Path,
        state: &Path,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_shipwindow"));
        command
            .arg("--policies")
            .arg(policies)
            .args(["serve", "--listen", "127.0.0.1:0", "--state-dir"])
            .arg(state)
            .args(args)
            .env_remove("SHIPWINDOW_TOKENS")
            .env_remove("SHIPWINDOW_SLACK_SIGNING_SECRET")
            .env_remove("SHIPWINDOW_STORE")
            .stderr(Stdio::piped());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let (port, startup) = read_startup(&mut stderr);
        Server {
            child,
            port,
            stderr,
            startup,
        }
    }

    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Sends SIGTERM and returns the exit code and the rest of the log.
    pub fn stop(self) -> (Option<i32>, String) {
        self.signal("TERM");
        self.stop_after_signal()
    }

    /// Waits for the exit a signal already sent causes; the code and the rest of the log.
    pub fn stop_after_signal(mut self) -> (Option<i32>, String) {
        let code = self.child.wait().unwrap().code();
        let mut rest = String::new();
        self.stderr.read_to_string(&mut rest).unwrap();
        (code, rest)
    }

    pub fn get(&self, path: &str) -> (u16, String) {
        request(self.port, "GET", path, &[], None)
    }

    pub fn get_json(&self, path: &str) -> Value {
        let (status, body) = self.get(path);
        assert_eq!(status, 200, "GET {path}: {body}");
        serde_json::from_str(&body).unwrap()
    }

    pub fn send_json(&self, method: &str, path: &str, body: &Value) -> (u16, Value) {
        let (status, text) = request(
            self.port,
            method,
            path,
            &[("content-type", "application/json")],
            Some(body.to_string().as_bytes()),
        );
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Reads the log until a line holds `text`; returns that line.
    pub fn wait_for_log(&mut self, text: &str) -> String {
        let mut line = String::new();
        while !line.contains(text) {
            line.clear();
            let read = self.stderr.read_line(&mut line).unwrap();
            assert!(read > 0, "the log ended before a line with `{text}`");
        }
        line
    }

    /// Waits (up to ten seconds) for `/healthz` to satisfy `done`; returns its JSON.
    pub fn healthz_until(&self, done: impl Fn(&Value) -> bool) -> Value {
        self.json_until("/healthz", done)
    }

    /// Polls `path` until its JSON satisfies `done` (for at most 10 s).
    pub fn json_until(&self, path: &str, done: impl Fn(&Value) -> bool) -> Value {
        for _ in 0..200 {
            let v = self.get_json(path);
            if done(&v) {
                return v;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("{path} never reached the expected state");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One request on a fresh connection (`Connection: close`); the status and body.
pub fn request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    let body = body.unwrap_or_default();
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    parse_response(&text)
}

pub fn parse_response(text: &str) -> (u16, String) {
    let status = text[9..12].parse().unwrap();
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// A keep-alive HTTP/1.1 connection for many requests in a row.
pub struct Connection {
    reader: BufReader<TcpStream>,
}

impl Connection {
    pub fn open(port: u16) -> Connection {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        Connection {
            reader: BufReader::new(stream),
        }
    }

    pub fn get(&mut self, path: &str) -> (u16, String) {
        write!(
            self.reader.get_mut(),
            "GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n"
        )
        .unwrap();
        let mut status_line = String::new();
        self.reader.read_line(&mut status_line).unwrap();
        let status = status_line[9..12].parse().unwrap();
        let mut length = 0;
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).unwrap();
        (status, String::from_utf8(body).unwrap())
    }
}

/// Reads the server's log up to the line that names its address.
pub fn read_startup(stderr: &mut impl BufRead) -> (u16, String) {
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "the server exited: {seen}"
        );
        seen.push_str(&line);
        // The serving line (`… on http://127.0.0.1:PORT`, or https), not another
        // address logged before it (a GitHub API URL).
        let serving = line
            .split_once(" on http://127.0.0.1:")
            .or_else(|| line.split_once(" on https://127.0.0.1:"));
        if let Some((_, rest)) = serving {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            return (digits.parse().unwrap(), seen);
        }
    }
}

/// Runs the binary to completion.
pub fn run(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_shipwindow"))
        .args(args)
        .env_remove("SHIPWINDOW_TOKEN")
        .env_remove("SHIPWINDOW_STORE")
        .output()
        .unwrap()
}

/// Sends one request through `router` in process (no socket): the status and
/// the body's text. A `body` is sent as JSON.
pub async fn call_text(
    router: &axum::Router,
    method: &str,
    uri: &str,
    body: Option<Value>,
) -> (axum::http::StatusCode, String) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let mut req = axum::http::Request::builder().method(method).uri(uri);
    let body = match body {
        Some(v) => {
            req = req.header("content-type", "application/json");
            axum::body::Body::from(v.to_string())
        }
        None => axum::body::Body::empty(),
    };
    let resp = router
        .clone()
        .oneshot(req.body(body).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

/// [`call_text`] with the body read as JSON (`null` when it is not JSON).
pub async fn call_json(
    router: &axum::Router,
    method: &str,
    uri: &str,
    body: Option<Value>,
) -> (axum::http::StatusCode, Value) {
    let (status, text) = call_text(router, method, uri, body).await;
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}
