//! libSQL's vector search SQL surface, part 1: vector types, their blob and text forms,
//! the SQL functions and the distance kernels (LIBSQL-SURFACE.md §9.1–9.3).
//!
//! - [`types`]: element types and their ids (the trailing blob byte).
//! - [`value`]: [`Vector`], decoding and encoding libSQL's blob layouts, conversions.
//! - [`convert`]: element conversions (f16, bf16, 8-bit quantisation) matching libSQL.
//! - [`text`]: parsing `'[1, 2.5]'` and printing as `vector_extract` does.
//! - [`distance`]: one metric per file; plain-slice kernels with SIMD dispatch.
//! - [`functions`]: the application-defined SQL functions.
//!
//! The ANN index (part 2) builds on the same pieces: [`Vector::from_blob`] to read a
//! row's column, [`VectorType::parse_column_type`] for `F32_BLOB(n)`, [`Vector::convert`]
//! and [`Vector::to_blob`] for compressed neighbour copies, and the kernels in
//! [`distance`] (which take slices, so node blocks can be compared without a
//! [`Vector`]).
//!
//! Everything is crate-private: the public surface is SQL.

pub(crate) mod convert;
pub(crate) mod distance;
pub(crate) mod error;
mod functions;
pub(crate) mod index;
pub(crate) mod text;
pub(crate) mod types;
pub(crate) mod value;

#[allow(unused_imports)] // re-exported for the ANN index (issue 5, part 2)
pub(crate) use distance::Metric;
#[allow(unused_imports)]
pub(crate) use error::VectorError;
#[allow(unused_imports)]
pub(crate) use types::{MAX_DIMS, VectorType};
#[allow(unused_imports)]
pub(crate) use value::Vector;

/// Registers the vector SQL functions, the index functions and `vector_top_k` on a
/// connection. The returned runtime must be released before the connection closes.
pub(crate) fn register(
    conn: &rusqlite::Connection,
) -> rusqlite::Result<std::sync::Arc<index::Runtime>> {
    functions::register(conn)?;
    index::sql::register(conn)
}
