//! The `basalt` SDK as an application uses it: `Builder::new_local(..).build()`,
//! `conn.execute`, `conn.query`, `Rows::next` and `Row` getters. Everything runs inside
//! one `block_on` on a current-thread runtime, so the timings include the SDK's futures
//! but no scheduler hops (the local mode never yields).

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Result;
use basalt::{Builder, Connection, params};

use crate::workload::{self, Checksum, Workload};

/// Opens `path` and returns a connection. The SDK opens with the engine's defaults.
pub async fn open(path: &Path) -> Result<Connection> {
    let db = Builder::new_local(path).build().await?;
    // The `Database` only holds the path and options; the connection owns its own handle.
    Ok(db.connect()?)
}

/// Creates the table and inserts every row inside one SDK transaction.
pub async fn insert(conn: &Connection, w: &Workload) -> Result<Duration> {
    conn.execute(workload::CREATE, ()).await?;
    let start = Instant::now();
    let tx = conn.transaction().await?;
    for r in &w.rows {
        // `params!` takes owned values, so the text and blob are copied: that is the API.
        tx.execute(
            workload::INSERT,
            params![r.id, r.name.clone(), r.value, r.payload.clone()],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(start.elapsed())
}

/// Looks up every id in `w.lookup_ids`.
pub async fn lookups(conn: &Connection, w: &Workload) -> Result<(Duration, Checksum)> {
    let mut sum = Checksum::default();
    let start = Instant::now();
    for &id in &w.lookup_ids {
        read(conn, workload::LOOKUP, params![id], &mut sum).await?;
    }
    Ok((start.elapsed(), sum))
}

/// Reads every row of the table.
pub async fn scan(conn: &Connection) -> Result<(Duration, Checksum)> {
    let mut sum = Checksum::default();
    let start = Instant::now();
    read(conn, workload::SCAN, params![], &mut sum).await?;
    Ok((start.elapsed(), sum))
}

/// Uses the cheapest getters the SDK offers: `get_str` and `get_blob` borrow.
async fn read(
    conn: &Connection,
    sql: &str,
    params: basalt::Params,
    sum: &mut Checksum,
) -> Result<()> {
    let mut rows = conn.query(sql, params).await?;
    while let Some(row) = rows.next().await? {
        sum.add(row.get(0)?, row.get_str(1)?, row.get(2)?, row.get_blob(3)?);
    }
    Ok(())
}
