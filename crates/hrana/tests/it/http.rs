//! `/v2/pipeline`, `/v3/pipeline` and `/v3/cursor` transcripts (§3–§7, §9).

use basalt_hrana::{
    Batch, BatchCond, BatchResult, Col, CursorEntry, CursorRespBody, DescribeCol, DescribeParam,
    DescribeResult, Error, PipelineReqBody, PipelineRespBody, ResponseError, StepBeginEntry,
    StepEndEntry, StepErrorEntry, StepOutcome, StmtResult, StreamRequest, StreamResponse,
    StreamResult, Value, Version, encode_ndjson_line,
};

use crate::{minify, to_json};

fn result(cols: Vec<Col>, rows: Vec<Vec<Value>>, dur: f64) -> StmtResult {
    StmtResult {
        cols,
        rows,
        affected_row_count: 0,
        last_insert_rowid: None,
        replication_index: None,
        rows_read: 0,
        rows_written: 0,
        query_duration_ms: dur,
    }
}

fn text_col(name: &str) -> Col {
    Col::new(name, None)
}

fn ok(response: StreamResponse) -> StreamResult {
    StreamResult::Ok { response }
}

#[test]
fn insert_with_every_value_type_request() {
    let body: PipelineReqBody = serde_json::from_str(
        r#"{
  "baton": null,
  "requests": [
    {
      "type": "execute",
      "stmt": {
        "sql": "INSERT INTO t (i, r, s, b, n, x) VALUES (?, ?, ?, ?, ?, ?)",
        "args": [
          {"type": "integer", "value": "42"},
          {"type": "float", "value": 3.5},
          {"type": "text", "value": "héllo ☃"},
          {"type": "blob", "base64": "AAECAw=="},
          {"type": "null"},
          {"type": "integer", "value": "-9223372036854775808"}
        ]
      }
    }
  ]
}"#,
    )
    .unwrap();
    assert_eq!(body.baton, None);
    let StreamRequest::Execute(req) = &body.requests[0] else {
        panic!("execute expected")
    };
    assert_eq!(
        req.stmt.args,
        vec![
            Value::Integer(42),
            Value::Float(3.5),
            Value::Text("héllo ☃".into()),
            Value::Blob(vec![0, 1, 2, 3]),
            Value::Null,
            Value::Integer(i64::MIN),
        ]
    );
    assert!(req.stmt.want_rows);
    assert!(body.requests[0].check_version(Version::Hrana2).is_ok());
}

#[test]
fn value_encodings_from_expressions() {
    let expected = minify(
        r#"{
  "baton": "ssZ6r5mkW04gNjQyASotbRgULpyrSVdO37jzfeZ8BBF3H1rKsGpMJ3XKYuvYAOIP",
  "base_url": null,
  "results": [
    {
      "type": "ok",
      "response": {
        "type": "execute",
        "result": {
          "cols": [
            {"name": "i", "decltype": null},
            {"name": "f1", "decltype": null},
            {"name": "f2", "decltype": null},
            {"name": "big", "decltype": null},
            {"name": "negzero", "decltype": null},
            {"name": "imax", "decltype": null},
            {"name": "blob2", "decltype": null},
            {"name": "emptyblob", "decltype": null},
            {"name": "emptytext", "decltype": null},
            {"name": "nul", "decltype": null},
            {"name": "inf", "decltype": null},
            {"name": "tenth", "decltype": null},
            {"name": "f1e20", "decltype": null},
            {"name": "ty", "decltype": null}
          ],
          "rows": [
            [
              {"type": "integer", "value": "1"},
              {"type": "float", "value": 1.0},
              {"type": "float", "value": 2.5},
              {"type": "float", "value": 1e300},
              {"type": "float", "value": -0.0},
              {"type": "integer", "value": "9223372036854775807"},
              {"type": "blob", "base64": "AP8"},
              {"type": "blob", "base64": ""},
              {"type": "text", "value": ""},
              {"type": "null"},
              {"type": "float", "value": null},
              {"type": "float", "value": 0.1},
              {"type": "float", "value": 1e20},
              {"type": "text", "value": "real"}
            ]
          ],
          "affected_row_count": 0,
          "last_insert_rowid": null,
          "replication_index": "2",
          "rows_read": 0,
          "rows_written": 0,
          "query_duration_ms": 0.042
        }
      }
    }
  ]
}"#,
    );
    let names = [
        "i",
        "f1",
        "f2",
        "big",
        "negzero",
        "imax",
        "blob2",
        "emptyblob",
        "emptytext",
        "nul",
        "inf",
        "tenth",
        "f1e20",
        "ty",
    ];
    let mut row = vec![
        Value::Integer(1),
        Value::Float(1.0),
        Value::Float(2.5),
        Value::Float(1e300),
        Value::Float(-0.0),
        Value::Integer(i64::MAX),
        Value::Blob(vec![0x00, 0xff]),
        Value::Blob(vec![]),
        Value::Text(String::new()),
        Value::Null,
        Value::Float(f64::INFINITY),
        Value::Float(0.1),
        Value::Float(1e20),
        Value::Text("real".into()),
    ];
    let build = |row: Vec<Value>| PipelineRespBody {
        baton: Some("ssZ6r5mkW04gNjQyASotbRgULpyrSVdO37jzfeZ8BBF3H1rKsGpMJ3XKYuvYAOIP".into()),
        base_url: None,
        results: vec![ok(StreamResponse::Execute {
            result: StmtResult {
                replication_index: Some(2),
                ..result(
                    names.iter().map(|n| text_col(n)).collect(),
                    vec![row],
                    0.042,
                )
            },
        })],
    };

    // sqld writes `"value":null` for infinity, which clients reject; Basalt refuses and lets
    // the server turn it into a statement error.
    let with_inf = build(row.clone());
    let StreamResult::Ok {
        response: StreamResponse::Execute { result },
    } = &with_inf.results[0]
    else {
        unreachable!()
    };
    let err = ResponseError::from(result.check_json_encodable().unwrap_err());
    assert_eq!(err.code(), "FLOAT_NOT_REPRESENTABLE");
    assert!(serde_json::to_string(&with_inf).is_err());

    // Everything else is byte-identical.
    row[10] = Value::Float(1.5);
    assert_eq!(
        to_json(&build(row)),
        expected.replace(
            r#"{"type":"float","value":null}"#,
            r#"{"type":"float","value":1.5}"#
        )
    );
}

