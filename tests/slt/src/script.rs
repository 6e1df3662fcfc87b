//! Reading a test file into records, with the line rules of SQLite's driver.
//!
//! The `sqllogictest` crate does the parsing. Its dialect is a superset of SQLite's but reads
//! a few lines differently, so the text is normalised first, the way SQLite's driver reads
//! lines: `\r` endings are dropped, whitespace-only lines count as blank, `#` comment lines
//! are skipped wherever they appear, and on a record's header lines only the tokens SQLite
//! looks at are kept (`skipif mysql # not compatible` becomes `skipif mysql`). A table maps
//! normalised lines back to the file's own line numbers.
//!
//! Conditions are collected here too, from the condition lines themselves: the crate attaches
//! them only to statements and queries, while SQLite also applies them to `halt` and
//! `hash-threshold` (`onlyif mssql` + `halt` must not stop a SQLite run).

use sqllogictest::{ParseErrorKind, QueryExpect, SortMode as CrateSortMode, StatementExpect};

use crate::format::ColumnType;

/// A condition line before a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// `skipif ENGINE`: skip the record on that engine.
    SkipIf(String),
    /// `onlyif ENGINE`: run the record only on that engine.
    OnlyIf(String),
}

impl Condition {
    /// True when this condition excludes the record for `engine` (compared case-blind, as
    /// SQLite's driver does).
    pub fn excludes(&self, engine: &str) -> bool {
        match self {
            Condition::SkipIf(label) => label.eq_ignore_ascii_case(engine),
            Condition::OnlyIf(label) => !label.eq_ignore_ascii_case(engine),
        }
    }
}

/// How a query's values are ordered before comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortMode {
    /// As returned.
    #[default]
    NoSort,
    /// Rows sorted by their formatted values, column by column.
    RowSort,
    /// All values sorted on their own.
    ValueSort,
}

/// What a record asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// `statement ok` / `statement error`.
    Statement {
        /// SQL, possibly several statements.
        sql: String,
        /// True for `statement ok`.
        expect_ok: bool,
    },
    /// `query TYPES [SORT [LABEL]]` with its expected lines.
    Query {
        /// One statement.
        sql: String,
        /// One type letter per result column.
        types: Vec<ColumnType>,
        /// Ordering applied before comparison.
        sort: SortMode,
        /// Queries sharing a label must produce the same values.
        label: Option<String>,
        /// The lines under `----`: values, or one `N values hashing to MD5` line.
        expected: Vec<String>,
    },
    /// `hash-threshold N`.
    HashThreshold(usize),
    /// `halt`: ignore the rest of the file.
    Halt,
}

/// One record with the conditions written before it.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Line of the record's keyword in the file (1-based).
    pub line: usize,
    /// Conditions in the order written.
    pub conditions: Vec<Condition>,
    /// The record itself.
    pub command: Command,
}

impl Record {
    /// True for records counted in the summary (statements and queries).
    pub fn is_counted(&self) -> bool {
        matches!(
            self.command,
            Command::Statement { .. } | Command::Query { .. }
        )
    }
}

/// Why a test file could not be read as a script.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ScriptError {
    /// The `sqllogictest` parser rejected a line.
    #[error("line {line}: {kind}")]
    Syntax {
        /// Line in the file (1-based).
        line: usize,
        /// What the parser found wrong.
        kind: ParseErrorKind,
    },
    /// A record kind that SQLite's driver does not know (`include`, `system`, `query error`, …).
    #[error("line {line}: `{what}` is not part of SQLite's sqllogictest format")]
    Unsupported {
        /// Line in the file (1-based).
        line: usize,
        /// The record kind.
        what: &'static str,
    },
    /// A `skipif`/`onlyif` line not followed by a record in the same paragraph.
    #[error("line {line}: condition is not followed by a record")]
    DanglingCondition {
        /// Line of the condition (1-based).
        line: usize,
    },
}

/// The file's text as SQLite's driver sees it, plus the original line of each line kept.
struct Normalized {
    text: String,
    /// `lines[i]` is the 1-based file line of normalised line `i + 1`.
    lines: Vec<usize>,
    /// File line of the first condition that no record follows.
    dangling_condition: Option<usize>,
}

