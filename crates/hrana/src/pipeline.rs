//! HTTP pipelines: `/v2/pipeline`, `/v3/pipeline` and `/v3-protobuf/pipeline` (LIBSQL-SURFACE
//! §3.4).
//!
//! A request body carries a baton and a list of [`StreamRequest`]s; the response has exactly
//! one [`StreamResult`] per request, in order. Responses repeat the request's `type`.
//! Variant order in [`StreamRequest`] is sqld's, so an unknown type produces sqld's message
//! ("unknown variant `frobnicate`, expected one of `close`, `execute`, `batch`, `sequence`,
//! `describe`, `store_sql`, `close_sql`, `get_autocommit`").

use serde::{Deserialize, Serialize};

use crate::batch::{Batch, BatchResult};
use crate::error::{Error, Feature, ProtocolError};
use crate::stmt::{DescribeResult, SqlRef, Stmt, StmtResult, check_sql_id_version};
use crate::version::Version;

/// Request body: `{"baton": string|null, "requests": [StreamRequest]}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PipelineReqBody {
    /// The stream's latest baton, or `None` to open a new stream.
    #[serde(default)]
    pub baton: Option<String>,
    /// The requests, executed in order.
    pub requests: Vec<StreamRequest>,
}

/// Response body: `{"baton": ..., "base_url": ..., "results": [StreamResult]}`.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct PipelineRespBody {
    /// Baton for the next request, `None` once the stream is closed.
    #[serde(default)]
    pub baton: Option<String>,
    /// Base URL for the stream's later requests (`None`: same server).
    #[serde(default)]
    pub base_url: Option<String>,
    /// One result per request.
    pub results: Vec<StreamResult>,
}

/// A request on an HTTP stream, JSON-tagged by `type`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamRequest {
    /// Close the stream (the response baton becomes `null`).
    Close,
    /// Execute one statement.
    Execute(ExecuteStreamReq),
    /// Execute a batch.
    Batch(BatchStreamReq),
    /// Execute a string of statements, returning nothing.
    Sequence(SequenceStreamReq),
    /// Describe a statement without running it.
    Describe(DescribeStreamReq),
    /// Store SQL text under an id.
    StoreSql(StoreSqlStreamReq),
    /// Forget stored SQL text.
    CloseSql(CloseSqlStreamReq),
    /// Ask whether the connection is in autocommit mode (Hrana 3).
    GetAutocommit,
}

/// `{"type":"execute","stmt":Stmt}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExecuteStreamReq {
    /// The statement.
    pub stmt: Stmt,
}

/// `{"type":"batch","batch":Batch}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatchStreamReq {
    /// The batch.
    pub batch: Batch,
}

/// `{"type":"sequence","sql"|"sql_id":..}`.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SequenceStreamReq {
    /// SQL text of zero or more statements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql: Option<String>,
    /// Or the id of stored SQL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql_id: Option<i32>,
    /// sqld extension (5.7).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::serde_util::opt_u64_str"
    )]
    pub replication_index: Option<u64>,
}

/// `{"type":"describe","sql"|"sql_id":..}`.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DescribeStreamReq {
    /// SQL text of one statement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql: Option<String>,
    /// Or the id of stored SQL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql_id: Option<i32>,
    /// sqld extension (5.7).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::serde_util::opt_u64_str"
    )]
    pub replication_index: Option<u64>,
}

/// `{"type":"store_sql","sql_id":n,"sql":..}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreSqlStreamReq {
    /// The id to store under.
    pub sql_id: i32,
    /// The SQL text.
    pub sql: String,
}

/// `{"type":"close_sql","sql_id":n}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloseSqlStreamReq {
    /// The id to forget.
    pub sql_id: i32,
}

impl SequenceStreamReq {
    /// Where the SQL comes from; fails when both or neither of `sql`/`sql_id` are set.
    pub fn sql_ref(&self) -> Result<SqlRef<'_>, ProtocolError> {
        SqlRef::new(self.sql.as_deref(), self.sql_id)
    }
}

impl DescribeStreamReq {
    /// Where the SQL comes from; fails when both or neither of `sql`/`sql_id` are set.
    pub fn sql_ref(&self) -> Result<SqlRef<'_>, ProtocolError> {
        SqlRef::new(self.sql.as_deref(), self.sql_id)
    }
}

