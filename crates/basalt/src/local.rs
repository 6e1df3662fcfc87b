//! The local backend: SQLite files opened through the engine, used on the calling thread.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use basalt_engine::{Connection as EngineConnection, InterruptHandle, OpenOptions};

use crate::error::Result;

/// A local database: where it lives and how to open connections to it.
#[derive(Debug)]
pub(crate) struct LocalDatabase {
    path: PathBuf,
    options: OpenOptions,
    /// An in-memory database exists only inside one SQLite connection, so every
    /// `connect()` shares this one.
    memory: Option<LocalConnection>,
}

impl LocalDatabase {
    pub(crate) fn open(path: PathBuf, options: OpenOptions) -> Result<LocalDatabase> {
        if path.as_os_str() == ":memory:" {
            let memory = LocalConnection::new(EngineConnection::open_in_memory()?);
            return Ok(LocalDatabase {
                path,
                options,
                memory: Some(memory),
            });
        }
        // Open once now so a bad path or a file that is not a database fails at build().
        EngineConnection::open(&path, &options)?;
        Ok(LocalDatabase {
            path,
            options,
            memory: None,
        })
    }

    pub(crate) fn connect(&self) -> Result<LocalConnection> {
        if let Some(memory) = &self.memory {
            return Ok(memory.clone());
        }
        Ok(LocalConnection::new(EngineConnection::open(
            &self.path,
            &self.options,
        )?))
    }
}

/// One engine connection, shared by the SDK handles (connection, statements,
/// transaction) that refer to it.
#[derive(Debug, Clone)]
pub(crate) struct LocalConnection {
    conn: Arc<Mutex<EngineConnection>>,
    /// Taken at open so an interrupt never waits for the lock the running statement holds.
    interrupt: InterruptHandle,
}

impl LocalConnection {
    fn new(conn: EngineConnection) -> LocalConnection {
        let interrupt = conn.interrupt_handle();
        LocalConnection {
            conn: Arc::new(Mutex::new(conn)),
            interrupt,
        }
    }

    /// Interrupts whatever the connection is running.
    pub(crate) fn interrupt(&self) {
        self.interrupt.interrupt();
    }

    /// The engine connection. A panic while it was held cannot leave SQLite in a
    /// state worse than an error would, so a poisoned lock is taken over.
    pub(crate) fn lock(&self) -> MutexGuard<'_, EngineConnection> {
        self.conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
