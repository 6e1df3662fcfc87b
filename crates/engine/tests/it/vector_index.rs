//! Vector indexes: `CREATE INDEX … libsql_vector_idx(…)`, `vector_top_k`, maintenance
//! under every kind of write, libSQL's storage texts, errors, and the integrity check
//! (LIBSQL-SURFACE.md §9.4–9.7, §13.1).

use basalt_engine::{Connection, Error, OpenOptions, Params, Value};
use proptest::prelude::*;

use crate::{TempDb, scalar};

fn exec(conn: &Connection, sql: &str) {
    conn.execute_batch(sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

fn err(conn: &Connection, sql: &str) -> String {
    match conn.execute(sql, &Params::None) {
        Err(Error::Sqlite(e)) => e.message,
        other => panic!("{sql}: expected an error, got {other:?}"),
    }
}

fn ids(conn: &Connection, sql: &str) -> Vec<i64> {
    conn.execute(sql, &Params::None)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .rows
        .into_iter()
        .map(|r| match r[0] {
            Value::Integer(i) => i,
            ref other => panic!("{sql}: {other:?}"),
        })
        .collect()
}

fn check(conn: &Connection, idx: &str) -> String {
    match scalar(conn, &format!("SELECT basalt_vector_index_check('{idx}')")) {
        Value::Text(t) => t,
        other => panic!("{other:?}"),
    }
}

fn strings(conn: &Connection, sql: &str) -> Vec<String> {
    conn.execute(sql, &Params::None)
        .unwrap()
        .rows
        .into_iter()
        .map(|r| match &r[0] {
            Value::Text(t) => t.clone(),
            other => panic!("{other:?}"),
        })
        .collect()
}

const SETUP: &str = "CREATE TABLE vecs (id INTEGER PRIMARY KEY, label TEXT, emb F32_BLOB(3));
     INSERT INTO vecs (label, emb) VALUES ('a', vector32('[1,2,3]')), ('b', vector32('[3,2,1]')),
       ('c', vector32('[1,0,0]')), ('d', vector32('[0.5, 0.25, -1]'));";

#[test]
fn create_back_fills_and_searches() {
    let db = TempDb::new();
    exec(&db.conn, SETUP);
    exec(
        &db.conn,
        "CREATE INDEX vecs_idx ON vecs (libsql_vector_idx(emb))",
    );
    assert_eq!(check(&db.conn, "vecs_idx"), "ok");
    assert_eq!(
        ids(
            &db.conn,
            "SELECT id FROM vector_top_k('vecs_idx', vector32('[1,2,3]'), 4)"
        ),
        [1, 2, 3, 4]
    );
    // Joined, schema-qualified, text query, integral REAL k.
    let rows = db
        .conn
        .execute(
            "SELECT v.label FROM vector_top_k('main.vecs_idx', '[3,2,1]', 2.0) AS k JOIN vecs AS v ON v.rowid = k.id",
            &Params::None,
        )
        .unwrap()
        .rows;
    // [1,0,0] (c) is nearer to [3,2,1] than [1,2,3] (a) is.
    assert_eq!(rows, vec![vec![Value::from("b")], vec![Value::from("c")]]);
    // The visible column is `id`, with no declared type.
    let info = db
        .conn
        .describe("SELECT * FROM vector_top_k('vecs_idx', vector32('[1,2,3]'), 1)")
        .unwrap();
    assert_eq!(info.columns.len(), 1);
    assert_eq!(info.columns[0].name, "id");
    assert_eq!(info.columns[0].decltype, None);
    // k = 0: no rows (libSQL crashes).
    assert!(
        ids(
            &db.conn,
            "SELECT id FROM vector_top_k('vecs_idx', '[1,2,3]', 0)"
        )
        .is_empty()
    );
}

#[test]
fn schema_texts_are_libsqls() {
    let db = TempDb::new();
    exec(&db.conn, SETUP);
    exec(
        &db.conn,
        "CREATE INDEX vecs_idx ON vecs (libsql_vector_idx(emb, 'metric=l2'))",
    );
    let sql = strings(
        &db.conn,
        "SELECT sql FROM sqlite_schema WHERE name IN ('vecs_idx', 'vecs_idx_shadow', 'vecs_idx_shadow_idx', 'libsql_vector_meta_shadow') ORDER BY name",
    );
    assert_eq!(
        sql,
        [
            "CREATE TABLE libsql_vector_meta_shadow ( name TEXT PRIMARY KEY, metadata BLOB ) WITHOUT ROWID",
            "CREATE INDEX vecs_idx ON vecs (libsql_vector_idx(emb, 'metric=l2'))",
            "CREATE TABLE vecs_idx_shadow (index_key  INTEGER , data BLOB, PRIMARY KEY (index_key))",
            "CREATE INDEX vecs_idx_shadow_idx ON vecs_idx_shadow (index_key)",
        ]
    );
    let triggers = strings(
        &db.conn,
        "SELECT name FROM sqlite_schema WHERE type = 'trigger' ORDER BY name",
    );
    assert_eq!(
        triggers,
        [
            "_basalt_vector_vecs_idx_delete",
            "_basalt_vector_vecs_idx_insert",
            "_basalt_vector_vecs_idx_update"
        ]
    );
    // Meta records: version 3, type f32, 3 dims, then the options in order.
    let Value::Blob(meta) = scalar(&db.conn, "SELECT metadata FROM libsql_vector_meta_shadow")
    else {
        panic!()
    };
    // libSQL 0.1.11 writes exactly these bytes for this statement (small vectors keep
    // libSQL's defaults; see docs/VECTOR.md).
    let hex: String = meta.iter().map(|b| format!("{b:02X}")).collect();
    assert_eq!(
        hex,
        "01030000000000000003010000000000000004030000000000000005020000000000000002010000000000000006000100000000000007333333333333F33F08460000000000000009C800000000000000"
    );
    assert_eq!(
        scalar(&db.conn, "SELECT count(*) FROM vecs_idx_shadow"),
        Value::Integer(4)
    );
    assert_eq!(
        scalar(&db.conn, "PRAGMA integrity_check"),
        Value::from("ok")
    );
}

#[test]
fn maintenance_follows_every_write() {
    let db = TempDb::new();
    let c = &db.conn;
    exec(c, SETUP);
    exec(c, "CREATE INDEX vecs_idx ON vecs (libsql_vector_idx(emb))");
    let all = "SELECT id FROM vector_top_k('vecs_idx', '[1,2,3]', 100) ORDER BY id";
    exec(c, "INSERT INTO vecs (label, emb) VALUES ('n', NULL)");
    assert_eq!(ids(c, all), [1, 2, 3, 4]);
    exec(c, "UPDATE vecs SET emb = vector32('[9,9,9]') WHERE id = 5");
    assert_eq!(ids(c, all), [1, 2, 3, 4, 5]);
    exec(c, "UPDATE vecs SET emb = NULL WHERE id = 1");
    assert_eq!(ids(c, all), [2, 3, 4, 5]);
    exec(c, "UPDATE vecs SET label = 'x' WHERE id = 2");
    exec(c, "UPDATE vecs SET id = 20 WHERE id = 2");
    assert_eq!(ids(c, all), [3, 4, 5, 20]);
    exec(
        c,
        "INSERT OR REPLACE INTO vecs (id, label, emb) VALUES (3, 'c2', vector32('[1,2,3]'))",
    );
    assert_eq!(
        ids(c, "SELECT id FROM vector_top_k('vecs_idx', '[1,2,3]', 1)"),
        [3]
    );
    assert_eq!(check(c, "vecs_idx"), "ok");
    // Rollback and savepoints.
    exec(
        c,
        "BEGIN; DELETE FROM vecs WHERE id = 3; SAVEPOINT s; INSERT INTO vecs (id, emb) VALUES (30, vector32('[1,1,1]')); ROLLBACK TO s; RELEASE s;",
    );
    assert_eq!(ids(c, all), [4, 5, 20]);
    exec(c, "ROLLBACK");
    assert_eq!(ids(c, all), [3, 4, 5, 20]);
    assert_eq!(check(c, "vecs_idx"), "ok");
    // DELETE without WHERE empties the index (libSQL keeps every row, §13.1), and the
    // rowids can be reused.
    exec(c, "DELETE FROM vecs");
    assert!(ids(c, all).is_empty());
    exec(
        c,
        "INSERT INTO vecs (id, emb) VALUES (3, vector32('[1,2,3]'))",
    );
    assert_eq!(ids(c, all), [3]);
    assert_eq!(check(c, "vecs_idx"), "ok");
}

#[test]
fn duplicates_and_many_deletes_keep_live_rows() {
    // libSQL loses identical vectors after deletes (tursodatabase/libsql#2197) and live
    // rows after many deletes (§13.1).
    let db = TempDb::new();
    let c = &db.conn;
    exec(
        c,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, e F32_BLOB(2)); CREATE INDEX t_idx ON t (libsql_vector_idx(e, 'search_l=4'))",
    );
    for i in 0..60 {
        let v = if i % 3 == 0 {
            "[1,1]".to_owned()
        } else {
            format!("[{},{}]", i % 7, i % 5 + 1)
        };
        exec(
            c,
            &format!("INSERT INTO t (id, e) VALUES ({i}, vector32('{v}'))"),
        );
    }
    assert!(check(c, "t_idx").starts_with("ok"));
    exec(c, "DELETE FROM t WHERE id % 5 <> 0 AND id > 3");
    let live = ids(c, "SELECT id FROM t ORDER BY id");
    // Every live row is indexed; the graph may leave a few unreachable from the start
    // node (reported after "ok"), which only matters beyond search_l nodes.
    assert!(check(c, "t_idx").starts_with("ok"), "{}", check(c, "t_idx"));
    let mut found = ids(c, "SELECT id FROM vector_top_k('t_idx', '[1,1]', 1000)");
    found.sort();
    assert_eq!(found, live);
}

#[test]
fn errors_are_clear_and_leave_nothing_behind() {
    let db = TempDb::new();
    let c = &db.conn;
    exec(c, SETUP);
    exec(
        c,
        "CREATE TABLE plain (id INTEGER PRIMARY KEY, t TEXT, z F32_BLOB(0))",
    );
    exec(
        c,
        "CREATE TABLE wr (a INT, b INT, e F32_BLOB(2), PRIMARY KEY (a, b)) WITHOUT ROWID",
    );
    let before = scalar(c, "SELECT group_concat(name) FROM sqlite_schema");
    for (sql, msg) in [
        (
            "CREATE INDEX i ON vecs (libsql_vector_idx())",
            "vector index: libsql_vector_idx needs the indexed column as its first argument",
        ),
        (
            "CREATE INDEX i ON vecs (libsql_vector_idx(emb, 'metric=dot'))",
            "vector index: invalid vector index parameter 'metric=dot': invalid parameter",
        ),
        (
            "CREATE INDEX i ON vecs (libsql_vector_idx(emb, 'nonsense'))",
            "vector index: invalid vector index parameter 'nonsense': unexpected parameter format",
        ),
        (
            "CREATE INDEX i ON vecs (libsql_vector_idx(emb, 'max_neighbors=-1'))",
            "vector index: invalid vector index parameter 'max_neighbors=-1': integer vector index parameter must be positive",
        ),
        (
            "CREATE INDEX i ON vecs (libsql_vector_idx(emb, 'metric=l2', 'compress_neighbors=float1bit'))",
            "vector index: unable to initialize diskann: 1-bit compression available only for cosine metric",
        ),
        (
            "CREATE INDEX i ON plain (libsql_vector_idx(t))",
            "vector index: unexpected vector column type: TEXT",
        ),
        (
            "CREATE INDEX i ON plain (libsql_vector_idx(z))",
            "vector index: vector column must have non-zero dimension for index: F32_BLOB(0)",
        ),
        (
            "CREATE INDEX i ON wr (libsql_vector_idx(e))",
            "vector index: unsupported for tables without ROWID and composite primary key",
        ),
        (
            "CREATE INDEX i ON vecs (libsql_vector_idx(emb, 3))",
            "vector index: all arguments after first must be strings",
        ),
        (
            "CREATE INDEX i ON vecs (label, libsql_vector_idx(emb))",
            "vector index: must contain exactly one column wrapped into the libsql_vector_idx function",
        ),
    ] {
        assert_eq!(err(c, sql), msg, "{sql}");
    }
    assert_eq!(
        err(c, "CREATE INDEX i ON nope (libsql_vector_idx(emb))"),
        "no such table: main.nope"
    );
    // A row that is not a valid vector makes the back-fill fail: nothing is left.
    exec(c, "INSERT INTO vecs (emb) VALUES (vector32('[1,2]'))");
    assert_eq!(
        err(c, "CREATE INDEX vecs_idx ON vecs (libsql_vector_idx(emb))"),
        "vector index(insert): dimensions are different: 2 != 3"
    );
    assert_eq!(
        scalar(c, "SELECT group_concat(name) FROM sqlite_schema"),
        before
    );
    exec(c, "DELETE FROM vecs WHERE id = 5");
    exec(c, "CREATE INDEX vecs_idx ON vecs (libsql_vector_idx(emb))");
    // Inserts that do not fit fail and change nothing.
    for (sql, msg) in [
        (
            "INSERT INTO vecs (emb) VALUES (vector32('[1,2]'))",
            "vector index(insert): dimensions are different: 2 != 3",
        ),
        (
            "INSERT INTO vecs (emb) VALUES (vector64('[1,2,3]'))",
            "vector index(insert): vector type differs from column type: 2 != 1",
        ),
        (
            "INSERT INTO vecs (emb) VALUES (42)",
            "vector: unexpected value type: got INTEGER, expected TEXT or BLOB",
        ),
        (
            "UPDATE vecs SET emb = vector32('[1]') WHERE id = 1",
            "vector index(insert): dimensions are different: 1 != 3",
        ),
    ] {
        assert_eq!(err(c, sql), msg, "{sql}");
    }
    assert_eq!(scalar(c, "SELECT count(*) FROM vecs"), Value::Integer(4));
    assert_eq!(check(c, "vecs_idx"), "ok");
    for (sql, msg) in [
        (
            "SELECT * FROM vector_top_k('vecs_idx', '[1,2,3]', -1)",
            "vector index(search): third parameter (k) must be a non-negative integer, but negative value were provided",
        ),
        (
            "SELECT * FROM vector_top_k('vecs_idx', '[1,2,3]', 1.5)",
            "vector index(search): third parameter (k) must be an integer, but float value were provided",
        ),
        (
            "SELECT * FROM vector_top_k('vecs_idx', '[1,2,3]', 'x')",
            "vector index(search): third parameter (k) must be an integer, but unexpected type of value were provided",
        ),
        (
            "SELECT * FROM vector_top_k('nope', '[1,2,3]', 1)",
            "vector index(search): index not found: nope",
        ),
        (
            "SELECT * FROM vector_top_k(1, '[1,2,3]', 1)",
            "vector index(search): first parameter (index) must be a string",
        ),
        (
            "SELECT * FROM vector_top_k('vecs_idx', '[1,2]', 1)",
            "vector index(search): dimensions are different: 2 != 3",
        ),
        (
            "SELECT * FROM vector_top_k('vecs_idx', vector64('[1,2,3]'), 1)",
            "vector index(search): vector type differs from column type: 2 != 1",
        ),
        (
            "SELECT * FROM vector_top_k('vecs_idx', '[1,2,3]')",
            "vector index(search): got 2 parameters, expected 3",
        ),
    ] {
        assert_eq!(err(c, sql), msg, "{sql}");
    }
}

#[test]
fn drop_and_reindex() {
    let db = TempDb::new();
    let c = &db.conn;
    exec(c, SETUP);
    exec(
        c,
        "CREATE INDEX vecs_idx ON vecs (libsql_vector_idx(emb)); CREATE INDEX IF NOT EXISTS vecs_idx ON vecs (libsql_vector_idx(emb))",
    );
    exec(c, "REINDEX vecs_idx");
    assert_eq!(check(c, "vecs_idx"), "ok");
    exec(c, "DROP INDEX vecs_idx");
    assert_eq!(
        strings(c, "SELECT name FROM sqlite_schema ORDER BY name"),
        ["libsql_vector_meta_shadow", "vecs"]
    );
    assert_eq!(
        scalar(c, "SELECT count(*) FROM libsql_vector_meta_shadow"),
        Value::Integer(0)
    );
    exec(c, "INSERT INTO vecs (emb) VALUES (vector32('[1,2]'))"); // no index: anything goes
    exec(c, "DELETE FROM vecs WHERE id = 5");
    exec(
        c,
        "CREATE INDEX vecs_idx ON vecs (libsql_vector_idx(emb)); CREATE INDEX other ON vecs (label)",
    );
    exec(c, "DROP INDEX other; DROP TABLE vecs");
    assert_eq!(
        strings(c, "SELECT name FROM sqlite_schema"),
        ["libsql_vector_meta_shadow"]
    );
    assert_eq!(
        scalar(c, "SELECT count(*) FROM libsql_vector_meta_shadow"),
        Value::Integer(0)
    );
    // DDL inside a transaction is undone with it.
    exec(c, SETUP);
    exec(
        c,
        "BEGIN; CREATE INDEX vecs_idx ON vecs (libsql_vector_idx(emb)); ROLLBACK",
    );
    assert_eq!(
        scalar(
            c,
            "SELECT count(*) FROM sqlite_schema WHERE name LIKE 'vecs_idx%'"
        ),
        Value::Integer(0)
    );
}

#[test]
fn without_rowid_tables_are_keyed_by_their_primary_key() {
    let db = TempDb::new();
    let c = &db.conn;
    exec(
        c,
        "CREATE TABLE w (a TEXT COLLATE NOCASE PRIMARY KEY, emb F32_BLOB(2)) WITHOUT ROWID;
         CREATE TABLE wi (a INTEGER PRIMARY KEY, emb F32_BLOB(2)) WITHOUT ROWID;
         INSERT INTO w VALUES ('k1', vector32('[1,0]')), ('k2', vector32('[0,1]'));
         INSERT INTO wi VALUES (7, vector32('[1,0]')), (9, vector32('[0,1]'));
         CREATE INDEX w_idx ON w (libsql_vector_idx(emb));
         CREATE INDEX wi_idx ON wi (libsql_vector_idx(emb));",
    );
    // libSQL 0.1.11's shadow texts for a TEXT COLLATE NOCASE key and an INTEGER key.
    assert_eq!(
        strings(
            c,
            "SELECT sql FROM sqlite_schema WHERE name LIKE 'w%shadow%' ORDER BY name"
        ),
        [
            "CREATE TABLE w_idx_shadow (rowid INTEGER PRIMARY KEY, index_key  TEXT NOCASE, data BLOB, UNIQUE (index_key))",
            "CREATE INDEX w_idx_shadow_idx ON w_idx_shadow (rowid)",
            "CREATE TABLE wi_idx_shadow (index_key  INTEGER , data BLOB, PRIMARY KEY (index_key))",
            "CREATE INDEX wi_idx_shadow_idx ON wi_idx_shadow (index_key)",
        ]
    );
    assert_eq!(
        strings(
            c,
            "SELECT id FROM vector_top_k('w_idx', vector32('[1,0.1]'), 2)"
        ),
        ["k1", "k2"]
    );
    assert_eq!(
        ids(
            c,
            "SELECT id FROM vector_top_k('wi_idx', vector32('[0.1,1]'), 2)"
        ),
        [9, 7]
    );
    exec(
        c,
        "UPDATE w SET a = 'k3' WHERE a = 'k1'; INSERT INTO w VALUES ('k4', vector32('[1,0.2]'));
         DELETE FROM w WHERE a = 'k2'; INSERT OR REPLACE INTO w VALUES ('K4', vector32('[1,0.3]'));
         UPDATE wi SET a = 8 WHERE a = 9;",
    );
    assert_eq!(
        strings(
            c,
            "SELECT id FROM vector_top_k('w_idx', vector32('[1,0.1]'), 5)"
        ),
        ["k3", "K4"]
    );
    assert_eq!(
        ids(
            c,
            "SELECT id FROM vector_top_k('wi_idx', vector32('[0.1,1]'), 2)"
        ),
        [8, 7]
    );
    assert_eq!(check(c, "w_idx"), "ok");
    assert_eq!(check(c, "wi_idx"), "ok");
    let rows = c
        .execute(
            "SELECT w.a FROM vector_top_k('w_idx', vector32('[1,0.1]'), 1) AS k JOIN w ON w.a = k.id",
            &Params::None,
        )
        .unwrap()
        .rows;
    assert_eq!(rows, vec![vec![Value::from("k3")]]);
}

#[test]
fn dump_replay_keeps_the_graph() {
    // A dump lists tables with their rows (shadow tables included), then indexes and
    // triggers in creation order: the CREATE INDEX finds the metadata row and keeps the
    // graph, and the replayed maintenance triggers are no-ops.
    let db = TempDb::new();
    exec(
        &db.conn,
        "CREATE TABLE vecs (id INTEGER PRIMARY KEY, emb F32_BLOB(3))",
    );
    exec(
        &db.conn,
        "CREATE INDEX vecs_idx ON vecs (libsql_vector_idx(emb))",
    );
    exec(
        &db.conn,
        "INSERT INTO vecs (emb) VALUES ('[1,2,3]'), ('[3,2,1]'), ('[1,0,0]')",
    );
    let dump_rows = |table: &str| -> Vec<String> {
        db.conn
            .execute(
                &format!("SELECT quote(index_key), quote(data) FROM {table}"),
                &Params::None,
            )
            .unwrap()
            .rows
            .into_iter()
            .map(|r| match (&r[0], &r[1]) {
                (Value::Text(k), Value::Text(d)) => {
                    format!("INSERT INTO {table} VALUES ({k}, {d});")
                }
                other => panic!("{other:?}"),
            })
            .collect()
    };
    let shadow = dump_rows("vecs_idx_shadow");
    let meta = match scalar(
        &db.conn,
        "SELECT quote(metadata) FROM libsql_vector_meta_shadow",
    ) {
        Value::Text(t) => t,
        other => panic!("{other:?}"),
    };
    let mut schema = strings(
        &db.conn,
        "SELECT sql FROM sqlite_schema WHERE type IN ('index', 'trigger') ORDER BY rowid",
    );
    let c = Connection::open_in_memory().unwrap();
    exec(
        &c,
        "CREATE TABLE vecs (id INTEGER PRIMARY KEY, emb F32_BLOB(3)); \
              INSERT INTO vecs VALUES (1, vector32('[1,2,3]')), (2, vector32('[3,2,1]')), (3, vector32('[1,0,0]'));",
    );
    exec(
        &c,
        "CREATE TABLE libsql_vector_meta_shadow ( name TEXT PRIMARY KEY, metadata BLOB ) WITHOUT ROWID",
    );
    exec(
        &c,
        &format!("INSERT INTO libsql_vector_meta_shadow VALUES ('vecs_idx', {meta})"),
    );
    exec(
        &c,
        "CREATE TABLE vecs_idx_shadow (index_key  INTEGER , data BLOB, PRIMARY KEY (index_key))",
    );
    for row in &shadow {
        exec(&c, row);
    }
    schema.retain(|s| !s.is_empty());
    for stmt in &schema {
        exec(&c, stmt);
    }
    assert_eq!(check(&c, "vecs_idx"), "ok");
    assert_eq!(
        scalar(
            &c,
            "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'"
        ),
        Value::Integer(3)
    );
    let before = scalar(
        &db.conn,
        "SELECT group_concat(hex(data)) FROM vecs_idx_shadow",
    );
    assert_eq!(
        scalar(&c, "SELECT group_concat(hex(data)) FROM vecs_idx_shadow"),
        before
    );
    exec(&c, "INSERT INTO vecs (emb) VALUES ('[0,1,0]')");
    assert_eq!(check(&c, "vecs_idx"), "ok");
}

#[test]
fn index_survives_reopen() {
    let db = TempDb::new();
    exec(&db.conn, SETUP);
    exec(
        &db.conn,
        "CREATE INDEX vecs_idx ON vecs (libsql_vector_idx(emb, 'metric=l2', 'compress_neighbors=float8'))",
    );
    let path = db.path();
    drop(db.conn);
    let conn = Connection::open(&path, &OpenOptions::default()).unwrap();
    assert_eq!(
        ids(
            &conn,
            "SELECT id FROM vector_top_k('vecs_idx', '[3,2,1]', 2)"
        ),
        [2, 1]
    );
    exec(
        &conn,
        "INSERT INTO vecs (emb) VALUES (vector32('[3,2,1.1]'))",
    );
    assert_eq!(
        ids(
            &conn,
            "SELECT id FROM vector_top_k('vecs_idx', '[3,2,1]', 2)"
        ),
        [2, 5]
    );
    assert_eq!(check(&conn, "vecs_idx"), "ok");
}

#[test]
fn opens_and_maintains_a_libsql_file() {
    // Written by libSQL 0.1.11 (`libsql` Python package): docs_idx with default options,
    // l2_idx with 'metric=l2', 'compress_neighbors=float8', 20 rows.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("libsql.db");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/it/fixtures/libsql_vector.db"
        ),
        &path,
    )
    .unwrap();
    let c = Connection::open(&path, &OpenOptions::default()).unwrap();
    assert_eq!(
        ids(
            &c,
            "SELECT id FROM vector_top_k('docs_idx', vector32('[1,0,0,0]'), 2)"
        ),
        [1, 2]
    );
    assert_eq!(
        ids(
            &c,
            "SELECT id FROM vector_top_k('l2_idx', vector32('[7,1]'), 3)"
        ),
        [8, 7, 9]
    );
    assert_eq!(check(&c, "docs_idx"), "ok");
    assert_eq!(check(&c, "l2_idx"), "ok");
    exec(
        &c,
        "DELETE FROM docs WHERE id = 1; INSERT INTO docs (id, emb) VALUES (7, vector32('[1,0.1,0,0]'))",
    );
    exec(&c, "DELETE FROM l2 WHERE id = 8");
    assert_eq!(
        ids(
            &c,
            "SELECT id FROM vector_top_k('docs_idx', vector32('[1,0,0,0]'), 2)"
        ),
        [7, 2]
    );
    assert_eq!(
        ids(
            &c,
            "SELECT id FROM vector_top_k('l2_idx', vector32('[7,1]'), 2)"
        ),
        [7, 9]
    );
    assert_eq!(check(&c, "docs_idx"), "ok");
    assert_eq!(scalar(&c, "PRAGMA integrity_check"), Value::from("ok"));
}

