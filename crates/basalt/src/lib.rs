//! Basalt's Rust SDK, shaped like the `libsql` crate so its users feel at home:
//!
//! ```no_run
//! # async fn demo() -> basalt::Result<()> {
//! use basalt::{params, Builder};
//! let db = Builder::new_local("app.db").build().await?;
//! let conn = db.connect()?;
//! conn.execute("CREATE TABLE IF NOT EXISTS t(a INTEGER, b TEXT)", ()).await?;
//! conn.execute("INSERT INTO t VALUES (?1, ?2)", params![1, "one"]).await?;
//! let mut rows = conn.query("SELECT a, b FROM t", ()).await?;
//! while let Some(row) = rows.next().await? {
//!     let a: i64 = row.get(0)?;
//!     let b: String = row.get(1)?;
//!     println!("{a} {b}");
//! }
//! # Ok(()) }
//! ```
//!
//! A [`Database`] is chosen by its builder; every mode hands out the same [`Connection`]
//! type:
//! - [`Builder::new_local`]: SQLite on the calling thread (as the `libsql` crate's local
//!   mode does), so its async methods complete without yielding;
//! - [`Builder::new_remote`]: a Basalt or libSQL server over Hrana 3 HTTP;
//! - [`Builder::new_remote_replica`]: an embedded replica, a local file kept in sync
//!   with a primary over libSQL's replication protocol ([`replication`]); reads run
//!   locally, writes are forwarded to the primary.
#![warn(missing_docs)]

mod builder;
mod connection;
mod error;
mod local;
mod params;
mod remote;
mod replica;
pub mod replication;
mod rows;
mod transaction;

pub use basalt_engine::Value;
pub use builder::{Builder, Database, LocalBuilder, RemoteBuilder, RemoteReplicaBuilder};
pub use connection::{BatchRows, Connection, Statement};
pub use error::{Error, Result};
pub use params::{IntoParams, Params};
pub use replication::Replicated;
pub use rows::{Column, FromValue, Row, Rows, ValueType};
pub use transaction::{Transaction, TransactionBehavior};

/// Builds positional parameters: `params![1, "a", None::<i64>]`.
#[macro_export]
macro_rules! params {
    () => { $crate::Params::None };
    ($($value:expr),+ $(,)?) => {
        $crate::Params::Positional(vec![$($crate::Value::from($value)),+])
    };
}

/// Builds named parameters: `named_params! { ":a": 1, "@b": "x" }`.
#[macro_export]
macro_rules! named_params {
    () => { $crate::Params::None };
    ($($name:literal : $value:expr),+ $(,)?) => {
        $crate::Params::Named(vec![$(($name.to_string(), $crate::Value::from($value))),+])
    };
}
