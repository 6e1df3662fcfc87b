//! The replica's sync client against a scripted primary: a tiny HTTP/1.1 gRPC-web server
//! on a real socket whose answers each test chooses (garbage, truncation, `NO_HELLO`,
//! `NEED_SNAPSHOT`), so misbehaviour the real server never shows is covered too.

use std::path::Path;
use std::sync::{Arc, Mutex};

use basalt::replication::Replicator;
use basalt::{Builder, Error};
use basalt_engine::replication::{Frame, FrameHeader, FrameNo, PageNo, chain_checksum};
use basalt_rpc::wal_log as pb;
use prost::Message;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const LOG_ID: &str = "6c1b7e0e-8e0b-4c59-9d35-2f6f5a0b6a01";

/// Frames of two transactions on a primary: the first creates `t` with `first` rows, the
/// second rewrites the database with `second` rows (all pages, as whole images).
fn primary_frames(dir: &Path, first: i64, second: i64) -> Vec<Frame> {
    let mut frames = Vec::new();
    let mut checksum = 0;
    for (step, rows) in [first, second].into_iter().enumerate() {
        let path = dir.join(format!("primary{step}.db"));
        let conn = basalt_engine::Connection::open(&path, &Default::default()).unwrap();
        conn.execute_batch("CREATE TABLE t(x)").unwrap();
        for i in 0..rows {
            conn.execute(
                "INSERT INTO t VALUES (?1)",
                &basalt_engine::Params::Positional(vec![format!("{i:0>300}").into()]),
            )
            .unwrap();
        }
        let pages = conn
            .execute(
                "SELECT pgno, data FROM sqlite_dbpage ORDER BY pgno",
                &basalt_engine::Params::None,
            )
            .unwrap()
            .rows;
        let n = pages.len() as u32;
        for page in pages {
            let (basalt::Value::Integer(pgno), basalt::Value::Blob(data)) = (&page[0], &page[1])
            else {
                panic!("unexpected dbpage row");
            };
            checksum = chain_checksum(checksum, data);
            let header = FrameHeader {
                frame_no: FrameNo(frames.len() as u64),
                checksum,
                page_no: PageNo(*pgno as u32),
                size_after: if *pgno as u32 == n { n } else { 0 },
            };
            frames.push(Frame::new(header, data.clone()).unwrap());
        }
    }
    frames
}

/// How the scripted primary answers `BatchLogEntries`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Up to `batch` frames from the offset.
    Normal { batch: usize },
    /// A frame whose page number is 0.
    GarbageFrame,
    /// A frame whose checksum does not chain.
    BadChecksum,
    /// Bytes that are not a protobuf message.
    GarbageMessage,
    /// A message frame cut in the middle (the HTTP body is complete).
    Truncated,
    /// The HTTP body ends before its announced length: the connection drops.
    ConnectionDrop,
    /// `NO_HELLO` once, then normal.
    NoHelloOnce,
    /// `NEED_SNAPSHOT`; `Snapshot` sends every page's last version, descending.
    NeedSnapshot,
}

struct Primary {
    frames: Vec<Frame>,
    mode: Mutex<Mode>,
    /// The mode after the next `BatchLogEntries` answer.
    next_mode: Mutex<Option<Mode>>,
    calls: Mutex<Vec<String>>,
    log_id: Mutex<String>,
}

struct Answer {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    /// Announce more bytes than sent, then close.
    short_body: bool,
}

fn grpc_ok(messages: &[Vec<u8>]) -> Answer {
    let mut body = Vec::new();
    for m in messages {
        body.push(0);
        body.extend_from_slice(&(m.len() as u32).to_be_bytes());
        body.extend_from_slice(m);
    }
    let trailers = b"grpc-status:0\r\n";
    body.push(0x80);
    body.extend_from_slice(&(trailers.len() as u32).to_be_bytes());
    body.extend_from_slice(trailers);
    Answer {
        status: 200,
        headers: vec![],
        body,
        short_body: false,
    }
}

fn grpc_error(code: i32, message: &str) -> Answer {
    Answer {
        status: 200,
        headers: vec![
            ("grpc-status", code.to_string()),
            ("grpc-message", message.to_owned()),
        ],
        body: vec![],
        short_body: false,
    }
}

