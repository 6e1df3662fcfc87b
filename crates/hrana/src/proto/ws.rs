//! Package `hrana.ws`: `hrana3-protobuf` WebSocket messages (LIBSQL-SURFACE §4.5).

use super::hrana::{Batch, BatchResult, CursorEntry, DescribeResult, Error, Stmt, StmtResult};

/// `hrana.ws.ClientMsg`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct ClientMsg {
    /// `oneof msg`.
    #[prost(oneof = "client_msg::Msg", tags = "1, 2")]
    pub msg: Option<client_msg::Msg>,
}

/// Nested types of [`ClientMsg`].
pub mod client_msg {
    /// `oneof msg`.
    #[derive(Clone, PartialEq, ::prost::Oneof)]
    pub enum Msg {
        /// 1: hello.
        #[prost(message, tag = "1")]
        Hello(super::HelloMsg),
        /// 2: request.
        #[prost(message, tag = "2")]
        Request(super::RequestMsg),
    }
}

/// `hrana.ws.ServerMsg`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct ServerMsg {
    /// `oneof msg`.
    #[prost(oneof = "server_msg::Msg", tags = "1, 2, 3, 4")]
    pub msg: Option<server_msg::Msg>,
}

/// Nested types of [`ServerMsg`].
pub mod server_msg {
    /// `oneof msg`.
    #[derive(Clone, PartialEq, ::prost::Oneof)]
    pub enum Msg {
        /// 1: hello_ok.
        #[prost(message, tag = "1")]
        HelloOk(super::HelloOkMsg),
        /// 2: hello_error.
        #[prost(message, tag = "2")]
        HelloError(super::HelloErrorMsg),
        /// 3: response_ok.
        #[prost(message, tag = "3")]
        ResponseOk(super::ResponseOkMsg),
        /// 4: response_error.
        #[prost(message, tag = "4")]
        ResponseError(super::ResponseErrorMsg),
    }
}

/// `hrana.ws.HelloMsg`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct HelloMsg {
    /// 1: JWT.
    #[prost(string, optional, tag = "1")]
    pub jwt: Option<String>,
}

/// `hrana.ws.HelloOkMsg` (empty).
#[derive(Clone, Copy, PartialEq, ::prost::Message)]
pub struct HelloOkMsg {}

/// `hrana.ws.HelloErrorMsg`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct HelloErrorMsg {
    /// 1: error.
    #[prost(message, optional, tag = "1")]
    pub error: Option<Error>,
}

/// `hrana.ws.RequestMsg`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct RequestMsg {
    /// 1: request id.
    #[prost(int32, tag = "1")]
    pub request_id: i32,
    /// `oneof request` (2..13).
    #[prost(
        oneof = "request_msg::Request",
        tags = "2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13"
    )]
    pub request: Option<request_msg::Request>,
}

/// Nested types of [`RequestMsg`].
pub mod request_msg {
    /// `oneof request`.
    #[derive(Clone, PartialEq, ::prost::Oneof)]
    pub enum Request {
        /// 2: open_stream.
        #[prost(message, tag = "2")]
        OpenStream(super::OpenStreamReq),
        /// 3: close_stream.
        #[prost(message, tag = "3")]
        CloseStream(super::CloseStreamReq),
        /// 4: execute.
        #[prost(message, tag = "4")]
        Execute(super::ExecuteReq),
        /// 5: batch.
        #[prost(message, tag = "5")]
        Batch(super::BatchReq),
        /// 6: open_cursor.
        #[prost(message, tag = "6")]
        OpenCursor(super::OpenCursorReq),
        /// 7: close_cursor.
        #[prost(message, tag = "7")]
        CloseCursor(super::CloseCursorReq),
        /// 8: fetch_cursor.
        #[prost(message, tag = "8")]
        FetchCursor(super::FetchCursorReq),
        /// 9: sequence.
        #[prost(message, tag = "9")]
        Sequence(super::SequenceReq),
        /// 10: describe.
        #[prost(message, tag = "10")]
        Describe(super::DescribeReq),
        /// 11: store_sql.
        #[prost(message, tag = "11")]
        StoreSql(super::StoreSqlReq),
        /// 12: close_sql.
        #[prost(message, tag = "12")]
        CloseSql(super::CloseSqlReq),
        /// 13: get_autocommit.
        #[prost(message, tag = "13")]
        GetAutocommit(super::GetAutocommitReq),
    }
}

