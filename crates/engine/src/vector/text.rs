//! Vector text: parsing `'[1, 2.5, -3e2]'` and printing elements the way libSQL's
//! `vector_extract` does.
//!
//! Parsing (LIBSQL-SURFACE.md §9.2): optional whitespace, `[`, comma-separated decimal
//! numbers (optional sign, digits with an optional fraction or a fraction alone, optional
//! exponent), `]`, optional whitespace; `[]` is empty; the text ends at a NUL byte as it
//! does for libSQL's C parser. Deliberate differences from libSQL (§13.1): whitespace
//! inside a number is an error instead of being dropped (libSQL reads `[1 2]` as `[12]`),
//! and a number that overflows the element type is an error instead of infinity.
//!
//! Printing uses SQLite's `%g`: six significant digits, rounded half-up on the decimal
//! digits, trailing zeros removed, exponent form when the exponent is below −4 or above
//! 5 (at least two exponent digits), `Inf`/`-Inf`/`NaN`, and `-0` printed as `0`.

use std::fmt::Write as _;

use super::error::VectorError;
use super::types::{MAX_DIMS, VectorType};
use super::value::Vector;

/// C's `isspace` in the "C" locale.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn trim(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| !is_space(b)).unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|&b| !is_space(b))
        .map_or(start, |e| e + 1);
    &s[start..end]
}

/// Parses vector text into float32 (`ty` = F32) or float64 (`ty` = F64) elements; any
/// other `ty` parses as float32 for the caller to convert.
pub(crate) fn parse(text: &[u8], ty: VectorType) -> Result<Vector, VectorError> {
    let text = match text.iter().position(|&b| b == 0) {
        Some(nul) => &text[..nul],
        None => text,
    };
    let text = trim(text);
    let Some(rest) = text.strip_prefix(b"[") else {
        return Err(VectorError::MissingOpenBracket);
    };
    // Elements are read left to right, each ended by `,` or `]`, and checked as soon as
    // it ends: errors come out in the order libSQL reports them.
    let wide = ty == VectorType::F64;
    let mut f32s = Vec::new();
    let mut f64s = Vec::new();
    let mut rest = rest;
    let mut position = 0;
    loop {
        let Some(end) = rest.iter().position(|&b| b == b',' || b == b']') else {
            return Err(VectorError::MissingCloseBracket);
        };
        let element = trim(&rest[..end]);
        let closing = rest[end] == b']';
        rest = &rest[end + 1..];
        if closing && position == 0 && element.is_empty() {
            break; // `[]`
        }
        if position >= MAX_DIMS {
            return Err(VectorError::TextTooLong { max: MAX_DIMS });
        }
        let invalid = || VectorError::InvalidFloat {
            position,
            text: String::from_utf8_lossy(element).into_owned(),
        };
        if !is_decimal(element) {
            return Err(invalid());
        }
        // `is_decimal` admits ASCII only, so this cannot fail.
        let s = std::str::from_utf8(element).map_err(|_| invalid())?;
        if wide {
            let x: f64 = s.parse().map_err(|_| invalid())?;
            if !x.is_finite() {
                return Err(invalid());
            }
            f64s.push(x);
        } else {
            let x: f32 = s.parse().map_err(|_| invalid())?;
            if !x.is_finite() {
                return Err(invalid());
            }
            f32s.push(x);
        }
        position += 1;
        if closing {
            break;
        }
    }
    if !trim(rest).is_empty() {
        return Err(VectorError::TrailingCharacters);
    }
    Ok(if wide {
        Vector::F64(f64s)
    } else {
        Vector::F32(f32s)
    })
}

/// `[+-]? (digits (. digits?)? | . digits) ([eE] [+-]? digits)?` — strtod's decimal
/// form without hex, `inf` or `nan`.
fn is_decimal(s: &[u8]) -> bool {
    let mut i = 0;
    if matches!(s.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let int_start = i;
    while i < s.len() && s[i].is_ascii_digit() {
        i += 1;
    }
    let mut digits = i - int_start;
    if i < s.len() && s[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < s.len() && s[i].is_ascii_digit() {
            i += 1;
        }
        digits += i - frac_start;
    }
    if digits == 0 {
        return false;
    }
    if i < s.len() && matches!(s[i], b'e' | b'E') {
        i += 1;
        if i < s.len() && matches!(s[i], b'+' | b'-') {
            i += 1;
        }
        let exp_start = i;
        while i < s.len() && s[i].is_ascii_digit() {
            i += 1;
        }
        if i == exp_start {
            return false;
        }
    }
    i == s.len()
}

/// `vector_extract` text: `[a,b,c]`, elements printed with [`format_g`]; types other
/// than f64 print their float32 values.
pub(crate) fn format(v: &Vector) -> String {
    let values = v.to_f64();
    let mut out = String::with_capacity(2 + values.len() * 8);
    out.push('[');
    for (i, x) in values.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        format_g(&mut out, x);
    }
    out.push(']');
    out
}

