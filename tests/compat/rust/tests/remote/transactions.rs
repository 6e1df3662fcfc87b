//! `Connection::transaction()`: commit, rollback, isolation, errors inside.

use crate::common::*;
use libsql::{params, TransactionBehavior};
use std::time::{Duration, Instant};

#[tokio::test]
async fn commit_makes_rows_visible_to_other_connections() {
    let conn = connect().await;
    let other = connect().await;
    fresh_table(&conn, "t_commit", "id INTEGER PRIMARY KEY, v TEXT").await;

    assert!(conn.is_autocommit(), "before the transaction");
    let tx = conn.transaction().await.unwrap();
    assert!(!tx.is_autocommit(), "inside the transaction");
    for i in 1..=3i64 {
        let n = tx.execute("INSERT INTO t_commit VALUES (?1, ?2)", params![i, format!("v{i}")]).await.unwrap();
        assert_eq!(n, 1);
        assert_eq!(tx.last_insert_rowid(), i);
    }
    // Visible inside the transaction...
    assert_eq!(scalar_i64(&tx, "SELECT count(*) FROM t_commit").await, 3);
    // ...but not to another connection, nor to the connection's own
    // autocommit stream, before the commit.
    assert_eq!(scalar_i64(&other, "SELECT count(*) FROM t_commit").await, 0);
    assert_eq!(scalar_i64(&conn, "SELECT count(*) FROM t_commit").await, 0);

    tx.commit().await.unwrap();
    assert!(conn.is_autocommit(), "after commit");
    assert_eq!(scalar_i64(&other, "SELECT count(*) FROM t_commit").await, 3);
    assert_eq!(scalar_i64(&conn, "SELECT count(*) FROM t_commit").await, 3);
    let mut rows = other.query("SELECT v FROM t_commit ORDER BY id", ()).await.unwrap();
    for i in 1..=3 {
        assert_eq!(rows.next().await.unwrap().unwrap().get::<String>(0).unwrap(), format!("v{i}"));
    }
    assert!(rows.next().await.unwrap().is_none());
}

#[tokio::test]
async fn rollback_discards_changes() {
    let conn = connect().await;
    let other = connect().await;
    fresh_table(&conn, "t_rollback", "id INTEGER PRIMARY KEY, v TEXT").await;
    conn.execute("INSERT INTO t_rollback VALUES (1, 'kept')", ()).await.unwrap();

    let tx = conn.transaction().await.unwrap();
    tx.execute("INSERT INTO t_rollback VALUES (2, 'discarded')", ()).await.unwrap();
    tx.execute("UPDATE t_rollback SET v = 'changed' WHERE id = 1", ()).await.unwrap();
    assert_eq!(tx.changes(), 1);
    assert_eq!(scalar_i64(&tx, "SELECT count(*) FROM t_rollback").await, 2);
    assert_eq!(scalar_i64(&other, "SELECT count(*) FROM t_rollback").await, 1);
    tx.rollback().await.unwrap();
    assert!(conn.is_autocommit(), "after rollback");

    for c in [&conn, &other] {
        let mut rows = c.query("SELECT id, v FROM t_rollback ORDER BY id", ()).await.unwrap();
        let row = rows.next().await.unwrap().unwrap();
        assert_eq!(row.get::<i64>(0).unwrap(), 1);
        assert_eq!(row.get::<String>(1).unwrap(), "kept");
        assert!(rows.next().await.unwrap().is_none());
    }
}

#[tokio::test]
async fn dropped_transaction_is_rolled_back_and_releases_the_lock() {
    let conn = connect().await;
    let other = connect().await;
    fresh_table(&conn, "t_drop", "id INTEGER PRIMARY KEY").await;
    {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).await.unwrap();
        tx.execute("INSERT INTO t_drop VALUES (1)", ()).await.unwrap();
        // Dropping it makes the crate send ROLLBACK in the background.
    }
    // Another writer gets through well before the server's idle-stream expiry
    // (10 s by default) would have released the lock.
    let start = Instant::now();
    tokio::time::timeout(
        Duration::from_secs(8),
        other.execute("INSERT INTO t_drop VALUES (2)", ()),
    )
    .await
    .expect("the write lock of the dropped transaction was not released within 8 s")
    .unwrap();
    let mut rows = other.query("SELECT id FROM t_drop ORDER BY id", ()).await.unwrap();
    assert_eq!(rows.next().await.unwrap().unwrap().get::<i64>(0).unwrap(), 2);
    assert!(rows.next().await.unwrap().is_none(), "row 1 of the dropped transaction is visible");
    assert!(start.elapsed() < Duration::from_secs(8));
}

