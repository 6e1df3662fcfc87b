//! `vector_top_k(index, query, k)`: an eponymous table-valued function with one visible
//! column `id` (the row's key) and hidden columns `idx`, `vector`, `k` (LIBSQL-SURFACE.md
//! §9.6). The whole result is computed in `xFilter`, so the search holds the index's
//! runtime only there and rows then stream to whatever joins with them.

use std::borrow::Cow;
use std::ffi::{CStr, c_int};
use std::sync::Arc;

use rusqlite::types::ValueRef;
use rusqlite::vtab::{
    Context, Filters, IndexConstraintOp, IndexInfo, Module, VTab, VTabConfig, VTabConnection,
    VTabCursor,
};

use super::IndexError;
use super::sql::{Purpose, Runtime, column_vector, split_name};
use super::store::Store;

#[repr(C)]
struct TopK {
    /// Must come first: SQLite sees this struct as a `sqlite3_vtab`.
    base: rusqlite::ffi::sqlite3_vtab,
    rt: Arc<Runtime>,
}

/// Registers the module on `conn`.
pub(crate) fn register(conn: &rusqlite::Connection, rt: Arc<Runtime>) -> rusqlite::Result<()> {
    const MODULE: Module<TopK> = Module::eponymous_only_module();
    conn.create_module(c"vector_top_k", &MODULE, Some(rt))
}

// SAFETY: `TopK` is `repr(C)` with the `sqlite3_vtab` first, as rusqlite requires.
unsafe impl<'vtab> VTab<'vtab> for TopK {
    type Aux = Arc<Runtime>;
    type Cursor = TopKCursor;

    fn connect(
        db: &mut VTabConnection,
        aux: Option<&Arc<Runtime>>,
        _module: &[u8],
        _database: &[u8],
        _table: &[u8],
        _args: &[&[u8]],
    ) -> rusqlite::Result<(Cow<'static, CStr>, Self)> {
        db.config(VTabConfig::Innocuous)?;
        let rt = Arc::clone(aux.expect("registered with the runtime as aux"));
        Ok((
            Cow::Borrowed(c"CREATE TABLE x(id, idx HIDDEN, vector HIDDEN, k HIDDEN)"),
            TopK {
                base: rusqlite::ffi::sqlite3_vtab::default(),
                rt,
            },
        ))
    }

    fn best_index(&self, info: &mut IndexInfo) -> rusqlite::Result<bool> {
        let mut at: [Option<usize>; 3] = [None; 3];
        for (i, c) in info.constraints().enumerate() {
            let col = c.column();
            if !(1..=3).contains(&col)
                || c.operator() != IndexConstraintOp::SQLITE_INDEX_CONSTRAINT_EQ
            {
                continue;
            }
            if !c.is_usable() {
                return Ok(false);
            }
            at[(col - 1) as usize] = Some(i);
        }
        let mut mask = 0;
        let mut argv = 0;
        for (bit, slot) in at.iter().enumerate() {
            if let Some(i) = *slot {
                argv += 1;
                mask |= 1 << bit;
                let mut u = info.constraint_usage(i);
                u.set_argv_index(argv);
                u.set_omit(true);
            }
        }
        info.set_idx_num(mask);
        info.set_estimated_cost(if mask == 0b111 { 10.0 } else { 1e12 });
        info.set_estimated_rows(10);
        Ok(true)
    }

    fn open(&'vtab mut self) -> rusqlite::Result<TopKCursor> {
        Ok(TopKCursor {
            base: rusqlite::ffi::sqlite3_vtab_cursor::default(),
            rt: Arc::clone(&self.rt),
            ids: Vec::new(),
            pos: 0,
        })
    }
}

#[repr(C)]
struct TopKCursor {
    /// Must come first: SQLite sees this struct as a `sqlite3_vtab_cursor`.
    base: rusqlite::ffi::sqlite3_vtab_cursor,
    rt: Arc<Runtime>,
    ids: Vec<rusqlite::types::Value>,
    pos: usize,
}

impl TopKCursor {
    fn run(
        &self,
        args: &[ValueRef<'_>],
        mask: c_int,
    ) -> Result<Vec<rusqlite::types::Value>, IndexError> {
        if mask != 0b111 {
            return Err(IndexError::SearchArgs(mask.count_ones() as usize));
        }
        let full = match args[0] {
            ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
            _ => return Err(IndexError::SearchIndexName),
        };
        let k = match args[2] {
            ValueRef::Integer(k) if k >= 0 => k as usize,
            ValueRef::Real(r) if r.fract() != 0.0 || !r.is_finite() => {
                return Err(IndexError::SearchFloatK);
            }
            ValueRef::Real(r) if r >= 0.0 => r.min(1e15) as usize,
            ValueRef::Integer(_) | ValueRef::Real(_) => return Err(IndexError::SearchNegativeK),
            _ => return Err(IndexError::SearchKType),
        };
        let (schema, name) = split_name(&full);
        self.rt.with(|conn| {
            let store = Store::open(conn, schema, name)?
                .ok_or_else(|| IndexError::IndexNotFound(full.clone()))?;
            let v = column_vector(args[1], &store.params, Purpose::Search)?;
            let graph = super::graph::Graph::new(store);
            graph
                .top_k(&v, k)?
                .into_iter()
                .map(|(id, _)| graph.store.key_of(id))
                .collect()
        })
    }
}

// SAFETY: `TopKCursor` is `repr(C)` with the `sqlite3_vtab_cursor` first.
unsafe impl VTabCursor for TopKCursor {
    fn filter(
        &mut self,
        idx_num: c_int,
        _idx_str: Option<&str>,
        args: &Filters<'_>,
    ) -> rusqlite::Result<()> {
        let values: Vec<ValueRef<'_>> = args.iter().collect();
        self.ids = self
            .run(&values, idx_num)
            .map_err(IndexError::into_sqlite)?;
        self.pos = 0;
        Ok(())
    }

    fn next(&mut self) -> rusqlite::Result<()> {
        self.pos += 1;
        Ok(())
    }

    fn eof(&self) -> bool {
        self.pos >= self.ids.len()
    }

    fn column(&self, ctx: &mut Context, i: c_int) -> rusqlite::Result<()> {
        if i == 0 {
            ctx.set_result(&self.ids[self.pos])
        } else {
            ctx.set_result(rusqlite::types::Null)
        }
    }

    fn rowid(&self) -> rusqlite::Result<i64> {
        Ok(self.pos as i64 + 1)
    }
}
