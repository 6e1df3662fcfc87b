//! Conversions between the JSON-side types and the protobuf structs.
//!
//! Towards protobuf everything is infallible. Back from protobuf, a message field that sqld
//! treats as `required` (a statement, a batch, a result, an error) decodes as its default when
//! absent, exactly like sqld, so the usual protocol checks (e.g. "Either `sql` or `sql_id` are
//! required") still apply; a `oneof` with no member set is a [`ProtoError::MissingField`].

use super::{MAX_BATCH_RESULT_STEPS, ProtoError, http, ws};
use crate::{batch, cursor, error, pipeline, stmt, value, ws as jws};

type P = super::hrana::Value;

fn missing(message: &'static str, field: &'static str) -> ProtoError {
    ProtoError::MissingField { message, field }
}

fn try_vec<T, U>(items: Vec<U>) -> Result<Vec<T>, ProtoError>
where
    T: TryFrom<U>,
    ProtoError: From<T::Error>,
{
    items
        .into_iter()
        .map(|u| T::try_from(u).map_err(ProtoError::from))
        .collect()
}

fn into_vec<T, U: Into<T>>(items: Vec<U>) -> Vec<T> {
    items.into_iter().map(Into::into).collect()
}

// ---- Value ----

impl From<value::Value> for P {
    fn from(v: value::Value) -> Self {
        use super::hrana::value::{Null, Value as K};
        let kind = match v {
            value::Value::Null => K::Null(Null {}),
            value::Value::Integer(i) => K::Integer(i),
            value::Value::Float(f) => K::Float(f),
            value::Value::Text(t) => K::Text(t),
            value::Value::Blob(b) => K::Blob(b),
        };
        P { value: Some(kind) }
    }
}

impl TryFrom<P> for value::Value {
    type Error = ProtoError;

    fn try_from(v: P) -> Result<Self, ProtoError> {
        use super::hrana::value::Value as K;
        Ok(match v.value.ok_or_else(|| missing("Value", "value"))? {
            K::Null(_) => value::Value::Null,
            K::Integer(i) => value::Value::Integer(i),
            K::Float(f) => value::Value::Float(f),
            K::Text(t) => value::Value::Text(t),
            K::Blob(b) => value::Value::Blob(b),
        })
    }
}

// ---- Error ----

impl From<error::Error> for super::Error {
    fn from(e: error::Error) -> Self {
        super::Error {
            message: e.message,
            code: Some(e.code),
        }
    }
}

impl From<super::Error> for error::Error {
    fn from(e: super::Error) -> Self {
        error::Error {
            message: e.message,
            code: e.code.unwrap_or_default(),
        }
    }
}

// ---- Stmt ----

impl From<stmt::NamedArg> for super::NamedArg {
    fn from(a: stmt::NamedArg) -> Self {
        super::NamedArg {
            name: a.name,
            value: Some(a.value.into()),
        }
    }
}

impl TryFrom<super::NamedArg> for stmt::NamedArg {
    type Error = ProtoError;

    fn try_from(a: super::NamedArg) -> Result<Self, ProtoError> {
        let value = a
            .value
            .ok_or_else(|| missing("NamedArg", "value"))?
            .try_into()?;
        Ok(stmt::NamedArg {
            name: a.name,
            value,
        })
    }
}

impl From<stmt::Stmt> for super::Stmt {
    fn from(s: stmt::Stmt) -> Self {
        super::Stmt {
            sql: s.sql,
            sql_id: s.sql_id,
            args: into_vec(s.args),
            named_args: into_vec(s.named_args),
            want_rows: Some(s.want_rows),
            replication_index: s.replication_index,
        }
    }
}

impl TryFrom<super::Stmt> for stmt::Stmt {
    type Error = ProtoError;

    fn try_from(s: super::Stmt) -> Result<Self, ProtoError> {
        Ok(stmt::Stmt {
            sql: s.sql,
            sql_id: s.sql_id,
            args: try_vec(s.args)?,
            named_args: try_vec(s.named_args)?,
            want_rows: s.want_rows.unwrap_or(true),
            replication_index: s.replication_index,
        })
    }
}

// ---- StmtResult, Col, DescribeResult ----

impl From<stmt::Col> for super::Col {
    fn from(c: stmt::Col) -> Self {
        super::Col {
            name: c.name,
            decltype: c.decltype,
        }
    }
}