impl Normalized {
    fn file_line(&self, normalized_line: u32) -> usize {
        let index = usize::try_from(normalized_line)
            .unwrap_or(usize::MAX)
            .saturating_sub(1);
        self.lines
            .get(index)
            .or(self.lines.last())
            .copied()
            .unwrap_or(0)
    }
}

/// How many tokens of a header line SQLite's driver reads; the rest is ignored.
fn header_tokens(keyword: &str) -> Option<usize> {
    match keyword {
        "skipif" | "onlyif" | "statement" | "hash-threshold" => Some(2),
        "query" => Some(4),
        "halt" => Some(1),
        _ => None,
    }
}

fn normalize(source: &str) -> Normalized {
    let mut text = String::with_capacity(source.len());
    let mut lines = Vec::new();
    // Inside a record's body (SQL and results) lines are kept as they are; header lines
    // (conditions and the keyword line) are trimmed to the tokens SQLite reads.
    let mut in_body = false;
    let mut open_condition = None;
    let mut dangling_condition = None;
    for (index, line) in source.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.starts_with('#') {
            continue;
        }
        lines.push(index + 1);
        if line.trim().is_empty() {
            dangling_condition = dangling_condition.or(open_condition.take());
            in_body = false;
            text.push('\n');
            continue;
        }
        if in_body {
            text.push_str(line);
        } else {
            let tokens: Vec<&str> = line.split_whitespace().collect();
            match header_tokens(tokens[0]) {
                Some(keep) => {
                    text.push_str(&tokens[..keep.min(tokens.len())].join(" "));
                    in_body = !matches!(tokens[0], "skipif" | "onlyif");
                }
                None => {
                    text.push_str(line);
                    in_body = true;
                }
            }
            if in_body {
                open_condition = None;
            } else if open_condition.is_none() {
                open_condition = Some(index + 1);
            }
        }
        text.push('\n');
    }
    let dangling_condition = dangling_condition.or(open_condition);
    Normalized {
        text,
        lines,
        dangling_condition,
    }
}

