//! `basalt-slt`: runs sqllogictest files against the Basalt engine with SQLite's driver
//! semantics and prints failures plus a closing `N passed, N failed, N skipped` line.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use basalt_slt::{EngineFactory, RunOptions, Storage, Summary, collect_test_files, run_files};
use clap::Parser;

/// Run sqllogictest files (SQLite's format) against the Basalt engine.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Test files, or directories searched recursively for `*.test`.
    #[arg(required = true)]
    paths: Vec<PathBuf>,

    /// Files run at the same time (default: the number of CPUs).
    #[arg(short, long, env = "BASALT_SLT_JOBS")]
    jobs: Option<usize>,

    /// Engine name matched by `skipif`/`onlyif`.
    #[arg(long, default_value = "sqlite")]
    engine: String,

    /// Hash results with more values than this, unless a file sets its own (0: never).
    #[arg(long, default_value_t = 8)]
    hash_threshold: usize,

    /// Put each file's database in a temporary file instead of memory.
    #[arg(long)]
    on_disk: bool,

    /// Print a line with the counts of every file.
    #[arg(short, long)]
    verbose: bool,
}

fn main() -> anyhow::Result<ExitCode> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();

    let files = collect_test_files(&args.paths).context("cannot list test files")?;
    anyhow::ensure!(!files.is_empty(), "no test files found");
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let factory = EngineFactory {
        storage: if args.on_disk {
            Storage::TempFile
        } else {
            Storage::Memory
        },
    };
    let options = RunOptions {
        engine: args.engine,
        hash_threshold: args.hash_threshold,
    };

    let reports = run_files(&files, &factory, &options, jobs);
    let mut total = Summary::default();
    let mut out = String::new();
    for report in &reports {
        report
            .write_failures(&mut out)
            .expect("writing to a String cannot fail");
        if args.verbose {
            out.push_str(&format!("{}: {}\n", report.path.display(), report.summary));
        }
        total.add(report.summary);
    }
    print!("{out}");
    println!("{total}");
    Ok(if total.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
