//! The same API against a real Basalt server over HTTP (remote mode).

use basalt::{Builder, Database, Error, Value, named_params, params};

/// A server on 127.0.0.1:0, stopped when the guard drops.
struct Server {
    url: String,
    _dir: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn server() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let config = basalt_server::Config::new(dir.path().join("data"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(basalt_server::run(listener, config, async move {
        let _ = stopped.await;
    }));
    Server {
        url,
        _dir: dir,
        _stop: stop,
    }
}

async fn remote(server: &Server) -> Database {
    Builder::new_remote(server.url.clone(), "")
        .build()
        .await
        .unwrap()
}

#[tokio::test]
async fn statements_values_and_rows() {
    let server = server().await;
    let db = remote(&server).await;
    let conn = db.connect().unwrap();
    conn.execute(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB)",
        (),
    )
    .await
    .unwrap();
    let n = conn
        .execute(
            "INSERT INTO t(name, score, data) VALUES (?1, ?2, ?3)",
            params!["ann", 1.5, vec![0u8, 255]],
        )
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(conn.last_insert_rowid(), 1);
    conn.execute(
        "INSERT INTO t(name, score) VALUES (:n, :s)",
        named_params! {":n": "bob", ":s": i64::MAX},
    )
    .await
    .unwrap();
    let mut rows = conn
        .query("SELECT id, name, score, data FROM t ORDER BY id", ())
        .await
        .unwrap();
    assert_eq!(rows.column_count(), 4);
    assert_eq!(rows.column_name(1), Some("name"));
    let first = rows.next().await.unwrap().unwrap();
    assert_eq!(first.get::<String>(1).unwrap(), "ann");
    assert_eq!(first.get::<f64>(2).unwrap(), 1.5);
    assert_eq!(first.get_blob(3).unwrap(), &[0, 255]);
    let second = rows.next().await.unwrap().unwrap();
    // REAL affinity turns the integer into a float, as SQLite does.
    assert_eq!(second.get::<f64>(2).unwrap(), i64::MAX as f64);
    assert_eq!(second.get_value(3).unwrap(), Value::Null);
    assert!(rows.next().await.unwrap().is_none());
}

#[tokio::test]
async fn transactions_span_requests_and_roll_back() {
    let server = server().await;
    let db = remote(&server).await;
    let conn = db.connect().unwrap();
    let other = db.connect().unwrap();
    conn.execute("CREATE TABLE t(a)", ()).await.unwrap();

    let tx = conn.transaction().await.unwrap();
    assert!(!conn.is_autocommit());
    tx.execute("INSERT INTO t VALUES (1)", ()).await.unwrap();
    // The transaction sees its own write; another connection does not.
    let mut mine = tx.query("SELECT count(*) FROM t", ()).await.unwrap();
    assert_eq!(
        mine.next().await.unwrap().unwrap().get::<i64>(0).unwrap(),
        1
    );
    let mut theirs = other.query("SELECT count(*) FROM t", ()).await.unwrap();
    assert_eq!(
        theirs.next().await.unwrap().unwrap().get::<i64>(0).unwrap(),
        0
    );
    tx.commit().await.unwrap();
    assert!(conn.is_autocommit());

    let tx = conn.transaction().await.unwrap();
    tx.execute("INSERT INTO t VALUES (2)", ()).await.unwrap();
    tx.rollback().await.unwrap();
    let mut count = other.query("SELECT count(*) FROM t", ()).await.unwrap();
    assert_eq!(
        count.next().await.unwrap().unwrap().get::<i64>(0).unwrap(),
        1
    );
}

#[tokio::test]
async fn errors_carry_hrana_codes_and_the_connection_survives() {
    let server = server().await;
    let db = remote(&server).await;
    let conn = db.connect().unwrap();
    conn.execute("CREATE TABLE t(a UNIQUE)", ()).await.unwrap();
    conn.execute("INSERT INTO t VALUES (1)", ()).await.unwrap();
    match conn
        .execute("INSERT INTO t VALUES (1)", ())
        .await
        .unwrap_err()
    {
        Error::Remote { code, message } => {
            assert_eq!(code, "SQLITE_CONSTRAINT");
            assert_eq!(message, "SQLite error: UNIQUE constraint failed: t.a");
        }
        other => panic!("unexpected {other:?}"),
    }
    match conn.query("SELEC 1", ()).await.unwrap_err() {
        Error::Remote { code, .. } => assert_eq!(code, "SQL_PARSE_ERROR"),
        other => panic!("unexpected {other:?}"),
    }
    conn.execute_batch("INSERT INTO t VALUES (2); INSERT INTO t VALUES (3);")
        .await
        .unwrap();
    let mut stmt = conn.prepare("SELECT count(*) AS n FROM t").await.unwrap();
    assert_eq!(stmt.columns()[0].name, "n");
    assert_eq!(stmt.query_row(()).await.unwrap().get::<i64>(0).unwrap(), 3);
    // Bad URLs and unreachable servers are errors, not panics.
    assert!(matches!(
        Builder::new_remote("ftp://x", "").build().await,
        Err(Error::InvalidUrl(_))
    ));
    let gone = Builder::new_remote("http://127.0.0.1:1", "")
        .build()
        .await
        .unwrap();
    assert!(matches!(
        gone.connect().unwrap().execute("SELECT 1", ()).await,
        Err(Error::Http(_))
    ));
}
