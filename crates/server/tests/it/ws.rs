//! Hrana over WebSocket with a real client socket.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::TestServer;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(server: &TestServer, protocol: Option<&str>) -> (Socket, Option<String>) {
    let mut request = format!("ws://{}/", server.addr)
        .into_client_request()
        .unwrap();
    if let Some(p) = protocol {
        request
            .headers_mut()
            .insert("sec-websocket-protocol", p.parse().unwrap());
    }
    let (socket, response) = tokio_tungstenite::connect_async(request).await.unwrap();
    let chosen = response
        .headers()
        .get("sec-websocket-protocol")
        .map(|v| v.to_str().unwrap().to_string());
    (socket, chosen)
}

async fn send(socket: &mut Socket, msg: Value) {
    socket
        .send(Message::Text(msg.to_string().into()))
        .await
        .unwrap();
}

async fn recv(socket: &mut Socket) -> Value {
    loop {
        match socket.next().await.unwrap().unwrap() {
            Message::Text(text) => return serde_json::from_str(&text).unwrap(),
            Message::Close(frame) => return json!({"closed": frame.map(|f| u16::from(f.code))}),
            _ => continue,
        }
    }
}

async fn request(socket: &mut Socket, id: i32, request: Value) -> Value {
    send(
        socket,
        json!({"type": "request", "request_id": id, "request": request}),
    )
    .await;
    recv(socket).await
}

#[tokio::test]
async fn negotiates_and_runs_requests() {
    let server = TestServer::spawn().await;
    let (mut ws, chosen) = connect(&server, Some("hrana1, hrana2, hrana3")).await;
    assert_eq!(chosen.as_deref(), Some("hrana3"));
    send(&mut ws, json!({"type": "hello", "jwt": null})).await;
    assert_eq!(recv(&mut ws).await, json!({"type": "hello_ok"}));
    assert_eq!(
        request(&mut ws, 1, json!({"type": "open_stream", "stream_id": 1})).await,
        json!({"type": "response_ok", "request_id": 1, "response": {"type": "open_stream"}})
    );
    let r = request(
        &mut ws,
        2,
        json!({"type": "execute", "stream_id": 1, "stmt": {"sql": "SELECT 42"}}),
    )
    .await;
    assert_eq!(
        r["response"]["result"]["rows"],
        json!([[{"type": "integer", "value": "42"}]])
    );
    let r = request(
        &mut ws,
        3,
        json!({"type": "execute", "stream_id": 1, "stmt": {"sql": "SELECT * FROM nope"}}),
    )
    .await;
    assert_eq!(r["type"], "response_error");
    assert_eq!(r["error"]["code"], "SQLITE_UNKNOWN");
    // The socket survives a statement error.
    assert_eq!(
        request(
            &mut ws,
            4,
            json!({"type": "store_sql", "sql_id": 5, "sql": "SELECT 5"})
        )
        .await["type"],
        "response_ok"
    );
    let r = request(
        &mut ws,
        5,
        json!({"type": "execute", "stream_id": 1, "stmt": {"sql_id": 5}}),
    )
    .await;
    assert_eq!(r["response"]["result"]["rows"][0][0]["value"], "5");
    let r = request(
        &mut ws,
        6,
        json!({"type": "get_autocommit", "stream_id": 1}),
    )
    .await;
    assert_eq!(
        r["response"],
        json!({"type": "get_autocommit", "is_autocommit": true})
    );
    // Cursors.
    let r = request(&mut ws, 7, json!({"type": "open_cursor", "stream_id": 1, "cursor_id": 1, "batch": {"steps": [
        {"stmt": {"sql": "WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < 3) SELECT x FROM s"}}
    ]}})).await;
    assert_eq!(r["response"], json!({"type": "open_cursor"}));
    let r = request(
        &mut ws,
        8,
        json!({"type": "fetch_cursor", "cursor_id": 1, "max_count": 100}),
    )
    .await;
    let kinds: Vec<&str> = r["response"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "step_begin",
            "row",
            "row",
            "row",
            "step_end",
            "replication_index"
        ]
    );
    assert_eq!(r["response"]["done"], true);
    assert_eq!(
        request(&mut ws, 9, json!({"type": "close_cursor", "cursor_id": 1})).await["type"],
        "response_ok"
    );
    assert_eq!(
        request(&mut ws, 10, json!({"type": "close_stream", "stream_id": 1})).await["type"],
        "response_ok"
    );
}

#[tokio::test]
async fn streams_on_one_socket_run_concurrently() {
    // Stream 1 holds a write transaction; stream 2's write waits for it. The socket must
    // keep serving stream 1 so it can commit and let stream 2 through.
    let server = TestServer::spawn().await;
    server.execute("CREATE TABLE t (a)").await;
    let (mut ws, _) = connect(&server, Some("hrana2")).await;
    send(&mut ws, json!({"type": "hello", "jwt": null})).await;
    recv(&mut ws).await;
    for (id, stream) in [(1, 1), (2, 2)] {
        request(
            &mut ws,
            id,
            json!({"type": "open_stream", "stream_id": stream}),
        )
        .await;
    }
    request(
        &mut ws,
        3,
        json!({"type": "execute", "stream_id": 1, "stmt": {"sql": "BEGIN IMMEDIATE"}}),
    )
    .await;
    send(&mut ws, json!({"type": "request", "request_id": 4, "request": {"type": "execute", "stream_id": 2, "stmt": {"sql": "INSERT INTO t VALUES (2)"}}})).await;
    send(&mut ws, json!({"type": "request", "request_id": 5, "request": {"type": "execute", "stream_id": 1, "stmt": {"sql": "INSERT INTO t VALUES (1)"}}})).await;
    send(&mut ws, json!({"type": "request", "request_id": 6, "request": {"type": "execute", "stream_id": 1, "stmt": {"sql": "COMMIT"}}})).await;
    let mut done = Vec::new();
    for _ in 0..3 {
        let r = recv(&mut ws).await;
        assert_eq!(r["type"], "response_ok", "{r}");
        done.push(r["request_id"].as_i64().unwrap());
    }
    // Stream 2's insert finishes only after stream 1 wrote (its COMMIT response may race
    // with stream 2's answer, which is sent the moment the write gate opens).
    let position = |id| done.iter().position(|d| *d == id).unwrap();
    assert!(position(5) < position(4), "{done:?}");
    assert_eq!(
        server.execute("SELECT count(*) FROM t").await["rows"][0][0]["value"],
        "2"
    );
}

