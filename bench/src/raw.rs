//! The baseline: `rusqlite` used directly, as a performance-aware user would: cached
//! statements, typed access, text and blobs borrowed from SQLite's row buffer.
//!
//! The connection gets the pragmas the engine sets on its own connections, so the only
//! difference between stacks is the code between the caller and SQLite.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use rusqlite::Connection;

use crate::workload::{self, Checksum, Workload};

/// How statements are found and values passed. `Borrowed` is the headline baseline; the
/// other two exist to split the gap to the other stacks into its causes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// One statement prepared before the loop and reused; values borrowed.
    HeldStatement,
    /// `prepare_cached` on every statement run (as the engine does); values borrowed.
    Borrowed,
    /// As `Borrowed`, but text and blob are copied into `String`/`Vec<u8>` on the way in
    /// and out, as the engine's owned `Value` makes the other stacks do.
    Owned,
}

/// Opens `path` with the engine's pragmas: WAL, `synchronous=NORMAL`, foreign keys on.
pub fn open(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path).with_context(|| format!("opening {}", path.display()))?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.execute_batch(
        "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA journal_mode = WAL;",
    )?;
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
    ensure!(
        mode.eq_ignore_ascii_case("wal"),
        "journal_mode is {mode}, not WAL"
    );
    Ok(conn)
}

/// Creates the table and inserts every row in one transaction, reusing one prepared
/// statement (held, or found again in the statement cache on every row).
pub fn insert(conn: &Connection, w: &Workload, access: Access) -> Result<Duration> {
    conn.execute_batch(workload::CREATE)?;
    let start = Instant::now();
    conn.execute_batch("BEGIN")?;
    match access {
        Access::HeldStatement => {
            let mut stmt = conn.prepare(workload::INSERT)?;
            for r in &w.rows {
                stmt.execute(rusqlite::params![r.id, r.name, r.value, r.payload])?;
            }
        }
        Access::Borrowed => {
            for r in &w.rows {
                let mut stmt = conn.prepare_cached(workload::INSERT)?;
                stmt.execute(rusqlite::params![r.id, r.name, r.value, r.payload])?;
            }
        }
        Access::Owned => {
            for r in &w.rows {
                let (name, payload) = (r.name.clone(), r.payload.clone());
                let mut stmt = conn.prepare_cached(workload::INSERT)?;
                stmt.execute(rusqlite::params![r.id, name, r.value, payload])?;
            }
        }
    }
    conn.execute_batch("COMMIT")?;
    Ok(start.elapsed())
}

/// Looks up every id in `w.lookup_ids`.
pub fn lookups(conn: &Connection, w: &Workload, access: Access) -> Result<(Duration, Checksum)> {
    let mut sum = Checksum::default();
    let start = Instant::now();
    if access == Access::HeldStatement {
        let mut stmt = conn.prepare(workload::LOOKUP)?;
        for &id in &w.lookup_ids {
            let mut rows = stmt.query([id])?;
            while let Some(row) = rows.next()? {
                read_borrowed(row, &mut sum)?;
            }
        }
    } else {
        for &id in &w.lookup_ids {
            let mut stmt = conn.prepare_cached(workload::LOOKUP)?;
            let mut rows = stmt.query([id])?;
            while let Some(row) = rows.next()? {
                read(row, access, &mut sum)?;
            }
        }
    }
    Ok((start.elapsed(), sum))
}

/// Reads every row of the table.
pub fn scan(conn: &Connection, access: Access) -> Result<(Duration, Checksum)> {
    let mut sum = Checksum::default();
    let start = Instant::now();
    let mut stmt = conn.prepare_cached(workload::SCAN)?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        read(row, access, &mut sum)?;
    }
    Ok((start.elapsed(), sum))
}

#[inline]
fn read(row: &rusqlite::Row<'_>, access: Access, sum: &mut Checksum) -> Result<()> {
    match access {
        Access::HeldStatement | Access::Borrowed => read_borrowed(row, sum),
        Access::Owned => {
            let name: String = row.get(1)?;
            let payload: Vec<u8> = row.get(3)?;
            sum.add(row.get(0)?, &name, row.get(2)?, &payload);
            Ok(())
        }
    }
}

#[inline]
fn read_borrowed(row: &rusqlite::Row<'_>, sum: &mut Checksum) -> Result<()> {
    let name = row.get_ref(1)?.as_str()?;
    let payload = row.get_ref(3)?.as_blob()?;
    sum.add(row.get(0)?, name, row.get(2)?, payload);
    Ok(())
}
