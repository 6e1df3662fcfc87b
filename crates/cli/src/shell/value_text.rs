//! Turning values into text the way SQLite does: reals as SQLite's own text conversion
//! prints them, SQL literals for `.dump`, and identifier quoting.
//!
//! The shell must print a real exactly as `CAST(x AS TEXT)` would, without asking SQLite
//! for every value. The bundled SQLite (3.54) renders reals with `%!.17g` and then shortens
//! the digits when a shorter decimal converts back to the same double; [`real_to_text`]
//! follows the same steps, and a unit test checks it against the engine.

/// SQLite's text form of a real, as `CAST(r AS TEXT)` gives it: `1.0`, `0.1`, `1.0e+300`.
pub(crate) fn real_to_text(r: f64) -> String {
    if r.is_nan() {
        return "NaN".to_owned();
    }
    if r.is_infinite() {
        return if r < 0.0 { "-Inf" } else { "Inf" }.to_owned();
    }
    if r == 0.0 {
        // SQLite drops the sign of negative zero.
        return "0.0".to_owned();
    }
    let (digits, point) = significant_digits(r.abs());
    let mut out = String::with_capacity(digits.len() + 8);
    if r < 0.0 {
        out.push('-');
    }
    let exp = point - 1;
    if !(-4..=16).contains(&exp) {
        out.push_str(&digits[..1]);
        out.push('.');
        out.push_str(if digits.len() > 1 { &digits[1..] } else { "0" });
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exp.unsigned_abs()));
    } else if point <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', point.unsigned_abs() as usize));
        out.push_str(&digits);
    } else {
        let point = point as usize;
        if digits.len() > point {
            out.push_str(&digits[..point]);
            out.push('.');
            out.push_str(&digits[point..]);
        } else {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', point - digits.len()));
            out.push_str(".0");
        }
    }
    out
}

/// The significant digits SQLite keeps for a positive finite `r` (no trailing zeros) and
/// the position of the decimal point relative to the first digit (`r = 0.DIGITS × 10^point`).
fn significant_digits(r: f64) -> (String, i32) {
    // SQLite first converts to an integer of 18 or 19 digits (which one depends on the
    // binary exponent), then rounds that half-up to 17 digits. The double rounding shows
    // in the last digit, so do the same.
    let magnitude = decimal_exponent(r);
    let n = (18 + magnitude - engine_exponent_estimate(r)).clamp(1, 20);
    let text = format!("{r:.*e}", (n - 1) as usize);
    let (mantissa, exp) = text.split_once('e').expect("`{:e}` output has an exponent");
    let mut z: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    let mut point: i32 = exp.parse::<i32>().expect("`{:e}` exponent is an integer") + 1;
    if n <= 17 {
        while z.len() > 1 && z.last() == Some(&b'0') {
            z.pop();
        }
        return (String::from_utf8(z).expect("ASCII digits"), point);
    }

    let value_of = |digits: &[u8], extra: u64, shift: i32| -> f64 {
        let mut v: u64 = digits
            .iter()
            .fold(0, |acc, d| acc * 10 + u64::from(d - b'0'));
        v += extra;
        format!("{v}e{shift}")
            .parse()
            .expect("a decimal literal parses")
    };
    let mut keep = 17usize;
    if z[15] == b'9' && z[14] == b'9' {
        // A run of nines: does rounding up just before it give back the same double?
        let mut jj = 14;
        while jj > 0 && z[jj - 1] == b'9' {
            jj -= 1;
        }
        let candidate = if jj == 0 {
            value_of(&[], 1, point)
        } else {
            value_of(&z[..jj], 1, point - jj as i32)
        };
        if candidate == r {
            keep = jj + 1;
        }
    } else if point >= n || (z[15] == b'0' && z[14] == b'0' && z[13] == b'0') {
        // A run of zeros: does cutting it off give back the same double?
        let mut jj = 13;
        while z[jj - 1] == b'0' {
            jj -= 1;
        }
        if value_of(&z[..jj], 0, point - jj as i32) == r {
            keep = jj + 1;
        }
    }
    let round_up = z[keep] >= b'5';
    z.truncate(keep);
    if round_up {
        let mut j = keep;
        loop {
            if j == 0 {
                z.insert(0, b'1');
                point += 1;
                break;
            }
            j -= 1;
            if z[j] == b'9' {
                z[j] = b'0';
            } else {
                z[j] += 1;
                break;
            }
        }
    }
    while z.len() > 1 && z.last() == Some(&b'0') {
        z.pop();
    }
    (String::from_utf8(z).expect("ASCII digits"), point)
}

