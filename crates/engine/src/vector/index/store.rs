//! SQL access to one index's shadow state: its metadata row in
//! `libsql_vector_meta_shadow` and its node blocks in `<index>_shadow`. Statements go
//! through the connection's prepared-statement cache, so the per-row index maintenance
//! that the triggers run does not re-parse SQL.
//!
//! Node ids: a node is identified by an integer, which its block holds at offset 0 and
//! edges refer to. For rowid tables (and WITHOUT ROWID tables with an INTEGER key) the id
//! is the row's key itself, in `index_key`. For other WITHOUT ROWID tables libSQL's shadow
//! table is `(rowid INTEGER PRIMARY KEY, index_key <affinity> [collation], data BLOB,
//! UNIQUE (index_key))`: the id is the shadow row's `rowid`, and `index_key` holds the
//! table's key ("keyed" below).

use rusqlite::OptionalExtension;
use rusqlite::types::{Value, ValueRef};

use super::IndexError;
use super::block::{Node, View};
use super::params::{IndexParams, Layout, decode_meta};
use crate::frontend::token::quote_id;

/// The text of the metadata table, byte for byte as libSQL writes it.
pub(crate) const META_TABLE_SQL: &str =
    "CREATE TABLE libsql_vector_meta_shadow ( name TEXT PRIMARY KEY, metadata BLOB ) WITHOUT ROWID";

/// One vector index, opened on a connection.
pub(crate) struct Store<'c> {
    conn: &'c rusqlite::Connection,
    /// The index's name as stored in its metadata row.
    pub name: String,
    pub params: IndexParams,
    pub layout: Layout,
    shadow: String,
    /// The shadow table maps non-integer keys to node ids (see the module docs).
    keyed: bool,
    /// The column holding node ids: `rowid` when keyed, else `index_key`.
    id: &'static str,
    /// ` COLLATE x` for key lookups in a keyed shadow table, or empty.
    key_collation: String,
}

