//! Hrana wire types for Basalt: the JSON and protobuf encodings of libSQL's Hrana protocol, as
//! sqld 0.24.33 speaks it. Pure data — no I/O, no async, no SQLite.
//!
//! The server and the SDK work on one set of types, which serialise to JSON with serde exactly
//! as sqld does (key order, integers as strings, unpadded base64, float spellings) and convert
//! to and from the [`proto`] structs for the protobuf endpoints.
//!
//! | module | holds |
//! |---|---|
//! | [`Value`] (`value`) | SQLite values and their tagged JSON form |
//! | [`Stmt`], [`StmtResult`], [`DescribeResult`] (`stmt`) | statements and results |
//! | [`Batch`], [`BatchCond`], [`BatchResult`] (`batch`) | batches; [`BatchCond::eval`] |
//! | [`CursorEntry`], [`CursorReqBody`] (`cursor`) | cursors and the NDJSON framing |
//! | [`PipelineReqBody`], [`StreamRequest`], [`StreamResult`] (`pipeline`) | HTTP pipelines |
//! | [`ClientMsg`], [`ServerMsg`], [`Request`], [`Response`] (`ws`) | WebSocket messages |
//! | [`v1`] | `/v1/execute`, `/v1/batch` bodies |
//! | [`legacy`] | the plain-JSON `POST /` API |
//! | [`Error`], [`ResponseError`], [`ProtocolError`] (`error`) | the error object, typed errors |
//! | [`Version`], [`Subprotocol`] (`version`) | versions and WebSocket negotiation |
//! | [`proto`] | prost structs for `hrana`, `hrana.http`, `hrana.ws` |
//!
//! Invariants kept throughout: unknown JSON fields are ignored; decoding never panics;
//! non-finite floats are never written as JSON (see [`Value::check_json_encodable`]).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod batch;
mod cursor;
mod error;
pub mod legacy;
mod pipeline;
pub mod proto;
mod serde_util;
mod stmt;
pub mod v1;
mod value;
mod version;
mod ws;

#[cfg(test)]
mod testutil;

pub use batch::{Batch, BatchCond, BatchResult, BatchStep, StepOutcome};
pub use cursor::{
    CursorEntry, CursorReqBody, CursorRespBody, NdjsonDecoder, StepBeginEntry, StepEndEntry,
    StepErrorEntry, encode_ndjson_line,
};
pub use error::{ArgsError, Error, Feature, ProtocolError, ResponseError, sqlite_error_code};
pub use pipeline::{
    BatchStreamReq, CloseSqlStreamReq, DescribeStreamReq, ExecuteStreamReq, PipelineReqBody,
    PipelineRespBody, SequenceStreamReq, StoreSqlStreamReq, StreamRequest, StreamResponse,
    StreamResult,
};
pub use proto::ProtoError;
pub use stmt::{
    Col, DescribeCol, DescribeParam, DescribeResult, NamedArg, SqlRef, Stmt, StmtResult,
};
pub use value::{NonFiniteFloat, Value, decode_base64, decode_base64_unpadded, encode_base64};
pub use version::{Encoding, NoCommonSubprotocol, Subprotocol, Version};
pub use ws::{
    BatchReq, ClientMsg, CloseCursorReq, CloseSqlReq, CloseStreamReq, DescribeReq, ExecuteReq,
    FetchCursorReq, GetAutocommitReq, OpenCursorReq, OpenStreamReq, Request, Response, SequenceReq,
    ServerMsg, StoreSqlReq,
};
