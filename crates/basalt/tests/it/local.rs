//! The libsql-shaped API over a local file.

use basalt::{Builder, Error, TransactionBehavior, Value, named_params, params};

async fn open() -> (tempfile::TempDir, basalt::Database) {
    let dir = tempfile::tempdir().unwrap();
    let db = Builder::new_local(dir.path().join("app.db"))
        .build()
        .await
        .unwrap();
    (dir, db)
}

#[tokio::test]
async fn execute_query_and_typed_rows() {
    let (_dir, db) = open().await;
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
            params!["ann", 1.5, vec![1u8, 2]],
        )
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(conn.last_insert_rowid(), 1);
    conn.execute(
        "INSERT INTO t(name, score) VALUES (:name, :score)",
        named_params! {":name": "bob", ":score": 2},
    )
    .await
    .unwrap();
    conn.execute("INSERT INTO t(name) VALUES (?)", ("cy",))
        .await
        .unwrap();
    assert_eq!(conn.changes(), 1);

    let mut rows = conn
        .query("SELECT id, name, score, data FROM t ORDER BY id", ())
        .await
        .unwrap();
    assert_eq!(rows.column_count(), 4);
    assert_eq!(rows.column_name(1), Some("name"));
    assert_eq!(rows.column_decltype(2), Some("REAL"));
    let first = rows.next().await.unwrap().unwrap();
    assert_eq!(first.get::<i64>(0).unwrap(), 1);
    assert_eq!(first.get::<String>(1).unwrap(), "ann");
    assert_eq!(first.get_str(1).unwrap(), "ann");
    assert_eq!(first.get::<f64>(2).unwrap(), 1.5);
    assert_eq!(first.get::<Vec<u8>>(3).unwrap(), vec![1, 2]);
    let second = rows.next().await.unwrap().unwrap();
    assert_eq!(second.get::<f64>(2).unwrap(), 2.0);
    assert_eq!(second.get::<Option<Vec<u8>>>(3).unwrap(), None);
    let third = rows.next().await.unwrap().unwrap();
    assert_eq!(third.get_value(2).unwrap(), Value::Null);
    assert!(rows.next().await.unwrap().is_none());

    // Wrong type and bad index are errors, not panics.
    assert!(matches!(
        first.get::<i64>(1),
        Err(Error::Conversion { index: 1, .. })
    ));
    assert!(matches!(first.get::<i64>(9), Err(Error::ColumnIndex(9))));
}

#[tokio::test]
async fn transactions_commit_roll_back_and_roll_back_on_drop() {
    let (_dir, db) = open().await;
    let conn = db.connect().unwrap();
    conn.execute("CREATE TABLE t(a)", ()).await.unwrap();
    assert!(conn.is_autocommit());

    let tx = conn.transaction().await.unwrap();
    assert!(!conn.is_autocommit());
    tx.execute("INSERT INTO t VALUES (1)", ()).await.unwrap();
    tx.commit().await.unwrap();
    assert!(conn.is_autocommit());

    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .await
        .unwrap();
    tx.execute("INSERT INTO t VALUES (2)", ()).await.unwrap();
    tx.rollback().await.unwrap();

    {
        let tx = conn.transaction().await.unwrap();
        tx.execute("INSERT INTO t VALUES (3)", ()).await.unwrap();
    }
    assert!(conn.is_autocommit());
    let other = db.connect().unwrap();
    let mut rows = other
        .query("SELECT group_concat(a) FROM t", ())
        .await
        .unwrap();
    assert_eq!(
        rows.next()
            .await
            .unwrap()
            .unwrap()
            .get::<String>(0)
            .unwrap(),
        "1"
    );
}

#[tokio::test]
async fn prepared_statements_and_batches() {
    let (_dir, db) = open().await;
    let conn = db.connect().unwrap();
    let mut batch = conn
        .execute_batch("CREATE TABLE t(a); INSERT INTO t VALUES (1), (2); SELECT sum(a) FROM t;")
        .await
        .unwrap();
    assert!(batch.next_stmt_row().unwrap().is_none());
    assert!(batch.next_stmt_row().unwrap().is_none());
    let mut sum = batch.next_stmt_row().unwrap().unwrap();
    assert_eq!(sum.next().await.unwrap().unwrap().get::<i64>(0).unwrap(), 3);
    assert!(batch.next_stmt_row().is_none());

    let mut insert = conn.prepare("INSERT INTO t VALUES (?)").await.unwrap();
    for i in 10..15 {
        insert.execute([i]).await.unwrap();
    }
    let mut count = conn
        .prepare("SELECT count(*) AS n FROM t WHERE a >= ?")
        .await
        .unwrap();
    assert_eq!(count.columns()[0].name, "n");
    assert_eq!(
        count.query_row([10]).await.unwrap().get::<i64>(0).unwrap(),
        5
    );
}

#[tokio::test]
async fn errors_carry_sqlite_codes() {
    let (dir, db) = open().await;
    let conn = db.connect().unwrap();
    conn.execute("CREATE TABLE t(a UNIQUE)", ()).await.unwrap();
    conn.execute("INSERT INTO t VALUES (1)", ()).await.unwrap();
    let err = conn
        .execute("INSERT INTO t VALUES (1)", ())
        .await
        .unwrap_err();
    assert_eq!(err.sqlite_code(), Some(2067)); // SQLITE_CONSTRAINT_UNIQUE
    assert_eq!(err.to_string(), "UNIQUE constraint failed: t.a");
    let err = conn.query("SELECT * FROM nope", ()).await.unwrap_err();
    assert_eq!(err.to_string(), "no such table: nope");
    let err = conn.execute("SELECT ?, ?", params![1]).await.unwrap_err();
    assert_eq!(err.to_string(), "value for parameter 2 not found");

    std::fs::write(
        dir.path().join("junk.db"),
        b"not a database at all, not at all......",
    )
    .unwrap();
    let err = Builder::new_local(dir.path().join("junk.db"))
        .build()
        .await
        .unwrap_err();
    assert_eq!(err.sqlite_code(), Some(26)); // SQLITE_NOTADB
}

#[tokio::test]
async fn memory_databases_are_shared_by_connections_of_one_database() {
    let db = Builder::new_local(":memory:").build().await.unwrap();
    let a = db.connect().unwrap();
    a.execute("CREATE TABLE t(x)", ()).await.unwrap();
    let b = db.connect().unwrap();
    b.execute("INSERT INTO t VALUES (1)", ()).await.unwrap();
    let mut rows = a.query("SELECT count(*) FROM t", ()).await.unwrap();
    assert_eq!(
        rows.next().await.unwrap().unwrap().get::<i64>(0).unwrap(),
        1
    );
}

#[tokio::test]
async fn connections_are_send_for_spawned_tasks() {
    let (_dir, db) = open().await;
    let conn = db.connect().unwrap();
    conn.execute("CREATE TABLE t(a)", ()).await.unwrap();
    let task = tokio::spawn(async move {
        conn.execute("INSERT INTO t VALUES (1)", ()).await.unwrap();
        let mut rows = conn.query("SELECT a FROM t", ()).await.unwrap();
        let row = rows.next().await.unwrap().unwrap();
        row.get::<i64>(0).unwrap()
    });
    assert_eq!(task.await.unwrap(), 1);
}
