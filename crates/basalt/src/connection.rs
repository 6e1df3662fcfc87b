//! Connections and prepared statements.

use std::collections::VecDeque;

use basalt_engine::{Params, QueryResult};

use crate::error::{Error, Result};
use crate::local::LocalConnection;
use crate::params::IntoParams;
use crate::remote::RemoteConnection;
use crate::replica::ReplicaConnection;
use crate::replication::Route;
use crate::rows::{Column, LazyColumns, Row, Rows};
use crate::transaction::{Transaction, TransactionBehavior};

/// A connection to a database. Cloning gives another handle to the same connection
/// (and the same transaction state); [`Database::connect`](crate::Database::connect)
/// gives an independent one.
#[derive(Debug, Clone)]
pub struct Connection {
    backend: Backend,
}

#[derive(Debug, Clone)]
enum Backend {
    Local(LocalConnection),
    Remote(RemoteConnection),
    Replica(ReplicaConnection),
}

impl Connection {
    pub(crate) fn local(conn: LocalConnection) -> Connection {
        Connection {
            backend: Backend::Local(conn),
        }
    }

    pub(crate) fn remote(conn: RemoteConnection) -> Connection {
        Connection {
            backend: Backend::Remote(conn),
        }
    }

    pub(crate) fn replica(conn: ReplicaConnection) -> Connection {
        Connection {
            backend: Backend::Replica(conn),
        }
    }

    async fn run(&self, sql: &str, params: &Params) -> Result<QueryResult> {
        match &self.backend {
            Backend::Local(c) => Ok(c.lock().execute(sql, params)?),
            Backend::Remote(c) => c.execute(sql, params).await,
            Backend::Replica(c) => c.execute(sql, params).await,
        }
    }

    /// Runs one statement and returns the number of rows it changed.
    pub async fn execute(&self, sql: &str, params: impl IntoParams) -> Result<u64> {
        Ok(self.run(sql, &params.into_params()).await?.rows_affected)
    }

    /// Runs one statement and returns its rows.
    pub async fn query(&self, sql: &str, params: impl IntoParams) -> Result<Rows> {
        let params = params.into_params();
        let result = match &self.backend {
            Backend::Local(c) => return local_query(c, sql, &params),
            Backend::Remote(c) => c.execute(sql, &params).await?,
            Backend::Replica(c) => match c.route(sql) {
                Route::Local => return local_query(c.local(), sql, &params),
                Route::Primary => c.forward(sql, &params).await?,
            },
        };
        let width = result.columns.len();
        Ok(Rows::new(
            LazyColumns::known(result.columns),
            width,
            result.rows,
        ))
    }

    /// Runs every statement in `sql` (no parameters), returning each one's rows. A remote
    /// connection runs the script as one Hrana `sequence`, which returns no rows.
    pub async fn execute_batch(&self, sql: &str) -> Result<BatchRows> {
        let mut results = VecDeque::new();
        match &self.backend {
            Backend::Local(c) => c.lock().execute_script(sql, |r| {
                results.push_back(r);
                Ok(())
            })?,
            Backend::Remote(c) => c.execute_batch(sql).await?,
            Backend::Replica(c) => results.extend(c.execute_script(sql).await?),
        }
        Ok(BatchRows { results })
    }

    /// Prepares a statement for repeated use.
    pub async fn prepare(&self, sql: &str) -> Result<Statement> {
        let columns = match &self.backend {
            Backend::Local(c) => c.lock().columns(sql)?,
            Backend::Remote(c) => c.columns(sql).await?,
            Backend::Replica(c) => c.columns(sql).await?,
        };
        Ok(Statement {
            conn: self.clone(),
            sql: sql.to_owned(),
            columns,
        })
    }

    /// Begins a deferred transaction.
    pub async fn transaction(&self) -> Result<Transaction> {
        self.transaction_with_behavior(TransactionBehavior::Deferred)
            .await
    }

    /// Begins a transaction of the given kind.
    pub async fn transaction_with_behavior(
        &self,
        behavior: TransactionBehavior,
    ) -> Result<Transaction> {
        self.run(behavior.begin_sql(), &Params::None).await?;
        Ok(Transaction::new(self.clone()))
    }

    /// True when no transaction is open.
    pub fn is_autocommit(&self) -> bool {
        match &self.backend {
            Backend::Local(c) => c.lock().is_autocommit(),
            Backend::Remote(c) => c.is_autocommit(),
            Backend::Replica(c) => c.is_autocommit(),
        }
    }

