//! Databases as the server holds them: a file, its replication log, a pool of idle
//! connections, and the write gate. A [`Session`] is one client stream's connection; all
//! its methods block and must run off the async workers (the HTTP and WebSocket layers
//! use `spawn_blocking`).
//!
//! Every connection is attached to the database's [`ReplicationLog`] (when it has one),
//! which runs in group-commit mode: a commit appends its frames to the log inside the
//! committing statement, and the session makes them durable after it has released the
//! write gate, so the next writer commits while this one waits for `fdatasync`, and one
//! `fdatasync` covers every commit appended meanwhile. A statement that committed
//! returns only once its frames are durable in the log.

mod gate;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use basalt_engine::replication::{FrameNo, ReplicationLog};
use basalt_engine::{Connection, Error, OpenOptions, Params, QueryResult, StatementInfo};

use basalt::replication::{Route, route};

use crate::metrics::Metrics;
use crate::replica::{RemoteSession, Upstream};

pub use gate::{WriteGate, WritePermit};

/// Idle connections kept per database: enough for every stateless HTTP request in flight
/// at 64 concurrent clients to find one (opening one costs ~100 µs of CPU).
const MAX_IDLE: usize = 64;

/// One database file served by this process.
#[derive(Debug)]
pub struct Database {
    path: PathBuf,
    options: OpenOptions,
    gate: Arc<WriteGate>,
    idle: Mutex<Vec<Connection>>,
    /// How long a writer waits for the gate before giving up with `SQLITE_BUSY`.
    write_wait: Duration,
    metrics: Arc<Metrics>,
    /// The replication log every connection is attached to (`None` when the server runs
    /// without one).
    log: Option<ReplicationLog>,
    /// In a read-replica server: the primary that writes are forwarded to.
    upstream: Option<Arc<Upstream>>,
}

impl Database {
    /// Opens (creating if needed) the database at `path`, checking it is usable. With a
    /// `log` (opened on the same file, in group-commit mode), every connection is
    /// attached to it.
    pub fn open(
        path: &Path,
        options: OpenOptions,
        write_wait: Duration,
        metrics: Arc<Metrics>,
        log: Option<ReplicationLog>,
    ) -> Result<Arc<Database>, Error> {
        Database::start(Database {
            write_wait,
            log,
            ..Database::unstarted(path, options, metrics)
        })
    }

    /// A database with no log, no upstream and an empty pool.
    fn unstarted(path: &Path, options: OpenOptions, metrics: Arc<Metrics>) -> Database {
        Database {
            path: path.to_path_buf(),
            options,
            gate: Arc::new(WriteGate::default()),
            idle: Mutex::new(Vec::new()),
            write_wait: Duration::ZERO,
            metrics,
            log: None,
            upstream: None,
        }
    }

    /// Checks the database opens (keeping that first connection in the pool).
    fn start(db: Database) -> Result<Arc<Database>, Error> {
        let conn = db.open_connection()?;
        db.recycle(conn);
        Ok(Arc::new(db))
    }

    /// Opens a read replica at `path`, kept current by `upstream` (which opened the file
    /// first): sessions read it and forward writes to the primary.
    pub fn open_replica(
        path: &Path,
        options: OpenOptions,
        metrics: Arc<Metrics>,
        upstream: Arc<Upstream>,
    ) -> Result<Arc<Database>, Error> {
        Database::start(Database {
            upstream: Some(upstream),
            write_wait: Duration::ZERO,
            ..Database::unstarted(path, options, metrics)
        })
    }

    /// The primary this replica follows, in a read-replica server.
    pub fn upstream(&self) -> Option<&Arc<Upstream>> {
        self.upstream.as_ref()
    }

    /// The replication log, when the database has one.
    pub fn log(&self) -> Option<&ReplicationLog> {
        self.log.as_ref()
    }

    fn open_connection(&self) -> Result<Connection, Error> {
        let mut conn = Connection::open(&self.path, &self.options)?;
        if let Some(log) = &self.log {
            log.attach(&mut conn).map_err(|e| log_error(&e))?;
        }
        Ok(conn)
    }

