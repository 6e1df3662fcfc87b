//! The stateless APIs: `/v1/execute`, `/v1/batch` and `POST /`.

use serde_json::json;

use crate::TestServer;

#[tokio::test]
async fn v1_execute_and_errors() {
    let server = TestServer::spawn().await;
    let (status, _, body) = server
        .post("/v1/execute", &json!({"stmt": {"sql": "SELECT ? AS a, 2.5 AS b", "args": [{"type": "integer", "value": "1"}]}}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body["result"]["rows"],
        json!([[{"type": "integer", "value": "1"}, {"type": "float", "value": 2.5}]])
    );
    let (status, _, body) = server
        .post("/v1/execute", &json!({"stmt": {"sql": "SELEC 1"}}))
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], "SQL_PARSE_ERROR");
    server
        .execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
        .await;
    server.execute("INSERT INTO t VALUES (1)").await;
    let (status, _, body) = server
        .post(
            "/v1/execute",
            &json!({"stmt": {"sql": "INSERT INTO t (id) VALUES (1)"}}),
        )
        .await;
    assert_eq!(status, 500);
    assert_eq!(
        body,
        json!({"message": "SQLite error: UNIQUE constraint failed: t.id", "code": "SQLITE_CONSTRAINT"})
    );
    // A lone BEGIN is accepted and rolled back with the request's connection.
    let (status, _, _) = server
        .post("/v1/execute", &json!({"stmt": {"sql": "BEGIN"}}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        server.execute("INSERT INTO t VALUES (2)").await["affected_row_count"],
        1
    );
}

#[tokio::test]
async fn v1_batch_keeps_runtime_errors_per_step() {
    let server = TestServer::spawn().await;
    server
        .execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
        .await;
    server.execute("INSERT INTO t VALUES (1)").await;
    let (status, _, body) = server
        .post(
            "/v1/batch",
            &json!({"batch": {"steps": [
                {"stmt": {"sql": "SELECT 1"}},
                {"stmt": {"sql": "INSERT INTO t (id) VALUES (1)"}},
                {"condition": {"type": "error", "step": 1}, "stmt": {"sql": "SELECT 3"}},
                {"condition": {"type": "ok", "step": 1}, "stmt": {"sql": "SELECT 4"}}
            ]}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let results = &body["result"]["step_results"];
    assert!(
        results[0].is_object()
            && results[1].is_null()
            && results[2].is_object()
            && results[3].is_null()
    );
    assert_eq!(
        body["result"]["step_errors"][1]["code"],
        "SQLITE_CONSTRAINT"
    );
}

#[tokio::test]
async fn legacy_query_api() {
    let server = TestServer::spawn().await;
    let (status, _, body) = server
        .post(
            "/",
            &json!({"statements": [
                "CREATE TABLE t (a, b)",
                {"q": "INSERT INTO t VALUES (?, ?)", "params": [9007199254740993i64, {"base64": "AQI"}]},
                {"q": "INSERT INTO t VALUES (:a, :b)", "params": {"a": 1.5, "b": "x"}},
                "SELECT a, b FROM t ORDER BY rowid"
            ]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body[3]["results"]["columns"], json!(["a", "b"]));
    assert_eq!(
        body[3]["results"]["rows"],
        json!([[9007199254740993i64, {"base64": "AQI"}], [1.5, "x"]])
    );

    // A run-time error stops execution; earlier statements stay applied.
    let (status, _, body) = server
        .post("/", &json!({"statements": ["INSERT INTO t VALUES (1, 1)", "SELECT * FROM nope", "INSERT INTO t VALUES (2, 2)"]}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body[1], json!({"error": "no such table: nope"}));
    assert_eq!(body[2], json!(null));
    assert_eq!(
        server.execute("SELECT count(*) FROM t").await["rows"][0][0]["value"],
        "3"
    );

    // A syntax error anywhere runs nothing.
    let (status, _, body) = server
        .post(
            "/",
            &json!({"statements": ["INSERT INTO t VALUES (3, 3)", "SELEC 1"]}),
        )
        .await;
    assert_eq!(status, 500);
    assert_eq!(
        body,
        json!({"error": "Internal Error: `syntax error around L1:6: `SELEC``"})
    );
    // An open transaction is refused and rolled back.
    let (status, _, body) = server
        .post(
            "/",
            &json!({"statements": ["BEGIN", "INSERT INTO t VALUES (4, 4)"]}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"error": "Query error: `interactive transaction not allowed in HTTP queries`"})
    );
    assert_eq!(
        server.execute("SELECT count(*) FROM t").await["rows"][0][0]["value"],
        "3"
    );
    // Bad bodies.
    let (status, _, _) = server.post_raw("/", "{\"statements\": ").await;
    assert_eq!(status, 400);
    let (status, _, _) = server.post_raw("/", "{\"statements\": 7}").await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn meta_routes() {
    let server = TestServer::spawn().await;
    let health = server.http.get(server.url("/health")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let version = server.get_text("/version").await;
    assert!(version.starts_with("basalt "), "{version}");
    let v2 = server.get_text("/v2").await;
    assert_eq!(v2, "Hello, this is HTTP API v2 (Hrana over HTTP)");
    for path in ["/info", "/no/such/path", "/"] {
        let response = server.http.get(server.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
    }
    let response = server
        .http
        .get(server.url("/v2/pipeline"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
}

#[tokio::test]
async fn metrics_count_requests_and_statements() {
    let server = TestServer::spawn().await;
    server.execute("SELECT 1").await;
    server.execute("SELECT * FROM nope").await;
    let text = server.get_text("/metrics").await;
    let value = |name: &str| -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .unwrap_or_else(|| panic!("{name} missing in {text}"))
            .parse()
            .unwrap()
    };
    assert_eq!(value("basalt_http_requests_total"), 2);
    assert_eq!(value("basalt_statements_total"), 2);
    assert_eq!(value("basalt_statement_errors_total"), 1);
}
