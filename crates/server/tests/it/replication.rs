//! The primary side of libSQL's replication protocol over real sockets and files:
//! `wal_log.ReplicationLog` through native gRPC (tonic over h2c) and gRPC-web (hand-framed
//! over HTTP/1.1), frames applied with the engine's `Replica`, `proxy.Proxy` sessions, and
//! group commit surviving a SIGKILLed server process (LIBSQL-SURFACE.md §8).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use basalt_engine::replication::{Frame, LogId, Replica};
use basalt_engine::{Connection, OpenOptions, Params, Value};
use basalt_rpc::proxy::proxy_client::ProxyClient;
use basalt_rpc::proxy::{
    self as pb, DescribeRequest, DisconnectMessage, ExecuteResults, ProgramReq, query_result,
};
use basalt_rpc::value::Value as WireValue;
use basalt_rpc::wal_log::replication_log_client::ReplicationLogClient;
use basalt_rpc::wal_log::{HelloRequest, HelloResponse, LogOffset, WalFlavor};
use prost::Message;
use tonic::Code;
use tonic::transport::Channel;

use crate::TestServer;

type LogClient = ReplicationLogClient<Channel>;

async fn log_client(addr: SocketAddr) -> LogClient {
    ReplicationLogClient::connect(format!("http://{addr}"))
        .await
        .unwrap()
        .max_decoding_message_size(usize::MAX)
}

async fn proxy_client(addr: SocketAddr) -> ProxyClient<Channel> {
    ProxyClient::connect(format!("http://{addr}"))
        .await
        .unwrap()
        .max_decoding_message_size(usize::MAX)
}

fn with_token<T>(message: T, token: &[u8]) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.metadata_mut().insert(
        "x-session-token",
        tonic::metadata::AsciiMetadataValue::try_from(token).unwrap(),
    );
    request
}

fn offset(next_offset: u64) -> LogOffset {
    LogOffset {
        next_offset,
        wal_flavor: None,
    }
}

async fn hello(client: &mut LogClient) -> HelloResponse {
    client
        .hello(HelloRequest {
            handshake_version: Some(1),
        })
        .await
        .unwrap()
        .into_inner()
}

fn decode(frames: &[basalt_rpc::wal_log::Frame]) -> Vec<Frame> {
    frames
        .iter()
        .map(|f| Frame::decode(&f.data).expect("a 4120-byte frame"))
        .collect()
}

async fn snapshot_frames(client: &mut LogClient, token: &[u8], from: u64) -> Vec<Frame> {
    let mut stream = client
        .snapshot(with_token(offset(from), token))
        .await
        .unwrap()
        .into_inner();
    let mut frames = Vec::new();
    while let Some(f) = stream.message().await.unwrap() {
        frames.push(Frame::decode(&f.data).unwrap());
    }
    frames
}

/// One sync round as an embedded replica does it: Hello, then batches (or the snapshot
/// on NEED_SNAPSHOT) until the replica reaches `current_replication_index`. Returns
/// whether a snapshot was used.
async fn sync(client: &mut LogClient, replica: &mut Replica) -> bool {
    let hello = hello(client).await;
    let token = hello.session_token.to_vec();
    let log_id = LogId::parse(&hello.log_id).unwrap();
    if replica.position().log_id != Some(log_id) {
        replica.reset(log_id).unwrap();
    }
    let Some(target) = hello.current_replication_index else {
        return false;
    };
    let mut used_snapshot = false;
    while replica.position().frame_no.is_none_or(|f| f.0 < target) {
        let from = replica.next_frame_no().0;
        match client
            .batch_log_entries(with_token(offset(from), &token))
            .await
        {
            Ok(frames) => {
                let frames = decode(&frames.into_inner().frames);
                assert!(!frames.is_empty(), "no frames at {from} before {target}");
                assert!(frames.len() <= 1024);
                replica.apply(frames).unwrap();
            }
            Err(s) if s.code() == Code::FailedPrecondition && s.message() == "NEED_SNAPSHOT" => {
                let frames = snapshot_frames(client, &token, from).await;
                replica
                    .apply_snapshot(log_id, frames.into_iter().map(Ok))
                    .unwrap();
                used_snapshot = true;
            }
            Err(s) => panic!("batch at {from}: {s:?}"),
        }
    }
    used_snapshot
}

fn db_path(server: &TestServer) -> PathBuf {
    server.dir.path().join("data/dbs/default/data.db")
}

fn read_only(path: &Path) -> Connection {
    Connection::open(
        path,
        &OpenOptions {
            read_only: true,
            ..OpenOptions::default()
        },
    )
    .unwrap()
}

fn pages(path: &Path) -> Vec<Vec<Value>> {
    read_only(path)
        .execute(
            "SELECT pgno, data FROM sqlite_dbpage ORDER BY pgno",
            &Params::None,
        )
        .unwrap()
        .rows
}

