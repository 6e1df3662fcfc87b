//! Package `hrana.http`: `/v3-protobuf/pipeline` and `/v3-protobuf/cursor` bodies
//! (LIBSQL-SURFACE §3.4, §3.5).

use super::hrana::{Batch, BatchResult, DescribeResult, Error, Stmt, StmtResult};

/// `hrana.http.PipelineReqBody`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct PipelineReqBody {
    /// 1: baton.
    #[prost(string, optional, tag = "1")]
    pub baton: Option<String>,
    /// 2: requests.
    #[prost(message, repeated, tag = "2")]
    pub requests: Vec<StreamRequest>,
}

/// `hrana.http.PipelineRespBody`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct PipelineRespBody {
    /// 1: baton.
    #[prost(string, optional, tag = "1")]
    pub baton: Option<String>,
    /// 2: base URL.
    #[prost(string, optional, tag = "2")]
    pub base_url: Option<String>,
    /// 3: results.
    #[prost(message, repeated, tag = "3")]
    pub results: Vec<StreamResult>,
}

/// `hrana.http.StreamResult`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct StreamResult {
    /// `oneof result`.
    #[prost(oneof = "stream_result::Outcome", tags = "1, 2")]
    pub result: Option<stream_result::Outcome>,
}

/// Nested types of [`StreamResult`].
pub mod stream_result {
    /// `oneof result`.
    #[derive(Clone, PartialEq, ::prost::Oneof)]
    pub enum Outcome {
        /// 1: success.
        #[prost(message, tag = "1")]
        Ok(super::StreamResponse),
        /// 2: failure.
        #[prost(message, tag = "2")]
        Error(super::Error),
    }
}

/// `hrana.http.CursorReqBody`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct CursorReqBody {
    /// 1: baton.
    #[prost(string, optional, tag = "1")]
    pub baton: Option<String>,
    /// 2: batch.
    #[prost(message, optional, tag = "2")]
    pub batch: Option<Batch>,
}

/// `hrana.http.CursorRespBody`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct CursorRespBody {
    /// 1: baton.
    #[prost(string, optional, tag = "1")]
    pub baton: Option<String>,
    /// 2: base URL.
    #[prost(string, optional, tag = "2")]
    pub base_url: Option<String>,
}

/// `hrana.http.StreamRequest`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct StreamRequest {
    /// `oneof request`.
    #[prost(oneof = "stream_request::Request", tags = "1, 2, 3, 4, 5, 6, 7, 8")]
    pub request: Option<stream_request::Request>,
}

/// Nested types of [`StreamRequest`].
pub mod stream_request {
    /// `oneof request`.
    #[derive(Clone, PartialEq, ::prost::Oneof)]
    pub enum Request {
        /// 1: close.
        #[prost(message, tag = "1")]
        Close(super::CloseStreamReq),
        /// 2: execute.
        #[prost(message, tag = "2")]
        Execute(super::ExecuteStreamReq),
        /// 3: batch.
        #[prost(message, tag = "3")]
        Batch(super::BatchStreamReq),
        /// 4: sequence.
        #[prost(message, tag = "4")]
        Sequence(super::SequenceStreamReq),
        /// 5: describe.
        #[prost(message, tag = "5")]
        Describe(super::DescribeStreamReq),
        /// 6: store_sql.
        #[prost(message, tag = "6")]
        StoreSql(super::StoreSqlStreamReq),
        /// 7: close_sql.
        #[prost(message, tag = "7")]
        CloseSql(super::CloseSqlStreamReq),
        /// 8: get_autocommit.
        #[prost(message, tag = "8")]
        GetAutocommit(super::GetAutocommitStreamReq),
    }
}

/// `hrana.http.StreamResponse`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct StreamResponse {
    /// `oneof response`.
    #[prost(oneof = "stream_response::Response", tags = "1, 2, 3, 4, 5, 6, 7, 8")]
    pub response: Option<stream_response::Response>,
}