fn frames_message(frames: &[Frame]) -> Vec<u8> {
    pb::Frames {
        frames: frames
            .iter()
            .map(|f| pb::Frame {
                data: f.encode(),
                timestamp: None,
                durable_frame_no: None,
            })
            .collect(),
    }
    .encode_to_vec()
}

impl Primary {
    fn answer(&self, path: &str, body: &[u8], headers: &str) -> Answer {
        self.calls.lock().unwrap().push(path.to_owned());
        let message = &body[5..];
        let mode = *self.mode.lock().unwrap();
        match path {
            "/wal_log.ReplicationLog/Hello" => {
                let hello = pb::HelloResponse {
                    generation_id: LOG_ID.into(),
                    generation_start_index: 0,
                    log_id: self.log_id.lock().unwrap().clone(),
                    session_token: b"token-1".to_vec(),
                    current_replication_index: Some(self.frames.len() as u64 - 1),
                    config: None,
                };
                grpc_ok(&[hello.encode_to_vec()])
            }
            "/wal_log.ReplicationLog/BatchLogEntries" => {
                assert!(
                    headers.contains("x-session-token: token-1"),
                    "no session token in {headers}"
                );
                if let Some(next) = self.next_mode.lock().unwrap().take() {
                    *self.mode.lock().unwrap() = next;
                }
                let offset = pb::LogOffset::decode(message).unwrap().next_offset as usize;
                let rest = &self.frames[offset.min(self.frames.len())..];
                match mode {
                    Mode::Normal { batch } => {
                        grpc_ok(&[frames_message(&rest[..batch.min(rest.len())])])
                    }
                    Mode::GarbageFrame => {
                        let mut data = rest[0].encode();
                        data[16..20].copy_from_slice(&0u32.to_le_bytes());
                        let msg = pb::Frames {
                            frames: vec![pb::Frame {
                                data,
                                timestamp: None,
                                durable_frame_no: None,
                            }],
                        };
                        grpc_ok(&[msg.encode_to_vec()])
                    }
                    Mode::BadChecksum => {
                        let mut frames = rest.to_vec();
                        let last = frames.len() - 1;
                        let mut data = frames[last].encode();
                        data[100] ^= 0xff;
                        frames[last] = Frame::decode(&data).unwrap();
                        grpc_ok(&[frames_message(&frames)])
                    }
                    Mode::GarbageMessage => grpc_ok(&[vec![0xff; 64]]),
                    Mode::Truncated => {
                        let mut answer = grpc_ok(&[frames_message(rest)]);
                        answer.body.truncate(answer.body.len() / 2);
                        answer
                    }
                    Mode::ConnectionDrop => {
                        let mut answer = grpc_ok(&[frames_message(rest)]);
                        answer.short_body = true;
                        answer
                    }
                    Mode::NoHelloOnce => {
                        *self.mode.lock().unwrap() = Mode::Normal { batch: 1024 };
                        grpc_error(9, "NO_HELLO")
                    }
                    Mode::NeedSnapshot => grpc_error(9, "NEED_SNAPSHOT"),
                }
            }
            "/wal_log.ReplicationLog/Snapshot" => {
                // Latest version of every page, descending frame_no, commit marker last.
                let mut latest: std::collections::BTreeMap<u32, &Frame> = Default::default();
                for f in &self.frames {
                    latest.insert(f.header.page_no.0, f);
                }
                let mut frames: Vec<Frame> = latest.into_values().cloned().collect();
                frames.sort_by_key(|f| std::cmp::Reverse(f.header.frame_no));
                let size = self.frames.last().unwrap().header.size_after;
                for f in &mut frames {
                    f.header.size_after = 0;
                }
                frames.last_mut().unwrap().header.size_after = size;
                let messages: Vec<Vec<u8>> = frames
                    .iter()
                    .map(|f| {
                        pb::Frame {
                            data: f.encode(),
                            timestamp: None,
                            durable_frame_no: None,
                        }
                        .encode_to_vec()
                    })
                    .collect();
                grpc_ok(&messages)
            }
            _ => Answer {
                status: 404,
                headers: vec![],
                body: b"not found".to_vec(),
                short_body: false,
            },
        }
    }
}

