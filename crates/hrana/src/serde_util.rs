//! Serde helpers for the odd number encodings of the Hrana JSON protocol.
//!
//! Hrana sends 64-bit integers as decimal strings (`"42"`) because JavaScript clients would lose
//! precision on JSON numbers, but sqld's extension fields are not consistent about it: cursor
//! entries use plain JSON numbers. These helpers always *emit* the form sqld emits and *accept*
//! both forms, so Basalt is a superset of sqld on input.
//!
//! All visitors work through `deserialize_any`, because the values usually arrive buffered inside
//! serde's internally-tagged-enum machinery, which only supports self-describing access.

use std::fmt;

use serde::de::{self, Unexpected, Visitor};
use serde::{Deserializer, Serialize, Serializer};

/// Serializes a `Display` value as a JSON string without an intermediate allocation.
pub(crate) struct AsStr<T>(pub(crate) T);

impl<T: fmt::Display> Serialize for AsStr<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

const EXPECTED_I64: &str = "decimal integer as a string";
const EXPECTED_U64: &str = "unsigned decimal integer as a string";

/// Visitor for an `i64` given as a decimal string (the Hrana form) or a JSON number (superset).
#[derive(Clone, Copy)]
struct I64Visitor;

impl<'de> Visitor<'de> for I64Visitor {
    type Value = i64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(EXPECTED_I64)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
        v.parse()
            .map_err(|_| E::invalid_value(Unexpected::Str(v), &EXPECTED_I64))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v).map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &EXPECTED_I64))
    }
}

/// Visitor for a `u64` given as a decimal string or a JSON number.
#[derive(Clone, Copy)]
struct U64Visitor;

impl<'de> Visitor<'de> for U64Visitor {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(EXPECTED_U64)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
        v.parse()
            .map_err(|_| E::invalid_value(Unexpected::Str(v), &EXPECTED_U64))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
        u64::try_from(v).map_err(|_| E::invalid_value(Unexpected::Signed(v), &EXPECTED_U64))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        Ok(v)
    }
}

/// Wraps a visitor so that JSON `null` (or a missing value) becomes `None`.
struct OptionVisitor<V>(V);

impl<'de, V: Visitor<'de> + Copy> Visitor<'de> for OptionVisitor<V> {
    type Value = Option<V::Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)?;
        f.write_str(", or null")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self.0).map(Some)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        self.0.visit_str(v).map(Some)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        self.0.visit_i64(v).map(Some)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        self.0.visit_u64(v).map(Some)
    }
}

/// `i64` from a decimal string or a number (serialisation goes through [`AsStr`]).
pub(crate) mod i64_str {
    use super::*;

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        d.deserialize_any(I64Visitor)
    }
}

/// `Option<i64>` as a decimal string or `null`; accepts a string, a number or `null`.
pub(crate) mod opt_i64_str {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(v: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.collect_str(v),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        d.deserialize_option(OptionVisitor(I64Visitor))
    }
}

/// `Option<u64>` as a decimal string or `null`; accepts a string, a number or `null`.
pub(crate) mod opt_u64_str {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(v: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.collect_str(v),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        d.deserialize_option(OptionVisitor(U64Visitor))
    }
}

/// `Option<i64>` as a JSON number or `null` (cursor entries); accepts a string too.
pub(crate) mod opt_i64_num {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(v: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        d.deserialize_option(OptionVisitor(I64Visitor))
    }
}

/// `Option<u64>` as a JSON number or `null` (cursor entries); accepts a string too.
pub(crate) mod opt_u64_num {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(v: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        d.deserialize_option(OptionVisitor(U64Visitor))
    }
}

/// `bool` that defaults to `true` when missing or `null` (`Stmt.want_rows`).
pub(crate) mod bool_default_true {
    use serde::{Deserialize, Deserializer};

    pub(crate) fn default() -> bool {
        true
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        Ok(Option::<bool>::deserialize(d)?.unwrap_or(true))
    }
}

/// `String` that reads `null` as the empty string (`Error.code` from lenient servers).
pub(crate) mod string_or_null {
    use serde::{Deserialize, Deserializer};

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
    }
}