impl From<super::Col> for stmt::Col {
    fn from(c: super::Col) -> Self {
        stmt::Col {
            name: c.name,
            decltype: c.decltype,
        }
    }
}

fn row_to_proto(row: Vec<value::Value>) -> super::Row {
    super::Row {
        values: into_vec(row),
    }
}

fn row_from_proto(row: super::Row) -> Result<Vec<value::Value>, ProtoError> {
    try_vec(row.values)
}

impl From<stmt::StmtResult> for super::StmtResult {
    fn from(r: stmt::StmtResult) -> Self {
        super::StmtResult {
            cols: into_vec(r.cols),
            rows: r.rows.into_iter().map(row_to_proto).collect(),
            affected_row_count: r.affected_row_count,
            last_insert_rowid: r.last_insert_rowid,
            replication_index: r.replication_index,
            rows_read: r.rows_read,
            rows_written: r.rows_written,
            query_duration_ms: r.query_duration_ms,
        }
    }
}

impl TryFrom<super::StmtResult> for stmt::StmtResult {
    type Error = ProtoError;

    fn try_from(r: super::StmtResult) -> Result<Self, ProtoError> {
        Ok(stmt::StmtResult {
            cols: into_vec(r.cols),
            rows: r
                .rows
                .into_iter()
                .map(row_from_proto)
                .collect::<Result<_, _>>()?,
            affected_row_count: r.affected_row_count,
            last_insert_rowid: r.last_insert_rowid,
            replication_index: r.replication_index,
            rows_read: r.rows_read,
            rows_written: r.rows_written,
            query_duration_ms: r.query_duration_ms,
        })
    }
}

impl From<stmt::DescribeResult> for super::DescribeResult {
    fn from(d: stmt::DescribeResult) -> Self {
        super::DescribeResult {
            params: d
                .params
                .into_iter()
                .map(|p| super::DescribeParam { name: p.name })
                .collect(),
            cols: d
                .cols
                .into_iter()
                .map(|c| super::DescribeCol {
                    name: c.name,
                    decltype: c.decltype,
                })
                .collect(),
            is_explain: d.is_explain,
            is_readonly: d.is_readonly,
        }
    }
}

impl From<super::DescribeResult> for stmt::DescribeResult {
    fn from(d: super::DescribeResult) -> Self {
        stmt::DescribeResult {
            params: d
                .params
                .into_iter()
                .map(|p| stmt::DescribeParam { name: p.name })
                .collect(),
            cols: d
                .cols
                .into_iter()
                .map(|c| stmt::DescribeCol {
                    name: c.name,
                    decltype: c.decltype,
                })
                .collect(),
            is_explain: d.is_explain,
            is_readonly: d.is_readonly,
        }
    }
}

// ---- Batch ----

impl From<batch::BatchCond> for super::BatchCond {
    fn from(c: batch::BatchCond) -> Self {
        use super::hrana::batch_cond::{Cond, CondList, IsAutocommit};
        let cond = match c {
            batch::BatchCond::Ok { step } => Cond::StepOk(step),
            batch::BatchCond::Error { step } => Cond::StepError(step),
            batch::BatchCond::Not { cond } => Cond::Not(Box::new((*cond).into())),
            batch::BatchCond::And { conds } => Cond::And(CondList {
                conds: into_vec(conds),
            }),
            batch::BatchCond::Or { conds } => Cond::Or(CondList {
                conds: into_vec(conds),
            }),
            batch::BatchCond::IsAutocommit => Cond::IsAutocommit(IsAutocommit {}),
        };
        super::BatchCond { cond: Some(cond) }
    }
}

impl TryFrom<super::BatchCond> for batch::BatchCond {
    type Error = ProtoError;

    fn try_from(c: super::BatchCond) -> Result<Self, ProtoError> {
        use super::hrana::batch_cond::Cond;
        Ok(match c.cond.ok_or_else(|| missing("BatchCond", "cond"))? {
            Cond::StepOk(step) => batch::BatchCond::Ok { step },
            Cond::StepError(step) => batch::BatchCond::Error { step },
            Cond::Not(cond) => batch::BatchCond::Not {
                cond: Box::new((*cond).try_into()?),
            },
            Cond::And(list) => batch::BatchCond::And {
                conds: try_vec(list.conds)?,
            },
            Cond::Or(list) => batch::BatchCond::Or {
                conds: try_vec(list.conds)?,
            },
            Cond::IsAutocommit(_) => batch::BatchCond::IsAutocommit,
        })
    }
}