    /// The server's counters.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A new session on a pooled or freshly opened connection.
    pub fn session(self: &Arc<Self>) -> Result<Session, Error> {
        let pooled = self
            .idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .pop();
        let conn = match pooled {
            Some(conn) => conn,
            None => self.open_connection()?,
        };
        Metrics::incr(&self.metrics.streams_opened);
        Ok(Session {
            conn: Some(conn),
            permit: None,
            db: self.clone(),
            tainted: false,
            remote: None,
        })
    }

    /// Copies the WAL into the database file (used at shutdown). With a replication log,
    /// the log checkpoints: it captures and syncs every committed frame first.
    pub fn checkpoint(&self) -> Result<(), Error> {
        let _permit = self.gate.acquire(self.write_wait);
        if let Some(log) = &self.log {
            match log.checkpoint() {
                Ok(true) => {}
                Ok(false) => return Err(busy_error()),
                Err(e) => return Err(log_error(&e)),
            }
            // Every frame is in the log and backfilled: emptying the WAL loses nothing
            // (the log follows the WAL's next generation from its first frame).
        }
        let conn = Connection::open(&self.path, &self.options)?;
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
    }

    fn recycle(&self, conn: Connection) {
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if idle.len() < MAX_IDLE {
            idle.push(conn);
        }
    }
}

/// One client stream's connection. Statements that write take the database's write gate
/// first and keep it until the connection is back in autocommit mode.
#[derive(Debug)]
pub struct Session {
    // Field order matters: the connection (and with it any open transaction, which
    // SQLite rolls back) is dropped before the permit lets the next writer in.
    conn: Option<Connection>,
    permit: Option<WritePermit>,
    db: Arc<Database>,
    /// Set once the session changed connection state a pooled connection must not carry
    /// to another client (PRAGMAs, ATTACH).
    tainted: bool,
    /// In a read-replica server, the session's connection on the primary (created at the
    /// first forwarded statement).
    remote: Option<RemoteSession>,
}

impl Session {
    fn conn(&self) -> &Connection {
        self.conn
            .as_ref()
            .expect("a session holds its connection until dropped")
    }

    /// Runs one statement, waiting for the write gate first if it writes; when it
    /// commits, returns once the commit is durable in the replication log.
    pub fn execute(&mut self, sql: &str, params: &Params) -> Result<QueryResult, Error> {
        if self.runs_on_primary(sql) {
            return self.forward(sql, params);
        }
        self.before(sql)?;
        let result = self.conn().execute(sql, params);
        self.after(result.is_ok())?;
        result
    }

    /// Runs one statement, streaming its rows to `on_row`.
    pub fn query_with(
        &mut self,
        sql: &str,
        params: &Params,
        mut on_row: impl FnMut(Vec<basalt_engine::Value>) -> Result<(), Error>,
    ) -> Result<QueryResult, Error> {
        if self.runs_on_primary(sql) {
            let mut result = self.forward(sql, params)?;
            for row in std::mem::take(&mut result.rows) {
                on_row(row)?;
            }
            return Ok(result);
        }
        self.before(sql)?;
        let result = self.conn().query_with(sql, params, on_row);
        self.after(result.is_ok())?;
        result
    }

    /// Prepares without running.
    pub fn describe(&self, sql: &str) -> Result<StatementInfo, Error> {
        self.conn().describe(sql)
    }

    /// Prepares through the statement cache and reports whether the statement writes;
    /// a cheap way to surface errors that need no run.
    pub fn check(&self, sql: &str) -> Result<bool, Error> {
        self.conn().is_readonly(sql)
    }

    /// True when no transaction is open (here, or on the primary for a replica).
    pub fn is_autocommit(&self) -> bool {
        self.conn().is_autocommit() && !self.remote.as_ref().is_some_and(|r| r.in_transaction)
    }

    /// In a read-replica server: whether `sql` must run on the primary (it writes, opens
    /// a write transaction, or a primary transaction is open).
    fn runs_on_primary(&self, sql: &str) -> bool {
        if self.db.upstream.is_none() {
            return false;
        }
        let remote_txn = self.remote.as_ref().is_some_and(|r| r.in_transaction);
        let conn = self.conn();
        route(sql, remote_txn, !conn.is_autocommit(), || {
            conn.is_readonly(sql).ok()
        }) == Route::Primary
    }

