//! The in-process back-end: a `basalt_engine::Connection` with the engine's defaults.

use basalt_engine::{Connection, OpenOptions, Params, Value};

use super::{Backend, BackendError, BackendFactory, QueryOutput};

/// Where an engine back-end keeps its database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Storage {
    /// A private in-memory database (fastest).
    #[default]
    Memory,
    /// A file in a new temporary directory, removed when the back-end is dropped. Exercises
    /// the on-disk path (WAL, page cache) the server uses.
    TempFile,
}

/// A Basalt engine connection used as a sqllogictest back-end.
#[derive(Debug)]
pub struct EngineBackend {
    conn: Connection,
    // Declared after `conn` so the connection closes before its directory is removed.
    _dir: Option<tempfile::TempDir>,
}

impl EngineBackend {
    /// Opens a fresh database in `storage`.
    pub fn open(storage: Storage) -> Result<EngineBackend, BackendError> {
        match storage {
            Storage::Memory => Ok(EngineBackend {
                conn: Connection::open_in_memory()?,
                _dir: None,
            }),
            Storage::TempFile => {
                let dir = tempfile::Builder::new()
                    .prefix("basalt-slt-")
                    .tempdir()
                    .map_err(BackendError::ScratchDir)?;
                let conn = Connection::open(dir.path().join("test.db"), &OpenOptions::default())?;
                Ok(EngineBackend {
                    conn,
                    _dir: Some(dir),
                })
            }
        }
    }
}

impl Backend for EngineBackend {
    fn execute(&mut self, sql: &str) -> Result<(), BackendError> {
        Ok(self.conn.execute_batch(sql)?)
    }

    fn query(&mut self, sql: &str) -> Result<QueryOutput, BackendError> {
        // Preparing first separates "cannot run" (an error) from "stopped while running"
        // (rows so far plus the error); the statement cache makes the second prepare free.
        let columns = self.conn.columns(sql)?.len();
        let mut rows = Vec::new();
        let stopped_by = self
            .conn
            .query_with(sql, &Params::None, |row| {
                rows.push(row);
                Ok(())
            })
            .err()
            .map(BackendError::from);
        Ok(QueryOutput {
            columns,
            rows,
            stopped_by,
        })
    }

    fn real_to_text(&mut self, value: f64) -> String {
        let params = Params::Positional(vec![Value::Real(value)]);
        match self.conn.execute("SELECT CAST(?1 AS TEXT)", &params) {
            Ok(result) => match result.rows.first().and_then(|row| row.first()) {
                Some(Value::Text(text)) => text.clone(),
                _ => crate::format::real_to_text(value),
            },
            Err(e) => {
                tracing::warn!(error = %e, "SQLite could not render a real; using the fallback");
                crate::format::real_to_text(value)
            }
        }
    }
}

/// Opens one [`EngineBackend`] per test file.
#[derive(Debug, Clone, Copy, Default)]
pub struct EngineFactory {
    /// Where each database lives.
    pub storage: Storage,
}

impl BackendFactory for EngineFactory {
    fn open(&self) -> Result<Box<dyn Backend>, BackendError> {
        Ok(Box::new(EngineBackend::open(self.storage)?))
    }
}
