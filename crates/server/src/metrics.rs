//! Process-wide counters, served as Prometheus text on `GET /metrics`.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

/// Counters of one server.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Hrana pipeline and cursor requests over HTTP.
    pub http_requests: AtomicU64,
    /// WebSocket connections accepted.
    pub ws_connections: AtomicU64,
    /// Statements run (every execute, batch step, sequence statement).
    pub statements: AtomicU64,
    /// Statements that failed.
    pub statement_errors: AtomicU64,
    /// Streams opened (HTTP and WebSocket).
    pub streams_opened: AtomicU64,
    /// HTTP streams dropped after idling past the timeout.
    pub streams_expired: AtomicU64,
    /// Log frames sent to replicas (`BatchLogEntries`, `LogEntries`).
    pub frames_served: AtomicU64,
    /// Snapshot frames sent to replicas.
    pub snapshot_frames_served: AtomicU64,
    /// `wal_log.ReplicationLog` calls.
    pub replication_requests: AtomicU64,
    /// `proxy.Proxy` `Execute` calls.
    pub proxy_executes: AtomicU64,
    /// Proxy client connections dropped after idling past the timeout.
    pub proxy_clients_expired: AtomicU64,
    /// Statements a read replica forwarded to its primary.
    pub forwarded_statements: AtomicU64,
}

impl Metrics {
    /// Adds one to a counter.
    pub fn incr(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Adds `n` to a counter.
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// The Prometheus text exposition of every counter.
    pub fn render(&self) -> String {
        let counters = [
            (
                "basalt_http_requests_total",
                "Hrana requests over HTTP.",
                &self.http_requests,
            ),
            (
                "basalt_ws_connections_total",
                "WebSocket connections accepted.",
                &self.ws_connections,
            ),
            (
                "basalt_statements_total",
                "Statements run.",
                &self.statements,
            ),
            (
                "basalt_statement_errors_total",
                "Statements that failed.",
                &self.statement_errors,
            ),
            (
                "basalt_streams_opened_total",
                "Streams opened.",
                &self.streams_opened,
            ),
            (
                "basalt_streams_expired_total",
                "HTTP streams expired after idling.",
                &self.streams_expired,
            ),
            (
                "basalt_forwarded_statements_total",
                "Statements a read replica forwarded to its primary.",
                &self.forwarded_statements,
            ),
            (
                "basalt_replication_frames_served_total",
                "Replication log frames sent to replicas.",
                &self.frames_served,
            ),
            (
                "basalt_replication_snapshot_frames_served_total",
                "Snapshot frames sent to replicas.",
                &self.snapshot_frames_served,
            ),
            (
                "basalt_replication_requests_total",
                "wal_log.ReplicationLog calls.",
                &self.replication_requests,
            ),
            (
                "basalt_proxy_executes_total",
                "proxy.Proxy Execute calls.",
                &self.proxy_executes,
            ),
            (
                "basalt_proxy_clients_expired_total",
                "Proxy client connections rolled back after idling.",
                &self.proxy_clients_expired,
            ),
        ];
        let mut out = String::new();
        for (name, help, value) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                value.load(Ordering::Relaxed)
            );
        }
        out
    }

    /// Appends one gauge to a Prometheus text exposition.
    pub fn render_gauge(out: &mut String, name: &str, help: &str, value: u64) {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
        );
    }
}