    fn forward(&mut self, sql: &str, params: &Params) -> Result<QueryResult, Error> {
        let upstream = self.db.upstream.clone().expect("only replicas forward");
        let remote = self
            .remote
            .get_or_insert_with(|| RemoteSession::new(upstream));
        let result = remote.execute(sql, params);
        Metrics::incr(&self.db.metrics.statements);
        Metrics::incr(&self.db.metrics.forwarded_statements);
        if result.is_err() {
            Metrics::incr(&self.db.metrics.statement_errors);
        }
        result
    }

    /// A handle to interrupt the running statement from another thread.
    pub fn interrupt_handle(&self) -> basalt_engine::InterruptHandle {
        self.conn().interrupt_handle()
    }

    fn before(&mut self, sql: &str) -> Result<(), Error> {
        if first_keyword_is(sql, &["ATTACH", "DETACH"]) {
            self.tainted = true;
        }
        if first_keyword_is(sql, &["PRAGMA"]) {
            let pragma = PragmaUse::of(sql);
            if pragma.sets_journal_mode {
                return Err(refused(
                    "journal_mode cannot be changed on a Basalt server: databases stay in WAL mode",
                ));
            }
            if pragma.sets_wal_autocheckpoint && self.db.log.is_some() {
                return Err(refused(
                    "wal_autocheckpoint cannot be changed on a Basalt server: the replication log checkpoints",
                ));
            }
            // Settings stay with the connection; it must not go back to the pool with them.
            self.tainted |= pragma.sets_value;
        }
        if self.permit.is_some() || !self.writes(sql) {
            return Ok(());
        }
        match self.db.gate.acquire(self.db.write_wait) {
            Some(permit) => {
                self.permit = Some(permit);
                Ok(())
            }
            None => Err(busy_error()),
        }
    }

    /// Counts the statement and, once the connection is back in autocommit, lets the next
    /// writer in and then waits until this session's commit is durable in the log (group
    /// commit: the `fdatasync` runs outside the gate, shared with later committers).
    fn after(&mut self, ok: bool) -> Result<(), Error> {
        Metrics::incr(&self.db.metrics.statements);
        if !ok {
            Metrics::incr(&self.db.metrics.statement_errors);
        }
        if !self.conn().is_autocommit() {
            return Ok(());
        }
        let Some(permit) = self.permit.take() else {
            return Ok(());
        };
        // Read under the gate: every frame this session committed is below it.
        let end = self.db.log.as_ref().map(ReplicationLog::next_frame_no);
        drop(permit);
        if let (Some(log), Some(end)) = (&self.db.log, end)
            && let Some(last) = end.0.checked_sub(1)
        {
            log.sync_through(FrameNo(last)).map_err(|e| {
                tracing::error!(error = %e, "replication log: sync failed");
                log_error(&e)
            })?;
        }
        Ok(())
    }

    /// Whether running `sql` may take SQLite's write lock. A statement that does not
    /// prepare is let through: SQLite will report its error.
    fn writes(&self, sql: &str) -> bool {
        if first_keyword_is(sql, &["BEGIN"]) {
            let upper = sql.to_ascii_uppercase();
            return upper.contains("IMMEDIATE") || upper.contains("EXCLUSIVE");
        }
        self.conn().is_readonly(sql).is_ok_and(|readonly| !readonly)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        let reusable = !self.tainted
            && conn.is_autocommit()
            && conn
                .execute("SELECT count(*) FROM temp.sqlite_schema", &Params::None)
                .is_ok_and(|r| {
                    r.rows.first().and_then(|row| row.first())
                        == Some(&basalt_engine::Value::Integer(0))
                });
        if reusable {
            self.db.recycle(conn);
        }
    }
}

/// What a PRAGMA statement does, as far as pooling and WAL safety care.
struct PragmaUse {
    /// It assigns a value (`PRAGMA x = v` or `PRAGMA x(v)` for a setting).
    sets_value: bool,
    /// It changes the journal mode.
    sets_journal_mode: bool,
    /// It changes the auto-checkpoint threshold (which would remove the log's hook).
    sets_wal_autocheckpoint: bool,
}

