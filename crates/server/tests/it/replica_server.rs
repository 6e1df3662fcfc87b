//! Read-replica servers (`basalt serve --primary URL`): a primary and a replica server in
//! this process, each on its own port and data directory, talking real HTTP/gRPC-web.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::TestServer;

async fn replica_of(primary: &TestServer) -> TestServer {
    let url = format!("http://{}", primary.addr);
    TestServer::spawn_with(move |c| c.primary_url = Some(url)).await
}

/// One /v3 pipeline (`get_autocommit` needs Hrana 3), asserting 200.
async fn pipeline3(server: &TestServer, baton: Option<&str>, requests: Value) -> Value {
    let (status, _, body) = server
        .post(
            "/v3/pipeline",
            &json!({"baton": baton, "requests": requests}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

fn rows(result: &Value) -> Vec<Vec<Value>> {
    serde_json::from_value(result["rows"].clone()).unwrap()
}

fn count(result: &Value) -> i64 {
    rows(result)[0][0]["value"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// Polls the replica until `sql`'s count equals `want` (the follower applies frames as
/// the primary commits them).
async fn wait_for_count(server: &TestServer, sql: &str, want: i64) -> Duration {
    let started = Instant::now();
    loop {
        let result = server.execute(sql).await;
        if result.get("rows").is_some() && count(&result) == want {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "replica did not reach {want} for {sql}: {result}"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writes_on_the_primary_reach_the_replica() {
    let primary = TestServer::spawn().await;
    primary
        .execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        .await;
    primary.execute("INSERT INTO t (v) VALUES ('before')").await;
    let replica = replica_of(&primary).await;
    // The replica caught up at start.
    assert_eq!(count(&replica.execute("SELECT count(*) FROM t").await), 1);
    for i in 0..20 {
        primary
            .execute(&format!("INSERT INTO t (v) VALUES ('after {i}')"))
            .await;
    }
    wait_for_count(&replica, "SELECT count(*) FROM t", 21).await;
    replica.stop().await;
    primary.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writes_through_the_replica_run_on_the_primary_and_read_back_locally() {
    let primary = TestServer::spawn().await;
    let replica = replica_of(&primary).await;
    let created = replica
        .execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)")
        .await;
    assert!(created.get("rows").is_some(), "{created}");
    let inserted = replica
        .execute("INSERT INTO t (v) VALUES ('a') RETURNING id")
        .await;
    assert_eq!(rows(&inserted)[0][0]["value"], "1", "{inserted}");
    assert_eq!(inserted["affected_row_count"], 1);
    // Read-your-writes: the replica answers the next read with the row.
    assert_eq!(count(&replica.execute("SELECT count(*) FROM t").await), 1);
    assert_eq!(count(&primary.execute("SELECT count(*) FROM t").await), 1);
    // SQL errors read as the primary's own.
    let error = replica.execute("INSERT INTO t (v) VALUES ('a')").await;
    assert_eq!(
        error,
        primary.execute("INSERT INTO t (v) VALUES ('a')").await
    );
    assert_eq!(error["code"], "SQLITE_CONSTRAINT", "{error}");
    let metrics = replica.get_text("/metrics").await;
    assert!(
        metrics.contains("basalt_forwarded_statements_total 3"),
        "{metrics}"
    );
    replica.stop().await;
    primary.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn transactions_through_the_replica_run_on_the_primary() {
    let primary = TestServer::spawn().await;
    primary
        .execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        .await;
    let replica = replica_of(&primary).await;
    wait_for_count(
        &replica,
        "SELECT count(*) FROM sqlite_schema WHERE name = 't'",
        1,
    )
    .await;
    let step = |sql: &str| json!({"type": "execute", "stmt": {"sql": sql}});
    let body = pipeline3(
        &replica,
        None,
        json!([
                step("BEGIN"),
                step("INSERT INTO t (v) VALUES ('in txn')"),
                step("SELECT count(*) FROM t"),
                {"type": "get_autocommit"},
        ]),
    )
    .await;
    let results = body["results"].as_array().unwrap();
    assert!(results.iter().all(|r| r["type"] == "ok"), "{body}");
    // Inside the transaction the read runs on the primary and sees the insert.
    assert_eq!(count(&results[2]["response"]["result"]), 1);
    assert_eq!(results[3]["response"]["is_autocommit"], false);
    let baton = body["baton"].as_str().unwrap().to_owned();
    // Not committed yet: the primary's other connections do not see it.
    assert_eq!(count(&primary.execute("SELECT count(*) FROM t").await), 0);
    let body = pipeline3(
        &replica,
        Some(&baton),
        json!([step("ROLLBACK"), {"type": "get_autocommit"}, {"type": "close"}]),
    )
    .await;
    assert_eq!(
        body["results"][1]["response"]["is_autocommit"], true,
        "{body}"
    );
    assert_eq!(count(&primary.execute("SELECT count(*) FROM t").await), 0);

    let body = replica
        .pipeline(
            None,
            json!([step("BEGIN"), step("INSERT INTO t (v) VALUES ('kept')"), step("COMMIT"),
                   step("SELECT v FROM t"), {"type": "close"}]),
        )
        .await;
    assert_eq!(
        rows(&body["results"][3]["response"]["result"])[0][0]["value"],
        "kept",
        "{body}"
    );
    assert_eq!(count(&primary.execute("SELECT count(*) FROM t").await), 1);
    replica.stop().await;
    primary.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_restarted_replica_catches_up() {
    let primary = TestServer::spawn().await;
    primary.execute("CREATE TABLE t (x)").await;
    let url = format!("http://{}", primary.addr);
    // The replica's data directory outlives its first server.
    let kept = tempfile::tempdir().unwrap();
    let start_replica = || {
        let (data, url) = (kept.path().join("data"), url.clone());
        TestServer::spawn_with(move |c| {
            c.data_dir = data;
            c.primary_url = Some(url);
        })
    };
    let replica = start_replica().await;
    wait_for_count(
        &replica,
        "SELECT count(*) FROM sqlite_schema WHERE name = 't'",
        1,
    )
    .await;
    replica.stop().await;
    for i in 0..50 {
        primary
            .execute(&format!("INSERT INTO t VALUES ({i})"))
            .await;
    }
    let replica = start_replica().await;
    wait_for_count(&replica, "SELECT count(*) FROM t", 50).await;
    let check = replica.execute("PRAGMA integrity_check").await;
    assert_eq!(rows(&check)[0][0]["value"], "ok");
    replica.stop().await;
    primary.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_replica_keeps_serving_reads_while_the_primary_is_down() {
    let primary = TestServer::spawn().await;
    primary.execute("CREATE TABLE t (x)").await;
    primary.execute("INSERT INTO t VALUES (1)").await;
    let replica = replica_of(&primary).await;
    wait_for_count(&replica, "SELECT count(*) FROM t", 1).await;
    primary.stop().await;
    assert_eq!(count(&replica.execute("SELECT count(*) FROM t").await), 1);
    let error = replica.execute("INSERT INTO t VALUES (2)").await;
    let message = error["message"].as_str().unwrap_or_default();
    assert!(message.contains("primary"), "{error}");
    replica.stop().await;
}
