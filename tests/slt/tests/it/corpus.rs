//! Runs the whole sample of SQLite's sqllogictest corpus (shared/slt) against the engine.
//! Stock SQLite passes every record that applies to it, so any failure is a compatibility
//! bug in Basalt (or in the runner).

use std::path::PathBuf;

use basalt_slt::{EngineFactory, RunOptions, Summary, collect_test_files, run_files};

/// The corpus: `BASALT_SLT_DIR` if set, else `shared/slt` beside the repository.
fn corpus_dir() -> PathBuf {
    match std::env::var_os("BASALT_SLT_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/slt"),
    }
}

#[test]
fn sqlite_corpus_passes() {
    let dir = corpus_dir();
    assert!(
        dir.is_dir(),
        "sqllogictest corpus not found at {} (set BASALT_SLT_DIR to its directory)",
        dir.display()
    );
    let files = collect_test_files(std::slice::from_ref(&dir)).expect("list corpus files");
    assert!(!files.is_empty(), "no *.test files under {}", dir.display());

    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    let started = std::time::Instant::now();
    let reports = run_files(
        &files,
        &EngineFactory::default(),
        &RunOptions::default(),
        jobs,
    );

    let mut total = Summary::default();
    let mut diagnostics = String::new();
    for report in &reports {
        total.add(report.summary);
        report
            .write_failures(&mut diagnostics)
            .expect("writing to a String cannot fail");
    }
    eprintln!(
        "{} files in {:.1?}: {total}",
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
