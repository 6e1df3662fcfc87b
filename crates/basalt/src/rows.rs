//! Result rows and typed access to their values.

use std::sync::{Arc, OnceLock};

use basalt_engine::Value;

use crate::error::{Error, Result};

pub use basalt_engine::Column;

/// The SQLite type of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    /// INTEGER
    Integer,
    /// REAL
    Real,
    /// TEXT
    Text,
    /// BLOB
    Blob,
    /// NULL
    Null,
}

impl ValueType {
    fn of(value: &Value) -> ValueType {
        match value {
            Value::Null => ValueType::Null,
            Value::Integer(_) => ValueType::Integer,
            Value::Real(_) => ValueType::Real,
            Value::Text(_) => ValueType::Text,
            Value::Blob(_) => ValueType::Blob,
        }
    }
}

/// Column metadata of a result, fetched only when somebody asks: most queries read
/// values by index, and building names costs allocations on every run.
pub(crate) struct LazyColumns {
    columns: OnceLock<Vec<Column>>,
    fetch: Box<dyn Fn() -> Vec<Column> + Send + Sync>,
}

impl LazyColumns {
    pub(crate) fn known(columns: Vec<Column>) -> Arc<LazyColumns> {
        Arc::new(LazyColumns {
            columns: OnceLock::from(columns),
            fetch: Box::new(Vec::new),
        })
    }

    pub(crate) fn later(
        fetch: impl Fn() -> Vec<Column> + Send + Sync + 'static,
    ) -> Arc<LazyColumns> {
        Arc::new(LazyColumns {
            columns: OnceLock::new(),
            fetch: Box::new(fetch),
        })
    }

    fn get(&self) -> &[Column] {
        self.columns.get_or_init(|| (self.fetch)())
    }
}

impl std::fmt::Debug for LazyColumns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazyColumns")
            .field("columns", &self.columns.get())
            .finish()
    }
}

/// The rows of a query, read one at a time with [`Rows::next`].
///
/// The values sit in one flat buffer, row after row: one allocation per query instead of
/// one per row, which keeps large results cache-friendly.
#[derive(Debug)]
pub struct Rows {
    columns: Arc<LazyColumns>,
    width: usize,
    remaining: usize,
    values: std::vec::IntoIter<Value>,
}

impl Rows {
    /// Rows from a flat buffer of `rows × width` values.
    pub(crate) fn from_flat(
        columns: Arc<LazyColumns>,
        width: usize,
        rows: usize,
        values: Vec<Value>,
    ) -> Rows {
        Rows {
            columns,
            width,
            remaining: rows,
            values: values.into_iter(),
        }
    }

    pub(crate) fn new(columns: Arc<LazyColumns>, width: usize, rows: Vec<Vec<Value>>) -> Rows {
        let count = rows.len();
        Rows::from_flat(columns, width, count, rows.into_iter().flatten().collect())
    }

    /// The next row, or `None` after the last.
    #[allow(clippy::should_implement_trait)]
    pub async fn next(&mut self) -> Result<Option<Row>> {
        if self.remaining == 0 {
            return Ok(None);
        }
        self.remaining -= 1;
        let values = self.values.by_ref().take(self.width).collect();
        Ok(Some(Row {
            columns: self.columns.clone(),
            values,
        }))
    }

    /// Number of result columns.
    pub fn column_count(&self) -> i32 {
        i32::try_from(self.width).unwrap_or(i32::MAX)
    }

    /// A column's name.
    pub fn column_name(&self, index: i32) -> Option<&str> {
        column(self.columns.get(), index).map(|c| c.name.as_str())
    }

    /// A column's declared type, if it has one.
    pub fn column_decltype(&self, index: i32) -> Option<&str> {
        column(self.columns.get(), index).and_then(|c| c.decltype.as_deref())
    }

