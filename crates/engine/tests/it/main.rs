//! Engine integration tests: real SQLite files on disk.

mod defaults;
mod errors;
mod exec;
mod params;
mod replication;
mod sql_extensions;
mod stock_alter;
mod vector;
mod vector_index;

use basalt_engine::{Connection, OpenOptions, Params, Value};

/// A fresh database file in its own temporary directory.
pub struct TempDb {
    pub dir: tempfile::TempDir,
    pub conn: Connection,
}

impl TempDb {
    #[allow(clippy::new_without_default)] // creating a temporary directory is not a default
    pub fn new() -> TempDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let conn =
            Connection::open(dir.path().join("test.db"), &OpenOptions::default()).expect("open");
        TempDb { dir, conn }
    }

    pub fn path(&self) -> std::path::PathBuf {
        self.dir.path().join("test.db")
    }
}

/// The single value of a one-row, one-column query.
pub fn scalar(conn: &Connection, sql: &str) -> Value {
    let result = conn.execute(sql, &Params::None).expect(sql);
    assert_eq!(result.rows.len(), 1, "{sql}");
    result.rows[0][0].clone()
}
