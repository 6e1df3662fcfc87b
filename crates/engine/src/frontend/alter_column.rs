//! `ALTER TABLE t ALTER COLUMN c TO c <definition>` (libSQL), and Basalt's opt-in
//! `… CHECK EXISTING` that refuses the change when existing rows break the new definition.
//!
//! How it runs, inside one transaction (a savepoint if one is open):
//! 1. the new definition's syntax is checked by SQLite's own parser (a prepared, never
//!    run `ALTER TABLE p ADD COLUMN <definition>` on a private in-memory database), so
//!    syntax errors read exactly as libSQL's, with offsets into the caller's text;
//! 2. table and column are checked by preparing (not running) the equivalent stock
//!    `ALTER TABLE t RENAME COLUMN c TO c`, which gives libSQL's messages for a missing
//!    table, a view, a virtual table, a system table, an unknown column;
//! 3. the stored `CREATE TABLE` is split into columns properly ([`super::table_def`]) and
//!    the column's text is replaced by the new definition; PRIMARY KEY, UNIQUE and
//!    GENERATED may not be added or removed (libSQL's rule, as they change storage);
//! 4. the rewritten statement is prepared as a `CREATE TABLE` in the temp schema so
//!    SQLite validates it, then written to `sqlite_schema` under `writable_schema`, and
//!    `schema_version` is bumped so every connection reloads the schema;
//! 5. the table is prepared again (the schema must load), indexes are rebuilt if the
//!    collation changed, and with `CHECK EXISTING` rows are checked.
//!
//! Any failure rolls the transaction back: schema and data stay exactly as before.

use std::cell::RefCell;

use super::table_def::{ColumnFeatures, TableDef, column_features};
use super::token::{self, Kind, Token, quote_id};
use super::{in_transaction, sql_error, syntax_error};
use crate::error::{Error, Result, SqliteError};

/// A parsed `ALTER TABLE … ALTER COLUMN` statement.
#[derive(Debug)]
pub(crate) struct AlterColumn {
    sql: String,
    schema: Option<String>,
    table: String,
    /// Byte range of the second `ALTER` keyword.
    alter_kw: (usize, usize),
    /// Byte range of the old column name.
    old: (usize, usize),
    /// Byte range of the new definition, from the new name to its last token.
    def: (usize, usize),
    /// Basalt's `CHECK EXISTING` suffix was given.
    check_existing: bool,
}

/// What the change will do, once checked against the schema.
#[derive(Debug)]
pub(crate) struct Plan {
    schema: String,
    table: String,
    column: String,
    new_sql: String,
    features: ColumnFeatures,
    collate_changed: bool,
}

/// Recognises the statement; `Ok(None)` for stock `ALTER TABLE` forms.
pub(crate) fn parse(sql: &str, t: &[Token]) -> Result<Option<AlterColumn>> {
    if !t.get(1).is_some_and(|t| t.is_word(sql, "TABLE")) {
        return Ok(None);
    }
    let (schema, table, mut i) = match (t.get(2), t.get(3), t.get(4)) {
        (Some(s), Some(d), Some(n)) if s.is_name() && d.kind == Kind::Dot && n.is_name() => (
            Some(token::dequote(s.text(sql))),
            token::dequote(n.text(sql)),
            5,
        ),
        (Some(n), _, _) if n.is_name() => (None, token::dequote(n.text(sql)), 3),
        _ => return Ok(None),
    };
    let Some(alter) = t.get(i).filter(|t| t.is_word(sql, "ALTER")) else {
        return Ok(None);
    };
    i += 1;
    // libSQL requires the COLUMN keyword.
    match t.get(i) {
        Some(c) if c.is_word(sql, "COLUMN") => i += 1,
        other => return Err(syntax_error(sql, other)),
    }
    let old = match t.get(i) {
        Some(n) if n.is_name() => n,
        other => return Err(syntax_error(sql, other)),
    };
    i += 1;
    match t.get(i) {
        Some(to) if to.is_word(sql, "TO") => i += 1,
        other => return Err(syntax_error(sql, other)),
    }
    let new = match t.get(i) {
        Some(n) if n.is_name() => n,
        other => return Err(syntax_error(sql, other)),
    };
    let mut last = t.len() - 1;
    let check_existing =
        last >= i + 2 && t[last].is_word(sql, "EXISTING") && t[last - 1].is_word(sql, "CHECK");
    if check_existing {
        last -= 2;
    }
    Ok(Some(AlterColumn {
        sql: sql.to_owned(),
        schema,
        table,
        alter_kw: (alter.start, alter.end),
        old: (old.start, old.end),
        def: (new.start, t[last].end),
        check_existing,
    }))
}