#[test]
fn syntax_error_then_success() {
    let expected = minify(
        r#"{
  "baton": "bbEfaLuIaYHxTPi1JaDipAhS++GY+EX9iE8JxE/XK4lhbgAIUzWYE1s3tyQSAUJb",
  "base_url": null,
  "results": [
    {
      "type": "error",
      "error": {
        "message": "SQL string could not be parsed: syntax error around L1:6: `SELEC`",
        "code": "SQL_PARSE_ERROR"
      }
    },
    {
      "type": "ok",
      "response": {
        "type": "execute",
        "result": {
          "cols": [{"name": "2", "decltype": null}],
          "rows": [[{"type": "integer", "value": "2"}]],
          "affected_row_count": 0,
          "last_insert_rowid": null,
          "replication_index": "5",
          "rows_read": 0,
          "rows_written": 0,
          "query_duration_ms": 0.015
        }
      }
    }
  ]
}"#,
    );
    let body = PipelineRespBody {
        baton: Some("bbEfaLuIaYHxTPi1JaDipAhS++GY+EX9iE8JxE/XK4lhbgAIUzWYE1s3tyQSAUJb".into()),
        base_url: None,
        results: vec![
            StreamResult::Error {
                error: ResponseError::SqlParse {
                    detail: "syntax error around L1:6: `SELEC`".into(),
                }
                .to_error(),
            },
            ok(StreamResponse::Execute {
                result: StmtResult {
                    replication_index: Some(5),
                    ..result(vec![text_col("2")], vec![vec![Value::Integer(2)]], 0.015)
                },
            }),
        ],
    };
    assert_eq!(to_json(&body), expected);
    // And back: a client decodes it.
    assert_eq!(
        serde_json::from_str::<PipelineRespBody>(&expected).unwrap(),
        body
    );
}