impl From<batch::Batch> for super::Batch {
    fn from(b: batch::Batch) -> Self {
        super::Batch {
            steps: b
                .steps
                .into_iter()
                .map(|s| super::BatchStep {
                    condition: s.condition.map(Into::into),
                    stmt: Some(s.stmt.into()),
                })
                .collect(),
            replication_index: b.replication_index,
        }
    }
}

impl TryFrom<super::Batch> for batch::Batch {
    type Error = ProtoError;

    fn try_from(b: super::Batch) -> Result<Self, ProtoError> {
        let steps = b
            .steps
            .into_iter()
            .map(|s| {
                Ok(batch::BatchStep {
                    condition: s.condition.map(TryInto::try_into).transpose()?,
                    stmt: s
                        .stmt
                        .map(TryInto::try_into)
                        .transpose()?
                        .unwrap_or_default(),
                })
            })
            .collect::<Result<_, ProtoError>>()?;
        Ok(batch::Batch {
            steps,
            replication_index: b.replication_index,
        })
    }
}

/// Protobuf has no batch-level `replication_index`; it is dropped (as sqld does).
impl From<batch::BatchResult> for super::BatchResult {
    fn from(r: batch::BatchResult) -> Self {
        let index = |i: usize| u32::try_from(i).expect("a batch has fewer than 2^32 steps");
        super::BatchResult {
            step_results: r
                .step_results
                .into_iter()
                .enumerate()
                .filter_map(|(i, r)| r.map(|r| (index(i), r.into())))
                .collect(),
            step_errors: r
                .step_errors
                .into_iter()
                .enumerate()
                .filter_map(|(i, e)| e.map(|e| (index(i), e.into())))
                .collect(),
        }
    }
}

impl batch::BatchResult {
    /// Converts a protobuf `BatchResult` for a batch of `steps` steps (protobuf only lists
    /// executed steps, so the step count must come from the request). Fails if a map key is
    /// not below `steps`.
    pub fn from_proto(r: super::BatchResult, steps: usize) -> Result<Self, ProtoError> {
        let mut out = batch::BatchResult::with_steps(steps);
        for (i, res) in r.step_results {
            let slot = out
                .step_results
                .get_mut(i as usize)
                .ok_or(ProtoError::StepIndexTooLarge { index: i })?;
            *slot = Some(res.try_into()?);
        }
        for (i, err) in r.step_errors {
            let slot = out
                .step_errors
                .get_mut(i as usize)
                .ok_or(ProtoError::StepIndexTooLarge { index: i })?;
            *slot = Some(err.into());
        }
        Ok(out)
    }
}

/// Without the step count, the result gets one slot per step up to the highest executed
/// step; trailing skipped steps are lost. Use [`batch::BatchResult::from_proto`] when the
/// batch is known.
impl TryFrom<super::BatchResult> for batch::BatchResult {
    type Error = ProtoError;

    fn try_from(r: super::BatchResult) -> Result<Self, ProtoError> {
        let max = r
            .step_results
            .keys()
            .chain(r.step_errors.keys())
            .max()
            .copied();
        let steps = match max {
            None => 0,
            Some(m) if m >= MAX_BATCH_RESULT_STEPS => {
                return Err(ProtoError::StepIndexTooLarge { index: m });
            }
            Some(m) => m as usize + 1,
        };
        batch::BatchResult::from_proto(r, steps)
    }
}

// ---- Cursor ----

impl From<cursor::CursorEntry> for super::CursorEntry {
    fn from(e: cursor::CursorEntry) -> Self {
        use super::hrana::cursor_entry::Entry;
        let entry = match e {
            cursor::CursorEntry::StepBegin(b) => Entry::StepBegin(super::StepBeginEntry {
                step: b.step,
                cols: into_vec(b.cols),
            }),
            cursor::CursorEntry::StepEnd(e) => Entry::StepEnd(super::StepEndEntry {
                affected_row_count: e.affected_row_count,
                last_insert_rowid: e.last_insert_rowid,
            }),
            cursor::CursorEntry::StepError(e) => Entry::StepError(super::StepErrorEntry {
                step: e.step,
                error: Some(e.error.into()),
            }),
            cursor::CursorEntry::Row { row } => Entry::Row(row_to_proto(row)),
            cursor::CursorEntry::Error { error } => Entry::Error(error.into()),
            cursor::CursorEntry::ReplicationIndex { replication_index } => {
                Entry::ReplicationIndex(super::ReplicationIndexEntry { replication_index })
            }
        };
        super::CursorEntry { entry: Some(entry) }
    }
}