fn rows(path: &Path, sql: &str) -> Vec<Vec<Value>> {
    read_only(path).execute(sql, &Params::None).unwrap().rows
}

/// Same pages byte for byte, and the replica passes integrity_check. One exception:
/// SQLite rewrites page 1's change counter (bytes 24..28 and its copy at 92..96)
/// whenever it writes page 1, and the replica applies frames through SQLite's pager, so
/// the counter is the replica's own (WAL-mode databases do not use it).
fn assert_identical(primary: &Path, replica: &Path) {
    let (p, r) = (pages(primary), pages(replica));
    assert_eq!(p.len(), r.len(), "page counts differ");
    for (a, b) in p.iter().zip(&r) {
        let (Value::Blob(x), Value::Blob(y)) = (&a[1], &b[1]) else {
            panic!("pages are blobs")
        };
        let counter = |i: usize| {
            a[0] == Value::Integer(1) && ((24..28).contains(&i) || (92..96).contains(&i))
        };
        let diff: Vec<usize> = (0..x.len())
            .filter(|&i| x[i] != y[i] && !counter(i))
            .collect();
        assert!(diff.is_empty(), "page {:?} differs at bytes {diff:?}", a[0]);
    }
    assert_eq!(
        rows(replica, "PRAGMA integrity_check"),
        vec![vec![Value::Text("ok".into())]]
    );
}

async fn write_rows(server: &TestServer, from: i64, to: i64) {
    for i in from..to {
        let r = server
            .execute(&format!(
                "INSERT INTO t(id, v) VALUES ({i}, '{}')",
                "x".repeat(500)
            ))
            .await;
        assert_eq!(r["affected_row_count"], 1, "{r}");
    }
}

#[tokio::test]
async fn native_grpc_sync_applies_to_an_identical_database() {
    let server = TestServer::spawn().await;
    server
        .execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")
        .await;
    write_rows(&server, 0, 50).await;
    let mut client = log_client(server.addr).await;
    let first = hello(&mut client).await;
    assert!(LogId::parse(&first.log_id).is_some());
    assert_eq!(first.generation_id, hello(&mut client).await.generation_id);
    assert!(first.config.is_some());
    let dir = tempfile::tempdir().unwrap();
    let replica_path = dir.path().join("replica.db");
    let mut replica = Replica::open(&replica_path).unwrap();
    sync(&mut client, &mut replica).await;
    assert_eq!(
        replica.position().frame_no.map(|f| f.0),
        first.current_replication_index
    );
    assert_identical(&db_path(&server), &replica_path);
    // More writes, then an incremental sync.
    write_rows(&server, 50, 80).await;
    server.execute("DELETE FROM t WHERE id % 3 = 0").await;
    sync(&mut client, &mut replica).await;
    assert_identical(&db_path(&server), &replica_path);
    assert_eq!(
        rows(&replica_path, "SELECT count(*) FROM t"),
        vec![vec![Value::Integer(53)]]
    );
    // Up to date: an empty batch, at once.
    let token = hello(&mut client).await.session_token.to_vec();
    let next = replica.next_frame_no().0;
    let empty = client
        .batch_log_entries(with_token(offset(next), &token))
        .await
        .unwrap();
    assert!(empty.into_inner().frames.is_empty());
    // Metrics count what was served.
    let metrics = server.get_text("/metrics").await;
    assert!(metrics.contains("basalt_replication_frames_served_total"));
    assert!(metrics.contains("basalt_replication_log_bytes"));
}

