//! Running scripts with the semantics of SQLite's own sqllogictest driver.
//!
//! Per file: a fresh database, the hash threshold reset to its default, an empty label
//! table. Records excluded by `skipif`/`onlyif` count as skipped; an applicable `halt`
//! skips everything after it. A query's values are formatted by their type letters, sorted
//! as the record asks, and compared either value by value or, when the file gives a
//! `N values hashing to MD5` line, by that line.
//!
//! Files run in parallel on scoped threads, largest first; reports come back in the order
//! the files were given, so output does not depend on scheduling.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::backend::{Backend, BackendError, BackendFactory, Outcome, QueryOutput, Work};
use crate::format::{self, ColumnType};
use crate::report::{Failure, FailureKind, FileReport, Summary};
use crate::script::{self, Command, Record, SortMode};

/// How records are judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOptions {
    /// The engine name `skipif`/`onlyif` compare with (case-blind).
    pub engine: String,
    /// Values above which results are hashed, until a file says otherwise; 0 never hashes.
    pub hash_threshold: usize,
}

impl Default for RunOptions {
    /// SQLite's driver: engine `sqlite`, threshold 8.
    fn default() -> Self {
        RunOptions {
            engine: "sqlite".to_owned(),
            hash_threshold: 8,
        }
    }
}

/// Records handed to a back-end at once ([`Backend::run`]). Bounds the results held before
/// they are judged; a back-end that pays per round trip sends each run in as few requests as
/// it safely can.
const RUN_LENGTH: usize = 256;

/// Runs the script `source` (named `path` in diagnostics) against `backend`.
pub fn run_script(
    path: &Path,
    source: &str,
    backend: &mut dyn Backend,
    options: &RunOptions,
) -> FileReport {
    let mut report = FileReport {
        path: path.to_path_buf(),
        summary: Summary::default(),
        failures: Vec::new(),
    };
    let records = match script::parse(source, &path.display().to_string()) {
        Ok(records) => records,
        Err(e) => {
            report.fail(Failure {
                line: 0,
                sql: None,
                kind: FailureKind::Script(e),
            });
            return report;
        }
    };
    let plan = plan(&records, options, &mut report.summary);
    let mut state = FileState {
        labels: HashMap::new(),
    };
    for run in plan.chunks(RUN_LENGTH) {
        let work: Vec<Work<'_>> = run.iter().filter_map(Planned::work).collect();
        let mut outcomes = backend.run(&work).into_iter();
        for planned in run {
            let outcome = planned.work().map(|_| {
                outcomes
                    .next()
                    .expect("a back-end returns one outcome per work item")
            });
            let (sql, kind) = state.judge(planned, outcome, backend);
            report.record(planned.record, sql, kind);
        }
    }
    tracing::debug!(path = %path.display(), summary = %report.summary, "file done");
    report
}

/// A statement or query record that applies, with the hash threshold in force at it.
struct Planned<'r> {
    record: &'r Record,
    hash_threshold: usize,
}

impl<'r> Planned<'r> {
    /// What the back-end must run for the record: nothing for a query whose type letters
    /// cannot be read (it fails without running, as in SQLite's driver).
    fn work(&self) -> Option<Work<'r>> {
        match &self.record.command {
            Command::Statement { sql, .. } => Some(Work::Execute(sql)),
            Command::Query { sql, types, .. } => {
                unknown_type(types).is_none().then_some(Work::Query(sql))
            }
            Command::Halt | Command::HashThreshold(_) => None,
        }
    }
}

/// The records that run, in order. Conditions and `halt` depend only on the engine name,
/// so they are settled up front; records they exclude are counted as skipped.
fn plan<'r>(
    records: &'r [Record],
    options: &RunOptions,
    summary: &mut Summary,
) -> Vec<Planned<'r>> {
    let mut hash_threshold = options.hash_threshold;
    let mut halted = false;
    let mut plan = Vec::new();
    for record in records {
        let excluded = halted
            || record
                .conditions
                .iter()
                .any(|c| c.excludes(&options.engine));
        if excluded {
            if record.is_counted() {
                summary.skipped += 1;
            }
            continue;
        }
        match &record.command {
            Command::Halt => halted = true,
            Command::HashThreshold(threshold) => hash_threshold = *threshold,
            Command::Statement { .. } | Command::Query { .. } => plan.push(Planned {
                record,
                hash_threshold,
            }),
        }
    }
    plan
}