impl<'c> Store<'c> {
    /// Opens index `name` of `schema`: `None` when it has no metadata row. The name is
    /// matched exactly, then case-insensitively (libSQL matches only exactly).
    pub(crate) fn open(
        conn: &'c rusqlite::Connection,
        schema: &str,
        name: &str,
    ) -> Result<Option<Store<'c>>, IndexError> {
        let s = quote_id(schema);
        let exists: bool = conn
            .prepare_cached(&format!(
                "SELECT count(*) FROM {s}.sqlite_schema WHERE type = 'table' AND name = 'libsql_vector_meta_shadow'"
            ))?
            .query_row([], |r| r.get(0))?;
        if !exists {
            return Ok(None);
        }
        let row: Option<(String, Vec<u8>)> = conn
            .prepare_cached(&format!(
                "SELECT name, metadata FROM {s}.libsql_vector_meta_shadow \
                 WHERE name = ?1 COLLATE NOCASE ORDER BY name = ?1 DESC LIMIT 1"
            ))?
            .query_row([name], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((stored, meta)) = row else {
            return Ok(None);
        };
        let params = decode_meta(&meta)?;
        let layout = Layout::new(&params);
        let keyed: bool = conn
            .prepare_cached(
                "SELECT count(*) FROM pragma_table_xinfo(?1, ?2) WHERE name = 'rowid' COLLATE NOCASE",
            )?
            .query_row([format!("{stored}_shadow"), schema.to_owned()], |r| r.get(0))?;
        // libSQL writes a key's collation after its affinity without COLLATE
        // (`index_key  TEXT NOCASE`), so SQLite compares shadow keys with BINARY; look keys
        // up with the table's collation instead.
        let key_collation = if keyed {
            let ty: String = conn
                .prepare_cached(
                    "SELECT type FROM pragma_table_xinfo(?1, ?2) WHERE name = 'index_key'",
                )?
                .query_row([format!("{stored}_shadow"), schema.to_owned()], |r| {
                    r.get(0)
                })?;
            ty.split_whitespace()
                .nth(1)
                .filter(|c| c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
                .map(|c| format!(" COLLATE {c}"))
                .unwrap_or_default()
        } else {
            String::new()
        };
        Ok(Some(Store {
            conn,
            shadow: format!("{s}.{}", quote_id(&format!("{stored}_shadow"))),
            keyed,
            key_collation,
            id: if keyed { "rowid" } else { "index_key" },
            name: stored,
            params,
            layout,
        }))
    }

    /// Runs `f` on the block of `key`, if there is one.
    pub(crate) fn with_block<R>(
        &self,
        key: i64,
        f: impl FnOnce(View<'_>) -> R,
    ) -> Result<Option<R>, IndexError> {
        self.read_block(key, |bytes| Ok(f(View::new(&self.layout, key, bytes)?)))
    }

    /// The decoded block of `key`.
    pub(crate) fn get(&self, key: i64) -> Result<Option<Node>, IndexError> {
        self.read_block(key, |bytes| Node::decode(&self.layout, key, bytes))
    }

    /// Reads the stored bytes of `key`'s block (empty for a NULL) and hands them to `f`.
    fn read_block<R>(
        &self,
        key: i64,
        f: impl FnOnce(&[u8]) -> Result<R, IndexError>,
    ) -> Result<Option<R>, IndexError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT data FROM {} WHERE {} = ?1",
            self.shadow, self.id
        ))?;
        let mut rows = stmt.query([key])?;
        let Some(row) = rows.next()? else {
            return Ok(None);
        };
        let bytes = row
            .get_ref(0)?
            .as_blob_or_null()
            .ok()
            .flatten()
            .unwrap_or(&[]);
        f(bytes).map(Some)
    }

    /// Writes the block of a new node whose row has key `key`.
    pub(crate) fn insert(&self, node: &Node, key: &Value) -> Result<(), IndexError> {
        let block = node.encode(&self.layout);
        if self.keyed {
            self.conn
                .prepare_cached(&format!(
                    "INSERT INTO {} (rowid, index_key, data) VALUES (?1, ?2, ?3)",
                    self.shadow
                ))?
                .execute(rusqlite::params![node.key, key, block])?;
        } else {
            self.conn
                .prepare_cached(&format!(
                    "INSERT OR REPLACE INTO {} (index_key, data) VALUES (?1, ?2)",
                    self.shadow
                ))?
                .execute(rusqlite::params![node.key, block])?;
        }
        Ok(())
    }

    /// The node id of the row with key `key`, if it has a node.
    pub(crate) fn id_of(&self, key: ValueRef<'_>) -> Result<Option<i64>, IndexError> {
        if self.keyed {
            return Ok(self
                .conn
                .prepare_cached(&format!(
                    "SELECT rowid FROM {} WHERE index_key = ?1{}",
                    self.shadow, self.key_collation
                ))?
                .query_row([rusqlite::types::ToSqlOutput::Borrowed(key)], |r| r.get(0))
                .optional()?);
        }
        match key {
            ValueRef::Integer(id) if self.contains(id)? => Ok(Some(id)),
            _ => Ok(None),
        }
    }

    /// The id a new node for key `key` gets.
    pub(crate) fn new_id(&self, key: ValueRef<'_>) -> Result<i64, IndexError> {
        if self.keyed {
            return Ok(self
                .conn
                .prepare_cached(&format!(
                    "SELECT coalesce(max(rowid), 0) + 1 FROM {}",
                    self.shadow
                ))?
                .query_row([], |r| r.get(0))?);
        }
        match key {
            ValueRef::Integer(id) => Ok(id),
            _ => Err(IndexError::KeyNotInteger),
        }
    }

    /// The row key of node `id`.
    pub(crate) fn key_of(&self, id: i64) -> Result<Value, IndexError> {
        if !self.keyed {
            return Ok(Value::Integer(id));
        }
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT index_key FROM {} WHERE rowid = ?1",
                self.shadow
            ))?
            .query_row([id], |r| r.get(0))
            .optional()?
            .unwrap_or(Value::Null))
    }

    /// Rewrites the block of an existing node. An UPDATE of a same-size blob lets SQLite
    /// overwrite the record in place, dirtying only the pages whose bytes changed (a
    /// REPLACE would free and reallocate the whole overflow chain).
    pub(crate) fn update(&self, node: &Node) -> Result<(), IndexError> {
        let block = node.encode(&self.layout);
        self.conn
            .prepare_cached(&format!(
                "UPDATE {} SET data = ?2 WHERE {} = ?1",
                self.shadow, self.id
            ))?
            .execute(rusqlite::params![node.key, block])?;
        Ok(())
    }

    /// Removes a block; false when there was none.
    pub(crate) fn delete(&self, key: i64) -> Result<bool, IndexError> {
        let n = self
            .conn
            .prepare_cached(&format!(
                "DELETE FROM {} WHERE {} = ?1",
                self.shadow, self.id
            ))?
            .execute([key])?;
        Ok(n > 0)
    }

    /// True when `key` has a block.
    pub(crate) fn contains(&self, key: i64) -> Result<bool, IndexError> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT 1 FROM {} WHERE {} = ?1",
                self.shadow, self.id
            ))?
            .query_row([key], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// The search's start node: the smallest key (deterministic, unlike libSQL's random
    /// start, so results do not vary from run to run).
    pub(crate) fn entry(&self) -> Result<Option<i64>, IndexError> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {id} FROM {} ORDER BY {id} LIMIT 1",
                self.shadow,
                id = self.id
            ))?
            .query_row([], |r| r.get(0))
            .optional()?)
    }

    /// Number of nodes, counting at most `limit` (cheap on large indexes).
    pub(crate) fn count_upto(&self, limit: usize) -> Result<usize, IndexError> {
        let n: i64 = self
            .conn
            .prepare_cached(&format!(
                "SELECT count(*) FROM (SELECT 1 FROM {} LIMIT ?1)",
                self.shadow
            ))?
            .query_row([limit as i64], |r| r.get(0))?;
        Ok(n as usize)
    }

    /// Calls `f` on every block, in key order.
    pub(crate) fn for_each(
        &self,
        mut f: impl FnMut(i64, View<'_>) -> Result<(), IndexError>,
    ) -> Result<(), IndexError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {id}, data FROM {} ORDER BY {id}",
            self.shadow,
            id = self.id
        ))?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let key: i64 = row.get(0)?;
            let bytes = row
                .get_ref(1)?
                .as_blob_or_null()
                .ok()
                .flatten()
                .unwrap_or(&[]);
            f(key, View::new(&self.layout, key, bytes)?)?;
        }
        Ok(())
    }

    /// Removes every block.
    pub(crate) fn clear(&self) -> Result<(), IndexError> {
        self.conn
            .execute_batch(&format!("DELETE FROM {}", self.shadow))?;
        Ok(())
    }
}
