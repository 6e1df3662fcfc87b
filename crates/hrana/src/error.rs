//! Errors on the Hrana wire (LIBSQL-SURFACE §3.8, §4.4, §5.5, §5.8).
//!
//! Three layers, kept apart because clients treat them differently:
//!
//! * [`Error`] is the wire object `{"message": ..., "code": ...}` (key order as sqld sends it).
//! * [`ResponseError`] is the typed set of errors that travel *as* an [`Error`]: a failed
//!   statement, request or batch step (HTTP 200 with a per-request error, WebSocket
//!   `response_error`), plus `STREAM_EXPIRED`. Each variant knows its `code` and renders
//!   sqld's exact message text.
//! * [`ProtocolError`] is a client mistake that aborts the whole HTTP request (400
//!   `text/plain`, the message is the body) or the WebSocket connection. Its `Display` is that
//!   text.
//!
//! [`sqlite_error_code`] maps SQLite result codes to the coarse code strings sqld sends.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::proto::ProtoError;
use crate::version::Version;

/// The Hrana error object: `{"message": string, "code": string}`.
///
/// sqld always sends `code`, and so does Basalt; on input a missing or `null` code reads as
/// the empty string.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Error {
    /// Human-readable message.
    pub message: String,
    /// Machine-readable code such as `SQLITE_CONSTRAINT` or `SQL_PARSE_ERROR`.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::string_or_null::deserialize"
    )]
    pub code: String,
}

