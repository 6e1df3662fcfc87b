//! Vector index DDL (LIBSQL-SURFACE.md §9.4–9.5): `CREATE INDEX … (libsql_vector_idx(col,
//! 'k=v', …))`, and the `DROP INDEX`, `DROP TABLE` and `REINDEX` statements that must also
//! drop or rebuild an index's shadow state.
//!
//! `CREATE INDEX` runs the user's statement unchanged (SQLite keeps it as an expression
//! index on `libsql_vector_idx(…)`, a deterministic function returning NULL, so the text
//! in `sqlite_schema` is exactly what libSQL stores), then creates libSQL's shadow tables
//! with libSQL's texts, the metadata row, and three triggers on the table:
//!
//! ```sql
//! CREATE TRIGGER "_basalt_vector_<idx>_insert" AFTER INSERT ON t FOR EACH ROW
//!   BEGIN SELECT libsql_vector_idx('basalt:insert', 'main', '<idx>', new.rowid, new.col); END;
//! CREATE TRIGGER "_basalt_vector_<idx>_delete" AFTER DELETE ON t FOR EACH ROW
//!   WHEN old.col IS NOT NULL
//!   BEGIN SELECT libsql_vector_idx('basalt:delete', 'main', '<idx>', old.rowid); END;
//! CREATE TRIGGER "_basalt_vector_<idx>_update" AFTER UPDATE ON t FOR EACH ROW
//!   WHEN old.rowid IS NOT new.rowid OR old.col IS NOT new.col
//!   BEGIN SELECT libsql_vector_idx('basalt:delete', 'main', '<idx>', old.rowid);
//!         SELECT libsql_vector_idx('basalt:insert', 'main', '<idx>', new.rowid, new.col); END;
//! ```
//!
//! and back-fills the existing rows. The insert trigger has no `WHEN new.col IS NOT
//! NULL`: an `INSERT OR REPLACE` of a NULL vector must still remove the replaced row's
//! node (REPLACE deletes fire no delete trigger while `recursive_triggers` is off). Everything runs in one transaction (a savepoint
//! inside the caller's), so a failure leaves nothing behind.
//!
//! A file written by libSQL has the shadow tables but no triggers, and an empty B-tree
//! for the index expression: [`adopt`] adds the triggers and rebuilds that B-tree when
//! the engine opens the file for writing.

use rusqlite::OptionalExtension;

use super::token::{self, Kind, Token, quote_id};
use super::{in_transaction, sql_error};
use crate::error::{Error, Result};
use crate::vector::VectorType;
use crate::vector::index::sql::{DELETE_MARKER, INSERT_MARKER};
use crate::vector::index::store::{META_TABLE_SQL, Store};
use crate::vector::index::{IndexError, params};

/// A parsed `CREATE INDEX … libsql_vector_idx(…)`.
#[derive(Debug)]
pub(crate) struct CreateVectorIndex {
    /// The statement as written, without a trailing `;`.
    stock: String,
    schema: Option<String>,
    name: String,
    table: String,
    column: String,
    options: Vec<String>,
    if_not_exists: bool,
}

/// `CREATE TRIGGER "_basalt_vector_…"`: one of an index's maintenance triggers, as a
/// dump of a Basalt database replays it after the `CREATE INDEX` that already made it.
#[derive(Debug)]
pub(crate) struct CreateMaintenanceTrigger {
    stock: String,
    schema: Option<String>,
    name: String,
}

/// Recognises `CREATE [TEMP] TRIGGER [IF NOT EXISTS] [schema.]_basalt_vector_…`.
pub(crate) fn parse_trigger(sql: &str, t: &[Token]) -> Option<CreateMaintenanceTrigger> {
    let mut i = 1;
    if !t.get(i)?.is_word(sql, "TRIGGER") {
        return None;
    }
    i += 1;
    if t.get(i)?.is_word(sql, "IF") {
        i += 3;
    }
    let (schema, name, _) = qualified_name(sql, t, i)?;
    if !name.starts_with("_basalt_vector_") {
        return None;
    }
    Some(CreateMaintenanceTrigger {
        stock: sql[t[0].start..t.last()?.end].to_owned(),
        schema,
        name,
    })
}

