//! The conversions `sqlite3_column_int` and `sqlite3_column_double` apply to a value of
//! another type. sqllogictest's `I` and `R` columns print what these return, so a TEXT
//! `'12abc'` in an `I` column prints `12` and in an `R` column `12.000`.

use basalt_engine::Value;

/// `sqlite3_column_int`: the 64-bit integer conversion, then its low 32 bits.
pub fn column_int(value: &Value) -> i32 {
    // Truncation to the low 32 bits is what the C API does (`(int)sqlite3VdbeIntValue`).
    column_int64(value) as i32
}

/// `sqlite3_column_int64`: integers as they are, reals truncated toward zero (saturating),
/// text and blobs by their leading integer prefix, NULL as 0.
pub fn column_int64(value: &Value) -> i64 {
    match value {
        Value::Null => 0,
        Value::Integer(i) => *i,
        // `as` saturates at the i64 range, as `sqlite3RealToI64` does.
        Value::Real(r) => *r as i64,
        Value::Text(text) => integer_prefix(text.as_bytes()),
        Value::Blob(bytes) => integer_prefix(bytes),
    }
}

/// `sqlite3_column_double`: integers widened, text and blobs by their leading real-number
/// prefix, NULL as 0.0.
pub fn column_double(value: &Value) -> f64 {
    match value {
        Value::Null => 0.0,
        Value::Integer(i) => *i as f64,
        Value::Real(r) => *r,
        Value::Text(text) => real_prefix(text.as_bytes()),
        Value::Blob(bytes) => real_prefix(bytes),
    }
}

/// SQLite's `sqlite3Isspace`: space, `\t`, `\n`, `\v`, `\f`, `\r`.
fn is_space(byte: u8) -> bool {
    byte == b' ' || (b'\t'..=b'\r').contains(&byte)
}

fn skip_spaces(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !is_space(*b))
        .unwrap_or(bytes.len());
    &bytes[start..]
}

/// The integer `sqlite3Atoi64` reads from the start of `bytes`: optional leading spaces and
/// sign, then digits up to the first non-digit. No digits gives 0; values outside the i64
/// range saturate.
pub fn integer_prefix(bytes: &[u8]) -> i64 {
    let bytes = skip_spaces(bytes);
    let (negative, digits) = match bytes.first() {
        Some(b'-') => (true, &bytes[1..]),
        Some(b'+') => (false, &bytes[1..]),
        _ => (false, bytes),
    };
    // Anything past 2^63 saturates, so accumulating in i128 and stopping early is exact.
    let limit = i128::from(i64::MAX) + 1;
    let mut magnitude: i128 = 0;
    for digit in digits.iter().take_while(|b| b.is_ascii_digit()) {
        magnitude = (magnitude * 10 + i128::from(digit - b'0')).min(limit);
    }
    let signed = if negative { -magnitude } else { magnitude };
    i64::try_from(signed).unwrap_or(if negative { i64::MIN } else { i64::MAX })
}

/// The real number `sqlite3AtoF` reads from the start of `bytes`: optional leading spaces
/// and sign, digits with an optional fraction, and an optional exponent. No digits gives 0.0.
pub fn real_prefix(bytes: &[u8]) -> f64 {
    let bytes = skip_spaces(bytes);
    let count_digits = |from: usize| {
        bytes[from.min(bytes.len())..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let mut end = usize::from(matches!(bytes.first(), Some(b'-' | b'+')));
    let integer_digits = count_digits(end);
    end += integer_digits;
    let mut fraction_digits = 0;
    if bytes.get(end) == Some(&b'.') {
        fraction_digits = count_digits(end + 1);
        end += 1 + fraction_digits;
    }
    if integer_digits + fraction_digits == 0 {
        return 0.0;
    }
    if matches!(bytes.get(end), Some(b'e' | b'E')) {
        let mut exponent_end = end + 1;
        if matches!(bytes.get(exponent_end), Some(b'-' | b'+')) {
            exponent_end += 1;
        }
        let exponent_digits = count_digits(exponent_end);
        // An `e` without digits is not part of the number ("12e" reads as 12).
        if exponent_digits > 0 {
            end = exponent_end + exponent_digits;
        }
    }
    let number = std::str::from_utf8(&bytes[..end]).expect("the prefix is ASCII");
    // Rust wants a digit before an exponent and does not take "1." before one.
    let number = number.replacen(".e", ".0e", 1).replacen(".E", ".0E", 1);
    number.parse().unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_takes_low_32_bits() {
        assert_eq!(column_int(&Value::Integer(7)), 7);
        assert_eq!(column_int(&Value::Integer(-7)), -7);
        assert_eq!(column_int(&Value::Integer(1 << 32)), 0);
        assert_eq!(column_int(&Value::Integer((1 << 32) + 5)), 5);
        assert_eq!(column_int(&Value::Integer(0x8000_0000)), i32::MIN);
        assert_eq!(column_int(&Value::Integer(i64::MAX)), -1);
        assert_eq!(column_int(&Value::Null), 0);
    }

    #[test]
    fn int_truncates_reals_toward_zero() {
        assert_eq!(column_int(&Value::Real(2.9)), 2);
        assert_eq!(column_int(&Value::Real(-2.9)), -2);
        assert_eq!(
            column_int(&Value::Real(1e300)),
            -1,
            "saturates to i64::MAX, low bits all ones"
        );
        assert_eq!(column_int64(&Value::Real(-1e300)), i64::MIN);
        assert_eq!(column_int(&Value::Real(4294967298.5)), 2);
    }

    #[test]
    fn int_reads_the_leading_integer_of_text() {
        assert_eq!(column_int(&Value::Text("12abc".into())), 12);
        assert_eq!(column_int(&Value::Text("  -34.9".into())), -34);
        assert_eq!(column_int(&Value::Text("+5".into())), 5);
        assert_eq!(column_int(&Value::Text("1e5".into())), 1);
        assert_eq!(column_int(&Value::Text("abc".into())), 0);
        assert_eq!(column_int(&Value::Text("".into())), 0);
        assert_eq!(column_int(&Value::Text("- 5".into())), 0);
        assert_eq!(
            column_int64(&Value::Text("99999999999999999999999".into())),
            i64::MAX
        );
        assert_eq!(
            column_int64(&Value::Text("-9223372036854775808".into())),
            i64::MIN
        );
        assert_eq!(
            column_int64(&Value::Text("-99999999999999999999".into())),
            i64::MIN
        );
        assert_eq!(column_int(&Value::Blob(b"42\x00x".to_vec())), 42);
    }

    #[test]
    fn double_reads_the_leading_real_of_text() {
        assert_eq!(column_double(&Value::Integer(3)), 3.0);
        assert_eq!(column_double(&Value::Text("2.5xyz".into())), 2.5);
        assert_eq!(column_double(&Value::Text(" -1e3".into())), -1000.0);
        assert_eq!(column_double(&Value::Text("12e".into())), 12.0);
        assert_eq!(column_double(&Value::Text("12e+".into())), 12.0);
        assert_eq!(column_double(&Value::Text("1.e2".into())), 100.0);
        assert_eq!(column_double(&Value::Text(".5".into())), 0.5);
        assert_eq!(column_double(&Value::Text(".".into())), 0.0);
        assert_eq!(column_double(&Value::Text("abc".into())), 0.0);
        assert_eq!(column_double(&Value::Text("-".into())), 0.0);
        assert_eq!(column_double(&Value::Blob(b"7.25".to_vec())), 7.25);
    }
}
