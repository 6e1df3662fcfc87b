//! Positional (`params!`, arrays, tuples) and named (`named_params!`) arguments.

use crate::common::*;
use libsql::{named_params, params, Value};

#[tokio::test]
async fn positional_params_of_every_type() {
    let conn = connect().await;
    let mut rows = conn
        .query(
            "SELECT ?1, ?2, ?3, ?4, ?5, typeof(?1), typeof(?2), typeof(?3), typeof(?4), typeof(?5)",
            params![42i64, 1.5f64, "txt", vec![1u8, 2, 3], None::<i64>],
        )
        .await
        .unwrap();
    let row = rows.next().await.unwrap().unwrap();
    assert_eq!(row.get_value(0).unwrap(), Value::Integer(42));
    assert_eq!(row.get_value(1).unwrap(), Value::Real(1.5));
    assert_eq!(row.get_value(2).unwrap(), Value::Text("txt".into()));
    assert_eq!(row.get_value(3).unwrap(), Value::Blob(vec![1, 2, 3]));
    assert_eq!(row.get_value(4).unwrap(), Value::Null);
    let types: Vec<String> = (5..10).map(|i| row.get::<String>(i).unwrap()).collect();
    assert_eq!(types, ["integer", "real", "text", "blob", "null"]);
    assert!(rows.next().await.unwrap().is_none());
}

#[tokio::test]
async fn anonymous_and_numbered_placeholders() {
    let conn = connect().await;
    fresh_table(&conn, "p_pos", "a INTEGER, b TEXT, c REAL").await;

    // Bare `?` placeholders, bound in order; arrays and tuples work as params too.
    conn.execute("INSERT INTO p_pos VALUES (?, ?, ?)", params![1, "one", 1.0]).await.unwrap();
    conn.execute("INSERT INTO p_pos (a, b) VALUES (?, ?)", (2, "two")).await.unwrap();
    conn.execute("INSERT INTO p_pos (a) VALUES (?)", [3]).await.unwrap();
    // Numbered placeholders may repeat and come out of order.
    conn.execute("INSERT INTO p_pos VALUES (?2, ?1, ?2)", params!["four", 4]).await.unwrap();

    let mut rows = conn
        .query("SELECT a, b, c FROM p_pos WHERE a >= ? ORDER BY a", [1])
        .await
        .unwrap();
    let mut got = Vec::new();
    while let Some(row) = rows.next().await.unwrap() {
        got.push((
            row.get::<i64>(0).unwrap(),
            row.get::<Option<String>>(1).unwrap(),
            row.get::<Option<f64>>(2).unwrap(),
        ));
    }
    assert_eq!(
        got,
        vec![
            (1, Some("one".to_string()), Some(1.0)),
            (2, Some("two".to_string()), None),
            (3, None, None),
            (4, Some("four".to_string()), Some(4.0)),
        ]
    );
}

#[tokio::test]
async fn named_params_with_each_prefix() {
    let conn = connect().await;
    fresh_table(&conn, "p_named", "id INTEGER PRIMARY KEY, name TEXT, score REAL").await;

    // Names given with the same prefix as in the SQL text.
    let n = conn
        .execute(
            "INSERT INTO p_named VALUES (:id, @name, $score)",
            named_params! { ":id": 1, "@name": "alice", "$score": 9.5 },
        )
        .await
        .unwrap();
    assert_eq!(n, 1);

    // Order of the named arguments does not matter.
    conn.execute(
        "INSERT INTO p_named VALUES (:id, :name, :score)",
        named_params! { ":score": 7.25, ":name": "bob", ":id": 2 },
    )
    .await
    .unwrap();

    // A name used twice in the SQL is bound once.
    let mut rows = conn
        .query(
            "SELECT name, score FROM p_named WHERE id = :id OR (:id = 0 AND name = :who) ORDER BY id",
            named_params! { ":id": 2, ":who": "nobody" },
        )
        .await
        .unwrap();
    let row = rows.next().await.unwrap().unwrap();
    assert_eq!(row.get::<String>(0).unwrap(), "bob");
    assert_eq!(row.get::<f64>(1).unwrap(), 7.25);
    assert!(rows.next().await.unwrap().is_none());

    let mut rows = conn
        .query(
            "SELECT id, name, score FROM p_named WHERE name = @name",
            named_params! { "@name": "alice" },
        )
        .await
        .unwrap();
    let row = rows.next().await.unwrap().unwrap();
    assert_eq!(row.get::<i64>(0).unwrap(), 1);
    assert_eq!(row.get::<String>(1).unwrap(), "alice");
    assert_eq!(row.get::<f64>(2).unwrap(), 9.5);
    assert!(rows.next().await.unwrap().is_none());
}

#[tokio::test]
async fn named_params_without_prefix() {
    // Hrana servers also match an argument named `id` to the parameter `:id`.
    let conn = connect().await;
    let mut rows = conn
        .query(
            "SELECT :a, @b, $c",
            named_params! { "a": 1, "b": "two", "c": vec![3u8] },
        )
        .await
        .unwrap();
    let row = rows.next().await.unwrap().unwrap();
    assert_eq!(row.get::<i64>(0).unwrap(), 1);
    assert_eq!(row.get::<String>(1).unwrap(), "two");
    assert_eq!(row.get::<Vec<u8>>(2).unwrap(), vec![3u8]);
}

#[tokio::test]
async fn named_params_of_every_type_and_null() {
    let conn = connect().await;
    let mut rows = conn
        .query(
            "SELECT :i, :r, :t, :b, :n",
            named_params! {
                ":i": i64::MIN,
                ":r": -0.125,
                ":t": "ünïcödé",
                ":b": vec![0u8, 255],
                ":n": None::<String>,
            },
        )
        .await
        .unwrap();
    let row = rows.next().await.unwrap().unwrap();
    assert_eq!(row.get::<i64>(0).unwrap(), i64::MIN);
    assert_eq!(row.get::<f64>(1).unwrap(), -0.125);
    assert_eq!(row.get::<String>(2).unwrap(), "ünïcödé");
    assert_eq!(row.get::<Vec<u8>>(3).unwrap(), vec![0u8, 255]);
    assert_eq!(row.get_value(4).unwrap(), Value::Null);
}

#[tokio::test]
async fn missing_argument_is_an_error() {
    let conn = connect().await;
    fresh_table(&conn, "p_missing", "a INTEGER NOT NULL, b INTEGER NOT NULL").await;
    // The server reports ARGS_INVALID when a parameter has no value.
    let res = conn.execute("INSERT INTO p_missing VALUES (?1, ?2)", params![1]).await;
    assert_err_contains(res, &["ARGS_INVALID"]);
    // The connection still works and nothing was inserted.
    assert_eq!(scalar_i64(&conn, "SELECT count(*) FROM p_missing").await, 0);
}
