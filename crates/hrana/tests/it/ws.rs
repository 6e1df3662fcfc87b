//! WebSocket transcripts (§13).

use basalt_hrana::{
    ClientMsg, Col, CursorEntry, Error, Request, Response, ResponseError, ServerMsg,
    StepBeginEntry, StepEndEntry, StepErrorEntry, StmtResult, Subprotocol, Value, Version,
};

use crate::{minify, to_json};

fn parse(text: &str) -> ClientMsg {
    serde_json::from_str(text).unwrap()
}

#[test]
fn hrana2_session_requests() {
    let msgs = [
        r#"{"type": "hello", "jwt": null}"#,
        r#"{"type": "request", "request_id": 1, "request": {"type": "open_stream", "stream_id": 1}}"#,
        r#"{
       "type": "request",
       "request_id": 2,
       "request": {
         "type": "execute",
         "stream_id": 1,
         "stmt": {
           "sql": "SELECT ? AS a, 1.5 AS f, x'01' AS bl, NULL AS n, 'txt' AS s",
           "args": [{"type": "integer", "value": "1"}],
           "want_rows": true
         }
       }
     }"#,
        r#"{
       "type": "request",
       "request_id": 5,
       "request": {
         "type": "batch",
         "stream_id": 1,
         "batch": {
           "steps": [
             {"stmt": {"sql": "SELECT 1"}},
             {"stmt": {"sql": "INSERT INTO t (id) VALUES (1)"}},
             {"condition": {"type": "error", "step": 1}, "stmt": {"sql": "SELECT 'handled'"}},
             {"condition": {"type": "ok", "step": 1}, "stmt": {"sql": "SELECT 'skipped'"}}
           ]
         }
       }
     }"#,
        r#"{"type": "request", "request_id": 7, "request": {"type": "sequence", "stream_id": 1, "sql": "CREATE TABLE wsseq (x); INSERT INTO wsseq VALUES (1);"}}"#,
        r#"{"type": "request", "request_id": 8, "request": {"type": "describe", "stream_id": 1, "sql": "SELECT x FROM wsseq WHERE x > ?"}}"#,
        r#"{"type": "request", "request_id": 9, "request": {"type": "store_sql", "sql_id": 1, "sql": "SELECT count(*) AS c FROM wsseq"}}"#,
        r#"{"type": "request", "request_id": 10, "request": {"type": "execute", "stream_id": 1, "stmt": {"sql_id": 1}}}"#,
        r#"{"type": "request", "request_id": 11, "request": {"type": "close_sql", "sql_id": 1}}"#,
        r#"{"type": "request", "request_id": 17, "request": {"type": "close_stream", "stream_id": 1}}"#,
    ];
    let mut first = true;
    for text in msgs {
        let msg = parse(text);
        msg.check_hello(first, Version::Hrana2).unwrap();
        first = false;
        if let ClientMsg::Request { request, .. } = &msg {
            request.check_version(Version::Hrana2).unwrap();
        }
        // Protobuf twin round trip.
        assert_eq!(
            ClientMsg::decode_protobuf(&msg.clone().encode_protobuf()).unwrap(),
            msg
        );
    }
    let ClientMsg::Request {
        request: Request::Execute(e),
        ..
    } = parse(msgs[2])
    else {
        panic!("execute expected")
    };
    assert_eq!(e.stmt.args, vec![Value::Integer(1)]);
}

#[test]
fn hrana2_session_responses() {
    let execute = ServerMsg::ResponseOk {
        request_id: 2,
        response: Response::Execute {
            result: StmtResult {
                cols: ["a", "f", "bl", "n", "s"]
                    .iter()
                    .map(|n| Col::new(*n, None))
                    .collect(),
                rows: vec![vec![
                    Value::Integer(1),
                    Value::Float(1.5),
                    Value::Blob(vec![1]),
                    Value::Null,
                    Value::Text("txt".into()),
                ]],
                replication_index: Some(54),
                query_duration_ms: 0.023,
                ..Default::default()
            },
        },
    };
    assert_eq!(
        to_json(&execute),
        minify(
            r#"{
       "type": "response_ok",
       "request_id": 2,
       "response": {
         "type": "execute",
         "result": {
           "cols": [
             {"name": "a", "decltype": null},
             {"name": "f", "decltype": null},
             {"name": "bl", "decltype": null},
             {"name": "n", "decltype": null},
             {"name": "s", "decltype": null}
           ],
           "rows": [
             [
               {"type": "integer", "value": "1"},
               {"type": "float", "value": 1.5},
               {"type": "blob", "base64": "AQ"},
               {"type": "null"},
               {"type": "text", "value": "txt"}
             ]
           ],
           "affected_row_count": 0,
           "last_insert_rowid": null,
           "replication_index": "54",
           "rows_read": 0,
           "rows_written": 0,
           "query_duration_ms": 0.023
         }
       }
     }"#
        )
    );
    let err = ServerMsg::ResponseError {
        request_id: 16,
        error: ResponseError::ArgsInvalid(basalt_hrana::ArgsError::ValueNotFound { index: 1 })
            .to_error(),
    };
    assert_eq!(
        to_json(&err),
        minify(
            r#"{
       "type": "response_error",
       "request_id": 16,
       "error": {
         "message": "Arguments do not match SQL parameters: value for parameter 1 not found",
         "code": "ARGS_INVALID"
       }
     }"#
        )
    );
    for (msg, text) in [
        (ServerMsg::HelloOk, r#"{"type": "hello_ok"}"#),
        (
            ServerMsg::ResponseOk {
                request_id: 1,
                response: Response::OpenStream,
            },
            r#"{"type": "response_ok", "request_id": 1, "response": {"type": "open_stream"}}"#,
        ),
        (
            ServerMsg::ResponseOk {
                request_id: 7,
                response: Response::Sequence,
            },
            r#"{"type": "response_ok", "request_id": 7, "response": {"type": "sequence"}}"#,
        ),
        (
            ServerMsg::ResponseOk {
                request_id: 17,
                response: Response::CloseStream,
            },
            r#"{"type": "response_ok", "request_id": 17, "response": {"type": "close_stream"}}"#,
        ),
        (
            ServerMsg::ResponseOk {
                request_id: 7,
                response: Response::CloseCursor,
            },
            r#"{"type": "response_ok", "request_id": 7, "response": {"type": "close_cursor"}}"#,
        ),
    ] {
        assert_eq!(to_json(&msg), minify(text));
        assert_eq!(
            ServerMsg::decode_protobuf(&msg.clone().encode_protobuf()).unwrap(),
            msg
        );
    }
}

