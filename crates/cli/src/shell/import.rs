//! `.import FILE TABLE`: load a CSV file into a table.
//!
//! As in sqlite3: when the table does not exist, the first record names its columns and
//! the table is created with TEXT columns; when it exists, every record is data. Records
//! with too few fields are padded with NULL, extra fields are dropped, each with a
//! warning on stderr. All rows go in one transaction (unless one is already open), so a
//! failed INSERT leaves the database as it was.

use std::path::Path;

use anyhow::{Context, Result, bail};
use basalt_engine::{Connection, Params, Value};

use super::value_text::always_quote_identifier;

/// One CSV record and the line it starts on (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    pub line: usize,
    pub fields: Vec<String>,
}

/// Parses RFC 4180 CSV: fields separated by `separator`, records by LF or CRLF; a field
/// in double quotes may hold separators, line breaks and `""` for a quote. Empty lines
/// are skipped.
pub(crate) fn parse_csv(text: &str, separator: char) -> Result<Vec<Record>> {
    let mut records = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while chars.peek().is_some() {
        let start_line = line;
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut quoted_any = false;
        loop {
            // At the start of a field.
            if chars.peek() == Some(&'"') {
                chars.next();
                quoted_any = true;
                loop {
                    match chars.next() {
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            field.push('"');
                        }
                        Some('"') => break,
                        Some(c) => {
                            if c == '\n' {
                                line += 1;
                            }
                            field.push(c);
                        }
                        None => bail!("line {start_line}: unterminated quoted field"),
                    }
                }
            }
            // Unquoted text, or anything between a closing quote and the separator.
            let mut end_of_record = true;
            while let Some(c) = chars.next() {
                if c == separator {
                    end_of_record = false;
                    break;
                }
                if c == '\n' {
                    line += 1;
                    break;
                }
                if c == '\r' && chars.peek() == Some(&'\n') {
                    continue;
                }
                field.push(c);
            }
            fields.push(std::mem::take(&mut field));
            if end_of_record {
                break;
            }
        }
        let blank_line = fields.len() == 1 && fields[0].is_empty() && !quoted_any;
        if !blank_line {
            records.push(Record {
                line: start_line,
                fields,
            });
        }
    }
    Ok(records)
}

/// Imports `file` into `table`, skipping the first `skip` records. Returns the rows
/// inserted. Warnings about ragged records go to stderr.
pub(crate) fn import(conn: &Connection, file: &Path, table: &str, skip: usize) -> Result<usize> {
    let bytes =
        std::fs::read(file).with_context(|| format!("cannot open \"{}\"", file.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut records = parse_csv(text, ',')
        .with_context(|| format!("{}", file.display()))?
        .into_iter()
        .skip(skip);

    let existing = conn
        .execute(
            "SELECT count(*) FROM pragma_table_info(?1)",
            &Params::Positional(vec![Value::Text(table.to_owned())]),
        )?
        .rows;
    let existing_columns = match existing.first().and_then(|r| r.first()) {
        Some(Value::Integer(n)) => usize::try_from(*n).unwrap_or(0),
        _ => 0,
    };

    let own_transaction = conn.is_autocommit();
    if own_transaction {
        conn.execute_batch("BEGIN")?;
    }
    let outcome = (|| -> Result<usize> {
        let width = if existing_columns > 0 {
            existing_columns
        } else {
            let Some(header) = records.next() else {
                bail!("{}: empty file", file.display());
            };
            let columns: Vec<String> = header
                .fields
                .iter()
                .map(|name| format!("{} TEXT", always_quote_identifier(name)))
                .collect();
            let create = format!(
                "CREATE TABLE {}({})",
                always_quote_identifier(table),
                columns.join(", ")
            );
            conn.execute_batch(&create)?;
            header.fields.len()
        };
        let placeholders = vec!["?"; width].join(",");
        let insert = format!(
            "INSERT INTO {} VALUES({placeholders})",
            always_quote_identifier(table)
        );
        let mut inserted = 0;
        for record in records {
            let found = record.fields.len();
            if found < width {
                eprintln!(
                    "{}:{}: expected {width} columns but found {found} - filling the rest with NULL",
                    file.display(),
                    record.line
                );
            } else if found > width {
                eprintln!(
                    "{}:{}: expected {width} columns but found {found} - extras ignored",
                    file.display(),
                    record.line
                );
            }
            let mut values: Vec<Value> = record
                .fields
                .into_iter()
                .take(width)
                .map(Value::Text)
                .collect();
            values.resize(width, Value::Null);
            conn.execute(&insert, &Params::Positional(values))
                .with_context(|| format!("{}:{}: INSERT failed", file.display(), record.line))?;
            inserted += 1;
        }
        Ok(inserted)
    })();
    if own_transaction {
        let end = if outcome.is_ok() {
            "COMMIT"
        } else {
            "ROLLBACK"
        };
        conn.execute_batch(end)?;
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> Vec<Vec<String>> {
        parse_csv(text, ',')
            .expect("parses")
            .into_iter()
            .map(|r| r.fields)
            .collect()
    }

    #[test]
    fn plain_and_quoted_fields() {
        assert_eq!(fields("a,b\n1,2\n"), vec![vec!["a", "b"], vec!["1", "2"]]);
        assert_eq!(fields("a,b\r\n1,2"), vec![vec!["a", "b"], vec!["1", "2"]]);
        assert_eq!(
            fields("\"x,y\",\"say \"\"hi\"\"\",\"two\nlines\"\n"),
            vec![vec!["x,y", "say \"hi\"", "two\nlines"]]
        );
        assert_eq!(fields("a,,\"\"\n"), vec![vec!["a", "", ""]]);
        assert_eq!(fields("a\n\nb\n"), vec![vec!["a"], vec!["b"]]);
        assert_eq!(fields("\"\"\n"), vec![vec![""]]);
    }

    #[test]
    fn record_lines() {
        let records = parse_csv("a\n\"b\nc\"\nd\n", ',').expect("parses");
        let lines: Vec<usize> = records.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![1, 2, 4]);
    }

    #[test]
    fn unterminated_quote_is_an_error() {
        let err = parse_csv("a\n\"open,\n", ',').expect_err("must fail");
        assert!(err.to_string().contains("line 2"), "{err}");
    }
}
