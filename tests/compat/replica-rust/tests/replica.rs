//! The `libsql` crate's embedded replica (`Builder::new_remote_replica`) against a
//! running Basalt server (BASALT_URL). The replica syncs over gRPC-web
//! (`wal_log.ReplicationLog`) and forwards writes through `proxy.Proxy`
//! (LIBSQL-SURFACE.md §8). The primary side of each test is written and read
//! through `Builder::new_remote` (Hrana over HTTP), which the existing
//! tests/compat/rust suite covers.
//!
//! Every test uses its own table names and its own replica file; run.sh runs them one
//! at a time because a few compare database-wide state. Each is bounded by a timeout.

use std::future::Future;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use libsql::{params, Builder, Connection, Database};

const TEST_TIMEOUT: Duration = Duration::from_secs(90);

fn url() -> String {
    std::env::var("BASALT_URL")
        .expect("BASALT_URL is not set; run the tests through run.sh")
        .trim_end_matches('/')
        .to_string()
}

fn table(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        nanos,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

async fn bounded<F: Future<Output = ()>>(name: &str, f: F) {
    if tokio::time::timeout(TEST_TIMEOUT, f).await.is_err() {
        panic!("{name}: did not finish within {TEST_TIMEOUT:?}");
    }
}

/// A connection to the primary over Hrana (not a replica).
async fn primary() -> Connection {
    let db = Builder::new_remote(url(), String::new())
        .build()
        .await
        .expect("Builder::new_remote(BASALT_URL).build()");
    db.connect().expect("remote connect")
}

async fn replica_db(path: &Path) -> Database {
    Builder::new_remote_replica(path, url(), String::new())
        .build()
        .await
        .unwrap_or_else(|e| {
            panic!(
                "Builder::new_remote_replica({}, {}).build() failed: {e} (debug: {e:?})",
                path.display(),
                url()
            )
        })
}

async fn sync(db: &Database, what: &str) -> libsql::replication::Replicated {
    db.sync()
        .await
        .unwrap_or_else(|e| panic!("{what}: db.sync() failed: {e} (debug: {e:?})"))
}

/// All rows of a query, each value rendered with `Debug` so that type differences
/// (integer vs text, etc.) show up in comparisons.
async fn rows(conn: &Connection, sql: &str) -> Vec<Vec<String>> {
    let mut rows = conn
        .query(sql, ())
        .await
        .unwrap_or_else(|e| panic!("query {sql:?} failed: {e}"));
    let n = rows.column_count();
    let mut out = Vec::new();
    while let Some(row) = rows.next().await.unwrap_or_else(|e| panic!("next row of {sql:?}: {e}")) {
        let mut vals = Vec::with_capacity(n as usize);
        for i in 0..n {
            vals.push(format!("{:?}", row.get_value(i).unwrap()));
        }
        out.push(vals);
    }
    out
}

async fn scalar_i64(conn: &Connection, sql: &str) -> i64 {
    let mut rows = conn
        .query(sql, ())
        .await
        .unwrap_or_else(|e| panic!("query {sql:?} failed: {e}"));
    let row = rows
        .next()
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{sql:?} returned no row"));
    row.get::<i64>(0).unwrap()
}

async fn count(conn: &Connection, t: &str) -> i64 {
    scalar_i64(conn, &format!("SELECT count(*) FROM {t}")).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initial_sync_pulls_rows_written_on_the_primary() {
    bounded("initial_sync", async {
        let t = table("init");
        let p = primary().await;
        p.execute(&format!("CREATE TABLE {t}(id INTEGER PRIMARY KEY, v TEXT, b BLOB, f REAL)"), ())
            .await
            .unwrap();
        for i in 0..100 {
            p.execute(
                &format!("INSERT INTO {t} VALUES (?1, ?2, ?3, ?4)"),
                params![i, format!("row {i} ✓"), vec![i as u8; 3], i as f64 / 4.0],
            )
            .await
            .unwrap();
        }
        let dir = tempfile::tempdir().unwrap();
        let db = replica_db(&dir.path().join("local.db")).await;
        let r = sync(&db, "initial sync").await;
        assert!(r.frame_no().is_some(), "after syncing a non-empty primary, frame_no() is None");
        let conn = db.connect().unwrap();
        let q = format!("SELECT id, v, b, f FROM {t} ORDER BY id");
        let local = rows(&conn, &q).await;
        let remote = rows(&p, &q).await;
        assert_eq!(local.len(), 100, "rows in the replica after the initial sync");
        assert_eq!(local, remote, "replica content differs from the primary");
        // The local file is a plain SQLite database with page size 4096 (§8.2).
        assert_eq!(scalar_i64(&conn, "PRAGMA page_size").await, 4096);
        assert_eq!(rows(&conn, "PRAGMA integrity_check").await, vec![vec!["Text(\"ok\")".to_string()]]);
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_are_local_until_the_next_sync() {
    bounded("reads_are_local", async {
        let t = table("local");
        let p = primary().await;
        p.execute(&format!("CREATE TABLE {t}(id INTEGER PRIMARY KEY)"), ()).await.unwrap();
        p.execute(&format!("INSERT INTO {t} VALUES (1), (2)"), ()).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let db = replica_db(&dir.path().join("local.db")).await;
        sync(&db, "first sync").await;
        let conn = db.connect().unwrap();
        assert_eq!(count(&conn, &t).await, 2);
        // A write on the primary is not visible locally before a sync: reads do not
        // go to the server.
        p.execute(&format!("INSERT INTO {t} VALUES (3)"), ()).await.unwrap();
        assert_eq!(count(&conn, &t).await, 2, "a local read saw a primary write without a sync");
        let before = db.replication_index().await.unwrap();
        let r = sync(&db, "second sync").await;
        assert_eq!(count(&conn, &t).await, 3, "the second sync did not bring the new row");
        assert!(
            r.frame_no() > before,
            "frame_no did not advance: before {before:?}, after {:?}",
            r.frame_no()
        );
        // A sync with nothing new is a no-op that keeps the position.
        let again = sync(&db, "idle sync").await;
        assert_eq!(again.frame_no(), r.frame_no(), "an idle sync moved the position");
        assert_eq!(again.frames_synced(), 0, "an idle sync applied frames");
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_are_forwarded_and_read_your_writes() {
    bounded("writes_forwarded", async {
        let t = table("fwd");
        let dir = tempfile::tempdir().unwrap();
        let db = replica_db(&dir.path().join("local.db")).await;
        sync(&db, "first sync").await;
        let conn = db.connect().unwrap();
        // DDL and DML through the replica go to the primary (proxy.Proxy/Execute)...
        conn.execute(&format!("CREATE TABLE {t}(id INTEGER PRIMARY KEY, v TEXT)"), ())
            .await
            .unwrap_or_else(|e| panic!("CREATE TABLE through the replica: {e}"));
        let n = conn
            .execute(&format!("INSERT INTO {t}(v) VALUES (?1), (?2)"), params!["a", "b"])
            .await
            .unwrap_or_else(|e| panic!("INSERT through the replica: {e}"));
        assert_eq!(n, 2, "rows affected reported for a forwarded INSERT");
        assert!(
            db.max_write_replication_index().is_some(),
            "a forwarded write returned no current_frame_no (ExecuteResults.current_frame_no)"
        );
        // ...and with read_your_writes (the default) they are readable locally at once.
        assert_eq!(
            rows(&conn, &format!("SELECT id, v FROM {t} ORDER BY id")).await,
            vec![
                vec!["Integer(1)".to_string(), "Text(\"a\")".to_string()],
                vec!["Integer(2)".to_string(), "Text(\"b\")".to_string()]
            ],
            "replica content right after its own write"
        );
        let p = primary().await;
        assert_eq!(count(&p, &t).await, 2, "the primary does not have the forwarded rows");
        // UPDATE / DELETE, and a SQL error forwarded back.
        conn.execute(&format!("UPDATE {t} SET v = 'A' WHERE id = 1"), ()).await.unwrap();
        conn.execute(&format!("DELETE FROM {t} WHERE id = 2"), ()).await.unwrap();
        assert_eq!(rows(&conn, &format!("SELECT v FROM {t}")).await, vec![vec!["Text(\"A\")".to_string()]]);
        let err = conn
            .execute(&format!("INSERT INTO {t}(id, v) VALUES (1, 'dup')"), ())
            .await
            .expect_err("a UNIQUE violation through the replica succeeded");
        let msg = err.to_string();
        assert!(msg.to_lowercase().contains("unique"), "error for a forwarded UNIQUE violation: {msg}");
        // The connection is still usable.
        conn.execute(&format!("INSERT INTO {t}(v) VALUES ('c')"), ()).await.unwrap();
        assert_eq!(count(&conn, &t).await, 2);
        assert_eq!(count(&p, &t).await, 2);
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transactions_through_the_replica() {
    bounded("transactions", async {
        let t = table("tx");
        let p = primary().await;
        p.execute(&format!("CREATE TABLE {t}(id INTEGER PRIMARY KEY, v TEXT)"), ()).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let db = replica_db(&dir.path().join("local.db")).await;
        sync(&db, "first sync").await;
        let conn = db.connect().unwrap();

        // Commit: the statements run on the primary, on one server-side connection.
        let tx = conn.transaction().await.unwrap_or_else(|e| panic!("BEGIN through the replica: {e}"));
        tx.execute(&format!("INSERT INTO {t} VALUES (1, 'one')"), ()).await.unwrap();
        tx.execute(&format!("INSERT INTO {t} VALUES (2, 'two')"), ()).await.unwrap();
        // Inside the write transaction reads also go to the primary and see the
        // transaction's own rows.
        assert_eq!(count(&tx, &t).await, 2, "a read inside the transaction does not see its writes");
        // Another client does not see uncommitted rows.
        assert_eq!(count(&p, &t).await, 0, "uncommitted rows visible on the primary");
        tx.commit().await.unwrap_or_else(|e| panic!("COMMIT through the replica: {e}"));
        assert_eq!(count(&p, &t).await, 2, "committed rows missing on the primary");
        assert_eq!(count(&conn, &t).await, 2, "committed rows missing locally (read-your-writes)");

        // Rollback: nothing lands anywhere.
        let tx = conn.transaction().await.unwrap();
        tx.execute(&format!("INSERT INTO {t} VALUES (3, 'three')"), ()).await.unwrap();
        tx.rollback().await.unwrap();
        assert_eq!(count(&p, &t).await, 2, "a rolled back row reached the primary");
        sync(&db, "after rollback").await;
        assert_eq!(count(&conn, &t).await, 2, "a rolled back row reached the replica");

        // execute_batch with explicit BEGIN/COMMIT.
        conn.execute_batch(&format!(
            "BEGIN; INSERT INTO {t} VALUES (10, 'x'); INSERT INTO {t} VALUES (11, 'y'); COMMIT;"
        ))
        .await
        .unwrap_or_else(|e| panic!("execute_batch through the replica: {e}"));
        assert_eq!(count(&p, &t).await, 4);
        sync(&db, "after batch").await;
        assert_eq!(count(&conn, &t).await, 4);
        assert!(conn.is_autocommit(), "connection left in a transaction");
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reopening_the_replica_resumes_from_its_position() {
    bounded("reopen", async {
        let t = table("reopen");
        let p = primary().await;
        p.execute(&format!("CREATE TABLE {t}(id INTEGER PRIMARY KEY, v TEXT)"), ()).await.unwrap();
        for i in 0..50 {
            p.execute(&format!("INSERT INTO {t} VALUES (?1, ?2)"), params![i, format!("v{i}")])
                .await
                .unwrap();
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("local.db");
        let first_pos;
        {
            let db = replica_db(&path).await;
            first_pos = sync(&db, "first sync").await.frame_no();
            assert_eq!(count(&db.connect().unwrap(), &t).await, 50);
        }
        assert!(
            dir.path().join("local.db-client_wal_index").exists(),
            "no local.db-client_wal_index next to the replica (the client did not record a position)"
        );
        p.execute(&format!("INSERT INTO {t} VALUES (100, 'later')"), ()).await.unwrap();
        let db = replica_db(&path).await;
        let conn = db.connect().unwrap();
        // Rows are there before any sync, and the position survived.
        assert_eq!(count(&conn, &t).await, 50, "rows present after reopening, before a sync");
        assert_eq!(db.replication_index().await.unwrap(), first_pos, "position after reopening");
        let r = sync(&db, "sync after reopening").await;
        assert_eq!(count(&conn, &t).await, 51, "rows after the sync following a reopen");
        assert!(r.frame_no() > first_pos);
        let q = format!("SELECT * FROM {t} ORDER BY id");
        assert_eq!(rows(&conn, &q).await, rows(&p, &q).await);
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_interval_pulls_periodically() {
    bounded("sync_interval", async {
        let t = table("interval");
        let p = primary().await;
        p.execute(&format!("CREATE TABLE {t}(id INTEGER PRIMARY KEY)"), ()).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let db = Builder::new_remote_replica(dir.path().join("local.db"), url(), String::new())
            .sync_interval(Duration::from_millis(200))
            .build()
            .await
            .unwrap_or_else(|e| panic!("build with sync_interval: {e}"));
        sync(&db, "first sync").await;
        let conn = db.connect().unwrap();
        p.execute(&format!("INSERT INTO {t} VALUES (1), (2), (3)"), ()).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            // The table exists locally from the first sync.
            let n = count(&conn, &t).await;
            if n == 3 {
                break;
            }
            assert!(Instant::now() < deadline, "sync_interval(200ms): after 20 s the replica has {n} of 3 rows");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schema_changes_replicate() {
    bounded("schema", async {
        let t = table("schema");
        let p = primary().await;
        let dir = tempfile::tempdir().unwrap();
        let db = replica_db(&dir.path().join("local.db")).await;
        sync(&db, "first sync").await;
        let conn = db.connect().unwrap();
        p.execute(&format!("CREATE TABLE {t}(a INTEGER)"), ()).await.unwrap();
        p.execute(&format!("INSERT INTO {t} VALUES (1)"), ()).await.unwrap();
        sync(&db, "after CREATE TABLE").await;
        assert_eq!(count(&conn, &t).await, 1);
        p.execute(&format!("ALTER TABLE {t} ADD COLUMN b TEXT DEFAULT 'dflt'"), ()).await.unwrap();
        p.execute(&format!("CREATE INDEX {t}_a ON {t}(a)"), ()).await.unwrap();
        p.execute(&format!("CREATE VIEW {t}_v AS SELECT a, b FROM {t}"), ()).await.unwrap();
        sync(&db, "after ALTER TABLE").await;
        // The same connection sees the new schema (SQLite reloads it after the
        // schema cookie changed underneath it).
        assert_eq!(
            rows(&conn, &format!("SELECT a, b FROM {t}_v")).await,
            vec![vec!["Integer(1)".to_string(), "Text(\"dflt\")".to_string()]]
        );
        let q = format!("SELECT type, name, sql FROM sqlite_schema WHERE tbl_name LIKE '{t}%' ORDER BY name");
        assert_eq!(rows(&conn, &q).await, rows(&p, &q).await, "schema differs");
        p.execute(&format!("DROP VIEW {t}_v"), ()).await.unwrap();
        p.execute(&format!("DROP TABLE {t}"), ()).await.unwrap();
        sync(&db, "after DROP TABLE").await;
        assert!(rows(&conn, &q).await.is_empty(), "dropped objects still in the replica");
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_sync_converges() {
    bounded("large_sync", async {
        let t = table("large");
        let p = primary().await;
        p.execute(&format!("CREATE TABLE {t}(id INTEGER PRIMARY KEY, v TEXT, b BLOB)"), ()).await.unwrap();
        // 5,000 rows, ~1.3 KB each: several MB, so several BatchLogEntries calls
        // (1024 frames at most per call, §8.4).
        for chunk in 0..10 {
            p.execute_batch(&format!(
                "BEGIN; WITH RECURSIVE n(i) AS (SELECT {lo} UNION ALL SELECT i + 1 FROM n WHERE i < {hi}) \
                 INSERT INTO {t} SELECT i, printf('%d-%s', i, hex(randomblob(400))), randomblob(500) FROM n; COMMIT;",
                lo = chunk * 500,
                hi = chunk * 500 + 499
            ))
            .await
            .unwrap();
        }
        let dir = tempfile::tempdir().unwrap();
        let db = replica_db(&dir.path().join("local.db")).await;
        let started = Instant::now();
        let r = sync(&db, "large sync").await;
        let elapsed = started.elapsed();
        let conn = db.connect().unwrap();
        assert_eq!(count(&conn, &t).await, 5000, "rows after the large sync");
        assert!(r.frames_synced() > 1024, "frames_synced = {} for a multi-MB database", r.frames_synced());
        let q = format!("SELECT id, v, hex(b) FROM {t} ORDER BY id");
        let (local, remote) = (rows(&conn, &q).await, rows(&p, &q).await);
        assert!(local == remote, "replica content differs from the primary after the large sync");
        assert_eq!(rows(&conn, "PRAGMA integrity_check").await, vec![vec!["Text(\"ok\")".to_string()]]);
        eprintln!("large_sync: {} frames in {elapsed:?}", r.frames_synced());
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_see_each_others_writes_after_sync() {
    bounded("two_replicas", async {
        let t = table("two");
        let dir = tempfile::tempdir().unwrap();
        let a = replica_db(&dir.path().join("a.db")).await;
        let b = replica_db(&dir.path().join("b.db")).await;
        let (ca, cb) = (a.connect().unwrap(), b.connect().unwrap());
        ca.execute(&format!("CREATE TABLE {t}(id INTEGER PRIMARY KEY, who TEXT)"), ()).await.unwrap();
        ca.execute(&format!("INSERT INTO {t} VALUES (1, 'a')"), ()).await.unwrap();
        sync(&b, "b after a's write").await;
        cb.execute(&format!("INSERT INTO {t} VALUES (2, 'b')"), ()).await.unwrap();
        sync(&a, "a after b's write").await;
        let q = format!("SELECT * FROM {t} ORDER BY id");
        let expected = vec![
            vec!["Integer(1)".to_string(), "Text(\"a\")".to_string()],
            vec!["Integer(2)".to_string(), "Text(\"b\")".to_string()],
        ];
        assert_eq!(rows(&ca, &q).await, expected);
        assert_eq!(rows(&cb, &q).await, expected);
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_values_returning_and_last_insert_rowid() {
    bounded("forwarded_values", async {
        let t = table("vals");
        let dir = tempfile::tempdir().unwrap();
        let db = replica_db(&dir.path().join("local.db")).await;
        sync(&db, "first sync").await;
        let conn = db.connect().unwrap();
        conn.execute(&format!("CREATE TABLE {t}(id INTEGER PRIMARY KEY, i, f, s, b, n)"), ())
            .await
            .unwrap();
        // Every value type through proxy.Proxy/Execute (bincode values, §2.3), positional...
        conn.execute(
            &format!("INSERT INTO {t}(id, i, f, s, b, n) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
            params![10, i64::MIN, -0.5f64, "héllo ✓ \u{0}x", vec![0u8, 1, 255, 0], libsql::Value::Null],
        )
        .await
        .unwrap();
        assert_eq!(conn.last_insert_rowid(), 10, "last_insert_rowid after a forwarded INSERT");
        // ...and named.
        conn.execute(
            &format!("INSERT INTO {t}(id, i, f, s, b, n) VALUES (:id, :i, @f, $s, :b, :n)"),
            libsql::named_params! {":id": 11, ":i": i64::MAX, "@f": 1e300f64, "$s": "", ":b": Vec::<u8>::new(), ":n": 7},
        )
        .await
        .unwrap();
        let q = format!("SELECT id, i, f, s, b, n, typeof(b) FROM {t} ORDER BY id");
        let p = primary().await;
        let on_primary = rows(&p, &q).await;
        assert_eq!(
            on_primary,
            vec![
                vec!["Integer(10)", "Integer(-9223372036854775808)", "Real(-0.5)", "Text(\"héllo ✓ \\0x\")", "Blob([0, 1, 255, 0])", "Null", "Text(\"blob\")"],
                vec!["Integer(11)", "Integer(9223372036854775807)", "Real(1e300)", "Text(\"\")", "Blob([])", "Integer(7)", "Text(\"blob\")"],
            ]
            .into_iter()
            .map(|r| r.into_iter().map(String::from).collect::<Vec<_>>())
            .collect::<Vec<_>>(),
            "values written through the replica, read on the primary"
        );
        // Byte-level equality of the replicated pages' content (hex: the crate's local
        // reads cut TEXT at an embedded NUL, a client-side C-string conversion).
        let qh = format!("SELECT id, hex(i), hex(f), hex(s), hex(b), hex(n), typeof(s) FROM {t} ORDER BY id");
        assert_eq!(rows(&conn, &qh).await, rows(&p, &qh).await, "values read back locally (hex)");
        // RETURNING: rows of a forwarded statement come back through the proxy.
        let ret = rows(&conn, &format!("INSERT INTO {t}(id, s) VALUES (12, 'r') RETURNING id, s, typeof(s)")).await;
        assert_eq!(ret, vec![vec!["Integer(12)".to_string(), "Text(\"r\")".to_string(), "Text(\"text\")".to_string()]]);
        let upd = rows(&conn, &format!("UPDATE {t} SET i = i + 1 WHERE id = 12 RETURNING i")).await;
        assert_eq!(upd, vec![vec!["Null".to_string()]]);
        assert_eq!(count(&p, &t).await, 3);
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prepared_write_statement_through_the_replica() {
    bounded("prepared_write", async {
        let t = table("prep");
        let p = primary().await;
        p.execute(&format!("CREATE TABLE {t}(a INTEGER, b TEXT)"), ()).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let db = replica_db(&dir.path().join("local.db")).await;
        sync(&db, "first sync").await;
        let conn = db.connect().unwrap();
        // A write statement prepared on a replica is described by the primary
        // (proxy.Proxy/Describe) and executed there.
        let stmt = conn
            .prepare(&format!("INSERT INTO {t}(a, b) VALUES (?1, ?2)"))
            .await
            .unwrap_or_else(|e| panic!("prepare of a write statement on the replica: {e}"));
        assert_eq!(stmt.parameter_count(), 2, "parameter_count from Describe");
        stmt.execute(params![1, "x"]).await.unwrap();
        stmt.reset();
        stmt.execute(params![2, "y"]).await.unwrap();
        assert_eq!(count(&p, &t).await, 2, "rows from a prepared statement on the primary");
        sync(&db, "after prepared writes").await;
        assert_eq!(count(&conn, &t).await, 2);
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_transaction_larger_than_a_batch() {
    bounded("big_transaction", async {
        // One commit of ~3,000 frames: BatchLogEntries returns at most 1024 frames, so
        // batches end inside the transaction (§8.7) and the client must hold them back.
        let t = table("bigtx");
        let p = primary().await;
        let dir = tempfile::tempdir().unwrap();
        let db = replica_db(&dir.path().join("local.db")).await;
        sync(&db, "first sync").await;
        p.execute_batch(&format!(
            "BEGIN; CREATE TABLE {t}(id INTEGER PRIMARY KEY, b BLOB); \
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) \
             INSERT INTO {t} SELECT i, randomblob(3000) FROM n; COMMIT;"
        ))
        .await
        .unwrap();
        let r = sync(&db, "sync of one big transaction").await;
        assert!(r.frames_synced() >= 2048, "frames_synced = {}", r.frames_synced());
        let conn = db.connect().unwrap();
        let q = format!("SELECT id, hex(b) FROM {t} ORDER BY id");
        assert!(rows(&conn, &q).await == rows(&p, &q).await, "replica differs after one big transaction");
        assert_eq!(rows(&conn, "PRAGMA integrity_check").await, vec![vec!["Text(\"ok\")".to_string()]]);
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_a_big_table_replicates_the_freelist() {
    bounded("drop_table", async {
        // VACUUM is refused on a primary (LIBSQL-SURFACE.md §10.5), so pages are freed,
        // not truncated: the replica must match page_count and freelist_count.
        let t = table("drop");
        let p = primary().await;
        p.execute_batch(&format!(
            "CREATE TABLE {t}(id INTEGER PRIMARY KEY, b BLOB); \
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) \
             INSERT INTO {t} SELECT i, randomblob(2000) FROM n;"
        ))
        .await
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let db = replica_db(&dir.path().join("local.db")).await;
        sync(&db, "first sync").await;
        let conn = db.connect().unwrap();
        p.execute(&format!("DROP TABLE {t}"), ()).await.unwrap();
        sync(&db, "after DROP TABLE").await;
        for pragma in ["PRAGMA page_count", "PRAGMA freelist_count"] {
            let (local, remote) = (scalar_i64(&conn, pragma).await, scalar_i64(&p, pragma).await);
            assert_eq!(local, remote, "{pragma}: replica {local}, primary {remote}");
        }
        assert_eq!(rows(&conn, "PRAGMA integrity_check").await, vec![vec!["Text(\"ok\")".to_string()]]);
        let q = "SELECT type, name FROM sqlite_schema ORDER BY name";
        assert_eq!(rows(&conn, q).await, rows(&p, q).await);
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_transactions_from_two_replicas_serialize() {
    bounded("two_writers", async {
        let t = table("contend");
        let p = primary().await;
        p.execute(&format!("CREATE TABLE {t}(id INTEGER PRIMARY KEY, who TEXT)"), ()).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let a = replica_db(&dir.path().join("a.db")).await;
        let b = replica_db(&dir.path().join("b.db")).await;
        sync(&a, "a").await;
        sync(&b, "b").await;
        let (ca, cb) = (a.connect().unwrap(), b.connect().unwrap());
        // A holds the write lock on the primary (its proxy connection)...
        let tx = ca.transaction().await.unwrap();
        tx.execute(&format!("INSERT INTO {t} VALUES (1, 'a')"), ()).await.unwrap();
        // ...B's write waits for it (it must neither fail at once nor deadlock)...
        let t2 = t.clone();
        let writer_b = tokio::spawn(async move {
            let started = Instant::now();
            let res = cb.execute(&format!("INSERT INTO {t2} VALUES (2, 'b')"), ()).await;
            (res.map_err(|e| e.to_string()), started.elapsed(), cb)
        });
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(!writer_b.is_finished(), "B's write finished while A held the write transaction");
        // ...and proceeds once A commits.
        tx.commit().await.unwrap();
        let (res, waited, cb) = tokio::time::timeout(Duration::from_secs(20), writer_b)
            .await
            .expect("B's write did not finish within 20 s after A committed")
            .unwrap();
        res.unwrap_or_else(|e| panic!("B's write after waiting {waited:?}: {e}"));
        let q = format!("SELECT id, who FROM {t} ORDER BY id");
        let expected = vec![
            vec!["Integer(1)".to_string(), "Text(\"a\")".to_string()],
            vec!["Integer(2)".to_string(), "Text(\"b\")".to_string()],
        ];
        assert_eq!(rows(&p, &q).await, expected);
        assert_eq!(rows(&cb, &q).await, expected, "B after its own write (read-your-writes)");
        sync(&a, "a at the end").await;
        assert_eq!(rows(&ca, &q).await, expected);
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_values_through_the_proxy() {
    bounded("large_values", async {
        // A forwarded write whose parameters exceed gRPC's customary 4 MiB message limit,
        // and a read inside a write transaction (answered by the primary through the
        // proxy) returning more than that.
        let t = table("bigval");
        let dir = tempfile::tempdir().unwrap();
        let db = replica_db(&dir.path().join("local.db")).await;
        sync(&db, "first sync").await;
        let conn = db.connect().unwrap();
        conn.execute(&format!("CREATE TABLE {t}(id INTEGER PRIMARY KEY, b BLOB)"), ()).await.unwrap();
        let big: Vec<u8> = (0..6 * 1024 * 1024).map(|i| (i % 251) as u8).collect();
        conn.execute(&format!("INSERT INTO {t} VALUES (1, ?1)"), params![big.clone()])
            .await
            .unwrap_or_else(|e| panic!("forwarded INSERT of a 6 MiB blob: {e}"));
        let p = primary().await;
        assert_eq!(
            scalar_i64(&p, &format!("SELECT length(b) FROM {t} WHERE id = 1")).await,
            big.len() as i64
        );
        let tx = conn.transaction().await.unwrap();
        let mut rows = tx.query(&format!("SELECT b FROM {t} WHERE id = 1"), ()).await
            .unwrap_or_else(|e| panic!("SELECT of a 6 MiB blob inside a forwarded transaction: {e}"));
        let row = rows.next().await.unwrap().expect("no row");
        let got: Vec<u8> = row.get(0).unwrap();
        assert!(got == big, "6 MiB blob read through the proxy differs (len {})", got.len());
        drop(rows);
        tx.rollback().await.unwrap();
        // Locally after read-your-writes.
        let mut rows = conn.query(&format!("SELECT b FROM {t} WHERE id = 1"), ()).await.unwrap();
        let got: Vec<u8> = rows.next().await.unwrap().expect("no local row").get(0).unwrap();
        assert!(got == big, "6 MiB blob read locally differs");
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn savepoints_and_errors_inside_a_forwarded_transaction() {
    bounded("savepoints", async {
        let t = table("sp");
        let p = primary().await;
        p.execute(&format!("CREATE TABLE {t}(id INTEGER PRIMARY KEY)"), ()).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let db = replica_db(&dir.path().join("local.db")).await;
        sync(&db, "first sync").await;
        let conn = db.connect().unwrap();
        conn.execute("BEGIN", ()).await.unwrap();
        conn.execute(&format!("INSERT INTO {t} VALUES (1)"), ()).await.unwrap();
        conn.execute("SAVEPOINT s1", ()).await.unwrap_or_else(|e| panic!("SAVEPOINT through the replica: {e}"));
        conn.execute(&format!("INSERT INTO {t} VALUES (2)"), ()).await.unwrap();
        conn.execute("ROLLBACK TO s1", ()).await.unwrap_or_else(|e| panic!("ROLLBACK TO through the replica: {e}"));
        conn.execute("RELEASE s1", ()).await.unwrap();
        // A failing statement does not end the transaction.
        assert!(conn.execute(&format!("INSERT INTO {t} VALUES (1)"), ()).await.is_err());
        assert!(!conn.is_autocommit(), "a statement error ended the forwarded transaction");
        conn.execute(&format!("INSERT INTO {t} VALUES (3)"), ()).await.unwrap();
        conn.execute("COMMIT", ()).await.unwrap();
        assert!(conn.is_autocommit());
        let q = format!("SELECT id FROM {t} ORDER BY id");
        let expected = vec![vec!["Integer(1)".to_string()], vec!["Integer(3)".to_string()]];
        assert_eq!(rows(&p, &q).await, expected);
        assert_eq!(rows(&conn, &q).await, expected);
        // Preparing a bad write statement reports the error (Describe error), no panic.
        let err = conn.prepare(&format!("INSERT INTO {t}_missing VALUES (?1)")).await.err();
        let err = err.expect("preparing a write on a missing table succeeded");
        assert!(err.to_string().contains("no such table"), "Describe error: {err}");
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vector_index_replicates_and_works_after_freeze() {
    bounded("vector_index", async {
        // Replicas get raw pages, so the index's storage must be libSQL's own
        // (LIBSQL-SURFACE.md §9.5) for vector_top_k to work inside the replica, and the
        // schema must not carry objects libSQL cannot run.
        let t = table("vec");
        let idx = format!("{t}_idx");
        let p = primary().await;
        p.execute(&format!("CREATE TABLE {t}(id INTEGER PRIMARY KEY, e F32_BLOB(3))"), ()).await.unwrap();
        p.execute(&format!("CREATE INDEX {idx} ON {t}(libsql_vector_idx(e))"), ()).await.unwrap();
        for i in 0..40 {
            p.execute(
                &format!("INSERT INTO {t} VALUES (?1, vector(?2))"),
                params![i, format!("[{}, {}, {}]", i, (i * i) % 7, 50 - i)],
            )
            .await
            .unwrap();
        }
        let q = format!("SELECT id FROM vector_top_k('{idx}', vector('[10, 3, 37]'), 5) ORDER BY id");
        let dir = tempfile::tempdir().unwrap();
        let db = replica_db(&dir.path().join("local.db")).await;
        sync(&db, "first sync").await;
        let conn = db.connect().unwrap();
        assert_eq!(rows(&conn, &q).await, rows(&p, &q).await, "vector_top_k inside the replica vs on the primary");
        // Forwarded insert, then the replica's index (maintained by the primary) finds it.
        conn.execute(&format!("INSERT INTO {t} VALUES (1000, vector('[10, 3, 37]'))"), ()).await.unwrap();
        let top1 = format!("SELECT id FROM vector_top_k('{idx}', vector('[10, 3, 37]'), 1)");
        assert_eq!(rows(&conn, &top1).await, vec![vec!["Integer(1000)".to_string()]]);
        // Schema objects that only Basalt can execute would break the replica as a libSQL
        // database (freeze, offline use, a dump restored into libSQL).
        let foreign = rows(
            &conn,
            &format!("SELECT type, name FROM sqlite_schema WHERE tbl_name = '{t}' AND type = 'trigger'"),
        )
        .await;
        drop(conn);
        // Freeze: the replica becomes a plain local libSQL database; local writes run the
        // libSQL engine's own index maintenance.
        let local = db.freeze().unwrap_or_else(|e| panic!("freeze: {e}"));
        let lc = local.connect().unwrap();
        lc.execute(&format!("INSERT INTO {t} VALUES (2000, vector('[-5, -5, -5]'))"), ())
            .await
            .unwrap_or_else(|e| {
                panic!("INSERT into the frozen replica failed: {e} (triggers replicated from the primary: {foreign:?})")
            });
        let top1 = format!("SELECT id FROM vector_top_k('{idx}', vector('[-5, -5, -5]'), 1)");
        assert_eq!(rows(&lc, &top1).await, vec![vec!["Integer(2000)".to_string()]]);
    })
    .await
}
