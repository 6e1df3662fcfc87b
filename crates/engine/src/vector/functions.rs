//! The vector SQL functions, registered on every connection: constructors (`vector`,
//! `vector32`, `vector64`, `vector16`, `vectorb16`, `vector8`, `vector1bit`),
//! `vector_extract` and the distances (`vector_distance_cos`, `vector_distance_l2`).
//!
//! All are deterministic and innocuous, so they may appear in indexes, generated columns
//! and views. Arguments may be vector text or a blob in any layout. NULL in gives NULL
//! out (libSQL raises "unexpected value type: got NULL"; §13.1 lists that as a defect),
//! and a cosine distance that is undefined (a zero vector) is NULL, as in libSQL.

use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::ValueRef;

use super::distance::{self, Metric};
use super::error::{SqlType, VectorError};
use super::text;
use super::types::VectorType;
use super::value::Vector;

fn flags() -> FunctionFlags {
    FunctionFlags::SQLITE_UTF8
        | FunctionFlags::SQLITE_DETERMINISTIC
        | FunctionFlags::SQLITE_INNOCUOUS
}

/// Registers every vector function on `conn`.
pub(crate) fn register(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    let constructors = [
        ("vector", VectorType::F32),
        ("vector32", VectorType::F32),
        ("vector64", VectorType::F64),
        ("vector16", VectorType::F16),
        ("vectorb16", VectorType::BF16),
        ("vector8", VectorType::F8),
        ("vector1bit", VectorType::F1Bit),
    ];
    for (name, ty) in constructors {
        conn.create_scalar_function(name, 1, flags(), move |ctx| {
            let v = arg(ctx, 0, ty)?;
            Ok(v.map(|v| v.convert(ty).to_blob()))
        })?;
    }
    conn.create_scalar_function("vector_extract", 1, flags(), |ctx| {
        Ok(arg(ctx, 0, VectorType::F32)?.map(|v| text::format(&v)))
    })?;
    for (name, metric) in [
        ("vector_distance_cos", Metric::Cosine),
        ("vector_distance_l2", Metric::L2),
    ] {
        conn.create_scalar_function(name, 2, flags(), move |ctx| {
            let a = arg(ctx, 0, VectorType::F32)?;
            let b = arg(ctx, 1, VectorType::F32)?;
            let (Some(a), Some(b)) = (a, b) else {
                return Ok(None);
            };
            let d = distance::distance(metric, &a, &b).map_err(sql_error)?;
            Ok((!d.is_nan()).then_some(d))
        })?;
    }
    Ok(())
}

/// Argument `i` as a vector (`None` for NULL); text parses as `ty` when that is f64,
/// else as f32.
fn arg(ctx: &Context<'_>, i: usize, ty: VectorType) -> rusqlite::Result<Option<Vector>> {
    let parsed = match ctx.get_raw(i) {
        ValueRef::Null => return Ok(None),
        ValueRef::Integer(_) => Err(VectorError::UnexpectedValueType(SqlType::Integer)),
        ValueRef::Real(_) => Err(VectorError::UnexpectedValueType(SqlType::Float)),
        ValueRef::Text(t) => text::parse(t, ty),
        ValueRef::Blob(b) => Vector::from_blob(b),
    };
    parsed.map(Some).map_err(sql_error)
}

/// A vector error as the SQLite error the statement fails with (`SQLITE_ERROR`, the
/// message libSQL gives).
fn sql_error(e: VectorError) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
        Some(e.to_string()),
    )
}
