//! Vector SQL functions on a real database file: constructors, extract, distances, and
//! every error libSQL reports, with libSQL's messages (LIBSQL-SURFACE.md §9).

use basalt_engine::{Connection, Error, Params, Value};

use crate::{TempDb, scalar};

fn err(conn: &Connection, sql: &str) -> String {
    match conn.execute(sql, &Params::None) {
        Err(Error::Sqlite(e)) => {
            assert_eq!(e.code_name(), "SQLITE_ERROR", "{sql}");
            e.message
        }
        other => panic!("{sql}: expected an error, got {other:?}"),
    }
}

fn text(conn: &Connection, sql: &str) -> String {
    match scalar(conn, sql) {
        Value::Text(t) => t,
        other => panic!("{sql}: {other:?}"),
    }
}

fn real(conn: &Connection, sql: &str) -> f64 {
    match scalar(conn, sql) {
        Value::Real(r) => r,
        other => panic!("{sql}: {other:?}"),
    }
}

#[test]
fn stored_vectors_round_trip_through_a_file() {
    let db = TempDb::new();
    db.conn
        .execute_batch(
            "CREATE TABLE vecs (id INTEGER PRIMARY KEY, label TEXT, emb F32_BLOB(3));
             INSERT INTO vecs (label, emb) VALUES ('a', vector32('[1,2,3]')),
               ('b', vector32('[3,2,1]')), ('c', vector32('[1,0,0]')),
               ('d', vector('[0.5, 0.25, -1]'));",
        )
        .unwrap();
    drop(db.conn);
    let conn = Connection::open(db.dir.path().join("test.db"), &Default::default()).unwrap();
    // Transcript §10: the raw column is the 12-byte float32 blob.
    assert_eq!(
        scalar(&conn, "SELECT emb FROM vecs WHERE id = 1"),
        Value::Blob(vec![0, 0, 0x80, 0x3f, 0, 0, 0, 0x40, 0, 0, 0x40, 0x40])
    );
    let rows = conn
        .execute(
            "SELECT label, vector_extract(emb), vector_distance_cos(emb, vector32('[1,2,3]')) AS d
             FROM vecs ORDER BY d",
            &Params::None,
        )
        .unwrap()
        .rows;
    let expected = [
        ("a", "[1,2,3]", 0.0),
        ("b", "[3,2,1]", 0.2857142984867096),
        ("c", "[1,0,0]", 0.732738733291626),
        ("d", "[0.5,0.25,-1]", 1.466569423675537),
    ];
    assert_eq!(rows.len(), 4);
    for (row, (label, v, d)) in rows.iter().zip(expected) {
        assert_eq!(row[0], Value::from(label));
        assert_eq!(row[1], Value::from(v));
        let Value::Real(got) = row[2] else {
            panic!("{row:?}")
        };
        assert!((got - d).abs() < 1e-6, "{label}: {got} vs {d}");
    }
}

#[test]
fn constructors_write_libsql_layouts() {
    let db = TempDb::new();
    let c = &db.conn;
    // Hex from libSQL 0.1.11.
    let cases = [
        ("vector('[1,2.5,3]')", "0000803F0000204000004040"),
        ("vector32('[]')", ""),
        (
            "vector64('[1.5, 2.5]')",
            "000000000000F83F000000000000044002",
        ),
        ("vector64('[]')", "02"),
        (
            "vector16('[1,2.5,-3,0.1,65504,65520]')",
            "003C004100C2662EFF7B007C05",
        ),
        ("vectorb16('[1,2.5,-3,0.1]')", "803F204040C0CC3D06"),
        ("vector8('[1,2,3]')", "007FFF008180003C0000803F000104"),
        (
            "vector8('[1,2,3,4,5]')",
            "00407FBFFF0000008180803C0000803F000304",
        ),
        ("vector1bit('[1,-1,0,2]')", "090C03"),
        ("vector1bit('[1,1,1,1,1,1,1,1,1]')", "FF01001703"),
        ("vector1bit('[]')", "001003"),
        // Conversions between types.
        ("vector32(vector64('[1,2]'))", "0000803F00000040"),
        (
            "vector64(vector32('[1,2]'))",
            "000000000000F03F000000000000004002",
        ),
        (
            "vector8(vector1bit('[1,-2]'))",
            "FF0000008180003C000080BF000204",
        ),
        ("vector1bit(vector8('[1,-2]'))", "010E03"),
        ("vector(x'0000803f01')", "0000803F"),
        ("vector(x'000105')", "00008037"),
    ];
    for (expr, hex) in cases {
        assert_eq!(text(c, &format!("SELECT hex({expr})")), hex, "{expr}");
    }
}