/// Serves `primary` on 127.0.0.1:0; returns its URL.
async fn serve(primary: Arc<Primary>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let primary = primary.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                loop {
                    // Read one request: head, then content-length bytes.
                    let head_end = loop {
                        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break i + 4;
                        }
                        let mut chunk = [0u8; 8192];
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    };
                    let raw_head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
                    let path = raw_head.split_whitespace().nth(1).unwrap().to_owned();
                    let head = raw_head.to_ascii_lowercase();
                    let len: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .map_or(0, |v| v.trim().parse().unwrap());
                    while buf.len() < head_end + len {
                        let mut chunk = [0u8; 8192];
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let body: Vec<u8> = buf.drain(..head_end + len).skip(head_end).collect();
                    let answer = primary.answer(&path, &body, &head);
                    let mut out = format!(
                        "HTTP/1.1 {} X\r\ncontent-type: application/grpc-web+proto\r\ncontent-length: {}\r\n",
                        answer.status,
                        answer.body.len() + if answer.short_body { 1000 } else { 0 }
                    );
                    for (k, v) in &answer.headers {
                        out.push_str(&format!("{k}: {v}\r\n"));
                    }
                    out.push_str("\r\n");
                    let mut bytes = out.into_bytes();
                    bytes.extend_from_slice(&answer.body);
                    if socket.write_all(&bytes).await.is_err() || answer.short_body {
                        return;
                    }
                }
            });
        }
    });
    url
}

async fn setup(mode: Mode) -> (tempfile::TempDir, Arc<Primary>, String) {
    let dir = tempfile::tempdir().unwrap();
    let primary = Arc::new(Primary {
        frames: primary_frames(dir.path(), 3, 50),
        mode: Mutex::new(mode),
        next_mode: Mutex::new(None),
        calls: Mutex::new(Vec::new()),
        log_id: Mutex::new(LOG_ID.into()),
    });
    let url = serve(primary.clone()).await;
    (dir, primary, url)
}

fn count_rows(path: &Path) -> Option<i64> {
    let conn = basalt_engine::Connection::open(path, &Default::default()).unwrap();
    let result = conn
        .execute("SELECT count(*) FROM t", &basalt_engine::Params::None)
        .ok()?;
    match result.rows[0][0] {
        basalt::Value::Integer(n) => Some(n),
        _ => None,
    }
}

#[tokio::test]
async fn syncs_in_small_batches_and_resumes() {
    let (dir, primary, url) = setup(Mode::Normal { batch: 2 }).await;
    let path = dir.path().join("replica.db");
    let total = primary.frames.len();
    let mut replicator = Replicator::open(&path, &url, "").unwrap();
    let done = replicator.sync().await.unwrap();
    assert_eq!(done.frames_synced(), total);
    assert_eq!(done.frame_no(), Some(total as u64 - 1));
    assert_eq!(count_rows(&path), Some(50));
    drop(replicator);
    let mut replicator = Replicator::open(&path, &url, "").unwrap();
    assert_eq!(replicator.frame_no(), Some(total as u64 - 1));
    let again = replicator.sync().await.unwrap();
    assert_eq!(again.frames_synced(), 0);
}