/// Nested types of [`StreamResponse`].
pub mod stream_response {
    /// `oneof response`.
    #[derive(Clone, PartialEq, ::prost::Oneof)]
    pub enum Response {
        /// 1: close.
        #[prost(message, tag = "1")]
        Close(super::CloseStreamResp),
        /// 2: execute.
        #[prost(message, tag = "2")]
        Execute(super::ExecuteStreamResp),
        /// 3: batch.
        #[prost(message, tag = "3")]
        Batch(super::BatchStreamResp),
        /// 4: sequence.
        #[prost(message, tag = "4")]
        Sequence(super::SequenceStreamResp),
        /// 5: describe.
        #[prost(message, tag = "5")]
        Describe(super::DescribeStreamResp),
        /// 6: store_sql.
        #[prost(message, tag = "6")]
        StoreSql(super::StoreSqlStreamResp),
        /// 7: close_sql.
        #[prost(message, tag = "7")]
        CloseSql(super::CloseSqlStreamResp),
        /// 8: get_autocommit.
        #[prost(message, tag = "8")]
        GetAutocommit(super::GetAutocommitStreamResp),
    }
}

/// `hrana.http.CloseStreamReq` (empty).
#[derive(Clone, Copy, PartialEq, ::prost::Message)]
pub struct CloseStreamReq {}

/// `hrana.http.CloseStreamResp` (empty).
#[derive(Clone, Copy, PartialEq, ::prost::Message)]
pub struct CloseStreamResp {}

/// `hrana.http.ExecuteStreamReq`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct ExecuteStreamReq {
    /// 1: statement.
    #[prost(message, optional, tag = "1")]
    pub stmt: Option<Stmt>,
}

/// `hrana.http.ExecuteStreamResp`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct ExecuteStreamResp {
    /// 1: result.
    #[prost(message, optional, tag = "1")]
    pub result: Option<StmtResult>,
}

/// `hrana.http.BatchStreamReq`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct BatchStreamReq {
    /// 1: batch.
    #[prost(message, optional, tag = "1")]
    pub batch: Option<Batch>,
}

/// `hrana.http.BatchStreamResp`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct BatchStreamResp {
    /// 1: result.
    #[prost(message, optional, tag = "1")]
    pub result: Option<BatchResult>,
}

/// `hrana.http.SequenceStreamReq`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct SequenceStreamReq {
    /// 1: SQL text.
    #[prost(string, optional, tag = "1")]
    pub sql: Option<String>,
    /// 2: stored SQL id.
    #[prost(int32, optional, tag = "2")]
    pub sql_id: Option<i32>,
    /// 3 (sqld): replication index.
    #[prost(uint64, optional, tag = "3")]
    pub replication_index: Option<u64>,
}

/// `hrana.http.SequenceStreamResp` (empty).
#[derive(Clone, Copy, PartialEq, ::prost::Message)]
pub struct SequenceStreamResp {}

/// `hrana.http.DescribeStreamReq`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct DescribeStreamReq {
    /// 1: SQL text.
    #[prost(string, optional, tag = "1")]
    pub sql: Option<String>,
    /// 2: stored SQL id.
    #[prost(int32, optional, tag = "2")]
    pub sql_id: Option<i32>,
    /// 3 (sqld): replication index.
    #[prost(uint64, optional, tag = "3")]
    pub replication_index: Option<u64>,
}

/// `hrana.http.DescribeStreamResp`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct DescribeStreamResp {
    /// 1: result.
    #[prost(message, optional, tag = "1")]
    pub result: Option<DescribeResult>,
}

/// `hrana.http.StoreSqlStreamReq`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct StoreSqlStreamReq {
    /// 1: id.
    #[prost(int32, tag = "1")]
    pub sql_id: i32,
    /// 2: SQL text.
    #[prost(string, tag = "2")]
    pub sql: String,
}

/// `hrana.http.StoreSqlStreamResp` (empty).
#[derive(Clone, Copy, PartialEq, ::prost::Message)]
pub struct StoreSqlStreamResp {}

/// `hrana.http.CloseSqlStreamReq`.
#[derive(Clone, Copy, PartialEq, ::prost::Message)]
pub struct CloseSqlStreamReq {
    /// 1: id.
    #[prost(int32, tag = "1")]
    pub sql_id: i32,
}

/// `hrana.http.CloseSqlStreamResp` (empty).
#[derive(Clone, Copy, PartialEq, ::prost::Message)]
pub struct CloseSqlStreamResp {}

/// `hrana.http.GetAutocommitStreamReq` (empty).
#[derive(Clone, Copy, PartialEq, ::prost::Message)]
pub struct GetAutocommitStreamReq {}

/// `hrana.http.GetAutocommitStreamResp`.
#[derive(Clone, Copy, PartialEq, ::prost::Message)]
pub struct GetAutocommitStreamResp {
    /// 1: autocommit state.
    #[prost(bool, tag = "1")]
    pub is_autocommit: bool,
}
