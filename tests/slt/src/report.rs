//! Outcomes: per-file reports, the failures they hold, and the closing summary line.

use std::fmt;
use std::path::PathBuf;

use crate::backend::BackendError;
use crate::script::ScriptError;

/// Most values shown per side when a result differs.
const SHOWN_VALUES: usize = 24;

/// What went wrong with one record (or a whole file).
#[derive(Debug)]
#[non_exhaustive]
pub enum FailureKind {
    /// The file could not be read.
    Read(std::io::Error),
    /// The file is not a valid script; none of it ran.
    Script(ScriptError),
    /// No database could be opened for the file.
    Open(BackendError),
    /// `statement ok` failed.
    StatementFailed(BackendError),
    /// `statement error` succeeded.
    StatementSucceeded,
    /// The query failed.
    QueryFailed(BackendError),
    /// The query's type string names a different number of columns than it returned.
    ColumnCount {
        /// Type letters in the record.
        expected: usize,
        /// Columns the query returned.
        got: usize,
    },
    /// A type letter other than `T`, `I` or `R`.
    UnknownType(char),
    /// The values differ from the expected ones.
    WrongValues {
        /// Lines in the file.
        expected: Vec<String>,
        /// Lines produced (sorted as the record asks).
        got: Vec<String>,
    },
    /// The hash of the values differs from the expected hash line.
    WrongHash {
        /// The file's `N values hashing to MD5` line.
        expected: String,
        /// The same line computed from the results.
        got: String,
        /// The first values produced, to help tell what went wrong.
        first_values: Vec<String>,
    },
    /// A labelled query disagrees with an earlier query with the same label.
    LabelMismatch {
        /// The shared label.
        label: String,
        /// Line of the first query with that label.
        first_line: usize,
        /// Hash line of the first query.
        expected: String,
        /// Hash line of this query.
        got: String,
    },
}

/// One failure, located in its file.
#[derive(Debug)]
pub struct Failure {
    /// The record's line (0 for failures of the whole file).
    pub line: usize,
    /// The record's SQL, if any.
    pub sql: Option<String>,
    /// What went wrong.
    pub kind: FailureKind,
}

/// Counts of records (statements and queries) by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Records that ran and matched.
    pub passed: usize,
    /// Records that ran and did not match, plus one per file that could not run.
    pub failed: usize,
    /// Records excluded by `skipif`/`onlyif` or following a `halt`.
    pub skipped: usize,
}

impl Summary {
    /// Adds `other`'s counts to this one.
    pub fn add(&mut self, other: Summary) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.skipped += other.skipped;
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} passed, {} failed, {} skipped",
            self.passed, self.failed, self.skipped
        )
    }
}

/// The outcome of one test file.
#[derive(Debug)]
pub struct FileReport {
    /// The file.
    pub path: PathBuf,
    /// Its counts.
    pub summary: Summary,
    /// Every failure, in file order.
    pub failures: Vec<Failure>,
}

impl FileReport {
    /// Writes one diagnostic block per failure.
    pub fn write_failures(&self, out: &mut impl fmt::Write) -> fmt::Result {
        for failure in &self.failures {
            write_failure(out, &self.path, failure)?;
        }
        Ok(())
    }
}

fn write_failure(
    out: &mut impl fmt::Write,
    path: &std::path::Path,
    failure: &Failure,
) -> fmt::Result {
    let title = match &failure.kind {
        FailureKind::Read(e) => format!("cannot read file: {e}"),
        FailureKind::Script(e) => format!("invalid script: {e}"),
        FailureKind::Open(e) => format!("cannot open a database: {e}"),
        FailureKind::StatementFailed(e) => format!("statement failed: {e}"),
        FailureKind::StatementSucceeded => "statement succeeded, an error was expected".to_owned(),
        FailureKind::QueryFailed(e) => format!("query failed: {e}"),
        FailureKind::ColumnCount { expected, got } => {
            format!(
                "wrong number of columns: the type string has {expected}, the query returned {got}"
            )
        }
        FailureKind::UnknownType(c) => format!("unknown column type letter {c:?}"),
        FailureKind::WrongValues { .. } => "wrong result".to_owned(),
        FailureKind::WrongHash { .. } => "wrong result hash".to_owned(),
        FailureKind::LabelMismatch {
            label, first_line, ..
        } => {
            format!("result differs from the earlier query labelled {label} (line {first_line})")
        }
    };
    writeln!(out, "{}:{}: {title}", path.display(), failure.line)?;
    if let Some(sql) = &failure.sql {
        for line in sql.lines() {
            writeln!(out, "    | {line}")?;
        }
    }
    match &failure.kind {
        FailureKind::WrongValues { expected, got } => {
            if let Some(index) =
                (0..expected.len().max(got.len())).find(|&i| expected.get(i) != got.get(i))
            {
                writeln!(
                    out,
                    "  first difference at value {} of {} expected / {} produced",
                    index + 1,
                    expected.len(),
                    got.len()
                )?;
            }
            write_values(out, "expected", expected)?;
            write_values(out, "got", got)?;
        }
        FailureKind::WrongHash {
            expected,
            got,
            first_values,
        } => {
            writeln!(out, "  expected: {expected}")?;
            writeln!(out, "  got:      {got}")?;
            write_values(out, "got values", first_values)?;
        }
        FailureKind::LabelMismatch { expected, got, .. } => {
            writeln!(out, "  earlier: {expected}")?;
            writeln!(out, "  this:    {got}")?;
        }
        _ => {}
    }
    Ok(())
}

fn write_values(out: &mut impl fmt::Write, name: &str, values: &[String]) -> fmt::Result {
    let shown = values.len().min(SHOWN_VALUES);
    writeln!(
        out,
        "  {name}: [{}{}]",
        values[..shown].join(", "),
        if shown < values.len() { ", …" } else { "" }
    )
}
