//! Connections carry libSQL's server defaults (LIBSQL-SURFACE.md §12.1) and the
//! compile options from .cargo/config.toml.

use basalt_engine::{Connection, Value};

use crate::{TempDb, scalar};

#[test]
fn file_connections_have_libsql_defaults() {
    let db = TempDb::new();
    let c = &db.conn;
    assert_eq!(scalar(c, "PRAGMA foreign_keys"), Value::Integer(1));
    assert_eq!(scalar(c, "PRAGMA recursive_triggers"), Value::Integer(0));
    assert_eq!(scalar(c, "PRAGMA journal_mode"), Value::Text("wal".into()));
    assert_eq!(scalar(c, "PRAGMA synchronous"), Value::Integer(1));
    assert_eq!(scalar(c, "PRAGMA auto_vacuum"), Value::Integer(0));
    assert_eq!(scalar(c, "PRAGMA wal_autocheckpoint"), Value::Integer(1000));
    assert!(matches!(scalar(c, "PRAGMA busy_timeout"), Value::Integer(ms) if ms >= 100));
    // Double-quoted string literals are accepted, as on libSQL's server.
    assert_eq!(scalar(c, r#"SELECT "abc""#), Value::Text("abc".into()));
}

#[test]
fn memory_connections_enforce_foreign_keys() {
    let c = Connection::open_in_memory().unwrap();
    assert_eq!(scalar(&c, "PRAGMA foreign_keys"), Value::Integer(1));
    c.execute_batch(
        "CREATE TABLE p(id INTEGER PRIMARY KEY); CREATE TABLE ch(p INTEGER REFERENCES p(id));",
    )
    .unwrap();
    let err = c.execute_batch("INSERT INTO ch VALUES (7)").unwrap_err();
    assert_eq!(
        err.sqlite().unwrap().extended_code_name(),
        "SQLITE_CONSTRAINT_FOREIGNKEY"
    );
}

#[test]
fn compile_options_from_cargo_config_are_in_effect() {
    let c = Connection::open_in_memory().unwrap();
    let opts = c
        .execute("PRAGMA compile_options", &Default::default())
        .unwrap();
    let opts: Vec<String> = opts
        .rows
        .into_iter()
        .map(|r| match &r[0] {
            Value::Text(t) => t.clone(),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    for wanted in [
        "ENABLE_DBPAGE_VTAB",
        "MAX_VARIABLE_NUMBER=32766",
        "ENABLE_FTS5",
        "ENABLE_STAT4",
    ] {
        assert!(
            opts.iter().any(|o| o == wanted),
            "{wanted} missing from {opts:?}"
        );
    }
    // The dbpage table replicas will use is really there.
    let pages = scalar(&c, "SELECT count(*) FROM sqlite_dbpage");
    assert!(matches!(pages, Value::Integer(n) if n >= 0));
}