#[tokio::test]
async fn statuses_for_bad_requests() {
    let server = TestServer::spawn().await;
    server.execute("CREATE TABLE t(x)").await;
    let mut client = log_client(server.addr).await;
    let hello = hello(&mut client).await;
    let token = hello.session_token.to_vec();
    let last = hello.current_replication_index.unwrap();
    // No token, a stale token.
    let s = client
        .batch_log_entries(tonic::Request::new(offset(0)))
        .await
        .unwrap_err();
    assert_eq!(
        (s.code(), s.message()),
        (Code::FailedPrecondition, "NO_HELLO")
    );
    let s = client
        .batch_log_entries(with_token(offset(0), b"not-the-token"))
        .await
        .unwrap_err();
    assert_eq!(
        (s.code(), s.message()),
        (Code::FailedPrecondition, "NO_HELLO")
    );
    let s = client
        .snapshot(with_token(offset(0), b"stale"))
        .await
        .unwrap_err();
    assert_eq!(s.message(), "NO_HELLO");
    // Past the end.
    let s = client
        .batch_log_entries(with_token(offset(last + 2), &token))
        .await
        .unwrap_err();
    assert_eq!(
        (s.code(), s.message()),
        (Code::OutOfRange, "frame not yet available")
    );
    let s = client
        .batch_log_entries(with_token(offset(u64::MAX), &token))
        .await
        .unwrap_err();
    assert_eq!(s.code(), Code::OutOfRange);
    // libSQL's WAL flavour.
    let s = client
        .batch_log_entries(with_token(
            LogOffset {
                next_offset: 0,
                wal_flavor: Some(WalFlavor::Libsql as i32),
            },
            &token,
        ))
        .await
        .unwrap_err();
    assert_eq!(
        (s.code(), s.message()),
        (Code::InvalidArgument, "libsql wal not supported")
    );
    // No snapshot yet.
    let s = client
        .snapshot(with_token(offset(0), &token))
        .await
        .unwrap_err();
    assert_eq!(
        (s.code(), s.message()),
        (Code::Unavailable, "snapshot not found")
    );
    // Malformed protobuf over gRPC-web: a clear status, and the server keeps serving.
    let (status, _) = grpc_web_raw(
        &server,
        "/wal_log.ReplicationLog/BatchLogEntries",
        vec![0xff, 0xff, 0xff],
        &token,
        "application/grpc-web+proto",
    )
    .await;
    assert_eq!(status.0, Code::Internal as i32, "{status:?}");
    assert!(
        client
            .batch_log_entries(with_token(offset(0), &token))
            .await
            .is_ok()
    );
    // StreamExec is not implemented.
    let mut proxy = proxy_client(server.addr).await;
    let s = proxy
        .stream_exec(futures_util::stream::empty::<pb::ExecReq>())
        .await
        .unwrap_err();
    assert_eq!(s.code(), Code::Unimplemented);
}

#[tokio::test]
async fn other_page_sizes_stop_the_start_unless_the_log_is_off() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let db = data.join("dbs/default/data.db");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    let conn = Connection::open(&db, &OpenOptions::default()).unwrap();
    drop(conn);
    // Page size can only change before WAL (or by VACUUM in rollback mode).
    let raw = Connection::open(&db, &OpenOptions::default()).unwrap();
    raw.execute_batch(
        "PRAGMA journal_mode = DELETE; PRAGMA page_size = 8192; VACUUM; CREATE TABLE t(x);",
    )
    .unwrap();
    drop(raw);
    let err = basalt_server::Server::open(basalt_server::Config::new(&data))
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("page size 8192"), "{err}");
    let mut config = basalt_server::Config::new(&data);
    config.replication_log = false;
    assert!(basalt_server::Server::open(config).await.is_ok());
}

#[tokio::test]
async fn oversized_requests_get_a_status_and_the_server_keeps_serving() {
    let server = TestServer::spawn_with(|c| c.max_request_bytes = 64 << 10).await;
    let mut proxy = proxy_client(server.addr).await;
    let big = WireValue::Blob(vec![7; 100 << 10]);
    let s = proxy
        .execute(program(
            "a",
            vec![step(None, "SELECT length(?)", vec![big])],
        ))
        .await
        .unwrap_err();
    assert_ne!(s.code(), Code::Ok);
    let r = exec(&mut proxy, "a", vec![step(None, "SELECT 1", vec![])]).await;
    assert_eq!(
        values(ok_rows(&r.results[0])),
        vec![vec![WireValue::Integer(1)]]
    );
}

