//! Basalt's server: libSQL's Hrana protocol over HTTP and WebSocket, on top of the engine.
//!
//! Layers, from the socket inwards:
//! - [`http`] routes requests (axum) and turns wire bodies into Hrana requests;
//! - `ws` does the same for WebSocket connections;
//! - `hrana_exec` runs Hrana requests (execute, batch, sequence, describe, …) on a
//!   stream's [`db::Session`] — synchronous code, always on a blocking thread;
//! - [`db`] owns databases: connection pools, the write gate that serialises writers,
//!   and the replication log every connection is attached to (group commit);
//! - `replication` serves libSQL's replication gRPC services (`wal_log.ReplicationLog`,
//!   `proxy.Proxy`) on the same port, as gRPC-web and as native gRPC over h2c.
//!
//! SQLite calls never run on the async workers: every engine call goes through
//! `tokio::task::spawn_blocking`.
#![warn(missing_docs)]

mod config;
pub mod db;
mod hrana_exec;
pub mod http;
mod metrics;
mod replica;
mod replication;
mod streams;
mod ws;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

pub use config::Config;

use db::Database;
use streams::Streams;

/// Errors that stop the server from starting or running.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The data directory could not be created.
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The database could not be opened.
    #[error("cannot open database {path}: {source}")]
    Database {
        /// The database file.
        path: std::path::PathBuf,
        /// Why.
        source: basalt_engine::Error,
    },
    /// The replication log could not be opened (a page size other than 4096, say).
    #[error("cannot open the replication log of {path}: {source}")]
    ReplicationLog {
        /// The database file.
        path: std::path::PathBuf,
        /// Why.
        source: basalt_engine::replication::ReplicationError,
    },
    /// A read replica could not open its file or reach its primary's protocol.
    #[error("cannot start the replica of {primary}: {source}")]
    Replica {
        /// The primary's URL.
        primary: String,
        /// Why.
        source: basalt::Error,
    },
    /// The listener failed.
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
}

/// Shared state of a running server.
pub(crate) struct AppState {
    pub db: Arc<Database>,
    pub streams: Streams,
    pub config: Config,
    /// `proxy.Proxy` client sessions.
    pub proxy: replication::ProxyClients,
    /// Returned by `Hello`, required on later replication calls; random per process.
    pub session_token: String,
    /// Set when the server starts shutting down: long-lived responses (`LogEntries`
    /// streams) end so the graceful shutdown is not held up by replicas.
    pub shutting_down: tokio::sync::watch::Sender<bool>,
}

/// A server whose data directory is open, ready to serve.
pub struct Server {
    state: Arc<AppState>,
}

impl Server {
    /// Opens the data directory and the default database (creating both if missing).
    pub async fn open(config: Config) -> Result<Server, ServeError> {
        Ok(Server {
            state: Arc::new(open_state(config).await?),
        })
    }

    /// The default database's file.
    pub fn database_path(&self) -> &std::path::Path {
        self.state.db.path()
    }

    /// Serves on `listener` until `shutdown` completes, then finishes in-flight
    /// requests, rolls back abandoned streams and checkpoints.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        let state = self.state;
        let app = http::router(state.clone());
        let reaper = tokio::spawn(reap_idle_streams(state.clone()));
        let maintenance = tokio::spawn(replication::maintenance(state.clone()));
        let (grpc_stop, grpc_stopped) = tokio::sync::watch::channel(false);
        let grpc = match state.config.grpc_listen_addr {
            Some(addr) => {
                let listener = tokio::net::TcpListener::bind(addr).await?;
                tracing::info!(addr = %listener.local_addr()?, "native gRPC listener");
                let router = replication::grpc_router(&state);
                let mut stopped = grpc_stopped;
                Some(tokio::spawn(async move {
                    axum::serve(listener, router.into_make_service())
                        .with_graceful_shutdown(async move {
                            let _ = stopped.wait_for(|s| *s).await;
                        })
                        .await
                }))
            }
            None => None,
        };
        // Hrana responses are small: send them at once instead of waiting for Nagle.
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "cannot set TCP_NODELAY");
            }
        });
        let signal = state.clone();
        let shutdown = async move {
            shutdown.await;
            signal.shutting_down.send_replace(true);
        };
        axum::serve(listener, app.into_make_service())
            .with_graceful_shutdown(shutdown)
            .await?;
        let _ = grpc_stop.send(true);
        if let Some(grpc) = grpc {
            match grpc.await {
                Ok(Err(e)) => tracing::warn!(error = %e, "native gRPC listener failed"),
                Err(e) => tracing::warn!(error = %e, "native gRPC listener panicked"),
                Ok(Ok(())) => {}
            }
        }
        reaper.abort();
        maintenance.abort();
        tokio::task::spawn_blocking(move || {
            drop(state.streams.drain());
            drop(state.proxy.drain());
            if let Err(e) = state.db.checkpoint() {
                tracing::warn!(error = %e, "checkpoint at shutdown failed");
            }
        })
        .await
        .ok();
        tracing::info!("server stopped");
        Ok(())
    }
}