#[test]
fn extract_formats_like_libsql() {
    let c = Connection::open_in_memory().unwrap();
    let cases = [
        (
            "vector('[0.1, 1e-7, 1e20, -0.0, 3.4028235e38, 1.5e-45, 123456789, 0.000123, 1e-5, 1e-4, 100000, 1000000]')",
            "[0.1,1e-07,1e+20,0,3.40282e+38,1.4013e-45,1.23457e+08,0.000123,1e-05,0.0001,100000,1e+06]",
        ),
        (
            "vector64('[0.3333333333333333, 1e39, 5e-324]')",
            "[0.333333,1e+39,4.94066e-324]",
        ),
        ("vector8('[1,2,3]')", "[1,1.99608,3]"),
        ("vector1bit('[1,0]')", "[1,-1]"),
        ("vectorb16('[0.1]')", "[0.0996094]"),
        ("vector16('[0.1, 65520]')", "[0.0999756,Inf]"),
        ("'[ 1 , 2 ]'", "[1,2]"),
        ("x''", "[]"),
        ("x'0000c07f'", "[NaN]"),
        ("x'000080ff'", "[-Inf]"),
    ];
    for (expr, want) in cases {
        assert_eq!(
            text(&c, &format!("SELECT vector_extract({expr})")),
            want,
            "{expr}"
        );
    }
}

#[test]
fn distances() {
    let c = Connection::open_in_memory().unwrap();
    let close = |sql: &str, want: f64| {
        let got = real(&c, sql);
        assert!(
            (got - want).abs() <= 1e-6 * want.abs().max(1.0),
            "{sql}: {got} vs {want}"
        );
    };
    close(
        "SELECT vector_distance_cos('[1,2,3]', '[3,2,1]')",
        0.2857142984867096,
    );
    close(
        "SELECT vector_distance_l2('[1,2,3]', '[3,2,1]')",
        2.8284270763397217,
    );
    close(
        "SELECT vector_distance_cos(vector16('[1,2,3]'), vector16('[3,2,1]'))",
        0.2857142984867096,
    );
    close(
        "SELECT vector_distance_cos(vectorb16('[1,2,3]'), vectorb16('[3,2,1]'))",
        0.2857142984867096,
    );
    close(
        "SELECT vector_distance_cos(vector8('[1,2,3]'), vector8('[3,2,1]'))",
        0.2860344648361206,
    );
    close(
        "SELECT vector_distance_l2(vector8('[1,2,3]'), vector8('[3,2,1]'))",
        2.8284270763397217,
    );
    close("SELECT vector_distance_cos('[1,0]', '[-1,0]')", 2.0);
    close("SELECT vector_distance_cos('[1,0]', '[0,1]')", 1.0);
    // 1-bit cosine is the Hamming distance.
    close(
        "SELECT vector_distance_cos(vector1bit('[1,2,3]'), vector1bit('[3,-2,-1]'))",
        2.0,
    );
    // f64 vectors are compared in f64 (libSQL: 0.10000000149011612).
    assert_eq!(
        real(
            &c,
            "SELECT vector_distance_l2(vector64('[0.1]'), vector64('[0.2]'))"
        ),
        0.1
    );
    assert_eq!(real(&c, "SELECT vector_distance_l2('[]', '[]')"), 0.0);
    assert_eq!(
        real(&c, "SELECT vector_distance_l2('[3e38]', '[-3e38]')"),
        f64::INFINITY
    );
    // Undefined cosine (zero or empty vector) is NULL, as in libSQL.
    for sql in [
        "SELECT vector_distance_cos('[0,0]', '[1,1]')",
        "SELECT vector_distance_cos('[]', '[]')",
        "SELECT vector_distance_cos(vector8('[0,0]'), vector8('[1,1]'))",
    ] {
        assert_eq!(scalar(&c, sql), Value::Null, "{sql}");
    }
}

#[test]
fn null_in_gives_null_out() {
    // libSQL raises "unexpected value type: got NULL" here (LIBSQL-SURFACE.md §13.1).
    let c = Connection::open_in_memory().unwrap();
    for sql in [
        "SELECT vector(NULL)",
        "SELECT vector64(NULL)",
        "SELECT vector1bit(NULL)",
        "SELECT vector_extract(NULL)",
        "SELECT vector_distance_cos(NULL, '[1]')",
        "SELECT vector_distance_l2('[1]', NULL)",
    ] {
        assert_eq!(scalar(&c, sql), Value::Null, "{sql}");
    }
}