/// `hrana.ws.ResponseOkMsg`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct ResponseOkMsg {
    /// 1: request id.
    #[prost(int32, tag = "1")]
    pub request_id: i32,
    /// `oneof response` (2..13).
    #[prost(
        oneof = "response_ok_msg::Response",
        tags = "2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13"
    )]
    pub response: Option<response_ok_msg::Response>,
}

/// Nested types of [`ResponseOkMsg`].
pub mod response_ok_msg {
    /// `oneof response`.
    #[derive(Clone, PartialEq, ::prost::Oneof)]
    pub enum Response {
        /// 2: open_stream.
        #[prost(message, tag = "2")]
        OpenStream(super::OpenStreamResp),
        /// 3: close_stream.
        #[prost(message, tag = "3")]
        CloseStream(super::CloseStreamResp),
        /// 4: execute.
        #[prost(message, tag = "4")]
        Execute(super::ExecuteResp),
        /// 5: batch.
        #[prost(message, tag = "5")]
        Batch(super::BatchResp),
        /// 6: open_cursor.
        #[prost(message, tag = "6")]
        OpenCursor(super::OpenCursorResp),
        /// 7: close_cursor.
        #[prost(message, tag = "7")]
        CloseCursor(super::CloseCursorResp),
        /// 8: fetch_cursor.
        #[prost(message, tag = "8")]
        FetchCursor(super::FetchCursorResp),
        /// 9: sequence.
        #[prost(message, tag = "9")]
        Sequence(super::SequenceResp),
        /// 10: describe.
        #[prost(message, tag = "10")]
        Describe(super::DescribeResp),
        /// 11: store_sql.
        #[prost(message, tag = "11")]
        StoreSql(super::StoreSqlResp),
        /// 12: close_sql.
        #[prost(message, tag = "12")]
        CloseSql(super::CloseSqlResp),
        /// 13: get_autocommit.
        #[prost(message, tag = "13")]
        GetAutocommit(super::GetAutocommitResp),
    }
}

/// `hrana.ws.ResponseErrorMsg`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct ResponseErrorMsg {
    /// 1: request id.
    #[prost(int32, tag = "1")]
    pub request_id: i32,
    /// 2: error.
    #[prost(message, optional, tag = "2")]
    pub error: Option<Error>,
}

/// `hrana.ws.OpenStreamReq`.
#[derive(Clone, Copy, PartialEq, ::prost::Message)]
pub struct OpenStreamReq {
    /// 1: stream id.
    #[prost(int32, tag = "1")]
    pub stream_id: i32,
}

/// `hrana.ws.OpenStreamResp` (empty).
#[derive(Clone, Copy, PartialEq, ::prost::Message)]
pub struct OpenStreamResp {}

/// `hrana.ws.CloseStreamReq`.
#[derive(Clone, Copy, PartialEq, ::prost::Message)]
pub struct CloseStreamReq {
    /// 1: stream id.
    #[prost(int32, tag = "1")]
    pub stream_id: i32,
}

/// `hrana.ws.CloseStreamResp` (empty).
#[derive(Clone, Copy, PartialEq, ::prost::Message)]
pub struct CloseStreamResp {}

/// `hrana.ws.ExecuteReq`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct ExecuteReq {
    /// 1: stream id.
    #[prost(int32, tag = "1")]
    pub stream_id: i32,
    /// 2: statement.
    #[prost(message, optional, tag = "2")]
    pub stmt: Option<Stmt>,
}

/// `hrana.ws.ExecuteResp`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct ExecuteResp {
    /// 1: result.
    #[prost(message, optional, tag = "1")]
    pub result: Option<StmtResult>,
}

/// `hrana.ws.BatchReq`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct BatchReq {
    /// 1: stream id.
    #[prost(int32, tag = "1")]
    pub stream_id: i32,
    /// 2: batch.
    #[prost(message, optional, tag = "2")]
    pub batch: Option<Batch>,
}

/// `hrana.ws.BatchResp`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct BatchResp {
    /// 1: result.
    #[prost(message, optional, tag = "1")]
    pub result: Option<BatchResult>,
}