/// One step of the property test.
#[derive(Debug, Clone)]
enum Op {
    Insert(i64, Option<[i8; 3]>),
    Update(i64, Option<[i8; 3]>),
    Rekey(i64, i64),
    Delete(i64),
    DeleteAll,
    Txn(Vec<Op>, bool),
    Savepoint(Vec<Op>),
}

fn vec3() -> impl Strategy<Value = Option<[i8; 3]>> {
    prop_oneof![
        1 => Just(None),
        8 => prop::array::uniform3(-3i8..4).prop_map(Some),
    ]
}

fn simple_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0i64..30, vec3()).prop_map(|(k, v)| Op::Insert(k, v)),
        3 => (0i64..30, vec3()).prop_map(|(k, v)| Op::Update(k, v)),
        1 => (0i64..30, 0i64..30).prop_map(|(a, b)| Op::Rekey(a, b)),
        3 => (0i64..30).prop_map(Op::Delete),
        1 => Just(Op::DeleteAll),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => simple_op(),
        1 => (prop::collection::vec(simple_op(), 1..6), any::<bool>()).prop_map(|(v, c)| Op::Txn(v, c)),
        1 => prop::collection::vec(simple_op(), 1..6).prop_map(Op::Savepoint),
    ]
}

fn lit(v: &Option<[i8; 3]>) -> String {
    match v {
        None => "NULL".into(),
        Some([a, b, c]) => format!("vector32('[{a},{b},{c}]')"),
    }
}