/// The first type letter that is not `T`, `I` or `R`.
fn unknown_type(types: &[ColumnType]) -> Option<char> {
    types.iter().find_map(|t| match t {
        ColumnType::Unknown(letter) => Some(*letter),
        _ => None,
    })
}

/// Reads `path` and runs it on a fresh database from `factory`.
pub fn run_file(path: &Path, factory: &dyn BackendFactory, options: &RunOptions) -> FileReport {
    let failed = |kind| {
        let mut report = FileReport {
            path: path.to_path_buf(),
            summary: Summary::default(),
            failures: Vec::new(),
        };
        report.fail(Failure {
            line: 0,
            sql: None,
            kind,
        });
        report
    };
    let source = match std::fs::read(path) {
        // The corpus is ASCII; anything else is read the way a C program would see it,
        // with invalid UTF-8 replaced rather than rejected.
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => return failed(FailureKind::Read(e)),
    };
    let mut backend = match factory.open() {
        Ok(backend) => backend,
        Err(e) => return failed(FailureKind::Open(e)),
    };
    run_script(path, &source, backend.as_mut(), options)
}

/// Runs `paths` on up to `jobs` threads (at least one) and returns their reports in the
/// order of `paths`.
pub fn run_files(
    paths: &[PathBuf],
    factory: &dyn BackendFactory,
    options: &RunOptions,
    jobs: usize,
) -> Vec<FileReport> {
    // Largest files first: run time grows with size, and a big file started last would
    // run alone at the end while the other workers sit idle.
    let mut order: Vec<usize> = (0..paths.len()).collect();
    order.sort_by_cached_key(|&index| {
        std::cmp::Reverse(std::fs::metadata(&paths[index]).map_or(0, |m| m.len()))
    });
    let next = AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<FileReport>>> =
        Mutex::new((0..paths.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, paths.len().max(1)) {
            scope.spawn(|| {
                while let Some(&index) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let report = run_file(&paths[index], factory, options);
                    slots
                        .lock()
                        .expect("no worker panics while holding the lock")[index] = Some(report);
                }
            });
        }
    });
    slots
        .into_inner()
        .expect("workers have finished")
        .into_iter()
        .map(|slot| slot.expect("every file was run"))
        .collect()
}

impl FileReport {
    fn fail(&mut self, failure: Failure) {
        self.summary.failed += 1;
        self.failures.push(failure);
    }

    fn record(&mut self, record: &Record, sql: &str, outcome: Option<FailureKind>) {
        match outcome {
            None => self.summary.passed += 1,
            Some(kind) => self.fail(Failure {
                line: record.line,
                sql: Some(sql.to_owned()),
                kind,
            }),
        }
    }
}

/// What a file's earlier records leave behind for later ones (the hash threshold travels
/// with each [`Planned`] record).
struct FileState {
    /// Label → (line of the first query with it, its hash line).
    labels: HashMap<String, (usize, String)>,
}

