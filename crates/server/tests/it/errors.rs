//! Statement errors (in-band) and protocol errors (400), with libSQL's codes and texts.

use serde_json::json;

use crate::TestServer;

#[tokio::test]
async fn statement_errors_carry_libsql_codes() {
    let server = TestServer::spawn().await;
    server
        .execute("CREATE TABLE t (id INTEGER PRIMARY KEY, n NOT NULL)")
        .await;
    server.execute("INSERT INTO t VALUES (1, 1)").await;
    let cases = [
        (
            "SELEC 1",
            "SQL_PARSE_ERROR",
            "SQL string could not be parsed: syntax error around L1:6: `SELEC`",
        ),
        (
            "SELECT * FROM nope",
            "SQLITE_UNKNOWN",
            "SQLite error: no such table: nope",
        ),
        (
            "INSERT INTO t VALUES (1, 1)",
            "SQLITE_CONSTRAINT",
            "SQLite error: UNIQUE constraint failed: t.id",
        ),
        (
            "INSERT INTO t VALUES (2, NULL)",
            "SQLITE_CONSTRAINT",
            "SQLite error: NOT NULL constraint failed: t.n",
        ),
        (
            "",
            "SQL_NO_STATEMENT",
            "SQL string does not contain any statement",
        ),
        (
            "SELECT 1; SELECT 2",
            "SQL_MANY_STATEMENTS",
            "SQL string contains more than one statement",
        ),
        (
            "SELECT ?, ?",
            "ARGS_INVALID",
            "Arguments do not match SQL parameters: value for parameter 1 not found",
        ),
    ];
    for (sql, code, message) in cases {
        let error = server.execute(sql).await;
        assert_eq!(error, json!({"message": message, "code": code}), "{sql}");
    }
}

#[tokio::test]
async fn later_requests_run_after_a_statement_error() {
    let server = TestServer::spawn().await;
    let body = server
        .pipeline(
            None,
            json!([
                {"type": "execute", "stmt": {"sql": "SELECT * FROM nope"}},
                {"type": "execute", "stmt": {"sql": "SELECT 2"}}
            ]),
        )
        .await;
    assert_eq!(body["results"][0]["type"], "error");
    assert_eq!(body["results"][1]["type"], "ok");
}

#[tokio::test]
async fn protocol_errors_fail_the_whole_pipeline() {
    let server = TestServer::spawn().await;
    let cases = [
        (
            r#"{"requests": ["#,
            "Cannot deserialize client message from JSON: EOF while parsing a list at line 1 column 14",
        ),
        (
            "",
            "Cannot deserialize client message from JSON: EOF while parsing a value at line 1 column 0",
        ),
        (
            r#"{"requests":[{"type":"close"},{"type":"execute","stmt":{"sql":"SELECT 1"}}]}"#,
            "Stream for this baton was closed",
        ),
        (
            r#"{"requests":[{"type":"execute","stmt":{}}]}"#,
            "Either `sql` or `sql_id` are required",
        ),
        (
            r#"{"requests":[{"type":"execute","stmt":{"sql_id":99}}]}"#,
            "SQL text 99 not found",
        ),
        (
            r#"{"requests":[{"type":"get_autocommit"}]}"#,
            "The `get_autocommit` request is only supported in protocol version hrana3 and higher",
        ),
        (
            r#"{"requests":[{"type":"batch","batch":{"steps":[{"condition":{"type":"ok","step":0},"stmt":{"sql":"SELECT 1"}}]}}]}"#,
            "Invalid reference to step in a batch condition",
        ),
    ];
    for (body, message) in cases {
        let (status, content_type, response) = server.post_raw("/v2/pipeline", body).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(content_type, "text/plain", "{body}");
        assert_eq!(response, json!(message), "{body}");
    }
    // The server keeps serving.
    assert_eq!(server.execute("SELECT 1").await["rows"][0][0]["value"], "1");
}

#[tokio::test]
async fn a_batch_with_a_syntax_error_runs_nothing() {
    let server = TestServer::spawn().await;
    server.execute("CREATE TABLE t (a)").await;
    let body = server
        .pipeline(
            None,
            json!([{"type": "batch", "batch": {"steps": [
                {"stmt": {"sql": "INSERT INTO t VALUES (1)"}},
                {"stmt": {"sql": "SELEC 2"}}
            ]}}]),
        )
        .await;
    assert_eq!(body["results"][0]["type"], "error");
    assert_eq!(body["results"][0]["error"]["code"], "SQL_PARSE_ERROR");
    assert_eq!(
        server.execute("SELECT count(*) FROM t").await["rows"][0][0]["value"],
        "0"
    );
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_413() {
    let server = TestServer::spawn_with(|c| c.max_request_bytes = 1024).await;
    let big = format!(
        r#"{{"requests":[{{"type":"execute","stmt":{{"sql":"SELECT '{}'"}}}}]}}"#,
        "x".repeat(4096)
    );
    let (status, _, body) = server.post_raw("/v2/pipeline", big).await;
    assert_eq!(status, 413);
    assert_eq!(body["code"], "REQUEST_TOO_LARGE");
    assert_eq!(server.execute("SELECT 1").await["rows"][0][0]["value"], "1");
}