#[test]
fn hrana3_fetch_cursor() {
    let req = parse(
        r#"{
       "type": "request",
       "request_id": 3,
       "request": {
         "type": "open_cursor",
         "stream_id": 1,
         "cursor_id": 1,
         "batch": {
           "steps": [
             {"stmt": {"sql": "SELECT id, s FROM t ORDER BY id LIMIT 3"}},
             {"stmt": {"sql": "INSERT INTO t (id) VALUES (1)"}},
             {"condition": {"type": "ok", "step": 1}, "stmt": {"sql": "SELECT 'skipped'"}},
             {"condition": {"type": "error", "step": 1}, "stmt": {"sql": "SELECT 'recovered' AS r"}}
           ]
         }
       }
     }"#,
    );
    let ClientMsg::Request { request, .. } = &req else {
        panic!()
    };
    assert!(request.check_version(Version::Hrana2).is_err());
    request.check_version(Version::Hrana3).unwrap();

    let resp = ServerMsg::ResponseOk {
        request_id: 5,
        response: Response::FetchCursor {
            entries: vec![
                CursorEntry::Row {
                    row: vec![Value::Integer(2), Value::Null],
                },
                CursorEntry::Row {
                    row: vec![Value::Integer(3), Value::Null],
                },
                CursorEntry::StepEnd(StepEndEntry {
                    affected_row_count: 0,
                    last_insert_rowid: None,
                }),
                CursorEntry::StepBegin(StepBeginEntry {
                    step: 1,
                    cols: vec![],
                }),
                CursorEntry::StepError(StepErrorEntry {
                    step: 1,
                    error: Error::new(
                        "SQLite error: UNIQUE constraint failed: t.id",
                        "SQLITE_CONSTRAINT",
                    ),
                }),
                CursorEntry::StepBegin(StepBeginEntry {
                    step: 3,
                    cols: vec![Col::new("r", None)],
                }),
                CursorEntry::Row {
                    row: vec![Value::Text("recovered".into())],
                },
                CursorEntry::StepEnd(StepEndEntry {
                    affected_row_count: 0,
                    last_insert_rowid: None,
                }),
                CursorEntry::ReplicationIndex {
                    replication_index: Some(58),
                },
            ],
            done: true,
        },
    };
    assert_eq!(
        to_json(&resp),
        minify(
            r#"{
       "type": "response_ok",
       "request_id": 5,
       "response": {
         "type": "fetch_cursor",
         "entries": [
           {"type": "row", "row": [{"type": "integer", "value": "2"}, {"type": "null"}]},
           {"type": "row", "row": [{"type": "integer", "value": "3"}, {"type": "null"}]},
           {"type": "step_end", "affected_row_count": 0, "last_insert_rowid": null},
           {"type": "step_begin", "step": 1, "cols": []},
           {
             "type": "step_error",
             "step": 1,
             "error": {
               "message": "SQLite error: UNIQUE constraint failed: t.id",
               "code": "SQLITE_CONSTRAINT"
             }
           },
           {"type": "step_begin", "step": 3, "cols": [{"name": "r", "decltype": null}]},
           {"type": "row", "row": [{"type": "text", "value": "recovered"}]},
           {"type": "step_end", "affected_row_count": 0, "last_insert_rowid": null},
           {"type": "replication_index", "replication_index": 58}
         ],
         "done": true
       }
     }"#
        )
    );
    assert_eq!(
        ServerMsg::decode_protobuf(&resp.clone().encode_protobuf()).unwrap(),
        resp
    );
}

#[test]
fn version_gated_requests_on_hrana1_and_hrana2() {
    let seq = parse(
        r#"{"type": "request", "request_id": 4, "request": {"type": "sequence", "stream_id": 1, "sql": "SELECT 1"}}"#,
    );
    let ClientMsg::Request { request, .. } = &seq else {
        panic!()
    };
    assert!(request.check_version(Version::Hrana1).is_err());
    let ga = parse(
        r#"{"type": "request", "request_id": 2, "request": {"type": "get_autocommit", "stream_id": 1}}"#,
    );
    let ClientMsg::Request { request, .. } = &ga else {
        panic!()
    };
    assert!(request.check_version(Version::Hrana2).is_err());
}

#[test]
fn subprotocols() {
    assert_eq!(
        Subprotocol::negotiate(["hrana1, hrana2, hrana3"]),
        Ok(Some(Subprotocol::Hrana3))
    );
    assert_eq!(Subprotocol::negotiate(std::iter::empty()), Ok(None));
    assert_eq!(
        Subprotocol::negotiate(["foo"]).unwrap_err().to_string(),
        "Only these WebSocket subprotocols are supported: hrana3-protobuf hrana3 hrana2 hrana1"
    );
}
