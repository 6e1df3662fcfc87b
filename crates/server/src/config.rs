//! Server configuration, validated by the binary before the server starts.

use std::path::PathBuf;
use std::time::Duration;

use basalt_engine::Synchronous;

/// Everything the server needs to know at start. Built by the CLI from flags and
/// `BASALT_*` variables; the library never reads the environment itself.
#[derive(Debug, Clone)]
pub struct Config {
    /// Directory holding the databases (created if missing).
    pub data_dir: PathBuf,
    /// How long an HTTP stream may sit idle before it expires.
    pub stream_idle_timeout: Duration,
    /// How long an expired stream's baton is remembered (to answer STREAM_EXPIRED).
    pub expired_stream_memory: Duration,
    /// How long a writer waits for another transaction to finish. Longer than the idle
    /// timeout, so a writer queued behind an abandoned transaction outlasts its expiry.
    pub write_wait: Duration,
    /// `PRAGMA synchronous` for every connection.
    pub synchronous: Synchronous,
    /// Largest accepted request body, in bytes.
    pub max_request_bytes: usize,
    /// Largest response for one request, in bytes (`RESPONSE_TOO_LARGE` past it).
    pub max_response_bytes: usize,
    /// Keep a replication log for every database and serve it to replicas
    /// (`wal_log.ReplicationLog`); off, only `proxy.Proxy` is served.
    pub replication_log: bool,
    /// The log is compacted into a snapshot once it passes about this many bytes
    /// (`--max-log-size`, as sqld's).
    pub max_log_size: u64,
    /// A separate listener for native gRPC (h2c), besides the user port.
    pub grpc_listen_addr: Option<std::net::SocketAddr>,
    /// How long a `proxy.Proxy` client connection may sit idle before it is rolled back
    /// and dropped.
    pub proxy_idle_timeout: Duration,
    /// Run as a read replica of the primary at this URL (`http://host:port`): serve a
    /// replica of its database, forward writes to it.
    pub primary_url: Option<String>,
    /// Bearer token sent to the primary (empty for none).
    pub primary_auth_token: String,
}

impl Config {
    /// Defaults (matching libSQL's server where it has one) for a data directory.
    pub fn new(data_dir: impl Into<PathBuf>) -> Config {
        Config {
            data_dir: data_dir.into(),
            stream_idle_timeout: Duration::from_secs(10),
            expired_stream_memory: Duration::from_secs(300),
            write_wait: Duration::from_secs(15),
            synchronous: Synchronous::Normal,
            max_request_bytes: 32 << 20,
            max_response_bytes: 10 << 20,
            replication_log: true,
            max_log_size: 200 << 20,
            grpc_listen_addr: None,
            proxy_idle_timeout: Duration::from_secs(30),
            primary_url: None,
            primary_auth_token: String::new(),
        }
    }

    /// The file of the default database.
    pub fn default_db_path(&self) -> PathBuf {
        self.data_dir.join("dbs").join("default").join("data.db")
    }
}
