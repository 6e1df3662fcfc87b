//! Value round trips: what the crate sends as Hrana values comes back intact,
//! and what SQLite computes arrives with the right type.

use crate::common::*;
use libsql::{params, Value, ValueType};

#[tokio::test]
async fn integers_round_trip_including_extremes() {
    let conn = connect().await;
    fresh_table(&conn, "v_int", "k INTEGER PRIMARY KEY, v INTEGER").await;
    let values: [i64; 9] = [
        0,
        1,
        -1,
        i32::MAX as i64 + 1,
        9_007_199_254_740_993, // 2^53 + 1: not representable as f64
        -9_007_199_254_740_993,
        1_234_567_890_123_456_789,
        i64::MAX,
        i64::MIN,
    ];
    for (k, v) in values.iter().enumerate() {
        let changed = conn
            .execute("INSERT INTO v_int (k, v) VALUES (?1, ?2)", params![k as i64, *v])
            .await
            .unwrap();
        assert_eq!(changed, 1);
    }
    let mut rows = conn.query("SELECT k, v, typeof(v) FROM v_int ORDER BY k", ()).await.unwrap();
    for (k, v) in values.iter().enumerate() {
        let row = rows.next().await.unwrap().expect("row");
        assert_eq!(row.get::<i64>(0).unwrap(), k as i64);
        assert_eq!(row.get::<i64>(1).unwrap(), *v, "value at k={k}");
        assert_eq!(row.get::<String>(2).unwrap(), "integer");
        assert!(matches!(row.column_type(1).unwrap(), ValueType::Integer));
    }
    assert!(rows.next().await.unwrap().is_none());

    // Literals and arithmetic computed by the server.
    let mut rows = conn
        .query("SELECT 9223372036854775807, -9223372036854775808, 9007199254740993 * 2", ())
        .await
        .unwrap();
    let row = rows.next().await.unwrap().unwrap();
    assert_eq!(row.get::<i64>(0).unwrap(), i64::MAX);
    assert_eq!(row.get::<i64>(1).unwrap(), i64::MIN);
    assert_eq!(row.get::<i64>(2).unwrap(), 18_014_398_509_481_986);
}

#[tokio::test]
async fn floats_round_trip() {
    let conn = connect().await;
    fresh_table(&conn, "v_real", "k INTEGER PRIMARY KEY, v REAL").await;
    let values: [f64; 8] = [
        0.0,
        0.5,
        -1.25,
        std::f64::consts::PI,
        1e300,
        -2.5e-300,
        f64::MIN_POSITIVE,
        123456789.123456789,
    ];
    for (k, v) in values.iter().enumerate() {
        conn.execute("INSERT INTO v_real VALUES (?1, ?2)", params![k as i64, *v])
            .await
            .unwrap();
    }
    let mut rows = conn.query("SELECT v, typeof(v) FROM v_real ORDER BY k", ()).await.unwrap();
    for v in values {
        let row = rows.next().await.unwrap().expect("row");
        assert_eq!(row.get::<f64>(0).unwrap().to_bits(), v.to_bits(), "expected {v:e}");
        assert_eq!(row.get::<String>(1).unwrap(), "real");
    }
    assert!(rows.next().await.unwrap().is_none());

    // A REAL that happens to be whole is still a float on the wire, and
    // integer-valued expressions stay integers.
    let mut rows = conn.query("SELECT 1.0, 7 / 2, 7 / 2.0, CAST(3 AS REAL)", ()).await.unwrap();
    let row = rows.next().await.unwrap().unwrap();
    assert_eq!(row.get_value(0).unwrap(), Value::Real(1.0));
    assert_eq!(row.get_value(1).unwrap(), Value::Integer(3));
    assert_eq!(row.get_value(2).unwrap(), Value::Real(3.5));
    assert_eq!(row.get_value(3).unwrap(), Value::Real(3.0));
    assert!(matches!(row.column_type(0).unwrap(), ValueType::Real));
}

