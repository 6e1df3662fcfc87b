//! Hrana over WebSocket messages (LIBSQL-SURFACE §4.2, §4.3).
//!
//! The client sends [`ClientMsg`]s (`hello`, `request`), the server answers with
//! [`ServerMsg`]s (`hello_ok`, `hello_error`, `response_ok`, `response_error`). Every request
//! response echoes the client's `request_id`; [`Response`]'s `type` repeats the request's.

use serde::{Deserialize, Serialize};

use crate::batch::{Batch, BatchResult};
use crate::cursor::CursorEntry;
use crate::error::{Error, Feature, ProtocolError};
use crate::stmt::{DescribeResult, SqlRef, Stmt, StmtResult, check_sql_id_version};
use crate::version::Version;

/// A message from the client, JSON-tagged by `type`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMsg {
    /// `{"type":"hello","jwt":string|null}`: authenticate (again, from Hrana 2 on).
    Hello {
        /// The token, if any.
        #[serde(default)]
        jwt: Option<String>,
    },
    /// `{"type":"request","request_id":n,"request":Request}`.
    Request {
        /// Client-chosen id echoed in the response.
        request_id: i32,
        /// The request.
        request: Request,
    },
}

/// A message from the server, JSON-tagged by `type`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg {
    /// `{"type":"hello_ok"}`.
    HelloOk,
    /// `{"type":"hello_error","error":Error}`; the server closes the connection afterwards.
    HelloError {
        /// Why authentication failed.
        error: Error,
    },
    /// `{"type":"response_ok","request_id":n,"response":Response}`.
    ResponseOk {
        /// The request's id.
        request_id: i32,
        /// The response.
        response: Response,
    },
    /// `{"type":"response_error","request_id":n,"error":Error}`.
    ResponseError {
        /// The request's id.
        request_id: i32,
        /// Why the request failed.
        error: Error,
    },
}

/// A WebSocket request, JSON-tagged by `type`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Request {
    /// Open a stream under a client-chosen id.
    OpenStream(OpenStreamReq),
    /// Close a stream (and its cursor).
    CloseStream(CloseStreamReq),
    /// Execute a statement on a stream.
    Execute(ExecuteReq),
    /// Execute a batch on a stream.
    Batch(BatchReq),
    /// Open a cursor over a batch (Hrana 3).
    OpenCursor(OpenCursorReq),
    /// Close a cursor (Hrana 3).
    CloseCursor(CloseCursorReq),
    /// Fetch entries from a cursor (Hrana 3).
    FetchCursor(FetchCursorReq),
    /// Execute a string of statements (Hrana 2).
    Sequence(SequenceReq),
    /// Describe a statement (Hrana 2).
    Describe(DescribeReq),
    /// Store SQL text for the connection (Hrana 2).
    StoreSql(StoreSqlReq),
    /// Forget stored SQL text (Hrana 2).
    CloseSql(CloseSqlReq),
    /// Ask whether a stream's connection is in autocommit mode (Hrana 3).
    GetAutocommit(GetAutocommitReq),
}

/// `open_stream` request body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenStreamReq {
    /// Client-chosen stream id.
    pub stream_id: i32,
}

/// `close_stream` request body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloseStreamReq {
    /// The stream id.
    pub stream_id: i32,
}

/// `execute` request body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExecuteReq {
    /// The stream id.
    pub stream_id: i32,
    /// The statement.
    pub stmt: Stmt,
    /// sqld extension (5.7); JSON only.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::serde_util::opt_u64_str"
    )]
    pub replication_index: Option<u64>,
}

/// `batch` request body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatchReq {
    /// The stream id.
    pub stream_id: i32,
    /// The batch.
    pub batch: Batch,
}

/// `open_cursor` request body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OpenCursorReq {
    /// The stream id.
    pub stream_id: i32,
    /// Client-chosen cursor id.
    pub cursor_id: i32,
    /// The batch the cursor runs.
    pub batch: Batch,
}

/// `close_cursor` request body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloseCursorReq {
    /// The cursor id.
    pub cursor_id: i32,
}

