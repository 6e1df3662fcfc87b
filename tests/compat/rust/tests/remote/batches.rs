//! `execute_batch` and `execute_transactional_batch`.

use crate::common::*;

#[tokio::test]
async fn execute_batch_runs_every_statement_and_returns_rows() {
    let conn = connect().await;
    conn.execute("DROP TABLE IF EXISTS b_batch", ()).await.unwrap();
    let mut results = conn
        .execute_batch(
            "CREATE TABLE b_batch (id INTEGER PRIMARY KEY, v TEXT);
             INSERT INTO b_batch (v) VALUES ('a');
             INSERT INTO b_batch (v) VALUES ('b'), ('c');
             -- a comment between statements
             UPDATE b_batch SET v = v || '!' WHERE id > 1;
             SELECT id, v FROM b_batch ORDER BY id;",
        )
        .await
        .unwrap();

    // One result per statement; only the SELECT has rows (the crate sends
    // want_rows=false, which servers ignore, as sqld does).
    for i in 0..4 {
        let rows = results.next_stmt_row().unwrap_or_else(|| panic!("no result for statement {i}"));
        let mut rows = rows.unwrap_or_else(|| panic!("statement {i} was not executed"));
        assert!(rows.next().await.unwrap().is_none(), "statement {i} returned rows");
    }
    let mut rows = results.next_stmt_row().expect("result of the SELECT").expect("SELECT executed");
    let mut got = Vec::new();
    while let Some(row) = rows.next().await.unwrap() {
        got.push((row.get::<i64>(0).unwrap(), row.get::<String>(1).unwrap()));
    }
    assert_eq!(got, vec![(1, "a".to_string()), (2, "b!".to_string()), (3, "c!".to_string())]);
    assert!(results.next_stmt_row().is_none(), "more results than statements");

    assert_eq!(scalar_i64(&conn, "SELECT count(*) FROM b_batch").await, 3);
}

#[tokio::test]
async fn execute_batch_with_its_own_transaction() {
    let conn = connect().await;
    let other = connect().await;
    fresh_table(&conn, "b_own_tx", "id INTEGER PRIMARY KEY").await;
    conn.execute_batch(
        "BEGIN;
         INSERT INTO b_own_tx VALUES (1);
         INSERT INTO b_own_tx VALUES (2);",
    )
    .await
    .unwrap();
    // The batch left a transaction open on the connection's stream.
    assert!(!conn.is_autocommit());
    assert_eq!(scalar_i64(&conn, "SELECT count(*) FROM b_own_tx").await, 2);
    assert_eq!(scalar_i64(&other, "SELECT count(*) FROM b_own_tx").await, 0);
    conn.execute_batch("INSERT INTO b_own_tx VALUES (3); COMMIT;").await.unwrap();
    assert!(conn.is_autocommit());
    assert_eq!(scalar_i64(&other, "SELECT count(*) FROM b_own_tx").await, 3);
}

#[tokio::test]
async fn transactional_batch_commits_when_all_succeed() {
    let conn = connect().await;
    fresh_table(&conn, "b_tx_ok", "id INTEGER PRIMARY KEY, v TEXT").await;
    let mut results = conn
        .execute_transactional_batch(
            "INSERT INTO b_tx_ok VALUES (1, 'a');
             INSERT INTO b_tx_ok VALUES (2, 'b');
             SELECT count(*) FROM b_tx_ok;",
        )
        .await
        .unwrap();
    let _ = results.next_stmt_row().unwrap();
    let _ = results.next_stmt_row().unwrap();
    let mut rows = results.next_stmt_row().unwrap().expect("SELECT executed");
    assert_eq!(rows.next().await.unwrap().unwrap().get::<i64>(0).unwrap(), 2);
    assert!(conn.is_autocommit());
    assert_eq!(scalar_i64(&connect().await, "SELECT count(*) FROM b_tx_ok").await, 2);
}

#[tokio::test]
async fn transactional_batch_rolls_back_on_failure() {
    let conn = connect().await;
    fresh_table(&conn, "b_tx_fail", "id INTEGER PRIMARY KEY").await;
    conn.execute("INSERT INTO b_tx_fail VALUES (1)", ()).await.unwrap();
    let res = conn
        .execute_transactional_batch(
            "INSERT INTO b_tx_fail VALUES (2);
             INSERT INTO b_tx_fail VALUES (1);
             INSERT INTO b_tx_fail VALUES (3);",
        )
        .await;
    assert_err_contains(res, &["UNIQUE constraint failed: b_tx_fail.id"]);
    // BEGIN ... COMMIT was skipped and the conditional ROLLBACK ran: row 2 is gone.
    assert!(conn.is_autocommit(), "the batch left a transaction open");
    let mut rows = conn.query("SELECT id FROM b_tx_fail ORDER BY id", ()).await.unwrap();
    assert_eq!(rows.next().await.unwrap().unwrap().get::<i64>(0).unwrap(), 1);
    assert!(rows.next().await.unwrap().is_none(), "rows of the failed batch were kept");
    // And the database is not locked by a leftover transaction.
    connect().await.execute("INSERT INTO b_tx_fail VALUES (4)", ()).await.unwrap();
}