/// `hrana.ws.OpenCursorReq`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct OpenCursorReq {
    /// 1: stream id.
    #[prost(int32, tag = "1")]
    pub stream_id: i32,
    /// 2: cursor id.
    #[prost(int32, tag = "2")]
    pub cursor_id: i32,
    /// 3: batch.
    #[prost(message, optional, tag = "3")]
    pub batch: Option<Batch>,
}

/// `hrana.ws.OpenCursorResp` (empty).
#[derive(Clone, Copy, PartialEq, ::prost::Message)]
pub struct OpenCursorResp {}

/// `hrana.ws.CloseCursorReq`.
#[derive(Clone, Copy, PartialEq, ::prost::Message)]
pub struct CloseCursorReq {
    /// 1: cursor id.
    #[prost(int32, tag = "1")]
    pub cursor_id: i32,
}

/// `hrana.ws.CloseCursorResp` (empty).
#[derive(Clone, Copy, PartialEq, ::prost::Message)]
pub struct CloseCursorResp {}

/// `hrana.ws.FetchCursorReq`.
#[derive(Clone, Copy, PartialEq, ::prost::Message)]
pub struct FetchCursorReq {
    /// 1: cursor id.
    #[prost(int32, tag = "1")]
    pub cursor_id: i32,
    /// 2: maximum entries.
    #[prost(uint32, tag = "2")]
    pub max_count: u32,
}

/// `hrana.ws.FetchCursorResp`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct FetchCursorResp {
    /// 1: entries.
    #[prost(message, repeated, tag = "1")]
    pub entries: Vec<CursorEntry>,
    /// 2: done.
    #[prost(bool, tag = "2")]
    pub done: bool,
}

/// `hrana.ws.SequenceReq`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct SequenceReq {
    /// 1: stream id.
    #[prost(int32, tag = "1")]
    pub stream_id: i32,
    /// 2: SQL text.
    #[prost(string, optional, tag = "2")]
    pub sql: Option<String>,
    /// 3: stored SQL id.
    #[prost(int32, optional, tag = "3")]
    pub sql_id: Option<i32>,
}

/// `hrana.ws.SequenceResp` (empty).
#[derive(Clone, Copy, PartialEq, ::prost::Message)]
pub struct SequenceResp {}

/// `hrana.ws.DescribeReq`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct DescribeReq {
    /// 1: stream id.
    #[prost(int32, tag = "1")]
    pub stream_id: i32,
    /// 2: SQL text.
    #[prost(string, optional, tag = "2")]
    pub sql: Option<String>,
    /// 3: stored SQL id.
    #[prost(int32, optional, tag = "3")]
    pub sql_id: Option<i32>,
}

/// `hrana.ws.DescribeResp`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct DescribeResp {
    /// 1: result.
    #[prost(message, optional, tag = "1")]
    pub result: Option<DescribeResult>,
}

/// `hrana.ws.StoreSqlReq`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct StoreSqlReq {
    /// 1: id.
    #[prost(int32, tag = "1")]
    pub sql_id: i32,
    /// 2: SQL text.
    #[prost(string, tag = "2")]
    pub sql: String,
}

/// `hrana.ws.StoreSqlResp` (empty).
#[derive(Clone, Copy, PartialEq, ::prost::Message)]
pub struct StoreSqlResp {}

/// `hrana.ws.CloseSqlReq`.
#[derive(Clone, Copy, PartialEq, ::prost::Message)]
pub struct CloseSqlReq {
    /// 1: id.
    #[prost(int32, tag = "1")]
    pub sql_id: i32,
}

/// `hrana.ws.CloseSqlResp` (empty).
#[derive(Clone, Copy, PartialEq, ::prost::Message)]
pub struct CloseSqlResp {}

/// `hrana.ws.GetAutocommitReq`.
#[derive(Clone, Copy, PartialEq, ::prost::Message)]
pub struct GetAutocommitReq {
    /// 1: stream id.
    #[prost(int32, tag = "1")]
    pub stream_id: i32,
}

/// `hrana.ws.GetAutocommitResp`.
#[derive(Clone, Copy, PartialEq, ::prost::Message)]
pub struct GetAutocommitResp {
    /// 1: autocommit state.
    #[prost(bool, tag = "1")]
    pub is_autocommit: bool,
}