thread_local! {
    /// A private in-memory database with one table, used to let SQLite's parser check a
    /// column definition's syntax without touching any real database.
    static PROBE: RefCell<Option<rusqlite::Connection>> = const { RefCell::new(None) };
}

impl AlterColumn {
    fn text(&self, range: (usize, usize)) -> &str {
        &self.sql[range.0..range.1]
    }

    /// Runs the change in a transaction.
    pub(crate) fn apply(&self, conn: &rusqlite::Connection) -> Result<()> {
        in_transaction(conn, || {
            let plan = self.plan(conn)?;
            // NOT NULL and CHECK are tested under the old definition: once a column is
            // declared NOT NULL, SQLite folds `c IS NULL` to false.
            if self.check_existing {
                check_existing_rows(conn, &plan)?;
            }
            self.write(conn, &plan)?;
            if self.check_existing {
                check_existing_references(conn, &plan)?;
            }
            Ok(())
        })
    }

    /// Every check SQLite would make when preparing the statement; nothing is written.
    pub(crate) fn plan(&self, conn: &rusqlite::Connection) -> Result<Plan> {
        self.check_definition_syntax()?;
        self.check_table_and_column(conn)?;
        let (schema, table) = self.locate(conn)?;
        let stored: String = conn.query_row(
            &format!(
                "SELECT sql FROM {}.sqlite_schema WHERE type = 'table' AND name = ?1",
                quote_id(&schema)
            ),
            [&table],
            |r| r.get(0),
        )?;
        let old_name = token::dequote(self.text(self.old));
        let def = TableDef::parse(&stored)
            .ok_or_else(|| sql_error(format!("cannot parse the schema of table {table}"), None))?;
        let element = def.column(&old_name).ok_or_else(|| {
            sql_error(
                format!("no such column: \"{}\"", self.text(self.old)),
                Some(self.old.0),
            )
        })?;
        // The name after TO is compared as written, quotes included (as libSQL does).
        let new_def = self.text(self.def);
        let new_tokens = token::significant(new_def);
        let new_name = new_tokens[0].text(new_def);
        if !new_name.eq_ignore_ascii_case(self.text(self.old)) {
            return Err(sql_error(
                format!(
                    "UPDATE cannot also rename column: \"{}\" to \"{}\". Use ALTER TABLE RENAME instead",
                    self.text(self.old),
                    new_name
                ),
                Some(self.old.0),
            ));
        }
        let before = column_features(&stored, &element.tokens);
        let after = column_features(new_def, &new_tokens);
        for (what, old, new) in [
            ("PRIMARY KEY", before.primary_key, after.primary_key),
            ("UNIQUE", before.unique, after.unique),
            ("GENERATED", before.generated, after.generated),
        ] {
            if old != new {
                return Err(sql_error(
                    format!(
                        "error in adding {new_def} to {table}: {what} constraint cannot be altered"
                    ),
                    None,
                ));
            }
        }
        let new_sql = format!(
            "{}{}{}",
            &stored[..element.start],
            new_def,
            &stored[element.end..]
        );
        check_create_statement(conn, &schema, &table, &new_sql)?;
        Ok(Plan {
            collate_changed: !before
                .collate
                .as_deref()
                .map(token::dequote)
                .unwrap_or_default()
                .eq_ignore_ascii_case(
                    &after
                        .collate
                        .as_deref()
                        .map(token::dequote)
                        .unwrap_or_default(),
                ),
            schema,
            table,
            column: element.column.clone().unwrap_or(old_name),
            new_sql,
            features: after,
        })
    }

    /// Lets SQLite parse the definition as the tail of `ALTER TABLE … ADD COLUMN`, which
    /// has the same grammar position as libSQL's ALTER COLUMN definition.
    fn check_definition_syntax(&self) -> Result<()> {
        const PREFIX: &str = "ALTER TABLE p ADD COLUMN ";
        let probe = format!("{PREFIX}{}", &self.sql[self.def.0..self.def.1]);
        let outcome = PROBE.with(|cell| -> Result<Option<Error>> {
            let mut slot = cell.borrow_mut();
            if slot.is_none() {
                let c = rusqlite::Connection::open_in_memory()?;
                c.execute_batch("CREATE TABLE p(basalt_probe_column)")?;
                *slot = Some(c);
            }
            let c = slot.as_ref().expect("set just above");
            Ok(c.prepare(&probe).err().map(Error::from))
        })?;
        match outcome {
            Some(Error::Sqlite(e)) if e.is_syntax_error() => Err(Error::Sqlite(SqliteError {
                offset: e
                    .offset
                    .filter(|&o| o >= PREFIX.len())
                    .map(|o| o - PREFIX.len() + self.def.0),
                ..e
            })),
            _ => Ok(()),
        }
    }