#[tokio::test]
async fn error_inside_transaction_keeps_it_usable() {
    let conn = connect().await;
    fresh_table(&conn, "t_err", "id INTEGER PRIMARY KEY, v TEXT NOT NULL").await;

    let tx = conn.transaction().await.unwrap();
    tx.execute("INSERT INTO t_err VALUES (1, 'a')", ()).await.unwrap();
    assert_err_contains(
        tx.execute("INSERT INTO t_err VALUES (1, 'dup')", ()).await,
        &["SQLITE_CONSTRAINT", "UNIQUE constraint failed: t_err.id"],
    );
    assert_err_contains(
        tx.execute("INSERT INTO t_err VALUES (2, NULL)", ()).await,
        &["SQLITE_CONSTRAINT", "NOT NULL constraint failed: t_err.v"],
    );
    assert_err_contains(tx.query("SELECT * FROM t_err_missing", ()).await, &["no such table"]);
    // The failed statements did not end the transaction.
    tx.execute("INSERT INTO t_err VALUES (3, 'c')", ()).await.unwrap();
    assert_eq!(scalar_i64(&tx, "SELECT count(*) FROM t_err").await, 2);
    tx.commit().await.unwrap();

    let mut rows = conn.query("SELECT id, v FROM t_err ORDER BY id", ()).await.unwrap();
    let mut got = Vec::new();
    while let Some(row) = rows.next().await.unwrap() {
        got.push((row.get::<i64>(0).unwrap(), row.get::<String>(1).unwrap()));
    }
    assert_eq!(got, vec![(1, "a".to_string()), (3, "c".to_string())]);
}

#[tokio::test]
async fn transaction_behaviors() {
    let conn = connect().await;
    fresh_table(&conn, "t_behavior", "id INTEGER PRIMARY KEY").await;

    for (i, behavior) in [
        TransactionBehavior::Deferred,
        TransactionBehavior::Immediate,
        TransactionBehavior::Exclusive,
    ]
    .into_iter()
    .enumerate()
    {
        let tx = conn.transaction_with_behavior(behavior).await.unwrap();
        tx.execute("INSERT INTO t_behavior VALUES (?1)", [i as i64]).await.unwrap();
        tx.commit().await.unwrap();
    }
    assert_eq!(scalar_i64(&conn, "SELECT count(*) FROM t_behavior").await, 3);
}

#[tokio::test]
async fn readonly_transaction() {
    let conn = connect().await;
    fresh_table(&conn, "t_readonly", "id INTEGER PRIMARY KEY").await;
    conn.execute("INSERT INTO t_readonly VALUES (1)", ()).await.unwrap();

    // The crate sends `BEGIN READONLY` (libSQL syntax): reads work, writes fail.
    let tx = conn.transaction_with_behavior(TransactionBehavior::ReadOnly).await.unwrap();
    assert_eq!(scalar_i64(&tx, "SELECT count(*) FROM t_readonly").await, 1);
    assert!(
        tx.execute("INSERT INTO t_readonly VALUES (100)", ()).await.is_err(),
        "a write inside a READONLY transaction succeeded"
    );
    // Still readable after the refused write.
    assert_eq!(scalar_i64(&tx, "SELECT count(*) FROM t_readonly").await, 1);
    tx.rollback().await.unwrap();
    assert_eq!(scalar_i64(&conn, "SELECT count(*) FROM t_readonly").await, 1);
}

#[tokio::test]
async fn many_statements_in_one_transaction() {
    let conn = connect().await;
    fresh_table(&conn, "t_many", "id INTEGER PRIMARY KEY, v INTEGER").await;
    let tx = conn.transaction().await.unwrap();
    let insert = tx.prepare("INSERT INTO t_many (id, v) VALUES (?1, ?2)").await.unwrap();
    for i in 0..300i64 {
        insert.execute(params![i, i * i]).await.unwrap();
    }
    drop(insert);
    assert_eq!(scalar_i64(&tx, "SELECT count(*) FROM t_many").await, 300);
    tx.commit().await.unwrap();
    assert_eq!(scalar_i64(&conn, "SELECT sum(v) FROM t_many").await, (0..300i64).map(|i| i * i).sum::<i64>());
}
