//! Running statements and scripts: results, effects, transactions, interrupts.

use std::time::Duration;

use basalt_engine::{Connection, OpenOptions, Params, Value};

use crate::{TempDb, scalar};

#[test]
fn results_carry_columns_types_and_values() {
    let db = TempDb::new();
    let c = &db.conn;
    c.execute_batch("CREATE TABLE t(i INTEGER, r REAL, s TEXT, b BLOB, n)")
        .unwrap();
    let ins = c
        .execute(
            "INSERT INTO t VALUES (?, ?, ?, ?, ?)",
            &Params::Positional(vec![
                Value::Integer(-42),
                Value::Real(2.5),
                Value::Text("héllo".into()),
                Value::Blob(vec![0, 1, 255]),
                Value::Null,
            ]),
        )
        .unwrap();
    assert_eq!(ins.rows_affected, 1);
    assert_eq!(ins.last_insert_rowid, 1);
    assert!(!ins.readonly);
    let res = c
        .execute("SELECT i, r, s, b, n, i + 1 AS e FROM t", &Params::None)
        .unwrap();
    let names: Vec<_> = res.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["i", "r", "s", "b", "n", "e"]);
    let types: Vec<_> = res.columns.iter().map(|c| c.decltype.as_deref()).collect();
    assert_eq!(
        types,
        [
            Some("INTEGER"),
            Some("REAL"),
            Some("TEXT"),
            Some("BLOB"),
            None,
            None
        ]
    );
    assert_eq!(
        res.rows,
        vec![vec![
            Value::Integer(-42),
            Value::Real(2.5),
            Value::Text("héllo".into()),
            Value::Blob(vec![0, 1, 255]),
            Value::Null,
            Value::Integer(-41),
        ]]
    );
    assert!(res.readonly);
    assert_eq!(res.rows_affected, 0);
}

#[test]
fn rows_affected_counts_only_this_statement() {
    let c = Connection::open_in_memory().unwrap();
    c.execute_batch("CREATE TABLE t(a); INSERT INTO t VALUES (1), (2), (3);")
        .unwrap();
    assert_eq!(
        c.execute("UPDATE t SET a = a + 1 WHERE a > 1", &Params::None)
            .unwrap()
            .rows_affected,
        2
    );
    // DDL after DML reports 0, not the previous statement's count.
    assert_eq!(
        c.execute("CREATE TABLE u(x)", &Params::None)
            .unwrap()
            .rows_affected,
        0
    );
    assert_eq!(
        c.execute("DELETE FROM t", &Params::None)
            .unwrap()
            .rows_affected,
        3
    );
}

#[test]
fn scripts_run_every_statement_and_stop_at_the_first_error() {
    let c = Connection::open_in_memory().unwrap();
    let mut seen = Vec::new();
    c.execute_script(
        "CREATE TABLE t(a); INSERT INTO t VALUES (1); SELECT a FROM t; -- done",
        |r| {
            seen.push(r.rows.len());
            Ok(())
        },
    )
    .unwrap();
    assert_eq!(seen, [0, 0, 1]);
    let err = c.execute_batch(
        "INSERT INTO t VALUES (2); INSERT INTO nope VALUES (1); INSERT INTO t VALUES (3);",
    );
    assert!(err.unwrap_err().to_string().contains("no such table: nope"));
    assert_eq!(
        scalar(&c, "SELECT group_concat(a) FROM t"),
        Value::Text("1,2".into())
    );
}