impl Error {
    /// Builds an error object from a message and a code.
    pub fn new(message: impl Into<String>, code: impl Into<String>) -> Self {
        Error {
            message: message.into(),
            code: code.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl From<&ResponseError> for Error {
    fn from(e: &ResponseError) -> Self {
        Error {
            message: e.to_string(),
            code: e.code().to_owned(),
        }
    }
}

impl From<ResponseError> for Error {
    fn from(e: ResponseError) -> Self {
        Error::from(&e)
    }
}

/// Why the arguments of a statement could not be bound (`ARGS_INVALID`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ArgsError {
    /// No value was given for the 1-based SQL parameter `index`.
    #[error("value for parameter {index} not found")]
    ValueNotFound {
        /// 1-based parameter index.
        index: usize,
    },
    /// More values were given (positional, or named counted together) than the statement has
    /// parameters.
    #[error("too many parameters, expected {expected} found {found}")]
    TooMany {
        /// Number of SQL parameters.
        expected: usize,
        /// Number of values given.
        found: usize,
    },
}

/// An error reported to the client as an [`Error`] object, with sqld's code and message.
///
/// The `Display` text is the `message` sqld sends; [`ResponseError::code`] is its `code`.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ResponseError {
    /// The statement could not be parsed by the server's SQL front-end, or is a kind the
    /// server refuses (`SQL_PARSE_ERROR`). `detail` is e.g. "syntax error around L1:6:
    /// \`SELEC\`" or "unsupported statement: VACUUM".
    #[error("SQL string could not be parsed: {detail}")]
    SqlParse {
        /// What the parser reported.
        detail: String,
    },
    /// The SQL text holds no statement (`SQL_NO_STATEMENT`).
    #[error("SQL string does not contain any statement")]
    SqlNoStatement,
    /// The SQL text of an `execute` or batch step holds more than one statement
    /// (`SQL_MANY_STATEMENTS`).
    #[error("SQL string contains more than one statement")]
    SqlManyStatements,
    /// Arguments do not match the statement's parameters (`ARGS_INVALID`).
    #[error("Arguments do not match SQL parameters: {0}")]
    ArgsInvalid(ArgsError),
    /// Both positional and named arguments were given (`ARGS_BOTH_POSITIONAL_AND_NAMED`).
    #[error("Specifying both positional and named arguments is not supported")]
    ArgsBothPositionalAndNamed,
    /// The transaction ran past its time budget and lost its lock (`TRANSACTION_TIMEOUT`).
    #[error("Transaction timed out")]
    TransactionTimeout,
    /// No capacity for another transaction (`TRANSACTION_BUSY`).
    #[error("Server cannot handle additional transactions")]
    TransactionBusy,
    /// SQLite reported an error while preparing or running a statement. The code sent is
    /// [`sqlite_error_code`] of `code` (so plain `SQLITE_ERROR` goes out as `SQLITE_UNKNOWN`).
    #[error("SQLite error: {message}")]
    Sqlite {
        /// SQLite result code, primary or extended.
        code: i32,
        /// SQLite's own message, e.g. "no such table: nope".
        message: String,
    },
    /// SQLite reported an error with a byte offset into the SQL, e.g. from `describe`
    /// (`SQL_INPUT_ERROR`).
    #[error("SQL input error: {message} (at offset {offset})")]
    SqlInput {
        /// SQLite's message, e.g. `near "SELEC": syntax error`.
        message: String,
        /// Byte offset of the error in the SQL text.
        offset: i32,
    },
    /// The namespace blocks this operation (`BLOCKED`).
    #[error("Operation was blocked{}", .reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default())]
    Blocked {
        /// Why, if the namespace config gives a reason.
        reason: Option<String>,
    },
    /// The result is larger than the response size limit (`RESPONSE_TOO_LARGE`).
    #[error("Response is too large")]
    ResponseTooLarge,
    /// A forwarded write failed on the primary (`PROXY_ERROR`).
    #[error("error executing a request on the primary: {message}")]
    Proxy {
        /// What the primary reported.
        message: String,
    },
    /// The stream idled out; sent as the JSON body of an HTTP 400 (`STREAM_EXPIRED`).
    #[error("The stream has expired due to inactivity")]
    StreamExpired,
    /// `store_sql` when the stream (HTTP) or connection (WebSocket) already holds the maximum
    /// number of SQL texts (`SQL_STORE_TOO_MANY`).
    #[error("The server already stores {count} SQL texts, it cannot store more")]
    SqlStoreTooMany {
        /// Number of texts already stored.
        count: usize,
    },
    /// `store_sql` with a text over the size limit (`SQL_STORE_TOO_LARGE`; message text
    /// unverified against sqld).
    #[error("The statement is too large to be stored: {size}/{limit} bytes")]
    SqlStoreTooLarge {
        /// Size of the text in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// A WebSocket request names a stream whose `open_stream` failed (`STREAM_NOT_OPEN`).
    #[error("Stream {stream_id} has failed to open")]
    StreamNotOpen {
        /// The stream id.
        stream_id: i32,
    },
    /// A WebSocket request names a cursor whose `open_cursor` failed (`CURSOR_NOT_OPEN`).
    #[error("Cursor {cursor_id} has failed to open")]
    CursorNotOpen {
        /// The cursor id.
        cursor_id: i32,
    },
    /// Basalt extension: a result holds an infinite float, which JSON cannot carry
    /// (`FLOAT_NOT_REPRESENTABLE`). sqld sends `"value":null` instead, which clients reject.
    #[error("The float value {value} cannot be represented in Hrana JSON")]
    NonFiniteFloat {
        /// The offending value.
        value: f64,
    },
}

impl ResponseError {
    /// The `code` string sent with this error.
    pub fn code(&self) -> &'static str {
        match self {
            ResponseError::SqlParse { .. } => "SQL_PARSE_ERROR",
            ResponseError::SqlNoStatement => "SQL_NO_STATEMENT",
            ResponseError::SqlManyStatements => "SQL_MANY_STATEMENTS",
            ResponseError::ArgsInvalid(_) => "ARGS_INVALID",
            ResponseError::ArgsBothPositionalAndNamed => "ARGS_BOTH_POSITIONAL_AND_NAMED",
            ResponseError::TransactionTimeout => "TRANSACTION_TIMEOUT",
            ResponseError::TransactionBusy => "TRANSACTION_BUSY",
            ResponseError::Sqlite { code, .. } => sqlite_error_code(*code),
            ResponseError::SqlInput { .. } => "SQL_INPUT_ERROR",
            ResponseError::Blocked { .. } => "BLOCKED",
            ResponseError::ResponseTooLarge => "RESPONSE_TOO_LARGE",
            ResponseError::Proxy { .. } => "PROXY_ERROR",
            ResponseError::StreamExpired => "STREAM_EXPIRED",
            ResponseError::SqlStoreTooMany { .. } => "SQL_STORE_TOO_MANY",
            ResponseError::SqlStoreTooLarge { .. } => "SQL_STORE_TOO_LARGE",
            ResponseError::StreamNotOpen { .. } => "STREAM_NOT_OPEN",
            ResponseError::CursorNotOpen { .. } => "CURSOR_NOT_OPEN",
            ResponseError::NonFiniteFloat { .. } => "FLOAT_NOT_REPRESENTABLE",
        }
    }

    /// The wire object for this error.
    pub fn to_error(&self) -> Error {
        Error::from(self)
    }

    /// The SQLite result code, for [`ResponseError::Sqlite`].
    pub fn sqlite_code(&self) -> Option<i32> {
        match self {
            ResponseError::Sqlite { code, .. } => Some(*code),
            _ => None,
        }
    }
}

impl From<crate::value::NonFiniteFloat> for ResponseError {
    fn from(e: crate::value::NonFiniteFloat) -> Self {
        ResponseError::NonFiniteFloat { value: e.value }
    }
}

impl From<ArgsError> for ResponseError {
    fn from(e: ArgsError) -> Self {
        ResponseError::ArgsInvalid(e)
    }
}

/// The code string sqld sends for a SQLite result code.
///
/// Only the *primary* code is used (extended codes are reduced with `& 0xff`), and only these
/// primary codes have names: INTERNAL, PERM, ABORT, BUSY, LOCKED, NOMEM, READONLY, INTERRUPT,
/// IOERR, CORRUPT, NOTFOUND, FULL, CANTOPEN, PROTOCOL, SCHEMA, TOOBIG, CONSTRAINT, MISMATCH,
/// MISUSE, NOLFS, AUTH, RANGE, NOTADB. Everything else — notably generic `SQLITE_ERROR` (1),
/// which covers "no such table" and most run-time errors — is `SQLITE_UNKNOWN`.
pub fn sqlite_error_code(code: i32) -> &'static str {
    match code & 0xff {
        2 => "SQLITE_INTERNAL",
        3 => "SQLITE_PERM",
        4 => "SQLITE_ABORT",
        5 => "SQLITE_BUSY",
        6 => "SQLITE_LOCKED",
        7 => "SQLITE_NOMEM",
        8 => "SQLITE_READONLY",
        9 => "SQLITE_INTERRUPT",
        10 => "SQLITE_IOERR",
        11 => "SQLITE_CORRUPT",
        12 => "SQLITE_NOTFOUND",
        13 => "SQLITE_FULL",
        14 => "SQLITE_CANTOPEN",
        15 => "SQLITE_PROTOCOL",
        17 => "SQLITE_SCHEMA",
        18 => "SQLITE_TOOBIG",
        19 => "SQLITE_CONSTRAINT",
        20 => "SQLITE_MISMATCH",
        21 => "SQLITE_MISUSE",
        22 => "SQLITE_NOLFS",
        23 => "SQLITE_AUTH",
        25 => "SQLITE_RANGE",
        26 => "SQLITE_NOTADB",
        _ => "SQLITE_UNKNOWN",
    }
}

