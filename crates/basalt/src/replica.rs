//! The embedded-replica backend: reads on the local replica file, writes forwarded to
//! the primary (LIBSQL-SURFACE.md §8.7).
//!
//! Each connection has a local engine connection and a `client_id`. A statement runs
//! locally when it is read-only (per `sqlite3_stmt_readonly`), or is `BEGIN READONLY`, or
//! runs inside a local (read-only) transaction. Everything else — writes, `BEGIN` of a
//! write transaction, and every statement while the primary reports the connection
//! inside a transaction — goes to `proxy.Proxy/Execute` under the connection's
//! `client_id`. With read-your-writes on, a forwarded statement that ends outside a
//! transaction returns only after the replica applied the primary's frame it reported.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use basalt_engine::{Column, Params, QueryResult};

use crate::error::{Error, Result};
use crate::local::{LocalConnection, LocalDatabase};
use crate::replication::{Kind, Proxy, Replicated, Replicator, Route, classify, route};

/// A replica database: the local file, the sync engine and the write proxy.
#[derive(Debug)]
pub(crate) struct ReplicaDatabase {
    local: LocalDatabase,
    shared: Arc<Shared>,
    periodic: Option<tokio::task::JoinHandle<()>>,
}

#[derive(Debug)]
struct Shared {
    replicator: tokio::sync::Mutex<Replicator>,
    proxy: Proxy,
    read_your_writes: bool,
}

impl Shared {
    async fn sync_until(&self, frame_no: u64) -> Result<Replicated> {
        self.replicator.lock().await.sync_until(frame_no).await
    }
}

impl ReplicaDatabase {
    pub(crate) fn open(
        replicator: Replicator,
        read_your_writes: bool,
        sync_interval: Option<Duration>,
    ) -> Result<ReplicaDatabase> {
        // The replica file exists now (Replica::open created it with 4096-byte pages).
        let local = LocalDatabase::open(
            replicator.db_path().to_path_buf(),
            basalt_engine::OpenOptions::default(),
        )?;
        let shared = Arc::new(Shared {
            proxy: replicator.proxy(),
            replicator: tokio::sync::Mutex::new(replicator),
            read_your_writes,
        });
        let periodic = sync_interval.map(|interval| {
            let weak = Arc::downgrade(&shared);
            tokio::spawn(sync_periodically(weak, interval))
        });
        Ok(ReplicaDatabase {
            local,
            shared,
            periodic,
        })
    }

    pub(crate) fn connect(&self) -> Result<ReplicaConnection> {
        Ok(ReplicaConnection {
            inner: Arc::new(Inner {
                local: self.local.connect()?,
                shared: Arc::clone(&self.shared),
                client_id: uuid::Uuid::new_v4().to_string(),
                remote: tokio::sync::Mutex::new(()),
                remote_txn: AtomicBool::new(false),
                used_remote: AtomicBool::new(false),
                last_insert_rowid: AtomicI64::new(0),
                changes: AtomicU64::new(0),
                total_changes: AtomicU64::new(0),
            }),
        })
    }

    pub(crate) async fn sync(&self) -> Result<Replicated> {
        self.shared.replicator.lock().await.sync().await
    }
}

impl Drop for ReplicaDatabase {
    fn drop(&mut self) {
        if let Some(task) = &self.periodic {
            task.abort();
        }
    }
}

/// Syncs now, then every `interval`, until the database is dropped.
async fn sync_periodically(shared: Weak<Shared>, interval: Duration) {
    loop {
        let Some(shared) = shared.upgrade() else {
            return;
        };
        if let Err(e) = shared.replicator.lock().await.sync().await {
            tracing::warn!(error = %e, "replica: periodic sync failed");
        }
        drop(shared);
        tokio::time::sleep(interval).await;
    }
}

/// One replica connection. Clones share it; the primary's connection for its
/// `client_id` is disconnected when the last clone is dropped.
#[derive(Debug, Clone)]
pub(crate) struct ReplicaConnection {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    local: LocalConnection,
    shared: Arc<Shared>,
    client_id: String,
    /// Held across a forwarded statement so this connection's statements reach the
    /// primary in order and the transaction flag follows them.
    remote: tokio::sync::Mutex<()>,
    /// The primary reported this connection inside a transaction.
    remote_txn: AtomicBool,
    /// A statement was forwarded: the primary may hold a connection for `client_id`.
    used_remote: AtomicBool,
    last_insert_rowid: AtomicI64,
    changes: AtomicU64,
    total_changes: AtomicU64,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if !self.used_remote.load(Ordering::Relaxed) {
            return;
        }
        // Best effort: without a runtime the primary collects the idle connection itself.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let proxy = self.shared.proxy.clone();
            let client_id = std::mem::take(&mut self.client_id);
            runtime.spawn(async move {
                if let Err(e) = proxy.disconnect(&client_id).await {
                    tracing::debug!(error = %e, "replica: Disconnect failed");
                }
            });
        }
    }
}

impl ReplicaConnection {
    pub(crate) fn local(&self) -> &LocalConnection {
        &self.inner.local
    }