#[tokio::test]
async fn get_info_is_404() {
    let server = TestServer::spawn().await;
    let r = server.http.get(server.url("/info")).send().await.unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn compaction_answers_need_snapshot_and_the_snapshot_converges() {
    let server = TestServer::spawn_with(|c| c.max_log_size = 256 << 10).await;
    server
        .execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")
        .await;
    // ~1 page per row: well past two 128 KiB segments.
    write_rows(&server, 0, 120).await;
    for i in 0..40 {
        server
            .execute(&format!("UPDATE t SET v = 'u{i}' || v WHERE id = {i}"))
            .await;
    }
    let mut client = log_client(server.addr).await;
    let token = hello(&mut client).await.session_token.to_vec();
    // Background compaction runs every 500 ms.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match client
            .batch_log_entries(with_token(offset(0), &token))
            .await
        {
            Err(s) if s.message() == "NEED_SNAPSHOT" => {
                assert_eq!(s.code(), Code::FailedPrecondition);
                break;
            }
            Ok(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            other => panic!("no compaction: {other:?}"),
        }
    }
    let frames = snapshot_frames(&mut client, &token, 0).await;
    assert!(
        frames
            .windows(2)
            .all(|w| w[0].header.frame_no > w[1].header.frame_no),
        "descending frame_no"
    );
    assert_ne!(frames.last().unwrap().header.size_after, 0);
    assert!(
        frames[..frames.len() - 1]
            .iter()
            .all(|f| f.header.size_after == 0)
    );
    let dir = tempfile::tempdir().unwrap();
    let replica_path = dir.path().join("replica.db");
    let mut replica = Replica::open(&replica_path).unwrap();
    assert!(
        sync(&mut client, &mut replica).await,
        "synced through the snapshot"
    );
    assert_identical(&db_path(&server), &replica_path);
    write_rows(&server, 200, 210).await;
    sync(&mut client, &mut replica).await;
    assert_identical(&db_path(&server), &replica_path);
}

#[tokio::test]
async fn log_entries_streams_new_frames() {
    let server = TestServer::spawn().await;
    server
        .execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")
        .await;
    let mut client = log_client(server.addr).await;
    let hello = hello(&mut client).await;
    let token = hello.session_token.to_vec();
    let mut stream = client
        .log_entries(with_token(offset(0), &token))
        .await
        .unwrap()
        .into_inner();
    let mut received = Vec::new();
    let target = hello.current_replication_index.unwrap();
    while received
        .last()
        .is_none_or(|f: &Frame| f.header.frame_no.0 < target)
    {
        let f = stream.message().await.unwrap().unwrap();
        received.push(Frame::decode(&f.data).unwrap());
    }
    write_rows(&server, 0, 3).await;
    let mut client2 = log_client(server.addr).await;
    let end = self::hello(&mut client2)
        .await
        .current_replication_index
        .unwrap();
    let waited = tokio::time::timeout(Duration::from_secs(10), async {
        while received.last().unwrap().header.frame_no.0 < end {
            let f = stream.message().await.unwrap().unwrap();
            received.push(Frame::decode(&f.data).unwrap());
        }
    })
    .await;
    assert!(waited.is_ok(), "new frames were streamed");
    for (i, f) in received.iter().enumerate() {
        assert_eq!(f.header.frame_no.0, i as u64);
    }
    let dir = tempfile::tempdir().unwrap();
    let replica_path = dir.path().join("replica.db");
    let mut replica = Replica::open(&replica_path).unwrap();
    replica.reset(LogId::parse(&hello.log_id).unwrap()).unwrap();
    replica.apply(received).unwrap();
    assert_identical(&db_path(&server), &replica_path);
}

// ---- gRPC-web, hand-framed over HTTP/1.1 -------------------------------------------

/// (grpc-status, grpc-message) and the messages of a gRPC-web call.
async fn grpc_web_raw(
    server: &TestServer,
    path: &str,
    message: Vec<u8>,
    token: &[u8],
    content_type: &str,
) -> ((i32, String), Vec<Vec<u8>>) {
    let mut body = vec![0u8];
    body.extend_from_slice(&(message.len() as u32).to_be_bytes());
    body.extend_from_slice(&message);
    let response = server
        .http
        .post(server.url(path))
        .header("content-type", content_type)
        .header("x-grpc-web", "1")
        .header("x-session-token", token)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.version(), reqwest::Version::HTTP_11);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    };
    let content = header("content-type").unwrap();
    assert!(content.starts_with("application/grpc-web"), "{content}");
    let mut status = header("grpc-status").map(|s| {
        (
            s.parse().unwrap(),
            header("grpc-message").unwrap_or_default(),
        )
    });
    let bytes = response.bytes().await.unwrap();
    let mut messages = Vec::new();
    let mut rest = &bytes[..];
    while rest.len() >= 5 {
        let flag = rest[0];
        let len = u32::from_be_bytes(rest[1..5].try_into().unwrap()) as usize;
        let payload = &rest[5..5 + len];
        rest = &rest[5 + len..];
        if flag & 0x80 == 0 {
            messages.push(payload.to_vec());
        } else {
            let text = String::from_utf8_lossy(payload);
            let mut code = None;
            let mut msg = String::new();
            for line in text.split("\r\n") {
                if let Some(v) = line.strip_prefix("grpc-status:") {
                    code = Some(v.trim().parse().unwrap());
                } else if let Some(v) = line.strip_prefix("grpc-message:") {
                    msg = v.trim().to_string();
                }
            }
            status = Some((code.unwrap(), msg));
        }
    }
    (status.expect("a grpc-status"), messages)
}

async fn grpc_web<Req: Message, Resp: Message + Default>(
    server: &TestServer,
    path: &str,
    request: &Req,
    token: &[u8],
) -> Result<Vec<Resp>, (i32, String)> {
    let (status, messages) = grpc_web_raw(
        server,
        path,
        request.encode_to_vec(),
        token,
        "application/grpc-web+proto",
    )
    .await;
    if status.0 != 0 {
        return Err(status);
    }
    Ok(messages
        .iter()
        .map(|m| Resp::decode(&m[..]).unwrap())
        .collect())
}