impl TryFrom<super::CursorEntry> for cursor::CursorEntry {
    type Error = ProtoError;

    fn try_from(e: super::CursorEntry) -> Result<Self, ProtoError> {
        use super::hrana::cursor_entry::Entry;
        Ok(
            match e.entry.ok_or_else(|| missing("CursorEntry", "entry"))? {
                Entry::StepBegin(b) => cursor::CursorEntry::StepBegin(cursor::StepBeginEntry {
                    step: b.step,
                    cols: into_vec(b.cols),
                }),
                Entry::StepEnd(e) => cursor::CursorEntry::StepEnd(cursor::StepEndEntry {
                    affected_row_count: e.affected_row_count,
                    last_insert_rowid: e.last_insert_rowid,
                }),
                Entry::StepError(e) => cursor::CursorEntry::StepError(cursor::StepErrorEntry {
                    step: e.step,
                    error: e.error.map(Into::into).unwrap_or_default(),
                }),
                Entry::Row(row) => cursor::CursorEntry::Row {
                    row: row_from_proto(row)?,
                },
                Entry::Error(error) => cursor::CursorEntry::Error {
                    error: error.into(),
                },
                Entry::ReplicationIndex(r) => cursor::CursorEntry::ReplicationIndex {
                    replication_index: r.replication_index,
                },
            },
        )
    }
}

impl From<cursor::CursorReqBody> for http::CursorReqBody {
    fn from(b: cursor::CursorReqBody) -> Self {
        http::CursorReqBody {
            baton: b.baton,
            batch: Some(b.batch.into()),
        }
    }
}

impl TryFrom<http::CursorReqBody> for cursor::CursorReqBody {
    type Error = ProtoError;

    fn try_from(b: http::CursorReqBody) -> Result<Self, ProtoError> {
        Ok(cursor::CursorReqBody {
            baton: b.baton,
            batch: b
                .batch
                .map(TryInto::try_into)
                .transpose()?
                .unwrap_or_default(),
        })
    }
}

impl From<cursor::CursorRespBody> for http::CursorRespBody {
    fn from(b: cursor::CursorRespBody) -> Self {
        http::CursorRespBody {
            baton: b.baton,
            base_url: b.base_url,
        }
    }
}

impl TryFrom<http::CursorRespBody> for cursor::CursorRespBody {
    type Error = ProtoError;

    fn try_from(b: http::CursorRespBody) -> Result<Self, ProtoError> {
        Ok(cursor::CursorRespBody {
            baton: b.baton,
            base_url: b.base_url,
        })
    }
}

// ---- HTTP pipeline ----

impl From<pipeline::StreamRequest> for http::StreamRequest {
    fn from(r: pipeline::StreamRequest) -> Self {
        use http::stream_request::Request as R;
        let request = match r {
            pipeline::StreamRequest::Close => R::Close(http::CloseStreamReq {}),
            pipeline::StreamRequest::Execute(r) => R::Execute(http::ExecuteStreamReq {
                stmt: Some(r.stmt.into()),
            }),
            pipeline::StreamRequest::Batch(r) => R::Batch(http::BatchStreamReq {
                batch: Some(r.batch.into()),
            }),
            pipeline::StreamRequest::Sequence(r) => R::Sequence(http::SequenceStreamReq {
                sql: r.sql,
                sql_id: r.sql_id,
                replication_index: r.replication_index,
            }),
            pipeline::StreamRequest::Describe(r) => R::Describe(http::DescribeStreamReq {
                sql: r.sql,
                sql_id: r.sql_id,
                replication_index: r.replication_index,
            }),
            pipeline::StreamRequest::StoreSql(r) => R::StoreSql(http::StoreSqlStreamReq {
                sql_id: r.sql_id,
                sql: r.sql,
            }),
            pipeline::StreamRequest::CloseSql(r) => {
                R::CloseSql(http::CloseSqlStreamReq { sql_id: r.sql_id })
            }
            pipeline::StreamRequest::GetAutocommit => {
                R::GetAutocommit(http::GetAutocommitStreamReq {})
            }
        };
        http::StreamRequest {
            request: Some(request),
        }
    }
}

impl TryFrom<http::StreamRequest> for pipeline::StreamRequest {
    type Error = ProtoError;