    /// The type of the next row's value in this column.
    pub fn column_type(&self, index: i32) -> Result<ValueType> {
        if self.remaining == 0 {
            return Err(Error::QueryReturnedNoRows);
        }
        let row = &self.values.as_slice()[..self.width];
        let value = value_at(row, index)?;
        Ok(ValueType::of(value))
    }
}

/// One result row.
#[derive(Debug, Clone)]
pub struct Row {
    columns: Arc<LazyColumns>,
    values: Vec<Value>,
}

impl Row {
    /// The value at `index` as `T`.
    pub fn get<T: FromValue>(&self, index: i32) -> Result<T> {
        let value = value_at(&self.values, index)?;
        T::from_value(value).ok_or(Error::Conversion {
            index,
            expected: std::any::type_name::<T>(),
            found: value.type_name(),
        })
    }

    /// The value at `index`, as it is.
    pub fn get_value(&self, index: i32) -> Result<Value> {
        value_at(&self.values, index).cloned()
    }

    /// The text at `index`, borrowed.
    pub fn get_str(&self, index: i32) -> Result<&str> {
        match value_at(&self.values, index)? {
            Value::Text(t) => Ok(t),
            other => Err(Error::Conversion {
                index,
                expected: "&str",
                found: other.type_name(),
            }),
        }
    }

    /// The blob at `index`, borrowed.
    pub fn get_blob(&self, index: i32) -> Result<&[u8]> {
        match value_at(&self.values, index)? {
            Value::Blob(b) => Ok(b),
            other => Err(Error::Conversion {
                index,
                expected: "&[u8]",
                found: other.type_name(),
            }),
        }
    }

    /// Number of columns.
    pub fn column_count(&self) -> i32 {
        i32::try_from(self.values.len()).unwrap_or(i32::MAX)
    }

    /// A column's name.
    pub fn column_name(&self, index: i32) -> Option<&str> {
        column(self.columns.get(), index).map(|c| c.name.as_str())
    }

    /// The type of the value at `index`.
    pub fn column_type(&self, index: i32) -> Result<ValueType> {
        value_at(&self.values, index).map(ValueType::of)
    }
}

fn column(columns: &[Column], index: i32) -> Option<&Column> {
    usize::try_from(index).ok().and_then(|i| columns.get(i))
}

fn value_at(values: &[Value], index: i32) -> Result<&Value> {
    usize::try_from(index)
        .ok()
        .and_then(|i| values.get(i))
        .ok_or(Error::ColumnIndex(index))
}

/// Rust types a column value converts into. Integers convert only from INTEGER (and
/// refuse values out of range), floats from REAL or INTEGER, `String` from TEXT,
/// `Vec<u8>` from BLOB, `Option<T>` maps NULL to `None`.
pub trait FromValue: Sized {
    /// Converts, or `None` when the value has another type.
    fn from_value(value: &Value) -> Option<Self>;
}

impl FromValue for Value {
    fn from_value(value: &Value) -> Option<Self> {
        Some(value.clone())
    }
}

macro_rules! from_integer {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(value: &Value) -> Option<Self> {
                match value {
                    Value::Integer(i) => <$t>::try_from(*i).ok(),
                    _ => None,
                }
            }
        }
    )*};
}
from_integer!(i8, i16, i32, i64, u8, u16, u32, u64, usize, isize);

impl FromValue for bool {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Integer(i) => Some(*i != 0),
            _ => None,
        }
    }
}

impl FromValue for f64 {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Real(f) => Some(*f),
            #[allow(clippy::cast_precision_loss)]
            Value::Integer(i) => Some(*i as f64),
            _ => None,
        }
    }
}

impl FromValue for f32 {
    fn from_value(value: &Value) -> Option<Self> {
        #[allow(clippy::cast_possible_truncation)]
        f64::from_value(value).map(|f| f as f32)
    }
}

impl FromValue for String {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Text(t) => Some(t.clone()),
            _ => None,
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Blob(b) => Some(b.clone()),
            _ => None,
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Null => Some(None),
            other => T::from_value(other).map(Some),
        }
    }
}