const BATCH_REQUEST: &str = r#"{
  "baton": null,
  "requests": [
    {
      "type": "batch",
      "batch": {
        "steps": [
          {"stmt": {"sql": "INSERT INTO t (i, s) VALUES (100, 'batch')"}},
          {"stmt": {"sql": "INSERT INTO t (id) VALUES (1)"}},
          {"condition": {"type": "ok", "step": 0}, "stmt": {"sql": "SELECT 'ok0'"}},
          {"condition": {"type": "ok", "step": 1}, "stmt": {"sql": "SELECT 'ok1'"}},
          {"condition": {"type": "error", "step": 1}, "stmt": {"sql": "SELECT 'err1'"}},
          {
            "condition": {"type": "not", "cond": {"type": "ok", "step": 1}},
            "stmt": {"sql": "SELECT 'not ok1'"}
          },
          {
            "condition": {
              "type": "and",
              "conds": [{"type": "ok", "step": 0}, {"type": "ok", "step": 1}]
            },
            "stmt": {"sql": "SELECT 'and'"}
          },
          {
            "condition": {
              "type": "or",
              "conds": [{"type": "ok", "step": 0}, {"type": "ok", "step": 1}]
            },
            "stmt": {"sql": "SELECT 'or'"}
          },
          {"condition": {"type": "and", "conds": []}, "stmt": {"sql": "SELECT 'and-empty'"}},
          {"condition": {"type": "or", "conds": []}, "stmt": {"sql": "SELECT 'or-empty'"}},
          {"condition": {"type": "ok", "step": 3}, "stmt": {"sql": "SELECT 'ok-of-skipped'"}},
          {"condition": {"type": "error", "step": 3}, "stmt": {"sql": "SELECT 'err-of-skipped'"}}
        ]
      }
    }
  ]
}"#;

/// Runs the §5 batch through `BatchCond::eval` with steps 0 ok and 1 failing, and checks the
/// resulting run/skip pattern and the response bytes against the transcript.
#[test]
fn batch_conditions_and_result() {
    let body: PipelineReqBody = serde_json::from_str(BATCH_REQUEST).unwrap();
    let StreamRequest::Batch(req) = &body.requests[0] else {
        panic!("batch expected")
    };
    body.requests[0].check_version(Version::Hrana2).unwrap();
    let batch: &Batch = &req.batch;

    let mut outcomes = Vec::new();
    let mut res = BatchResult::with_steps(batch.steps.len());
    for (i, step) in batch.steps.iter().enumerate() {
        let run = step
            .condition
            .as_ref()
            .is_none_or(|c| c.eval(&outcomes, true));
        if !run {
            outcomes.push(StepOutcome::Skipped);
            continue;
        }
        let sql = step.stmt.sql.as_deref().unwrap();
        if i == 1 {
            res.step_errors[i] = Some(Error::from(ResponseError::Sqlite {
                code: 1555,
                message: "UNIQUE constraint failed: t.id".into(),
            }));
            outcomes.push(StepOutcome::Error);
        } else {
            let r = if i == 0 {
                StmtResult {
                    affected_row_count: 1,
                    last_insert_rowid: Some(7),
                    rows_written: 1,
                    ..result(vec![], vec![], 0.722)
                }
            } else {
                let text = &sql["SELECT '".len()..sql.len() - 1];
                let dur = match i {
                    2 => 0.009,
                    4 | 5 => 0.002,
                    _ => 0.001,
                };
                result(
                    vec![text_col(&format!("'{text}'"))],
                    vec![vec![Value::Text(text.into())]],
                    dur,
                )
            };
            res.step_results[i] = Some(r);
            outcomes.push(StepOutcome::Ok);
        }
    }
    res.replication_index = Some(11);
    {
        use StepOutcome::*;
        assert_eq!(
            outcomes,
            vec![
                Ok, Error, Ok, Skipped, Ok, Ok, Skipped, Ok, Ok, Skipped, Skipped, Ok
            ]
        );
    }

    let expected = minify(
        r#"{
  "baton": "NiYHrf6xBRghwwchnCPh0WfAMJ1+JTSvzg8TirHvmk/L+kAbfCV36NTU6susdjfk",
  "base_url": null,
  "results": [
    {
      "type": "ok",
      "response": {
        "type": "batch",
        "result": {
          "step_results": [
            {
              "cols": [],
              "rows": [],
              "affected_row_count": 1,
              "last_insert_rowid": "7",
              "replication_index": null,
              "rows_read": 0,
              "rows_written": 1,
              "query_duration_ms": 0.722
            },
            null,
            {
              "cols": [{"name": "'ok0'", "decltype": null}],
              "rows": [[{"type": "text", "value": "ok0"}]],
              "affected_row_count": 0,
              "last_insert_rowid": null,
              "replication_index": null,
              "rows_read": 0,
              "rows_written": 0,
              "query_duration_ms": 0.009
            },
            null,
            {
              "cols": [{"name": "'err1'", "decltype": null}],
              "rows": [[{"type": "text", "value": "err1"}]],
              "affected_row_count": 0,
              "last_insert_rowid": null,
              "replication_index": null,
              "rows_read": 0,
              "rows_written": 0,
              "query_duration_ms": 0.002
            },
            {
              "cols": [{"name": "'not ok1'", "decltype": null}],
              "rows": [[{"type": "text", "value": "not ok1"}]],
              "affected_row_count": 0,
              "last_insert_rowid": null,
              "replication_index": null,
              "rows_read": 0,
              "rows_written": 0,
              "query_duration_ms": 0.002
            },
            null,
            {
              "cols": [{"name": "'or'", "decltype": null}],
              "rows": [[{"type": "text", "value": "or"}]],
              "affected_row_count": 0,
              "last_insert_rowid": null,
              "replication_index": null,
              "rows_read": 0,
              "rows_written": 0,
              "query_duration_ms": 0.001
            },
            {
              "cols": [{"name": "'and-empty'", "decltype": null}],
              "rows": [[{"type": "text", "value": "and-empty"}]],
              "affected_row_count": 0,
              "last_insert_rowid": null,
              "replication_index": null,
              "rows_read": 0,
              "rows_written": 0,
              "query_duration_ms": 0.001
            },
            null,
            null,
            {
              "cols": [{"name": "'err-of-skipped'", "decltype": null}],
              "rows": [[{"type": "text", "value": "err-of-skipped"}]],
              "affected_row_count": 0,
              "last_insert_rowid": null,
              "replication_index": null,
              "rows_read": 0,
              "rows_written": 0,
              "query_duration_ms": 0.001
            }
          ],
          "step_errors": [
            null,
            {"message": "SQLite error: UNIQUE constraint failed: t.id", "code": "SQLITE_CONSTRAINT"},
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null
          ],
          "replication_index": "11"
        }
      }
    }
  ]
}"#,
    );
    let resp = PipelineRespBody {
        baton: Some("NiYHrf6xBRghwwchnCPh0WfAMJ1+JTSvzg8TirHvmk/L+kAbfCV36NTU6susdjfk".into()),
        base_url: None,
        results: vec![ok(StreamResponse::Batch { result: res })],
    };
    assert_eq!(to_json(&resp), expected);
}

