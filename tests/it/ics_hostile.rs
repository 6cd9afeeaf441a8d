//! Hostile calendars (issue 13). Class 6: a calendar nested thousands of
//! components deep must not overflow the stack; read by a running server on a
//! reload, it is a failed reload: the process keeps running, the last good
//! policy keeps serving, and `/healthz` says `degraded` with the file and line.
//! Class 12: a feed that is not UTF-8 names the line of its first bad byte.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use crate::support::ics::{Dir, calendar_toml, events, ics};
use crate::support::server::Server;

/// A calendar `depth` components deep inside its VCALENDAR, never closed.
fn nested(depth: usize) -> String {
    let mut lines = vec!["BEGIN:VCALENDAR"];
    lines.extend(std::iter::repeat_n("BEGIN:VEVENT", depth));
    ics(&lines)
}

#[test]
fn a_reload_with_a_deeply_nested_calendar_keeps_the_last_good_policy_serving() {
    let dir = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let sale = events(&[&[
        "UID:bf@example.com",
        "SUMMARY:Black Friday sale",
        "DTSTART;VALUE=DATE:20261127",
        "DTEND;VALUE=DATE:20261130",
    ]]);
    std::fs::write(
        dir.path().join("p.toml"),
        calendar_toml("UTC", "cal.ics", ""),
    )
    .unwrap();
    let cal = dir.path().join("cal.ics");
    std::fs::write(&cal, &sale).unwrap();
    let server = Server::start(dir.path(), state.path(), &[]);
    let good = server.healthz_until(|v| v["status"] == "ok");
    let check = "/v1/check?service=web&env=prod&at=2026-11-28T12:00:00Z";
    assert_eq!(server.get_json(check)["verdict"], "deny");

    // Each reload reads a calendar nested deeper; none of them brings the
    // server down, and the sale freeze keeps denying.
    for depth in [1_000, 100_000] {
        std::fs::write(&cal, nested(depth)).unwrap();
        server.signal("HUP");
        let degraded = server.healthz_until(|v| {
            v["status"] == "degraded" && v["error"].as_str().is_some_and(|e| e.contains("17:1"))
        });
        assert_eq!(degraded["policy"], good["policy"]);
        let error = degraded["error"].as_str().unwrap();
        assert!(
            error.contains("cal.ics:17:1: `BEGIN:VEVENT` nests components more than 16 deep"),
            "{error}"
        );
        let d = server.get_json(check);
        assert_eq!(d["verdict"], "deny", "{d}");
        assert_eq!(d["blocked_by"][0]["reason"], "Black Friday sale", "{d}");
        // Put it right, so the next round fails from a good state again.
        std::fs::write(&cal, &sale).unwrap();
        server.signal("HUP");
        server.healthz_until(|v| v["status"] == "ok");
    }
    let (code, log) = server.stop();
    assert_eq!(code, Some(0), "{log}");
    assert!(!log.contains("overflowed its stack"), "{log}");
}

/// Serves `body` once, as a 200, to the first connection; returns its address.
fn serve_once(body: Vec<u8>) -> (String, std::thread::JoinHandle<()>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/freezes.ics", listener.local_addr().unwrap());
    let thread = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = Vec::new();
        let mut buf = [0u8; 1024];
        while !request.ends_with(b"\r\n\r\n") {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => request.extend_from_slice(&buf[..n]),
            }
        }
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(&body).unwrap();
    });
    (url, thread)
}

#[test]
fn a_feed_that_is_not_utf8_names_the_line_of_its_first_bad_byte() {
    for (body, line) in [
        (
            &b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:Caf\xe9\r\n"[..],
            3,
        ),
        (&b"\xff"[..], 1),
        (&b"BEGIN:VCALENDAR\nX-A:\xec\x84\x9c\n\n\n\x80\n"[..], 5),
    ] {
        let (url, server) = serve_once(body.to_vec());
        let dir = Dir::new(&[("p.toml", &calendar_toml("UTC", &url, ""))]);
        let e = dir.load().unwrap_err().to_string();
        server.join().unwrap();
        assert!(
            e.contains(&format!("the feed is not UTF-8 text (line {line})")),
            "{body:?}: {e}"
        );
    }
}
