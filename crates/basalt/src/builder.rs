//! Choosing and opening a database.

use std::path::PathBuf;
use std::time::Duration;

use basalt_engine::OpenOptions;

use crate::connection::Connection;
use crate::error::Result;
use crate::local::LocalDatabase;
use crate::remote::RemoteDatabase;
use crate::replica::ReplicaDatabase;
use crate::replication::{Replicated, Replicator};

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

/// Settings for an embedded replica.
#[derive(Debug)]
pub struct RemoteReplicaBuilder {
    path: PathBuf,
    url: String,
    token: String,
    read_your_writes: bool,
    sync_interval: Option<Duration>,
}

impl Builder<()> {
    /// An embedded replica: a local file at `path` kept in sync with the primary at `url`
    /// (`http://host:port`, the server's user port) over libSQL's replication protocol.
    /// Reads run on the local file; writes and write transactions are forwarded to the
    /// primary. `auth_token` may be empty. Call [`Database::sync`] to pull changes, or set
    /// [`sync_interval`](Builder::sync_interval).
    ///
    /// ```no_run
    /// # async fn demo() -> basalt::Result<()> {
    /// use basalt::{Builder, params};
    /// let db = Builder::new_remote_replica("local.db", "http://127.0.0.1:8080", "")
    ///     .build()
    ///     .await?;
    /// let replicated = db.sync().await?;
    /// println!("at frame {:?}", replicated.frame_no());
    /// let conn = db.connect()?;
    /// conn.execute("INSERT INTO t VALUES (?1)", params![1]).await?; // on the primary
    /// let mut rows = conn.query("SELECT count(*) FROM t", ()).await?; // on local.db
    /// # let _ = rows.next().await?; Ok(()) }
    /// ```
    pub fn new_remote_replica(
        path: impl Into<PathBuf>,
        url: impl Into<String>,
        auth_token: impl Into<String>,
    ) -> Builder<RemoteReplicaBuilder> {
        Builder {
            inner: RemoteReplicaBuilder {
                path: path.into(),
                url: url.into(),
                token: auth_token.into(),
                read_your_writes: true,
                sync_interval: None,
            },
        }
    }

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

impl Builder<RemoteReplicaBuilder> {
    /// Syncs in the background: once at build, then every `interval`.
    pub fn sync_interval(mut self, interval: Duration) -> Self {
        self.inner.sync_interval = Some(interval);
        self
    }

    /// Whether a forwarded write returns only once the replica has applied it (default
    /// true), so the same process reads its own writes.
    pub fn read_your_writes(mut self, read_your_writes: bool) -> Self {
        self.inner.read_your_writes = read_your_writes;
        self
    }

    /// Opens (creating if needed) the replica file. Nothing is sent to the primary until
    /// the first sync or forwarded statement.
    pub async fn build(self) -> Result<Database> {
        let RemoteReplicaBuilder {
            path,
            url,
            token,
            read_your_writes,
            sync_interval,
        } = self.inner;
        let replicator = Replicator::open(&path, &url, &token)?;
        let replica = ReplicaDatabase::open(replicator, read_your_writes, sync_interval)?;
        Ok(Database {
            backend: Backend::Replica(replica),
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
    Replica(ReplicaDatabase),
}

impl Database {
    /// A new connection. Each has its own transaction state.
    pub fn connect(&self) -> Result<Connection> {
        match &self.backend {
            Backend::Local(local) => Ok(Connection::local(local.connect()?)),
            Backend::Remote(remote) => Ok(Connection::remote(remote.connect())),
            Backend::Replica(replica) => Ok(Connection::replica(replica.connect()?)),
        }
    }

    /// Brings an embedded replica up to the primary's last committed frame, returning
    /// the frames applied and the replica's replication index. Fails with
    /// [`Error::SyncNotSupported`](crate::Error::SyncNotSupported) on other databases.
    pub async fn sync(&self) -> Result<Replicated> {
        match &self.backend {
            Backend::Replica(replica) => replica.sync().await,
            Backend::Local(_) | Backend::Remote(_) => Err(crate::Error::SyncNotSupported),
        }
    }
}