    fn try_from(r: http::StreamRequest) -> Result<Self, ProtoError> {
        use http::stream_request::Request as R;
        Ok(
            match r
                .request
                .ok_or_else(|| missing("StreamRequest", "request"))?
            {
                R::Close(_) => pipeline::StreamRequest::Close,
                R::Execute(r) => pipeline::StreamRequest::Execute(pipeline::ExecuteStreamReq {
                    stmt: r
                        .stmt
                        .map(TryInto::try_into)
                        .transpose()?
                        .unwrap_or_default(),
                }),
                R::Batch(r) => pipeline::StreamRequest::Batch(pipeline::BatchStreamReq {
                    batch: r
                        .batch
                        .map(TryInto::try_into)
                        .transpose()?
                        .unwrap_or_default(),
                }),
                R::Sequence(r) => pipeline::StreamRequest::Sequence(pipeline::SequenceStreamReq {
                    sql: r.sql,
                    sql_id: r.sql_id,
                    replication_index: r.replication_index,
                }),
                R::Describe(r) => pipeline::StreamRequest::Describe(pipeline::DescribeStreamReq {
                    sql: r.sql,
                    sql_id: r.sql_id,
                    replication_index: r.replication_index,
                }),
                R::StoreSql(r) => pipeline::StreamRequest::StoreSql(pipeline::StoreSqlStreamReq {
                    sql_id: r.sql_id,
                    sql: r.sql,
                }),
                R::CloseSql(r) => pipeline::StreamRequest::CloseSql(pipeline::CloseSqlStreamReq {
                    sql_id: r.sql_id,
                }),
                R::GetAutocommit(_) => pipeline::StreamRequest::GetAutocommit,
            },
        )
    }
}

impl From<pipeline::StreamResponse> for http::StreamResponse {
    fn from(r: pipeline::StreamResponse) -> Self {
        use http::stream_response::Response as R;
        let response = match r {
            pipeline::StreamResponse::Close => R::Close(http::CloseStreamResp {}),
            pipeline::StreamResponse::Execute { result } => R::Execute(http::ExecuteStreamResp {
                result: Some(result.into()),
            }),
            pipeline::StreamResponse::Batch { result } => R::Batch(http::BatchStreamResp {
                result: Some(result.into()),
            }),
            pipeline::StreamResponse::Sequence => R::Sequence(http::SequenceStreamResp {}),
            pipeline::StreamResponse::Describe { result } => {
                R::Describe(http::DescribeStreamResp {
                    result: Some(result.into()),
                })
            }
            pipeline::StreamResponse::StoreSql => R::StoreSql(http::StoreSqlStreamResp {}),
            pipeline::StreamResponse::CloseSql => R::CloseSql(http::CloseSqlStreamResp {}),
            pipeline::StreamResponse::GetAutocommit { is_autocommit } => {
                R::GetAutocommit(http::GetAutocommitStreamResp { is_autocommit })
            }
        };
        http::StreamResponse {
            response: Some(response),
        }
    }
}

impl TryFrom<http::StreamResponse> for pipeline::StreamResponse {
    type Error = ProtoError;

    fn try_from(r: http::StreamResponse) -> Result<Self, ProtoError> {
        use http::stream_response::Response as R;
        Ok(
            match r
                .response
                .ok_or_else(|| missing("StreamResponse", "response"))?
            {
                R::Close(_) => pipeline::StreamResponse::Close,
                R::Execute(r) => pipeline::StreamResponse::Execute {
                    result: r
                        .result
                        .map(TryInto::try_into)
                        .transpose()?
                        .unwrap_or_default(),
                },
                R::Batch(r) => pipeline::StreamResponse::Batch {
                    result: r
                        .result
                        .map(TryInto::try_into)
                        .transpose()?
                        .unwrap_or_default(),
                },
                R::Sequence(_) => pipeline::StreamResponse::Sequence,
                R::Describe(r) => pipeline::StreamResponse::Describe {
                    result: r.result.map(Into::into).unwrap_or_default(),
                },
                R::StoreSql(_) => pipeline::StreamResponse::StoreSql,
                R::CloseSql(_) => pipeline::StreamResponse::CloseSql,
                R::GetAutocommit(r) => pipeline::StreamResponse::GetAutocommit {
                    is_autocommit: r.is_autocommit,
                },
            },
        )
    }
}