/// Opens the data directory and serves on `listener` until `shutdown` completes.
pub async fn run(
    listener: tokio::net::TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    Server::open(config).await?.serve(listener, shutdown).await
}

async fn open_state(config: Config) -> Result<AppState, ServeError> {
    let path = config.default_db_path();
    let dir = path
        .parent()
        .expect("the database path has a parent")
        .to_path_buf();
    std::fs::create_dir_all(&dir).map_err(|source| ServeError::DataDir { path: dir, source })?;
    let options = basalt_engine::OpenOptions {
        synchronous: config.synchronous,
        ..Default::default()
    };
    let write_wait = config.write_wait;
    let db_path = path.clone();
    let metrics = Arc::new(metrics::Metrics::default());
    if let Some(primary) = config.primary_url.clone() {
        let upstream = replica::Upstream::start(&path, &primary, &config.primary_auth_token)
            .await
            .map_err(|source| ServeError::Replica { primary, source })?;
        let db = tokio::task::spawn_blocking(move || {
            Database::open_replica(&db_path, options, metrics, Arc::new(upstream)).map_err(
                |source| ServeError::Database {
                    path: db_path.clone(),
                    source,
                },
            )
        })
        .await
        .expect("opening the database does not panic")?;
        return Ok(new_state(db, config));
    }
    let log_config = config
        .replication_log
        .then(|| replication::log_config(config.max_log_size));
    let db = tokio::task::spawn_blocking(move || {
        let log = match log_config {
            Some(log_config) => Some(replication::open_log(&db_path, log_config).map_err(
                |source| ServeError::ReplicationLog {
                    path: db_path.clone(),
                    source,
                },
            )?),
            None => None,
        };
        if let Some(log) = &log {
            tracing::info!(
                path = %db_path.display(),
                log_id = %log.log_id(),
                last_frame_no = ?log.last_frame_no().map(|f| f.0),
                "replication log open"
            );
        }
        Database::open(&db_path, options, write_wait, metrics, log).map_err(|source| {
            ServeError::Database {
                path: db_path.clone(),
                source,
            }
        })
    })
    .await
    .expect("opening the database does not panic")?;
    Ok(new_state(db, config))
}

fn new_state(db: Arc<Database>, config: Config) -> AppState {
    let streams = Streams::new(config.stream_idle_timeout, config.expired_stream_memory);
    AppState {
        db,
        streams,
        config,
        proxy: replication::ProxyClients::default(),
        session_token: replication::new_session_token(),
        shutting_down: tokio::sync::watch::Sender::new(false),
    }
}

async fn reap_idle_streams(state: Arc<AppState>) {
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    loop {
        tick.tick().await;
        let expired = state.streams.expire_idle();
        if !expired.is_empty() {
            metrics::Metrics::add(&state.db.metrics().streams_expired, expired.len() as u64);
            tracing::debug!(count = expired.len(), "expired idle streams");
            // Dropping a session may roll back a transaction: keep it off the async workers.
            tokio::task::spawn_blocking(move || drop(expired));
        }
    }
}
