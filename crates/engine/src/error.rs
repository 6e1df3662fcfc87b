//! Engine errors: SQLite's own failures, with their result codes kept, plus the few
//! checks the engine makes before SQLite sees a statement (empty SQL, parameter binding).

use std::fmt;

use crate::code::{extended_code_name, primary_code_name};

/// Result alias for engine operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error reported by SQLite, with its codes and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteError {
    /// The extended result code (the primary code is its low byte).
    pub extended_code: i32,
    /// SQLite's message, e.g. `no such table: t`.
    pub message: String,
    /// Byte offset into the SQL text where SQLite located the error, when it knows one.
    pub offset: Option<usize>,
}

impl SqliteError {
    /// The primary result code, e.g. 19 for any constraint failure.
    pub fn primary_code(&self) -> i32 {
        self.extended_code & 0xff
    }

    /// The primary code's name, e.g. `SQLITE_CONSTRAINT`.
    pub fn code_name(&self) -> &'static str {
        primary_code_name(self.extended_code)
    }

    /// The extended code's name, e.g. `SQLITE_CONSTRAINT_UNIQUE`.
    pub fn extended_code_name(&self) -> &'static str {
        extended_code_name(self.extended_code)
    }

    /// True when SQLite could not parse the SQL text at all (as opposed to parsing it
    /// and finding, say, a missing table). Such errors do not depend on the schema.
    pub fn is_syntax_error(&self) -> bool {
        self.primary_code() == 1
            && (self.message.ends_with(": syntax error")
                || self.message == "incomplete input"
                || self.message.starts_with("unrecognized token:"))
    }

    /// The token SQLite names in a syntax error (`near "SELEC": syntax error` → `SELEC`).
    pub fn syntax_error_token(&self) -> Option<&str> {
        self.message
            .strip_prefix("near \"")?
            .strip_suffix("\": syntax error")
    }
}

impl fmt::Display for SqliteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Everything that can go wrong in the engine.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// SQLite rejected the statement or failed while running it.
    #[error("{0}")]
    Sqlite(SqliteError),
    /// The SQL text holds no statement (empty, or only whitespace and comments).
    #[error("SQL string does not contain any statement")]
    EmptyStatement,
    /// A single statement was expected but the SQL text holds more than one.
    #[error("SQL string contains more than one statement")]
    MultipleStatements,
    /// The statement has a parameter for which no value was given.
    #[error("value for parameter {parameter} not found")]
    MissingParameter {
        /// The parameter's position (1-based) or its name with prefix (`:a`).
        parameter: String,
    },
    /// More positional values were given than the statement has parameters.
    #[error("too many parameters, expected {expected} found {given}")]
    TooManyParameters {
        /// Parameters in the statement.
        expected: usize,
        /// Values given.
        given: usize,
    },
    /// The database path cannot be used (for example it contains a NUL byte).
    #[error("invalid database path: {0}")]
    InvalidPath(String),
}

impl Error {
    /// The SQLite error behind this one, if SQLite reported it.
    pub fn sqlite(&self) -> Option<&SqliteError> {
        match self {
            Error::Sqlite(e) => Some(e),
            _ => None,
        }
    }

    /// SQLite's extended result code for this error. Errors found by the engine before
    /// SQLite ran map to the code SQLite itself would use (`SQLITE_RANGE` for binding,
    /// `SQLITE_MISUSE` otherwise).
    pub fn sqlite_code(&self) -> i32 {
        match self {
            Error::Sqlite(e) => e.extended_code,
            Error::MissingParameter { .. } | Error::TooManyParameters { .. } => {
                rusqlite::ffi::SQLITE_RANGE
            }
            Error::InvalidPath(_) => rusqlite::ffi::SQLITE_CANTOPEN,
            Error::EmptyStatement | Error::MultipleStatements => rusqlite::ffi::SQLITE_MISUSE,
        }
    }

    /// True when a bound parameter did not match the statement.
    pub fn is_parameter_error(&self) -> bool {
        matches!(
            self,
            Error::MissingParameter { .. } | Error::TooManyParameters { .. }
        )
    }

    pub(crate) fn from_code(extended_code: i32, message: impl Into<String>) -> Self {
        Error::Sqlite(SqliteError {
            extended_code,
            message: message.into(),
            offset: None,
        })
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::Error as R;
        match e {
            R::SqliteFailure(err, msg) => {
                let message = msg.unwrap_or_else(|| err.to_string());
                Error::from_code(err.extended_code, message)
            }
            R::SqlInputError {
                error, msg, offset, ..
            } => Error::Sqlite(SqliteError {
                extended_code: error.extended_code,
                message: msg,
                offset: usize::try_from(offset).ok(),
            }),
            R::Empty => Error::EmptyStatement,
            R::MultipleStatement => Error::MultipleStatements,
            R::InvalidPath(p) => Error::InvalidPath(p.display().to_string()),
            R::NulError(e) => Error::from_code(rusqlite::ffi::SQLITE_MISUSE, e.to_string()),
            R::InvalidParameterCount(given, expected) => {
                Error::TooManyParameters { expected, given }
            }
            R::UserFunctionError(e) => Error::from_code(rusqlite::ffi::SQLITE_ERROR, e.to_string()),
            // The remaining variants come from rusqlite's typed conveniences, which the
            // engine does not use; keep their text under SQLite's misuse code.
            other => Error::from_code(rusqlite::ffi::SQLITE_MISUSE, other.to_string()),
        }
    }
}