/// A row key literal: an integer for the rowid table, text for the WITHOUT ROWID one.
fn key(k: i64, text_keys: bool) -> String {
    if text_keys {
        format!("'k{k}'")
    } else {
        k.to_string()
    }
}

fn apply(c: &Connection, op: &Op, tk: bool) {
    let sql = match op {
        Op::Insert(k, v) => format!(
            "INSERT OR REPLACE INTO t (id, e) VALUES ({}, {})",
            key(*k, tk),
            lit(v)
        ),
        Op::Update(k, v) => format!("UPDATE t SET e = {} WHERE id = {}", lit(v), key(*k, tk)),
        Op::Rekey(a, b) => format!(
            "UPDATE OR IGNORE t SET id = {} WHERE id = {}",
            key(*b, tk),
            key(*a, tk)
        ),
        Op::Delete(k) => format!("DELETE FROM t WHERE id = {}", key(*k, tk)),
        Op::DeleteAll => "DELETE FROM t".into(),
        Op::Txn(ops, commit) => {
            exec(c, "BEGIN");
            ops.iter().for_each(|o| apply(c, o, tk));
            exec(c, if *commit { "COMMIT" } else { "ROLLBACK" });
            return;
        }
        Op::Savepoint(ops) => {
            exec(c, "SAVEPOINT sp");
            ops.iter().for_each(|o| apply(c, o, tk));
            exec(c, "ROLLBACK TO sp; RELEASE sp");
            return;
        }
    };
    exec(c, &sql);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    #[test]
    fn index_matches_table_after_random_writes(
        ops in prop::collection::vec(op(), 1..40),
        metric in prop::sample::select(vec!["cosine", "l2"]),
        q in prop::array::uniform3(-3i8..4),
        text_keys in any::<bool>(),
    ) {
        let c = Connection::open_in_memory().unwrap();
        let table = if text_keys {
            "CREATE TABLE t (id TEXT PRIMARY KEY, e F32_BLOB(3)) WITHOUT ROWID"
        } else {
            "CREATE TABLE t (id INTEGER PRIMARY KEY, e F32_BLOB(3))"
        };
        exec(&c, &format!("{table};
                           CREATE INDEX t_idx ON t (libsql_vector_idx(e, 'metric={metric}', 'max_neighbors=4', 'search_l=8', 'insert_l=8'))"));
        for op in &ops {
            apply(&c, op, text_keys);
        }
        let report = check(&c, "t_idx");
        prop_assert!(report.starts_with("ok"), "{}", report);
        // Exact top-k against brute force (the index is at most 30 rows).
        let qv = format!("vector32('[{},{},{}]')", q[0], q[1], q[2]);
        let f = if metric == "l2" { "vector_distance_l2" } else { "vector_distance_cos" };
        let expected = c.execute(&format!("SELECT id, {f}(e, {qv}) AS d FROM t WHERE e IS NOT NULL ORDER BY d IS NULL, d, id LIMIT 5"), &Params::None).unwrap().rows;
        let got = c.execute(&format!("SELECT k.id, {f}(t.e, {qv}) FROM vector_top_k('t_idx', {qv}, 5) AS k JOIN t ON t.id = k.id"), &Params::None).unwrap().rows;
        prop_assert_eq!(got.len(), expected.len());
        for (g, e) in got.iter().zip(&expected) {
            // Same distances in the same order (ids may differ among equal distances
            // only if the distances are NULL: zero vectors under cosine).
            prop_assert_eq!(&g[1], &e[1]);
        }
    }
}
