//! Transactions: `BEGIN` on creation, `COMMIT`/`ROLLBACK` explicitly, rollback on drop.

use std::ops::Deref;

use crate::connection::Connection;
use crate::error::Result;

/// How a transaction takes its locks (SQLite's `BEGIN DEFERRED|IMMEDIATE|EXCLUSIVE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TransactionBehavior {
    /// Locks are taken on first read/write.
    #[default]
    Deferred,
    /// The write lock is taken at once.
    Immediate,
    /// Like immediate; in WAL mode the same.
    Exclusive,
}

impl TransactionBehavior {
    pub(crate) fn begin_sql(self) -> &'static str {
        match self {
            TransactionBehavior::Deferred => "BEGIN DEFERRED",
            TransactionBehavior::Immediate => "BEGIN IMMEDIATE",
            TransactionBehavior::Exclusive => "BEGIN EXCLUSIVE",
        }
    }
}

/// An open transaction. It derefs to its [`Connection`] for running statements; if it is
/// dropped without [`commit`](Transaction::commit), it is rolled back.
#[derive(Debug)]
pub struct Transaction {
    conn: Connection,
    finished: bool,
}

impl Transaction {
    pub(crate) fn new(conn: Connection) -> Transaction {
        Transaction {
            conn,
            finished: false,
        }
    }

    /// Commits.
    pub async fn commit(mut self) -> Result<()> {
        self.finished = true;
        self.conn.execute("COMMIT", ()).await.map(drop)
    }

    /// Rolls back.
    pub async fn rollback(mut self) -> Result<()> {
        self.finished = true;
        self.conn.execute("ROLLBACK", ()).await.map(drop)
    }
}

impl Deref for Transaction {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        &self.conn
    }
}

impl Drop for Transaction {
    fn drop(&mut self) {
        if !self.finished && !self.conn.is_autocommit() {
            self.conn.rollback_now();
        }
    }
}
