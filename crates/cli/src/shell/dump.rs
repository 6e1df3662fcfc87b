//! `.dump [TABLE]`: the database (or some tables) as an SQL script that rebuilds it.
//!
//! The script has the shape the sqlite3 shell writes: `PRAGMA foreign_keys=OFF;`, a
//! transaction holding each table's `CREATE TABLE` followed by one `INSERT` per row, the
//! `sqlite_sequence` rows (so AUTOINCREMENT counters survive), then indexes, triggers and
//! views in creation order, then `COMMIT;`. Values are written so they read back
//! identically: reals round-trip exactly, text keeps quotes and newlines, blobs are
//! `X'..'` literals.

use std::io::Write;

use anyhow::Result;
use basalt_engine::{Connection, Params, Value};

use super::value_text::{always_quote_identifier, literal, quote_identifier};

/// Writes the dump script for every table, or for tables whose name is `LIKE pattern`.
pub(crate) fn dump(conn: &Connection, out: &mut dyn Write, pattern: Option<&str>) -> Result<()> {
    writeln!(out, "PRAGMA foreign_keys=OFF;")?;
    writeln!(out, "BEGIN TRANSACTION;")?;
    let filter = if pattern.is_some() {
        " AND name LIKE ?1"
    } else {
        ""
    };
    let tables = conn.execute(
        &format!(
            "SELECT name, sql FROM sqlite_schema \
             WHERE type = 'table' AND sql IS NOT NULL{filter} \
             ORDER BY tbl_name = 'sqlite_sequence', rowid"
        ),
        &params(pattern),
    )?;
    for row in &tables.rows {
        let (Value::Text(name), Value::Text(sql)) = (&row[0], &row[1]) else {
            continue;
        };
        dump_table(conn, out, name, sql)?;
    }

    let filter = if pattern.is_some() {
        " AND tbl_name LIKE ?1"
    } else {
        ""
    };
    let others = conn.execute(
        &format!(
            "SELECT sql FROM sqlite_schema \
             WHERE sql IS NOT NULL AND type IN ('index', 'trigger', 'view'){filter} \
             ORDER BY rowid"
        ),
        &params(pattern),
    )?;
    for row in &others.rows {
        if let Value::Text(sql) = &row[0] {
            writeln!(out, "{sql};")?;
        }
    }
    writeln!(out, "COMMIT;")?;
    Ok(())
}

fn params(pattern: Option<&str>) -> Params {
    match pattern {
        Some(p) => Params::Positional(vec![Value::Text(p.to_owned())]),
        None => Params::None,
    }
}

