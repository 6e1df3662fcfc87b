//! Runs the whole sample of SQLite's sqllogictest corpus (shared/slt) against the engine, in
//! process and through a Basalt server over HTTP. Stock SQLite passes every record that
//! applies to it, so any failure is a compatibility bug in Basalt (or in the runner).

use std::path::PathBuf;

use basalt_slt::{
    BackendFactory, EngineFactory, HttpFactory, RunOptions, Summary, collect_test_files, run_files,
};

/// The corpus: `BASALT_SLT_DIR` if set, else `shared/slt` beside the repository.
fn corpus_dir() -> PathBuf {
    match std::env::var_os("BASALT_SLT_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/slt"),
    }
}

fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Runs every corpus file on `jobs` workers and asserts that no record failed.
fn corpus_passes(name: &str, factory: &dyn BackendFactory, jobs: usize) {
    let dir = corpus_dir();
    assert!(
        dir.is_dir(),
        "sqllogictest corpus not found at {} (set BASALT_SLT_DIR to its directory)",
        dir.display()
    );
    let files = collect_test_files(std::slice::from_ref(&dir)).expect("list corpus files");
    assert!(!files.is_empty(), "no *.test files under {}", dir.display());

    let started = std::time::Instant::now();
    let reports = run_files(&files, factory, &RunOptions::default(), jobs);

    let mut total = Summary::default();
    let mut diagnostics = String::new();
    for report in &reports {
        total.add(report.summary);
        report
            .write_failures(&mut diagnostics)
            .expect("writing to a String cannot fail");
    }
    eprintln!(
        "{name}: {} files in {:.1?}: {total}",
        files.len(),
        started.elapsed()
    );
    assert_eq!(total.failed, 0, "{diagnostics}{total}");
    assert!(total.passed > 0, "no record ran: {total}");
    // Every file has records SQLite runs; a file that ran none was misread.
    for report in &reports {
        assert!(
            report.summary.passed > 0,
            "{} ran no record: {}",
            report.path.display(),
            report.summary
        );
    }
}

#[test]
fn sqlite_corpus_passes() {
    corpus_passes("engine", &EngineFactory::default(), cpus());
}

#[test]
fn sqlite_corpus_passes_over_http() {
    // A worker spends much of its time waiting for the server's blocking thread, so twice
    // as many workers as CPUs keep the CPUs busy (measured: 47 s instead of 82 s with 2).
    corpus_passes("http", &HttpFactory::default(), 2 * cpus());
}