#[tokio::test]
async fn text_round_trips() {
    let conn = connect().await;
    fresh_table(&conn, "v_text", "k INTEGER PRIMARY KEY, v TEXT").await;
    let long = "abcdefghij".repeat(10_000);
    let values: Vec<String> = vec![
        String::new(),
        "plain".into(),
        "héllo wörld ✓ 日本語 🚀".into(),
        "quotes ' \" and \\ backslash\nnew line\ttab".into(),
        "{\"json\": [1, 2]}".into(),
        long,
    ];
    for (k, v) in values.iter().enumerate() {
        conn.execute("INSERT INTO v_text VALUES (?1, ?2)", params![k as i64, v.as_str()])
            .await
            .unwrap();
    }
    let mut rows = conn
        .query("SELECT v, length(v), typeof(v) FROM v_text ORDER BY k", ())
        .await
        .unwrap();
    for v in &values {
        let row = rows.next().await.unwrap().expect("row");
        assert_eq!(&row.get::<String>(0).unwrap(), v);
        assert_eq!(row.get_str(0).unwrap(), v);
        assert_eq!(row.get::<i64>(1).unwrap(), v.chars().count() as i64);
        assert_eq!(row.get::<String>(2).unwrap(), "text");
    }
    assert!(rows.next().await.unwrap().is_none());

    let mut rows = conn.query("SELECT upper('straße'), 'a' || 'b', char(9731)", ()).await.unwrap();
    let row = rows.next().await.unwrap().unwrap();
    // SQLite's upper() only folds ASCII.
    assert_eq!(row.get::<String>(0).unwrap(), "STRAßE");
    assert_eq!(row.get::<String>(1).unwrap(), "ab");
    assert_eq!(row.get::<String>(2).unwrap(), "☃");
}

