//! Errors of the vector functions. Each variant prints the message libSQL gives for the
//! same input (LIBSQL-SURFACE.md §9.3), so clients that match on text keep working; the
//! SQL function layer turns them into SQLite errors (`SQLITE_ERROR`).

use std::fmt;

use super::types::VectorType;

/// Why a value could not be read as a vector, or two vectors could not be compared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum VectorError {
    /// The argument is neither TEXT nor BLOB (NULL is handled before this is raised).
    #[error("vector: unexpected value type: got {0}, expected TEXT or BLOB")]
    UnexpectedValueType(SqlType),
    /// Vector text does not open with `[` (after leading whitespace).
    #[error("vector: must start with '['")]
    MissingOpenBracket,
    /// Vector text does not close with `]`.
    #[error("vector: must end with ']'")]
    MissingCloseBracket,
    /// Something other than whitespace follows the closing `]`.
    #[error("vector: non-space symbols after closing ']' are forbidden")]
    TrailingCharacters,
    /// An element is not a finite decimal number (or overflows the element type).
    /// `position` is the 0-based element index.
    #[error("vector: invalid float at position {position}: '{text}'")]
    InvalidFloat {
        /// 0-based index of the element.
        position: usize,
        /// The element's text, trimmed.
        text: String,
    },
    /// Vector text has more than [`MAX_DIMS`](super::MAX_DIMS) elements.
    #[error("vector: max size exceeded {max}")]
    TextTooLong {
        /// The limit.
        max: usize,
    },
    /// A blob describes more than [`MAX_DIMS`](super::MAX_DIMS) dimensions.
    #[error("vector: max size exceeded: {dims} > {max}")]
    BlobTooLong {
        /// Dimensions the blob describes.
        dims: usize,
        /// The limit.
        max: usize,
    },
    /// An odd-length blob whose last byte names no vector type.
    #[error("vector: unexpected binary type: {0}")]
    UnknownBinaryType(u8),
    /// A float32 blob carrying the optional type byte whose payload is not whole floats.
    #[error(
        "vector: float32 vector blob length must be divisible by 4 (excluding optional 'type'-byte): length={0}"
    )]
    F32Length(usize),
    /// A float64 blob whose payload is not whole doubles.
    #[error(
        "vector: float64 vector blob length must be divisible by 8 (excluding 'type'-byte): length={0}"
    )]
    F64Length(usize),
    /// The payload size does not match the dimensions the blob's metadata gives (an
    /// even-length blob that is not whole floats, or a malformed compact vector).
    #[error("vector: unexpected data part size: type={ty}, dims={dims}, {actual} != {expected}")]
    DataSize {
        /// Type id of the blob.
        ty: u8,
        /// Dimensions the blob describes.
        dims: i64,
        /// Payload bytes present.
        actual: usize,
        /// Payload bytes the dimensions need.
        expected: usize,
    },
    /// The two arguments of a distance function have different element types.
    #[error("vector_distance: vectors must have the same type: {0} != {1}")]
    TypeMismatch(u8, u8),
    /// The two arguments of a distance function have different dimensions.
    #[error("vector_distance: vectors must have the same length: {0} != {1}")]
    DimsMismatch(usize, usize),
    /// `vector_distance_l2` on 1-bit vectors.
    #[error("vector_distance: l2 distance is not supported for float1bit vectors")]
    L2OnBits,
}

/// SQLite's storage class of an argument, spelled as libSQL spells it in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SqlType {
    /// An INTEGER value.
    Integer,
    /// A REAL value.
    Float,
    /// NULL (only reported if NULL is ever rejected; Basalt returns NULL instead).
    #[allow(dead_code)]
    Null,
}

impl fmt::Display for SqlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SqlType::Integer => "INTEGER",
            SqlType::Float => "FLOAT",
            SqlType::Null => "NULL",
        })
    }
}

impl VectorError {
    pub(crate) fn type_mismatch(a: VectorType, b: VectorType) -> Self {
        VectorError::TypeMismatch(a.id(), b.id())
    }
}