impl PragmaUse {
    fn of(sql: &str) -> PragmaUse {
        let lower = sql.to_ascii_lowercase();
        let name_end = lower.find(['=', '(', ';']).unwrap_or(lower.len());
        let name = lower[..name_end].trim().trim_start_matches("pragma").trim();
        let name = name.rsplit('.').next().unwrap_or(name).trim();
        // `PRAGMA table_info(t)` and friends take an argument without setting anything.
        let introspection = name.ends_with("_info")
            || name.ends_with("_list")
            || name.ends_with("_xinfo")
            || name.ends_with("_check");
        let sets_value =
            lower.contains('=') || (lower[name_end..].starts_with('(') && !introspection);
        PragmaUse {
            sets_value,
            sets_journal_mode: sets_value && name == "journal_mode",
            sets_wal_autocheckpoint: sets_value && name == "wal_autocheckpoint",
        }
    }
}

fn refused(message: &str) -> Error {
    Error::Sqlite(basalt_engine::SqliteError {
        extended_code: 23, // SQLITE_AUTH
        message: message.into(),
        offset: None,
    })
}

/// A replication-log failure as a statement error (`SQLITE_IOERR`).
fn log_error(e: &basalt_engine::replication::ReplicationError) -> Error {
    Error::Sqlite(basalt_engine::SqliteError {
        extended_code: 10, // SQLITE_IOERR
        message: format!("replication log: {e}"),
        offset: None,
    })
}

fn busy_error() -> Error {
    Error::Sqlite(basalt_engine::SqliteError {
        extended_code: 5, // SQLITE_BUSY
        message: "database is locked (another transaction kept writing past the wait limit)".into(),
        offset: None,
    })
}

/// True when the first keyword of `sql` (after whitespace and comments) is one of `words`.
pub(crate) fn first_keyword_is(sql: &str, words: &[&str]) -> bool {
    let word = first_keyword(sql);
    words.iter().any(|w| w.eq_ignore_ascii_case(word))
}

fn first_keyword(mut sql: &str) -> &str {
    loop {
        sql = sql.trim_start();
        if let Some(rest) = sql.strip_prefix("--") {
            sql = rest.find('\n').map_or("", |i| &rest[i + 1..]);
        } else if let Some(rest) = sql.strip_prefix("/*") {
            sql = rest.find("*/").map_or("", |i| &rest[i + 2..]);
        } else {
            break;
        }
    }
    let end = sql
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(sql.len());
    &sql[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pragma_uses() {
        let of = |sql| {
            let p = PragmaUse::of(sql);
            (p.sets_value, p.sets_journal_mode)
        };
        assert_eq!(of("PRAGMA table_info(t)"), (false, false));
        assert_eq!(of("PRAGMA foreign_keys"), (false, false));
        assert_eq!(of("PRAGMA foreign_keys = OFF"), (true, false));
        assert_eq!(of("pragma main.journal_mode=delete"), (true, true));
        assert_eq!(of("PRAGMA journal_mode(DELETE)"), (true, true));
        assert_eq!(of("PRAGMA journal_mode"), (false, false));
        assert_eq!(of("PRAGMA cache_size(100)"), (true, false));
        assert!(PragmaUse::of("PRAGMA wal_autocheckpoint = 10").sets_wal_autocheckpoint);
        assert!(PragmaUse::of("pragma main.wal_autocheckpoint(0)").sets_wal_autocheckpoint);
        assert!(!PragmaUse::of("PRAGMA wal_autocheckpoint").sets_wal_autocheckpoint);
    }

    #[test]
    fn first_keyword_skips_comments() {
        assert_eq!(first_keyword("  -- x\n /* y */ pragma foo"), "pragma");
        assert_eq!(first_keyword("BEGIN;"), "BEGIN");
        assert_eq!(first_keyword(""), "");
        assert!(first_keyword_is("attach 'x' as y", &["PRAGMA", "ATTACH"]));
    }
}