#[tokio::test]
async fn protocol_violations_close_the_socket() {
    let server = TestServer::spawn().await;
    let (mut ws, chosen) = connect(&server, None).await;
    assert_eq!(chosen, None);
    send(&mut ws, json!({"type": "request", "request_id": 1, "request": {"type": "open_stream", "stream_id": 1}})).await;
    assert_eq!(recv(&mut ws).await, json!({"closed": 1008}));

    let (mut ws, _) = connect(&server, Some("hrana2")).await;
    send(&mut ws, json!({"type": "hello", "jwt": null})).await;
    recv(&mut ws).await;
    ws.send(Message::Text("{not json".into())).await.unwrap();
    assert_eq!(recv(&mut ws).await, json!({"closed": 1007}));

    let (mut ws, _) = connect(&server, Some("hrana2")).await;
    send(&mut ws, json!({"type": "hello", "jwt": null})).await;
    recv(&mut ws).await;
    let r = request(
        &mut ws,
        1,
        json!({"type": "execute", "stream_id": 9, "stmt": {"sql": "SELECT 1"}}),
    )
    .await;
    assert_eq!(r, json!({"closed": 1008}));

    // Unknown subprotocol: refused before the upgrade.
    let mut request = format!("ws://{}/", server.addr)
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("sec-websocket-protocol", "nope".parse().unwrap());
    assert!(tokio_tungstenite::connect_async(request).await.is_err());
    // The server keeps serving.
    assert_eq!(server.execute("SELECT 1").await["rows"][0][0]["value"], "1");
}

#[tokio::test]
async fn pipelined_fetches_get_consecutive_chunks_in_order() {
    // Regression: hrana-client sends several fetch_cursor requests ahead; each raced for
    // the cursor and chunks came back out of order.
    let server = TestServer::spawn().await;
    let (mut ws, _) = connect(&server, Some("hrana3")).await;
    send(&mut ws, json!({"type": "hello", "jwt": null})).await;
    recv(&mut ws).await;
    request(&mut ws, 1, json!({"type": "open_stream", "stream_id": 1})).await;
    let r = request(&mut ws, 2, json!({"type": "open_cursor", "stream_id": 1, "cursor_id": 1, "batch": {"steps": [
        {"stmt": {"sql": "WITH RECURSIVE s(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM s WHERE x < 4999) SELECT x FROM s"}}
    ]}})).await;
    assert_eq!(r["type"], "response_ok");
    for id in 10..18 {
        send(&mut ws, json!({"type": "request", "request_id": id, "request": {"type": "fetch_cursor", "cursor_id": 1, "max_count": 1000}})).await;
    }
    let mut rows = Vec::new();
    for expected_id in 10..18 {
        let r = recv(&mut ws).await;
        assert_eq!(r["request_id"], expected_id, "{r}");
        for entry in r["response"]["entries"].as_array().unwrap() {
            if entry["type"] == "row" {
                rows.push(
                    entry["row"][0]["value"]
                        .as_str()
                        .unwrap()
                        .parse::<i64>()
                        .unwrap(),
                );
            }
        }
    }
    assert_eq!(rows, (0..5000).collect::<Vec<_>>());
}

#[tokio::test]
async fn one_socket_cannot_open_unbounded_streams() {
    let server = TestServer::spawn().await;
    let (mut ws, _) = connect(&server, Some("hrana2")).await;
    send(&mut ws, json!({"type": "hello", "jwt": null})).await;
    recv(&mut ws).await;
    for id in 0..300 {
        send(&mut ws, json!({"type": "request", "request_id": id, "request": {"type": "open_stream", "stream_id": id}})).await;
    }
    let (mut opened, mut refused) = (0, 0);
    for _ in 0..300 {
        let r = recv(&mut ws).await;
        match r["type"].as_str().unwrap() {
            "response_ok" => opened += 1,
            "response_error" => {
                assert_eq!(r["error"]["code"], "STREAM_TOO_MANY", "{r}");
                refused += 1;
            }
            other => panic!("unexpected {other}: {r}"),
        }
    }
    assert_eq!((opened, refused), (256, 44));
    // The socket and its streams keep working, and so does everyone else.
    let r = request(
        &mut ws,
        1000,
        json!({"type": "execute", "stream_id": 7, "stmt": {"sql": "SELECT 7"}}),
    )
    .await;
    assert_eq!(r["response"]["result"]["rows"][0][0]["value"], "7");
    assert_eq!(server.execute("SELECT 1").await["rows"][0][0]["value"], "1");
}
