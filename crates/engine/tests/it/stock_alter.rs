//! Stock ALTER TABLE (ADD/DROP/RENAME COLUMN, RENAME TO) goes through the front-end
//! untouched and behaves exactly as SQLite documents, edge cases included.

use basalt_engine::{Error, Params, Value};

use crate::{TempDb, scalar};

fn setup() -> TempDb {
    let db = TempDb::new();
    db.conn
        .execute_batch(
            "CREATE TABLE p (id INTEGER PRIMARY KEY, u UNIQUE, x, y, z);
             CREATE INDEX px ON p(x);
             CREATE TABLE ch (id, pid REFERENCES p(id), w);
             CREATE VIEW pv AS SELECT y FROM p;
             CREATE TRIGGER pt AFTER INSERT ON p BEGIN SELECT NEW.z; END;
             CREATE TABLE one (a);
             INSERT INTO p VALUES (1, 'u1', 'x1', 'y1', 'z1');
             INSERT INTO ch VALUES (1, 1, 'w');",
        )
        .unwrap();
    db
}

fn message(db: &TempDb, sql: &str) -> String {
    match db.conn.execute(sql, &Params::None) {
        Err(Error::Sqlite(e)) => e.message,
        other => panic!("{sql}: expected an error, got {other:?}"),
    }
}

#[test]
fn add_column_edge_cases() {
    let db = setup();
    for (sql, expected) in [
        (
            "ALTER TABLE p ADD COLUMN q NOT NULL",
            "Cannot add a NOT NULL column with default value NULL",
        ),
        (
            "ALTER TABLE p ADD COLUMN q PRIMARY KEY",
            "Cannot add a PRIMARY KEY column",
        ),
        (
            "ALTER TABLE p ADD COLUMN q UNIQUE",
            "Cannot add a UNIQUE column",
        ),
        (
            "ALTER TABLE p ADD COLUMN q DEFAULT (random())",
            "Cannot add a column with non-constant default",
        ),
        (
            "ALTER TABLE p ADD COLUMN q AS (1) STORED",
            "cannot add a STORED column",
        ),
        (
            "ALTER TABLE p ADD COLUMN q REFERENCES p(id) DEFAULT 1",
            "Cannot add a REFERENCES column with non-NULL default value",
        ),
        ("ALTER TABLE p ADD COLUMN x", "duplicate column name: x"),
        (
            "ALTER TABLE pv ADD COLUMN q",
            "Cannot add a column to a view",
        ),
    ] {
        assert_eq!(message(&db, sql), expected, "{sql}");
    }
    db.conn
        .execute(
            "ALTER TABLE p ADD COLUMN q NOT NULL DEFAULT 'd'",
            &Params::None,
        )
        .unwrap();
    db.conn
        .execute("ALTER TABLE p ADD q2 AS (x || '!')", &Params::None)
        .unwrap();
    assert_eq!(
        scalar(&db.conn, "SELECT q || q2 FROM p"),
        Value::Text("dx1!".into())
    );
}

#[test]
fn drop_column_edge_cases() {
    let db = setup();
    for (sql, expected) in [
        (
            "ALTER TABLE p DROP COLUMN x",
            "error in index px after drop column: no such column: x",
        ),
        (
            "ALTER TABLE p DROP COLUMN u",
            "cannot drop UNIQUE column: \"u\"",
        ),
        (
            "ALTER TABLE p DROP COLUMN id",
            "cannot drop PRIMARY KEY column: \"id\"",
        ),
        (
            "ALTER TABLE p DROP COLUMN y",
            "error in view pv after drop column: no such column: y",
        ),
        (
            "ALTER TABLE p DROP COLUMN z",
            "error in trigger pt after drop column: no such column: NEW.z",
        ),
        (
            "ALTER TABLE one DROP COLUMN a",
            "cannot drop column \"a\": no other columns exist",
        ),
        ("ALTER TABLE p DROP COLUMN nope", "no such column: \"nope\""),
    ] {
        assert_eq!(message(&db, sql), expected, "{sql}");
    }
    db.conn
        .execute("ALTER TABLE ch DROP COLUMN w", &Params::None)
        .unwrap();
    assert_eq!(
        scalar(&db.conn, "SELECT sql FROM sqlite_schema WHERE name = 'ch'"),
        Value::Text("CREATE TABLE ch (id, pid REFERENCES p(id))".into())
    );
}

#[test]
fn rename_column_and_table_follow_references() {
    let db = setup();
    let c = &db.conn;
    assert_eq!(
        message(&db, "ALTER TABLE p RENAME COLUMN x TO y"),
        "error in table p after rename: duplicate column name: y"
    );
    assert_eq!(
        message(&db, "ALTER TABLE sqlite_schema RENAME TO s"),
        "table sqlite_master may not be altered"
    );
    c.execute("ALTER TABLE p RENAME COLUMN y TO yy", &Params::None)
        .unwrap();
    c.execute("ALTER TABLE p RENAME COLUMN z TO zz", &Params::None)
        .unwrap();
    c.execute("ALTER TABLE p RENAME TO parent", &Params::None)
        .unwrap();
    // The view, the trigger and the child's foreign key were rewritten by SQLite.
    assert_eq!(
        scalar(c, "SELECT sql FROM sqlite_schema WHERE name = 'pv'"),
        Value::Text("CREATE VIEW pv AS SELECT yy FROM \"parent\"".into())
    );
    assert_eq!(
        scalar(c, "SELECT sql FROM sqlite_schema WHERE name = 'ch'"),
        Value::Text("CREATE TABLE ch (id, pid REFERENCES \"parent\"(id), w)".into())
    );
    c.execute(
        "INSERT INTO parent VALUES (2, 'u2', 'x2', 'y2', 'z2')",
        &Params::None,
    )
    .unwrap();
    assert_eq!(
        scalar(c, "SELECT group_concat(yy) FROM pv"),
        Value::Text("y1,y2".into())
    );
    assert!(
        c.execute("PRAGMA foreign_key_check", &Params::None)
            .unwrap()
            .rows
            .is_empty()
    );
}
