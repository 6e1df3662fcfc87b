//! Opening databases with libSQL's connection defaults, and running SQL on them.
//!
//! A [`Connection`] owns one SQLite connection. It is `Send` but not `Sync`: one thread
//! uses it at a time, which is how SQLite connections are meant to be used. Statements are
//! prepared through a per-connection cache, so repeating the same SQL skips the parser.

use std::path::{Path, PathBuf};
use std::time::Duration;

use fallible_iterator::FallibleIterator;
use rusqlite::OpenFlags;

use crate::error::{Error, Result, SqliteError};
use crate::frontend;
use crate::params::Params;
use crate::query::{self, Column, QueryResult, StatementInfo};
use crate::value::Value;

/// How hard SQLite syncs to disk on commit (`PRAGMA synchronous`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// No syncs; a power loss may lose or corrupt recent commits.
    Off,
    /// libSQL's default: in WAL mode a power loss may lose the last commits, never corrupt.
    #[default]
    Normal,
    /// Sync the WAL on every commit.
    Full,
}

impl Synchronous {
    fn pragma_value(self) -> &'static str {
        match self {
            Synchronous::Off => "OFF",
            Synchronous::Normal => "NORMAL",
            Synchronous::Full => "FULL",
        }
    }
}

/// How to open a database. The defaults are those of libSQL's server (foreign keys on,
/// recursive triggers off, WAL, `synchronous=NORMAL`), with a longer busy timeout so that
/// a writer meeting a lock waits instead of failing at once.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// Open without write access.
    pub read_only: bool,
    /// Create the file if it does not exist (ignored when read-only).
    pub create: bool,
    /// How long a statement waits for a lock held by another connection.
    pub busy_timeout: Duration,
    /// `PRAGMA synchronous` for the connection.
    pub synchronous: Synchronous,
    /// Prepared statements kept per connection.
    pub statement_cache_capacity: usize,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            read_only: false,
            create: true,
            busy_timeout: Duration::from_secs(5),
            synchronous: Synchronous::Normal,
            statement_cache_capacity: 128,
        }
    }
}

impl OpenOptions {
    /// Default options, read-only.
    pub fn read_only() -> Self {
        OpenOptions {
            read_only: true,
            create: false,
            ..Self::default()
        }
    }
}

/// A handle that can interrupt whatever its connection is running, from any thread.
#[derive(Clone)]
pub struct InterruptHandle(std::sync::Arc<rusqlite::InterruptHandle>);

impl InterruptHandle {
    /// Makes the running statement (if any) fail with `SQLITE_INTERRUPT`.
    pub fn interrupt(&self) {
        self.0.interrupt();
    }
}

impl std::fmt::Debug for InterruptHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InterruptHandle")
    }
}

/// One open SQLite connection with libSQL's defaults applied.
pub struct Connection {
    /// Per-connection state of Basalt's SQL additions. Declared before `conn` so it is
    /// dropped first: it holds prepared statements on the same SQLite handle.
    extensions: Option<crate::extensions::Extensions>,
    conn: rusqlite::Connection,
    path: Option<PathBuf>,
    /// Set while a `BEGIN READONLY` transaction is open: `PRAGMA query_only` is on and
    /// goes off again when the transaction ends.
    readonly_txn: std::cell::Cell<bool>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("path", &self.path)
            .finish()
    }
}

impl Connection {
    /// Opens (or creates) the database file at `path`.
    pub fn open(path: impl AsRef<Path>, options: &OpenOptions) -> Result<Connection> {
        let path = path.as_ref();
        let conn = rusqlite::Connection::open_with_flags(path, open_flags(options))
            .map_err(|e| with_path(e.into(), path))?;
        let mut conn = Connection {
            extensions: None,
            conn,
            path: Some(path.to_path_buf()),
            readonly_txn: std::cell::Cell::new(false),
        };
        conn.configure(options, true)
            .map_err(|e| with_path(e, path))?;
        Ok(conn)
    }

    /// Opens a private in-memory database.
    pub fn open_in_memory() -> Result<Connection> {
        let conn = rusqlite::Connection::open_in_memory()?;
        let mut conn = Connection {
            extensions: None,
            conn,
            path: None,
            readonly_txn: std::cell::Cell::new(false),
        };
        conn.configure(&OpenOptions::default(), false)?;
        Ok(conn)
    }

