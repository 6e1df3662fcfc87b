//! Running one prepared statement: binding, stepping, and describing its output.

use crate::error::Result;
use crate::params::Params;
use crate::value::Value;

/// One result column: its name and the type it was declared with, if it comes straight
/// from a table column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The column's name (or alias).
    pub name: String,
    /// The declared type (`INTEGER`, `TEXT`, `F32_BLOB(3)`, …); `None` for expressions.
    pub decltype: Option<String>,
}

/// One row of values, in column order.
pub type Row = Vec<Value>;

/// What one statement produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryResult {
    /// Result columns (empty for statements that return none).
    pub columns: Vec<Column>,
    /// Rows, unless they were streamed elsewhere.
    pub rows: Vec<Row>,
    /// Rows inserted, updated or deleted by this statement (0 for others).
    pub rows_affected: u64,
    /// The connection's last inserted rowid after the statement.
    pub last_insert_rowid: i64,
    /// True when the statement could not have changed the database.
    pub readonly: bool,
    /// Rows SQLite's virtual machine stepped through (full scans and sorts), a cost hint.
    pub rows_read: u64,
}

/// What a statement looks like before it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementInfo {
    /// One entry per parameter: its name with prefix (`:a`), or `None` for `?`.
    pub params: Vec<Option<String>>,
    /// Result columns.
    pub columns: Vec<Column>,
    /// True for `EXPLAIN …`.
    pub is_explain: bool,
    /// True when the statement does not write.
    pub readonly: bool,
}

pub(crate) fn columns(stmt: &rusqlite::Statement<'_>) -> Vec<Column> {
    stmt.columns()
        .map(|c| Column {
            name: c.name().to_owned(),
            decltype: c.decl_type().map(str::to_owned),
        })
        .collect()
}

pub(crate) fn describe(stmt: &rusqlite::Statement<'_>) -> StatementInfo {
    StatementInfo {
        params: (1..=stmt.parameter_count())
            .map(|i| stmt.parameter_name(i).map(str::to_owned))
            .collect(),
        columns: columns(stmt),
        is_explain: stmt.is_explain() != 0,
        readonly: stmt.readonly(),
    }
}

pub(crate) fn run(
    conn: &rusqlite::Connection,
    stmt: &mut rusqlite::Statement<'_>,
    params: &Params,
    on_row: &mut dyn FnMut(Row) -> Result<()>,
    with_columns: bool,
) -> Result<QueryResult> {
    params.bind(stmt)?;
    let readonly = stmt.readonly();
    crate::frontend::random_rowid::take_assigned();
    let changes_before = conn.total_changes();
    let steps_before = stmt.get_status(rusqlite::StatementStatus::FullscanStep)
        + stmt.get_status(rusqlite::StatementStatus::Sort);
    {
        let mut rows = stmt.raw_query();
        // The width is read once stepping started: a cached statement that SQLite had to
        // re-prepare after a schema change only has its new shape from then on.
        let mut width = None;
        while let Some(row) = rows.next()? {
            let width = *width.get_or_insert_with(|| row.as_ref().column_count());
            let values = (0..width)
                .map(|i| Value::from_ref(row.get_ref_unwrap(i)))
                .collect();
            on_row(values)?;
        }
    }
    let steps = stmt.get_status(rusqlite::StatementStatus::FullscanStep)
        + stmt.get_status(rusqlite::StatementStatus::Sort)
        - steps_before;
    if let Some(rowid) = crate::frontend::random_rowid::take_assigned() {
        // SAFETY: the handle belongs to `conn`, which is borrowed for this whole call and
        // used by this thread only; the call just stores an integer on the connection.
        unsafe { rusqlite::ffi::sqlite3_set_last_insert_rowid(conn.handle(), rowid) };
    }
    // Column metadata costs several allocations per run, so streaming callers skip it;
    // it is read after stepping for the same re-prepare reason as the width.
    let columns = if with_columns {
        columns(stmt)
    } else {
        Vec::new()
    };
    // `changes()` keeps the count of the last DML statement even after DDL or a SELECT;
    // only report it when this statement changed something.
    let rows_affected = if conn.total_changes() != changes_before {
        conn.changes()
    } else {
        0
    };
    Ok(QueryResult {
        columns,
        rows: Vec::new(),
        rows_affected,
        last_insert_rowid: conn.last_insert_rowid(),
        readonly,
        rows_read: u64::try_from(steps).unwrap_or(0),
    })
}
