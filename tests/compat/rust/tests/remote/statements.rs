//! `execute`, `changes`, `last_insert_rowid`, `prepare`, `is_autocommit`.

use crate::common::*;
use libsql::params;

#[tokio::test]
async fn execute_reports_changes_and_last_insert_rowid() {
    let conn = connect().await;
    fresh_table(&conn, "s_rowid", "id INTEGER PRIMARY KEY, v TEXT").await;

    let n = conn.execute("INSERT INTO s_rowid (v) VALUES ('a')", ()).await.unwrap();
    assert_eq!(n, 1);
    assert_eq!(conn.changes(), 1);
    assert_eq!(conn.last_insert_rowid(), 1);

    let n = conn.execute("INSERT INTO s_rowid (v) VALUES ('b')", ()).await.unwrap();
    assert_eq!(n, 1);
    assert_eq!(conn.last_insert_rowid(), 2);

    // An explicit rowid beyond 2^53 must survive the trip as a string.
    let big = 9_007_199_254_740_993i64;
    conn.execute("INSERT INTO s_rowid (id, v) VALUES (?1, 'big')", [big]).await.unwrap();
    assert_eq!(conn.last_insert_rowid(), big);

    // Multi-row insert.
    let n = conn
        .execute("INSERT INTO s_rowid (id, v) VALUES (10, 'x'), (11, 'y'), (12, 'z')", ())
        .await
        .unwrap();
    assert_eq!(n, 3);
    assert_eq!(conn.changes(), 3);
    assert_eq!(conn.last_insert_rowid(), 12);

    // INSERT ... SELECT.
    let n = conn
        .execute("INSERT INTO s_rowid (v) SELECT v || '2' FROM s_rowid WHERE id >= 10 AND id < 100", ())
        .await
        .unwrap();
    assert_eq!(n, 3);
    assert_eq!(conn.last_insert_rowid(), big + 3);

    let n = conn.execute("UPDATE s_rowid SET v = upper(v) WHERE id >= 10 AND id <= 12", ()).await.unwrap();
    assert_eq!(n, 3);
    assert_eq!(conn.changes(), 3);

    let n = conn.execute("UPDATE s_rowid SET v = 'none' WHERE id = -5", ()).await.unwrap();
    assert_eq!(n, 0);
    assert_eq!(conn.changes(), 0);

    let n = conn.execute("DELETE FROM s_rowid WHERE id IN (1, 2)", ()).await.unwrap();
    assert_eq!(n, 2);
    assert_eq!(conn.changes(), 2);

    // Statements that change nothing report 0.
    let n = conn.execute("CREATE INDEX IF NOT EXISTS s_rowid_v ON s_rowid (v)", ()).await.unwrap();
    assert_eq!(n, 0);

    assert_eq!(scalar_i64(&conn, "SELECT count(*) FROM s_rowid").await, 7);
    let mut rows = conn.query("SELECT v FROM s_rowid WHERE id = ?1", [big]).await.unwrap();
    assert_eq!(rows.next().await.unwrap().unwrap().get::<String>(0).unwrap(), "big");
}

#[tokio::test]
async fn insert_returning() {
    let conn = connect().await;
    fresh_table(&conn, "s_returning", "id INTEGER PRIMARY KEY, v TEXT").await;
    let mut rows = conn
        .query("INSERT INTO s_returning (v) VALUES ('a'), ('b') RETURNING id, v", ())
        .await
        .unwrap();
    let mut got = Vec::new();
    while let Some(row) = rows.next().await.unwrap() {
        got.push((row.get::<i64>(0).unwrap(), row.get::<String>(1).unwrap()));
    }
    assert_eq!(got, vec![(1, "a".to_string()), (2, "b".to_string())]);
    assert_eq!(scalar_i64(&conn, "SELECT count(*) FROM s_returning").await, 2);
}