/// `fetch_cursor` request body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchCursorReq {
    /// The cursor id.
    pub cursor_id: i32,
    /// Maximum number of entries to return.
    pub max_count: u32,
}

/// `sequence` request body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceReq {
    /// The stream id.
    pub stream_id: i32,
    /// SQL text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql: Option<String>,
    /// Or stored SQL id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql_id: Option<i32>,
    /// sqld extension (5.7); JSON only.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::serde_util::opt_u64_str"
    )]
    pub replication_index: Option<u64>,
}

/// `describe` request body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DescribeReq {
    /// The stream id.
    pub stream_id: i32,
    /// SQL text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql: Option<String>,
    /// Or stored SQL id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql_id: Option<i32>,
    /// sqld extension (5.7); JSON only.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::serde_util::opt_u64_str"
    )]
    pub replication_index: Option<u64>,
}

/// `store_sql` request body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreSqlReq {
    /// The id to store under.
    pub sql_id: i32,
    /// The SQL text.
    pub sql: String,
}

/// `close_sql` request body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloseSqlReq {
    /// The id to forget.
    pub sql_id: i32,
}

/// `get_autocommit` request body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetAutocommitReq {
    /// The stream id.
    pub stream_id: i32,
}

impl SequenceReq {
    /// Where the SQL comes from; fails when both or neither of `sql`/`sql_id` are set.
    pub fn sql_ref(&self) -> Result<SqlRef<'_>, ProtocolError> {
        SqlRef::new(self.sql.as_deref(), self.sql_id)
    }
}

impl DescribeReq {
    /// Where the SQL comes from; fails when both or neither of `sql`/`sql_id` are set.
    pub fn sql_ref(&self) -> Result<SqlRef<'_>, ProtocolError> {
        SqlRef::new(self.sql.as_deref(), self.sql_id)
    }
}

impl Request {
    /// The wire `type` of the request.
    pub fn type_name(&self) -> &'static str {
        match self {
            Request::OpenStream(_) => "open_stream",
            Request::CloseStream(_) => "close_stream",
            Request::Execute(_) => "execute",
            Request::Batch(_) => "batch",
            Request::OpenCursor(_) => "open_cursor",
            Request::CloseCursor(_) => "close_cursor",
            Request::FetchCursor(_) => "fetch_cursor",
            Request::Sequence(_) => "sequence",
            Request::Describe(_) => "describe",
            Request::StoreSql(_) => "store_sql",
            Request::CloseSql(_) => "close_sql",
            Request::GetAutocommit(_) => "get_autocommit",
        }
    }

    /// The first protocol version with this request type.
    pub fn min_version(&self) -> Version {
        match self {
            Request::OpenStream(_)
            | Request::CloseStream(_)
            | Request::Execute(_)
            | Request::Batch(_) => Version::Hrana1,
            Request::Sequence(_)
            | Request::Describe(_)
            | Request::StoreSql(_)
            | Request::CloseSql(_) => Version::Hrana2,
            Request::OpenCursor(_)
            | Request::CloseCursor(_)
            | Request::FetchCursor(_)
            | Request::GetAutocommit(_) => Version::Hrana3,
        }
    }

    /// The stream the request runs on, if it names one.
    pub fn stream_id(&self) -> Option<i32> {
        match self {
            Request::OpenStream(r) => Some(r.stream_id),
            Request::CloseStream(r) => Some(r.stream_id),
            Request::Execute(r) => Some(r.stream_id),
            Request::Batch(r) => Some(r.stream_id),
            Request::OpenCursor(r) => Some(r.stream_id),
            Request::Sequence(r) => Some(r.stream_id),
            Request::Describe(r) => Some(r.stream_id),
            Request::GetAutocommit(r) => Some(r.stream_id),
            Request::CloseCursor(_)
            | Request::FetchCursor(_)
            | Request::StoreSql(_)
            | Request::CloseSql(_) => None,
        }
    }

    /// Checks the request against the negotiated version: the request type, batch conditions
    /// (including step references) and `sql_id` fields.
    pub fn check_version(&self, version: Version) -> Result<(), ProtocolError> {
        let min = self.min_version();
        if version < min {
            return Err(ProtocolError::NotSupported {
                feature: Feature::Request(self.type_name()),
                min,
            });
        }
        match self {
            Request::Execute(r) => r.stmt.check_version(version),
            Request::Batch(r) => r.batch.check(version),
            Request::OpenCursor(r) => r.batch.check(version),
            Request::Sequence(r) => check_sql_id_version(r.sql_id, version),
            Request::Describe(r) => check_sql_id_version(r.sql_id, version),
            _ => Ok(()),
        }
    }
}

