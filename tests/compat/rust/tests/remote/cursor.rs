//! Large results: `query` streams rows through POST /v3/cursor.

use crate::common::*;

const N: i64 = 10_000;

#[tokio::test]
async fn ten_thousand_rows_from_a_table() {
    let conn = connect().await;
    fresh_table(&conn, "c_big", "id INTEGER PRIMARY KEY, name TEXT NOT NULL, payload BLOB, score REAL").await;
    let inserted = conn
        .execute(
            "WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq WHERE x < ?1)
             INSERT INTO c_big (id, name, payload, score)
             SELECT x, 'row-' || x, CAST(printf('%040d', x) AS BLOB), x / 4.0 FROM seq",
            [N],
        )
        .await
        .unwrap();
    assert_eq!(inserted, N as u64);
    assert_eq!(conn.changes(), N as u64);

    let mut rows = conn
        .query("SELECT id, name, payload, score FROM c_big ORDER BY id", ())
        .await
        .unwrap();
    assert_eq!(rows.column_count(), 4);
    let mut expected = 1i64;
    while let Some(row) = rows.next().await.unwrap() {
        assert_eq!(row.get::<i64>(0).unwrap(), expected);
        assert_eq!(row.get::<String>(1).unwrap(), format!("row-{expected}"));
        assert_eq!(row.get::<Vec<u8>>(2).unwrap(), format!("{expected:040}").into_bytes());
        assert_eq!(row.get::<f64>(3).unwrap(), expected as f64 / 4.0);
        expected += 1;
    }
    assert_eq!(expected - 1, N, "number of rows read");
    // Reading past the end keeps returning None.
    assert!(rows.next().await.unwrap().is_none());
    drop(rows);

    // The connection is usable after a fully read cursor.
    assert_eq!(scalar_i64(&conn, "SELECT count(*) FROM c_big").await, N);
}

#[tokio::test]
async fn connection_usable_after_dropping_a_partly_read_query() {
    // Reading the first rows of a large query and dropping `Rows` is ordinary
    // use. The crate then drops the /v3/cursor response mid-body (hyper closes
    // that HTTP connection) and sends its next request, carrying the baton from
    // the cursor's first line, right away on a new HTTP connection: the server
    // may not have noticed the abandoned cursor yet.
    let conn = connect().await;
    for round in 0..20i64 {
        let mut rows = conn
            .query(
                "WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq WHERE x < 100000)
                 SELECT x, printf('%0100d', x) FROM seq",
                (),
            )
            .await
            .unwrap_or_else(|e| panic!("round {round}: query: {e}"));
        for i in 1..=3i64 {
            let row = rows.next().await.unwrap().unwrap();
            assert_eq!(row.get::<i64>(0).unwrap(), i);
        }
        drop(rows);
        let mut rows = conn
            .query("SELECT ?1 * 2", [round])
            .await
            .unwrap_or_else(|e| panic!("round {round}: the query after a dropped cursor failed: {e}"));
        assert_eq!(rows.next().await.unwrap().unwrap().get::<i64>(0).unwrap(), round * 2);
    }
}

#[tokio::test]
async fn ten_thousand_generated_rows_with_wide_text() {
    let conn = connect().await;
    let mut rows = conn
        .query(
            "WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq WHERE x < ?1)
             SELECT x, printf('%0200d', x) FROM seq",
            [N],
        )
        .await
        .unwrap();
    let mut count = 0i64;
    let mut sum = 0i64;
    while let Some(row) = rows.next().await.unwrap() {
        let x = row.get::<i64>(0).unwrap();
        let text = row.get::<String>(1).unwrap();
        assert_eq!(text.len(), 200);
        assert_eq!(text.trim_start_matches('0').parse::<i64>().unwrap(), x);
        count += 1;
        sum += x;
    }
    assert_eq!(count, N);
    assert_eq!(sum, N * (N + 1) / 2);
}
