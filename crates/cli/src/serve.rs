//! `basalt serve`: flags and environment into a validated server config, then run.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use basalt_engine::Synchronous;

/// Serve databases over libSQL's Hrana protocol (HTTP and WebSocket).
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address for HTTP and WebSocket clients.
    #[arg(
        long,
        alias = "listen",
        env = "BASALT_HTTP_LISTEN_ADDR",
        default_value = "127.0.0.1:8080"
    )]
    pub http_listen_addr: SocketAddr,

    /// Directory for the databases (created if missing).
    #[arg(long, env = "BASALT_DATA_DIR", default_value = "basalt-data")]
    pub data_dir: PathBuf,

    /// Seconds an HTTP stream (an interactive transaction, say) may sit idle before it
    /// expires and is rolled back.
    #[arg(long, env = "BASALT_STREAM_IDLE_TIMEOUT", default_value_t = 10)]
    pub stream_idle_timeout: u64,

    /// Largest accepted request body in bytes (larger ones get 413).
    #[arg(long, env = "BASALT_MAX_REQUEST_BYTES", default_value_t = 32 << 20)]
    pub max_request_bytes: usize,

    /// Seconds a write waits for another transaction to finish before failing with
    /// SQLITE_BUSY (keep it above the stream idle timeout, so a writer queued behind an
    /// abandoned transaction outlasts its expiry).
    #[arg(long, env = "BASALT_WRITE_WAIT", default_value_t = 15)]
    pub write_wait: u64,

    /// Durability of commits: `normal` (libSQL's default: WAL, a power loss may lose the
    /// last commits but never corrupts) or `full` (sync every commit).
    #[arg(long, env = "BASALT_SYNCHRONOUS", default_value = "normal", value_parser = ["off", "normal", "full"])]
    pub synchronous: String,

    /// Do not keep a replication log: embedded replicas cannot sync from this server
    /// (writes forwarded with proxy.Proxy still work).
    #[arg(long, env = "BASALT_NO_REPLICATION_LOG")]
    pub no_replication_log: bool,

    /// Compact the replication log into a snapshot once it passes about this many
    /// megabytes.
    #[arg(long, env = "BASALT_MAX_LOG_SIZE", default_value_t = 200)]
    pub max_log_size: u64,

    /// Also serve native gRPC (replication services, h2c) on this address, as sqld's
    /// `--grpc-listen-addr`. The user HTTP port serves them in any case.
    #[arg(long, env = "BASALT_GRPC_LISTEN_ADDR")]
    pub grpc_listen_addr: Option<SocketAddr>,

    /// Run as a read replica of the Basalt (or sqld) primary at this URL
    /// (`http://host:port`): the data directory holds a replica of its database, kept
    /// current by streaming its replication log; reads are answered locally, writes are
    /// forwarded to the primary.
    #[arg(long, env = "BASALT_PRIMARY_URL", value_name = "URL")]
    pub primary: Option<String>,

    /// Auth token sent to the primary (with --primary).
    #[arg(
        long,
        env = "BASALT_PRIMARY_AUTH_TOKEN",
        default_value = "",
        hide_env_values = true
    )]
    pub primary_auth_token: String,
}

impl ServeArgs {
    fn config(&self) -> anyhow::Result<basalt_server::Config> {
        anyhow::ensure!(
            self.stream_idle_timeout > 0,
            "--stream-idle-timeout must be at least 1 second"
        );
        anyhow::ensure!(
            self.max_request_bytes >= 1024,
            "--max-request-bytes must be at least 1024"
        );
        let mut config = basalt_server::Config::new(&self.data_dir);
        config.stream_idle_timeout = std::time::Duration::from_secs(self.stream_idle_timeout);
        config.max_request_bytes = self.max_request_bytes;
        config.write_wait = std::time::Duration::from_secs(self.write_wait);
        anyhow::ensure!(
            self.max_log_size >= 1,
            "--max-log-size must be at least 1 (MB)"
        );
        config.replication_log = !self.no_replication_log;
        config.max_log_size = self.max_log_size.saturating_mul(1 << 20);
        config.grpc_listen_addr = self.grpc_listen_addr;
        config.primary_url = self.primary.clone();
        config.primary_auth_token = self.primary_auth_token.clone();
        config.synchronous = match self.synchronous.as_str() {
            "off" => Synchronous::Off,
            "full" => Synchronous::Full,
            _ => Synchronous::Normal,
        };
        Ok(config)
    }
}

/// Runs the server until SIGINT or SIGTERM.
pub fn run(args: &ServeArgs) -> anyhow::Result<()> {
    let config = args.config()?;
    let listen = args.http_listen_addr;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let addr = listener.local_addr()?;
        let server = basalt_server::Server::open(config).await?;
        let database = std::fs::canonicalize(server.database_path())
            .unwrap_or_else(|_| server.database_path().to_path_buf());
        let role = match &args.primary {
            Some(primary) => format!(", replica of {primary}"),
            None => String::new(),
        };
        println!(
            "Basalt {} listening on http://{addr} (database: {}{role}, auth: off — anyone who can reach this address can read and write)",
            env!("CARGO_PKG_VERSION"),
            database.display()
        );
        server.serve(listener, shutdown_signal()).await?;
        anyhow::Ok(())
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
