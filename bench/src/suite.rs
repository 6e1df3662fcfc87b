//! Runs every step of the comparison `runs` times and keeps the timings.
//!
//! A step is one way of talking to SQLite: the three headline stacks (raw rusqlite, the
//! engine, the SDK) plus three in-between variants that split the gap into causes. Each
//! step, in each run, gets a fresh database file, inserts all rows, runs the point
//! lookups, then scans. Steps are rotated between runs so that no stack always goes
//! first (cold page cache, CPU frequency) or last.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, ensure};

use crate::workload::{Checksum, Workload};
use crate::{engine, raw, sdk};

/// One way of reaching SQLite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    RawHeld,
    Raw,
    RawOwned,
    Engine,
    EngineExecute,
    Sdk,
}

impl Step {
    /// In the order the breakdown reads: each step adds one layer of cost to the one above.
    pub const ALL: [Step; 6] = [
        Step::RawHeld,
        Step::Raw,
        Step::RawOwned,
        Step::Engine,
        Step::EngineExecute,
        Step::Sdk,
    ];

    /// The three stacks the headline table compares.
    pub const HEADLINE: [Step; 3] = [Step::Raw, Step::Engine, Step::Sdk];

    pub fn name(self) -> &'static str {
        match self {
            Step::RawHeld => "raw rusqlite, statement held",
            Step::Raw => "raw rusqlite",
            Step::RawOwned => "raw rusqlite, values copied",
            Step::Engine => "basalt-engine",
            Step::EngineExecute => "basalt-engine, rows collected",
            Step::Sdk => "basalt SDK",
        }
    }

    /// How the step talks to SQLite, for the breakdown table.
    pub fn how(self) -> &'static str {
        match self {
            Step::RawHeld => {
                "one `Statement` prepared before the loop; `&str`/`&[u8]` bound and read"
            }
            Step::Raw => "`prepare_cached` per statement run; `&str`/`&[u8]` bound and read",
            Step::RawOwned => {
                "as above, but text and blob copied into `String`/`Vec<u8>` going in and out"
            }
            Step::Engine => {
                "`Connection::execute` to write, `query_with` (rows streamed as `Vec<Value>`) to read"
            }
            Step::EngineExecute => {
                "`Connection::execute` for reads too: rows collected into a `QueryResult`"
            }
            Step::Sdk => {
                "`conn.execute` in a `transaction()`, `conn.query`, `Rows::next`, `Row::get`/`get_str`"
            }
        }
    }
}

/// The three workloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Insert,
    Lookup,
    Scan,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Insert, Kind::Lookup, Kind::Scan];
}

/// Full scans per run. One scan of the default table takes only 15-100 ms, short enough
/// for one scheduler hiccup to spoil it, so each run scans several times.
pub const SCAN_PASSES: usize = 3;

/// What one run of one step took.
#[derive(Debug, Clone)]
struct Sample {
    insert: Duration,
    lookup: Duration,
    scans: Vec<Duration>,
}

/// All timings: `times[step][kind]` holds one duration per run.
#[derive(Debug)]
pub struct Timings {
    pub rows: usize,
    pub lookups: usize,
    pub runs: usize,
    times: Vec<[Vec<Duration>; 3]>,
}

impl Timings {
    fn kind_index(kind: Kind) -> usize {
        match kind {
            Kind::Insert => 0,
            Kind::Lookup => 1,
            Kind::Scan => 2,
        }
    }

    fn step_index(step: Step) -> usize {
        Step::ALL
            .iter()
            .position(|&s| s == step)
            .expect("every step is in ALL")
    }

    /// Operations (rows) one run of `kind` performs.
    pub fn ops(&self, kind: Kind) -> usize {
        match kind {
            Kind::Insert | Kind::Scan => self.rows,
            Kind::Lookup => self.lookups,
        }
    }

    /// The median duration over the samples (the lower middle one for an even count).
    pub fn median(&self, step: Step, kind: Kind) -> Duration {
        let mut v = self.times[Self::step_index(step)][Self::kind_index(kind)].clone();
        v.sort();
        v[(v.len() - 1) / 2]
    }

    /// The fastest sample: the least disturbed by other processes, so the headline figure.
    pub fn best(&self, step: Step, kind: Kind) -> Duration {
        let v = &self.times[Self::step_index(step)][Self::kind_index(kind)];
        v.iter().copied().min().expect("at least one run")
    }