#[tokio::test]
async fn blobs_round_trip() {
    let conn = connect().await;
    fresh_table(&conn, "v_blob", "k INTEGER PRIMARY KEY, v BLOB").await;
    let big: Vec<u8> = (0..65_536u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let values: Vec<Vec<u8>> = vec![
        vec![],
        vec![0],
        vec![0, 1, 2, 3, 254, 255],
        b"not utf-8: \xff\xfe\x00".to_vec(),
        big,
    ];
    for (k, v) in values.iter().enumerate() {
        conn.execute("INSERT INTO v_blob VALUES (?1, ?2)", params![k as i64, v.clone()])
            .await
            .unwrap();
    }
    let mut rows = conn
        .query("SELECT v, length(v), typeof(v) FROM v_blob ORDER BY k", ())
        .await
        .unwrap();
    for v in &values {
        let row = rows.next().await.unwrap().expect("row");
        assert_eq!(&row.get::<Vec<u8>>(0).unwrap(), v);
        assert_eq!(row.get::<i64>(1).unwrap(), v.len() as i64);
        assert_eq!(row.get::<String>(2).unwrap(), "blob");
    }
    assert!(rows.next().await.unwrap().is_none());

    let mut rows = conn.query("SELECT x'DEADBEEF', zeroblob(3), length(randomblob(100))", ()).await.unwrap();
    let row = rows.next().await.unwrap().unwrap();
    assert_eq!(row.get::<Vec<u8>>(0).unwrap(), vec![0xde, 0xad, 0xbe, 0xef]);
    assert_eq!(row.get::<Vec<u8>>(1).unwrap(), vec![0, 0, 0]);
    assert_eq!(row.get::<i64>(2).unwrap(), 100);
    assert!(matches!(row.column_type(0).unwrap(), ValueType::Blob));
}

#[tokio::test]
async fn nulls_and_options() {
    let conn = connect().await;
    fresh_table(&conn, "v_null", "k INTEGER PRIMARY KEY, i INTEGER, r REAL, t TEXT, b BLOB").await;
    conn.execute(
        "INSERT INTO v_null VALUES (1, ?1, ?2, ?3, ?4)",
        params![None::<i64>, None::<f64>, None::<String>, None::<Vec<u8>>],
    )
    .await
    .unwrap();
    conn.execute(
        "INSERT INTO v_null VALUES (2, ?1, ?2, ?3, ?4)",
        params![Some(5i64), Some(2.5f64), Some("five"), Some(vec![5u8])],
    )
    .await
    .unwrap();
    conn.execute("INSERT INTO v_null VALUES (3, ?1, ?2, ?3, ?4)", params![Value::Null, Value::Null, Value::Null, Value::Null])
        .await
        .unwrap();

    let mut rows = conn
        .query("SELECT i, r, t, b, typeof(i), i IS NULL FROM v_null ORDER BY k", ())
        .await
        .unwrap();

    let row = rows.next().await.unwrap().unwrap();
    assert_eq!(row.get::<Option<i64>>(0).unwrap(), None);
    assert_eq!(row.get::<Option<f64>>(1).unwrap(), None);
    assert_eq!(row.get::<Option<String>>(2).unwrap(), None);
    assert_eq!(row.get::<Option<Vec<u8>>>(3).unwrap(), None);
    assert_eq!(row.get_value(0).unwrap(), Value::Null);
    assert!(matches!(row.column_type(0).unwrap(), ValueType::Null));
    assert_eq!(row.get::<String>(4).unwrap(), "null");
    assert_eq!(row.get::<i64>(5).unwrap(), 1);
    assert!(row.get::<i64>(0).is_err(), "a NULL is not an i64");

    let row = rows.next().await.unwrap().unwrap();
    assert_eq!(row.get::<Option<i64>>(0).unwrap(), Some(5));
    assert_eq!(row.get::<Option<f64>>(1).unwrap(), Some(2.5));
    assert_eq!(row.get::<Option<String>>(2).unwrap(), Some("five".to_string()));
    assert_eq!(row.get::<Option<Vec<u8>>>(3).unwrap(), Some(vec![5u8]));
    assert_eq!(row.get::<i64>(5).unwrap(), 0);

    let row = rows.next().await.unwrap().unwrap();
    assert_eq!(row.get::<Option<i64>>(0).unwrap(), None);
    assert_eq!(row.get::<String>(4).unwrap(), "null");

    assert!(rows.next().await.unwrap().is_none());

    let mut rows = conn.query("SELECT NULL, coalesce(NULL, 'x')", ()).await.unwrap();
    let row = rows.next().await.unwrap().unwrap();
    assert_eq!(row.get_value(0).unwrap(), Value::Null);
    assert_eq!(row.get::<String>(1).unwrap(), "x");
}

#[tokio::test]
async fn column_names_and_count() {
    let conn = connect().await;
    fresh_table(&conn, "v_cols", "id INTEGER PRIMARY KEY, name TEXT").await;
    conn.execute("INSERT INTO v_cols VALUES (1, 'a')", ()).await.unwrap();

    // Computed columns get aliases: the crate sends the SQL re-rendered from its
    // own parser (`count(*)` goes out as `count (*)`), so an unaliased
    // expression's name would depend on the client, not on the server.
    let mut rows = conn
        .query("SELECT id, name AS label, id + 1 AS next, count(*) AS n FROM v_cols", ())
        .await
        .unwrap();
    assert_eq!(rows.column_count(), 4);
    assert_eq!(rows.column_name(0), Some("id"));
    assert_eq!(rows.column_name(1), Some("label"));
    assert_eq!(rows.column_name(2), Some("next"));
    assert_eq!(rows.column_name(3), Some("n"));
    let row = rows.next().await.unwrap().unwrap();
    assert_eq!(row.column_count(), 4);
    assert_eq!(row.column_name(1), Some("label"));
    assert_eq!(row.get::<i64>(2).unwrap(), 2);
    assert_eq!(row.get::<i64>(3).unwrap(), 1);

    // A query that matches nothing still has its columns, and no rows.
    let mut rows = conn.query("SELECT id, name FROM v_cols WHERE id < 0", ()).await.unwrap();
    assert_eq!(rows.column_count(), 2);
    assert_eq!(rows.column_name(1), Some("name"));
    assert!(rows.next().await.unwrap().is_none());
}
