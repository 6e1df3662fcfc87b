//! `/v2/pipeline` and `/v3/pipeline`: results shaped as libSQL's server shapes them.

use serde_json::json;

use crate::{TestServer, ints};

#[tokio::test]
async fn seed_request_answers_select_1() {
    let server = TestServer::spawn().await;
    let (status, content_type, body) = server
        .post_raw(
            "/v2/pipeline",
            r#"{"requests":[{"type":"execute","stmt":{"sql":"SELECT 1"}}]}"#,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "application/json");
    assert_eq!(body["baton"].as_str().unwrap().len(), 64);
    assert_eq!(body["base_url"], json!(null));
    let result = &body["results"][0];
    assert_eq!(result["type"], "ok");
    assert_eq!(result["response"]["type"], "execute");
    let r = &result["response"]["result"];
    assert_eq!(r["cols"], json!([{"name": "1", "decltype": null}]));
    assert_eq!(r["rows"], json!([[{"type": "integer", "value": "1"}]]));
    assert_eq!(r["affected_row_count"], 0);
    assert_eq!(r["last_insert_rowid"], json!(null));
    assert!(r["query_duration_ms"].is_number());
}

#[tokio::test]
async fn values_of_every_type_round_trip() {
    let server = TestServer::spawn().await;
    server
        .execute("CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER, r REAL, s TEXT, b BLOB, n)")
        .await;
    let body = server
        .pipeline(
            None,
            json!([{"type": "execute", "stmt": {
            "sql": "INSERT INTO t (i, r, s, b, n) VALUES (?, ?, ?, ?, ?)",
            "args": [
                {"type": "integer", "value": "9223372036854775807"},
                {"type": "float", "value": 0.5},
                {"type": "text", "value": "héllo"},
                {"type": "blob", "base64": "AP8="},
                {"type": "null"}
            ]}}]),
        )
        .await;
    let insert = &body["results"][0]["response"]["result"];
    assert_eq!(insert["affected_row_count"], 1);
    assert_eq!(insert["last_insert_rowid"], "1");
    let select = server
        .execute("SELECT i, r, s, b, n, 1.0, 1e300, -0.0 FROM t")
        .await;
    assert_eq!(
        select["rows"][0],
        json!([
            {"type": "integer", "value": "9223372036854775807"},
            {"type": "float", "value": 0.5},
            {"type": "text", "value": "héllo"},
            {"type": "blob", "base64": "AP8"},
            {"type": "null"},
            {"type": "float", "value": 1.0},
            {"type": "float", "value": 1e300},
            {"type": "float", "value": -0.0}
        ])
    );
    assert_eq!(
        select["cols"][0],
        json!({"name": "i", "decltype": "INTEGER"})
    );
    assert_eq!(select["cols"][5], json!({"name": "1.0", "decltype": null}));
}

#[tokio::test]
async fn named_args_match_with_and_without_prefix() {
    let server = TestServer::spawn().await;
    let body = server
        .pipeline(
            None,
            json!([{"type": "execute", "stmt": {
            "sql": "SELECT :a, @b, $c",
            "named_args": [
                {"name": ":a", "value": {"type": "integer", "value": "1"}},
                {"name": "b", "value": {"type": "integer", "value": "2"}},
                {"name": "$c", "value": {"type": "integer", "value": "3"}}
            ]}}]),
        )
        .await;
    assert_eq!(
        ints(&body["results"][0]["response"]["result"]),
        vec![vec![1, 2, 3]]
    );
}

#[tokio::test]
async fn batch_conditions_skip_and_report_steps() {
    let server = TestServer::spawn().await;
    server
        .execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
        .await;
    server.execute("INSERT INTO t VALUES (1)").await;
    let body = server
        .pipeline(
            None,
            json!([{"type": "batch", "batch": {"steps": [
                {"stmt": {"sql": "SELECT 1"}},
                {"stmt": {"sql": "INSERT INTO t VALUES (1)"}},
                {"condition": {"type": "error", "step": 1}, "stmt": {"sql": "SELECT 3"}},
                {"condition": {"type": "ok", "step": 1}, "stmt": {"sql": "SELECT 4"}},
                {"condition": {"type": "and", "conds": []}, "stmt": {"sql": "SELECT 5"}},
                {"condition": {"type": "or", "conds": []}, "stmt": {"sql": "SELECT 6"}},
                {"condition": {"type": "not", "cond": {"type": "ok", "step": 3}}, "stmt": {"sql": "SELECT 7"}}
            ]}}]),
        )
        .await;
    let result = &body["results"][0]["response"]["result"];
    let ran: Vec<bool> = result["step_results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| !r.is_null())
        .collect();
    assert_eq!(ran, [true, false, true, false, true, false, true]);
    assert_eq!(
        result["step_errors"][1],
        json!({"message": "SQLite error: UNIQUE constraint failed: t.id", "code": "SQLITE_CONSTRAINT"})
    );
    assert!(result["step_errors"][3].is_null());
}

#[tokio::test]
async fn rollback_inside_a_v3_batch_stops_the_rest() {
    // The TS client's Hrana 3 batches guard each step with not(is_autocommit); a ROLLBACK
    // statement must therefore stop the steps after it.
    let server = TestServer::spawn().await;
    server.execute("CREATE TABLE t (a)").await;
    let guard = |step: u32| {
        json!({"type": "and", "conds": [
        {"type": "ok", "step": step}, {"type": "not", "cond": {"type": "is_autocommit"}}]})
    };
    let (status, _, body) = server
        .post(
            "/v3/pipeline",
            &json!({"baton": null, "requests": [{"type": "batch", "batch": {"steps": [
                {"stmt": {"sql": "BEGIN"}},
                {"condition": guard(0), "stmt": {"sql": "INSERT INTO t VALUES (1)"}},
                {"condition": guard(1), "stmt": {"sql": "ROLLBACK"}},
                {"condition": guard(2), "stmt": {"sql": "INSERT INTO t VALUES (2)"}},
                {"condition": guard(3), "stmt": {"sql": "COMMIT"}}
            ]}}, {"type": "close"}]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let ran: Vec<bool> = body["results"][0]["response"]["result"]["step_results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| !r.is_null())
        .collect();
    assert_eq!(ran, [true, true, true, false, false]);
    assert_eq!(
        ints(&server.execute("SELECT count(*) FROM t").await),
        vec![vec![0]]
    );
}

#[tokio::test]
async fn sequence_describe_store_sql_and_autocommit() {
    let server = TestServer::spawn().await;
    let (status, _, body) = server
        .post(
            "/v3/pipeline",
            &json!({"baton": null, "requests": [
                {"type": "sequence", "sql": "CREATE TABLE s (a INTEGER, b TEXT); INSERT INTO s VALUES (1, 'x');"},
                {"type": "describe", "sql": "SELECT a, b FROM s WHERE a = ? AND b = :b"},
                {"type": "store_sql", "sql_id": 7, "sql": "SELECT count(*) FROM s"},
                {"type": "execute", "stmt": {"sql_id": 7}},
                {"type": "execute", "stmt": {"sql": "BEGIN"}},
                {"type": "get_autocommit"},
                {"type": "execute", "stmt": {"sql": "COMMIT"}},
                {"type": "get_autocommit"},
                {"type": "close_sql", "sql_id": 7},
                {"type": "close"}
            ]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let results = body["results"].as_array().unwrap();
    assert_eq!(results[0]["response"], json!({"type": "sequence"}));
    assert_eq!(
        results[1]["response"]["result"],
        json!({
            "params": [{"name": null}, {"name": ":b"}],
            "cols": [{"name": "a", "decltype": "INTEGER"}, {"name": "b", "decltype": "TEXT"}],
            "is_explain": false,
            "is_readonly": true
        })
    );
    assert_eq!(ints(&results[3]["response"]["result"]), vec![vec![1]]);
    assert_eq!(
        results[5]["response"],
        json!({"type": "get_autocommit", "is_autocommit": false})
    );
    assert_eq!(
        results[7]["response"],
        json!({"type": "get_autocommit", "is_autocommit": true})
    );
    assert_eq!(body["baton"], json!(null));
}

#[tokio::test]
async fn temp_tables_live_for_the_stream() {
    let server = TestServer::spawn().await;
    let body = server
        .pipeline(
            None,
            json!([{"type": "execute", "stmt": {"sql": "CREATE TEMP TABLE tt (a)"}}]),
        )
        .await;
    assert_eq!(body["results"][0]["type"], "ok", "{body}");
    let baton = body["baton"].as_str().unwrap().to_string();
    let body = server
        .pipeline(
            Some(&baton),
            json!([{"type": "execute", "stmt": {"sql": "INSERT INTO tt VALUES (1)"}}]),
        )
        .await;
    assert_eq!(body["results"][0]["type"], "ok", "{body}");
    // Another stream does not see it.
    let other = server.execute("SELECT * FROM tt").await;
    assert_eq!(other["code"], "SQLITE_UNKNOWN");
}

#[tokio::test]
async fn v3_cursor_streams_entries() {
    let server = TestServer::spawn().await;
    server
        .execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
        .await;
    server.execute("INSERT INTO t VALUES (1)").await;
    let response = server
        .http
        .post(server.url("/v3/cursor"))
        .body(
            json!({"baton": null, "batch": {"steps": [
                {"stmt": {"sql": "SELECT id FROM t"}},
                {"stmt": {"sql": "INSERT INTO t VALUES (1)"}},
                {"condition": {"type": "ok", "step": 1}, "stmt": {"sql": "SELECT 3"}},
                {"stmt": {"sql": "INSERT INTO t VALUES (2)"}}
            ]}})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert!(text.ends_with('\n'));
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines[0]["baton"].is_string());
    let kinds: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "step_begin",
            "row",
            "step_end",
            "step_begin",
            "step_error",
            "step_begin",
            "step_end",
            "replication_index"
        ]
    );
    assert_eq!(
        lines[1],
        json!({"type": "step_begin", "step": 0, "cols": [{"name": "id", "decltype": "INTEGER"}]})
    );
    assert_eq!(
        lines[7],
        json!({"type": "step_end", "affected_row_count": 1, "last_insert_rowid": 2})
    );
}

#[tokio::test]
async fn connection_settings_do_not_leak_between_streams_and_wal_stays() {
    let server = TestServer::spawn().await;
    let body = server
        .pipeline(None, json!([{"type": "execute", "stmt": {"sql": "PRAGMA foreign_keys = OFF"}}, {"type": "close"}]))
        .await;
    assert_eq!(body["results"][0]["type"], "ok");
    // The next stream may reuse a pooled connection; it must have the defaults.
    for _ in 0..3 {
        assert_eq!(
            server.execute("PRAGMA foreign_keys").await["rows"][0][0]["value"],
            "1"
        );
    }
    let error = server.execute("PRAGMA journal_mode = DELETE").await;
    assert_eq!(error["code"], "SQLITE_AUTH", "{error}");
    assert_eq!(
        server.execute("PRAGMA journal_mode").await["rows"][0][0]["value"],
        "wal"
    );
}

#[tokio::test]
async fn compressed_cursor_bodies_and_protobuf_cursors() {
    // Regression: with Accept-Encoding the compression layer polled the body stream past
    // its end and the server task panicked.
    let server = TestServer::spawn().await;
    let response = server
        .http
        .post(server.url("/v3/cursor"))
        .header("accept-encoding", "deflate, gzip")
        .body(
            json!({"baton": null, "batch": {"steps": [{"stmt": {"sql": "SELECT 1 AS a"}}]}})
                .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let encoding = response
        .headers()
        .get("content-encoding")
        .map(|v| v.to_str().unwrap().to_string());
    assert!(
        matches!(encoding.as_deref(), Some("deflate" | "gzip")),
        "{encoding:?}"
    );
    let body = response.bytes().await.unwrap();
    assert!(!body.is_empty());

    // A protobuf cursor: length-delimited head and entries, no trailing replication_index.
    let request = basalt_hrana::CursorReqBody {
        baton: None,
        batch: basalt_hrana::Batch::from_stmts([basalt_hrana::Stmt::new("SELECT 1")]),
    };
    let response = server
        .http
        .post(server.url("/v3-protobuf/cursor"))
        .body(request.encode_protobuf())
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "application/octet-stream"
    );
    let body = response.bytes().await.unwrap();
    let mut buf = &body[..];
    let head = basalt_hrana::CursorRespBody::decode_protobuf_delimited(&mut buf).unwrap();
    assert!(head.baton.is_some());
    let mut kinds = Vec::new();
    while !buf.is_empty() {
        let entry = basalt_hrana::CursorEntry::decode_protobuf_delimited(&mut buf).unwrap();
        kinds.push(match entry {
            basalt_hrana::CursorEntry::StepBegin(_) => "step_begin",
            basalt_hrana::CursorEntry::Row { .. } => "row",
            basalt_hrana::CursorEntry::StepEnd(_) => "step_end",
            _ => "other",
        });
    }
    assert_eq!(kinds, ["step_begin", "row", "step_end"]);
}