impl FileState {
    /// Judges one record given what running it produced (`None` when it was not run);
    /// returns its SQL and the failure, if any.
    fn judge<'r>(
        &mut self,
        planned: &Planned<'r>,
        outcome: Option<Outcome>,
        backend: &mut dyn Backend,
    ) -> (&'r str, Option<FailureKind>) {
        let record = planned.record;
        match (&record.command, outcome) {
            (Command::Statement { sql, expect_ok }, Some(Outcome::Executed(result))) => {
                let kind = match (result, expect_ok) {
                    (Ok(()), true) => None,
                    (Err(e), false) if e.is_statement_error() => None,
                    (Err(e), _) => Some(FailureKind::StatementFailed(e)),
                    (Ok(()), false) => Some(FailureKind::StatementSucceeded),
                };
                (sql, kind)
            }
            (Command::Query { sql, types, .. }, outcome) => {
                let kind = match (unknown_type(types), outcome) {
                    (Some(letter), _) => Some(FailureKind::UnknownType(letter)),
                    (None, Some(Outcome::Queried(output))) => {
                        self.check_query(record, planned.hash_threshold, output, backend)
                    }
                    (None, _) => unreachable!("a readable query is run as a query"),
                };
                (sql, kind)
            }
            _ => unreachable!("statements are run as statements; nothing else is planned"),
        }
    }

    fn check_query(
        &mut self,
        record: &Record,
        hash_threshold: usize,
        output: Result<QueryOutput, BackendError>,
        backend: &mut dyn Backend,
    ) -> Option<FailureKind> {
        let Command::Query {
            types,
            sort,
            label,
            expected,
            ..
        } = &record.command
        else {
            unreachable!("check_query is only called for queries");
        };
        let output = match output {
            Ok(output) => output,
            Err(e) => return Some(FailureKind::QueryFailed(e)),
        };
        if let Some(error) = &output.stopped_by {
            // SQLite's driver ends the result at a stepping error and compares what it has.
            tracing::debug!(line = record.line, %error, "query stopped early");
        }
        if output.columns != types.len() {
            return Some(FailureKind::ColumnCount {
                expected: types.len(),
                got: output.columns,
            });
        }
        let mut real_text = |value: f64| backend.real_to_text(value);
        let mut rows: Vec<Vec<String>> = output
            .rows
            .iter()
            .map(|row| {
                row.iter()
                    .zip(types)
                    .map(|(value, ty)| {
                        format::format_value(value, *ty, &mut real_text)
                            .expect("type letters were checked")
                    })
                    .collect()
            })
            .collect();
        let values: Vec<String> = match sort {
            SortMode::NoSort => rows.into_iter().flatten().collect(),
            SortMode::RowSort => {
                // Vec<String> orders column by column with byte-wise string comparison,
                // which is the driver's strcmp over each row's values.
                rows.sort();
                rows.into_iter().flatten().collect()
            }
            SortMode::ValueSort => {
                let mut values: Vec<String> = rows.into_iter().flatten().collect();
                values.sort();
                values
            }
        };

        let hashing = hash_threshold > 0 && values.len() > hash_threshold;
        let hash =
            (hashing || label.is_some() || expected.len() == 1).then(|| format::hash_line(&values));
        // The file may give either form whatever the threshold; both pin the exact values.
        let mismatch = match expected.as_slice() {
            [line] if format::is_hash_line(line) => {
                let got = hash.clone().expect("computed for single-line expectations");
                (*line != got).then(|| FailureKind::WrongHash {
                    expected: line.clone(),
                    got,
                    first_values: values.clone(),
                })
            }
            _ => (*expected != values).then(|| FailureKind::WrongValues {
                expected: expected.clone(),
                got: values,
            }),
        };
        if mismatch.is_some() {
            return mismatch;
        }
        if let (Some(label), Some(hash)) = (label, hash) {
            match self.labels.get(label) {
                Some((first_line, first_hash)) if *first_hash != hash => {
                    return Some(FailureKind::LabelMismatch {
                        label: label.clone(),
                        first_line: *first_line,
                        expected: first_hash.clone(),
                        got: hash,
                    });
                }
                Some(_) => {}
                None => {
                    self.labels.insert(label.clone(), (record.line, hash));
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{EngineBackend, Storage};

    fn run(source: &str) -> FileReport {
        let mut backend = EngineBackend::open(Storage::Memory).expect("in-memory database");
        run_script(
            Path::new("snippet.test"),
            source,
            &mut backend,
            &RunOptions::default(),
        )
    }

    fn counts(report: &FileReport) -> (usize, usize, usize) {
        (
            report.summary.passed,
            report.summary.failed,
            report.summary.skipped,
        )
    }

    const SETUP: &str = "statement ok\nCREATE TABLE t(a INTEGER, b TEXT, c REAL)\n\n\
                         statement ok\nINSERT INTO t VALUES (1,'x',1.5),(2,'',NULL),(3,'y z',-0.25)\n\n";

    #[test]
    fn passing_records() {
        let source = format!(
            "{SETUP}query ITR rowsort\nSELECT a, b, c FROM t\n----\n1\nx\n1.500\n2\n(empty)\nNULL\n3\ny z\n-0.250\n\n\
             query T valuesort\nSELECT b FROM t\n----\n(empty)\nx\ny z\n\n\
             statement error\nSELECT * FROM missing\n\n"
        );
        let report = run(&source);
        assert_eq!(counts(&report), (5, 0, 0), "{:?}", report.failures);
    }

    #[test]
    fn wrong_value_fails() {
        let source =
            format!("{SETUP}query I nosort\nSELECT a FROM t ORDER BY a\n----\n1\n2\n4\n\n");
        let report = run(&source);
        assert_eq!(counts(&report), (2, 1, 0));
        assert_eq!(report.failures[0].line, 7);
        assert!(matches!(
            report.failures[0].kind,
            FailureKind::WrongValues { .. }
        ));
    }

    #[test]
    fn missing_or_extra_values_fail() {
        let fewer = run(&format!(
            "{SETUP}query I nosort\nSELECT a FROM t ORDER BY a\n----\n1\n2\n\n"
        ));
        assert_eq!(counts(&fewer), (2, 1, 0));
        let more = run(&format!(
            "{SETUP}query I nosort\nSELECT a FROM t ORDER BY a\n----\n1\n2\n3\n4\n\n"
        ));
        assert_eq!(counts(&more), (2, 1, 0));
    }

    #[test]
    fn statement_expectations_are_checked() {
        let report = run("statement ok\nSELECT * FROM missing\n\nstatement error\nSELECT 1\n\n");
        assert_eq!(counts(&report), (0, 2, 0));
        assert!(matches!(
            report.failures[0].kind,
            FailureKind::StatementFailed(_)
        ));
        assert!(matches!(
            report.failures[1].kind,
            FailureKind::StatementSucceeded
        ));
    }

    #[test]
    fn only_database_errors_satisfy_statement_error() {
        /// A back-end whose every request is lost on the way.
        struct Unreachable;
        impl Backend for Unreachable {
            fn execute(&mut self, _: &str) -> Result<(), BackendError> {
                Err(BackendError::Aborted)
            }
            fn query(&mut self, _: &str) -> Result<QueryOutput, BackendError> {
                Err(BackendError::Aborted)
            }
        }
        let report = run_script(
            Path::new("snippet.test"),
            "statement error\nSELECT * FROM missing\n\n",
            &mut Unreachable,
            &RunOptions::default(),
        );
        assert_eq!(counts(&report), (0, 1, 0));
        assert!(matches!(
            report.failures[0].kind,
            FailureKind::StatementFailed(BackendError::Aborted)
        ));
    }

    #[test]
    fn hashing_above_the_threshold() {
        let values: Vec<String> = (1..=9).map(|i| i.to_string()).collect();
        let hash = format::hash_line(&values);
        let sql = "WITH RECURSIVE s(v) AS (SELECT 1 UNION ALL SELECT v+1 FROM s WHERE v<9) SELECT v FROM s";
        let good = run(&format!("query I nosort\n{sql}\n----\n{hash}\n"));
        assert_eq!(counts(&good), (1, 0, 0), "{:?}", good.failures);
        let explicit = run(&format!(
            "query I nosort\n{sql}\n----\n{}\n",
            values.join("\n")
        ));
        assert_eq!(
            counts(&explicit),
            (1, 0, 0),
            "explicit values are accepted too"
        );
        let wrong = hash.replace("9 values", "10 values");
        let bad = run(&format!("query I nosort\n{sql}\n----\n{wrong}\n"));
        assert_eq!(counts(&bad), (0, 1, 0));
        let reordered = run(&format!(
            "query I nosort\n{sql} ORDER BY v DESC\n----\n{hash}\n"
        ));
        assert_eq!(counts(&reordered), (0, 1, 0), "hash depends on order");
        let sorted = run(&format!(
            "query I valuesort\n{sql} ORDER BY v DESC\n----\n{hash}\n"
        ));
        assert_eq!(counts(&sorted), (1, 0, 0));
    }

    #[test]
    fn conditions_and_halt() {
        let source = "skipif sqlite\nstatement ok\nSELECT 1\n\n\
                      onlyif mysql # comment\nstatement ok\nSELECT 1\n\n\
                      onlyif SQLite\nstatement ok\nSELECT 1\n\n\
                      onlyif mssql\nhalt\n\n\
                      statement ok\nSELECT 1\n\n\
                      onlyif sqlite\nhalt\n\n\
                      statement ok\nSELECT 1\n\n\
                      query I nosort\nSELECT 2\n----\n3\n\n";
        assert_eq!(counts(&run(source)), (2, 0, 4));
    }

    #[test]
    fn labels_must_agree() {
        let agree = run(
            "query I nosort label-1\nSELECT 1\n----\n1\n\nquery I nosort label-1\nSELECT 2-1\n----\n1\n\n",
        );
        assert_eq!(counts(&agree), (2, 0, 0));
        // The second query's own expectation matches, but it disagrees with the label.
        let disagree = run(
            "query I nosort label-1\nSELECT 1\n----\n1\n\nquery I nosort label-1\nSELECT 2\n----\n2\n\n",
        );
        assert_eq!(counts(&disagree), (1, 1, 0));
        assert!(matches!(
            disagree.failures[0].kind,
            FailureKind::LabelMismatch { first_line: 1, .. }
        ));
    }

    #[test]
    fn column_count_and_type_letters_are_checked() {
        let report =
            run("query II nosort\nSELECT 1\n----\n1\n\nquery X nosort\nSELECT 1\n----\n1\n\n");
        assert_eq!(counts(&report), (0, 2, 0));
        assert!(matches!(
            report.failures[0].kind,
            FailureKind::ColumnCount {
                expected: 2,
                got: 1
            }
        ));
        assert!(matches!(
            report.failures[1].kind,
            FailureKind::UnknownType('X')
        ));
    }

    #[test]
    fn an_error_while_stepping_ends_the_rows() {
        // As in SQLite's driver (and evidence/slt_lang_aggfunc.test): sum() overflowing
        // yields no rows rather than a failed query.
        let report = run("statement ok\nCREATE TABLE t(x INTEGER)\n\n\
                          statement ok\nINSERT INTO t VALUES (1<<62), (1<<62), (1<<62)\n\n\
                          query R nosort\nSELECT sum(x) FROM t\n----\n\n");
        assert_eq!(counts(&report), (3, 0, 0), "{:?}", report.failures);
    }

    #[test]
    fn failing_query_and_bad_script() {
        let report = run("query I nosort\nSELECT * FROM missing\n----\n1\n\n");
        assert!(matches!(
            report.failures[0].kind,
            FailureKind::QueryFailed(_)
        ));
        let report = run("statement maybe\nSELECT 1\n\n");
        assert_eq!(counts(&report), (0, 1, 0));
        assert!(matches!(report.failures[0].kind, FailureKind::Script(_)));
    }

    #[test]
    fn reals_in_text_columns_use_sqlites_own_text() {
        // 17 digits: the 15-digit text would not read back as the same double.
        let report =
            run("query TT nosort\nSELECT 1.0, 0.1 + 0.2\n----\n1.0\n0.30000000000000004\n\n");
        assert_eq!(counts(&report), (1, 0, 0), "{:?}", report.failures);
    }

    #[test]
    fn each_file_gets_a_fresh_database() {
        let dir = tempfile::tempdir().expect("temp dir");
        let create = "statement ok\nCREATE TABLE t(a)\n\n";
        let paths: Vec<PathBuf> = (0..4)
            .map(|i| {
                let path = dir.path().join(format!("{i}.test"));
                std::fs::write(&path, create).expect("write test file");
                path
            })
            .collect();
        for storage in [Storage::Memory, Storage::TempFile] {
            let factory = crate::backend::EngineFactory { storage };
            let reports = run_files(&paths, &factory, &RunOptions::default(), 3);
            let order: Vec<&Path> = reports.iter().map(|r| r.path.as_path()).collect();
            assert_eq!(
                order,
                paths.iter().map(PathBuf::as_path).collect::<Vec<_>>()
            );
            assert!(reports.iter().all(|r| r.summary
                == Summary {
                    passed: 1,
                    failed: 0,
                    skipped: 0
                }));
        }
    }
}