    /// Rows per second from a duration of one run.
    pub fn rate(&self, kind: Kind, d: Duration) -> f64 {
        self.ops(kind) as f64 / d.as_secs_f64()
    }

    /// Nanoseconds per row from a duration of one run.
    pub fn ns_per_op(&self, kind: Kind, d: Duration) -> f64 {
        d.as_secs_f64() * 1e9 / self.ops(kind) as f64
    }
}

/// Runs every step `runs` times in `dir` (the scan `SCAN_PASSES` times per run), checking each step read back exactly the rows
/// the workload wrote.
pub fn run(dir: &Path, w: &Workload, runs: usize) -> Result<Timings> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .context("building the runtime")?;
    let mut times: Vec<[Vec<Duration>; 3]> = Step::ALL.iter().map(|_| Default::default()).collect();
    for run in 0..runs {
        let mut order = Step::ALL;
        order.rotate_left(run % Step::ALL.len());
        for step in order {
            let path = dir.join(format!("run{run}-{step:?}.db"));
            let sample = run_step(step, &path, w, &rt)
                .with_context(|| format!("{} (run {})", step.name(), run + 1))?;
            remove_database(&path)?;
            let best_scan = sample.scans.iter().min().expect("at least one scan pass");
            eprintln!(
                "run {}/{runs}  {:<30} insert {:>7.1} ms  lookups {:>7.1} ms  scan {:>6.1} ms",
                run + 1,
                step.name(),
                sample.insert.as_secs_f64() * 1e3,
                sample.lookup.as_secs_f64() * 1e3,
                best_scan.as_secs_f64() * 1e3,
            );
            let slot = &mut times[Timings::step_index(step)];
            slot[0].push(sample.insert);
            slot[1].push(sample.lookup);
            slot[2].extend(sample.scans);
        }
    }
    Ok(Timings {
        rows: w.rows.len(),
        lookups: w.lookup_ids.len(),
        runs,
        times,
    })
}

fn run_step(step: Step, path: &Path, w: &Workload, rt: &tokio::runtime::Runtime) -> Result<Sample> {
    let (insert, (lookup, lookup_sum), scans) = match step {
        Step::RawHeld | Step::Raw | Step::RawOwned => {
            let access = match step {
                Step::RawHeld => raw::Access::HeldStatement,
                Step::Raw => raw::Access::Borrowed,
                _ => raw::Access::Owned,
            };
            let conn = raw::open(path)?;
            let insert = raw::insert(&conn, w, access)?;
            let lookups = raw::lookups(&conn, w, access)?;
            let scans = (0..SCAN_PASSES)
                .map(|_| raw::scan(&conn, access))
                .collect::<Result<Vec<_>>>()?;
            (insert, lookups, scans)
        }
        Step::Engine | Step::EngineExecute => {
            let api = if step == Step::Engine {
                engine::Api::QueryWith
            } else {
                engine::Api::Execute
            };
            let conn = engine::open(path)?;
            let insert = engine::insert(&conn, w)?;
            let lookups = engine::lookups(&conn, w, api)?;
            let scans = (0..SCAN_PASSES)
                .map(|_| engine::scan(&conn, api))
                .collect::<Result<Vec<_>>>()?;
            (insert, lookups, scans)
        }
        Step::Sdk => rt.block_on(async {
            let conn = sdk::open(path).await?;
            let insert = sdk::insert(&conn, w).await?;
            let lookups = sdk::lookups(&conn, w).await?;
            let mut scans = Vec::with_capacity(SCAN_PASSES);
            for _ in 0..SCAN_PASSES {
                scans.push(sdk::scan(&conn).await?);
            }
            anyhow::Ok((insert, lookups, scans))
        })?,
    };
    check("point lookups", lookup_sum, w.lookup_sum)?;
    for &(_, scan_sum) in &scans {
        check("scan", scan_sum, w.scan_sum)?;
    }
    Ok(Sample {
        insert,
        lookup,
        scans: scans.into_iter().map(|(d, _)| d).collect(),
    })
}

fn check(what: &str, got: Checksum, want: Checksum) -> Result<()> {
    ensure!(
        got == want,
        "{what} read back different data (checksum {got:?}, expected {want:?})"
    );
    Ok(())
}

/// Deletes a database and its WAL files so runs do not pile up gigabytes in the temp dir.
fn remove_database(path: &Path) -> Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        match std::fs::remove_file(&p) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(e).with_context(|| format!("removing {}", Path::new(&p).display()));
            }
            _ => {}
        }
    }
    Ok(())
}
