//! Read-replica mode (`basalt serve --primary URL`): the served database is a replica
//! of the primary's, kept current by a follower task that streams the primary's
//! replication log (`LogEntries`) and applies each transaction as it commits. Sessions
//! read the local file; statements that write, and every statement of a write
//! transaction, are forwarded to the primary's `proxy.Proxy` under the session's own
//! `client_id`, and a forwarded write returns only once the local file has it
//! (read-your-writes).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use basalt::replication::{Forwarded, Proxy, Replicator};
use basalt_engine::{Error, Params, SqliteError};
use tokio::runtime::Handle;
use tokio::sync::watch;

/// How long a forwarded write waits for its frames to reach the local file before it is
/// answered anyway (the write happened; only the read-your-writes promise is late).
const CATCH_UP_WAIT: Duration = Duration::from_secs(10);
/// Longest pause between attempts to reach an unreachable primary.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// The primary a replica server follows and forwards writes to.
#[derive(Debug)]
pub struct Upstream {
    proxy: Proxy,
    applied: watch::Receiver<Option<u64>>,
    runtime: Handle,
    follower: tokio::task::JoinHandle<()>,
}

impl Upstream {
    /// Opens the replica file at `db_path`, brings it up to date with the primary at
    /// `url` when it is reachable (a replica that cannot reach it starts with what it
    /// has and keeps trying), and starts following.
    pub async fn start(
        db_path: &Path,
        url: &str,
        auth_token: &str,
    ) -> Result<Upstream, basalt::Error> {
        let mut replicator = Replicator::open(db_path, url, auth_token)?;
        match replicator.sync().await {
            Ok(done) => tracing::info!(
                primary = url,
                frame_no = ?done.frame_no(),
                frames = done.frames_synced(),
                "replica: caught up with the primary"
            ),
            Err(e) => {
                tracing::warn!(primary = url, error = %e, "replica: primary unreachable; serving the local copy")
            }
        }
        let (tx, applied) = watch::channel(replicator.frame_no());
        let proxy = replicator.proxy();
        let follower = tokio::spawn(follow_forever(replicator, tx));
        Ok(Upstream {
            proxy,
            applied,
            runtime: Handle::current(),
            follower,
        })
    }

    /// The last frame applied locally.
    pub fn applied_frame_no(&self) -> Option<u64> {
        *self.applied.borrow()
    }

    /// Runs one statement on the primary, blocking the calling (blocking-pool) thread,
    /// and waits until the local file has its effects when it ended a transaction.
    pub fn execute(&self, client_id: &str, sql: &str, params: &Params) -> Result<Forwarded, Error> {
        let forwarded = self
            .runtime
            .block_on(self.proxy.execute(client_id, sql, params))
            .map_err(forward_error)?;
        if !forwarded.in_transaction
            && let Some(frame_no) = forwarded.frame_no
            && !self.wait_applied(frame_no, CATCH_UP_WAIT)
        {
            tracing::warn!(
                frame_no,
                "replica: a forwarded write is not applied locally yet"
            );
        }
        Ok(forwarded)
    }

    /// Drops the primary's connection for `client_id` (in the background).
    pub fn disconnect(&self, client_id: String) {
        let proxy = self.proxy.clone();
        self.runtime.spawn(async move {
            if let Err(e) = proxy.disconnect(&client_id).await {
                tracing::debug!(error = %e, "replica: disconnect from the primary failed");
            }
        });
    }

    /// Blocks until the local file has applied `frame_no`, or `timeout` passes.
    pub fn wait_applied(&self, frame_no: u64, timeout: Duration) -> bool {
        let mut applied = self.applied.clone();
        self.runtime.block_on(async {
            tokio::time::timeout(
                timeout,
                applied.wait_for(|a| a.is_some_and(|a| a >= frame_no)),
            )
            .await
            .is_ok_and(|r| r.is_ok())
        })
    }
}

impl Drop for Upstream {
    fn drop(&mut self) {
        self.follower.abort();
    }
}

/// Follows the primary for as long as the server runs, reconnecting with back-off.
async fn follow_forever(mut replicator: Replicator, applied: watch::Sender<Option<u64>>) {
    let mut backoff = Duration::from_millis(50);
    loop {
        let result = replicator
            .follow(|frame_no| {
                applied.send_replace(Some(frame_no));
            })
            .await;
        match result {
            Ok(()) => backoff = Duration::from_millis(50),
            Err(e) => {
                tracing::warn!(error = %e, retry_in = ?backoff, "replica: following the primary failed");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

/// A forwarding failure as an engine error, so Hrana reports it like a local one: SQL
/// errors keep SQLite's code; transport failures are `SQLITE_IOERR`-class errors that
/// name the primary.
fn forward_error(e: basalt::Error) -> Error {
    match e {
        basalt::Error::Remote { code, message } => Error::Sqlite(SqliteError {
            extended_code: code_by_name(&code).unwrap_or(1),
            message,
            offset: None,
        }),
        other => Error::Sqlite(SqliteError {
            extended_code: 10, // SQLITE_IOERR
            message: format!("the primary could not run the statement: {other}"),
            offset: None,
        }),
    }
}

/// The extended result code whose name is `name` (`SQLITE_CONSTRAINT_UNIQUE` → 2067).
fn code_by_name(name: &str) -> Option<i32> {
    (0..=0x7fff).find(|&c| basalt_engine::extended_code_name(c) == name)
}

/// A replica session's state on the primary: its `client_id` and whether the primary
/// has a transaction open for it.
#[derive(Debug)]
pub struct RemoteSession {
    upstream: Arc<Upstream>,
    client_id: String,
    /// The primary reports this client inside a transaction.
    pub in_transaction: bool,
    used: bool,
}

impl RemoteSession {
    /// A session with a fresh `client_id`; nothing is sent until the first statement.
    pub fn new(upstream: Arc<Upstream>) -> RemoteSession {
        RemoteSession {
            upstream,
            client_id: uuid::Uuid::new_v4().to_string(),
            in_transaction: false,
            used: false,
        }
    }

    /// Forwards one statement, tracking the primary's transaction state.
    pub fn execute(
        &mut self,
        sql: &str,
        params: &Params,
    ) -> Result<basalt_engine::QueryResult, Error> {
        self.used = true;
        match self.upstream.execute(&self.client_id, sql, params) {
            Ok(forwarded) => {
                self.in_transaction = forwarded.in_transaction;
                Ok(forwarded.result)
            }
            Err(e) => Err(e),
        }
    }
}

impl Drop for RemoteSession {
    fn drop(&mut self) {
        if self.used {
            self.upstream
                .disconnect(std::mem::take(&mut self.client_id));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_names_map_back_to_codes() {
        assert_eq!(code_by_name("SQLITE_CONSTRAINT_UNIQUE"), Some(2067));
        assert_eq!(code_by_name("SQLITE_ERROR"), Some(1));
        assert_eq!(code_by_name("no such code"), None);
    }
}