/// Writes a finite `f64` the way sqld's JSON encoder (serde_json with `ryu`) did: the shortest
/// round-trip digits, always with a `.` or an exponent, and no `+` in exponents. Plain
/// notation is used for decimal exponents from -5 up to 16 digits before the point:
/// `1.0`, `-0.0`, `0.1`, `0.00001`, `1000000000000000.0`, `1e16`, `1e20`, `1e300`,
/// `1.5e-7`, `5e-324`.
///
/// Current serde_json releases print `1e+300`; clients parse both, but Basalt matches sqld's
/// bytes.
pub(crate) fn format_f64(v: f64, out: &mut String) {
    use std::fmt::Write as _;

    debug_assert!(v.is_finite());
    // `{:e}` yields the shortest round-trip digits, e.g. "-1.2345e-7", "0e0".
    let mut sci = String::with_capacity(32);
    write!(sci, "{v:e}").expect("writing to a String cannot fail");
    let (negative, sci) = match sci.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, sci.as_str()),
    };
    let (mantissa, exp) = sci.split_once('e').expect("`{:e}` output has an exponent");
    let exp: isize = exp.parse().expect("`{:e}` exponent is an integer");
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();

    if negative {
        out.push('-');
    }
    if digits == "0" {
        out.push_str("0.0");
        return;
    }
    let length = digits.len() as isize;
    let kk = exp + 1; // 10^(kk-1) <= |v| < 10^kk
    let k = kk - length; // |v| = digits * 10^k
    if 0 <= k && kk <= 16 {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', k as usize));
        out.push_str(".0");
    } else if 0 < kk && kk <= 16 {
        let (int, frac) = digits.split_at(kk as usize);
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
    } else if -5 < kk && kk <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-kk) as usize));
        out.push_str(&digits);
    } else {
        let (first, rest) = digits.split_at(1);
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        write!(out, "e{}", kk - 1).expect("writing to a String cannot fail");
    }
}

/// Serialises a finite `f64` with [`format_f64`]; non-finite values are an error.
pub(crate) struct JsonF64(pub(crate) f64);

impl Serialize for JsonF64 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if !self.0.is_finite() {
            return Err(serde::ser::Error::custom(crate::value::NonFiniteFloat {
                value: self.0,
            }));
        }
        let mut text = String::with_capacity(24);
        format_f64(self.0, &mut text);
        let raw =
            serde_json::value::RawValue::from_string(text).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

/// `f64` field written with [`format_f64`] (`query_duration_ms`).
pub(crate) mod f64_json {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        JsonF64(*v).serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fmt(v: f64) -> String {
        let mut s = String::new();
        format_f64(v, &mut s);
        s
    }

    #[test]
    fn spellings_match_ryu() {
        let cases = [
            (1.0, "1.0"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (0.1, "0.1"),
            (2.5, "2.5"),
            (-2.5, "-2.5"),
            (100.0, "100.0"),
            (12.5, "12.5"),
            (0.018, "0.018"),
            (3.374, "3.374"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e16"),
            (1e20, "1e20"),
            (1e300, "1e300"),
            (-1e300, "-1e300"),
            (1.5e300, "1.5e300"),
            (1.2345678901234568e17, "1.2345678901234568e17"),
            (1234567890123456.0, "1234567890123456.0"),
            (123456789.125, "123456789.125"),
            (1e-5, "0.00001"),
            (1.234e-5, "0.00001234"),
            (1e-6, "1e-6"),
            (1.5e-7, "1.5e-7"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e308"),
            (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
            (9007199254740993.0, "9007199254740992.0"),
        ];
        for (v, want) in cases {
            assert_eq!(fmt(v), want, "{v:e}");
        }
    }

    proptest! {
        #[test]
        fn formatted_floats_round_trip(v in any::<f64>().prop_filter("finite", |v| v.is_finite())) {
            let s = fmt(v);
            prop_assert!(s.contains('.') || s.contains('e'), "{}", s);
            prop_assert!(!s.contains('+'));
            let back: f64 = s.parse().unwrap();
            prop_assert_eq!(back.to_bits(), v.to_bits());
            let json: f64 = serde_json::from_str(&s).unwrap();
            prop_assert_eq!(json.to_bits(), v.to_bits());
        }
    }
}
