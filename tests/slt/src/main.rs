//! `basalt-slt`: runs sqllogictest files against the Basalt engine (in process, or through a
//! Basalt server over HTTP) with SQLite's driver semantics and prints failures plus a
//! closing `N passed, N failed, N skipped` line.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use basalt_slt::{
    BackendFactory, EngineFactory, HttpFactory, RunOptions, Storage, Summary, collect_test_files,
    run_files,
};
use clap::{Parser, ValueEnum};

/// Run sqllogictest files (SQLite's format) against Basalt, in process or over HTTP.
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

    /// Where records run: the engine in this process, or a Basalt server per file, over
    /// HTTP (Hrana `/v2/pipeline`).
    #[arg(long, value_enum, default_value_t = BackendKind::Engine)]
    backend: BackendKind,

    /// HTTP back-end: most records sent in one HTTP request (1: each record on its own).
    #[arg(
        long,
        default_value_t = HttpFactory::default().pipeline_depth,
        value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..)
    )]
    pipeline_depth: usize,

    /// Put each file's database in a temporary file instead of memory (engine back-end;
    /// the server's databases are always on disk).
    #[arg(long)]
    on_disk: bool,

    /// Print a line with the counts of every file.
    #[arg(short, long)]
    verbose: bool,
}

/// The back-ends `--backend` selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BackendKind {
    /// The Basalt engine in process.
    Engine,
    /// An in-process Basalt server per file, spoken to over HTTP.
    Http,
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
    let factory: Box<dyn BackendFactory> = match args.backend {
        BackendKind::Engine => Box::new(EngineFactory {
            storage: if args.on_disk {
                Storage::TempFile
            } else {
                Storage::Memory
            },
        }),
        BackendKind::Http => Box::new(HttpFactory {
            pipeline_depth: args.pipeline_depth,
        }),
    };
    let options = RunOptions {
        engine: args.engine,
        hash_threshold: args.hash_threshold,
    };

    let reports = run_files(&files, factory.as_ref(), &options, jobs);
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