impl CreateMaintenanceTrigger {
    /// Creates the trigger unless it exists (the `CREATE INDEX` before it in a dump made
    /// it); returns false when the caller should run the statement as stock SQL.
    pub(crate) fn apply(&self, conn: &rusqlite::Connection) -> Result<bool> {
        let schema = self.schema.as_deref().unwrap_or("main");
        let n: i64 = conn.query_row(
            &format!(
                "SELECT count(*) FROM {}.sqlite_schema WHERE type = 'trigger' AND name = ?1",
                quote_id(schema)
            ),
            [&self.name],
            |r| r.get(0),
        )?;
        Ok(n > 0)
    }

    /// The statement as written.
    pub(crate) fn stock(&self) -> &str {
        &self.stock
    }
}

/// `DROP INDEX`, `DROP TABLE` or `REINDEX`, which may concern a vector index.
#[derive(Debug)]
pub(crate) struct VectorDdl {
    /// The statement as written.
    pub stock: String,
    kind: DdlKind,
    schema: Option<String>,
    name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DdlKind {
    DropIndex,
    DropTable,
    Reindex,
}

fn index_error(e: IndexError) -> Error {
    match e {
        IndexError::Sqlite(e) => e.into(),
        other => sql_error(other.to_string(), None),
    }
}

/// `[schema.]name` at `t[i]`: the parts and the index after them.
fn qualified_name(sql: &str, t: &[Token], i: usize) -> Option<(Option<String>, String, usize)> {
    match (t.get(i), t.get(i + 1), t.get(i + 2)) {
        (Some(s), Some(d), Some(n)) if s.is_name() && d.kind == Kind::Dot && n.is_name() => Some((
            Some(token::dequote(s.text(sql))),
            token::dequote(n.text(sql)),
            i + 3,
        )),
        (Some(n), _, _) if n.is_name() => Some((None, token::dequote(n.text(sql)), i + 1)),
        _ => None,
    }
}

/// Index of the `)` matching the `(` at `open`.
fn matching_paren(t: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (j, tok) in t.iter().enumerate().skip(open) {
        match tok.kind {
            Kind::LParen => depth += 1,
            Kind::RParen => {
                depth -= 1;
                if depth == 0 {
                    return Some(j);
                }
            }
            _ => {}
        }
    }
    None
}

/// Recognises `CREATE [UNIQUE] INDEX … ON t (libsql_vector_idx(…))`; `Ok(None)` for any
/// other CREATE statement.
pub(crate) fn parse_create(sql: &str, t: &[Token]) -> Result<Option<CreateVectorIndex>> {
    let mut i = 1;
    if t.get(i).is_some_and(|w| w.is_word(sql, "UNIQUE")) {
        i += 1;
    }
    if !t.get(i).is_some_and(|w| w.is_word(sql, "INDEX")) {
        return Ok(None);
    }
    i += 1;
    let mut if_not_exists = false;
    if t.get(i).is_some_and(|w| w.is_word(sql, "IF")) {
        if_not_exists = true;
        i += 3;
    }
    let Some((schema, name, next)) = qualified_name(sql, t, i) else {
        return Ok(None);
    };
    i = next;
    if !t.get(i).is_some_and(|w| w.is_word(sql, "ON")) {
        return Ok(None);
    }
    let Some(table) = t.get(i + 1).filter(|n| n.is_name()) else {
        return Ok(None);
    };
    let table = token::dequote(table.text(sql));
    let open = i + 2;
    if !t.get(open).is_some_and(|p| p.kind == Kind::LParen) {
        return Ok(None);
    }
    let Some(close) = matching_paren(t, open) else {
        return Ok(None);
    };
    let inner = &t[open + 1..close];
    let mentions = inner.iter().any(|w| w.is_word(sql, "libsql_vector_idx"));
    if !mentions {
        return Ok(None);
    }
    let one_column = || {
        sql_error(
            "vector index: must contain exactly one column wrapped into the libsql_vector_idx function",
            None,
        )
    };
    if !inner[0].is_word(sql, "libsql_vector_idx")
        || !inner.get(1).is_some_and(|p| p.kind == Kind::LParen)
    {
        return Err(one_column());
    }
    let fclose = matching_paren(inner, 1).ok_or_else(|| sql_error("incomplete input", None))?;
    let args = &inner[2..fclose];
    if args.is_empty() {
        // libSQL crashes here (§13.1).
        return Err(sql_error(
            "vector index: libsql_vector_idx needs the indexed column as its first argument",
            None,
        ));
    }
    let groups: Vec<&[Token]> = args.split(|x| x.kind == Kind::Comma).collect();
    let column = match groups[0] {
        [c] if matches!(c.kind, Kind::Word | Kind::QuotedId) => token::dequote(c.text(sql)),
        _ => {
            return Err(sql_error(
                "vector index: the first argument of libsql_vector_idx must be a column of the table",
                None,
            ));
        }
    };
    let mut options = Vec::new();
    for g in &groups[1..] {
        match g {
            [s] if s.kind == Kind::String => options.push(token::dequote(s.text(sql))),
            _ => {
                return Err(sql_error(
                    "vector index: all arguments after first must be strings",
                    None,
                ));
            }
        }
    }
    for tok in &inner[fclose + 1..] {
        if tok.is_word(sql, "COLLATE") {
            return Err(sql_error(
                "vector index: COLLATE is not allowed on a vector index",
                None,
            ));
        }
        if tok.kind == Kind::Comma {
            return Err(one_column());
        }
    }
    if t[close + 1..].iter().any(|w| w.is_word(sql, "WHERE")) {
        return Err(sql_error(
            "vector index: partial vector indexes (CREATE INDEX … WHERE) are not supported",
            None,
        ));
    }
    let stock = sql[t[0].start..t.last().expect("non-empty").end].to_owned();
    Ok(Some(CreateVectorIndex {
        stock,
        schema,
        name,
        table,
        column,
        options,
        if_not_exists,
    }))
}

/// Recognises `DROP INDEX`, `DROP TABLE` and `REINDEX name`.
pub(crate) fn parse_ddl(sql: &str, t: &[Token]) -> Option<VectorDdl> {
    let (kind, mut i) = if t.first()?.is_word(sql, "REINDEX") {
        (DdlKind::Reindex, 1)
    } else if t.get(1)?.is_word(sql, "INDEX") {
        (DdlKind::DropIndex, 2)
    } else if t.get(1)?.is_word(sql, "TABLE") {
        (DdlKind::DropTable, 2)
    } else {
        return None;
    };
    if kind != DdlKind::Reindex && t.get(i).is_some_and(|w| w.is_word(sql, "IF")) {
        i += 2;
    }
    let (schema, name, end) = qualified_name(sql, t, i)?;
    if end != t.len() {
        return None;
    }
    Some(VectorDdl {
        stock: sql[t[0].start..t[end - 1].end].to_owned(),
        kind,
        schema,
        name,
    })
}

fn meta_exists(conn: &rusqlite::Connection, schema: &str) -> Result<bool> {
    let n: i64 = conn.query_row(
        &format!(
            "SELECT count(*) FROM {}.sqlite_schema WHERE type = 'table' AND name = 'libsql_vector_meta_shadow'",
            quote_id(schema)
        ),
        [],
        |r| r.get(0),
    )?;
    Ok(n > 0)
}

/// The vector indexes of `schema` whose name (or, with `on_table`, whose table) is
/// `name`: their stored names.
fn vector_indexes(
    conn: &rusqlite::Connection,
    schema: &str,
    name: &str,
    on_table: bool,
) -> Result<Vec<String>> {
    if !meta_exists(conn, schema)? {
        return Ok(Vec::new());
    }
    let col = if on_table { "tbl_name" } else { "name" };
    let mut stmt = conn.prepare(&format!(
        "SELECT s.name FROM {q}.sqlite_schema AS s JOIN {q}.libsql_vector_meta_shadow AS m ON m.name = s.name \
         WHERE s.type = 'index' AND s.{col} = ?1 COLLATE NOCASE AND s.sql LIKE '%libsql_vector_idx%' ORDER BY s.name",
        q = quote_id(schema)
    ))?;
    let names = stmt
        .query_map([name], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(names)
}

/// The table and column a vector index covers, from its `CREATE INDEX` text.
pub(crate) fn indexed_column(
    conn: &rusqlite::Connection,
    schema: &str,
    index: &str,
) -> rusqlite::Result<Option<(String, String)>> {
    let row: Option<(String, String)> = conn
        .query_row(
            &format!(
                "SELECT tbl_name, sql FROM {}.sqlite_schema WHERE type = 'index' AND name = ?1",
                quote_id(schema)
            ),
            [index],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                ))
            },
        )
        .optional()?;
    let Some((table, sql)) = row else {
        return Ok(None);
    };
    let tokens = token::significant(&sql);
    Ok(parse_create(&sql, &tokens)
        .ok()
        .flatten()
        .map(|def| (table, def.column)))
}