/// A feature that needs a minimum protocol version (used in [`ProtocolError::NotSupported`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Feature {
    /// A request type, by its wire name (`get_autocommit`, `sequence`, ...).
    Request(&'static str),
    /// A batch condition type, by its wire name (`is_autocommit`).
    BatchCond(&'static str),
    /// `Stmt.sql_id` (stored SQL).
    SqlId,
    /// A second `hello` on a WebSocket connection.
    RepeatedHello,
}

/// A protocol violation: the whole HTTP request fails with 400 `text/plain` (the `Display`
/// text is the body), or the WebSocket connection is closed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// The JSON body or message could not be decoded (serde's message follows).
    #[error("Cannot deserialize client message from JSON: {0}")]
    JsonDecode(#[source] serde_json::Error),
    /// The protobuf body or message could not be decoded.
    #[error("Could not decode client message from Protobuf: {0}")]
    ProtobufDecode(#[source] ProtoError),
    /// Neither `sql` nor `sql_id` was given.
    #[error("Either `sql` or `sql_id` are required")]
    SqlMissing,
    /// Both `sql` and `sql_id` were given.
    #[error("Either `sql` or `sql_id` are required, but not both")]
    SqlAndSqlId,
    /// A `sql_id` that is not stored.
    #[error("SQL text {sql_id} not found")]
    SqlNotFound {
        /// The id.
        sql_id: i32,
    },
    /// `store_sql` with an id that is already stored.
    #[error("SQL text {sql_id} already exists")]
    SqlExists {
        /// The id.
        sql_id: i32,
    },
    /// A batch condition refers to the current step, a later one or one past the batch.
    #[error("Invalid reference to step in a batch condition")]
    BadStepReference,
    /// A feature above the negotiated protocol version.
    #[error("{}", not_supported_message(*feature, *min))]
    NotSupported {
        /// What was used.
        feature: Feature,
        /// The first version that supports it.
        min: Version,
    },
    /// A request follows `close` in the same pipeline.
    #[error("Stream for this baton was closed")]
    StreamClosed,
    /// An older baton of a live stream was sent again.
    #[error("Received a baton that has already been used")]
    BatonReused,
    /// An unknown, forged or closed-stream baton.
    #[error("Received an invalid baton")]
    BatonInvalid,
    /// WebSocket: a request before the first `hello`.
    #[error("Received a request before hello message")]
    RequestBeforeHello,
    /// WebSocket: a binary frame on a JSON subprotocol.
    #[error("Received a binary WebSocket message, which is not supported in this encoding")]
    BinaryMessage,
    /// WebSocket: a text frame on `hrana3-protobuf`.
    #[error("Received a text WebSocket message, which is not supported in this encoding")]
    TextMessage,
    /// WebSocket: a request names a stream id that is not open.
    #[error("Stream {stream_id} not found")]
    StreamNotFound {
        /// The id.
        stream_id: i32,
    },
    /// WebSocket: `open_stream` with an id that is already open.
    #[error("Stream {stream_id} already exists")]
    StreamExists {
        /// The id.
        stream_id: i32,
    },
    /// WebSocket: a request names a cursor id that is not open.
    #[error("Cursor {cursor_id} not found")]
    CursorNotFound {
        /// The id.
        cursor_id: i32,
    },
    /// WebSocket: `open_cursor` with an id that is already open.
    #[error("Cursor {cursor_id} already exists")]
    CursorExists {
        /// The id.
        cursor_id: i32,
    },
}

fn not_supported_message(feature: Feature, min: Version) -> String {
    match feature {
        Feature::Request(name) => {
            format!("The `{name}` request is only supported in protocol version {min} and higher")
        }
        Feature::BatchCond(name) => format!(
            "BatchCond of type `{name}` is only supported in protocol version {min} and higher"
        ),
        Feature::SqlId => {
            format!("Field `sql_id` is only supported in protocol version {min} and higher")
        }
        Feature::RepeatedHello => {
            format!("Repeated `hello` is only supported in protocol version {min} and higher")
        }
    }
}

impl From<serde_json::Error> for ProtocolError {
    fn from(e: serde_json::Error) -> Self {
        ProtocolError::JsonDecode(e)
    }
}

impl From<ProtoError> for ProtocolError {
    fn from(e: ProtoError) -> Self {
        ProtocolError::ProtobufDecode(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_object_key_order() {
        let e = Error::new(
            "SQLite error: UNIQUE constraint failed: t.id",
            "SQLITE_CONSTRAINT",
        );
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"message":"SQLite error: UNIQUE constraint failed: t.id","code":"SQLITE_CONSTRAINT"}"#
        );
        let back: Error = serde_json::from_str(r#"{"message":"m","code":null,"x":1}"#).unwrap();
        assert_eq!(back, Error::new("m", ""));
        let back: Error = serde_json::from_str(r#"{"message":"m"}"#).unwrap();
        assert_eq!(back.code, "");
    }

    #[test]
    fn stream_expired_body_is_byte_exact() {
        let e = ResponseError::StreamExpired.to_error();
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"message":"The stream has expired due to inactivity","code":"STREAM_EXPIRED"}"#
        );
    }

    #[test]
    fn response_error_texts_match_sqld() {
        let cases: Vec<(ResponseError, &str, &str)> = vec![
            (
                ResponseError::SqlParse {
                    detail: "syntax error around L1:6: `SELEC`".into(),
                },
                "SQL string could not be parsed: syntax error around L1:6: `SELEC`",
                "SQL_PARSE_ERROR",
            ),
            (
                ResponseError::SqlNoStatement,
                "SQL string does not contain any statement",
                "SQL_NO_STATEMENT",
            ),
            (
                ResponseError::SqlManyStatements,
                "SQL string contains more than one statement",
                "SQL_MANY_STATEMENTS",
            ),
            (
                ArgsError::ValueNotFound { index: 2 }.into(),
                "Arguments do not match SQL parameters: value for parameter 2 not found",
                "ARGS_INVALID",
            ),
            (
                ArgsError::TooMany {
                    expected: 1,
                    found: 2,
                }
                .into(),
                "Arguments do not match SQL parameters: too many parameters, expected 1 found 2",
                "ARGS_INVALID",
            ),
            (
                ResponseError::ArgsBothPositionalAndNamed,
                "Specifying both positional and named arguments is not supported",
                "ARGS_BOTH_POSITIONAL_AND_NAMED",
            ),
            (
                ResponseError::TransactionTimeout,
                "Transaction timed out",
                "TRANSACTION_TIMEOUT",
            ),
            (
                ResponseError::TransactionBusy,
                "Server cannot handle additional transactions",
                "TRANSACTION_BUSY",
            ),
            (
                ResponseError::Sqlite {
                    code: 2067,
                    message: "UNIQUE constraint failed: t.id".into(),
                },
                "SQLite error: UNIQUE constraint failed: t.id",
                "SQLITE_CONSTRAINT",
            ),
            (
                ResponseError::Sqlite {
                    code: 1,
                    message: "no such table: nope".into(),
                },
                "SQLite error: no such table: nope",
                "SQLITE_UNKNOWN",
            ),
            (
                ResponseError::SqlInput {
                    message: "near \"SELEC\": syntax error".into(),
                    offset: 0,
                },
                "SQL input error: near \"SELEC\": syntax error (at offset 0)",
                "SQL_INPUT_ERROR",
            ),
            (
                ResponseError::Blocked { reason: None },
                "Operation was blocked",
                "BLOCKED",
            ),
            (
                ResponseError::Blocked {
                    reason: Some("maintenance".into()),
                },
                "Operation was blocked: maintenance",
                "BLOCKED",
            ),
            (
                ResponseError::ResponseTooLarge,
                "Response is too large",
                "RESPONSE_TOO_LARGE",
            ),
            (
                ResponseError::StreamExpired,
                "The stream has expired due to inactivity",
                "STREAM_EXPIRED",
            ),
            (
                ResponseError::SqlStoreTooMany { count: 50 },
                "The server already stores 50 SQL texts, it cannot store more",
                "SQL_STORE_TOO_MANY",
            ),
        ];
        for (err, message, code) in cases {
            assert_eq!(err.to_error(), Error::new(message, code), "{err:?}");
        }
    }

    #[test]
    fn sqlite_code_mapping() {
        assert_eq!(sqlite_error_code(1), "SQLITE_UNKNOWN");
        assert_eq!(sqlite_error_code(19), "SQLITE_CONSTRAINT");
        assert_eq!(sqlite_error_code(1555), "SQLITE_CONSTRAINT"); // SQLITE_CONSTRAINT_PRIMARYKEY
        assert_eq!(sqlite_error_code(5), "SQLITE_BUSY");
        assert_eq!(sqlite_error_code(16), "SQLITE_UNKNOWN"); // SQLITE_EMPTY: not in the list
        assert_eq!(sqlite_error_code(24), "SQLITE_UNKNOWN"); // SQLITE_FORMAT
        assert_eq!(sqlite_error_code(26), "SQLITE_NOTADB");
        assert_eq!(sqlite_error_code(0), "SQLITE_UNKNOWN");
        assert_eq!(sqlite_error_code(-1), "SQLITE_UNKNOWN");
        assert_eq!(
            ResponseError::Sqlite {
                code: 5,
                message: String::new()
            }
            .sqlite_code(),
            Some(5)
        );
    }

    #[test]
    fn protocol_error_texts() {
        let cases: Vec<(ProtocolError, &str)> = vec![
            (
                ProtocolError::SqlMissing,
                "Either `sql` or `sql_id` are required",
            ),
            (
                ProtocolError::SqlAndSqlId,
                "Either `sql` or `sql_id` are required, but not both",
            ),
            (
                ProtocolError::SqlNotFound { sql_id: 99 },
                "SQL text 99 not found",
            ),
            (
                ProtocolError::SqlExists { sql_id: 5 },
                "SQL text 5 already exists",
            ),
            (
                ProtocolError::BadStepReference,
                "Invalid reference to step in a batch condition",
            ),
            (
                ProtocolError::StreamClosed,
                "Stream for this baton was closed",
            ),
            (
                ProtocolError::BatonReused,
                "Received a baton that has already been used",
            ),
            (ProtocolError::BatonInvalid, "Received an invalid baton"),
            (
                ProtocolError::NotSupported {
                    feature: Feature::Request("get_autocommit"),
                    min: Version::Hrana3,
                },
                "The `get_autocommit` request is only supported in protocol version hrana3 and higher",
            ),
            (
                ProtocolError::NotSupported {
                    feature: Feature::BatchCond("is_autocommit"),
                    min: Version::Hrana3,
                },
                "BatchCond of type `is_autocommit` is only supported in protocol version hrana3 and higher",
            ),
            (
                ProtocolError::RequestBeforeHello,
                "Received a request before hello message",
            ),
        ];
        for (err, text) in cases {
            assert_eq!(err.to_string(), text);
        }
        let json_err = serde_json::from_str::<serde_json::Value>("{").unwrap_err();
        assert_eq!(
            ProtocolError::from(json_err).to_string(),
            "Cannot deserialize client message from JSON: EOF while parsing an object at line 1 column 1"
        );
    }
}