/// `floor(log10(r))` for a positive finite `r`.
fn decimal_exponent(r: f64) -> i32 {
    let text = format!("{r:e}");
    text.split_once('e')
        .and_then(|(_, e)| e.parse().ok())
        .expect("`{:e}` has an integer exponent")
}

/// SQLite's estimate of the decimal exponent of `r`, from its binary exponent: with
/// `r = m × 2^e` and `m` in `[2^63, 2^64)`, `floor((e + 63) × log10 2)` computed as SQLite
/// computes it. The number of digits SQLite extracts depends on it.
fn engine_exponent_estimate(r: f64) -> i32 {
    let bits = r.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let mantissa = bits & ((1 << 52) - 1);
    let e = if biased == 0 {
        -1074 - mantissa.leading_zeros() as i32
    } else {
        biased - 1086
    };
    ((e + 63) * 78913) >> 18
}

/// A real as a SQL literal that reads back as exactly the same double. Infinities
/// become `1e999` / `-1e999`, which SQLite reads as infinities.
pub(crate) fn real_literal(r: f64) -> String {
    if r.is_infinite() {
        return if r < 0.0 { "-1e999" } else { "1e999" }.to_owned();
    }
    let text = real_to_text(r);
    if text.parse::<f64>().ok() == Some(r) {
        return text;
    }
    // Rust's shortest round-trip form; `{:e}` always has an exponent, so SQLite reads it
    // as a real rather than an integer.
    format!("{r:e}")
}

/// A text value as a SQL string literal. Newlines and carriage returns are spelled
/// `char(10)` / `char(13)` (through `replace`), as the sqlite3 shell does, so each
/// statement of a dump stays on one line.
pub(crate) fn text_literal(text: &str) -> String {
    let mut literal = format!("'{}'", text.replace('\'', "''"));
    // The stand-in for a newline must not already occur in the text, or `replace` would
    // turn it into a newline too.
    if text.contains('\n') {
        let marker = unused_marker(text, "\\n", "\\012");
        literal = format!(
            "replace({},'{marker}',char(10))",
            literal.replace('\n', &marker)
        );
    }
    if text.contains('\r') {
        let marker = unused_marker(&literal, "\\r", "\\015");
        literal = format!(
            "replace({},'{marker}',char(13))",
            literal.replace('\r', &marker)
        );
    }
    literal
}

/// `first` or `second` if `text` does not contain it, else a numbered variant that it
/// does not contain.
fn unused_marker(text: &str, first: &str, second: &str) -> String {
    if !text.contains(first) {
        return first.to_owned();
    }
    if !text.contains(second) {
        return second.to_owned();
    }
    (0u64..)
        .map(|i| format!("({second}{i})"))
        .find(|m| !text.contains(m.as_str()))
        .expect("some numbered marker is unused")
}

/// A blob as a SQL literal: `X'00ff'`.
pub(crate) fn blob_literal(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2 + 3);
    out.push_str("X'");
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    out.push('\'');
    out
}

/// Any value as a SQL literal.
pub(crate) fn literal(value: &basalt_engine::Value) -> String {
    use basalt_engine::Value;
    match value {
        Value::Null => "NULL".to_owned(),
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => real_literal(*r),
        Value::Text(t) => text_literal(t),
        Value::Blob(b) => blob_literal(b),
    }
}

