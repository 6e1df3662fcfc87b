//! Databases as the server holds them: a file, a pool of idle connections, and the
//! write gate. A [`Session`] is one client stream's connection; all its methods block and
//! must run off the async workers (the HTTP and WebSocket layers use `spawn_blocking`).

mod gate;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use basalt_engine::{Connection, Error, OpenOptions, Params, QueryResult, StatementInfo};

use crate::metrics::Metrics;

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
}

impl Database {
    /// Opens (creating if needed) the database at `path`, checking it is usable.
    pub fn open(
        path: &Path,
        options: OpenOptions,
        write_wait: Duration,
        metrics: Arc<Metrics>,
    ) -> Result<Arc<Database>, Error> {
        let conn = Connection::open(path, &options)?;
        let db = Database {
            path: path.to_path_buf(),
            options,
            gate: Arc::new(WriteGate::default()),
            idle: Mutex::new(vec![conn]),
            write_wait,
            metrics,
        };
        Ok(Arc::new(db))
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
            None => Connection::open(&self.path, &self.options)?,
        };
        Metrics::incr(&self.metrics.streams_opened);
        Ok(Session {
            conn: Some(conn),
            permit: None,
            db: self.clone(),
            tainted: false,
        })
    }

    /// Copies the WAL into the database file and truncates it (used at shutdown).
    pub fn checkpoint(&self) -> Result<(), Error> {
        let _permit = self.gate.acquire(self.write_wait);
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
}

impl Session {
    fn conn(&self) -> &Connection {
        self.conn
            .as_ref()
            .expect("a session holds its connection until dropped")
    }

    /// Runs one statement, waiting for the write gate first if it writes.
    pub fn execute(&mut self, sql: &str, params: &Params) -> Result<QueryResult, Error> {
        self.before(sql)?;
        let result = self.conn().execute(sql, params);
        self.after(result.is_ok());
        result
    }

    /// Runs one statement, streaming its rows to `on_row`.
    pub fn query_with(
        &mut self,
        sql: &str,
        params: &Params,
        on_row: impl FnMut(Vec<basalt_engine::Value>) -> Result<(), Error>,
    ) -> Result<QueryResult, Error> {
        self.before(sql)?;
        let result = self.conn().query_with(sql, params, on_row);
        self.after(result.is_ok());
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

    /// True when no transaction is open.
    pub fn is_autocommit(&self) -> bool {
        self.conn().is_autocommit()
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

    fn after(&mut self, ok: bool) {
        Metrics::incr(&self.db.metrics.statements);
        if !ok {
            Metrics::incr(&self.db.metrics.statement_errors);
        }
        if self.conn().is_autocommit() {
            self.permit = None;
        }
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
    }

    #[test]
    fn first_keyword_skips_comments() {
        assert_eq!(first_keyword("  -- x\n /* y */ pragma foo"), "pragma");
        assert_eq!(first_keyword("BEGIN;"), "BEGIN");
        assert_eq!(first_keyword(""), "");
        assert!(first_keyword_is("attach 'x' as y", &["PRAGMA", "ATTACH"]));
    }
}
