//! libSQL's SQL extensions through the engine's statement front-end: ALTER TABLE …
//! ALTER COLUMN (and Basalt's CHECK EXISTING), CREATE TABLE … RANDOM ROWID, BEGIN
//! READONLY, on real files.

use basalt_engine::{Connection, Error, OpenOptions, Params, Value};

use crate::{TempDb, scalar};

fn run(c: &Connection, sql: &str) {
    c.execute(sql, &Params::None)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

fn schema_sql(c: &Connection, name: &str) -> String {
    match c
        .execute(
            "SELECT sql FROM sqlite_schema WHERE name = ?1",
            &Params::Positional(vec![Value::Text(name.into())]),
        )
        .unwrap()
        .rows[0][0]
        .clone()
    {
        Value::Text(s) => s,
        other => panic!("{other:?}"),
    }
}

fn err(c: &Connection, sql: &str) -> basalt_engine::SqliteError {
    match c.execute(sql, &Params::None) {
        Err(Error::Sqlite(e)) => e,
        other => panic!("{sql}: expected an SQLite error, got {other:?}"),
    }
}

/// Everything in sqlite_schema plus every row of `table`: "exactly as before" checks.
fn snapshot(c: &Connection, table: &str) -> (Vec<Vec<Value>>, Vec<Vec<Value>>) {
    let schema = c
        .execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name",
            &Params::None,
        )
        .unwrap()
        .rows;
    let rows = c
        .execute(
            &format!("SELECT rowid, * FROM {table} ORDER BY rowid"),
            &Params::None,
        )
        .unwrap()
        .rows;
    (schema, rows)
}

#[test]
fn alter_column_replaces_the_definition_as_libsql_does() {
    // The exchange in HRANA-TRANSCRIPTS.md §11.
    let db = TempDb::new();
    let c = &db.conn;
    run(c, "CREATE TABLE ac (a INTEGER, b TEXT)");
    run(c, "INSERT INTO ac VALUES (0, NULL)");
    let result = c
        .execute(
            "ALTER TABLE ac ALTER COLUMN b TO b TEXT NOT NULL DEFAULT 'dflt'",
            &Params::None,
        )
        .unwrap();
    assert_eq!(result.rows_affected, 0);
    assert!(result.columns.is_empty() && !result.readonly);
    assert_eq!(
        schema_sql(c, "ac"),
        "CREATE TABLE ac (a INTEGER, b TEXT NOT NULL DEFAULT 'dflt')"
    );
    run(c, "INSERT INTO ac (a) VALUES (1)");
    let e = err(c, "INSERT INTO ac (a, b) VALUES (2, NULL)");
    assert_eq!(e.message, "NOT NULL constraint failed: ac.b");
    assert_eq!(e.code_name(), "SQLITE_CONSTRAINT");
    let rows = c
        .execute("SELECT a, b FROM ac ORDER BY a", &Params::None)
        .unwrap()
        .rows;
    // The existing row is kept as it is.
    assert_eq!(
        rows,
        vec![
            vec![Value::Integer(0), Value::Null],
            vec![Value::Integer(1), Value::Text("dflt".into())]
        ]
    );
    run(
        c,
        "ALTER TABLE ac ALTER COLUMN a TO a INTEGER CHECK (a > 0);",
    );
    assert_eq!(
        schema_sql(c, "ac"),
        "CREATE TABLE ac (a INTEGER CHECK (a > 0), b TEXT NOT NULL DEFAULT 'dflt')"
    );
    let info = c.describe("SELECT a, b FROM ac").unwrap();
    assert_eq!(info.columns[0].decltype.as_deref(), Some("INTEGER"));
    run(c, "ALTER TABLE ac ALTER COLUMN A TO a REAL");
    assert_eq!(
        c.describe("SELECT a FROM ac").unwrap().columns[0]
            .decltype
            .as_deref(),
        Some("REAL")
    );
}