impl StreamRequest {
    /// The wire `type` of the request.
    pub fn type_name(&self) -> &'static str {
        match self {
            StreamRequest::Close => "close",
            StreamRequest::Execute(_) => "execute",
            StreamRequest::Batch(_) => "batch",
            StreamRequest::Sequence(_) => "sequence",
            StreamRequest::Describe(_) => "describe",
            StreamRequest::StoreSql(_) => "store_sql",
            StreamRequest::CloseSql(_) => "close_sql",
            StreamRequest::GetAutocommit => "get_autocommit",
        }
    }

    /// The first protocol version with this request type.
    pub fn min_version(&self) -> Version {
        match self {
            StreamRequest::GetAutocommit => Version::Hrana3,
            _ => Version::Hrana2,
        }
    }

    /// Checks the request against the endpoint's version (`/v2` → Hrana 2, `/v3` → Hrana 3):
    /// the request type, batch conditions and `sql_id` fields. Step references in batch
    /// conditions are checked too.
    pub fn check_version(&self, version: Version) -> Result<(), ProtocolError> {
        let min = self.min_version();
        if version < min {
            return Err(ProtocolError::NotSupported {
                feature: Feature::Request(self.type_name()),
                min,
            });
        }
        match self {
            StreamRequest::Execute(r) => r.stmt.check_version(version),
            StreamRequest::Batch(r) => r.batch.check(version),
            StreamRequest::Sequence(r) => check_sql_id_version(r.sql_id, version),
            StreamRequest::Describe(r) => check_sql_id_version(r.sql_id, version),
            _ => Ok(()),
        }
    }
}

/// The outcome of one request: `{"type":"ok","response":..}` or `{"type":"error","error":..}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamResult {
    /// The request succeeded.
    Ok {
        /// Its response.
        response: StreamResponse,
    },
    /// The request failed.
    Error {
        /// Why.
        error: Error,
    },
}

/// A response on an HTTP stream; its `type` repeats the request's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamResponse {
    /// `{"type":"close"}`.
    Close,
    /// `{"type":"execute","result":StmtResult}`.
    Execute {
        /// The statement's result.
        result: StmtResult,
    },
    /// `{"type":"batch","result":BatchResult}`.
    Batch {
        /// The batch's result.
        result: BatchResult,
    },
    /// `{"type":"sequence"}`.
    Sequence,
    /// `{"type":"describe","result":DescribeResult}`.
    Describe {
        /// The description.
        result: DescribeResult,
    },
    /// `{"type":"store_sql"}`.
    StoreSql,
    /// `{"type":"close_sql"}`.
    CloseSql,
    /// `{"type":"get_autocommit","is_autocommit":bool}`.
    GetAutocommit {
        /// Whether the connection is outside a transaction.
        is_autocommit: bool,
    },
}

impl From<StreamResponse> for StreamResult {
    fn from(response: StreamResponse) -> Self {
        StreamResult::Ok { response }
    }
}

impl From<Error> for StreamResult {
    fn from(error: Error) -> Self {
        StreamResult::Error { error }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_responses_are_byte_exact() {
        let body = PipelineRespBody {
            baton: None,
            base_url: None,
            results: vec![StreamResponse::Close.into()],
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"baton":null,"base_url":null,"results":[{"type":"ok","response":{"type":"close"}}]}"#
        );
        for (resp, text) in [
            (StreamResponse::Sequence, r#"{"type":"sequence"}"#),
            (StreamResponse::StoreSql, r#"{"type":"store_sql"}"#),
            (StreamResponse::CloseSql, r#"{"type":"close_sql"}"#),
            (
                StreamResponse::GetAutocommit {
                    is_autocommit: true,
                },
                r#"{"type":"get_autocommit","is_autocommit":true}"#,
            ),
        ] {
            assert_eq!(serde_json::to_string(&resp).unwrap(), text);
            assert_eq!(serde_json::from_str::<StreamResponse>(text).unwrap(), resp);
        }
    }

    #[test]
    fn unknown_request_type_message() {
        let err = serde_json::from_slice::<PipelineReqBody>(
            br#"{"baton":null,"requests":[{"type":"frobnicate"}]}"#,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown variant `frobnicate`, expected one of `close`, `execute`, `batch`, `sequence`, `describe`, `store_sql`, `close_sql`, `get_autocommit` at line 1 column 46"
        );
    }

    #[test]
    fn version_gating() {
        let req = StreamRequest::GetAutocommit;
        assert_eq!(
            req.check_version(Version::Hrana2).unwrap_err().to_string(),
            "The `get_autocommit` request is only supported in protocol version hrana3 and higher"
        );
        assert!(req.check_version(Version::Hrana3).is_ok());
        assert!(StreamRequest::Close.check_version(Version::Hrana2).is_ok());
    }

    #[test]
    fn sql_ref_on_sequence_and_describe() {
        let s = SequenceStreamReq {
            sql: Some("x".into()),
            ..Default::default()
        };
        assert_eq!(s.sql_ref().unwrap(), SqlRef::Sql("x"));
        let d = DescribeStreamReq {
            sql: Some("x".into()),
            sql_id: Some(1),
            ..Default::default()
        };
        assert!(matches!(d.sql_ref(), Err(ProtocolError::SqlAndSqlId)));
    }
}