    /// Rows changed by the most recent INSERT, UPDATE or DELETE.
    pub fn changes(&self) -> u64 {
        match &self.backend {
            Backend::Local(c) => c.lock().changes(),
            Backend::Remote(c) => c.changes(),
            Backend::Replica(c) => c.changes(),
        }
    }

    /// Rows changed since the connection opened.
    pub fn total_changes(&self) -> u64 {
        match &self.backend {
            Backend::Local(c) => c.lock().total_changes(),
            Backend::Remote(c) => c.total_changes(),
            Backend::Replica(c) => c.total_changes(),
        }
    }

    /// The rowid of the most recent successful INSERT.
    pub fn last_insert_rowid(&self) -> i64 {
        match &self.backend {
            Backend::Local(c) => c.lock().last_insert_rowid(),
            Backend::Remote(c) => c.last_insert_rowid(),
            Backend::Replica(c) => c.last_insert_rowid(),
        }
    }

    /// Rolls back any open transaction without waiting (used when a transaction is
    /// dropped): at once for a local file, in the background for a remote server.
    pub(crate) fn rollback_now(&self) {
        match &self.backend {
            Backend::Local(c) => {
                // Nothing to report to: a failed rollback leaves SQLite's own state, which
                // the next BEGIN will surface.
                let _ = c.lock().execute("ROLLBACK", &Params::None);
            }
            Backend::Remote(c) => {
                if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                    let c = c.clone();
                    runtime.spawn(async move {
                        let _ = c.execute("ROLLBACK", &Params::None).await;
                    });
                }
            }
            Backend::Replica(c) => {
                if !c.in_remote_transaction() {
                    let _ = c.local().lock().execute("ROLLBACK", &Params::None);
                } else if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                    let c = c.clone();
                    runtime.spawn(async move {
                        let _ = c.forward("ROLLBACK", &Params::None).await;
                    });
                }
            }
        }
    }

    /// Interrupts the statement running on this connection, if any (local only).
    pub fn interrupt(&self) -> Result<()> {
        match &self.backend {
            Backend::Local(c) => c.interrupt(),
            Backend::Replica(c) => c.local().interrupt(),
            Backend::Remote(_) => {}
        }
        Ok(())
    }
}

/// Runs a query on a local engine connection, streaming its rows into one buffer.
fn local_query(c: &LocalConnection, sql: &str, params: &Params) -> Result<Rows> {
    let mut values = Vec::new();
    let (mut width, mut rows) = (0, 0);
    c.lock().query_with(sql, params, |row| {
        width = row.len();
        rows += 1;
        values.extend(row);
        Ok(())
    })?;
    if rows == 0 {
        width = c.lock().describe(sql).map_or(0, |info| info.columns.len());
    }
    let (conn, sql) = (c.clone(), sql.to_owned());
    let columns = LazyColumns::later(move || conn.lock().columns(&sql).unwrap_or_default());
    Ok(Rows::from_flat(columns, width, rows, values))
}

/// The results of [`Connection::execute_batch`], one per statement.
#[derive(Debug)]
pub struct BatchRows {
    results: VecDeque<QueryResult>,
}

impl BatchRows {
    /// The next statement's rows: `None` when all statements are consumed.
    pub fn next_stmt_row(&mut self) -> Option<Option<Rows>> {
        self.results.pop_front().map(|r| {
            if r.columns.is_empty() {
                None
            } else {
                let width = r.columns.len();
                Some(Rows::new(LazyColumns::known(r.columns), width, r.rows))
            }
        })
    }
}

/// A statement prepared on a connection. Running it reuses the connection's cached
/// SQLite statement.
#[derive(Debug, Clone)]
pub struct Statement {
    conn: Connection,
    sql: String,
    columns: Vec<Column>,
}

impl Statement {
    /// Runs the statement and returns the number of rows it changed.
    pub async fn execute(&mut self, params: impl IntoParams) -> Result<u64> {
        self.conn.execute(&self.sql, params).await
    }

    /// Runs the statement and returns its rows.
    pub async fn query(&mut self, params: impl IntoParams) -> Result<Rows> {
        self.conn.query(&self.sql, params).await
    }

    /// Runs the statement and returns its first row.
    pub async fn query_row(&mut self, params: impl IntoParams) -> Result<Row> {
        let mut rows = self.query(params).await?;
        rows.next().await?.ok_or(Error::QueryReturnedNoRows)
    }

    /// The statement's result columns.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Nothing to reset: each run binds afresh. Kept for `libsql` API parity.
    pub fn reset(&mut self) {}
}