    fn configure(&mut self, options: &OpenOptions, on_disk: bool) -> Result<()> {
        self.conn.busy_timeout(options.busy_timeout)?;
        self.extensions = Some(crate::extensions::register(&self.conn)?);
        self.conn
            .set_prepared_statement_cache_capacity(options.statement_cache_capacity);
        let mut setup = format!(
            "PRAGMA foreign_keys = ON; PRAGMA recursive_triggers = OFF; PRAGMA synchronous = {};",
            options.synchronous.pragma_value()
        );
        if on_disk && !options.read_only {
            setup.push_str("PRAGMA journal_mode = WAL;");
        }
        // Reading the schema checks the file really is a database before anyone uses it.
        setup.push_str("SELECT count(*) FROM sqlite_schema;");
        self.conn.execute_batch(&setup)?;
        if !options.read_only {
            // A file written by libSQL gets the triggers that maintain its vector
            // indexes. Failing here (a locked file, say) must not stop the open.
            if let Err(e) = frontend::vector_index::adopt(&self.conn) {
                tracing::warn!(error = %e, "cannot prepare libSQL vector indexes for maintenance");
            }
        }
        Ok(())
    }

    /// The file this connection opened, or `None` for an in-memory database.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Runs one statement and returns its columns, all its rows and its effects.
    pub fn execute(&self, sql: &str, params: &Params) -> Result<QueryResult> {
        let result = self.execute_one(sql, params);
        self.settle_readonly();
        result
    }

    fn execute_one(&self, sql: &str, params: &Params) -> Result<QueryResult> {
        if let Some(ext) = frontend::recognize(sql)? {
            return self.run_extension(&ext, params);
        }
        let mut rows = Vec::new();
        let mut stmt = self.conn.prepare_cached(sql)?;
        let mut result = query::run(
            &self.conn,
            &mut stmt,
            params,
            &mut |row| {
                rows.push(row);
                Ok(())
            },
            true,
        )?;
        result.rows = rows;
        Ok(result)
    }

    /// Runs one statement, handing each row to `on_row` as it is produced instead of
    /// collecting them. The returned result has neither rows nor columns (ask
    /// [`describe`](Self::describe) for those). An error from `on_row` stops the
    /// statement and is returned.
    pub fn query_with<F>(&self, sql: &str, params: &Params, on_row: F) -> Result<QueryResult>
    where
        F: FnMut(Vec<Value>) -> Result<()>,
    {
        let result = self.stream_one(sql, params, on_row);
        self.settle_readonly();
        result
    }

    fn stream_one<F>(&self, sql: &str, params: &Params, mut on_row: F) -> Result<QueryResult>
    where
        F: FnMut(Vec<Value>) -> Result<()>,
    {
        if let Some(ext) = frontend::recognize(sql)? {
            let mut result = self.run_extension(&ext, params)?;
            result.columns.clear();
            return Ok(result);
        }
        let mut stmt = self.conn.prepare_cached(sql)?;
        query::run(&self.conn, &mut stmt, params, &mut on_row, false)
    }

    /// Runs every statement in `sql` in order, without parameters, handing each
    /// statement's result to `on_result`. Stops at the first error; statements before it
    /// keep their effects, as in SQLite.
    pub fn execute_script<F>(&self, sql: &str, on_result: F) -> Result<()>
    where
        F: FnMut(QueryResult) -> Result<()>,
    {
        let result = self.run_script(sql, on_result);
        self.settle_readonly();
        result
    }

    fn run_script<F>(&self, sql: &str, mut on_result: F) -> Result<()>
    where
        F: FnMut(QueryResult) -> Result<()>,
    {
        // Scripts that cannot hold a libSQL extension go to SQLite whole; the others are
        // split (as sqlite3_complete would) so extension statements can be run by the
        // front-end and every other statement still reaches SQLite unchanged.
        if !frontend::may_contain_extension(sql) {
            return self.run_batch(sql, &mut on_result);
        }
        for range in frontend::token::split_statements(sql) {
            let stmt = &sql[range];
            match frontend::recognize(stmt)? {
                Some(ext) => on_result(self.run_extension(&ext, &Params::None)?)?,
                None => self.run_batch(stmt, &mut on_result)?,
            }
        }
        Ok(())
    }

    fn run_batch(
        &self,
        sql: &str,
        on_result: &mut dyn FnMut(QueryResult) -> Result<()>,
    ) -> Result<()> {
        let mut batch = rusqlite::Batch::new(&self.conn, sql);
        while let Some(mut stmt) = batch.next()? {
            let mut rows = Vec::new();
            let mut result = query::run(
                &self.conn,
                &mut stmt,
                &Params::None,
                &mut |row| {
                    rows.push(row);
                    Ok(())
                },
                true,
            )?;
            result.rows = rows;
            on_result(result)?;
        }
        Ok(())
    }