#[test]
fn batch_protocol_errors() {
    let body: PipelineReqBody = serde_json::from_str(
        r#"{"baton": null, "requests": [{"type": "batch", "batch": {"steps": [{"condition": {"type": "ok", "step": 5}, "stmt": {"sql": "SELECT 1"}}]}}]}"#,
    )
    .unwrap();
    assert_eq!(
        body.requests[0]
            .check_version(Version::Hrana3)
            .unwrap_err()
            .to_string(),
        "Invalid reference to step in a batch condition"
    );
    let body: PipelineReqBody = serde_json::from_str(
        r#"{"baton":null,"requests":[{"type":"batch","batch":{"steps":[{"stmt":{"sql":"SELECT 1"}},{"condition":{"type":"is_autocommit"},"stmt":{"sql":"SELECT 2"}}]}}]}"#,
    )
    .unwrap();
    assert_eq!(
        body.requests[0]
            .check_version(Version::Hrana2)
            .unwrap_err()
            .to_string(),
        "BatchCond of type `is_autocommit` is only supported in protocol version hrana3 and higher"
    );
    assert!(body.requests[0].check_version(Version::Hrana3).is_ok());
    let StreamRequest::Batch(b) = &body.requests[0] else {
        unreachable!()
    };
    assert_eq!(b.batch.steps[1].condition, Some(BatchCond::IsAutocommit));
}

#[test]
fn empty_batch_result() {
    let r = StreamResponse::Batch {
        result: BatchResult {
            replication_index: Some(11),
            ..Default::default()
        },
    };
    assert_eq!(
        to_json(&r),
        r#"{"type":"batch","result":{"step_results":[],"step_errors":[],"replication_index":"11"}}"#
    );
}