#[test]
fn bad_input_gives_libsql_errors() {
    let c = Connection::open_in_memory().unwrap();
    let cases = [
        (
            "SELECT vector32('[1,2,x]')",
            "vector: invalid float at position 2: 'x'",
        ),
        ("SELECT vector('1,2]')", "vector: must start with '['"),
        ("SELECT vector('[1,2')", "vector: must end with ']'"),
        (
            "SELECT vector('[1,2] x')",
            "vector: non-space symbols after closing ']' are forbidden",
        ),
        (
            "SELECT vector('[nan]')",
            "vector: invalid float at position 0: 'nan'",
        ),
        (
            "SELECT vector('[1e39]')",
            "vector: invalid float at position 0: '1e39'",
        ),
        (
            "SELECT vector64('[1e309]')",
            "vector: invalid float at position 0: '1e309'",
        ),
        (
            "SELECT vector(1)",
            "vector: unexpected value type: got INTEGER, expected TEXT or BLOB",
        ),
        (
            "SELECT vector_extract(1.5)",
            "vector: unexpected value type: got FLOAT, expected TEXT or BLOB",
        ),
        ("SELECT vector(x'00')", "vector: unexpected binary type: 0"),
        (
            "SELECT vector(x'0000803f0000')",
            "vector: unexpected data part size: type=1, dims=1, 6 != 4",
        ),
        (
            "SELECT vector(x'0000803f02')",
            "vector: float64 vector blob length must be divisible by 8 (excluding 'type'-byte): length=4",
        ),
        (
            "SELECT vector(x'0000803f000001')",
            "vector: float32 vector blob length must be divisible by 4 (excluding optional 'type'-byte): length=6",
        ),
        (
            "SELECT vector(zeroblob(65537*4))",
            "vector: max size exceeded: 65537 > 65536",
        ),
        (
            "SELECT vector_distance_cos(vector32('[1,2]'), vector32('[1,2,3]'))",
            "vector_distance: vectors must have the same length: 2 != 3",
        ),
        (
            "SELECT vector_distance_cos(vector32('[1,2,3]'), vector64('[3,2,1]'))",
            "vector_distance: vectors must have the same type: 1 != 2",
        ),
        (
            "SELECT vector_distance_l2(vector1bit('[1]'), vector1bit('[1]'))",
            "vector_distance: l2 distance is not supported for float1bit vectors",
        ),
        (
            "SELECT vector_distance_cos('[1]')",
            "wrong number of arguments to function vector_distance_cos()",
        ),
        (
            "SELECT vector()",
            "wrong number of arguments to function vector()",
        ),
    ];
    for (sql, message) in cases {
        assert_eq!(err(&c, sql), message, "{sql}");
    }
    let long = format!("SELECT vector('[{}1]')", "1,".repeat(65536));
    assert_eq!(err(&c, &long), "vector: max size exceeded 65536");
    let max = format!("SELECT length(vector('[{}1]'))", "1,".repeat(65535));
    assert_eq!(scalar(&c, &max), Value::Integer(65536 * 4));
}

#[test]
fn declared_type_does_not_restrict_storage() {
    // Without a vector index, F32_BLOB(3) is only a declared type (transcripts §10).
    let db = TempDb::new();
    db.conn
        .execute_batch(
            "CREATE TABLE vnoidx (emb F32_BLOB(3));
             INSERT INTO vnoidx VALUES (vector32('[1,2]')), ('not a vector'), (42);",
        )
        .unwrap();
    let rows = db
        .conn
        .execute("SELECT typeof(emb) FROM vnoidx", &Params::None)
        .unwrap()
        .rows;
    let types: Vec<_> = rows.into_iter().map(|r| r[0].clone()).collect();
    assert_eq!(
        types,
        vec![
            Value::from("blob"),
            Value::from("text"),
            Value::from("integer")
        ]
    );
}

#[test]
fn functions_are_deterministic() {
    // Deterministic functions may be used in expression indexes and generated columns.
    let db = TempDb::new();
    db.conn
        .execute_batch(
            "CREATE TABLE t (v TEXT, b BLOB AS (vector32(v)) STORED);
             CREATE INDEX t_d ON t (vector_distance_l2(b, vector32('[0,0]')));
             INSERT INTO t (v) VALUES ('[3,4]');",
        )
        .unwrap();
    assert_eq!(
        scalar(
            &db.conn,
            "SELECT vector_distance_l2(b, vector32('[0,0]')) FROM t"
        ),
        Value::Real(5.0)
    );
}
