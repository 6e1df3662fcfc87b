//! What the runner needs from a database: run statements, run queries and hand back typed
//! rows. Formatting and comparison stay in the runner, so every back-end (the engine in
//! process today, the server over HTTP later) is judged by exactly the same rules.
//!
//! Each test file gets a fresh database: the runner asks a [`BackendFactory`] for a new
//! [`Backend`] per file and drops it when the file is done.

mod engine;

use basalt_engine::Value;

pub use engine::{EngineBackend, EngineFactory, Storage};

/// The rows a query produced.
#[derive(Debug, Default)]
pub struct QueryOutput {
    /// Number of result columns (known even when there are no rows).
    pub columns: usize,
    /// Rows in the order the database returned them, each with `columns` values.
    pub rows: Vec<Vec<Value>>,
    /// The error that ended the query after it was prepared, if any; `rows` holds what came
    /// before it. (SQLite's driver stops reading rows at such an error without failing the
    /// query, and the corpus relies on it: `SELECT sum(x)` overflowing expects no rows.)
    pub stopped_by: Option<BackendError>,
}

/// Why a back-end could not open a database or run SQL.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackendError {
    /// The engine rejected the SQL or failed while running it (also expected errors, for
    /// `statement error`).
    #[error(transparent)]
    Engine(#[from] basalt_engine::Error),
    /// The scratch directory for an on-disk database could not be created.
    #[error("cannot create a scratch directory: {0}")]
    ScratchDir(#[source] std::io::Error),
}

/// One open database that test records run against.
pub trait Backend {
    /// Runs every statement in `sql` in order, discarding any rows, and stops at the first
    /// error (`sqlite3_exec` semantics, as SQLite's driver uses for `statement` records).
    fn execute(&mut self, sql: &str) -> Result<(), BackendError>;

    /// Runs the single query `sql` and returns its rows. Fails only if the query cannot be
    /// prepared; an error while stepping ends the rows and is reported in
    /// [`QueryOutput::stopped_by`].
    fn query(&mut self, sql: &str) -> Result<QueryOutput, BackendError>;

    /// The text SQLite gives for a REAL (`sqlite3_column_text`), which `T` columns print.
    /// The default is the runner's own rendering, exact for the 15-digit form; a back-end
    /// that can ask SQLite should, since SQLite picks 17 digits by rules that are not
    /// reproduced exactly (see [`crate::format::real_to_text`]).
    fn real_to_text(&mut self, value: f64) -> String {
        crate::format::real_to_text(value)
    }
}

/// Opens fresh databases, one per test file. Shared by the worker threads that run files.
pub trait BackendFactory: Sync {
    /// A new, empty database.
    fn open(&self) -> Result<Box<dyn Backend>, BackendError>;
}