#[test]
fn short_bodies_byte_exact() {
    let cases = [
        (
            PipelineRespBody {
                baton: Some(
                    "kTgfsS6YB+Vt3BWgpXt4/1KJyp/Y2gqt7fLx4FJCm8el3pbgAR8+Yj3xCbIM9hl+".into(),
                ),
                base_url: None,
                results: vec![ok(StreamResponse::StoreSql)],
            },
            r#"{"baton":"kTgfsS6YB+Vt3BWgpXt4/1KJyp/Y2gqt7fLx4FJCm8el3pbgAR8+Yj3xCbIM9hl+","base_url":null,"results":[{"type":"ok","response":{"type":"store_sql"}}]}"#,
        ),
        (
            PipelineRespBody {
                baton: Some(
                    "cWZMKmyBf8WyOewHEUji57FK8LzZegNesi8bG5unwprlhX/5sOShncQkuhxc2mbs".into(),
                ),
                base_url: None,
                results: vec![ok(StreamResponse::CloseSql)],
            },
            r#"{"baton":"cWZMKmyBf8WyOewHEUji57FK8LzZegNesi8bG5unwprlhX/5sOShncQkuhxc2mbs","base_url":null,"results":[{"type":"ok","response":{"type":"close_sql"}}]}"#,
        ),
        (
            PipelineRespBody {
                baton: None,
                base_url: None,
                results: vec![ok(StreamResponse::Close)],
            },
            r#"{"baton":null,"base_url":null,"results":[{"type":"ok","response":{"type":"close"}}]}"#,
        ),
        (
            PipelineRespBody {
                baton: Some(
                    "kpYHk+MUCkzN4DOoR3AL1uht9Tz/BDiB4vBZwXNe5vchWXvVVC8V8MpOBpHcT9Jj".into(),
                ),
                base_url: None,
                results: vec![],
            },
            r#"{"baton":"kpYHk+MUCkzN4DOoR3AL1uht9Tz/BDiB4vBZwXNe5vchWXvVVC8V8MpOBpHcT9Jj","base_url":null,"results":[]}"#,
        ),
    ];
    for (body, text) in cases {
        assert_eq!(to_json(&body), text);
    }
}

#[test]
fn describe_responses() {
    let expected = minify(
        r#"[
    {
      "type": "ok",
      "response": {
        "type": "describe",
        "result": {
          "params": [{"name": null}, {"name": ":name"}],
          "cols": [
            {"name": "id", "decltype": "INTEGER"},
            {"name": "label", "decltype": "TEXT"},
            {"name": "i + 1", "decltype": null}
          ],
          "is_explain": false,
          "is_readonly": true
        }
      }
    },
    {
      "type": "ok",
      "response": {
        "type": "describe",
        "result": {"params": [], "cols": [], "is_explain": false, "is_readonly": false}
      }
    },
    {
      "type": "error",
      "error": {
        "message": "SQL input error: near \"SELEC\": syntax error (at offset 0)",
        "code": "SQL_INPUT_ERROR"
      }
    }
  ]"#,
    );
    let col = |n: &str, d: Option<&str>| DescribeCol {
        name: n.into(),
        decltype: d.map(Into::into),
    };
    let results = vec![
        ok(StreamResponse::Describe {
            result: DescribeResult {
                params: vec![
                    DescribeParam { name: None },
                    DescribeParam {
                        name: Some(":name".into()),
                    },
                ],
                cols: vec![
                    col("id", Some("INTEGER")),
                    col("label", Some("TEXT")),
                    col("i + 1", None),
                ],
                is_explain: false,
                is_readonly: true,
            },
        }),
        ok(StreamResponse::Describe {
            result: DescribeResult::default(),
        }),
        StreamResult::Error {
            error: ResponseError::SqlInput {
                message: "near \"SELEC\": syntax error".into(),
                offset: 0,
            }
            .to_error(),
        },
    ];
    assert_eq!(to_json(&results), expected);
}

#[test]
fn store_sql_and_sql_id_requests() {
    let body: PipelineReqBody = serde_json::from_str(
        r#"{
  "baton": null,
  "requests": [
    {"type": "store_sql", "sql_id": 1, "sql": "SELECT ? AS v"},
    {"type": "execute", "stmt": {"sql_id": 1, "args": [{"type": "text", "value": "via sql_id"}]}},
    {
      "type": "batch",
      "batch": {"steps": [{"stmt": {"sql_id": 1, "args": [{"type": "integer", "value": "9"}]}}]}
    },
    {"type": "close_sql", "sql_id": 1},
    {"type": "sequence", "sql": "CREATE TABLE seq (x); INSERT INTO seq VALUES (1);"},
    {"type": "describe", "sql": "SELECT 1"},
    {"type": "get_autocommit"},
    {"type": "close"}
  ]
}"#,
    )
    .unwrap();
    let kinds: Vec<_> = body.requests.iter().map(StreamRequest::type_name).collect();
    assert_eq!(
        kinds,
        [
            "store_sql",
            "execute",
            "batch",
            "close_sql",
            "sequence",
            "describe",
            "get_autocommit",
            "close"
        ]
    );
    for r in &body.requests[..6] {
        r.check_version(Version::Hrana2).unwrap();
    }
    assert_eq!(
        body.requests[6]
            .check_version(Version::Hrana2)
            .unwrap_err()
            .to_string(),
        "The `get_autocommit` request is only supported in protocol version hrana3 and higher"
    );
    // Re-encoding for clients keeps the shape.
    let again: PipelineReqBody = serde_json::from_str(&to_json(&body)).unwrap();
    assert_eq!(again, body);
    // Protobuf twin.
    assert_eq!(
        PipelineReqBody::decode_protobuf(&body.clone().encode_protobuf()).unwrap(),
        body
    );
}

