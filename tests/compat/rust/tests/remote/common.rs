use libsql::{Builder, Connection, Database};

/// The server's base URL, from `BASALT_URL`.
pub fn url() -> String {
    match std::env::var("BASALT_URL") {
        Ok(url) if !url.trim().is_empty() => url.trim().to_string(),
        _ => panic!(
            "BASALT_URL is not set: start a Basalt server (`basalt serve`) and export \
             BASALT_URL=http://HOST:PORT, or use tests/compat/rust/run.sh, which does both"
        ),
    }
}

/// A remote database handle, built the way applications build one.
pub async fn db() -> Database {
    Builder::new_remote(url(), String::new())
        .build()
        .await
        .expect("Builder::new_remote(..).build()")
}

/// A fresh connection on a fresh database handle.
pub async fn connect() -> Connection {
    db().await.connect().expect("Database::connect()")
}

/// Drops and re-creates a table for one test.
pub async fn fresh_table(conn: &Connection, name: &str, columns: &str) {
    conn.execute(&format!("DROP TABLE IF EXISTS {name}"), ())
        .await
        .unwrap_or_else(|e| panic!("DROP TABLE {name}: {e}"));
    conn.execute(&format!("CREATE TABLE {name} ({columns})"), ())
        .await
        .unwrap_or_else(|e| panic!("CREATE TABLE {name}: {e}"));
}

/// The single integer that `sql` returns (first column of the only row).
pub async fn scalar_i64(conn: &Connection, sql: &str) -> i64 {
    let mut rows = conn
        .query(sql, ())
        .await
        .unwrap_or_else(|e| panic!("query {sql:?}: {e}"));
    let row = rows
        .next()
        .await
        .unwrap_or_else(|e| panic!("first row of {sql:?}: {e}"))
        .unwrap_or_else(|| panic!("{sql:?} returned no rows"));
    let value = row
        .get::<i64>(0)
        .unwrap_or_else(|e| panic!("column 0 of {sql:?} as i64: {e}"));
    assert!(
        rows.next().await.expect("reading past the only row").is_none(),
        "{sql:?} returned more than one row"
    );
    value
}

/// The error's full text (Display and Debug), for substring checks.
pub fn err_text(err: &libsql::Error) -> String {
    format!("{err} / {err:?}")
}

/// Asserts that `result` is an error whose text contains every one of `needles`.
#[track_caller]
pub fn assert_err_contains<T>(result: libsql::Result<T>, needles: &[&str]) {
    match result {
        Ok(_) => panic!("expected an error containing {needles:?}, got Ok"),
        Err(e) => {
            let text = err_text(&e);
            for needle in needles {
                assert!(
                    text.contains(needle),
                    "error does not contain {needle:?}: {text}"
                );
            }
        }
    }
}
