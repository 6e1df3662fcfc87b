//! Errors of the vector index. Messages follow libSQL's where libSQL has one
//! (LIBSQL-SURFACE.md §9.4, §9.6, §9.7); the SQL layer reports them as `SQLITE_ERROR`.

use crate::vector::VectorError;

/// Why an index operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum IndexError {
    /// An option of `libsql_vector_idx` is malformed or unknown.
    #[error("vector index: invalid vector index parameter '{text}': {reason}")]
    InvalidParameter {
        /// The option as written (without quotes).
        text: String,
        /// libSQL's reason text.
        reason: &'static str,
    },
    /// `compress_neighbors=float1bit` with `metric=l2`.
    #[error(
        "vector index: unable to initialize diskann: 1-bit compression available only for cosine metric"
    )]
    Bit1NeedsCosine,
    /// The options make a node block larger than libSQL's 128 MiB limit.
    #[error("vector index: node block of {0} bytes exceeds the 128 MiB limit")]
    BlockTooLarge(usize),
    /// The metadata row cannot be read.
    #[error("vector index: unreadable metadata: {0}")]
    BadMetadata(&'static str),
    /// The indexed column is a vector type with zero dimensions.
    #[error("vector index: vector column must have non-zero dimension for index: {0}")]
    ZeroDims(String),
    /// The indexed column has no vector type (its declared type is given).
    #[error("vector index: unexpected vector column type: {0}")]
    NotVectorColumn(String),
    /// The table is WITHOUT ROWID with a composite primary key.
    #[error("vector index: unsupported for tables without ROWID and composite primary key")]
    CompositeWithoutRowid,
    /// An inserted vector has other dimensions than the column.
    #[error("vector index(insert): dimensions are different: {0} != {1}")]
    InsertDims(usize, usize),
    /// An inserted vector has another element type than the column.
    #[error("vector index(insert): vector type differs from column type: {0} != {1}")]
    InsertType(u8, u8),
    /// An inserted vector has NaN or infinite elements.
    #[error("vector index(insert): vector elements must be finite numbers")]
    InsertNonFinite,
    /// An inserted value is not a vector (libSQL reports the vector error alone).
    #[error("{0}")]
    InsertValue(VectorError),
    /// `vector_top_k` was called with the wrong number of arguments.
    #[error("vector index(search): got {0} parameters, expected 3")]
    SearchArgs(usize),
    /// `k` is negative.
    #[error(
        "vector index(search): third parameter (k) must be a non-negative integer, but negative value were provided"
    )]
    SearchNegativeK,
    /// `k` is a non-integral REAL.
    #[error(
        "vector index(search): third parameter (k) must be an integer, but float value were provided"
    )]
    SearchFloatK,
    /// `k` is neither INTEGER nor REAL.
    #[error(
        "vector index(search): third parameter (k) must be an integer, but unexpected type of value were provided"
    )]
    SearchKType,
    /// The index name is not text.
    #[error("vector index(search): first parameter (index) must be a string")]
    SearchIndexName,
    /// No vector index has that name.
    #[error("vector index(search): index not found: {0}")]
    IndexNotFound(String),
    /// The query vector has other dimensions than the index.
    #[error("vector index(search): dimensions are different: {0} != {1}")]
    SearchDims(usize, usize),
    /// The query vector has another element type than the index.
    #[error("vector index(search): vector type differs from column type: {0} != {1}")]
    SearchType(u8, u8),
    /// The query value is not a vector (libSQL reports the vector error alone).
    #[error("{0}")]
    SearchValue(VectorError),
    /// A node block has the wrong size or impossible contents.
    #[error("vector index: corrupt node block for key {key}: {reason}")]
    Corrupt {
        /// The node's key.
        key: i64,
        /// What is wrong.
        reason: &'static str,
    },
    /// A row key of a rowid-keyed index is not an integer (an INTEGER PRIMARY KEY of a
    /// WITHOUT ROWID table holding another value).
    #[error("vector index(insert): the row key must be an integer")]
    KeyNotInteger,
    /// An index function was called while another one runs on the same connection.
    #[error("vector index: nested use on one connection is not supported")]
    Reentrant,
    /// SQLite failed underneath.
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
}

impl IndexError {
    /// This error as the error a SQL function or virtual table returns.
    pub(crate) fn into_sqlite(self) -> rusqlite::Error {
        match self {
            IndexError::Sqlite(e) => e,
            other => rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
                Some(other.to_string()),
            ),
        }
    }
}