/// Appends `x` as SQLite's `printf("%g")` prints it.
pub(crate) fn format_g(out: &mut String, x: f64) {
    const PRECISION: usize = 6;
    if x.is_nan() {
        out.push_str("NaN");
        return;
    }
    if x.is_infinite() {
        out.push_str(if x < 0.0 { "-Inf" } else { "Inf" });
        return;
    }
    if x == 0.0 {
        // SQLite prints no sign for -0.0.
        out.push('0');
        return;
    }
    if x < 0.0 {
        out.push('-');
    }
    // 17 significant digits identify the double; round those half-up to six, as
    // SQLite rounds its own decimal expansion.
    let sci = format!("{:.16e}", x.abs());
    let (mantissa, exp) = sci.split_once('e').expect("{:e} output has an exponent");
    let mut exp: i32 = exp.parse().expect("{:e} exponent is an integer");
    let all: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    let mut digits = all[..PRECISION].to_vec();
    if all[PRECISION] >= b'5' {
        let mut i = PRECISION;
        loop {
            if i == 0 {
                digits.insert(0, b'1');
                digits.pop();
                exp += 1;
                break;
            }
            i -= 1;
            if digits[i] == b'9' {
                digits[i] = b'0';
            } else {
                digits[i] += 1;
                break;
            }
        }
    }
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    let digits = std::str::from_utf8(&digits).expect("ASCII digits");
    if exp < -4 || exp >= PRECISION as i32 {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let sign = if exp < 0 { '-' } else { '+' };
        let _ = write!(out, "e{sign}{:02}", exp.unsigned_abs());
    } else if exp < 0 {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(digits);
    } else {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            out.push_str(digits);
            for _ in digits.len()..int_len {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..int_len]);
            out.push('.');
            out.push_str(&digits[int_len..]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g32(x: f32) -> String {
        let mut s = String::new();
        format_g(&mut s, f64::from(x));
        s
    }

    fn g64(x: f64) -> String {
        let mut s = String::new();
        format_g(&mut s, x);
        s
    }

    #[test]
    fn g_matches_libsql() {
        // Outputs of libSQL 0.1.11's vector_extract for float32 inputs.
        let f32_cases: [(f32, &str); 20] = [
            (0.1, "0.1"),
            (1e-7, "1e-07"),
            (1e20, "1e+20"),
            (-0.0, "0"),
            (3.402_823_5e38, "3.40282e+38"),
            (1.5e-45, "1.4013e-45"),
            (123_456_789.0, "1.23457e+08"),
            (0.000_123, "0.000123"),
            (1e-5, "1e-05"),
            (1e-4, "0.0001"),
            (100_000.0, "100000"),
            (1_000_000.0, "1e+06"),
            (1_234_565.0, "1.23457e+06"),
            (1_234_575.0, "1.23458e+06"),
            (9_999_995.0, "1e+07"),
            (999_999.5, "1e+06"),
            (0.000_012_345_65, "1.23457e-05"),
            (0.5, "0.5"),
            (-2.5, "-2.5"),
            (1.996_078_4, "1.99608"),
        ];
        for (x, s) in f32_cases {
            assert_eq!(g32(x), s, "{x:e}");
        }
        let f64_cases: [(f64, &str); 6] = [
            (0.333_333_333_333_333_3, "0.333333"),
            (0.000_012_345_65, "1.23456e-05"),
            (5e-324, "4.94066e-324"),
            (f64::MAX, "1.79769e+308"),
            (1e39, "1e+39"),
            (12_345_650_000_000_000.0, "1.23457e+16"),
        ];
        for (x, s) in f64_cases {
            assert_eq!(g64(x), s, "{x:e}");
        }
        assert_eq!(g64(f64::INFINITY), "Inf");
        assert_eq!(g64(f64::NEG_INFINITY), "-Inf");
        assert_eq!(g64(f64::NAN), "NaN");
    }

    fn p(s: &str) -> Result<Vector, String> {
        parse(s.as_bytes(), VectorType::F32).map_err(|e| e.to_string())
    }

    #[test]
    fn parses_libsql_forms() {
        assert_eq!(p("[1, 2.5, -3e2]"), Ok(Vector::F32(vec![1.0, 2.5, -300.0])));
        assert_eq!(p("  [ ]\t"), Ok(Vector::F32(vec![])));
        assert_eq!(p("[]"), Ok(Vector::F32(vec![])));
        assert_eq!(
            p("[+1, .5, 5., 00012]"),
            Ok(Vector::F32(vec![1.0, 0.5, 5.0, 12.0]))
        );
        assert_eq!(p("[1,2]\0junk"), Ok(Vector::F32(vec![1.0, 2.0])));
        assert_eq!(p("[1e-50]"), Ok(Vector::F32(vec![0.0])));
        assert_eq!(
            parse(b"[1e39]", VectorType::F64),
            Ok(Vector::F64(vec![1e39]))
        );
    }

    #[test]
    fn errors_carry_libsql_messages() {
        let cases = [
            ("", "vector: must start with '['"),
            ("1,2]", "vector: must start with '['"),
            ("[1,2", "vector: must end with ']'"),
            ("[1,x", "vector: must end with ']'"),
            ("[1,x,2", "vector: invalid float at position 1: 'x'"),
            ("[ , ]", "vector: invalid float at position 0: ''"),
            ("[1,2,]x", "vector: invalid float at position 2: ''"),
            (
                "[1,2] x",
                "vector: non-space symbols after closing ']' are forbidden",
            ),
            (
                "[1]]",
                "vector: non-space symbols after closing ']' are forbidden",
            ),
            ("[1,2,x]", "vector: invalid float at position 2: 'x'"),
            ("[1,,2]", "vector: invalid float at position 1: ''"),
            ("[1,]", "vector: invalid float at position 1: ''"),
            ("[nan]", "vector: invalid float at position 0: 'nan'"),
            ("[inf]", "vector: invalid float at position 0: 'inf'"),
            ("[0x10]", "vector: invalid float at position 0: '0x10'"),
            ("[1e]", "vector: invalid float at position 0: '1e'"),
            ("[1e+]", "vector: invalid float at position 0: '1e+'"),
            ("[[1]]", "vector: invalid float at position 0: '[1'"),
            // Basalt-only: libSQL gives [12] and [Inf].
            ("[1 2]", "vector: invalid float at position 0: '1 2'"),
            ("[1e39]", "vector: invalid float at position 0: '1e39'"),
        ];
        for (text, msg) in cases {
            assert_eq!(p(text), Err(msg.to_owned()), "{text:?}");
        }
        let long = format!("[{}1]", "1,".repeat(MAX_DIMS));
        assert_eq!(p(&long), Err("vector: max size exceeded 65536".to_owned()));
        let max = format!("[{}1]", "1,".repeat(MAX_DIMS - 1));
        assert_eq!(p(&max).map(|v| v.dims()), Ok(MAX_DIMS));
    }

    #[test]
    fn formats_vectors() {
        assert_eq!(format(&Vector::F32(vec![1.0, 2.0, 3.0])), "[1,2,3]");
        assert_eq!(format(&Vector::F32(vec![0.5, 0.25, -1.0])), "[0.5,0.25,-1]");
        assert_eq!(format(&Vector::F64(vec![1.5, 2.5])), "[1.5,2.5]");
        assert_eq!(format(&Vector::F32(vec![])), "[]");
    }
}

#[cfg(test)]
mod proptests {
    use proptest::prelude::*;

    use super::*;

    fn finite_f32() -> impl Strategy<Value = f32> {
        any::<f32>().prop_filter("finite", |x| x.is_finite())
    }

    proptest! {
        #[test]
        fn text_round_trip(v in proptest::collection::vec(finite_f32(), 0..50)) {
            let text = format(&Vector::F32(v.clone()));
            let Vector::F32(back) = parse(text.as_bytes(), VectorType::F32).unwrap() else {
                panic!("not f32");
            };
            prop_assert_eq!(back.len(), v.len());
            for (x, y) in v.iter().zip(&back) {
                // Six significant digits: within half a unit of the sixth digit.
                let tolerance = f64::from(x.abs()) * 5e-6 + f64::from(f32::from_bits(1));
                prop_assert!(
                    (f64::from(*x) - f64::from(*y)).abs() <= tolerance
                        || (x.abs() > 3.4e38 && y.abs() > 3.4e38),
                    "{x} -> {y} via {text}"
                );
            }
            // Printing what was parsed from printed text changes nothing.
            prop_assert_eq!(format(&Vector::F32(back)), text);
        }

        #[test]
        fn short_integers_round_trip_exactly(v in proptest::collection::vec(-999_999i32..999_999, 0..50)) {
            let floats: Vec<f32> = v.iter().map(|&i| i as f32).collect();
            let text = format(&Vector::F32(floats.clone()));
            prop_assert_eq!(parse(text.as_bytes(), VectorType::F32).unwrap(), Vector::F32(floats));
        }

        #[test]
        fn parsing_arbitrary_text_never_panics(s in "\\PC*") {
            let _ = parse(s.as_bytes(), VectorType::F32);
            let _ = parse(s.as_bytes(), VectorType::F64);
        }
    }
}