impl ClientMsg {
    /// Rejects a repeated `hello` on Hrana 1 (`first` tells whether this is the first message).
    pub fn check_hello(&self, first: bool, version: Version) -> Result<(), ProtocolError> {
        match self {
            ClientMsg::Hello { .. } if !first && version < Version::Hrana2 => {
                Err(ProtocolError::NotSupported {
                    feature: Feature::RepeatedHello,
                    min: Version::Hrana2,
                })
            }
            ClientMsg::Request { .. } if first => Err(ProtocolError::RequestBeforeHello),
            _ => Ok(()),
        }
    }
}

/// A WebSocket response; its `type` repeats the request's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Response {
    /// `{"type":"open_stream"}`.
    OpenStream,
    /// `{"type":"close_stream"}`.
    CloseStream,
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
    /// `{"type":"open_cursor"}`.
    OpenCursor,
    /// `{"type":"close_cursor"}`.
    CloseCursor,
    /// `{"type":"fetch_cursor","entries":[..],"done":bool}`.
    FetchCursor {
        /// Up to `max_count` entries.
        entries: Vec<CursorEntry>,
        /// True in the response that carries the last entries, and afterwards.
        done: bool,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_messages() {
        let m: ClientMsg = serde_json::from_str(r#"{"type": "hello", "jwt": null}"#).unwrap();
        assert_eq!(m, ClientMsg::Hello { jwt: None });
        let m: ClientMsg = serde_json::from_str(r#"{"type":"hello"}"#).unwrap();
        assert_eq!(m, ClientMsg::Hello { jwt: None });
        assert_eq!(
            serde_json::to_string(&ServerMsg::HelloOk).unwrap(),
            r#"{"type":"hello_ok"}"#
        );
        assert_eq!(
            serde_json::to_string(&ServerMsg::HelloError {
                error: Error::new("bad", "AUTH")
            })
            .unwrap(),
            r#"{"type":"hello_error","error":{"message":"bad","code":"AUTH"}}"#
        );
    }

    #[test]
    fn empty_responses() {
        let m = ServerMsg::ResponseOk {
            request_id: 1,
            response: Response::OpenStream,
        };
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"type":"response_ok","request_id":1,"response":{"type":"open_stream"}}"#
        );
        let m = ServerMsg::ResponseOk {
            request_id: 6,
            response: Response::FetchCursor {
                entries: vec![],
                done: true,
            },
        };
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"type":"response_ok","request_id":6,"response":{"type":"fetch_cursor","entries":[],"done":true}}"#
        );
    }

    #[test]
    fn version_rules() {
        let seq = Request::Sequence(SequenceReq {
            stream_id: 1,
            sql: Some("SELECT 1".into()),
            sql_id: None,
            replication_index: None,
        });
        assert!(seq.check_version(Version::Hrana1).is_err());
        assert!(seq.check_version(Version::Hrana2).is_ok());
        let ga = Request::GetAutocommit(GetAutocommitReq { stream_id: 1 });
        assert!(ga.check_version(Version::Hrana2).is_err());
        assert_eq!(ga.stream_id(), Some(1));
        let hello = ClientMsg::Hello { jwt: None };
        assert!(hello.check_hello(true, Version::Hrana1).is_ok());
        assert!(hello.check_hello(false, Version::Hrana1).is_err());
        assert!(hello.check_hello(false, Version::Hrana2).is_ok());
        let req = ClientMsg::Request {
            request_id: 1,
            request: Request::OpenStream(OpenStreamReq { stream_id: 1 }),
        };
        assert_eq!(
            req.check_hello(true, Version::Hrana2)
                .unwrap_err()
                .to_string(),
            "Received a request before hello message"
        );
    }
}
