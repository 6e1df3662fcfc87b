//! Errors come back as `Err` with the server's code and message, and the
//! connection stays usable afterwards.

use crate::common::*;
use libsql::params;

#[tokio::test]
async fn syntax_errors_are_errors() {
    let conn = connect().await;
    // `query` goes through `prepare`, which asks the server to describe the SQL.
    // SQLite's own messages, reported as SQL_INPUT_ERROR (as sqld's describe does).
    assert_err_contains(conn.query("SELEC 1", ()).await, &["SQL_INPUT_ERROR", "SELEC", "syntax error"]);
    assert_err_contains(conn.query("SELECT 1 +", ()).await, &["SQL_INPUT_ERROR", "incomplete input"]);
    // `execute` parses the SQL in the client first, so this one may never reach the
    // server; it must be an error either way.
    assert!(conn.execute("SELEC 1", ()).await.is_err());
    assert_eq!(scalar_i64(&conn, "SELECT 7").await, 7);
}

#[tokio::test]
async fn sqlite_errors_from_execute_carry_the_server_code() {
    let conn = connect().await;
    // Valid syntax, but SQLite rejects it while preparing: the server's error,
    // with generic SQLITE_ERROR reported as SQLITE_UNKNOWN (as sqld does).
    assert_err_contains(
        conn.execute("INSERT INTO e_no_such_table VALUES (1)", ()).await,
        &["SQLITE_UNKNOWN", "no such table: e_no_such_table"],
    );
    assert_err_contains(
        conn.execute("SELECT e_no_such_function(1)", ()).await,
        &["SQLITE_UNKNOWN", "no such function: e_no_such_function"],
    );
    assert_eq!(scalar_i64(&conn, "SELECT 8").await, 8);
}

#[tokio::test]
async fn constraint_violations_are_errors_and_connection_stays_usable() {
    let conn = connect().await;
    fresh_table(
        &conn,
        "e_cons",
        "id INTEGER PRIMARY KEY, email TEXT UNIQUE, n INTEGER NOT NULL CHECK (n > 0)",
    )
    .await;
    conn.execute("INSERT INTO e_cons VALUES (1, 'a@x', 1)", ()).await.unwrap();

    assert_err_contains(
        conn.execute("INSERT INTO e_cons VALUES (1, 'b@x', 1)", ()).await,
        &["SQLITE_CONSTRAINT", "UNIQUE constraint failed: e_cons.id"],
    );
    assert_err_contains(
        conn.execute("INSERT INTO e_cons VALUES (?1, ?2, ?3)", params![2, "a@x", 1]).await,
        &["SQLITE_CONSTRAINT", "UNIQUE constraint failed: e_cons.email"],
    );
    assert_err_contains(
        conn.execute("INSERT INTO e_cons VALUES (3, 'c@x', NULL)", ()).await,
        &["SQLITE_CONSTRAINT", "NOT NULL constraint failed: e_cons.n"],
    );
    assert_err_contains(
        conn.execute("UPDATE e_cons SET n = 0 WHERE id = 1", ()).await,
        &["SQLITE_CONSTRAINT", "CHECK constraint failed"],
    );

    // Still usable: a write and a read on the same connection.
    let n = conn.execute("INSERT INTO e_cons VALUES (4, 'd@x', 4)", ()).await.unwrap();
    assert_eq!(n, 1);
    assert_eq!(conn.last_insert_rowid(), 4);
    let mut rows = conn.query("SELECT id, n FROM e_cons ORDER BY id", ()).await.unwrap();
    let mut got = Vec::new();
    while let Some(row) = rows.next().await.unwrap() {
        got.push((row.get::<i64>(0).unwrap(), row.get::<i64>(1).unwrap()));
    }
    assert_eq!(got, vec![(1, 1), (4, 4)]);
}

#[tokio::test]
async fn prepared_statement_survives_a_failed_execution() {
    let conn = connect().await;
    fresh_table(&conn, "e_prep", "id INTEGER PRIMARY KEY").await;
    let insert = conn.prepare("INSERT INTO e_prep VALUES (?1)").await.unwrap();
    insert.execute([1]).await.unwrap();
    assert_err_contains(insert.execute([1]).await, &["SQLITE_CONSTRAINT"]);
    insert.execute([2]).await.unwrap();
    assert_eq!(scalar_i64(&conn, "SELECT count(*) FROM e_prep").await, 2);
}

#[tokio::test]
async fn runtime_error_while_reading_rows() {
    let conn = connect().await;
    // Prepares fine, fails while stepping: over /v3/cursor the error arrives
    // in-band, after the step has begun.
    let result = async {
        let mut rows = conn.query("SELECT abs(-9223372036854775807 - 1)", ()).await?;
        rows.next().await.map(|row| row.is_some())
    }
    .await;
    assert_err_contains(result, &["integer overflow"]);

    let result = async {
        let mut rows = conn
            .query("SELECT json(x) FROM (SELECT '{\"ok\": 1}' AS x UNION ALL SELECT '{bad')", ())
            .await?;
        let mut n = 0;
        while rows.next().await?.is_some() {
            n += 1;
        }
        Ok(n)
    }
    .await;
    assert_err_contains(result, &["malformed JSON"]);

    assert_eq!(scalar_i64(&conn, "SELECT 9").await, 9);
}

#[tokio::test]
async fn execute_batch_stops_at_the_first_failing_statement() {
    let conn = connect().await;
    fresh_table(&conn, "e_batch", "id INTEGER PRIMARY KEY").await;
    // The crate chains the statements with `ok(previous step)` conditions: the
    // first one runs, the duplicate fails, and the last one is skipped.
    let res = conn
        .execute_batch(
            "INSERT INTO e_batch VALUES (1);
             INSERT INTO e_batch VALUES (1);
             INSERT INTO e_batch VALUES (3);",
        )
        .await;
    assert_err_contains(res, &["UNIQUE constraint failed: e_batch.id"]);
    let mut rows = conn.query("SELECT id FROM e_batch ORDER BY id", ()).await.unwrap();
    assert_eq!(rows.next().await.unwrap().unwrap().get::<i64>(0).unwrap(), 1);
    assert!(rows.next().await.unwrap().is_none(), "the step after the failing one ran");
}
