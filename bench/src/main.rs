//! `basalt-bench`: two benchmarks in one program.
//!
//! - `local` (the default when no subcommand is given): the same workload (bulk INSERT,
//!   point SELECT by primary key, full scan) through raw `rusqlite`, `basalt-engine` and the
//!   `basalt` SDK, each on a fresh database file with the same pragmas and the same bundled
//!   SQLite; reports rows/s and the ratio to raw rusqlite.
//! - `server`: an in-process load generator against any Hrana server over HTTP and
//!   WebSocket (a `basalt serve` it spawns, or a URL, so libSQL's server can be measured the
//!   same way); reports ops/s, latency percentiles, errors and stalls per scenario.
//! - `vector`: the vector index (`libsql_vector_idx`, `vector_top_k`) on seeded clustered
//!   embeddings: indexed insert time, top-10 latency, recall@10 against exact search, and
//!   file bytes per vector.
//! - `replication`: a primary and a read-replica server (`basalt serve --primary`): lag
//!   from a write's acknowledgement to its visibility on the replica under a steady write
//!   load, and the initial sync time and apply rate of a 100 MB database.
//!
//! Both are plain binaries rather than criterion suites, so that a whole comparison builds
//! and runs in minutes. `local`'s `--runs` repeats everything and the best run (least
//! disturbed by other processes) is reported, with the median beside it.
//! Progress goes to stderr, the tables to stdout and (unless `--no-write`) to a Markdown
//! file, where each benchmark owns one section (`results_file`).

mod engine;
mod raw;
mod replication;
mod report;
mod results_file;
mod sdk;
mod server;
mod suite;
mod vector;
mod workload;

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Parser;
use clap::builder::RangedU64ValueParser;

/// Basalt benchmarks: `local` (the default) compares raw rusqlite, basalt-engine and the
/// basalt SDK on the same SQLite workload; `server` puts load on a Hrana server over HTTP
/// and WebSocket.
#[derive(Debug, Parser)]
#[command(name = "basalt-bench", version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// With no subcommand, the flags of `local`.
    #[command(flatten)]
    local: LocalArgs,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Compare raw rusqlite, basalt-engine and the basalt SDK on the same SQLite workload
    /// (the default).
    Local(LocalArgs),
    /// Load a Hrana server (spawned `basalt serve`, or --url) over HTTP and WebSocket.
    Server(server::ServerArgs),
    /// Vector index: indexed inserts, vector_top_k latency and recall@10 against exact
    /// search, file size per vector.
    Vector(vector::VectorArgs),
    /// Replication: lag from a primary to a read-replica server under a steady write
    /// load, and initial sync time and apply rate of a 100 MB database.
    Replication(replication::ReplicationArgs),
}

/// Flags of the local benchmark.
#[derive(Debug, clap::Args)]
struct LocalArgs {
    /// Rows to insert (in one transaction) and then scan.
    #[arg(long, default_value_t = 100_000, value_name = "N",
          value_parser = RangedU64ValueParser::<usize>::new().range(1..))]
    rows: usize,

    /// Point SELECTs by primary key, on uniformly random existing ids.
    #[arg(long, default_value_t = 200_000, value_name = "N",
          value_parser = RangedU64ValueParser::<usize>::new().range(1..))]
    point_lookups: usize,

    /// Repeat the whole comparison R times; report the best run (and the median).
    #[arg(long, default_value_t = 3, value_name = "R",
          value_parser = RangedU64ValueParser::<usize>::new().range(1..=100))]
    runs: usize,

    /// Seed for the generated rows and lookup ids (the run is deterministic given it).
    #[arg(long, default_value_t = 42)]
    seed: u64,

    /// Where to write the Markdown report [default: bench/RESULTS.md]
    #[arg(long, value_name = "PATH")]
    out: Option<PathBuf>,

    /// Only print the results; write no file.
    #[arg(long, conflicts_with = "out")]
    no_write: bool,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        None => run_local(&cli.local),
        Some(Command::Local(args)) => run_local(&args),
        Some(Command::Server(args)) => server::run(&args),
        Some(Command::Vector(args)) => vector::run(&args),
        Some(Command::Replication(args)) => replication::run(&args),
    }
}

fn run_local(args: &LocalArgs) -> Result<()> {
    if cfg!(debug_assertions) {
        eprintln!(
            "warning: debug build; run with `cargo run --release -p basalt-bench` for real numbers"
        );
    }
    let out = if args.no_write {
        None
    } else {
        // Anchored to this crate, not the working directory, so running from anywhere
        // updates the same file.
        Some(
            args.out
                .clone()
                .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("RESULTS.md")),
        )
    };

    eprintln!(
        "generating {} rows and {} lookup ids (seed {})",
        args.rows, args.point_lookups, args.seed
    );
    let w = workload::Workload::generate(args.rows, args.point_lookups, args.seed);
    let dir = tempfile::tempdir().context("creating a temp dir")?;
    eprintln!("databases in {}", dir.path().display());
    let timings = suite::run(dir.path(), &w, args.runs)?;

    let command = report::command_line(std::env::args().skip(1));
    let text = report::render(&timings, &command);
    println!("{text}");
    if let Some(out) = out {
        results_file::write_section(&out, "local", &text)?;
        eprintln!("wrote the local section of {}", out.display());
    }
    Ok(())
}
