//! `basalt serve` as a user runs it: startup line, the seed request, clean shutdown.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

/// A bare HTTP/1.1 POST, so the test needs no HTTP client crate.
fn post(addr: &str, path: &str, body: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn serve_answers_the_seed_request_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_basalt"))
        .args(["serve", "--http-listen-addr", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path().join("data"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.contains("listening on http://127.0.0.1:"), "{line}");
    assert!(line.contains("data.db"), "{line}");
    assert!(line.contains("auth: off"), "{line}");
    let addr = line
        .split("http://")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();

    let seed = r#"{"requests":[{"type":"execute","stmt":{"sql":"SELECT 1"}}]}"#;
    let response = post(&addr, "/v2/pipeline", seed);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response.contains(r#""rows":[[{"type":"integer","value":"1"}]]"#),
        "{response}"
    );

    let write = r#"{"requests":[{"type":"execute","stmt":{"sql":"CREATE TABLE t(a)"}},{"type":"execute","stmt":{"sql":"INSERT INTO t VALUES (7)"}}]}"#;
    assert!(post(&addr, "/v2/pipeline", write).starts_with("HTTP/1.1 200"));

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
    // The write survived and the WAL was checkpointed into the database file.
    let wal = dir.path().join("data/dbs/default/data.db-wal");
    assert!(std::fs::metadata(&wal).map_or(true, |m| m.len() == 0));
    let out = Command::new(env!("CARGO_BIN_EXE_basalt"))
        .arg("shell")
        .arg(dir.path().join("data/dbs/default/data.db"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin.take().unwrap().write_all(b"SELECT a FROM t;")?;
            c.wait_with_output()
        })
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "7\n");
}

#[test]
fn serve_rejects_bad_flags_clearly() {
    let out = Command::new(env!("CARGO_BIN_EXE_basalt"))
        .args(["serve", "--http-listen-addr", "not-an-address"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid value"));
    let help = Command::new(env!("CARGO_BIN_EXE_basalt"))
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("BASALT_HTTP_LISTEN_ADDR") && help.contains("[default: 127.0.0.1:8080]"),
        "{help}"
    );
}
