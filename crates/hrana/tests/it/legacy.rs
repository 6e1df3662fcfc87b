//! `/v1` and legacy `POST /` transcripts (§8).

use basalt_hrana::legacy::{ErrorBody, QueryBody, QueryResponseEntry, QueryResults};
use basalt_hrana::{BatchResult, Col, ResponseError, StmtResult, Value, v1};

use crate::{minify, to_json};

#[test]
fn v1_execute() {
    let req: v1::ExecuteReqBody = serde_json::from_str(
        r#"{"stmt": {"sql": "SELECT ? AS a, 2.5 AS b", "args": [{"type": "integer", "value": "1"}]}}"#,
    )
    .unwrap();
    assert_eq!(req.stmt.args, vec![Value::Integer(1)]);
    let resp = v1::ExecuteRespBody {
        result: StmtResult {
            cols: vec![Col::new("a", None), Col::new("b", None)],
            rows: vec![vec![Value::Integer(1), Value::Float(2.5)]],
            replication_index: Some(17),
            query_duration_ms: 0.055,
            ..Default::default()
        },
    };
    assert_eq!(
        to_json(&resp),
        minify(
            r#"{
  "result": {
    "cols": [{"name": "a", "decltype": null}, {"name": "b", "decltype": null}],
    "rows": [[{"type": "integer", "value": "1"}, {"type": "float", "value": 2.5}]],
    "affected_row_count": 0,
    "last_insert_rowid": null,
    "replication_index": "17",
    "rows_read": 0,
    "rows_written": 0,
    "query_duration_ms": 0.055
  }
}"#
        )
    );
    assert_eq!(
        to_json(
            &ResponseError::Sqlite {
                code: 2067,
                message: "UNIQUE constraint failed: t.id".into()
            }
            .to_error()
        ),
        r#"{"message":"SQLite error: UNIQUE constraint failed: t.id","code":"SQLITE_CONSTRAINT"}"#
    );
}

#[test]
fn v1_batch_with_constraint_error() {
    let req: v1::BatchReqBody = serde_json::from_str(
        r#"{"batch": {"steps": [
      {"stmt": {"sql": "SELECT 1"}},
      {"stmt": {"sql": "INSERT INTO t (id) VALUES (1)"}},
      {"condition": {"type": "error", "step": 1}, "stmt": {"sql": "SELECT 3"}},
      {"condition": {"type": "ok", "step": 1}, "stmt": {"sql": "SELECT 4"}}]}}"#,
    )
    .unwrap();
    req.batch.check(basalt_hrana::Version::Hrana1).unwrap();
    let row = |n: i64, d: f64| StmtResult {
        cols: vec![Col::new(n.to_string(), None)],
        rows: vec![vec![Value::Integer(n)]],
        query_duration_ms: d,
        ..Default::default()
    };
    let mut result = BatchResult::with_steps(4);
    result.step_results[0] = Some(row(1, 0.042));
    result.step_results[2] = Some(row(3, 0.003));
    result.step_errors[1] = Some(
        ResponseError::Sqlite {
            code: 19,
            message: "UNIQUE constraint failed: t.id".into(),
        }
        .to_error(),
    );
    result.replication_index = Some(17);
    assert_eq!(
        to_json(&v1::BatchRespBody { result }),
        minify(
            r#"{
  "result": {
    "step_results": [
      {
        "cols": [{"name": "1", "decltype": null}],
        "rows": [[{"type": "integer", "value": "1"}]],
        "affected_row_count": 0,
        "last_insert_rowid": null,
        "replication_index": null,
        "rows_read": 0,
        "rows_written": 0,
        "query_duration_ms": 0.042
      },
      null,
      {
        "cols": [{"name": "3", "decltype": null}],
        "rows": [[{"type": "integer", "value": "3"}]],
        "affected_row_count": 0,
        "last_insert_rowid": null,
        "replication_index": null,
        "rows_read": 0,
        "rows_written": 0,
        "query_duration_ms": 0.003
      },
      null
    ],
    "step_errors": [
      null,
      {"message": "SQLite error: UNIQUE constraint failed: t.id", "code": "SQLITE_CONSTRAINT"},
      null,
      null
    ],
    "replication_index": "17"
  }
}"#
        )
    );
}

#[test]
fn legacy_query_round() {
    let body: QueryBody = serde_json::from_str(
        r#"{"statements": ["INSERT INTO t (i, s) VALUES (500, 'legacy')", "SELECT id, i, s FROM t WHERE i = 500"]}"#,
    )
    .unwrap();
    assert_eq!(
        body.statements[1].sql,
        "SELECT id, i, s FROM t WHERE i = 500"
    );
    let resp = vec![
        QueryResponseEntry::Results(QueryResults {
            rows_written: 1,
            query_duration_ms: 0.604,
            ..Default::default()
        }),
        QueryResponseEntry::Results(QueryResults {
            columns: vec!["id".into(), "i".into(), "s".into()],
            rows: vec![vec![
                Value::Integer(10),
                Value::Integer(500),
                Value::Text("legacy".into()),
            ]],
            rows_read: 10,
            rows_written: 0,
            query_duration_ms: 0.097,
        }),
    ];
    assert_eq!(
        to_json(&resp),
        minify(
            r#"[
  {"results": {"columns": [], "rows": [], "rows_read": 0, "rows_written": 1, "query_duration_ms": 0.604}},
  {"results": {"columns": ["id", "i", "s"], "rows": [[10, 500, "legacy"]], "rows_read": 10, "rows_written": 0, "query_duration_ms": 0.097}}
]"#
        )
    );
    assert_eq!(
        to_json(&ErrorBody {
            error: "Internal Error: `syntax error around L1:6: `SELEC``".into()
        }),
        r#"{"error":"Internal Error: `syntax error around L1:6: `SELEC``"}"#
    );
}