#[test]
fn get_autocommit_response() {
    assert_eq!(
        to_json(&ok(StreamResponse::GetAutocommit {
            is_autocommit: true
        })),
        r#"{"type":"ok","response":{"type":"get_autocommit","is_autocommit":true}}"#
    );
}

/// §9 "/v3/cursor with a runtime (constraint) error step and a skipped step": raw bytes.
#[test]
fn cursor_ndjson_bytes() {
    let mut out = Vec::new();
    encode_ndjson_line(
        &CursorRespBody {
            baton: Some("/CH0Y4/y6p5/aRgWyYi08fgfXpCPGwcc7qGUtIK4O3wTboLCAwKjU/pnAstfPHrd".into()),
            base_url: None,
        },
        &mut out,
    )
    .unwrap();
    let entries = [
        CursorEntry::StepBegin(StepBeginEntry {
            step: 0,
            cols: vec![text_col("one")],
        }),
        CursorEntry::Row {
            row: vec![Value::Integer(1)],
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
            error: ResponseError::Sqlite {
                code: 19,
                message: "UNIQUE constraint failed: t.id".into(),
            }
            .to_error(),
        }),
        CursorEntry::StepBegin(StepBeginEntry {
            step: 3,
            cols: vec![text_col("r")],
        }),
        CursorEntry::Row {
            row: vec![Value::Text("ran".into())],
        },
        CursorEntry::StepEnd(StepEndEntry {
            affected_row_count: 0,
            last_insert_rowid: None,
        }),
        CursorEntry::ReplicationIndex {
            replication_index: Some(19),
        },
    ];
    for e in &entries {
        encode_ndjson_line(e, &mut out).unwrap();
    }
    let expected = concat!(
        "{\"baton\":\"/CH0Y4/y6p5/aRgWyYi08fgfXpCPGwcc7qGUtIK4O3wTboLCAwKjU/pnAstfPHrd\",\"base_url\":null}\n",
        "{\"type\":\"step_begin\",\"step\":0,\"cols\":[{\"name\":\"one\",\"decltype\":null}]}\n",
        "{\"type\":\"row\",\"row\":[{\"type\":\"integer\",\"value\":\"1\"}]}\n",
        "{\"type\":\"step_end\",\"affected_row_count\":0,\"last_insert_rowid\":null}\n",
        "{\"type\":\"step_begin\",\"step\":1,\"cols\":[]}\n",
        "{\"type\":\"step_error\",\"step\":1,\"error\":{\"message\":\"SQLite error: UNIQUE constraint failed: t.id\",\"code\":\"SQLITE_CONSTRAINT\"}}\n",
        "{\"type\":\"step_begin\",\"step\":3,\"cols\":[{\"name\":\"r\",\"decltype\":null}]}\n",
        "{\"type\":\"row\",\"row\":[{\"type\":\"text\",\"value\":\"ran\"}]}\n",
        "{\"type\":\"step_end\",\"affected_row_count\":0,\"last_insert_rowid\":null}\n",
        "{\"type\":\"replication_index\",\"replication_index\":19}\n",
    );
    assert_eq!(String::from_utf8(out).unwrap(), expected);
}

#[test]
fn cursor_request_body() {
    let body: basalt_hrana::CursorReqBody = serde_json::from_str(
        r#"{
  "baton": "8l2w18Rdod+BQzjr5g4HaZB25/9NJxsRl5v3hIHMYnHkmo3TanLnzrDy19VyzU6s",
  "batch": {
    "steps": [{"stmt": {"sql": "SELECT i, s FROM t WHERE i = 700"}}, {"stmt": {"sql": "COMMIT"}}]
  }
}"#,
    )
    .unwrap();
    assert_eq!(body.batch.steps.len(), 2);
    assert!(body.baton.is_some());
}

#[test]
fn stream_expired_body() {
    assert_eq!(
        to_json(&ResponseError::StreamExpired.to_error()),
        r#"{"message":"The stream has expired due to inactivity","code":"STREAM_EXPIRED"}"#
    );
}
