//! The SQL surface of the index: `libsql_vector_idx` (the marker function the index
//! expression calls), the maintenance functions the index's triggers call, and the
//! integrity check. The `vector_top_k` table-valued function is in [`super::top_k`].
//!
//! Nested SQL: the maintenance functions run inside the user's statement (from its
//! triggers) and read and write the shadow table on the same connection, through a
//! second, non-owning `rusqlite::Connection` on the same handle ([`Runtime`]) whose
//! statement cache outlives each call. Everything they do is part of the user's
//! statement, so a failing statement, ROLLBACK or ROLLBACK TO undoes index changes with
//! the row changes; no state is kept between calls.

use std::sync::{Arc, Mutex, TryLockError};

use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::{Null, ValueRef};

use super::IndexError;
use super::graph::Graph;
use super::params::IndexParams;
use super::store::Store;
use crate::vector::error::SqlType;
use crate::vector::{Vector, VectorError, VectorType, text};

/// Per-connection state shared by the index functions and `vector_top_k`: a non-owning
/// connection on the same SQLite handle, so its prepared-statement cache persists.
pub(crate) struct Runtime {
    conn: Mutex<Option<rusqlite::Connection>>,
}

impl Runtime {
    /// Must be released ([`Runtime::release`]) before `owner` closes: SQLite refuses to
    /// close a handle with unfinalised statements.
    fn new(owner: &rusqlite::Connection) -> rusqlite::Result<Arc<Runtime>> {
        // SAFETY: the handle is valid while `owner` is open, and the engine's
        // `Connection` releases this runtime (dropping the non-owning connection and its
        // statements) before it closes `owner`. The non-owning connection never closes
        // the handle.
        let conn = unsafe { rusqlite::Connection::from_handle(owner.handle())? };
        conn.set_prepared_statement_cache_capacity(64);
        Ok(Arc::new(Runtime {
            conn: Mutex::new(Some(conn)),
        }))
    }

    /// Finalises the cached statements; later calls fail cleanly.
    pub(crate) fn release(&self) {
        let mut guard = match self.conn.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        *guard = None;
    }

    /// Runs `f` with the connection. Calls do not nest (no index function runs SQL that
    /// calls another).
    pub(crate) fn with<R>(
        &self,
        f: impl FnOnce(&rusqlite::Connection) -> Result<R, IndexError>,
    ) -> Result<R, IndexError> {
        let guard = match self.conn.try_lock() {
            Ok(g) => g,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
            Err(TryLockError::WouldBlock) => return Err(IndexError::Reentrant),
        };
        let conn = guard.as_ref().ok_or(IndexError::Reentrant)?;
        f(conn)
    }
}

/// Which operation a value is read for (it picks the error messages).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    Insert,
    Search,
}

/// A column value or query as a vector of the index's type and dimensions. Text is
/// parsed as float32 (float64 for an F64 column) and converted to the column's type.
pub(crate) fn column_vector(
    value: ValueRef<'_>,
    p: &IndexParams,
    purpose: Purpose,
) -> Result<Vector, IndexError> {
    let wrap = |e: VectorError| match purpose {
        Purpose::Insert => IndexError::InsertValue(e),
        Purpose::Search => IndexError::SearchValue(e),
    };
    let v = match value {
        ValueRef::Text(t) => {
            let base = if p.vector_type == VectorType::F64 {
                VectorType::F64
            } else {
                VectorType::F32
            };
            text::parse(t, base).map_err(wrap)?.convert(p.vector_type)
        }
        ValueRef::Blob(b) => Vector::from_blob(b).map_err(wrap)?,
        ValueRef::Integer(_) => {
            return Err(wrap(VectorError::UnexpectedValueType(SqlType::Integer)));
        }
        ValueRef::Real(_) => return Err(wrap(VectorError::UnexpectedValueType(SqlType::Float))),
        ValueRef::Null => return Err(wrap(VectorError::UnexpectedValueType(SqlType::Null))),
    };
    let (got, want) = (v.vector_type().id(), p.vector_type.id());
    if got != want {
        return Err(match purpose {
            Purpose::Insert => IndexError::InsertType(got, want),
            Purpose::Search => IndexError::SearchType(got, want),
        });
    }
    if v.dims() != p.dims {
        return Err(match purpose {
            Purpose::Insert => IndexError::InsertDims(v.dims(), p.dims),
            Purpose::Search => IndexError::SearchDims(v.dims(), p.dims),
        });
    }
    if purpose == Purpose::Insert && v.has_non_finite() {
        return Err(IndexError::InsertNonFinite);
    }
    Ok(v)
}

/// `'schema.name'` or `'name'` (schema `main`).
pub(crate) fn split_name(full: &str) -> (&str, &str) {
    match full.split_once('.') {
        Some((s, n)) if !s.is_empty() && !n.is_empty() => (s, n),
        _ => ("main", full),
    }
}

