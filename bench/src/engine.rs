//! `basalt_engine::Connection` through its public API: `execute` for writes, and
//! `query_with` (rows streamed to a callback as `Vec<Value>`) or `execute` (rows collected
//! into a `QueryResult`, the path the SDK takes) for reads.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use basalt_engine::{Connection, OpenOptions, Params, Value};

use crate::workload::{self, Checksum, Workload};

/// Which engine call reads the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// `query_with`: each row handed to a callback. The headline engine figure.
    QueryWith,
    /// `execute`: all rows collected first, as the SDK does.
    Execute,
}

/// Opens `path` with the engine's defaults (WAL, `synchronous=NORMAL`, foreign keys on).
pub fn open(path: &Path) -> Result<Connection> {
    Ok(Connection::open(path, &OpenOptions::default())?)
}

/// Creates the table and inserts every row in one transaction; the engine reuses the
/// cached INSERT statement on each call.
pub fn insert(conn: &Connection, w: &Workload) -> Result<Duration> {
    conn.execute(workload::CREATE, &Params::None)?;
    let start = Instant::now();
    conn.execute("BEGIN", &Params::None)?;
    for r in &w.rows {
        // Parameters are owned values, so the text and blob are copied: that is the API.
        let params = Params::Positional(vec![
            Value::Integer(r.id),
            Value::Text(r.name.clone()),
            Value::Real(r.value),
            Value::Blob(r.payload.clone()),
        ]);
        conn.execute(workload::INSERT, &params)?;
    }
    conn.execute("COMMIT", &Params::None)?;
    Ok(start.elapsed())
}

/// Looks up every id in `w.lookup_ids`.
pub fn lookups(conn: &Connection, w: &Workload, api: Api) -> Result<(Duration, Checksum)> {
    let mut sum = Checksum::default();
    let mut bad_rows = 0usize;
    let start = Instant::now();
    for &id in &w.lookup_ids {
        let params = Params::Positional(vec![Value::Integer(id)]);
        read(
            conn,
            workload::LOOKUP,
            &params,
            api,
            &mut sum,
            &mut bad_rows,
        )?;
    }
    let elapsed = start.elapsed();
    if bad_rows > 0 {
        bail!("engine lookups: {bad_rows} rows had an unexpected shape");
    }
    Ok((elapsed, sum))
}

/// Reads every row of the table.
pub fn scan(conn: &Connection, api: Api) -> Result<(Duration, Checksum)> {
    let mut sum = Checksum::default();
    let mut bad_rows = 0usize;
    let start = Instant::now();
    read(
        conn,
        workload::SCAN,
        &Params::None,
        api,
        &mut sum,
        &mut bad_rows,
    )?;
    let elapsed = start.elapsed();
    if bad_rows > 0 {
        bail!("engine scan: {bad_rows} rows had an unexpected shape");
    }
    Ok((elapsed, sum))
}

#[inline]
fn read(
    conn: &Connection,
    sql: &str,
    params: &Params,
    api: Api,
    sum: &mut Checksum,
    bad_rows: &mut usize,
) -> Result<()> {
    match api {
        Api::QueryWith => {
            conn.query_with(sql, params, |row| {
                add(&row, sum, bad_rows);
                Ok(())
            })?;
        }
        Api::Execute => {
            for row in conn.execute(sql, params)?.rows {
                add(&row, sum, bad_rows);
            }
        }
    }
    Ok(())
}

/// The callback must return an engine error, which the bench cannot build; count
/// mismatches instead and fail after timing.
#[inline]
fn add(row: &[Value], sum: &mut Checksum, bad_rows: &mut usize) {
    match row {
        [
            Value::Integer(id),
            Value::Text(name),
            Value::Real(value),
            Value::Blob(payload),
        ] => {
            sum.add(*id, name, *value, payload);
        }
        _ => *bad_rows += 1,
    }
}