#[tokio::test]
async fn bad_answers_are_errors_and_nothing_is_applied() {
    for mode in [
        Mode::GarbageFrame,
        Mode::BadChecksum,
        Mode::GarbageMessage,
        Mode::Truncated,
        Mode::ConnectionDrop,
    ] {
        let (dir, primary, url) = setup(Mode::Normal { batch: 1024 }).await;
        let path = dir.path().join("replica.db");
        let mut replicator = Replicator::open(&path, &url, "").unwrap();
        let first_txn = primary
            .frames
            .iter()
            .position(|f| f.header.is_commit())
            .unwrap();
        // The first batch is the first transaction; the next answer is the bad one.
        *primary.mode.lock().unwrap() = Mode::Normal {
            batch: first_txn + 1,
        };
        *primary.next_mode.lock().unwrap() = Some(mode);
        let err = replicator
            .sync()
            .await
            .expect_err("a bad answer must fail the sync");
        match mode {
            Mode::GarbageFrame | Mode::BadChecksum => {
                assert!(matches!(err, Error::Replication(_)), "{mode:?}: {err:?}")
            }
            Mode::GarbageMessage | Mode::Truncated => {
                assert!(matches!(err, Error::Protocol(_)), "{mode:?}: {err:?}")
            }
            Mode::ConnectionDrop => assert!(matches!(err, Error::Http(_)), "{mode:?}: {err:?}"),
            _ => unreachable!(),
        }
        // Only the first transaction is in: the broken one was never applied.
        assert_eq!(replicator.frame_no(), Some(first_txn as u64), "{mode:?}");
        assert_eq!(count_rows(&path), Some(3), "{mode:?}");
        // The primary behaves again: the same replica converges.
        *primary.mode.lock().unwrap() = Mode::Normal { batch: 1024 };
        replicator.sync().await.unwrap();
        assert_eq!(count_rows(&path), Some(50), "{mode:?}");
    }
}

#[tokio::test]
async fn no_hello_says_hello_again() {
    let (dir, primary, url) = setup(Mode::NoHelloOnce).await;
    let path = dir.path().join("replica.db");
    let mut replicator = Replicator::open(&path, &url, "").unwrap();
    let done = replicator.sync().await.unwrap();
    assert_eq!(done.frames_synced(), primary.frames.len());
    let hellos = primary
        .calls
        .lock()
        .unwrap()
        .iter()
        .filter(|c| c.ends_with("/Hello"))
        .count();
    assert_eq!(hellos, 2);
    assert_eq!(count_rows(&path), Some(50));
}

#[tokio::test]
async fn need_snapshot_applies_the_snapshot() {
    let (dir, primary, url) = setup(Mode::NeedSnapshot).await;
    let path = dir.path().join("replica.db");
    let mut replicator = Replicator::open(&path, &url, "").unwrap();
    let done = replicator.sync().await.unwrap();
    assert_eq!(done.frame_no(), Some(primary.frames.len() as u64 - 1));
    assert!(
        primary
            .calls
            .lock()
            .unwrap()
            .iter()
            .any(|c| c.ends_with("/Snapshot"))
    );
    assert_eq!(count_rows(&path), Some(50));
    // The log goes on after the snapshot: nothing more to fetch.
    *primary.mode.lock().unwrap() = Mode::Normal { batch: 1024 };
    assert_eq!(replicator.sync().await.unwrap().frames_synced(), 0);
}

#[tokio::test]
async fn a_new_log_id_resets_the_replica() {
    let (dir, primary, url) = setup(Mode::Normal { batch: 1024 }).await;
    let path = dir.path().join("replica.db");
    let mut replicator = Replicator::open(&path, &url, "").unwrap();
    replicator.sync().await.unwrap();
    *primary.log_id.lock().unwrap() = "0b7e6c1b-8e0b-4c59-9d35-2f6f5a0b6a02".into();
    let done = replicator.sync().await.unwrap();
    // Everything again, from frame 0 of the new log.
    assert_eq!(done.frames_synced(), primary.frames.len());
    assert_eq!(
        replicator.position().log_id.unwrap().to_string(),
        "0b7e6c1b-8e0b-4c59-9d35-2f6f5a0b6a02"
    );
    assert_eq!(count_rows(&path), Some(50));
}

#[tokio::test]
async fn unreachable_primary_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    // A port nobody listens on: bind, note it, close.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let db = Builder::new_remote_replica(
        dir.path().join("r.db"),
        format!("http://127.0.0.1:{port}"),
        "",
    )
    .build()
    .await
    .unwrap();
    let err = db.sync().await.unwrap_err();
    assert!(matches!(err, Error::Http(_)), "{err:?}");
    assert!(err.to_string().contains("HTTP request failed"), "{err}");
    // Reads still work on the local file.
    let conn = db.connect().unwrap();
    let mut rows = conn.query("SELECT 1", ()).await.unwrap();
    assert!(rows.next().await.unwrap().is_some());
    // https is refused up front.
    let err = Builder::new_remote_replica(dir.path().join("s.db"), "https://example.com", "")
        .build()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidUrl(_)), "{err:?}");
}