#[test]
fn transactions_and_autocommit() {
    let db = TempDb::new();
    let c = &db.conn;
    c.execute_batch("CREATE TABLE t(a UNIQUE)").unwrap();
    assert!(c.is_autocommit());
    c.execute_batch("BEGIN; INSERT INTO t VALUES (1);").unwrap();
    assert!(!c.is_autocommit());
    // A failed statement inside a transaction leaves earlier work in place, as SQLite does.
    assert!(
        c.execute("INSERT INTO t VALUES (1)", &Params::None)
            .is_err()
    );
    assert!(!c.is_autocommit());
    c.execute_batch("INSERT INTO t VALUES (2); COMMIT;")
        .unwrap();
    assert!(c.is_autocommit());
    // Another connection sees the committed rows.
    let other = Connection::open(db.path(), &OpenOptions::default()).unwrap();
    assert_eq!(scalar(&other, "SELECT count(*) FROM t"), Value::Integer(2));
    c.execute_batch("BEGIN; DELETE FROM t; ROLLBACK;").unwrap();
    assert_eq!(scalar(&other, "SELECT count(*) FROM t"), Value::Integer(2));
}

#[test]
fn streaming_rows_can_stop_early() {
    let c = Connection::open_in_memory().unwrap();
    let mut n = 0;
    let err = c
        .query_with(
            "WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s) SELECT x FROM s",
            &Params::None,
            |_| {
                n += 1;
                if n == 10 {
                    Err(basalt_engine::Error::EmptyStatement)
                } else {
                    Ok(())
                }
            },
        )
        .unwrap_err();
    assert_eq!(err, basalt_engine::Error::EmptyStatement);
    assert_eq!(n, 10);
    // The cached statement was reset and runs again.
    assert_eq!(scalar(&c, "SELECT 5"), Value::Integer(5));
}

#[test]
fn a_long_query_can_be_interrupted_from_another_thread() {
    let c = Connection::open_in_memory().unwrap();
    let handle = c.interrupt_handle();
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        handle.interrupt();
    });
    let err = c
        .execute(
            "WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s) SELECT count(*) FROM s",
            &Params::None,
        )
        .unwrap_err();
    stopper.join().unwrap();
    assert_eq!(err.sqlite().unwrap().code_name(), "SQLITE_INTERRUPT");
    // The connection keeps working afterwards.
    assert_eq!(scalar(&c, "SELECT 1"), Value::Integer(1));
}

#[test]
fn describe_reports_parameters_and_columns_without_running() {
    let c = Connection::open_in_memory().unwrap();
    c.execute_batch("CREATE TABLE t(a INTEGER, b TEXT)")
        .unwrap();
    let info = c
        .describe("SELECT a, b FROM t WHERE a = ? AND b = :name")
        .unwrap();
    assert_eq!(info.params, [None, Some(":name".to_string())]);
    assert_eq!(info.columns.len(), 2);
    assert!(info.readonly);
    assert!(!info.is_explain);
    assert!(!c.describe("DELETE FROM t").unwrap().readonly);
    assert!(c.describe("EXPLAIN SELECT 1").unwrap().is_explain);
}

#[test]
fn cached_statements_follow_schema_changes_from_other_connections() {
    // Regression: the width and columns of a cached statement were read before SQLite
    // re-prepared it, so `SELECT *` kept returning the old number of columns.
    let db = TempDb::new();
    db.conn
        .execute_batch("CREATE TABLE t(a); INSERT INTO t VALUES (1);")
        .unwrap();
    assert_eq!(
        db.conn
            .execute("SELECT * FROM t", &Params::None)
            .unwrap()
            .rows[0]
            .len(),
        1
    );
    let other = Connection::open(db.path(), &OpenOptions::default()).unwrap();
    other
        .execute_batch("ALTER TABLE t ADD COLUMN b TEXT DEFAULT 'x'")
        .unwrap();
    let result = db.conn.execute("SELECT * FROM t", &Params::None).unwrap();
    assert_eq!(result.rows[0], [Value::Integer(1), Value::Text("x".into())]);
    assert_eq!(result.columns.len(), 2);
    assert_eq!(result.columns[1].decltype.as_deref(), Some("TEXT"));
    let info = db.conn.describe("SELECT * FROM t").unwrap();
    assert_eq!(info.columns.len(), 2);
}