    /// Prepares the stock `ALTER TABLE t RENAME COLUMN c TO c` built from the caller's
    /// text, for SQLite's (and libSQL's) messages about the table and the column.
    fn check_table_and_column(&self, conn: &rusqlite::Connection) -> Result<()> {
        let old = self.text(self.old);
        let probe = format!(
            "{}RENAME{} TO {}",
            &self.sql[..self.alter_kw.0],
            &self.sql[self.alter_kw.1..self.old.1],
            old
        );
        match conn.prepare(&probe) {
            Ok(_) => Ok(()),
            Err(e) => match Error::from(e) {
                Error::Sqlite(e) => Err(Error::Sqlite(SqliteError {
                    // "RENAME" is one byte longer than "ALTER".
                    offset: e
                        .offset
                        .map(|o| if o > self.alter_kw.0 { o - 1 } else { o })
                        .filter(|&o| o < self.sql.len()),
                    ..e
                })),
                other => Err(other),
            },
        }
    }

    /// The schema holding the table, searched in SQLite's order (temp, main, attached),
    /// and the table's stored name.
    fn locate(&self, conn: &rusqlite::Connection) -> Result<(String, String)> {
        let found = conn.query_row(
            "SELECT schema, name FROM pragma_table_list \
             WHERE name = ?1 COLLATE NOCASE AND type = 'table' \
               AND (?2 IS NULL OR schema = ?2 COLLATE NOCASE) \
             ORDER BY schema = 'temp' DESC, schema = 'main' DESC LIMIT 1",
            (&self.table, &self.schema),
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
        );
        match found {
            Ok(found) => Ok(found),
            Err(rusqlite::Error::QueryReturnedNoRows) => {
                Err(sql_error(format!("no such table: {}", self.table), None))
            }
            Err(e) => Err(e.into()),
        }
    }

