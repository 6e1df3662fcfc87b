//! Streams across requests: batons, interactive transactions, expiry.

use std::time::Duration;

use serde_json::json;

use crate::{TestServer, ints};

#[tokio::test]
async fn a_transaction_spans_requests_and_is_isolated() {
    let server = TestServer::spawn().await;
    server.execute("CREATE TABLE t (a)").await;
    let body = server
        .pipeline(
            None,
            json!([
                {"type": "execute", "stmt": {"sql": "BEGIN"}},
                {"type": "execute", "stmt": {"sql": "INSERT INTO t VALUES (1)"}}
            ]),
        )
        .await;
    let baton1 = body["baton"].as_str().unwrap().to_string();
    // Another stream does not see the uncommitted row (and is not blocked by it).
    assert_eq!(
        ints(&server.execute("SELECT count(*) FROM t").await),
        vec![vec![0]]
    );
    let body = server
        .pipeline(
            Some(&baton1),
            json!([
                {"type": "execute", "stmt": {"sql": "INSERT INTO t VALUES (2)"}},
                {"type": "execute", "stmt": {"sql": "COMMIT"}}
            ]),
        )
        .await;
    let baton2 = body["baton"].as_str().unwrap().to_string();
    assert_ne!(baton1, baton2);
    assert_eq!(baton1[..20], baton2[..20]);
    assert_eq!(
        ints(&server.execute("SELECT count(*) FROM t").await),
        vec![vec![2]]
    );

    // The old baton is refused; the newest one still works.
    let (status, _, response) = server
        .post("/v2/pipeline", &json!({"baton": baton1, "requests": []}))
        .await;
    assert_eq!(
        (status, response),
        (400, json!("Received a baton that has already been used"))
    );
    let body = server
        .pipeline(Some(&baton2), json!([{"type": "close"}]))
        .await;
    assert_eq!(body["baton"], json!(null));
    // A closed stream's baton and a forged one are invalid.
    for baton in [baton2.as_str(), "not base64!", "AAAA"] {
        let (status, _, response) = server
            .post("/v2/pipeline", &json!({"baton": baton, "requests": []}))
            .await;
        assert_eq!(
            (status, response),
            (400, json!("Received an invalid baton")),
            "{baton}"
        );
    }
}

#[tokio::test]
async fn idle_streams_expire_and_roll_back() {
    let server =
        TestServer::spawn_with(|c| c.stream_idle_timeout = Duration::from_millis(600)).await;
    server.execute("CREATE TABLE t (a)").await;
    let body = server
        .pipeline(
            None,
            json!([
                {"type": "execute", "stmt": {"sql": "BEGIN"}},
                {"type": "execute", "stmt": {"sql": "INSERT INTO t VALUES (1)"}}
            ]),
        )
        .await;
    let baton = body["baton"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (status, content_type, response) = server
        .post("/v2/pipeline", &json!({"baton": baton, "requests": []}))
        .await;
    assert_eq!(status, 400);
    assert_eq!(content_type, "application/json");
    assert_eq!(
        response,
        json!({"message": "The stream has expired due to inactivity", "code": "STREAM_EXPIRED"})
    );
    // The abandoned transaction was rolled back, and its write lock released.
    assert_eq!(
        ints(&server.execute("SELECT count(*) FROM t").await),
        vec![vec![0]]
    );
    assert_eq!(
        server.execute("INSERT INTO t VALUES (5)").await["affected_row_count"],
        1
    );
}

#[tokio::test]
async fn concurrent_writers_queue_instead_of_failing_busy() {
    let server = std::sync::Arc::new(TestServer::spawn().await);
    server.execute("CREATE TABLE t (a)").await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let server = server.clone();
        tasks.push(tokio::spawn(async move {
            let body = server
                .pipeline(
                    None,
                    json!([
                        {"type": "execute", "stmt": {"sql": "BEGIN IMMEDIATE"}},
                        {"type": "execute", "stmt": {"sql": format!("INSERT INTO t VALUES ({i})")}},
                        {"type": "execute", "stmt": {"sql": "SELECT count(*) FROM t"}},
                    ]),
                )
                .await;
            let baton = body["baton"].as_str().unwrap().to_string();
            tokio::time::sleep(Duration::from_millis(20)).await;
            let body = server
                .pipeline(
                    Some(&baton),
                    json!([{"type": "execute", "stmt": {"sql": "COMMIT"}}, {"type": "close"}]),
                )
                .await;
            assert_eq!(body["results"][0]["type"], "ok", "{body}");
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(
        ints(&server.execute("SELECT count(*) FROM t").await),
        vec![vec![8]]
    );
}

#[tokio::test]
async fn a_cursor_baton_works_before_its_body_is_drained() {
    // Regression: the libsql crate reads a cursor up to the step's end and sends its next
    // request at once; the stream was still held by the undrained body and the newest
    // baton was refused as invalid.
    let server = TestServer::spawn().await;
    let response = server
        .http
        .post(server.url("/v3/cursor"))
        .body(
            json!({"baton": null, "batch": {"steps": [{"stmt": {"sql":
                "WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < 200000) SELECT x, randomblob(64) FROM s"}}]}})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    let mut response = response;
    let first = response.chunk().await.unwrap().unwrap();
    let head: serde_json::Value =
        serde_json::from_slice(first.split(|b| *b == b'\n').next().unwrap()).unwrap();
    let baton = head["baton"].as_str().unwrap().to_string();
    let (status, _, body) = server
        .post("/v3/pipeline", &json!({"baton": baton, "requests": [{"type": "execute", "stmt": {"sql": "SELECT 7"}}, {"type": "close"}]}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["results"][0]["response"]["result"]["rows"][0][0]["value"],
        "7"
    );
    drop(response);
}

#[tokio::test]
async fn a_client_vanishing_mid_request_leaves_nothing_held() {
    // The client sends a long write transaction's statement and drops the connection
    // before the answer; the server must finish or roll back and keep serving writers.
    let server =
        TestServer::spawn_with(|c| c.stream_idle_timeout = Duration::from_millis(500)).await;
    server.execute("CREATE TABLE t (a)").await;
    let body = json!({"baton": null, "requests": [
        {"type": "execute", "stmt": {"sql": "BEGIN IMMEDIATE"}},
        {"type": "execute", "stmt": {"sql":
            "INSERT INTO t WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < 300000) SELECT x FROM s"}}
    ]})
    .to_string();
    let http = server.http.clone();
    let url = server.url("/v2/pipeline");
    let request = tokio::spawn(async move { http.post(url).body(body).send().await });
    tokio::time::sleep(Duration::from_millis(30)).await;
    request.abort();
    // The abandoned transaction holds the write lock until its stream expires; then
    // writes go through again and the uncommitted rows are gone.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        server.execute("INSERT INTO t VALUES (-1)").await["affected_row_count"],
        1
    );
    assert_eq!(
        ints(&server.execute("SELECT count(*) FROM t").await),
        vec![vec![1]]
    );
}