impl From<pipeline::StreamResult> for http::StreamResult {
    fn from(r: pipeline::StreamResult) -> Self {
        use http::stream_result::Outcome;
        let result = match r {
            pipeline::StreamResult::Ok { response } => Outcome::Ok(response.into()),
            pipeline::StreamResult::Error { error } => Outcome::Error(error.into()),
        };
        http::StreamResult {
            result: Some(result),
        }
    }
}

impl TryFrom<http::StreamResult> for pipeline::StreamResult {
    type Error = ProtoError;

    fn try_from(r: http::StreamResult) -> Result<Self, ProtoError> {
        use http::stream_result::Outcome;
        Ok(
            match r.result.ok_or_else(|| missing("StreamResult", "result"))? {
                Outcome::Ok(response) => pipeline::StreamResult::Ok {
                    response: response.try_into()?,
                },
                Outcome::Error(error) => pipeline::StreamResult::Error {
                    error: error.into(),
                },
            },
        )
    }
}

impl From<pipeline::PipelineReqBody> for http::PipelineReqBody {
    fn from(b: pipeline::PipelineReqBody) -> Self {
        http::PipelineReqBody {
            baton: b.baton,
            requests: into_vec(b.requests),
        }
    }
}

impl TryFrom<http::PipelineReqBody> for pipeline::PipelineReqBody {
    type Error = ProtoError;

    fn try_from(b: http::PipelineReqBody) -> Result<Self, ProtoError> {
        Ok(pipeline::PipelineReqBody {
            baton: b.baton,
            requests: try_vec(b.requests)?,
        })
    }
}

impl From<pipeline::PipelineRespBody> for http::PipelineRespBody {
    fn from(b: pipeline::PipelineRespBody) -> Self {
        http::PipelineRespBody {
            baton: b.baton,
            base_url: b.base_url,
            results: into_vec(b.results),
        }
    }
}

impl TryFrom<http::PipelineRespBody> for pipeline::PipelineRespBody {
    type Error = ProtoError;

    fn try_from(b: http::PipelineRespBody) -> Result<Self, ProtoError> {
        Ok(pipeline::PipelineRespBody {
            baton: b.baton,
            base_url: b.base_url,
            results: try_vec(b.results)?,
        })
    }
}

// ---- WebSocket ----

impl From<jws::Request> for ws::request_msg::Request {
    fn from(r: jws::Request) -> Self {
        use ws::request_msg::Request as R;
        match r {
            jws::Request::OpenStream(r) => R::OpenStream(ws::OpenStreamReq {
                stream_id: r.stream_id,
            }),
            jws::Request::CloseStream(r) => R::CloseStream(ws::CloseStreamReq {
                stream_id: r.stream_id,
            }),
            jws::Request::Execute(r) => {
                let mut stmt: super::Stmt = r.stmt.into();
                // The request-level index has no protobuf field; carry it on the statement.
                stmt.replication_index = stmt.replication_index.or(r.replication_index);
                R::Execute(ws::ExecuteReq {
                    stream_id: r.stream_id,
                    stmt: Some(stmt),
                })
            }
            jws::Request::Batch(r) => R::Batch(ws::BatchReq {
                stream_id: r.stream_id,
                batch: Some(r.batch.into()),
            }),
            jws::Request::OpenCursor(r) => R::OpenCursor(ws::OpenCursorReq {
                stream_id: r.stream_id,
                cursor_id: r.cursor_id,
                batch: Some(r.batch.into()),
            }),
            jws::Request::CloseCursor(r) => R::CloseCursor(ws::CloseCursorReq {
                cursor_id: r.cursor_id,
            }),
            jws::Request::FetchCursor(r) => R::FetchCursor(ws::FetchCursorReq {
                cursor_id: r.cursor_id,
                max_count: r.max_count,
            }),
            jws::Request::Sequence(r) => R::Sequence(ws::SequenceReq {
                stream_id: r.stream_id,
                sql: r.sql,
                sql_id: r.sql_id,
            }),
            jws::Request::Describe(r) => R::Describe(ws::DescribeReq {
                stream_id: r.stream_id,
                sql: r.sql,
                sql_id: r.sql_id,
            }),
            jws::Request::StoreSql(r) => R::StoreSql(ws::StoreSqlReq {
                sql_id: r.sql_id,
                sql: r.sql,
            }),
            jws::Request::CloseSql(r) => R::CloseSql(ws::CloseSqlReq { sql_id: r.sql_id }),
            jws::Request::GetAutocommit(r) => R::GetAutocommit(ws::GetAutocommitReq {
                stream_id: r.stream_id,
            }),
        }
    }
}

