//! SDK errors.

/// Result alias for SDK calls.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything an SDK call can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The database engine (SQLite) reported an error.
    #[error(transparent)]
    Engine(#[from] basalt_engine::Error),
    /// A column index past the row's width.
    #[error("column index {0} out of range")]
    ColumnIndex(i32),
    /// A value could not become the requested Rust type.
    #[error("cannot read column {index} of type {found} as {expected}")]
    Conversion {
        /// Column index.
        index: i32,
        /// The Rust type asked for.
        expected: &'static str,
        /// The SQLite type found.
        found: &'static str,
    },
    /// The statement returned no row where one was required.
    #[error("query returned no rows")]
    QueryReturnedNoRows,
    /// A remote database URL that is not `http(s)://`, `ws(s)://` or `libsql://`.
    #[error("invalid database URL: {0}")]
    InvalidUrl(String),
    /// The server reported an error for the statement (Hrana code and message).
    #[error("{message} ({code})")]
    Remote {
        /// The Hrana error code, e.g. `SQLITE_CONSTRAINT` or `SQL_PARSE_ERROR`.
        code: String,
        /// The server's message.
        message: String,
    },
    /// The server answered with an HTTP error and no Hrana error body.
    #[error("server returned HTTP status {status}: {message}")]
    Server {
        /// HTTP status.
        status: u16,
        /// The body's text.
        message: String,
    },
    /// The server's answer did not follow the Hrana protocol.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// The HTTP request failed (connection refused, reset, timeout, …).
    #[error("HTTP request failed: {0}")]
    Http(#[source] reqwest::Error),
    /// The primary answered a replication or write-forwarding call with a gRPC error
    /// status (e.g. 16 UNAUTHENTICATED, 7 PERMISSION_DENIED for a refused write).
    #[error("the primary answered with gRPC status {code}: {message}")]
    Grpc {
        /// The gRPC status code.
        code: i32,
        /// The status message.
        message: String,
    },
    /// An embedded replica could not apply what the primary sent (bad frame, checksum
    /// or numbering gap) or could not open or write its file. Nothing of the rejected
    /// transaction was applied.
    #[error("replica: {0}")]
    Replication(#[from] basalt_engine::replication::ReplicationError),
    /// A sync was cut short because the async runtime is shutting down.
    #[error("the sync was cancelled: the runtime is shutting down")]
    Cancelled,
    /// `sync()` was called on a database that is not an embedded replica.
    #[error("sync is only available on embedded replicas")]
    SyncNotSupported,
}

impl Error {
    /// SQLite's extended result code, when SQLite is behind the error.
    pub fn sqlite_code(&self) -> Option<i32> {
        match self {
            Error::Engine(e) => Some(e.sqlite_code()),
            _ => None,
        }
    }
}