/// Parses a test file's text into records.
pub fn parse(source: &str, name: &str) -> Result<Vec<Record>, ScriptError> {
    use sqllogictest::Record as R;

    let normalized = normalize(source);
    if let Some(line) = normalized.dangling_condition {
        return Err(ScriptError::DanglingCondition { line });
    }
    let parsed =
        sqllogictest::parse_with_name::<ColumnType>(&normalized.text, name).map_err(|e| {
            ScriptError::Syntax {
                line: normalized.file_line(e.location().line()),
                kind: e.kind(),
            }
        })?;

    let mut records = Vec::new();
    let mut pending: Vec<Condition> = Vec::new();
    for record in parsed {
        let (loc, command) = match record {
            // Normalisation already checked that every condition has a record after it.
            R::Comment(_) | R::Newline => continue,
            R::Condition(condition) => {
                pending.push(match condition {
                    sqllogictest::Condition::SkipIf { label } => Condition::SkipIf(label),
                    sqllogictest::Condition::OnlyIf { label } => Condition::OnlyIf(label),
                });
                continue;
            }
            R::Statement {
                loc, sql, expected, ..
            } => {
                let expect_ok = match expected {
                    StatementExpect::Ok => true,
                    StatementExpect::Error(_) => false,
                    StatementExpect::Count(_) => {
                        let line = normalized.file_line(loc.line());
                        return Err(ScriptError::Unsupported {
                            line,
                            what: "statement count",
                        });
                    }
                };
                (loc, Command::Statement { sql, expect_ok })
            }
            R::Query {
                loc, sql, expected, ..
            } => match expected {
                QueryExpect::Results {
                    types,
                    sort_mode,
                    label,
                    results,
                    ..
                } => {
                    let sort = match sort_mode {
                        None | Some(CrateSortMode::NoSort) => SortMode::NoSort,
                        Some(CrateSortMode::RowSort) => SortMode::RowSort,
                        Some(CrateSortMode::ValueSort) => SortMode::ValueSort,
                    };
                    // SQLite reads the label from the fourth token only; the crate also takes
                    // a third token that is not a sort mode as a label.
                    let label = if sort_mode.is_some() { label } else { None };
                    (
                        loc,
                        Command::Query {
                            sql,
                            types,
                            sort,
                            label,
                            expected: results,
                        },
                    )
                }
                QueryExpect::Error(_) => {
                    let line = normalized.file_line(loc.line());
                    return Err(ScriptError::Unsupported {
                        line,
                        what: "query error",
                    });
                }
            },
            R::HashThreshold { loc, threshold } => (
                loc,
                Command::HashThreshold(usize::try_from(threshold).unwrap_or(usize::MAX)),
            ),
            R::Halt { loc } => (loc, Command::Halt),
            other => {
                let (loc, what) = match other {
                    R::Include { loc, .. } => (Some(loc), "include"),
                    R::System { loc, .. } => (Some(loc), "system"),
                    R::Sleep { loc, .. } => (Some(loc), "sleep"),
                    R::Subtest { loc, .. } => (Some(loc), "subtest"),
                    R::Let { loc, .. } => (Some(loc), "let"),
                    R::Control(_) => (None, "control"),
                    R::Connection(_) => (None, "connection"),
                    _ => (None, "unknown record"),
                };
                // Records without a location follow the last record read.
                let line = match loc {
                    Some(loc) => normalized.file_line(loc.line()),
                    None => records.last().map_or(1, |r: &Record| r.line + 1),
                };
                return Err(ScriptError::Unsupported { line, what });
            }
        };
        records.push(Record {
            line: normalized.file_line(loc.line()),
            conditions: std::mem::take(&mut pending),
            command,
        });
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sqlite_style_records() {
        let source = "hash-threshold 8\r\n\r\n# a comment\r\nstatement ok\r\nCREATE TABLE t(a)\r\n  \r\n\
                      skipif mysql # not compatible\r\nonlyif sqlite\r\nquery IT rowsort label-1\r\n\
                      SELECT a,\r\n'x' FROM t\r\n----\r\n1\r\nx\r\n\r\nstatement error\r\nSELECT nope\r\n\r\n\
                      onlyif mssql\r\nhalt\r\n";
        let records = parse(source, "t.test").expect("parses");
        assert_eq!(records.len(), 5);
        assert_eq!(records[0].command, Command::HashThreshold(8));
        assert_eq!(records[1].line, 4);
        assert_eq!(
            records[2],
            Record {
                line: 9,
                conditions: vec![
                    Condition::SkipIf("mysql".into()),
                    Condition::OnlyIf("sqlite".into())
                ],
                command: Command::Query {
                    sql: "SELECT a,\n'x' FROM t".into(),
                    types: vec![ColumnType::Integer, ColumnType::Text],
                    sort: SortMode::RowSort,
                    label: Some("label-1".into()),
                    expected: vec!["1".into(), "x".into()],
                },
            }
        );
        assert_eq!(
            records[3].command,
            Command::Statement {
                sql: "SELECT nope".into(),
                expect_ok: false
            }
        );
        assert_eq!(records[4].line, 20);
        assert_eq!(
            records[4].conditions,
            vec![Condition::OnlyIf("mssql".into())]
        );
        assert_eq!(records[4].command, Command::Halt);
    }

    #[test]
    fn conditions_do_not_leak_past_halt() {
        let records = parse("onlyif mssql\nhalt\n\nstatement ok\nSELECT 1\n", "t").expect("parses");
        assert_eq!(records[1].conditions, vec![]);
    }

    #[test]
    fn third_token_is_a_sort_mode_not_a_label() {
        let records = parse("query I label-1\nSELECT 1\n----\n1\n", "t").expect("parses");
        let Command::Query { label, sort, .. } = &records[0].command else {
            panic!("a query")
        };
        assert_eq!((label, sort), (&None, &SortMode::NoSort));
    }

    #[test]
    fn rejects_what_sqlite_does_not_know() {
        assert!(matches!(
            parse("include other.test\n", "t"),
            Err(ScriptError::Unsupported {
                what: "include",
                ..
            })
        ));
        assert_eq!(
            parse(
                "statement ok\nSELECT 1\n\nonlyif sqlite\n\nstatement ok\nSELECT 1\n",
                "t"
            ),
            Err(ScriptError::DanglingCondition { line: 4 })
        );
        assert_eq!(
            parse("skipif mysql\n", "t"),
            Err(ScriptError::DanglingCondition { line: 1 })
        );
        assert!(matches!(
            parse("frobnicate\n", "t"),
            Err(ScriptError::Syntax { line: 1, .. })
        ));
    }
}
