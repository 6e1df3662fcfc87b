//! Choosing and opening a database.

use std::path::PathBuf;
use std::time::Duration;

use basalt_engine::OpenOptions;

use crate::connection::Connection;
use crate::error::Result;
use crate::local::LocalDatabase;
use crate::remote::RemoteDatabase;

/// Starts building a [`Database`]: `Builder::new_local(path).build().await`.
#[derive(Debug)]
pub struct Builder<T> {
    inner: T,
}

/// Settings for a local database file.
#[derive(Debug)]
pub struct LocalBuilder {
    path: PathBuf,
    options: OpenOptions,
}

/// Settings for a database on a server.
#[derive(Debug)]
pub struct RemoteBuilder {
    url: String,
    token: String,
}

impl Builder<()> {
    /// A database on a Basalt or libSQL server: `http(s)://`, `ws(s)://` or `libsql://`
    /// URL and an auth token (empty for none). Statements travel over Hrana 3 HTTP.
    pub fn new_remote(url: impl Into<String>, token: impl Into<String>) -> Builder<RemoteBuilder> {
        Builder {
            inner: RemoteBuilder {
                url: url.into(),
                token: token.into(),
            },
        }
    }

    /// A database in a local file (created if missing); `":memory:"` for a private
    /// in-memory database.
    pub fn new_local(path: impl Into<PathBuf>) -> Builder<LocalBuilder> {
        Builder {
            inner: LocalBuilder {
                path: path.into(),
                options: OpenOptions::default(),
            },
        }
    }
}

impl Builder<LocalBuilder> {
    /// Opens the file read-only.
    pub fn read_only(mut self, read_only: bool) -> Self {
        self.inner.options.read_only = read_only;
        self.inner.options.create = !read_only;
        self
    }

    /// How long a statement waits for another connection's lock.
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.inner.options.busy_timeout = timeout;
        self
    }

    /// Opens the database (the file is checked now, not on first use).
    pub async fn build(self) -> Result<Database> {
        let LocalBuilder { path, options } = self.inner;
        let local = LocalDatabase::open(path, options)?;
        Ok(Database {
            backend: Backend::Local(local),
        })
    }
}

impl Builder<RemoteBuilder> {
    /// Checks the URL (nothing is sent until the first statement).
    pub async fn build(self) -> Result<Database> {
        let remote = RemoteDatabase::new(&self.inner.url, self.inner.token)?;
        Ok(Database {
            backend: Backend::Remote(remote),
        })
    }
}

/// An opened database, ready to hand out connections.
#[derive(Debug)]
pub struct Database {
    backend: Backend,
}

#[derive(Debug)]
enum Backend {
    Local(LocalDatabase),
    Remote(RemoteDatabase),
}

impl Database {
    /// A new connection. Each has its own transaction state.
    pub fn connect(&self) -> Result<Connection> {
        match &self.backend {
            Backend::Local(local) => Ok(Connection::local(local.connect()?)),
            Backend::Remote(remote) => Ok(Connection::remote(remote.connect())),
        }
    }
}
