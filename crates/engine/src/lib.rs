//! The Basalt engine: stock SQLite (linked once, through `rusqlite` with `bundled`) opened
//! with the defaults libSQL's server gives its connections, plus a small typed API that the
//! server and the SDK build on.
//!
//! The engine is synchronous and knows nothing of networking or async runtimes: callers
//! decide which thread a [`Connection`] lives on. Every SQLite error becomes an [`Error`]
//! that keeps SQLite's primary and extended result codes, so upper layers can report the
//! names clients match on (`SQLITE_CONSTRAINT`, `SQLITE_CONSTRAINT_UNIQUE`, …).
#![warn(missing_docs)]

mod code;
mod connection;
mod error;
mod extensions;
mod frontend;
mod params;
mod query;
pub mod replication;
mod value;
mod vector;

pub use code::{extended_code_name, primary_code_name};
pub use connection::{Connection, InterruptHandle, OpenOptions, Synchronous};
pub use error::{Error, Result, SqliteError};
pub use params::Params;
pub use query::{Column, QueryResult, Row, StatementInfo};
pub use value::Value;

/// The version of the bundled SQLite library, e.g. `3.54.1`.
pub fn sqlite_version() -> &'static str {
    rusqlite::version()
}

/// True when `sql` ends with a complete statement (SQLite's `sqlite3_complete`): the
/// last `;` is outside strings, comments and trigger bodies.
pub fn is_complete(sql: &str) -> bool {
    let Ok(text) = std::ffi::CString::new(sql) else {
        return false;
    };
    // SAFETY: `text` is a valid NUL-terminated string that outlives the call;
    // sqlite3_complete only reads it.
    unsafe { rusqlite::ffi::sqlite3_complete(text.as_ptr()) != 0 }
}

#[cfg(test)]
mod tests {
    #[test]
    fn completeness_follows_sqlite() {
        assert!(super::is_complete("SELECT 1;"));
        assert!(!super::is_complete("SELECT ';"));
        assert!(!super::is_complete(
            "CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1;"
        ));
        assert!(super::is_complete(
            "CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; END;"
        ));
    }
}