impl TryFrom<ws::request_msg::Request> for jws::Request {
    type Error = ProtoError;

    fn try_from(r: ws::request_msg::Request) -> Result<Self, ProtoError> {
        use ws::request_msg::Request as R;
        let batch = |b: Option<super::Batch>| -> Result<batch::Batch, ProtoError> {
            Ok(b.map(TryInto::try_into).transpose()?.unwrap_or_default())
        };
        Ok(match r {
            R::OpenStream(r) => jws::Request::OpenStream(jws::OpenStreamReq {
                stream_id: r.stream_id,
            }),
            R::CloseStream(r) => jws::Request::CloseStream(jws::CloseStreamReq {
                stream_id: r.stream_id,
            }),
            R::Execute(r) => jws::Request::Execute(jws::ExecuteReq {
                stream_id: r.stream_id,
                stmt: r
                    .stmt
                    .map(TryInto::try_into)
                    .transpose()?
                    .unwrap_or_default(),
                replication_index: None,
            }),
            R::Batch(r) => jws::Request::Batch(jws::BatchReq {
                stream_id: r.stream_id,
                batch: batch(r.batch)?,
            }),
            R::OpenCursor(r) => jws::Request::OpenCursor(jws::OpenCursorReq {
                stream_id: r.stream_id,
                cursor_id: r.cursor_id,
                batch: batch(r.batch)?,
            }),
            R::CloseCursor(r) => jws::Request::CloseCursor(jws::CloseCursorReq {
                cursor_id: r.cursor_id,
            }),
            R::FetchCursor(r) => jws::Request::FetchCursor(jws::FetchCursorReq {
                cursor_id: r.cursor_id,
                max_count: r.max_count,
            }),
            R::Sequence(r) => jws::Request::Sequence(jws::SequenceReq {
                stream_id: r.stream_id,
                sql: r.sql,
                sql_id: r.sql_id,
                replication_index: None,
            }),
            R::Describe(r) => jws::Request::Describe(jws::DescribeReq {
                stream_id: r.stream_id,
                sql: r.sql,
                sql_id: r.sql_id,
                replication_index: None,
            }),
            R::StoreSql(r) => jws::Request::StoreSql(jws::StoreSqlReq {
                sql_id: r.sql_id,
                sql: r.sql,
            }),
            R::CloseSql(r) => jws::Request::CloseSql(jws::CloseSqlReq { sql_id: r.sql_id }),
            R::GetAutocommit(r) => jws::Request::GetAutocommit(jws::GetAutocommitReq {
                stream_id: r.stream_id,
            }),
        })
    }
}

impl From<jws::Response> for ws::response_ok_msg::Response {
    fn from(r: jws::Response) -> Self {
        use ws::response_ok_msg::Response as R;
        match r {
            jws::Response::OpenStream => R::OpenStream(ws::OpenStreamResp {}),
            jws::Response::CloseStream => R::CloseStream(ws::CloseStreamResp {}),
            jws::Response::Execute { result } => R::Execute(ws::ExecuteResp {
                result: Some(result.into()),
            }),
            jws::Response::Batch { result } => R::Batch(ws::BatchResp {
                result: Some(result.into()),
            }),
            jws::Response::OpenCursor => R::OpenCursor(ws::OpenCursorResp {}),
            jws::Response::CloseCursor => R::CloseCursor(ws::CloseCursorResp {}),
            jws::Response::FetchCursor { entries, done } => R::FetchCursor(ws::FetchCursorResp {
                entries: into_vec(entries),
                done,
            }),
            jws::Response::Sequence => R::Sequence(ws::SequenceResp {}),
            jws::Response::Describe { result } => R::Describe(ws::DescribeResp {
                result: Some(result.into()),
            }),
            jws::Response::StoreSql => R::StoreSql(ws::StoreSqlResp {}),
            jws::Response::CloseSql => R::CloseSql(ws::CloseSqlResp {}),
            jws::Response::GetAutocommit { is_autocommit } => {
                R::GetAutocommit(ws::GetAutocommitResp { is_autocommit })
            }
        }
    }
}

impl TryFrom<ws::response_ok_msg::Response> for jws::Response {
    type Error = ProtoError;