fn open<'c>(
    conn: &'c rusqlite::Connection,
    schema: &str,
    name: &str,
) -> Result<Graph<'c>, IndexError> {
    let store = Store::open(conn, schema, name)?
        .ok_or_else(|| IndexError::IndexNotFound(format!("{schema}.{name}")))?;
    Ok(Graph::new(store))
}

/// Registers the functions and `vector_top_k` on `conn`; the returned runtime must be
/// released before `conn` closes.
pub(crate) fn register(conn: &rusqlite::Connection) -> rusqlite::Result<Arc<Runtime>> {
    let rt = Runtime::new(conn)?;
    let deterministic = FunctionFlags::SQLITE_UTF8
        | FunctionFlags::SQLITE_DETERMINISTIC
        | FunctionFlags::SQLITE_INNOCUOUS;
    // One function serves two purposes. As the index expression (`libsql_vector_idx(col,
    // 'k=v', …)`) it returns NULL, so the B-tree SQLite keeps for the index holds only
    // (NULL, rowid) entries (libSQL keeps that B-tree empty; Basalt rebuilds it when it
    // adopts a libSQL file, see frontend::vector_index::adopt). Called by the maintenance
    // triggers with a marker first argument, it updates the graph. libSQL's function of
    // the same name returns its first argument, so in a libSQL engine the triggers are
    // harmless no-ops and libSQL maintains the index itself.
    let r = Arc::clone(&rt);
    conn.create_scalar_function("libsql_vector_idx", -1, deterministic, move |ctx| {
        match Maintenance::of(ctx) {
            Some(Maintenance::Insert) => maintain_insert(&r, ctx)?,
            Some(Maintenance::Delete) => maintain_delete(&r, ctx)?,
            None => {}
        }
        Ok(Null)
    })?;
    // Side effects (it reads through the runtime's statements): not deterministic.
    let effects = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_INNOCUOUS;
    let r = Arc::clone(&rt);
    conn.create_scalar_function("basalt_vector_index_check", 1, effects, move |ctx| {
        let full: String = ctx.get(0)?;
        let (schema, name) = split_name(&full);
        r.with(|c| super::check::check(c, schema, name))
            .map_err(IndexError::into_sqlite)
    })?;
    super::top_k::register(conn, Arc::clone(&rt))?;
    Ok(rt)
}

/// First argument of `libsql_vector_idx` when a maintenance trigger calls it:
/// `libsql_vector_idx('basalt:insert', schema, index, key, vector)`.
pub(crate) const INSERT_MARKER: &str = "basalt:insert";
/// `libsql_vector_idx('basalt:delete', schema, index, key)`.
pub(crate) const DELETE_MARKER: &str = "basalt:delete";

/// What a maintenance trigger asks `libsql_vector_idx` to do.
enum Maintenance {
    Insert,
    Delete,
}

impl Maintenance {
    fn of(ctx: &Context<'_>) -> Option<Maintenance> {
        let ValueRef::Text(marker) = ctx.get_raw(0) else {
            return None;
        };
        match (marker, ctx.len()) {
            (m, 5) if m == INSERT_MARKER.as_bytes() => Some(Maintenance::Insert),
            (m, 4) if m == DELETE_MARKER.as_bytes() => Some(Maintenance::Delete),
            _ => None,
        }
    }
}

/// Adds (or replaces) the node of key `ctx[3]` with vector `ctx[4]`.
fn maintain_insert(rt: &Runtime, ctx: &Context<'_>) -> rusqlite::Result<()> {
    let (schema, name) = names(ctx)?;
    let key = ctx.get_raw(3);
    rt.with(|c| {
        let g = open(c, &schema, &name)?;
        if matches!(ctx.get_raw(4), ValueRef::Null) {
            // A NULL vector is not indexed; an old node under this key (left by a
            // REPLACE, which fires no delete trigger) goes.
            return g.delete_row(key).map(|_| ());
        }
        let v = column_vector(ctx.get_raw(4), &g.store.params, Purpose::Insert)?;
        g.insert_row(key, &v)
    })
    .map_err(IndexError::into_sqlite)
}

/// Removes the node of key `ctx[3]`.
fn maintain_delete(rt: &Runtime, ctx: &Context<'_>) -> rusqlite::Result<()> {
    let (schema, name) = names(ctx)?;
    let key = ctx.get_raw(3);
    rt.with(|c| open(c, &schema, &name)?.delete_row(key).map(|_| ()))
        .map_err(IndexError::into_sqlite)
}

fn names(ctx: &Context<'_>) -> rusqlite::Result<(String, String)> {
    Ok((ctx.get(1)?, ctx.get(2)?))
}