    fn write(&self, conn: &rusqlite::Connection, plan: &Plan) -> Result<()> {
        let schema = quote_id(&plan.schema);
        let version: i64 =
            conn.query_row(&format!("PRAGMA {schema}.schema_version"), [], |r| r.get(0))?;
        conn.execute_batch("PRAGMA writable_schema = ON")?;
        let updated = conn.execute(
            &format!(
                "UPDATE {schema}.sqlite_schema SET sql = ?1 WHERE type = 'table' AND name = ?2"
            ),
            (&plan.new_sql, &plan.table),
        )?;
        conn.execute_batch("PRAGMA writable_schema = OFF")?;
        if updated != 1 {
            return Err(sql_error(format!("no such table: {}", plan.table), None));
        }
        // Every connection compares the schema cookie before using its cached schema;
        // bumping it makes them all (this one included) reload the new definition.
        conn.execute_batch(&format!(
            "PRAGMA {schema}.schema_version = {}",
            version.wrapping_add(1)
        ))?;
        // The schema must still load and the table must still have the column.
        let table = quote_id(&plan.table);
        conn.prepare(&format!("SELECT * FROM {schema}.{table} LIMIT 0"))?;
        let present: i64 = conn.query_row(
            "SELECT count(*) FROM pragma_table_xinfo(?1, ?2) WHERE name = ?3 COLLATE NOCASE",
            (&plan.table, &plan.schema, &plan.column),
            |r| r.get(0),
        )?;
        if present != 1 {
            return Err(sql_error(
                format!("no such column: \"{}\"", plan.column),
                None,
            ));
        }
        if plan.collate_changed {
            // Index order depends on the column's collation: rebuild the indexes on this
            // column (libSQL leaves them in the old order, which integrity_check reports).
            let mut stmt = conn.prepare(
                "SELECT DISTINCT il.name FROM pragma_index_list(?1, ?2) AS il, \
                 pragma_index_xinfo(il.name, ?2) AS ii WHERE ii.name = ?3 COLLATE NOCASE",
            )?;
            let indexes = stmt
                .query_map((&plan.table, &plan.schema, &plan.column), |r| {
                    r.get::<_, String>(0)
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            for index in indexes {
                conn.execute_batch(&format!("REINDEX {schema}.{}", quote_id(&index)))?;
            }
        }
        Ok(())
    }
}

/// Prepares the rewritten `CREATE TABLE` (in the temp schema, never run) so SQLite checks
/// everything it checks on a new table: syntax, duplicate columns, CHECK expressions,
/// generated columns, STRICT types.
fn check_create_statement(
    conn: &rusqlite::Connection,
    schema: &str,
    table: &str,
    new_sql: &str,
) -> Result<()> {
    let tokens = token::significant(new_sql);
    let open = tokens
        .iter()
        .find(|t| t.kind == Kind::LParen)
        .map(|t| t.start)
        .ok_or_else(|| sql_error("malformed CREATE TABLE statement", None))?;
    let name = if schema.eq_ignore_ascii_case("temp") {
        format!("{table}_basalt_probe")
    } else {
        table.to_owned()
    };
    let probe = format!("CREATE TABLE temp.{} {}", quote_id(&name), &new_sql[open..]);
    match conn.prepare(&probe) {
        Ok(_) => Ok(()),
        Err(e) => match Error::from(e) {
            // A name clash with a temp table is no fault of the definition; an unknown
            // collation is accepted as libSQL (and SQLite's schema loader) accept it.
            Error::Sqlite(e)
                if e.message.contains("already exists")
                    || e.message.starts_with("no such collation sequence") =>
            {
                Ok(())
            }
            Error::Sqlite(e) => Err(Error::Sqlite(SqliteError { offset: None, ..e })),
            other => Err(other),
        },
    }
}

/// `CHECK EXISTING`: the first existing row that breaks the new NOT NULL, CHECK or
/// REFERENCES fails the whole change, naming the row.
fn check_existing_rows(conn: &rusqlite::Connection, plan: &Plan) -> Result<()> {
    let schema = quote_id(&plan.schema);
    let table = quote_id(&plan.table);
    let column = quote_id(&plan.column);
    let label = row_label(conn, plan)?;
    let first = |condition: &str| -> Result<Option<String>> {
        let sql = format!("SELECT {label} FROM {schema}.{table} WHERE {condition} LIMIT 1");
        let mut stmt = conn.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        Ok(match rows.next()? {
            Some(row) => Some(row.get::<_, String>(0)?),
            None => None,
        })
    };
    let fail = |code: i32, what: String, row: String| {
        Error::Sqlite(SqliteError {
            extended_code: code,
            message: format!("{what} (existing row: {row})"),
            offset: None,
        })
    };
    if plan.features.not_null
        && let Some(row) = first(&format!("{column} IS NULL"))?
    {
        return Err(fail(
            rusqlite::ffi::SQLITE_CONSTRAINT_NOTNULL,
            format!("NOT NULL constraint failed: {}.{}", plan.table, plan.column),
            row,
        ));
    }
    for check in &plan.features.checks {
        if let Some(row) = first(&format!("NOT ({check})"))? {
            return Err(fail(
                rusqlite::ffi::SQLITE_CONSTRAINT_CHECK,
                format!("CHECK constraint failed: {}", check.trim()),
                row,
            ));
        }
    }
    Ok(())
}

/// `CHECK EXISTING` for a new REFERENCES clause, once it is in the schema (SQLite's
/// foreign_key_check reads the declared keys).
fn check_existing_references(conn: &rusqlite::Connection, plan: &Plan) -> Result<()> {
    if plan.features.references {
        let found: Option<i64> = conn
            .query_row(
                "SELECT c.rowid FROM pragma_foreign_key_check(?1, ?2) AS c \
                 JOIN pragma_foreign_key_list(?1, ?2) AS l ON l.id = c.fkid \
                 WHERE l.\"from\" = ?3 COLLATE NOCASE LIMIT 1",
                (&plan.table, &plan.schema, &plan.column),
                |r| r.get(0),
            )
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e),
            })?;
        if let Some(rowid) = found {
            return Err(Error::Sqlite(SqliteError {
                extended_code: rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY,
                message: format!(
                    "FOREIGN KEY constraint failed: {}.{} (existing row: rowid {rowid})",
                    plan.table, plan.column
                ),
                offset: None,
            }));
        }
    }
    Ok(())
}

/// An SQL expression naming a row: `'rowid 3'`, or the primary key of a WITHOUT ROWID
/// table: `'primary key (''a'', 2)'`.
fn row_label(conn: &rusqlite::Connection, plan: &Plan) -> Result<String> {
    let without_rowid: bool = conn.query_row(
        "SELECT wr FROM pragma_table_list WHERE name = ?1 AND schema = ?2",
        (&plan.table, &plan.schema),
        |r| r.get(0),
    )?;
    if !without_rowid {
        return Ok("'rowid ' || rowid".to_owned());
    }
    let mut stmt =
        conn.prepare("SELECT name FROM pragma_table_info(?1, ?2) WHERE pk > 0 ORDER BY pk")?;
    let keys = stmt
        .query_map((&plan.table, &plan.schema), |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let parts: Vec<String> = keys
        .iter()
        .map(|k| format!("quote({})", quote_id(k)))
        .collect();
    Ok(format!(
        "'primary key (' || {} || ')'",
        parts.join(" || ', ' || ")
    ))
}