/// SQLite's keywords: an identifier spelled like one must be quoted.
const KEYWORDS: &[&str] = &[
    "ABORT",
    "ACTION",
    "ADD",
    "AFTER",
    "ALL",
    "ALTER",
    "ALWAYS",
    "ANALYZE",
    "AND",
    "AS",
    "ASC",
    "ATTACH",
    "AUTOINCREMENT",
    "BEFORE",
    "BEGIN",
    "BETWEEN",
    "BY",
    "CASCADE",
    "CASE",
    "CAST",
    "CHECK",
    "COLLATE",
    "COLUMN",
    "COMMIT",
    "CONFLICT",
    "CONSTRAINT",
    "CREATE",
    "CROSS",
    "CURRENT",
    "CURRENT_DATE",
    "CURRENT_TIME",
    "CURRENT_TIMESTAMP",
    "DATABASE",
    "DEFAULT",
    "DEFERRABLE",
    "DEFERRED",
    "DELETE",
    "DESC",
    "DETACH",
    "DISTINCT",
    "DO",
    "DROP",
    "EACH",
    "ELSE",
    "END",
    "ESCAPE",
    "EXCEPT",
    "EXCLUDE",
    "EXCLUSIVE",
    "EXISTS",
    "EXPLAIN",
    "FAIL",
    "FILTER",
    "FIRST",
    "FOLLOWING",
    "FOR",
    "FOREIGN",
    "FROM",
    "FULL",
    "GENERATED",
    "GLOB",
    "GROUP",
    "GROUPS",
    "HAVING",
    "IF",
    "IGNORE",
    "IMMEDIATE",
    "IN",
    "INDEX",
    "INDEXED",
    "INITIALLY",
    "INNER",
    "INSERT",
    "INSTEAD",
    "INTERSECT",
    "INTO",
    "IS",
    "ISNULL",
    "JOIN",
    "KEY",
    "LAST",
    "LEFT",
    "LIKE",
    "LIMIT",
    "MATCH",
    "MATERIALIZED",
    "NATURAL",
    "NO",
    "NOT",
    "NOTHING",
    "NOTNULL",
    "NULL",
    "NULLS",
    "OF",
    "OFFSET",
    "ON",
    "OR",
    "ORDER",
    "OTHERS",
    "OUTER",
    "OVER",
    "PARTITION",
    "PLAN",
    "PRAGMA",
    "PRECEDING",
    "PRIMARY",
    "QUERY",
    "RAISE",
    "RANGE",
    "RECURSIVE",
    "REFERENCES",
    "REGEXP",
    "REINDEX",
    "RELEASE",
    "RENAME",
    "REPLACE",
    "RESTRICT",
    "RETURNING",
    "RIGHT",
    "ROLLBACK",
    "ROW",
    "ROWS",
    "SAVEPOINT",
    "SELECT",
    "SET",
    "TABLE",
    "TEMP",
    "TEMPORARY",
    "THEN",
    "TIES",
    "TO",
    "TRANSACTION",
    "TRIGGER",
    "UNBOUNDED",
    "UNION",
    "UNIQUE",
    "UPDATE",
    "USING",
    "VACUUM",
    "VALUES",
    "VIEW",
    "VIRTUAL",
    "WHEN",
    "WHERE",
    "WINDOW",
    "WITH",
    "WITHOUT",
];

/// An identifier, double-quoted only when it has to be (not a plain name, or a keyword).
pub(crate) fn quote_identifier(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(name));
    if plain {
        name.to_owned()
    } else {
        always_quote_identifier(name)
    }
}