#[test]
fn alter_column_errors_match_libsql() {
    let db = TempDb::new();
    let c = &db.conn;
    run(
        c,
        "CREATE TABLE ac (a INTEGER, b TEXT, d TEXT UNIQUE, e INTEGER PRIMARY KEY, g AS (a + 1))",
    );
    run(c, "CREATE VIEW v AS SELECT 1 AS x");
    run(c, "CREATE VIRTUAL TABLE f USING fts5(x)");
    let before = snapshot(c, "ac");
    let cases: &[(&str, &str, Option<usize>)] = &[
        (
            "ALTER TABLE ac ALTER COLUMN a TO a2 INTEGER",
            "UPDATE cannot also rename column: \"a\" to \"a2\". Use ALTER TABLE RENAME instead",
            Some(28),
        ),
        (
            "ALTER TABLE ac ALTER COLUMN \"a\" TO a INTEGER",
            "UPDATE cannot also rename column: \"\"a\"\" to \"a\". Use ALTER TABLE RENAME instead",
            Some(28),
        ),
        (
            "ALTER TABLE ac ALTER COLUMN zz TO zz INTEGER",
            "no such column: \"zz\"",
            Some(28),
        ),
        (
            "ALTER TABLE nope ALTER COLUMN a TO a TEXT",
            "no such table: nope",
            None,
        ),
        (
            "ALTER TABLE v ALTER COLUMN x TO x INT",
            "cannot rename columns of view \"v\"",
            None,
        ),
        (
            "ALTER TABLE f ALTER COLUMN x TO x INT",
            "cannot rename columns of virtual table \"f\"",
            None,
        ),
        (
            "ALTER TABLE ac ALTER COLUMN b TO b TEXT UNIQUE",
            "error in adding b TEXT UNIQUE to ac: UNIQUE constraint cannot be altered",
            None,
        ),
        (
            "ALTER TABLE ac ALTER COLUMN d TO d TEXT",
            "error in adding d TEXT to ac: UNIQUE constraint cannot be altered",
            None,
        ),
        (
            "ALTER TABLE ac ALTER COLUMN e TO e INTEGER",
            "error in adding e INTEGER to ac: PRIMARY KEY constraint cannot be altered",
            None,
        ),
        (
            "ALTER TABLE ac ALTER COLUMN a TO a INTEGER AS (1)",
            "error in adding a INTEGER AS (1) to ac: GENERATED constraint cannot be altered",
            None,
        ),
        (
            "ALTER TABLE ac ALTER COLUMN g TO g",
            "error in adding g to ac: GENERATED constraint cannot be altered",
            None,
        ),
        (
            "ALTER TABLE ac ALTER a TO a TEXT",
            "near \"a\": syntax error",
            Some(21),
        ),
        ("ALTER TABLE ac ALTER COLUMN a TO", "incomplete input", None),
        (
            "ALTER TABLE ac ALTER COLUMN a TO a NOT NULL NOT",
            "incomplete input",
            None,
        ),
        (
            "ALTER TABLE ac ALTER COLUMN a TO a TEXT CHECK (zz > 0)",
            "no such column: zz",
            None,
        ),
    ];
    for (sql, message, offset) in cases {
        let e = err(c, sql);
        assert_eq!(&e.message, message, "{sql}");
        assert_eq!(e.primary_code(), 1, "{sql}");
        if offset.is_some() {
            assert_eq!(e.offset, *offset, "{sql}");
        }
        // describe reports the same error without running anything.
        assert_eq!(
            c.describe(sql).unwrap_err().sqlite().unwrap().message,
            *message,
            "{sql}"
        );
        assert_eq!(snapshot(c, "ac"), before, "{sql} changed something");
    }
    // A generated column's expression and type may change; an unknown collation is fine.
    run(c, "ALTER TABLE ac ALTER COLUMN g TO g TEXT AS (a + 2)");
    run(c, "ALTER TABLE ac ALTER COLUMN b TO b TEXT COLLATE nosuch");
    assert!(c.is_autocommit());
}

