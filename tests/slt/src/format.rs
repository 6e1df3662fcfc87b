//! Turning result values into the lines sqllogictest compares, as SQLite's own driver
//! (`slt_sqlite.c`) prints them, and hashing long results.
//!
//! Every value becomes one line, chosen by its column's type letter: `T` prints the value as
//! `sqlite3_column_text` renders it, `I` as `sqlite3_column_int` converts it, `R` as
//! `sqlite3_column_double` converts it with three decimals. NULL prints `NULL` under any
//! letter. Lines are pure printable ASCII: `T` replaces every other byte with `@`.

mod coerce;
mod real;

use basalt_engine::Value;
use md5::{Digest, Md5};

pub use coerce::{column_double, column_int};

/// A column's type letter in a `query` record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// `T`: text.
    Text,
    /// `I`: 32-bit integer.
    Integer,
    /// `R`: real, three decimals.
    Real,
    /// Any other letter; SQLite's driver rejects the query when it runs.
    Unknown(char),
}

impl sqllogictest::ColumnType for ColumnType {
    fn from_char(value: char) -> Option<Self> {
        Some(match value {
            'T' => ColumnType::Text,
            'I' => ColumnType::Integer,
            'R' => ColumnType::Real,
            other => ColumnType::Unknown(other),
        })
    }

    fn to_char(&self) -> char {
        match self {
            ColumnType::Text => 'T',
            ColumnType::Integer => 'I',
            ColumnType::Real => 'R',
            ColumnType::Unknown(other) => *other,
        }
    }
}

/// The line sqllogictest prints for `value` in a column of type `column`, or `None` for an
/// unknown type letter. `real_text` renders a REAL as SQLite's text (see
/// [`crate::Backend::real_to_text`]).
pub fn format_value(
    value: &Value,
    column: ColumnType,
    real_text: &mut dyn FnMut(f64) -> String,
) -> Option<String> {
    if matches!(value, Value::Null) {
        return Some("NULL".to_owned());
    }
    Some(match column {
        ColumnType::Text => format_text(value, real_text),
        ColumnType::Integer => column_int(value).to_string(),
        ColumnType::Real => real::fixed3(column_double(value)),
        ColumnType::Unknown(_) => return None,
    })
}

/// What `sqlite3_column_text` gives for `value`, as the driver prints it: empty text is
/// `(empty)`, the text stops at a NUL byte (the driver handles C strings), and each byte
/// outside `0x20..=0x7e` becomes `@`.
fn format_text(value: &Value, real_text: &mut dyn FnMut(f64) -> String) -> String {
    let bytes: &[u8] = match value {
        Value::Null => return "NULL".to_owned(),
        Value::Integer(i) => return i.to_string(),
        Value::Real(r) => return real_text(*r),
        Value::Text(text) => text.as_bytes(),
        Value::Blob(bytes) => bytes,
    };
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    if end == 0 {
        return "(empty)".to_owned();
    }
    bytes[..end]
        .iter()
        .map(|b| {
            if (0x20..=0x7e).contains(b) {
                char::from(*b)
            } else {
                '@'
            }
        })
        .collect()
}

/// SQLite's real-to-text conversion, reimplemented: `%!.15g` (`1.0`, `0.1`, `1.0e+20`), or
/// `%!.17g` when 15 digits do not read back as `value`. Exact for the 15-digit form; in the
/// 17-digit form SQLite's choice and last digit occasionally differ from this one.
pub fn real_to_text(value: f64) -> String {
    real::text(value)
}

/// SQLite's `printf("%.3f")`, as used for `R` columns.
pub fn real_fixed3(value: f64) -> String {
    real::fixed3(value)
}

/// The line that stands for `values` once they are hashed: `N values hashing to MD5`, where
/// the MD5 is taken over every value followed by a newline.
pub fn hash_line(values: &[String]) -> String {
    let mut md5 = Md5::new();
    for value in values {
        md5.update(value.as_bytes());
        md5.update(b"\n");
    }
    let digest = md5.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("{} values hashing to {hex}", values.len())
}