    /// Decides where `sql` runs.
    pub(crate) fn route(&self, sql: &str) -> Route {
        let remote_txn = self.inner.remote_txn.load(Ordering::Relaxed);
        let local = &self.inner.local;
        // Its own statement: the lock guard must be gone before `is_readonly` locks again.
        let local_txn = !local.lock().is_autocommit();
        route(sql, remote_txn, local_txn, || {
            local.lock().is_readonly(sql).ok()
        })
    }

    /// Runs `sql` on the primary under this connection's `client_id`.
    pub(crate) async fn forward(&self, sql: &str, params: &Params) -> Result<QueryResult> {
        let inner = &self.inner;
        let forwarded = {
            let _order = inner.remote.lock().await;
            inner.used_remote.store(true, Ordering::Relaxed);
            let forwarded = inner
                .shared
                .proxy
                .execute(&inner.client_id, sql, params)
                .await;
            match &forwarded {
                Ok(f) => inner.remote_txn.store(f.in_transaction, Ordering::Relaxed),
                // The primary's state is unknown after a transport failure; a statement
                // error inside a transaction leaves it open, as SQLite does.
                Err(Error::Remote { .. }) => {}
                Err(_) => inner.remote_txn.store(false, Ordering::Relaxed),
            }
            forwarded?
        };
        let result = forwarded.result;
        if result.rows_affected > 0 || result.last_insert_rowid != 0 {
            inner
                .last_insert_rowid
                .store(result.last_insert_rowid, Ordering::Relaxed);
        }
        inner.changes.store(result.rows_affected, Ordering::Relaxed);
        inner
            .total_changes
            .fetch_add(result.rows_affected, Ordering::Relaxed);
        if inner.shared.read_your_writes
            && !forwarded.in_transaction
            && let Some(frame_no) = forwarded.frame_no
        {
            // The write happened on the primary whatever the sync does: report it, and
            // leave catching up to the next sync.
            if let Err(e) = inner.shared.sync_until(frame_no).await {
                tracing::warn!(error = %e, frame_no, "replica: read-your-writes sync failed");
            }
        }
        Ok(result)
    }

    /// Runs one statement where it belongs.
    pub(crate) async fn execute(&self, sql: &str, params: &Params) -> Result<QueryResult> {
        match self.route(sql) {
            Route::Local => Ok(self.inner.local.lock().execute(sql, params)?),
            Route::Primary => self.forward(sql, params).await,
        }
    }

    /// Runs a script statement by statement, each where it belongs.
    pub(crate) async fn execute_script(&self, sql: &str) -> Result<Vec<QueryResult>> {
        let mut results = Vec::new();
        for stmt in split_statements(sql) {
            match self.route(stmt) {
                Route::Local => self.inner.local.lock().execute_script(stmt, |r| {
                    results.push(r);
                    Ok(())
                })?,
                Route::Primary => results.push(self.forward(stmt, &Params::None).await?),
            }
        }
        Ok(results)
    }

    /// The columns `sql` would return: from the replica, else from the primary.
    pub(crate) async fn columns(&self, sql: &str) -> Result<Vec<Column>> {
        let local = self.inner.local.lock().columns(sql);
        match local {
            Ok(columns) => Ok(columns),
            Err(_) => {
                self.inner.used_remote.store(true, Ordering::Relaxed);
                self.inner
                    .shared
                    .proxy
                    .describe(&self.inner.client_id, sql)
                    .await
            }
        }
    }

    pub(crate) fn is_autocommit(&self) -> bool {
        !self.inner.remote_txn.load(Ordering::Relaxed) && self.inner.local.lock().is_autocommit()
    }

    pub(crate) fn in_remote_transaction(&self) -> bool {
        self.inner.remote_txn.load(Ordering::Relaxed)
    }

    pub(crate) fn last_insert_rowid(&self) -> i64 {
        self.inner.last_insert_rowid.load(Ordering::Relaxed)
    }

    pub(crate) fn changes(&self) -> u64 {
        self.inner.changes.load(Ordering::Relaxed)
    }

    pub(crate) fn total_changes(&self) -> u64 {
        self.inner.total_changes.load(Ordering::Relaxed)
    }
}

/// What the leading keywords of a statement say about routing.
/// Splits a script into statements at the `;` that complete one (per
/// `sqlite3_complete`, so `;` in strings, comments and trigger bodies do not split),
/// dropping statements that hold only whitespace and comments.
fn split_statements(sql: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, _) in sql.match_indices(';') {
        let candidate = &sql[start..=i];
        if basalt_engine::is_complete(candidate) {
            out.push(candidate);
            start = i + 1;
        }
    }
    out.push(&sql[start..]);
    out.retain(|s| classify(s) != Kind::Empty);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_scripts_like_sqlite() {
        assert_eq!(
            split_statements("SELECT 1; SELECT ';'; -- end\n"),
            vec!["SELECT 1;", " SELECT ';';"]
        );
        assert_eq!(
            split_statements(
                "CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; END; INSERT INTO x VALUES (1)"
            ),
            vec![
                "CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; END;",
                " INSERT INTO x VALUES (1)"
            ]
        );
        assert!(split_statements("  ").is_empty());
    }
}