#[test]
fn definitions_with_commas_are_handled_unlike_libsql() {
    // libSQL cuts the old definition at its first comma (LIBSQL-SURFACE.md §10.1).
    let db = TempDb::new();
    let c = &db.conn;
    run(
        c,
        "CREATE TABLE m (id INTEGER PRIMARY KEY, price DECIMAL(10,2), k INT CHECK (k IN (1,2)), s TEXT DEFAULT 'x,y' /* a, comment */, \"odd,name\" TEXT)",
    );
    run(
        c,
        "ALTER TABLE m ALTER COLUMN price TO price DECIMAL(12,3) NOT NULL DEFAULT 0",
    );
    run(
        c,
        "ALTER TABLE m ALTER COLUMN k TO k INT CHECK (k IN (1,2,3))",
    );
    run(c, "ALTER TABLE m ALTER COLUMN s TO s TEXT DEFAULT 'p,q'");
    run(
        c,
        "ALTER TABLE m ALTER COLUMN \"odd,name\" TO \"odd,name\" BLOB",
    );
    assert_eq!(
        schema_sql(c, "m"),
        "CREATE TABLE m (id INTEGER PRIMARY KEY, price DECIMAL(12,3) NOT NULL DEFAULT 0, k INT CHECK (k IN (1,2,3)), s TEXT DEFAULT 'p,q' /* a, comment */, \"odd,name\" BLOB)"
    );
    run(c, "INSERT INTO m (k) VALUES (3)");
    assert_eq!(
        c.execute("SELECT price, k, s FROM m", &Params::None)
            .unwrap()
            .rows,
        vec![vec![
            Value::Integer(0),
            Value::Integer(3),
            Value::Text("p,q".into())
        ]]
    );
    assert_eq!(
        scalar(c, "PRAGMA integrity_check"),
        Value::Text("ok".into())
    );
}

#[test]
fn other_connections_see_the_new_schema() {
    let db = TempDb::new();
    let a = &db.conn;
    let b = Connection::open(db.path(), &OpenOptions::default()).unwrap();
    run(a, "CREATE TABLE t (x INTEGER, y TEXT)");
    // b caches the schema (and a prepared statement) before the change.
    assert_eq!(
        b.describe("SELECT y FROM t").unwrap().columns[0]
            .decltype
            .as_deref(),
        Some("TEXT")
    );
    run(
        a,
        "ALTER TABLE t ALTER COLUMN y TO y BLOB NOT NULL DEFAULT x'00'",
    );
    // b's next statement sees the bumped schema cookie and reloads the schema.
    let e = err(&b, "INSERT INTO t VALUES (1, NULL)");
    assert_eq!(e.message, "NOT NULL constraint failed: t.y");
    // (A statement text already in b's prepared-statement cache keeps describing the
    // old columns until it runs once: SQLite re-prepares on step, not on describe. That
    // holds for any schema change made by another connection; see the report.)
    assert_eq!(
        b.describe("SELECT y FROM t WHERE 1").unwrap().columns[0]
            .decltype
            .as_deref(),
        Some("BLOB")
    );
    run(&b, "INSERT INTO t (x) VALUES (1)");
    // A connection opened afterwards too, and the file still opens in plain SQLite terms.
    drop(b);
    let c = Connection::open(db.path(), &OpenOptions::default()).unwrap();
    assert_eq!(scalar(&c, "SELECT hex(y) FROM t"), Value::Text("00".into()));
    assert_eq!(
        scalar(&c, "PRAGMA integrity_check"),
        Value::Text("ok".into())
    );
}

