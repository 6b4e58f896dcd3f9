//! The serve loop's timeouts and connection limit against the real server (#18.9), configured
//! short (`rectify serve --header-timeout 1 …`) so each case takes seconds: a client trickling
//! its headers and an idle keep-alive connection are closed, a stalled or trickling body is
//! answered 408, and connections over the limit wait until one closes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

mod common;

use common::Server;

/// Generous against a busy machine (the whole suite at once had the 3 s request timeout's 408
/// arrive after 6 s), yet far below what an unlimited server would allow (a 1,000-byte body
/// trickled at a byte per 300 ms takes five minutes).
const CLOSED_WITHIN: Duration = Duration::from_secs(15);

struct Limited {
    _dir: tempfile::TempDir,
    server: Server,
}

fn start() -> Limited {
    start_idling("1")
}

/// The server with an idle timeout of `idle` seconds (the other limits as above).
fn start_idling(idle: &str) -> Limited {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db").to_string_lossy().into_owned();
    common::demo_into(&db, None);
    let server = Server::start(
        &db,
        &[
            "serve",
            "--header-timeout",
            "1",
            "--body-timeout",
            "1",
            "--idle-timeout",
            idle,
            "--request-timeout",
            "3",
            "--max-connections",
            "2",
        ],
    );
    Limited { _dir: dir, server }
}

fn connect(server: &Server) -> TcpStream {
    let stream = TcpStream::connect(&server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    stream
}

/// What the server sent so far, and whether it has closed the connection.
fn poll(stream: &mut TcpStream, seen: &mut Vec<u8>) -> bool {
    let mut buf = [0; 4096];
    match stream.read(&mut buf) {
        Ok(0) => true,
        Ok(n) => {
            seen.extend_from_slice(&buf[..n]);
            false
        }
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => false,
        Err(_) => true,
    }
}

/// Keeps calling `step` (which may send more) until the server closes the connection or
/// `CLOSED_WITHIN` passes; returns what it sent and whether it closed.
fn until_closed(stream: &mut TcpStream, mut step: impl FnMut(&mut TcpStream)) -> (String, bool) {
    let started = Instant::now();
    let mut seen = Vec::new();
    while started.elapsed() < CLOSED_WITHIN {
        step(stream);
        if poll(stream, &mut seen) {
            return (String::from_utf8_lossy(&seen).into_owned(), true);
        }
    }
    (String::from_utf8_lossy(&seen).into_owned(), false)
}

#[test]
fn a_client_trickling_its_headers_is_cut_off() {
    // A long idle timeout, so that only the header timeout can end the connection in time.
    let limited = start_idling("30");
    let mut stream = connect(&limited.server);
    // Connected and silent first, then the head begins: the limit counts from its first byte.
    std::thread::sleep(Duration::from_millis(300));
    stream.write_all(b"GET /healthz HTTP/1.1\r\n").unwrap();
    let (_, closed) = until_closed(&mut stream, |s| {
        let _ = s.write_all(b"X-Slow: a\r\n");
    });
    assert!(
        closed,
        "a request head still arriving after {CLOSED_WITHIN:?}"
    );
}

#[test]
fn an_idle_keep_alive_connection_is_closed() {
    let limited = start();
    let mut stream = connect(&limited.server);
    let request = format!(
        "GET /healthz HTTP/1.1\r\nHost: {}\r\n\r\n",
        limited.server.addr
    );
    stream.write_all(request.as_bytes()).unwrap();
    let (seen, closed) = until_closed(&mut stream, |_| {});
    assert!(seen.starts_with("HTTP/1.1 200"), "{seen}");
    assert!(
        closed,
        "an idle connection still open after {CLOSED_WITHIN:?}"
    );
}

#[test]
fn a_stalled_or_trickling_body_is_answered_408() {
    let limited = start();
    let head = format!(
        "POST /login HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n",
        limited.server.addr
    );
    // Stalled: a few bytes, then nothing (the body timeout, 1 s).
    let mut stream = connect(&limited.server);
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(b"username=zgb").unwrap();
    let (seen, _) = until_closed(&mut stream, |_| {});
    assert!(seen.starts_with("HTTP/1.1 408"), "{seen}");
    // Trickling: a byte every 300 ms never trips the body timeout, the request timeout (3 s)
    // ends it. The bytes stop shortly before it: one arriving as the server closes would be
    // unread there, and its kernel would then reset the connection, discarding the 408 on its
    // way (it did on a loaded CI machine). The body timeout (1 s of silence) comes after.
    let mut stream = connect(&limited.server);
    stream.write_all(head.as_bytes()).unwrap();
    let trickling = Instant::now();
    let (seen, _) = until_closed(&mut stream, |s| {
        if trickling.elapsed() < Duration::from_millis(2_700) {
            let _ = s.write_all(b"x");
        }
    });
    assert!(seen.starts_with("HTTP/1.1 408"), "{seen}");
    assert!(seen.contains("超时"), "{seen}");
}

#[test]
fn connections_over_the_limit_wait_until_one_closes() {
    let limited = start();
    // Two connections take both slots and send nothing.
    let mut first = connect(&limited.server);
    let mut second = connect(&limited.server);
    std::thread::sleep(Duration::from_millis(100));
    let mut third = connect(&limited.server);
    let request = format!(
        "GET /healthz HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        limited.server.addr
    );
    third.write_all(request.as_bytes()).unwrap();
    let mut seen = Vec::new();
    assert!(!poll(&mut third, &mut seen));
    assert!(
        seen.is_empty(),
        "the third connection was served while two held the limit"
    );
    // The idle timeout frees the slots; then the third is served.
    let (_, first_closed) = until_closed(&mut first, |_| {});
    let (_, second_closed) = until_closed(&mut second, |_| {});
    assert!(first_closed && second_closed);
    let (seen, _) = until_closed(&mut third, |_| {});
    assert!(seen.starts_with("HTTP/1.1 200"), "{seen:?}");
}