/// An identifier in double quotes, with inner quotes doubled.
pub(crate) fn always_quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use basalt_engine::{Connection, Params, Value};

    fn engine_text(conn: &Connection, r: f64) -> String {
        let result = conn
            .execute(
                "SELECT CAST(?1 AS TEXT)",
                &Params::Positional(vec![Value::Real(r)]),
            )
            .expect("cast runs");
        match &result.rows[0][0] {
            Value::Text(t) => t.clone(),
            other => panic!("CAST gave {other:?}"),
        }
    }

    /// Deterministic pseudo-random doubles (xorshift), no dependency needed.
    fn random_doubles(count: usize) -> Vec<f64> {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut out = Vec::with_capacity(count);
        while out.len() < count {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let f = f64::from_bits(state);
            if f.is_finite() {
                out.push(f);
            }
        }
        out
    }

    #[test]
    fn common_values() {
        let cases = [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (-2.5, "-2.5"),
            (100.0, "100.0"),
            (1e300, "1.0e+300"),
            (1.5e-5, "1.5e-05"),
            (0.0001, "0.0001"),
            (-0.0, "0.0"),
            (1e15, "1000000000000000.0"),
            (1e17, "1.0e+17"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1.0 / 3.0, "0.33333333333333332"),
            (49.47, "49.47"),
            (f64::INFINITY, "Inf"),
            (f64::NEG_INFINITY, "-Inf"),
        ];
        for (value, text) in cases {
            assert_eq!(real_to_text(value), text, "{value:e}");
        }
    }

    #[test]
    fn matches_the_engine() {
        let conn = Connection::open_in_memory().expect("in-memory database");
        let mut values = vec![
            0.1,
            0.2,
            0.3,
            0.5,
            1.0,
            2.0,
            10.0,
            1e15,
            1e16,
            1e17,
            1e-4,
            1e-5,
            123456.789,
            std::f64::consts::PI,
            std::f64::consts::E,
            1e300,
            1e-300,
            5e-324,
            f64::MAX,
            f64::MIN_POSITIVE,
            9007199254740993.0,
            0.1 + 0.2,
            1.0 / 3.0,
            2.0 / 3.0,
            49.47,
            1234567890123456789.0,
        ];
        for i in 1..200 {
            values.push(f64::from(i) / 100.0);
            values.push(f64::from(i) * 1.1);
            values.push(1.0 / f64::from(i));
        }
        values.extend(random_doubles(3000));
        let mut mismatches = Vec::new();
        let mut last_digit_only = 0;
        for v in values {
            for v in [v, -v] {
                let ours = real_to_text(v);
                let theirs = engine_text(&conn, v);
                if ours == theirs {
                    continue;
                }
                // Far from 1.0, SQLite's scaled power-of-ten table is approximate and its
                // seventeenth digit can differ from the exactly computed one; both texts
                // still name the same double.
                let extreme = !(1e-100..1e100).contains(&v.abs());
                let same_double = ours.parse::<f64>().ok() == theirs.parse::<f64>().ok();
                if extreme && same_double && ours.len() == theirs.len() {
                    last_digit_only += 1;
                } else {
                    mismatches.push(format!("{v:e}: ours {ours} engine {theirs}"));
                }
            }
        }
        assert!(
            mismatches.is_empty(),
            "{} mismatches:\n{}",
            mismatches.len(),
            mismatches.join("\n")
        );
        assert!(
            last_digit_only < 20,
            "{last_digit_only} extreme values differ in the last digit"
        );
    }

    #[test]
    fn real_literals_round_trip() {
        for v in random_doubles(2000)
            .into_iter()
            .chain([0.1, 1e300, -0.0, 5e-324, f64::MAX])
        {
            let text = real_literal(v);
            assert_eq!(text.parse::<f64>().expect("parses"), v, "{text}");
            assert!(
                text.contains('.') || text.contains('e'),
                "{text} must read as a real"
            );
        }
        assert_eq!(real_literal(f64::INFINITY), "1e999");
    }

    #[test]
    fn literals() {
        assert_eq!(text_literal("it's"), "'it''s'");
        assert_eq!(text_literal("a\nb"), "replace('a\\nb','\\n',char(10))");
        assert_eq!(
            text_literal("a\r\nb"),
            "replace(replace('a\\r\\nb','\\n',char(10)),'\\r',char(13))"
        );
        assert_eq!(
            text_literal("\\n\n"),
            "replace('\\n\\012','\\012',char(10))"
        );
        assert_eq!(blob_literal(&[0, 0xff]), "X'00ff'");
        assert_eq!(blob_literal(&[]), "X''");
        assert_eq!(literal(&Value::Null), "NULL");
        assert_eq!(literal(&Value::Integer(i64::MIN)), "-9223372036854775808");
    }

    #[test]
    fn identifiers() {
        assert_eq!(quote_identifier("t"), "t");
        assert_eq!(quote_identifier("_x1"), "_x1");
        assert_eq!(quote_identifier("odd name"), "\"odd name\"");
        assert_eq!(quote_identifier("order"), "\"order\"");
        assert_eq!(quote_identifier("1abc"), "\"1abc\"");
        assert_eq!(quote_identifier("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_identifier(""), "\"\"");
    }
}
