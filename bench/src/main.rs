//! `basalt-bench`: one program that runs the same workload (bulk INSERT, point SELECT by
//! primary key, full scan) through raw `rusqlite`, `basalt-engine` and the `basalt` SDK,
//! each on a fresh database file with the same pragmas and the same bundled SQLite, and
//! reports rows/s and the ratio to raw rusqlite.
//!
//! It is a plain binary rather than a criterion suite so that a whole comparison builds and
//! runs in well under a minute; `--runs` repeats everything and the best run (least disturbed
//! by other processes) is reported, with the median beside it.
//! Progress goes to stderr, the tables to stdout and (unless `--no-write`) to a Markdown file.

mod engine;
mod raw;
mod report;
mod sdk;
mod suite;
mod workload;

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Parser;
use clap::builder::RangedU64ValueParser;

/// Compare raw rusqlite, basalt-engine and the basalt SDK on the same SQLite workload.
#[derive(Debug, Parser)]
#[command(name = "basalt-bench", version)]
struct Args {
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
    let args = Args::parse();
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
        std::fs::write(&out, &text).with_context(|| format!("writing {}", out.display()))?;
        eprintln!("wrote {}", out.display());
    }
    Ok(())
}