#[test]
fn indexes_views_and_triggers_keep_working() {
    let db = TempDb::new();
    let c = &db.conn;
    c.execute_batch(
        "CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT);
         CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, pid INTEGER);
         CREATE INDEX t_v ON t(v);
         CREATE VIEW tv AS SELECT id, upper(v) AS uv FROM t;
         CREATE TABLE log (msg TEXT);
         CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN INSERT INTO log VALUES ('ins ' || NEW.v); END;
         INSERT INTO p VALUES (1, 'one');
         INSERT INTO t (v, pid) VALUES ('a', 1), ('b', 1);",
    )
    .unwrap();
    run(
        c,
        "ALTER TABLE t ALTER COLUMN v TO v TEXT COLLATE NOCASE NOT NULL",
    );
    run(
        c,
        "ALTER TABLE t ALTER COLUMN pid TO pid INTEGER REFERENCES p(id)",
    );
    run(c, "INSERT INTO t (v, pid) VALUES ('C', 1)");
    assert_eq!(
        scalar(
            c,
            "SELECT group_concat(uv, ',') FROM (SELECT uv FROM tv ORDER BY id)"
        ),
        Value::Text("A,B,C".into())
    );
    assert_eq!(scalar(c, "SELECT count(*) FROM log"), Value::Integer(3));
    // The index was rebuilt for the new collation: lookups use it and find 'c'.
    assert_eq!(
        scalar(c, "SELECT count(*) FROM t INDEXED BY t_v WHERE v = 'c'"),
        Value::Integer(1)
    );
    assert_eq!(
        scalar(c, "PRAGMA integrity_check"),
        Value::Text("ok".into())
    );
    let e = err(c, "INSERT INTO t (v, pid) VALUES ('d', 99)");
    assert_eq!(e.message, "FOREIGN KEY constraint failed");
}

#[test]
fn failures_and_rollbacks_leave_everything_as_before() {
    let db = TempDb::new();
    let c = &db.conn;
    c.execute_batch(
        "CREATE TABLE t (a INTEGER, b TEXT); INSERT INTO t VALUES (1, 'x'), (2, NULL);",
    )
    .unwrap();
    let before = snapshot(c, "t");
    let version = scalar(c, "PRAGMA schema_version");
    // Inside the caller's transaction the change runs in a savepoint and rolls back with it.
    run(c, "BEGIN");
    run(c, "ALTER TABLE t ALTER COLUMN b TO b TEXT NOT NULL");
    assert!(schema_sql(c, "t").contains("NOT NULL"));
    run(c, "ROLLBACK");
    assert_eq!(snapshot(c, "t"), before);
    assert_eq!(scalar(c, "PRAGMA schema_version"), version);
    // A failing change inside a transaction does not end it and leaves the rest in place.
    run(c, "BEGIN");
    run(c, "INSERT INTO t VALUES (3, 'y')");
    err(
        c,
        "ALTER TABLE t ALTER COLUMN b TO b TEXT NOT NULL CHECK EXISTING",
    );
    assert!(!c.is_autocommit());
    assert_eq!(scalar(c, "SELECT count(*) FROM t"), Value::Integer(3));
    run(c, "ROLLBACK");
    assert_eq!(snapshot(c, "t"), before);
    assert_eq!(scalar(c, "PRAGMA schema_version"), version);
}

