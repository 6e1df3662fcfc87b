//! Bad input: each failure is a clear error carrying SQLite's code and message.

use basalt_engine::{Connection, Error, OpenOptions, Params};

use crate::TempDb;

fn sqlite_err(result: Result<impl std::fmt::Debug, Error>) -> basalt_engine::SqliteError {
    match result.unwrap_err() {
        Error::Sqlite(e) => e,
        other => panic!("expected a SQLite error, got {other:?}"),
    }
}

#[test]
fn invalid_sql_and_missing_table() {
    let c = Connection::open_in_memory().unwrap();
    let e = sqlite_err(c.execute("SELEC 1", &Params::None));
    assert_eq!(e.code_name(), "SQLITE_ERROR");
    assert_eq!(e.message, "near \"SELEC\": syntax error");
    assert_eq!(e.offset, Some(0));
    let e = sqlite_err(c.execute("SELECT * FROM missing", &Params::None));
    assert_eq!(e.message, "no such table: missing");
}

#[test]
fn constraint_violations_keep_extended_codes() {
    let c = Connection::open_in_memory().unwrap();
    c.execute_batch(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, u UNIQUE, n NOT NULL, k CHECK (k > 0))",
    )
    .unwrap();
    c.execute_batch("INSERT INTO t VALUES (1, 1, 1, 1)")
        .unwrap();
    let cases = [
        (
            "INSERT INTO t VALUES (1, 2, 1, 1)",
            "SQLITE_CONSTRAINT_PRIMARYKEY",
            "UNIQUE constraint failed: t.id",
        ),
        (
            "INSERT INTO t VALUES (2, 1, 1, 1)",
            "SQLITE_CONSTRAINT_UNIQUE",
            "UNIQUE constraint failed: t.u",
        ),
        (
            "INSERT INTO t VALUES (2, 2, NULL, 1)",
            "SQLITE_CONSTRAINT_NOTNULL",
            "NOT NULL constraint failed: t.n",
        ),
        (
            "INSERT INTO t VALUES (2, 2, 1, 0)",
            "SQLITE_CONSTRAINT_CHECK",
            "CHECK constraint failed: k > 0",
        ),
    ];
    for (sql, name, message) in cases {
        let e = sqlite_err(c.execute(sql, &Params::None));
        assert_eq!(e.code_name(), "SQLITE_CONSTRAINT", "{sql}");
        assert_eq!(e.extended_code_name(), name, "{sql}");
        assert_eq!(e.message, message, "{sql}");
    }
}

#[test]
fn empty_and_multiple_statements() {
    let c = Connection::open_in_memory().unwrap();
    assert_eq!(
        c.execute("  -- nothing\n", &Params::None).unwrap_err(),
        Error::EmptyStatement
    );
    assert_eq!(
        c.execute("SELECT 1; SELECT 2", &Params::None).unwrap_err(),
        Error::MultipleStatements
    );
    // A trailing semicolon or comment is still one statement.
    assert!(c.execute("SELECT 1; -- fine", &Params::None).is_ok());
}

#[test]
fn a_file_that_is_not_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("junk.db");
    std::fs::write(&path, vec![b'x'; 8192]).unwrap();
    let e = sqlite_err(Connection::open(&path, &OpenOptions::default()));
    assert_eq!(e.code_name(), "SQLITE_NOTADB");
    assert!(e.message.contains("junk.db"), "{}", e.message);
    // The file is left untouched.
    assert_eq!(std::fs::read(&path).unwrap(), vec![b'x'; 8192]);
}

#[test]
fn a_path_in_a_missing_directory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no/such/dir/x.db");
    let e = sqlite_err(Connection::open(&path, &OpenOptions::default()));
    assert_eq!(e.code_name(), "SQLITE_CANTOPEN");
    assert!(e.message.contains("no/such/dir/x.db"), "{}", e.message);
}

#[test]
fn a_read_only_connection_refuses_writes() {
    let db = TempDb::new();
    db.conn
        .execute_batch("CREATE TABLE t(a); INSERT INTO t VALUES (1);")
        .unwrap();
    let ro = Connection::open(db.path(), &OpenOptions::read_only()).unwrap();
    let e = sqlite_err(ro.execute("INSERT INTO t VALUES (2)", &Params::None));
    assert_eq!(e.code_name(), "SQLITE_READONLY");
    assert_eq!(
        ro.execute("SELECT count(*) FROM t", &Params::None)
            .unwrap()
            .rows
            .len(),
        1
    );
}