fn trigger_name(index: &str, what: &str) -> String {
    format!("_basalt_vector_{index}_{what}")
}

fn sql_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// How an indexed table's rows are keyed in the index.
pub(crate) struct KeySpec {
    /// SQL for a row's key: `rowid`, or the quoted primary-key column of a WITHOUT ROWID
    /// table.
    pub expr: String,
    /// For a WITHOUT ROWID table with a non-INTEGER key: the shadow table's `index_key`
    /// type as libSQL writes it (affinity, then the collation name unless BINARY).
    keyed: Option<String>,
}

/// SQLite's affinity name for a declared type (datatype3.html §3.1).
fn affinity(decl: &str) -> &'static str {
    let d = decl.to_ascii_uppercase();
    if d.contains("INT") {
        "INTEGER"
    } else if d.contains("CHAR") || d.contains("CLOB") || d.contains("TEXT") {
        "TEXT"
    } else if d.contains("BLOB") || d.trim().is_empty() {
        "BLOB"
    } else if d.contains("REAL") || d.contains("FLOA") || d.contains("DOUB") {
        "REAL"
    } else {
        "NUMERIC"
    }
}

/// The key of `table`'s rows: the rowid, or the single primary-key column of a WITHOUT
/// ROWID table (a composite key is an error, as in libSQL).
pub(crate) fn key_spec(conn: &rusqlite::Connection, schema: &str, table: &str) -> Result<KeySpec> {
    let without_rowid: i64 = conn
        .query_row(
            "SELECT wr FROM pragma_table_list WHERE schema = ?1 AND name = ?2",
            [schema, table],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0);
    if without_rowid == 0 {
        return Ok(KeySpec {
            expr: "rowid".to_owned(),
            keyed: None,
        });
    }
    let pk: Vec<(String, String)> = {
        let mut stmt = conn
            .prepare("SELECT name, type FROM pragma_table_info(?1, ?2) WHERE pk > 0 ORDER BY pk")?;
        stmt.query_map([table, schema], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    let [(column, decl)] = pk.as_slice() else {
        return Err(index_error(IndexError::CompositeWithoutRowid));
    };
    let aff = affinity(decl);
    let keyed = if aff == "INTEGER" {
        None
    } else {
        let coll: Option<String> = conn
            .query_row(
                "SELECT coll FROM pragma_index_xinfo((SELECT name FROM pragma_index_list(?1, ?2)                  WHERE origin = 'pk'), ?2) WHERE key AND cid >= 0",
                [table, schema],
                |r| r.get(0),
            )
            .optional()?;
        let coll = coll
            .filter(|c| !c.eq_ignore_ascii_case("BINARY"))
            .unwrap_or_default();
        Some(format!("{aff} {coll}"))
    };
    Ok(KeySpec {
        expr: quote_id(column),
        keyed,
    })
}

/// A name as libSQL writes it in its shadow DDL: bare when it is a plain identifier.
fn bare_or_quoted(name: &str) -> String {
    let plain = name
        .bytes()
        .enumerate()
        .all(|(i, b)| b == b'_' || b.is_ascii_alphabetic() || (i > 0 && b.is_ascii_digit()));
    if plain && !name.is_empty() {
        name.to_owned()
    } else {
        quote_id(name)
    }
}

/// Creates the meta table and the index's shadow table and index, with libSQL's texts.
fn create_shadow(
    conn: &rusqlite::Connection,
    schema: &str,
    index: &str,
    key: &KeySpec,
) -> Result<()> {
    let s = quote_id(schema);
    if !meta_exists(conn, schema)? {
        conn.execute_batch(&META_TABLE_SQL.replacen(
            "CREATE TABLE ",
            &format!("CREATE TABLE {s}."),
            1,
        ))?;
    }
    let shadow = bare_or_quoted(&format!("{index}_shadow"));
    let shadow_idx = bare_or_quoted(&format!("{index}_shadow_idx"));
    let exists: i64 = conn.query_row(
        &format!("SELECT count(*) FROM {s}.sqlite_schema WHERE type = 'table' AND name = ?1"),
        [format!("{index}_shadow")],
        |r| r.get(0),
    )?;
    if exists == 0 {
        conn.execute_batch(&match &key.keyed {
            None => format!(
                "CREATE TABLE {s}.{shadow} (index_key  INTEGER , data BLOB, PRIMARY KEY (index_key));\
                 CREATE INDEX {s}.{shadow_idx} ON {shadow} (index_key);"
            ),
            Some(ty) => format!(
                "CREATE TABLE {s}.{shadow} (rowid INTEGER PRIMARY KEY, index_key  {ty}, data BLOB, UNIQUE (index_key));\
                 CREATE INDEX {s}.{shadow_idx} ON {shadow} (rowid);"
            ),
        })?;
    }
    Ok(())
}

/// Creates the three maintenance triggers that do not exist yet.
fn create_triggers(
    conn: &rusqlite::Connection,
    schema: &str,
    index: &str,
    table: &str,
    column: &str,
) -> Result<()> {
    let k = key_spec(conn, schema, table)?.expr;
    let s = quote_id(schema);
    let (t, c) = (quote_id(table), quote_id(column));
    let (ls, li) = (sql_string(schema), sql_string(index));
    let (ins, del) = (sql_string(INSERT_MARKER), sql_string(DELETE_MARKER));
    let bodies = [
        (
            "insert",
            format!(
                "AFTER INSERT ON {t} FOR EACH ROW BEGIN \
                 SELECT libsql_vector_idx({ins}, {ls}, {li}, new.{k}, new.{c}); END"
            ),
        ),
        (
            "delete",
            format!(
                "AFTER DELETE ON {t} FOR EACH ROW WHEN old.{c} IS NOT NULL BEGIN \
                 SELECT libsql_vector_idx({del}, {ls}, {li}, old.{k}); END"
            ),
        ),
        (
            "update",
            format!(
                "AFTER UPDATE ON {t} FOR EACH ROW WHEN old.{k} IS NOT new.{k} OR old.{c} IS NOT new.{c} BEGIN \
                 SELECT libsql_vector_idx({del}, {ls}, {li}, old.{k}); \
                 SELECT libsql_vector_idx({ins}, {ls}, {li}, new.{k}, new.{c}); END"
            ),
        ),
    ];
    for (what, body) in bodies {
        let name = trigger_name(index, what);
        let exists: i64 = conn.query_row(
            &format!("SELECT count(*) FROM {s}.sqlite_schema WHERE type = 'trigger' AND name = ?1"),
            [&name],
            |r| r.get(0),
        )?;
        if exists == 0 {
            conn.execute_batch(&format!("CREATE TRIGGER {s}.{} {body}", quote_id(&name)))?;
        }
    }
    Ok(())
}

/// Clears the graph and inserts every non-NULL row of the table.
fn rebuild(conn: &rusqlite::Connection, schema: &str, index: &str) -> Result<()> {
    let Some((table, column)) = indexed_column(conn, schema, index)? else {
        return Ok(());
    };
    if let Some(store) = Store::open(conn, schema, index).map_err(index_error)? {
        store.clear().map_err(index_error)?;
    }
    let c = quote_id(&column);
    let k = key_spec(conn, schema, &table)?.expr;
    let ins = sql_string(INSERT_MARKER);
    conn.query_row(
        &format!(
            "SELECT count(libsql_vector_idx({ins}, ?1, ?2, {k}, {c})) FROM {}.{} WHERE {c} IS NOT NULL",
            quote_id(schema),
            quote_id(&table)
        ),
        [schema, index],
        |_| Ok(()),
    )?;
    Ok(())
}

/// Drops an index's triggers, shadow table and metadata row.
fn drop_shadow(conn: &rusqlite::Connection, schema: &str, index: &str) -> Result<()> {
    let s = quote_id(schema);
    for what in ["insert", "delete", "update"] {
        conn.execute_batch(&format!(
            "DROP TRIGGER IF EXISTS {s}.{}",
            quote_id(&trigger_name(index, what))
        ))?;
    }
    conn.execute_batch(&format!(
        "DROP TABLE IF EXISTS {s}.{}",
        quote_id(&format!("{index}_shadow"))
    ))?;
    conn.execute(
        &format!("DELETE FROM {s}.libsql_vector_meta_shadow WHERE name = ?1"),
        [index],
    )?;
    Ok(())
}

impl CreateVectorIndex {
    /// Creates the index, its shadow state and triggers, and back-fills it.
    pub(crate) fn apply(&self, conn: &rusqlite::Connection) -> Result<()> {
        in_transaction(conn, || self.create(conn))
    }

    fn create(&self, conn: &rusqlite::Connection) -> Result<()> {
        let schema = self.schema.as_deref().unwrap_or("main");
        let s = quote_id(schema);
        let exists: i64 = conn.query_row(
            &format!("SELECT count(*) FROM {s}.sqlite_schema WHERE type = 'index' AND name = ?1 COLLATE NOCASE"),
            [&self.name],
            |r| r.get(0),
        )?;
        if exists > 0 {
            if self.if_not_exists {
                return Ok(());
            }
            conn.execute_batch(&self.stock)?; // SQLite's own "index … already exists"
            return Ok(());
        }
        let table: Option<String> = conn
            .query_row(
                "SELECT name FROM pragma_table_list WHERE schema = ?1 AND name = ?2 COLLATE NOCASE AND type = 'table'",
                [schema, &self.table],
                |r| r.get(0),
            )
            .optional()?;
        let Some(table) = table else {
            conn.execute_batch(&self.stock)?; // "no such table"
            return Err(sql_error(format!("no such table: {}", self.table), None));
        };
        let key = key_spec(conn, schema, &table)?;
        let col: Option<(String, String)> = conn
            .query_row(
                "SELECT name, type FROM pragma_table_xinfo(?1, ?2) WHERE name = ?3 COLLATE NOCASE",
                [&table, schema, &self.column],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((column, decl)) = col else {
            conn.execute_batch(&self.stock)?; // "no such column"
            return Err(sql_error(format!("no such column: {}", self.column), None));
        };
        let (vector_type, dims): (VectorType, usize) = match VectorType::parse_column_type(&decl) {
            Some((_, 0)) => return Err(index_error(IndexError::ZeroDims(decl))),
            Some(td) => td,
            None => return Err(index_error(IndexError::NotVectorColumn(decl))),
        };
        let (_, meta) =
            params::from_options(vector_type, dims, &self.options).map_err(index_error)?;
        conn.execute_batch(&self.stock)?;
        let name: String = conn.query_row(
            &format!("SELECT name FROM {s}.sqlite_schema WHERE type = 'index' AND name = ?1 COLLATE NOCASE"),
            [&self.name],
            |r| r.get(0),
        )?;
        create_shadow(conn, schema, &name, &key)?;
        let stored: Option<Vec<u8>> = conn
            .query_row(
                &format!("SELECT metadata FROM {s}.libsql_vector_meta_shadow WHERE name = ?1"),
                [&name],
                |r| r.get(0),
            )
            .optional()?;
        create_triggers(conn, schema, &name, &table, &column)?;
        match stored {
            None => {
                conn.execute(
                    &format!(
                        "INSERT INTO {s}.libsql_vector_meta_shadow (name, metadata) VALUES (?1, ?2)"
                    ),
                    rusqlite::params![name, meta],
                )?;
                rebuild(conn, schema, &name)
            }
            Some(_) => {
                // A restored dump (shadow rows, then CREATE INDEX): keep the stored
                // graph when it covers the table; otherwise (libSQL's leftovers from a
                // failed CREATE INDEX, §13.1) rebuild it.
                let c = quote_id(&column);
                let rows: i64 = conn.query_row(
                    &format!(
                        "SELECT count(*) FROM {s}.{} WHERE {c} IS NOT NULL",
                        quote_id(&table)
                    ),
                    [],
                    |r| r.get(0),
                )?;
                let nodes: i64 = conn.query_row(
                    &format!(
                        "SELECT count(*) FROM {s}.{}",
                        quote_id(&format!("{name}_shadow"))
                    ),
                    [],
                    |r| r.get(0),
                )?;
                if rows == nodes {
                    Ok(())
                } else {
                    rebuild(conn, schema, &name)
                }
            }
        }
    }

    /// What `describe` checks: the statement's index options.
    pub(crate) fn check(&self) -> Result<()> {
        params::from_options(VectorType::F32, 1, &self.options)
            .map(|_| ())
            .map_err(index_error)
    }
}

impl VectorDdl {
    /// Runs the statement, with the vector index's shadow state when it concerns one.
    /// Returns false when it concerns none: the caller then runs it as stock SQL.
    pub(crate) fn apply(&self, conn: &rusqlite::Connection) -> Result<bool> {
        let schema = self.schema.as_deref().unwrap_or("main");
        let (indexes, tables) = match self.kind {
            DdlKind::DropIndex => (vector_indexes(conn, schema, &self.name, false)?, false),
            DdlKind::DropTable => (vector_indexes(conn, schema, &self.name, true)?, true),
            DdlKind::Reindex => {
                let mut v = vector_indexes(conn, schema, &self.name, false)?;
                if v.is_empty() {
                    v = vector_indexes(conn, schema, &self.name, true)?;
                }
                (v, false)
            }
        };
        if indexes.is_empty() {
            return Ok(false);
        }
        in_transaction(conn, || {
            match self.kind {
                DdlKind::DropIndex | DdlKind::DropTable => {
                    if tables {
                        for idx in &indexes {
                            drop_shadow(conn, schema, idx)?;
                        }
                        conn.execute_batch(&self.stock)?;
                    } else {
                        conn.execute_batch(&self.stock)?;
                        for idx in &indexes {
                            drop_shadow(conn, schema, idx)?;
                        }
                    }
                }
                DdlKind::Reindex => {
                    conn.execute_batch(&self.stock)?;
                    for idx in &indexes {
                        rebuild(conn, schema, idx)?;
                    }
                }
            }
            Ok(())
        })?;
        Ok(true)
    }
}

/// Makes a libSQL-written file's vector indexes maintainable by Basalt: adds the
/// triggers and fills the expression index's B-tree (libSQL leaves it empty, and SQLite
/// reports "index corruption" when a DELETE misses its entry). Runs when a connection
/// opens a file for writing; a no-op (one schema query) for files without vector indexes.
pub(crate) fn adopt(conn: &rusqlite::Connection) -> Result<()> {
    if !meta_exists(conn, "main")? {
        return Ok(());
    }
    let pending: Vec<(String, String)> = {
        let mut stmt = conn.prepare(
            "SELECT s.name, s.tbl_name FROM main.sqlite_schema AS s \
             JOIN main.libsql_vector_meta_shadow AS m ON m.name = s.name \
             WHERE s.type = 'index' AND s.sql LIKE '%libsql_vector_idx%' \
             AND NOT EXISTS (SELECT 1 FROM main.sqlite_schema AS g WHERE g.type = 'trigger' \
                             AND g.name = '_basalt_vector_' || s.name || '_insert')",
        )?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    for (index, _) in pending {
        in_transaction(conn, || {
            let Some((table, column)) = indexed_column(conn, "main", &index)? else {
                return Ok(());
            };
            create_triggers(conn, "main", &index, &table, &column)?;
            conn.execute_batch(&format!("REINDEX main.{}", quote_id(&index)))?;
            Ok(())
        })?;
    }
    Ok(())
}