/// True when `line` has the shape of a hash line (`N values hashing to <32 hex digits>`).
pub fn is_hash_line(line: &str) -> bool {
    let Some((count, hash)) = line.split_once(" values hashing to ") else {
        return false;
    };
    !count.is_empty()
        && count.bytes().all(|b| b.is_ascii_digit())
        && hash.len() == 32
        && hash.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format(value: &Value, column: ColumnType) -> Option<String> {
        format_value(value, column, &mut real_to_text)
    }
    fn text(value: Value) -> String {
        format(&value, ColumnType::Text).expect("known type")
    }
    fn int(value: Value) -> String {
        format(&value, ColumnType::Integer).expect("known type")
    }
    fn real(value: Value) -> String {
        format(&value, ColumnType::Real).expect("known type")
    }

    #[test]
    fn null_prints_null_under_every_letter() {
        assert_eq!(text(Value::Null), "NULL");
        assert_eq!(int(Value::Null), "NULL");
        assert_eq!(real(Value::Null), "NULL");
    }

    #[test]
    fn text_column() {
        assert_eq!(text(Value::Text("abc".into())), "abc");
        assert_eq!(text(Value::Text(String::new())), "(empty)");
        assert_eq!(text(Value::Text("a\tb\nc".into())), "a@b@c");
        assert_eq!(text(Value::Text("~ \u{7f}".into())), "~ @");
        assert_eq!(
            text(Value::Text("é".into())),
            "@@",
            "one @ per byte, as the C driver does"
        );
        assert_eq!(text(Value::Text("ab\0cd".into())), "ab");
        assert_eq!(text(Value::Blob(b"\0x".to_vec())), "(empty)");
        assert_eq!(text(Value::Blob(b"hi\x01".to_vec())), "hi@");
        assert_eq!(text(Value::Integer(-42)), "-42");
        assert_eq!(text(Value::Real(1.0)), "1.0");
        assert_eq!(text(Value::Real(2.5)), "2.5");
        assert_eq!(text(Value::Real(1e20)), "1.0e+20");
    }

    #[test]
    fn integer_column() {
        assert_eq!(int(Value::Integer(-3)), "-3");
        assert_eq!(int(Value::Integer(1 << 33)), "0");
        assert_eq!(int(Value::Real(-7.9)), "-7");
        assert_eq!(int(Value::Text("  17 apples".into())), "17");
        assert_eq!(int(Value::Text("apples".into())), "0");
        assert_eq!(int(Value::Blob(b"-8".to_vec())), "-8");
    }

    #[test]
    fn real_column() {
        assert_eq!(real(Value::Integer(3)), "3.000");
        assert_eq!(real(Value::Real(-0.5)), "-0.500");
        assert_eq!(real(Value::Real(2.0 / 3.0)), "0.667");
        assert_eq!(real(Value::Text("1.5e1x".into())), "15.000");
        assert_eq!(real(Value::Text("x".into())), "0.000");
    }

    #[test]
    fn unknown_letter_has_no_format() {
        assert_eq!(format(&Value::Integer(1), ColumnType::Unknown('X')), None);
        assert_eq!(
            format(&Value::Null, ColumnType::Unknown('X')),
            Some("NULL".into())
        );
    }

    #[test]
    fn hashing() {
        // md5("") and md5("1\n2\n"), checked with coreutils' md5sum.
        assert_eq!(
            hash_line(&[]),
            "0 values hashing to d41d8cd98f00b204e9800998ecf8427e"
        );
        assert_eq!(
            hash_line(&["1".to_owned(), "2".to_owned()]),
            "2 values hashing to 6ddb4095eb719e2a9f0a3f95677d24e0"
        );
        assert!(is_hash_line(
            "30 values hashing to 3b4f4ef8fe5a1ddb1e9c82d0b21dd5d7"
        ));
        assert!(!is_hash_line("30 values hashing to 3b4f"));
        assert!(!is_hash_line(
            "x values hashing to 3b4f4ef8fe5a1ddb1e9c82d0b21dd5d7"
        ));
        assert!(!is_hash_line("12"));
    }
}
