//! What the runner needs from a database: run statements, run queries and hand back typed
//! rows. Formatting and comparison stay in the runner, so every back-end (the engine in
//! process, [`EngineBackend`]; the server over HTTP, [`HttpBackend`]) is judged by exactly
//! the same rules.
//!
//! Each test file gets a fresh database: the runner asks a [`BackendFactory`] for a new
//! [`Backend`] per file and drops it when the file is done.
//!
//! The runner hands records over in runs ([`Backend::run`]) and judges them afterwards, in
//! order. A back-end that pays per round trip sends a run in as few requests as it safely
//! can; the in-process engine just runs them one by one.

mod engine;
mod http;

use basalt_engine::Value;

pub use engine::{EngineBackend, EngineFactory, Storage};
pub use http::{HttpBackend, HttpFactory};

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

/// One record's database work, as the runner hands it to [`Backend::run`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work<'a> {
    /// A `statement` record: [`Backend::execute`].
    Execute(&'a str),
    /// A `query` record: [`Backend::query`].
    Query(&'a str),
}

impl<'a> Work<'a> {
    /// The record's SQL.
    pub fn sql(&self) -> &'a str {
        match *self {
            Work::Execute(sql) | Work::Query(sql) => sql,
        }
    }
}

/// What came of one [`Work`] item; the variant matches the item's.
#[derive(Debug)]
pub enum Outcome {
    /// The result of [`Work::Execute`].
    Executed(Result<(), BackendError>),
    /// The result of [`Work::Query`].
    Queried(Result<QueryOutput, BackendError>),
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
    /// The server answered a request with `{"type":"error"}`: the statement failed (also
    /// expected errors, for `statement error`). Shown as `message (CODE)`.
    #[error("{0}")]
    Server(basalt_hrana::Error),
    /// The HTTP back-end's async runtime could not be built.
    #[error("cannot start an async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// The HTTP back-end could not bind its server's loopback port.
    #[error("cannot listen on a loopback port: {0}")]
    Listen(#[source] std::io::Error),
    /// The HTTP back-end's server could not open its data directory.
    #[error("cannot start a server: {0}")]
    StartServer(#[source] basalt_server::ServeError),
    /// A request could not be sent or its response not read.
    #[error("HTTP request failed: {0}")]
    Http(#[from] reqwest::Error),
    /// The server answered with a status other than 200 (a protocol error or a bug).
    #[error("HTTP status {status}: {body}")]
    HttpStatus {
        /// The status code.
        status: u16,
        /// The response body, as text.
        body: String,
    },
    /// A request body could not be encoded as JSON.
    #[error("cannot encode a request: {0}")]
    Encode(#[source] serde_json::Error),
    /// A response body was not a Hrana pipeline response.
    #[error("cannot decode a response: {0}")]
    Decode(#[source] serde_json::Error),
    /// The request went out in a pipeline whose HTTP request failed as a whole; the first
    /// record of that pipeline carries the reason.
    #[error("not run: an earlier request in the same pipeline failed")]
    Aborted,
    /// A well-formed response that does not answer the request that was sent.
    #[error("unexpected response: expected {expected}, got {got}")]
    UnexpectedResponse {
        /// What the request called for.
        expected: &'static str,
        /// What came back.
        got: String,
    },
}

impl BackendError {
    /// True when the database itself rejected the SQL or failed running it: the errors a
    /// `statement error` record expects. Failures of the machinery around it (starting a
    /// server, the HTTP transport, a garbled response) are not, so they never pass for one.
    pub fn is_statement_error(&self) -> bool {
        matches!(self, BackendError::Engine(_) | BackendError::Server(_))
    }
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

    /// Runs `work` in order with the effect of calling [`Backend::execute`] or
    /// [`Backend::query`] on each item in turn, and returns one [`Outcome`] per item, in the
    /// same order. Every item runs even when an earlier one fails: records are judged one by
    /// one. The default does exactly that, one call at a time.
    fn run(&mut self, work: &[Work<'_>]) -> Vec<Outcome> {
        work.iter()
            .map(|item| match *item {
                Work::Execute(sql) => Outcome::Executed(self.execute(sql)),
                Work::Query(sql) => Outcome::Queried(self.query(sql)),
            })
            .collect()
    }
}

/// Opens fresh databases, one per test file. Shared by the worker threads that run files.
pub trait BackendFactory: Sync {
    /// A new, empty database.
    fn open(&self) -> Result<Box<dyn Backend>, BackendError>;
}