fn dump_table(conn: &Connection, out: &mut dyn Write, name: &str, sql: &str) -> Result<()> {
    if name == "sqlite_sequence" {
        // The table exists as soon as an AUTOINCREMENT table is created; replace the
        // counters the INSERTs above left in it with the original ones.
        writeln!(out, "DELETE FROM sqlite_sequence;")?;
    } else if name.starts_with("sqlite_stat") {
        writeln!(out, "ANALYZE sqlite_schema;")?;
    } else if name.starts_with("sqlite_") {
        return Ok(());
    } else if starts_with_ignore_case(sql, "CREATE VIRTUAL TABLE") {
        // The module recreates its own shadow tables; their rows are dumped as the
        // ordinary tables they are. Restoring virtual tables is not supported beyond this.
        writeln!(out, "{sql};")?;
        return Ok(());
    } else if let Some(rest) = quoted_create_table(sql) {
        // As sqlite3 does: a quoted name may clash with an existing table when the
        // script is loaded into a database that has one.
        writeln!(out, "CREATE TABLE IF NOT EXISTS {rest};")?;
    } else {
        writeln!(out, "{sql};")?;
    }

    // Generated columns cannot be inserted into; list the stored ones when there are any.
    let info = conn.execute(
        "SELECT name, hidden FROM pragma_table_xinfo(?1)",
        &Params::Positional(vec![Value::Text(name.to_owned())]),
    )?;
    let mut insertable = Vec::new();
    let mut skipped_any = false;
    for row in &info.rows {
        match (&row[0], &row[1]) {
            (Value::Text(column), Value::Integer(0)) => insertable.push(column.clone()),
            _ => skipped_any = true,
        }
    }
    if insertable.is_empty() {
        return Ok(());
    }
    let select_list: Vec<String> = insertable
        .iter()
        .map(|c| always_quote_identifier(c))
        .collect();
    let target = if skipped_any {
        let cols: Vec<String> = insertable.iter().map(|c| quote_identifier(c)).collect();
        format!("{}({})", quote_identifier(name), cols.join(","))
    } else {
        quote_identifier(name)
    };
    let mut write_error = None;
    let query = format!(
        "SELECT {} FROM {}",
        select_list.join(", "),
        always_quote_identifier(name)
    );
    let result = conn.query_with(&query, &Params::None, |row| {
        let values: Vec<String> = row.iter().map(literal).collect();
        if let Err(e) = writeln!(out, "INSERT INTO {target} VALUES({});", values.join(",")) {
            write_error = Some(e);
            // Stop the query; the write error is what gets reported.
            return Err(basalt_engine::Error::EmptyStatement);
        }
        Ok(())
    });
    if let Some(e) = write_error {
        return Err(e.into());
    }
    result?;
    Ok(())
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// For `CREATE TABLE "name"...` or `CREATE TABLE 'name'...`, the text after `CREATE TABLE `.
fn quoted_create_table(sql: &str) -> Option<&str> {
    const HEAD: &str = "CREATE TABLE ";
    if !starts_with_ignore_case(sql, HEAD) {
        return None;
    }
    let rest = &sql[HEAD.len()..];
    rest.starts_with(['"', '\'']).then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dump_text(conn: &Connection, pattern: Option<&str>) -> String {
        let mut out = Vec::new();
        dump(conn, &mut out, pattern).expect("dump runs");
        String::from_utf8(out).expect("UTF-8 dump")
    }

    #[test]
    fn dump_shape() {
        let conn = Connection::open_in_memory().expect("in-memory database");
        conn.execute_batch(
            "CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT, s TEXT, r REAL, b BLOB);
             INSERT INTO t(s, r, b) VALUES ('it''s', 0.1, x'00ff'), (NULL, 1e300, NULL);
             CREATE INDEX ti ON t(s);
             CREATE VIEW v AS SELECT * FROM t;
             CREATE TABLE \"odd name\"(x);
             INSERT INTO \"odd name\" VALUES (9223372036854775807);",
        )
        .expect("setup");
        assert_eq!(
            dump_text(&conn, None),
            "\
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT, s TEXT, r REAL, b BLOB);
INSERT INTO t VALUES(1,'it''s',0.1,X'00ff');
INSERT INTO t VALUES(2,NULL,1.0e+300,NULL);
CREATE TABLE IF NOT EXISTS \"odd name\"(x);
INSERT INTO \"odd name\" VALUES(9223372036854775807);
DELETE FROM sqlite_sequence;
INSERT INTO sqlite_sequence VALUES('t',2);
CREATE INDEX ti ON t(s);
CREATE VIEW v AS SELECT * FROM t;
COMMIT;
"
        );
        assert_eq!(
            dump_text(&conn, Some("odd%")),
            "\
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE IF NOT EXISTS \"odd name\"(x);
INSERT INTO \"odd name\" VALUES(9223372036854775807);
COMMIT;
"
        );
    }

    #[test]
    fn generated_columns_are_not_inserted() {
        let conn = Connection::open_in_memory().expect("in-memory database");
        conn.execute_batch(
            "CREATE TABLE g(a INTEGER, b INTEGER GENERATED ALWAYS AS (a * 2) VIRTUAL);
             INSERT INTO g(a) VALUES (3);",
        )
        .expect("setup");
        let text = dump_text(&conn, None);
        assert!(text.contains("INSERT INTO g(a) VALUES(3);"), "{text}");
        let copy = Connection::open_in_memory().expect("in-memory database");
        copy.execute_batch(&text).expect("dump loads");
        let rows = copy
            .execute("SELECT a, b FROM g", &Params::None)
            .expect("query")
            .rows;
        assert_eq!(rows, vec![vec![Value::Integer(3), Value::Integer(6)]]);
    }
}