#[tokio::test]
async fn grpc_web_over_http1_serves_the_replica_path() {
    let server = TestServer::spawn().await;
    server
        .execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")
        .await;
    write_rows(&server, 0, 20).await;
    let hello: Vec<HelloResponse> = grpc_web(
        &server,
        "/wal_log.ReplicationLog/Hello",
        &HelloRequest {
            handshake_version: Some(1),
        },
        b"",
    )
    .await
    .unwrap();
    let hello = &hello[0];
    let token = hello.session_token.to_vec();
    let log_id = LogId::parse(&hello.log_id).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let replica_path = dir.path().join("replica.db");
    let mut replica = Replica::open(&replica_path).unwrap();
    replica.reset(log_id).unwrap();
    let target = hello.current_replication_index.unwrap();
    while replica.position().frame_no.is_none_or(|f| f.0 < target) {
        let frames: Vec<basalt_rpc::wal_log::Frames> = grpc_web(
            &server,
            "/wal_log.ReplicationLog/BatchLogEntries",
            &offset(replica.next_frame_no().0),
            &token,
        )
        .await
        .unwrap();
        replica.apply(decode(&frames[0].frames)).unwrap();
    }
    assert_identical(&db_path(&server), &replica_path);
    // The plain content type works too, and statuses come back in the trailers.
    let (status, _) = grpc_web_raw(
        &server,
        "/wal_log.ReplicationLog/BatchLogEntries",
        offset(0).encode_to_vec(),
        b"stale",
        "application/grpc-web",
    )
    .await;
    assert_eq!(status, (Code::FailedPrecondition as i32, "NO_HELLO".into()));
    // A write forwarded through the proxy, over gRPC-web.
    let results: Vec<ExecuteResults> = grpc_web(
        &server,
        "/proxy.Proxy/Execute",
        &program(
            "web-client",
            vec![step(
                None,
                "INSERT INTO t(id, v) VALUES (100, 'web')",
                vec![],
            )],
        ),
        b"",
    )
    .await
    .unwrap();
    let row = ok_rows(&results[0].results[0]);
    assert_eq!(row.affected_row_count, 1);
    assert_eq!(row.last_insert_rowid, Some(100));
    assert!(results[0].current_frame_no.unwrap() > target);
}

// ---- proxy.Proxy ---------------------------------------------------------------

fn wire(v: WireValue) -> pb::Value {
    pb::Value { data: v.encode() }
}

fn step(cond: Option<pb::cond::Cond>, sql: &str, args: Vec<WireValue>) -> pb::Step {
    pb::Step {
        cond: cond.map(|c| pb::Cond { cond: Some(c) }),
        query: Some(pb::Query {
            stmt: sql.into(),
            params: Some(pb::query::Params::Positional(pb::Positional {
                values: args.into_iter().map(wire).collect(),
            })),
            skip_rows: false,
        }),
    }
}

fn program(client_id: &str, steps: Vec<pb::Step>) -> ProgramReq {
    ProgramReq {
        client_id: client_id.into(),
        pgm: Some(pb::Program { steps }),
    }
}

fn ok_rows(r: &pb::QueryResult) -> &pb::ResultRows {
    match &r.row_result {
        Some(query_result::RowResult::Row(rows)) => rows,
        other => panic!("expected rows, got {other:?}"),
    }
}

fn error_of(r: &pb::QueryResult) -> &pb::Error {
    match &r.row_result {
        Some(query_result::RowResult::Error(e)) => e,
        other => panic!("expected an error, got {other:?}"),
    }
}

fn values(rows: &pb::ResultRows) -> Vec<Vec<WireValue>> {
    rows.rows
        .iter()
        .map(|r| {
            r.values
                .iter()
                .map(|v| WireValue::decode(&v.data).unwrap())
                .collect()
        })
        .collect()
}

