//! libSQL's vector index (part 2 of the vector surface, LIBSQL-SURFACE.md §9.4–9.7): a
//! DiskANN/Vamana graph stored in the database file, next to the table it indexes.
//!
//! - [`params`]: `libsql_vector_idx` options, the metadata row, the node-block layout.
//! - [`block`]: reading and writing node blocks (libSQL's v3 format, byte for byte).
//! - [`space`]: distances between prepared vectors and block data.
//! - [`store`]: SQL access to the shadow tables.
//! - [`graph`]: search, insert, delete.
//! - [`sql`], [`top_k`], [`check`]: the SQL functions, `vector_top_k`, the integrity check.
//!
//! The DDL (`CREATE INDEX … libsql_vector_idx(…)`, `DROP INDEX`, `REINDEX`, `DROP TABLE`)
//! is in `frontend::vector_index`: it creates the shadow tables and three triggers on the
//! indexed table whose bodies call the maintenance functions here, so the index follows
//! every INSERT, UPDATE and DELETE inside the user's own statement and transaction.
//! docs/VECTOR.md describes storage, hooks and the differences from libSQL.

mod block;
mod check;
mod error;
mod graph;
pub(crate) mod params;
mod space;
pub(crate) mod sql;
pub(crate) mod store;
mod top_k;

pub(crate) use error::IndexError;
pub(crate) use sql::Runtime;