#[test]
fn check_existing_refuses_rows_that_break_the_new_definition() {
    let db = TempDb::new();
    let c = &db.conn;
    c.execute_batch(
        "CREATE TABLE t (a INTEGER, b TEXT);
         INSERT INTO t VALUES (1, 'x'), (-5, 'y'), (7, NULL);
         CREATE TABLE w (k TEXT PRIMARY KEY, v INT) WITHOUT ROWID;
         INSERT INTO w VALUES ('a', 1), ('b', NULL);
         CREATE TABLE p (id INTEGER PRIMARY KEY);
         INSERT INTO p VALUES (1);",
    )
    .unwrap();
    let before = snapshot(c, "t");
    let e = err(
        c,
        "ALTER TABLE t ALTER COLUMN b TO b TEXT NOT NULL CHECK EXISTING",
    );
    assert_eq!(
        e.message,
        "NOT NULL constraint failed: t.b (existing row: rowid 3)"
    );
    assert_eq!(e.extended_code_name(), "SQLITE_CONSTRAINT_NOTNULL");
    let e = err(
        c,
        "ALTER TABLE t ALTER COLUMN a TO a INTEGER CHECK (a > 0) CHECK EXISTING",
    );
    assert_eq!(
        e.message,
        "CHECK constraint failed: a > 0 (existing row: rowid 2)"
    );
    assert_eq!(e.extended_code_name(), "SQLITE_CONSTRAINT_CHECK");
    let e = err(
        c,
        "ALTER TABLE t ALTER COLUMN a TO a INTEGER REFERENCES p(id) CHECK EXISTING",
    );
    assert!(e.message.contains("existing row: rowid 2"), "{}", e.message);
    assert_eq!(e.extended_code_name(), "SQLITE_CONSTRAINT_FOREIGNKEY");
    let e = err(
        c,
        "ALTER TABLE w ALTER COLUMN v TO v INT NOT NULL CHECK EXISTING",
    );
    assert_eq!(
        e.message,
        "NOT NULL constraint failed: w.v (existing row: primary key ('b'))"
    );
    assert_eq!(snapshot(c, "t"), before);
    // Without the suffix the libSQL behaviour stays: the change goes through.
    run(c, "ALTER TABLE t ALTER COLUMN b TO b TEXT NOT NULL");
    // With the suffix and clean data it goes through too, and the suffix is not stored.
    run(
        c,
        "ALTER TABLE t ALTER COLUMN a TO a INTEGER CHECK (a > -10) CHECK EXISTING",
    );
    assert_eq!(
        schema_sql(c, "t"),
        "CREATE TABLE t (a INTEGER CHECK (a > -10), b TEXT NOT NULL)"
    );
}