async fn exec(client: &mut ProxyClient<Channel>, id: &str, steps: Vec<pb::Step>) -> ExecuteResults {
    client
        .execute(program(id, steps))
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn proxy_transactions_conditions_errors_describe_disconnect() {
    let server = TestServer::spawn().await;
    let mut proxy = proxy_client(server.addr).await;
    let r = exec(
        &mut proxy,
        "a",
        vec![step(
            None,
            "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT NOT NULL, r REAL, b BLOB)",
            vec![],
        )],
    )
    .await;
    assert_eq!(r.state, pb::State::Init as i32);
    let after_create = r.current_frame_no.unwrap();
    // A transaction across calls.
    let r = exec(
        &mut proxy,
        "a",
        vec![
            step(None, "BEGIN", vec![]),
            step(
                None,
                "INSERT INTO t VALUES (?, ?, ?, ?)",
                vec![
                    WireValue::Integer(1),
                    WireValue::Text("one".into()),
                    WireValue::Real(1.5),
                    WireValue::Blob(vec![0, 1, 255]),
                ],
            ),
        ],
    )
    .await;
    assert_eq!(r.state, pb::State::Txn as i32);
    assert_eq!(r.results.len(), 2);
    assert_eq!(ok_rows(&r.results[1]).last_insert_rowid, Some(1));
    // Invisible to another client until commit.
    let other = exec(
        &mut proxy,
        "b",
        vec![step(None, "SELECT count(*) FROM t", vec![])],
    )
    .await;
    assert_eq!(
        values(ok_rows(&other.results[0])),
        vec![vec![WireValue::Integer(0)]]
    );
    let r = exec(
        &mut proxy,
        "a",
        vec![
            step(None, "INSERT INTO t(id, v) VALUES (2, 'two')", vec![]),
            step(None, "SELECT id, v, r, b FROM t ORDER BY id", vec![]),
            step(None, "COMMIT", vec![]),
        ],
    )
    .await;
    assert_eq!(r.state, pb::State::Init as i32);
    let rows = ok_rows(&r.results[1]);
    let names: Vec<_> = rows
        .column_descriptions
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["id", "v", "r", "b"]);
    assert_eq!(
        rows.column_descriptions[1].decltype.as_deref(),
        Some("TEXT")
    );
    assert_eq!(
        values(rows),
        vec![
            vec![
                WireValue::Integer(1),
                WireValue::Text("one".into()),
                WireValue::Real(1.5),
                WireValue::Blob(vec![0, 1, 255])
            ],
            vec![
                WireValue::Integer(2),
                WireValue::Text("two".into()),
                WireValue::Null,
                WireValue::Null
            ],
        ]
    );
    assert!(r.current_frame_no.unwrap() > after_create);
    // Conditions and errors: a transactional batch as the libsql crate builds it.
    use pb::cond::Cond as C;
    let ok = |s| C::Ok(pb::OkCond { step: s });
    let not_ok = |s| {
        C::Not(Box::new(pb::NotCond {
            cond: Some(Box::new(pb::Cond {
                cond: Some(C::Ok(pb::OkCond { step: s })),
            })),
        }))
    };
    let r = exec(
        &mut proxy,
        "a",
        vec![
            step(None, "BEGIN TRANSACTION", vec![]),
            step(
                Some(ok(0)),
                "INSERT INTO t(id, v) VALUES (3, 'three')",
                vec![],
            ),
            step(
                Some(ok(1)),
                "INSERT INTO t(id, v) VALUES (1, 'dup')",
                vec![],
            ),
            step(Some(ok(2)), "COMMIT", vec![]),
            step(Some(not_ok(3)), "ROLLBACK", vec![]),
            step(
                Some(C::IsAutocommit(pb::IsAutocommitCond {})),
                "SELECT count(*) FROM t",
                vec![],
            ),
            step(
                Some(C::Err(pb::ErrCond { step: 2 })),
                "SELECT 'err held'",
                vec![],
            ),
        ],
    )
    .await;
    // COMMIT was skipped (no entry), ROLLBACK ran, then both SELECTs.
    assert_eq!(r.results.len(), 6, "{r:?}");
    let e = error_of(&r.results[2]);
    assert_eq!(e.code, pb::error::ErrorCode::SqlError as i32);
    assert_eq!(e.extended_code, 1555); // SQLITE_CONSTRAINT_PRIMARYKEY
    assert!(e.message.contains("UNIQUE"), "{}", e.message);
    assert_eq!(
        values(ok_rows(&r.results[4])),
        vec![vec![WireValue::Integer(2)]]
    );
    assert_eq!(
        values(ok_rows(&r.results[5])),
        vec![vec![WireValue::Text("err held".into())]]
    );
    assert_eq!(r.state, pb::State::Init as i32);
    // A syntax error is that step's error.
    let r = exec(&mut proxy, "a", vec![step(None, "SELEC 1", vec![])]).await;
    assert_eq!(error_of(&r.results[0]).extended_code, 1);
    // Describe.
    let d = proxy
        .describe(DescribeRequest {
            client_id: "a".into(),
            stmt: "SELECT id, v FROM t WHERE id = :id AND v = ?".into(),
        })
        .await
        .unwrap()
        .into_inner();
    match d.describe_result.unwrap() {
        pb::describe_result::DescribeResult::Description(d) => {
            assert_eq!(d.param_count, 2);
            assert_eq!(d.param_names, [":id", ""]);
            assert_eq!(d.column_descriptions.len(), 2);
        }
        other => panic!("{other:?}"),
    }
    let d = proxy
        .describe(DescribeRequest {
            client_id: "a".into(),
            stmt: "SELECT * FROM nope".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(matches!(
        d.describe_result,
        Some(pb::describe_result::DescribeResult::Error(_))
    ));
    // Disconnect rolls an open transaction back and releases the write lock.
    let r = exec(
        &mut proxy,
        "c",
        vec![
            step(None, "BEGIN", vec![]),
            step(None, "INSERT INTO t(id, v) VALUES (10, 'gone')", vec![]),
        ],
    )
    .await;
    assert_eq!(r.state, pb::State::Txn as i32);
    proxy
        .disconnect(DisconnectMessage {
            client_id: "c".into(),
        })
        .await
        .unwrap();
    let r = exec(
        &mut proxy,
        "d",
        vec![
            step(None, "INSERT INTO t(id, v) VALUES (11, 'kept')", vec![]),
            step(None, "SELECT group_concat(id) FROM t", vec![]),
        ],
    )
    .await;
    assert_eq!(
        values(ok_rows(&r.results[1])),
        vec![vec![WireValue::Text("1,2,11".into())]]
    );
    // Named parameters and skip_rows.
    let mut s = step(None, "SELECT :a + 1 AS x", vec![]);
    s.query.as_mut().unwrap().params = Some(pb::query::Params::Named(pb::Named {
        names: vec![":a".into()],
        values: vec![wire(WireValue::Integer(41))],
    }));
    let r = exec(&mut proxy, "d", vec![s.clone()]).await;
    assert_eq!(
        values(ok_rows(&r.results[0])),
        vec![vec![WireValue::Integer(42)]]
    );
    s.query.as_mut().unwrap().skip_rows = true;
    let r = exec(&mut proxy, "d", vec![s]).await;
    assert!(ok_rows(&r.results[0]).rows.is_empty());
    // A bad value encoding is a clear status.
    let bad = pb::Step {
        cond: None,
        query: Some(pb::Query {
            stmt: "SELECT ?".into(),
            params: Some(pb::query::Params::Positional(pb::Positional {
                values: vec![pb::Value {
                    data: vec![9, 0, 0, 0],
                }],
            })),
            skip_rows: false,
        }),
    };
    let s = proxy.execute(program("d", vec![bad])).await.unwrap_err();
    assert_eq!(s.code(), Code::InvalidArgument);
}

#[tokio::test]
async fn idle_proxy_clients_are_rolled_back() {
    let server =
        TestServer::spawn_with(|c| c.proxy_idle_timeout = Duration::from_millis(300)).await;
    let mut proxy = proxy_client(server.addr).await;
    exec(
        &mut proxy,
        "a",
        vec![step(None, "CREATE TABLE t(x)", vec![])],
    )
    .await;
    let r = exec(
        &mut proxy,
        "a",
        vec![
            step(None, "BEGIN", vec![]),
            step(None, "INSERT INTO t VALUES (1)", vec![]),
        ],
    )
    .await;
    assert_eq!(r.state, pb::State::Txn as i32);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // The transaction is gone; the write lock is free.
    let r = exec(
        &mut proxy,
        "b",
        vec![
            step(None, "INSERT INTO t VALUES (2)", vec![]),
            step(None, "SELECT count(*) FROM t", vec![]),
        ],
    )
    .await;
    assert_eq!(
        values(ok_rows(&r.results[1])),
        vec![vec![WireValue::Integer(1)]]
    );
    // The expired client starts over outside a transaction.
    let r = exec(&mut proxy, "a", vec![step(None, "SELECT 1", vec![])]).await;
    assert_eq!(r.state, pb::State::Init as i32);
}

#[tokio::test]
async fn wal_autocheckpoint_is_refused() {
    let server = TestServer::spawn().await;
    let r = server.execute("PRAGMA wal_autocheckpoint = 100").await;
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("wal_autocheckpoint"),
        "{r}"
    );
    let r = server.execute("PRAGMA wal_autocheckpoint").await;
    assert!(r["rows"].is_array(), "{r}");
}

#[tokio::test]
async fn separate_native_grpc_listener() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let server = TestServer::spawn_with(|c| c.grpc_listen_addr = Some(port)).await;
    server.execute("CREATE TABLE t(x)").await;
    let mut client = None;
    for _ in 0..50 {
        if let Ok(c) = ReplicationLogClient::connect(format!("http://{port}")).await {
            client = Some(c);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut client = client.expect("the gRPC listener is up");
    let hello = hello(&mut client).await;
    assert!(hello.current_replication_index.is_some());
}

// ---- group commit across a SIGKILL ----------------------------------------------

/// Not a test on its own: the server process `acknowledged_writes_survive_sigkill`
/// starts (this test binary, re-executed) and kills.
#[test]
#[ignore = "child process of acknowledged_writes_survive_sigkill"]
fn child_server() {
    let (Ok(dir), Ok(port_file)) = (
        std::env::var("BASALT_TEST_CHILD_DIR"),
        std::env::var("BASALT_TEST_CHILD_PORT_FILE"),
    ) else {
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let tmp = format!("{port_file}.tmp");
        std::fs::write(&tmp, listener.local_addr().unwrap().to_string()).unwrap();
        std::fs::rename(&tmp, &port_file).unwrap();
        basalt_server::run(
            listener,
            basalt_server::Config::new(dir),
            std::future::pending(),
        )
        .await
        .unwrap();
    });
}

struct Child {
    process: std::process::Child,
    addr: SocketAddr,
}

impl Drop for Child {
    fn drop(&mut self) {
        // SIGKILL, also when a test fails half-way.
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

#[allow(clippy::zombie_processes, reason = "Child waits for it when dropped")]
async fn spawn_child(data: &Path, port_file: &Path) -> Child {
    let _ = std::fs::remove_file(port_file);
    let process = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "replication::child_server",
            "--ignored",
            "--nocapture",
        ])
        .env("BASALT_TEST_CHILD_DIR", data)
        .env("BASALT_TEST_CHILD_PORT_FILE", port_file)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(text) = std::fs::read_to_string(port_file) {
            return Child {
                process,
                addr: text.parse().unwrap(),
            };
        }
        assert!(Instant::now() < deadline, "child server did not start");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn insert(http: &reqwest::Client, addr: SocketAddr, id: i64) -> bool {
    let body = serde_json::json!({"requests": [
        {"type": "execute", "stmt": {"sql": format!("INSERT INTO t(id, v) VALUES ({id}, randomblob(300))")}},
        {"type": "close"}
    ]});
    let Ok(r) = http
        .post(format!("http://{addr}/v2/pipeline"))
        .json(&body)
        .send()
        .await
    else {
        return false;
    };
    let Ok(v) = r.json::<serde_json::Value>().await else {
        return false;
    };
    v["results"][0]["type"] == "ok"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let port_file = dir.path().join("port");
    let child = spawn_child(&data, &port_file).await;
    let http = reqwest::Client::new();
    let create = serde_json::json!({"requests": [
        {"type": "execute", "stmt": {"sql": "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)"}}
    ]});
    http.post(format!("http://{}/v2/pipeline", child.addr))
        .json(&create)
        .send()
        .await
        .unwrap();
    let mut client = log_client(child.addr).await;
    let log_id = hello(&mut client).await.log_id;
    // Writers at full speed; the server is killed under them.
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let (http, addr, acknowledged) = (http.clone(), child.addr, acknowledged.clone());
            tokio::spawn(async move {
                for i in 0.. {
                    let id = w * 1_000_000 + i;
                    if !insert(&http, addr, id).await {
                        return;
                    }
                    acknowledged.lock().unwrap().push(id);
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    drop(child); // SIGKILL: no shutdown, no checkpoint
    for w in writers {
        w.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() > 50,
        "only {} writes",
        acknowledged.len()
    );
    // Restart on the same files.
    let child = spawn_child(&data, &port_file).await;
    let mut client = log_client(child.addr).await;
    let hello = self::hello(&mut client).await;
    assert_eq!(hello.log_id, log_id, "the log survived: same identity");
    let db = data.join("dbs/default/data.db");
    let present: std::collections::HashSet<i64> = rows(&db, "SELECT id FROM t")
        .into_iter()
        .map(|r| match r[0] {
            Value::Integer(i) => i,
            _ => panic!(),
        })
        .collect();
    for id in &acknowledged {
        assert!(present.contains(id), "acknowledged row {id} lost");
    }
    // The log is continuous: every frame from 0, gap-free, checksums chained, and a
    // replica built from it is the database.
    let token = hello.session_token.to_vec();
    let target = hello.current_replication_index.unwrap();
    let mut all: Vec<Frame> = Vec::new();
    while all.last().is_none_or(|f| f.header.frame_no.0 < target) {
        let next = all.len() as u64;
        let frames = client
            .batch_log_entries(with_token(offset(next), &token))
            .await
            .unwrap()
            .into_inner();
        for f in decode(&frames.frames) {
            assert_eq!(f.header.frame_no.0, all.len() as u64, "gap-free");
            if let Some(prev) = all.last() {
                assert!(f.checksum_follows(prev.header.checksum));
            }
            all.push(f);
        }
    }
    let replica_dir = tempfile::tempdir().unwrap();
    let replica_path = replica_dir.path().join("replica.db");
    let mut replica = Replica::open(&replica_path).unwrap();
    replica.reset(LogId::parse(&log_id).unwrap()).unwrap();
    replica.apply(all).unwrap();
    assert_identical(&db, &replica_path);
    // Writes continue the numbering.
    assert!(insert(&http, child.addr, -1).await);
    let after = self::hello(&mut client)
        .await
        .current_replication_index
        .unwrap();
    assert!(after > target);
}
