//! Embedded replicas against a real Basalt server on a real socket: sync, local reads,
//! forwarded writes and transactions, restart, compaction, log identity changes.

use std::path::Path;
use std::time::{Duration, Instant};

use basalt::replication::Replicator;
use basalt::{Builder, Connection, Database, Error, Value, params};

/// A primary on 127.0.0.1, stopped when dropped (or by [`Primary::restart`]).
struct Primary {
    url: String,
    addr: std::net::SocketAddr,
    dir: tempfile::TempDir,
    config: basalt_server::Config,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    db_path: std::path::PathBuf,
}

impl Primary {
    async fn start() -> Primary {
        Self::start_with(|_| {}).await
    }

    async fn start_with(tune: impl FnOnce(&mut basalt_server::Config)) -> Primary {
        let dir = tempfile::tempdir().unwrap();
        let mut config = basalt_server::Config::new(dir.path().join("data"));
        tune(&mut config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut primary = Primary {
            url: format!("http://{addr}"),
            addr,
            dir,
            config,
            stop: None,
            task: None,
            db_path: Default::default(),
        };
        primary.serve(listener).await;
        primary
    }

    async fn serve(&mut self, listener: tokio::net::TcpListener) {
        let server = basalt_server::Server::open(self.config.clone())
            .await
            .unwrap();
        self.db_path = server.database_path().to_path_buf();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        self.stop = Some(stop);
        self.task = Some(tokio::spawn(async move {
            server
                .serve(listener, async move {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        }));
    }

    async fn shutdown(&mut self) {
        drop(self.stop.take());
        if let Some(task) = self.task.take() {
            task.await.unwrap();
        }
    }

    /// Stops the server, runs `between` on its stopped data, and serves again on the same
    /// address.
    async fn restart(&mut self, between: impl FnOnce(&Path)) {
        self.shutdown().await;
        between(&self.db_path);
        let listener = tokio::net::TcpListener::bind(self.addr).await.unwrap();
        self.serve(listener).await;
    }

    async fn remote(&self) -> Connection {
        Builder::new_remote(self.url.clone(), "")
            .build()
            .await
            .unwrap()
            .connect()
            .unwrap()
    }
}

impl Drop for Primary {
    fn drop(&mut self) {
        drop(self.stop.take());
        let _ = &self.dir;
    }
}

async fn replica_at(path: &Path, primary: &Primary) -> Database {
    Builder::new_remote_replica(path, primary.url.clone(), "")
        .build()
        .await
        .unwrap()
}

async fn count(conn: &Connection, table: &str) -> i64 {
    let mut rows = conn
        .query(&format!("SELECT count(*) FROM {table}"), ())
        .await
        .unwrap();
    rows.next().await.unwrap().unwrap().get(0).unwrap()
}

async fn all_rows(conn: &Connection, sql: &str) -> Vec<Vec<Value>> {
    let mut rows = conn.query(sql, ()).await.unwrap();
    let mut out = Vec::new();
    while let Some(row) = rows.next().await.unwrap() {
        out.push(
            (0..row.column_count())
                .map(|i| row.get_value(i).unwrap())
                .collect(),
        );
    }
    out
}

/// Opens the replica file directly (no SDK): what is on disk.
fn file_rows(path: &Path, sql: &str) -> Vec<Vec<Value>> {
    let conn =
        basalt_engine::Connection::open(path, &basalt_engine::OpenOptions::read_only()).unwrap();
    conn.execute(sql, &basalt_engine::Params::None)
        .unwrap()
        .rows
}

/// Rows of `sql` on the replica file, or `None` when it fails (no such table yet).
fn try_file_rows(path: &Path, sql: &str) -> Option<Vec<Vec<Value>>> {
    let conn =
        basalt_engine::Connection::open(path, &basalt_engine::OpenOptions::read_only()).ok()?;
    conn.execute(sql, &basalt_engine::Params::None)
        .ok()
        .map(|r| r.rows)
}

/// `n` rows from a recursive CTE, for `INSERT … SELECT … FROM series(n)`.
fn series(n: u32) -> String {
    format!(
        "(WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM s WHERE value < {n}) SELECT value FROM s)"
    )
}

fn integrity(path: &Path) -> String {
    match &file_rows(path, "PRAGMA integrity_check")[0][0] {
        Value::Text(t) => t.clone(),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn writes_on_the_primary_reach_the_replica_on_sync() {
    let primary = Primary::start().await;
    let writer = primary.remote().await;
    writer
        .execute_batch(
            "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t(v) VALUES ('a'), ('b');",
        )
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = replica_at(&dir.path().join("r.db"), &primary).await;
    let first = db.sync().await.unwrap();
    assert!(first.frames_synced() > 0);
    assert!(first.frame_no().is_some());
    let conn = db.connect().unwrap();
    assert_eq!(
        all_rows(&conn, "SELECT id, v FROM t ORDER BY id").await,
        vec![
            vec![Value::Integer(1), Value::Text("a".into())],
            vec![Value::Integer(2), Value::Text("b".into())]
        ]
    );
    writer
        .execute("INSERT INTO t(v) VALUES ('c')", ())
        .await
        .unwrap();
    // Not synced yet: the replica still has two rows.
    assert_eq!(count(&conn, "t").await, 2);
    let second = db.sync().await.unwrap();
    assert!(second.frames_synced() > 0);
    assert!(second.frame_no() > first.frame_no());
    assert_eq!(count(&conn, "t").await, 3);
    // Nothing new: nothing fetched.
    assert_eq!(db.sync().await.unwrap().frames_synced(), 0);
}

#[tokio::test]
async fn writes_through_the_replica_are_read_back_locally() {
    let primary = Primary::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.db");
    let db = replica_at(&path, &primary).await;
    let conn = db.connect().unwrap();
    conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT UNIQUE)", ())
        .await
        .unwrap();
    let n = conn
        .execute("INSERT INTO t(v) VALUES (?1), (?2)", params!["x", "y"])
        .await
        .unwrap();
    assert_eq!(n, 2);
    assert_eq!(conn.last_insert_rowid(), 2);
    // Read-your-writes: visible locally on return, without an explicit sync.
    assert_eq!(count(&conn, "t").await, 2);
    assert_eq!(
        file_rows(&path, "SELECT count(*) FROM t")[0][0],
        Value::Integer(2)
    );
    // And on the primary.
    let remote = primary.remote().await;
    assert_eq!(count(&remote, "t").await, 2);
    // Errors from the primary carry SQLite's code; the connection goes on.
    let err = conn
        .execute("INSERT INTO t(v) VALUES ('x')", ())
        .await
        .unwrap_err();
    match &err {
        Error::Remote { code, message } => {
            assert!(code.starts_with("SQLITE_CONSTRAINT"), "{code}");
            assert!(message.contains("UNIQUE"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    conn.execute("INSERT INTO t(v) VALUES ('z')", ())
        .await
        .unwrap();
    assert_eq!(count(&conn, "t").await, 3);
    // Statements the replica cannot prepare yet go to the primary.
    remote.execute("CREATE TABLE u(a)", ()).await.unwrap();
    assert_eq!(count(&conn, "u").await, 0);
}

#[tokio::test]
async fn read_your_writes_off_leaves_reads_stale_until_sync() {
    let primary = Primary::start().await;
    let dir = tempfile::tempdir().unwrap();
    let db = Builder::new_remote_replica(dir.path().join("r.db"), primary.url.clone(), "")
        .read_your_writes(false)
        .build()
        .await
        .unwrap();
    let conn = db.connect().unwrap();
    conn.execute("CREATE TABLE t(a)", ()).await.unwrap();
    conn.execute("INSERT INTO t VALUES (1)", ()).await.unwrap();
    // The table is not on the replica yet: the read is forwarded and sees the row.
    assert_eq!(count(&conn, "t").await, 1);
    db.sync().await.unwrap();
    conn.execute("INSERT INTO t VALUES (2)", ()).await.unwrap();
    // Now the table is local: the read is local and stale.
    assert_eq!(count(&conn, "t").await, 1);
    db.sync().await.unwrap();
    assert_eq!(count(&conn, "t").await, 2);
}

#[tokio::test]
async fn interactive_transactions_run_on_the_primary() {
    let primary = Primary::start().await;
    let dir = tempfile::tempdir().unwrap();
    let db = replica_at(&dir.path().join("r.db"), &primary).await;
    let conn = db.connect().unwrap();
    conn.execute("CREATE TABLE t(a)", ()).await.unwrap();
    let other = db.connect().unwrap();

    let tx = conn.transaction().await.unwrap();
    assert!(!conn.is_autocommit());
    tx.execute("INSERT INTO t VALUES (1)", ()).await.unwrap();
    // Reads inside the transaction go to the primary and see the uncommitted row.
    assert_eq!(count(&tx, "t").await, 1);
    // Another connection (local reads) does not.
    assert_eq!(count(&other, "t").await, 0);
    tx.commit().await.unwrap();
    assert!(conn.is_autocommit());
    assert_eq!(count(&conn, "t").await, 1);
    assert_eq!(count(&other, "t").await, 1);

    // Rolled back: nothing anywhere.
    conn.execute("BEGIN IMMEDIATE", ()).await.unwrap();
    conn.execute("INSERT INTO t VALUES (2)", ()).await.unwrap();
    conn.execute("ROLLBACK", ()).await.unwrap();
    assert_eq!(count(&conn, "t").await, 1);
    assert_eq!(count(&primary.remote().await, "t").await, 1);

    // A script with a transaction in it.
    conn.execute_batch("BEGIN; INSERT INTO t VALUES (3); INSERT INTO t VALUES (4); COMMIT;")
        .await
        .unwrap();
    assert!(conn.is_autocommit());
    assert_eq!(count(&conn, "t").await, 3);

    // BEGIN READONLY runs locally: writes inside it fail, reads work.
    conn.execute("BEGIN READONLY", ()).await.unwrap();
    assert_eq!(count(&conn, "t").await, 3);
    assert!(conn.execute("INSERT INTO t VALUES (5)", ()).await.is_err());
    conn.execute("COMMIT", ()).await.unwrap();
    assert!(conn.is_autocommit());

    // A transaction dropped without commit is rolled back on the primary.
    {
        let tx = conn.transaction().await.unwrap();
        tx.execute("INSERT INTO t VALUES (6)", ()).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(count(&primary.remote().await, "t").await, 3);

    // A connection dropped inside a write transaction disconnects from the primary,
    // which rolls back and frees the write lock at once (not after its idle timeout).
    let doomed = db.connect().unwrap();
    doomed.execute("BEGIN IMMEDIATE", ()).await.unwrap();
    doomed
        .execute("INSERT INTO t VALUES (7)", ())
        .await
        .unwrap();
    drop(doomed);
    let started = Instant::now();
    primary
        .remote()
        .await
        .execute("INSERT INTO t VALUES (8)", ())
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        all_rows(&primary.remote().await, "SELECT a FROM t WHERE a > 5").await,
        vec![vec![Value::Integer(8)]]
    );
}

#[tokio::test]
async fn restart_resumes_without_downloading_again() {
    let primary = Primary::start().await;
    let writer = primary.remote().await;
    writer.execute("CREATE TABLE t(a)", ()).await.unwrap();
    for i in 0..20 {
        writer
            .execute("INSERT INTO t VALUES (?1)", params![i])
            .await
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.db");
    let db = replica_at(&path, &primary).await;
    let first = db.sync().await.unwrap();
    assert!(first.frames_synced() >= 21);
    drop(db);

    let db = replica_at(&path, &primary).await;
    let again = db.sync().await.unwrap();
    assert_eq!(again.frames_synced(), 0);
    assert_eq!(again.frame_no(), first.frame_no());
    writer
        .execute("INSERT INTO t VALUES (99)", ())
        .await
        .unwrap();
    let more = db.sync().await.unwrap();
    assert!(
        more.frames_synced() >= 1 && more.frames_synced() < 5,
        "{more:?}"
    );
    assert_eq!(count(&db.connect().unwrap(), "t").await, 21);
}

#[tokio::test]
async fn compacted_log_sends_a_snapshot() {
    let primary = Primary::start_with(|c| c.max_log_size = 64 << 10).await;
    let writer = primary.remote().await;
    writer
        .execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)", ())
        .await
        .unwrap();
    // Rewrite the same rows many times: many frames, few distinct pages.
    for round in 0..8 {
        writer
            .execute_batch(&format!(
                "BEGIN; DELETE FROM t; INSERT INTO t(v) SELECT randomblob(3000) FROM {} WHERE {round} >= 0; COMMIT;",
                series(20)
            ))
            .await
            .unwrap_or_else(|_| panic!("round {round}"));
    }
    let expected = all_rows(&writer, "SELECT id, hex(v) FROM t ORDER BY id").await;
    let dir = tempfile::tempdir().unwrap();
    // Compaction runs in the background: try fresh replicas until one gets a snapshot
    // (fewer frames than the log's length).
    let deadline = Instant::now() + Duration::from_secs(20);
    for attempt in 0.. {
        let path = dir.path().join(format!("r{attempt}.db"));
        let mut replicator = Replicator::open(&path, &primary.url, "").unwrap();
        let done = replicator.sync().await.unwrap();
        let log_len = done.frame_no().unwrap() as usize + 1;
        let conn = Builder::new_local(&path)
            .build()
            .await
            .unwrap()
            .connect()
            .unwrap();
        assert_eq!(
            all_rows(&conn, "SELECT id, hex(v) FROM t ORDER BY id").await,
            expected
        );
        assert_eq!(integrity(&path), "ok");
        if done.frames_synced() < log_len {
            // Snapshot applied; the log continues after it.
            writer
                .execute("INSERT INTO t(v) VALUES (x'01')", ())
                .await
                .unwrap();
            let more = replicator.sync().await.unwrap();
            assert!(more.frames_synced() >= 1);
            assert_eq!(
                file_rows(&path, "SELECT count(*) FROM t")[0][0],
                Value::Integer(21)
            );
            return;
        }
        assert!(Instant::now() < deadline, "the log was never compacted");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test]
async fn a_new_log_identity_resets_the_replica() {
    let mut primary = Primary::start().await;
    let writer = primary.remote().await;
    writer
        .execute_batch("CREATE TABLE t(a); INSERT INTO t VALUES (1);")
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.db");
    let mut replicator = Replicator::open(&path, &primary.url, "").unwrap();
    replicator.sync().await.unwrap();
    let old_log = replicator.position().log_id.unwrap();
    primary
        .restart(|db| {
            // Without its log the server starts a new one, with a new identity.
            let mut log_dir = db.as_os_str().to_owned();
            log_dir.push("-replication");
            std::fs::remove_dir_all(&log_dir).unwrap();
        })
        .await;
    let writer = primary.remote().await;
    writer
        .execute("INSERT INTO t VALUES (2)", ())
        .await
        .unwrap();
    replicator.sync().await.unwrap();
    assert_ne!(replicator.position().log_id.unwrap(), old_log);
    assert_eq!(
        file_rows(&path, "SELECT a FROM t ORDER BY a"),
        vec![vec![Value::Integer(1)], vec![Value::Integer(2)]]
    );
    assert_eq!(integrity(&path), "ok");
    primary.shutdown().await;
}

#[tokio::test]
async fn periodic_sync_picks_up_changes() {
    let primary = Primary::start().await;
    let writer = primary.remote().await;
    writer.execute("CREATE TABLE t(a)", ()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = Builder::new_remote_replica(dir.path().join("r.db"), primary.url.clone(), "")
        .sync_interval(Duration::from_millis(100))
        .build()
        .await
        .unwrap();
    let conn = db.connect().unwrap();
    writer
        .execute("INSERT INTO t VALUES (1)", ())
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let n = match conn.query("SELECT count(*) FROM t", ()).await {
            Ok(mut rows) => rows.next().await.unwrap().unwrap().get::<i64>(0).unwrap(),
            Err(_) => 0,
        };
        // Until the table arrives the count is forwarded; wait for the local file.
        let local = dir.path().join("r.db");
        let on_disk = try_file_rows(&local, "SELECT count(*) FROM t");
        if n == 1 && on_disk == Some(vec![vec![Value::Integer(1)]]) {
            break;
        }
        assert!(Instant::now() < deadline, "periodic sync never caught up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn reads_keep_running_during_a_sync() {
    let primary = Primary::start().await;
    let writer = primary.remote().await;
    writer
        .execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)", ())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = replica_at(&dir.path().join("r.db"), &primary).await;
    db.sync().await.unwrap();
    for _ in 0..20 {
        writer
            .execute(
                &format!(
                    "INSERT INTO t(v) SELECT randomblob(2000) FROM {}",
                    series(50)
                ),
                (),
            )
            .await
            .unwrap();
    }
    let conn = db.connect().unwrap();
    let db = std::sync::Arc::new(db);
    let syncing = {
        let db = db.clone();
        tokio::spawn(async move { db.sync().await.unwrap() })
    };
    // Counts only ever grow, by whole transactions (multiples of 50).
    let mut last = 0;
    while !syncing.is_finished() {
        let n = count(&conn, "t").await;
        assert!(n >= last && n % 50 == 0, "{n} after {last}");
        last = n;
        tokio::task::yield_now().await;
    }
    syncing.await.unwrap();
    assert_eq!(count(&conn, "t").await, 1000);
}

#[tokio::test]
async fn sync_figures() {
    // Not a benchmark: prints how fast a fresh replica downloads and applies a log.
    let primary = Primary::start().await;
    let writer = primary.remote().await;
    writer
        .execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)", ())
        .await
        .unwrap();
    // BASALT_SYNC_ROWS=200000 for a bigger run.
    let rows: i64 = std::env::var("BASALT_SYNC_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    for _ in 0..(rows / 1000) {
        writer
            .execute(
                &format!(
                    "INSERT INTO t(v) SELECT printf('%0100d', value) FROM {}",
                    series(1000)
                ),
                (),
            )
            .await
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let db = replica_at(&dir.path().join("r.db"), &primary).await;
    let started = Instant::now();
    let done = db.sync().await.unwrap();
    let elapsed = started.elapsed();
    eprintln!(
        "sync figures: {rows} rows, {} frames in {elapsed:?} ({:.0} frames/s)",
        done.frames_synced(),
        done.frames_synced() as f64 / elapsed.as_secs_f64()
    );
    let conn = db.connect().unwrap();
    assert_eq!(count(&conn, "t").await, rows);
    // Forwarded autocommit writes with read-your-writes: each waits for its own frames.
    let started = Instant::now();
    for i in 0..100 {
        conn.execute("INSERT INTO t(v) VALUES (?1)", params![i])
            .await
            .unwrap();
    }
    eprintln!(
        "sync figures: forwarded write + read-your-writes sync: {:?} each",
        started.elapsed() / 100
    );
    assert_eq!(count(&conn, "t").await, rows + 100);
}

#[tokio::test]
async fn sync_on_other_databases_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = Builder::new_local(dir.path().join("l.db"))
        .build()
        .await
        .unwrap();
    assert!(matches!(db.sync().await, Err(Error::SyncNotSupported)));
}