#[tokio::test]
async fn prepared_statement_queried_repeatedly() {
    let conn = connect().await;
    fresh_table(&conn, "s_prep", "id INTEGER PRIMARY KEY, v TEXT").await;

    let insert = conn.prepare("INSERT INTO s_prep (id, v) VALUES (?1, ?2)").await.unwrap();
    for i in 1..=20i64 {
        let n = insert.execute(params![i, format!("value {i}")]).await.unwrap();
        assert_eq!(n, 1);
    }

    let select = conn.prepare("SELECT id, v FROM s_prep WHERE id = ?1").await.unwrap();
    // The column list comes from the server's describe.
    let names: Vec<String> = select.columns().iter().map(|c| c.name().to_string()).collect();
    assert_eq!(names, ["id", "v"]);
    assert_eq!(select.column_count(), 2);

    for i in [5i64, 1, 20, 13, 5] {
        let mut rows = select.query([i]).await.unwrap();
        let row = rows.next().await.unwrap().expect("row");
        assert_eq!(row.get::<i64>(0).unwrap(), i);
        assert_eq!(row.get::<String>(1).unwrap(), format!("value {i}"));
        assert!(rows.next().await.unwrap().is_none());
    }
    // No match: no rows, and the statement still works afterwards.
    let mut rows = select.query([999]).await.unwrap();
    assert!(rows.next().await.unwrap().is_none());
    let mut rows = select.query([2]).await.unwrap();
    assert_eq!(rows.next().await.unwrap().unwrap().get::<String>(1).unwrap(), "value 2");

    let count = conn.prepare("SELECT count(*), sum(id) FROM s_prep WHERE id > ?1").await.unwrap();
    for (after, n, sum) in [(0i64, 20i64, 210i64), (10, 10, 155), (19, 1, 20)] {
        let mut rows = count.query([after]).await.unwrap();
        let row = rows.next().await.unwrap().unwrap();
        assert_eq!(row.get::<i64>(0).unwrap(), n);
        assert_eq!(row.get::<i64>(1).unwrap(), sum);
    }
}

#[tokio::test]
async fn prepare_with_invalid_sql_fails() {
    let conn = connect().await;
    // `prepare` asks the server to describe the statement first.
    assert_err_contains(conn.prepare("SELEC 1").await, &["syntax error"]);
    assert_err_contains(conn.prepare("SELECT * FROM s_no_such_table").await, &["no such table"]);
    // The connection is still usable.
    assert_eq!(scalar_i64(&conn, "SELECT 41 + 1").await, 42);
}

#[tokio::test]
async fn is_autocommit_follows_begin_and_commit_on_the_connection() {
    // The crate tracks autocommit from the server's `get_autocommit` answers, which
    // it requests after every statement; it keeps the Hrana stream open only while
    // the server says a transaction is open.
    let conn = connect().await;
    let other = connect().await;
    fresh_table(&conn, "s_autocommit", "id INTEGER PRIMARY KEY").await;
    assert!(conn.is_autocommit());

    conn.execute("BEGIN", ()).await.unwrap();
    assert!(!conn.is_autocommit(), "after BEGIN");
    conn.execute("INSERT INTO s_autocommit VALUES (1)", ()).await.unwrap();
    assert!(!conn.is_autocommit(), "after an INSERT inside the transaction");
    conn.execute("INSERT INTO s_autocommit VALUES (2)", ()).await.unwrap();
    // Inside the transaction the rows are visible on this connection only.
    assert_eq!(scalar_i64(&conn, "SELECT count(*) FROM s_autocommit").await, 2);
    assert!(!conn.is_autocommit(), "after a query inside the transaction");
    assert_eq!(scalar_i64(&other, "SELECT count(*) FROM s_autocommit").await, 0);
    conn.execute("COMMIT", ()).await.unwrap();
    assert!(conn.is_autocommit(), "after COMMIT");
    assert_eq!(scalar_i64(&other, "SELECT count(*) FROM s_autocommit").await, 2);

    conn.execute("BEGIN IMMEDIATE", ()).await.unwrap();
    assert!(!conn.is_autocommit(), "after BEGIN IMMEDIATE");
    conn.execute("DELETE FROM s_autocommit", ()).await.unwrap();
    assert_eq!(scalar_i64(&conn, "SELECT count(*) FROM s_autocommit").await, 0);
    conn.execute("ROLLBACK", ()).await.unwrap();
    assert!(conn.is_autocommit(), "after ROLLBACK");
    assert_eq!(scalar_i64(&conn, "SELECT count(*) FROM s_autocommit").await, 2);
    assert_eq!(scalar_i64(&other, "SELECT count(*) FROM s_autocommit").await, 2);
}
