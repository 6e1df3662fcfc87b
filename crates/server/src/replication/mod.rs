//! The primary side of libSQL's replication protocol (LIBSQL-SURFACE.md §8): the
//! `wal_log.ReplicationLog` service over the database's [`ReplicationLog`], the
//! `proxy.Proxy` service that runs replicas' writes, and the glue that serves both on the
//! user HTTP port (gRPC-web over HTTP/1.1 or h2, native gRPC over h2c) and, optionally,
//! on a separate native gRPC listener.
//!
//! Log and proxy calls block (file reads, SQLite): they run on blocking threads.

mod log_service;
mod proxy;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use basalt_engine::replication::{LogConfig, ReplicationError, ReplicationLog};
use basalt_rpc::proxy::proxy_server::ProxyServer;
use basalt_rpc::wal_log::replication_log_server::ReplicationLogServer;

use crate::AppState;

pub(crate) use proxy::ProxyClients;

/// gRPC paths served on the user port.
pub(crate) const REPLICATION_LOG_PATH: &str = "/wal_log.ReplicationLog/{*method}";
pub(crate) const PROXY_PATH: &str = "/proxy.Proxy/{*method}";

/// The log configuration the server uses for a database: group commit, compaction in the
/// background (never inside a commit), segments of half `--max-log-size` so the log is
/// compacted into the snapshot once it passes about that size.
pub(crate) fn log_config(max_log_size: u64) -> LogConfig {
    LogConfig {
        segment_size: (max_log_size / 2).max(64 << 10),
        retain_sealed_segments: 1,
        auto_compact: false,
        group_commit: true,
        ..LogConfig::default()
    }
}

/// Opens the replication log of the database at `path`. A damaged log, or one the WAL
/// no longer matches, is rebuilt with a new identity (replicas start again from frame 0);
/// a database whose page size is not 4096 is refused.
pub(crate) fn open_log(
    path: &std::path::Path,
    config: LogConfig,
) -> Result<ReplicationLog, ReplicationError> {
    match ReplicationLog::open(path, config.clone()) {
        Ok(log) => Ok(log),
        Err(e @ (ReplicationError::Corrupt { .. } | ReplicationError::WalBehindLog { .. })) => {
            tracing::warn!(
                error = %e,
                path = %path.display(),
                "replication log unusable: rebuilding it with a new log_id (replicas resync from frame 0)"
            );
            ReplicationLog::rebuild(path, config)
        }
        Err(e) => Err(e),
    }
}

/// Random per process: a `Hello` from an earlier process is stale after a restart.
pub(crate) fn new_session_token() -> String {
    uuid::Uuid::new_v4().hyphenated().to_string()
}

/// The gRPC services as one axum router, with gRPC-web translated to gRPC in front.
pub(crate) fn grpc_router(state: &Arc<AppState>) -> Router {
    let limit = state.config.max_request_bytes;
    let log = ReplicationLogServer::new(log_service::LogService::new(state.clone()))
        .max_decoding_message_size(limit)
        .max_encoding_message_size(usize::MAX);
    let proxy = ProxyServer::new(proxy::ProxyService::new(state.clone()))
        .max_decoding_message_size(limit)
        .max_encoding_message_size(usize::MAX);
    tonic::service::Routes::new(log)
        .add_service(proxy)
        .prepare()
        .into_axum_router()
}

/// Adds the gRPC routes to the user router: gRPC-web (`application/grpc-web`,
/// `application/grpc-web+proto`, HTTP/1.1 or h2) and native gRPC over h2c.
pub(crate) fn add_routes(
    router: Router<Arc<AppState>>,
    state: &Arc<AppState>,
) -> Router<Arc<AppState>> {
    let grpc = tower::Layer::layer(&tonic_web::GrpcWebLayer::new(), grpc_router(state));
    router
        .route_service(REPLICATION_LOG_PATH, grpc.clone())
        .route_service(PROXY_PATH, grpc)
}

/// Compacts the log in the background once it holds more sealed segments than it keeps,
/// and drops proxy clients idle past their timeout.
pub(crate) async fn maintenance(state: Arc<AppState>) {
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let expired = state.proxy.expire_idle(state.config.proxy_idle_timeout);
        if !expired.is_empty() {
            crate::metrics::Metrics::add(
                &state.db.metrics().proxy_clients_expired,
                expired.len() as u64,
            );
            tracing::debug!(count = expired.len(), "expired idle proxy clients");
            tokio::task::spawn_blocking(move || drop(expired));
        }
        if let Some(log) = state.db.log().cloned() {
            let result = tokio::task::spawn_blocking(move || {
                if log.needs_compaction() {
                    log.compact().map(|()| true)
                } else {
                    Ok(false)
                }
            })
            .await;
            match result {
                Ok(Ok(true)) => tracing::info!("replication log: compacted into the snapshot"),
                Ok(Ok(false)) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "replication log: compaction failed"),
                Err(e) => tracing::error!(error = %e, "replication log: compaction panicked"),
            }
        }
    }
}
