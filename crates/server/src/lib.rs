//! Basalt's server: libSQL's Hrana protocol over HTTP and WebSocket, on top of the engine.
//!
//! Layers, from the socket inwards:
//! - [`http`] routes requests (axum) and turns wire bodies into Hrana requests;
//! - `ws` does the same for WebSocket connections;
//! - `hrana_exec` runs Hrana requests (execute, batch, sequence, describe, …) on a
//!   stream's [`db::Session`] — synchronous code, always on a blocking thread;
//! - [`db`] owns databases: connection pools and the write gate that serialises writers.
//!
//! SQLite calls never run on the async workers: every engine call goes through
//! `tokio::task::spawn_blocking`.
#![warn(missing_docs)]

mod config;
pub mod db;
mod hrana_exec;
pub mod http;
mod metrics;
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
    /// The listener failed.
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
}

/// Shared state of a running server.
pub(crate) struct AppState {
    pub db: Arc<Database>,
    pub streams: Streams,
    pub config: Config,
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
        // Hrana responses are small: send them at once instead of waiting for Nagle.
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "cannot set TCP_NODELAY");
            }
        });
        axum::serve(listener, app.into_make_service())
            .with_graceful_shutdown(shutdown)
            .await?;
        reaper.abort();
        tokio::task::spawn_blocking(move || {
            drop(state.streams.drain());
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
    let db =
        tokio::task::spawn_blocking(move || Database::open(&db_path, options, write_wait, metrics))
            .await
            .expect("opening the database does not panic")
            .map_err(|source| ServeError::Database { path, source })?;
    let streams = Streams::new(config.stream_idle_timeout, config.expired_stream_memory);
    Ok(AppState {
        db,
        streams,
        config,
    })
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