    /// Runs every statement in `sql`, discarding rows.
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        self.execute_script(sql, |_| Ok(()))
    }

    /// Prepares `sql` without running it and reports its parameters and columns.
    pub fn describe(&self, sql: &str) -> Result<StatementInfo> {
        if let Some(ext) = frontend::recognize(sql)? {
            return frontend::describe(&self.conn, &ext);
        }
        // A fresh prepare: a cached statement keeps the column types it was prepared
        // with until it runs again, even after the schema changed.
        let stmt = self.conn.prepare(sql)?;
        Ok(query::describe(&stmt))
    }

    /// Whether `sql` leaves the database unchanged (`sqlite3_stmt_readonly`), using the
    /// statement cache: cheap enough to ask before every statement.
    pub fn is_readonly(&self, sql: &str) -> Result<bool> {
        if frontend::recognize(sql)?.is_some() {
            return Ok(false);
        }
        Ok(self.conn.prepare_cached(sql)?.readonly())
    }

    /// The columns `sql` would produce, without running it.
    pub fn columns(&self, sql: &str) -> Result<Vec<Column>> {
        Ok(self.describe(sql)?.columns)
    }

    /// True when no transaction is open.
    pub fn is_autocommit(&self) -> bool {
        self.conn.is_autocommit()
    }

    /// The rowid of the most recent successful INSERT on this connection.
    pub fn last_insert_rowid(&self) -> i64 {
        self.conn.last_insert_rowid()
    }

    /// Rows changed by the most recent INSERT, UPDATE or DELETE.
    pub fn changes(&self) -> u64 {
        self.conn.changes()
    }

    /// Rows changed since the connection opened.
    pub fn total_changes(&self) -> u64 {
        self.conn.total_changes()
    }

    /// A handle to interrupt this connection from another thread.
    pub fn interrupt_handle(&self) -> InterruptHandle {
        InterruptHandle(std::sync::Arc::new(self.conn.get_interrupt_handle()))
    }

    /// Drops every cached prepared statement (after schema changes made elsewhere, say).
    pub fn flush_statement_cache(&self) {
        self.conn.flush_prepared_statement_cache();
    }

    /// Runs a libSQL extension statement. `BEGIN READONLY` is enforced (libSQL accepts
    /// writes inside it): `PRAGMA query_only` is on until the transaction ends.
    fn run_extension(&self, ext: &frontend::Extension, params: &Params) -> Result<QueryResult> {
        let result = frontend::execute(&self.conn, ext, params)?;
        if matches!(ext, frontend::Extension::BeginReadonly(_)) {
            self.conn.execute_batch("PRAGMA query_only = ON")?;
            self.readonly_txn.set(true);
        }
        Ok(result)
    }

    /// Turns `query_only` off once a `BEGIN READONLY` transaction has ended (by COMMIT,
    /// ROLLBACK or an error that rolled it back).
    fn settle_readonly(&self) {
        if self.readonly_txn.get() && self.conn.is_autocommit() {
            self.readonly_txn.set(false);
            if let Err(e) = self.conn.execute_batch("PRAGMA query_only = OFF") {
                tracing::warn!(error = %e, "cannot turn query_only off after a READONLY transaction");
            }
        }
    }

    // --- Replication (crates/engine/src/replication) -------------------------------------

    /// The underlying rusqlite connection, for the replication log to install its WAL
    /// hook and turn off checkpoints on this connection (`ReplicationLog::attach`).
    pub(crate) fn raw_mut(&mut self) -> &mut rusqlite::Connection {
        &mut self.conn
    }
}

fn open_flags(options: &OpenOptions) -> OpenFlags {
    let mut flags = OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if options.read_only {
        flags |= OpenFlags::SQLITE_OPEN_READ_ONLY;
    } else {
        flags |= OpenFlags::SQLITE_OPEN_READ_WRITE;
        if options.create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
    }
    flags
}

/// SQLite's open errors do not always say which file; add it when missing.
fn with_path(error: Error, path: &Path) -> Error {
    let shown = path.display().to_string();
    match error {
        Error::Sqlite(e) if !e.message.contains(&shown) => Error::Sqlite(SqliteError {
            message: format!("{}: {shown}", e.message),
            ..e
        }),
        other => other,
    }
}