#[test]
fn concurrent_alters_from_two_connections_both_apply() {
    let db = TempDb::new();
    run(&db.conn, "CREATE TABLE t (a INTEGER, b INTEGER, c INTEGER)");
    let path = db.path();
    let threads: Vec<_> = ["a", "b", "c"]
        .into_iter()
        .map(|col| {
            let path = path.clone();
            std::thread::spawn(move || {
                let conn = Connection::open(&path, &OpenOptions::default()).unwrap();
                for i in 0..10 {
                    conn.execute(
                        &format!("ALTER TABLE t ALTER COLUMN {col} TO {col} INTEGER DEFAULT {i}"),
                        &Params::None,
                    )
                    .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let c = Connection::open(&path, &OpenOptions::default()).unwrap();
    assert_eq!(
        schema_sql(&c, "t"),
        "CREATE TABLE t (a INTEGER DEFAULT 9, b INTEGER DEFAULT 9, c INTEGER DEFAULT 9)"
    );
    assert_eq!(
        scalar(&c, "PRAGMA integrity_check"),
        Value::Text("ok".into())
    );
}

#[test]
fn random_rowid_tables_get_random_positive_rowids() {
    let db = TempDb::new();
    let c = &db.conn;
    let result = c
        .execute("CREATE TABLE r (a TEXT) RANDOM ROWID", &Params::None)
        .unwrap();
    assert!(result.columns.is_empty());
    // Stored without the option, so stock SQLite reads the file.
    assert_eq!(schema_sql(c, "r"), "CREATE TABLE r (a TEXT)");
    let ins = c
        .execute("INSERT INTO r VALUES ('x')", &Params::None)
        .unwrap();
    assert_eq!(ins.rows_affected, 1);
    run(c, "INSERT INTO r VALUES ('y'), ('z')");
    run(c, "INSERT INTO r SELECT a || '2' FROM r");
    run(c, "INSERT INTO r (rowid, a) VALUES (1, 'one'), (-7, 'neg')");
    let rows = c
        .execute("SELECT rowid, a FROM r ORDER BY a", &Params::None)
        .unwrap()
        .rows;
    assert_eq!(rows.len(), 8);
    for row in &rows {
        let (Value::Integer(id), Value::Text(a)) = (&row[0], &row[1]) else {
            panic!("{row:?}")
        };
        match a.as_str() {
            "one" => assert_eq!(*id, 1),
            "neg" => assert_eq!(*id, -7),
            _ => assert!(*id > 1_000_000, "{a} got rowid {id}"),
        }
    }
    // last_insert_rowid reports the random rowid the row ended up with (RETURNING still
    // shows the one SQLite chose before the re-keying: docs/SQL-EXTENSIONS.md).
    let ins = c
        .execute("INSERT INTO r VALUES ('last')", &Params::None)
        .unwrap();
    let stored = c
        .execute("SELECT rowid FROM r WHERE a = 'last'", &Params::None)
        .unwrap()
        .rows;
    assert_eq!(stored[0][0], Value::Integer(ins.last_insert_rowid));
    assert_eq!(c.last_insert_rowid(), ins.last_insert_rowid);
    assert!(ins.last_insert_rowid > 1_000_000);
    run(c, "DELETE FROM r WHERE a = 'last'");
    // An INTEGER PRIMARY KEY given NULL is a rowid chosen by the table.
    run(
        c,
        "CREATE TABLE k (id INTEGER PRIMARY KEY, v) random  rowid",
    );
    run(c, "INSERT INTO k (id, v) VALUES (NULL, 1), (5, 2)");
    run(c, "INSERT INTO k (v) VALUES (3)");
    let ids = c
        .execute("SELECT id FROM k ORDER BY v", &Params::None)
        .unwrap()
        .rows;
    assert!(matches!(ids[0][0], Value::Integer(i) if i > 1_000_000));
    assert_eq!(ids[1][0], Value::Integer(5));
    assert!(matches!(ids[2][0], Value::Integer(i) if i > 1_000_000));
    // The property survives a restart.
    let path = db.path();
    drop(db.conn);
    let c = Connection::open(&path, &OpenOptions::default()).unwrap();
    run(&c, "INSERT INTO r VALUES ('after restart')");
    assert!(matches!(
        scalar(&c, "SELECT rowid FROM r WHERE a = 'after restart'"),
        Value::Integer(i) if i > 1_000_000
    ));
    // And a rename: the triggers follow the table.
    run(&c, "ALTER TABLE r RENAME TO r2");
    run(&c, "INSERT INTO r2 VALUES ('renamed')");
    assert!(matches!(
        scalar(&c, "SELECT rowid FROM r2 WHERE a = 'renamed'"),
        Value::Integer(i) if i > 1_000_000
    ));
    assert_eq!(
        scalar(&c, "PRAGMA integrity_check"),
        Value::Text("ok".into())
    );
}

#[test]
fn random_rowid_errors() {
    let db = TempDb::new();
    let c = &db.conn;
    for (sql, message) in [
        (
            "CREATE TABLE r (a INTEGER PRIMARY KEY AUTOINCREMENT) RANDOM ROWID",
            "AUTOINCREMENT not allowed on RANDOM ROWID tables",
        ),
        ("CREATE TABLE r (a) RANDOM FOO", "unknown table option: FOO"),
        ("CREATE TABLE r (a) FOO", "unknown table option: FOO"),
        (
            "CREATE TABLE r (a PRIMARY KEY) WITHOUT ROWID, RANDOM ROWID",
            "RANDOM ROWID cannot be combined with WITHOUT ROWID: a WITHOUT ROWID table has no rowid",
        ),
        (
            "CREATE TABLE r (a PRIMARY KEY) RANDOM ROWID, WITHOUT ROWID",
            "RANDOM ROWID cannot be combined with WITHOUT ROWID: a WITHOUT ROWID table has no rowid",
        ),
        (
            "CREATE TABLE r (a) STRICT, RANDOM ROWID",
            "missing datatype for r.a",
        ),
    ] {
        assert_eq!(err(c, sql).message, message, "{sql}");
    }
    assert_eq!(
        scalar(c, "SELECT count(*) FROM sqlite_schema"),
        Value::Integer(0)
    );
    run(c, "CREATE TABLE s (a INT) STRICT, RANDOM ROWID");
    assert_eq!(schema_sql(c, "s"), "CREATE TABLE s (a INT) STRICT");
    run(c, "CREATE TABLE IF NOT EXISTS s (a INT) RANDOM ROWID");
    assert_eq!(
        scalar(
            c,
            "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'"
        ),
        Value::Integer(2)
    );
}

#[test]
fn begin_readonly_runs_as_begin_deferred() {
    let db = TempDb::new();
    let c = &db.conn;
    run(c, "CREATE TABLE t (a)");
    for begin in [
        "BEGIN READONLY",
        "BEGIN TRANSACTION READONLY;",
        "begin readonly transaction",
    ] {
        run(c, begin);
        assert!(!c.is_autocommit(), "{begin}");
        assert!(c.describe(begin).unwrap().readonly);
        run(c, "SELECT * FROM t");
        run(c, "COMMIT");
    }
    assert_eq!(
        err(c, "BEGIN DEFERRED READONLY").message,
        "near \"READONLY\": syntax error"
    );
}

#[test]
fn begin_readonly_refuses_writes_until_the_transaction_ends() {
    // Beyond libSQL, which accepts writes inside a READONLY transaction.
    let db = TempDb::new();
    let c = &db.conn;
    run(c, "CREATE TABLE t (a)");
    run(c, "BEGIN READONLY");
    let e = err(c, "INSERT INTO t VALUES (1)");
    assert_eq!(e.code_name(), "SQLITE_READONLY", "{e:?}");
    run(c, "SELECT * FROM t");
    run(c, "ROLLBACK");
    // Writable again afterwards, also after a script that commits.
    run(c, "INSERT INTO t VALUES (1)");
    c.execute_batch("BEGIN READONLY; SELECT count(*) FROM t; COMMIT;")
        .unwrap();
    run(c, "INSERT INTO t VALUES (2)");
}

#[test]
fn scripts_mix_extensions_and_ordinary_statements() {
    let db = TempDb::new();
    let c = &db.conn;
    let mut results = 0;
    c.execute_script(
        "CREATE TABLE t (a TEXT, b INT);
         CREATE TABLE audit (note TEXT);
         -- a trigger whose body mentions ALTER and RANDOM ROWID must reach SQLite as is
         CREATE TRIGGER tr AFTER INSERT ON t BEGIN
           INSERT INTO audit VALUES ('ALTER TABLE t ALTER COLUMN a TO a; RANDOM ROWID');
           SELECT random();
         END;
         ALTER TABLE t ALTER COLUMN b TO b INT DEFAULT 42;
         CREATE TABLE r (x) RANDOM ROWID;
         INSERT INTO t (a) VALUES ('alter');
         SELECT b FROM t;",
        |_| {
            results += 1;
            Ok(())
        },
    )
    .unwrap();
    assert_eq!(results, 7);
    assert_eq!(scalar(c, "SELECT b FROM t"), Value::Integer(42));
    assert_eq!(
        scalar(c, "SELECT note FROM audit"),
        Value::Text("ALTER TABLE t ALTER COLUMN a TO a; RANDOM ROWID".into())
    );
    assert!(schema_sql(c, "tr").contains("SELECT random();\n         END"));
    // An extension statement with another statement after it is refused like any other.
    assert!(matches!(
        c.execute(
            "ALTER TABLE t ALTER COLUMN b TO b INT; SELECT 1",
            &Params::None
        ),
        Err(Error::MultipleStatements)
    ));
}