    fn try_from(r: ws::response_ok_msg::Response) -> Result<Self, ProtoError> {
        use ws::response_ok_msg::Response as R;
        Ok(match r {
            R::OpenStream(_) => jws::Response::OpenStream,
            R::CloseStream(_) => jws::Response::CloseStream,
            R::Execute(r) => jws::Response::Execute {
                result: r
                    .result
                    .map(TryInto::try_into)
                    .transpose()?
                    .unwrap_or_default(),
            },
            R::Batch(r) => jws::Response::Batch {
                result: r
                    .result
                    .map(TryInto::try_into)
                    .transpose()?
                    .unwrap_or_default(),
            },
            R::OpenCursor(_) => jws::Response::OpenCursor,
            R::CloseCursor(_) => jws::Response::CloseCursor,
            R::FetchCursor(r) => jws::Response::FetchCursor {
                entries: try_vec(r.entries)?,
                done: r.done,
            },
            R::Sequence(_) => jws::Response::Sequence,
            R::Describe(r) => jws::Response::Describe {
                result: r.result.map(Into::into).unwrap_or_default(),
            },
            R::StoreSql(_) => jws::Response::StoreSql,
            R::CloseSql(_) => jws::Response::CloseSql,
            R::GetAutocommit(r) => jws::Response::GetAutocommit {
                is_autocommit: r.is_autocommit,
            },
        })
    }
}

impl From<jws::ClientMsg> for ws::ClientMsg {
    fn from(m: jws::ClientMsg) -> Self {
        use ws::client_msg::Msg;
        let msg = match m {
            jws::ClientMsg::Hello { jwt } => Msg::Hello(ws::HelloMsg { jwt }),
            jws::ClientMsg::Request {
                request_id,
                request,
            } => Msg::Request(ws::RequestMsg {
                request_id,
                request: Some(request.into()),
            }),
        };
        ws::ClientMsg { msg: Some(msg) }
    }
}

impl TryFrom<ws::ClientMsg> for jws::ClientMsg {
    type Error = ProtoError;

    fn try_from(m: ws::ClientMsg) -> Result<Self, ProtoError> {
        use ws::client_msg::Msg;
        Ok(match m.msg.ok_or_else(|| missing("ClientMsg", "msg"))? {
            Msg::Hello(h) => jws::ClientMsg::Hello { jwt: h.jwt },
            Msg::Request(r) => jws::ClientMsg::Request {
                request_id: r.request_id,
                request: r
                    .request
                    .ok_or_else(|| missing("RequestMsg", "request"))?
                    .try_into()?,
            },
        })
    }
}

impl From<jws::ServerMsg> for ws::ServerMsg {
    fn from(m: jws::ServerMsg) -> Self {
        use ws::server_msg::Msg;
        let msg = match m {
            jws::ServerMsg::HelloOk => Msg::HelloOk(ws::HelloOkMsg {}),
            jws::ServerMsg::HelloError { error } => Msg::HelloError(ws::HelloErrorMsg {
                error: Some(error.into()),
            }),
            jws::ServerMsg::ResponseOk {
                request_id,
                response,
            } => Msg::ResponseOk(ws::ResponseOkMsg {
                request_id,
                response: Some(response.into()),
            }),
            jws::ServerMsg::ResponseError { request_id, error } => {
                Msg::ResponseError(ws::ResponseErrorMsg {
                    request_id,
                    error: Some(error.into()),
                })
            }
        };
        ws::ServerMsg { msg: Some(msg) }
    }
}

impl TryFrom<ws::ServerMsg> for jws::ServerMsg {
    type Error = ProtoError;

    fn try_from(m: ws::ServerMsg) -> Result<Self, ProtoError> {
        use ws::server_msg::Msg;
        let error = |e: Option<super::Error>| e.map(Into::into).unwrap_or_default();
        Ok(match m.msg.ok_or_else(|| missing("ServerMsg", "msg"))? {
            Msg::HelloOk(_) => jws::ServerMsg::HelloOk,
            Msg::HelloError(h) => jws::ServerMsg::HelloError {
                error: error(h.error),
            },
            Msg::ResponseOk(r) => jws::ServerMsg::ResponseOk {
                request_id: r.request_id,
                response: r
                    .response
                    .ok_or_else(|| missing("ResponseOkMsg", "response"))?
                    .try_into()?,
            },
            Msg::ResponseError(r) => jws::ServerMsg::ResponseError {
                request_id: r.request_id,
                error: error(r.error),
            },
        })
    }
}
