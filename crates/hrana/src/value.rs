//! SQLite values and their Hrana JSON encoding (LIBSQL-SURFACE §2.1).
//!
//! [`Value`] is the one value type the rest of the crate (and the server) works with. Its serde
//! impls produce exactly what sqld sends:
//!
//! | variant | JSON |
//! |---|---|
//! | `Null` | `{"type":"null"}` |
//! | `Integer(-42)` | `{"type":"integer","value":"-42"}` (decimal **string**) |
//! | `Float(1.0)` | `{"type":"float","value":1.0}` (shortest round-trip, always with `.` or exponent) |
//! | `Text("hi")` | `{"type":"text","value":"hi"}` |
//! | `Blob([0,255])` | `{"type":"blob","base64":"AP8"}` (standard alphabet, **no** padding) |
//!
//! On input Basalt is a superset of sqld: an integer may also be a JSON number, a float may be a
//! JSON integer literal, and base64 may carry padding. Error messages for the cases sqld rejects
//! match sqld's serde texts ("unknown variant `decimal`, expected one of ...", "missing field
//! `base64`", "invalid type: null, expected internally tagged enum Value", "invalid value:
//! string \"9223372036854775808\", expected decimal integer as a string").
//!
//! Invariant: JSON cannot carry ±infinity or NaN. sqld writes `{"type":"float","value":null}`,
//! which clients reject; Basalt refuses to serialize such a value instead (serialization fails
//! with [`NonFiniteFloat`]'s message). Servers should call [`Value::check_json_encodable`] (or
//! the row-level helpers on results) before encoding and turn a failure into a statement error
//! ([`crate::ResponseError::NonFiniteFloat`]). Protobuf carries them fine.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, general_purpose};
use serde::de::{self, Unexpected};
use serde::ser::{self, SerializeStruct};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::serde_util::{AsStr, JsonF64};

/// A SQLite value as carried by Hrana.
///
/// Equality compares floats by their bit pattern, so `Float(-0.0) != Float(0.0)` and
/// `Float(NaN) == Float(NaN)` (same bits): values are compared as wire data, not as numbers.
#[derive(Clone, Debug, Default)]
pub enum Value {
    /// SQL `NULL`.
    #[default]
    Null,
    /// A 64-bit signed integer.
    Integer(i64),
    /// A 64-bit IEEE float. Non-finite floats cannot be encoded as JSON.
    Float(f64),
    /// UTF-8 text.
    Text(String),
    /// A binary blob.
    Blob(Vec<u8>),
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Integer(a), Value::Integer(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a.to_bits() == b.to_bits(),
            (Value::Text(a), Value::Text(b)) => a == b,
            (Value::Blob(a), Value::Blob(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Value {}

/// A float that is infinite or NaN, which the Hrana JSON encoding cannot represent.
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
#[error("the float value {value} cannot be represented in Hrana JSON")]
pub struct NonFiniteFloat {
    /// The offending value.
    pub value: f64,
}

impl Value {
    /// The Hrana `type` tag of this value: `null`, `integer`, `float`, `text` or `blob`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Integer(_) => "integer",
            Value::Float(_) => "float",
            Value::Text(_) => "text",
            Value::Blob(_) => "blob",
        }
    }

    /// Whether the value can be encoded as Hrana JSON (false only for non-finite floats).
    pub fn is_json_encodable(&self) -> bool {
        !matches!(self, Value::Float(f) if !f.is_finite())
    }

    /// Fails with [`NonFiniteFloat`] when the value cannot be encoded as Hrana JSON.
    pub fn check_json_encodable(&self) -> Result<(), NonFiniteFloat> {
        match self {
            Value::Float(f) if !f.is_finite() => Err(NonFiniteFloat { value: *f }),
            _ => Ok(()),
        }
    }

    /// Checks a sequence of values (a row, an argument list) with [`Value::check_json_encodable`].
    pub fn check_all_json_encodable<'a>(
        values: impl IntoIterator<Item = &'a Value>,
    ) -> Result<(), NonFiniteFloat> {
        values.into_iter().try_for_each(Value::check_json_encodable)
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Integer(v)
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Float(v)
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}

impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Value::Blob(v)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// Standard alphabet, no padding on output, padding optional on input.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Formats bytes as unpadded standard base64 (the form sqld emits).
pub(crate) fn base64_display(bytes: &[u8]) -> impl fmt::Display + '_ {
    base64::display::Base64Display::new(bytes, &BASE64)
}

/// Encodes bytes as unpadded standard base64.
pub fn encode_base64(bytes: &[u8]) -> String {
    BASE64.encode(bytes)
}

/// Decodes standard base64, with or without `=` padding.
pub fn decode_base64(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    BASE64.decode(text)
}

/// Decodes base64 only in its unpadded form (what sqld's legacy `POST /` API accepts).
pub fn decode_base64_unpadded(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    general_purpose::STANDARD_NO_PAD.decode(text)
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let fields = if matches!(self, Value::Null) { 1 } else { 2 };
        let mut s = serializer.serialize_struct("Value", fields)?;
        s.serialize_field("type", self.type_name())?;
        match self {
            Value::Null => {}
            Value::Integer(v) => s.serialize_field("value", &AsStr(v))?,
            Value::Float(v) => {
                if !v.is_finite() {
                    return Err(ser::Error::custom(NonFiniteFloat { value: *v }));
                }
                s.serialize_field("value", &JsonF64(*v))?
            }
            Value::Text(v) => s.serialize_field("value", v)?,
            Value::Blob(v) => s.serialize_field("base64", &AsStr(base64_display(v)))?,
        }
        s.end()
    }
}

/// The decoding shape. The module and type names are chosen so that serde's messages read like
/// sqld's (`expected internally tagged enum Value`).
mod json {
    use super::*;

    #[derive(Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    pub(super) enum Value {
        Null,
        Integer {
            #[serde(deserialize_with = "crate::serde_util::i64_str::deserialize")]
            value: i64,
        },
        Float {
            value: f64,
        },
        Text {
            value: String,
        },
        Blob {
            #[serde(deserialize_with = "deserialize_base64")]
            base64: Vec<u8>,
        },
    }

    fn deserialize_base64<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(d)?;
        decode_base64(&text)
            .map_err(|_| de::Error::invalid_value(Unexpected::Str(&text), &"base64-encoded bytes"))
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match json::Value::deserialize(deserializer)? {
            json::Value::Null => Value::Null,
            json::Value::Integer { value } => Value::Integer(value),
            json::Value::Float { value } => Value::Float(value),
            json::Value::Text { value } => Value::Text(value),
            json::Value::Blob { base64 } => Value::Blob(base64),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::arb_json_value;
    use proptest::prelude::*;

    fn to_json(v: &Value) -> String {
        serde_json::to_string(v).expect("finite value encodes")
    }

    fn from_json(s: &str) -> Result<Value, String> {
        serde_json::from_str(s).map_err(|e| e.to_string())
    }

    #[test]
    fn encodes_each_type_like_sqld() {
        assert_eq!(to_json(&Value::Null), r#"{"type":"null"}"#);
        assert_eq!(
            to_json(&Value::Integer(-9223372036854775808)),
            r#"{"type":"integer","value":"-9223372036854775808"}"#
        );
        assert_eq!(
            to_json(&Value::Text("héllo ☃".into())),
            r#"{"type":"text","value":"héllo ☃"}"#
        );
        assert_eq!(
            to_json(&Value::Blob(vec![0, 1, 2, 3])),
            r#"{"type":"blob","base64":"AAECAw"}"#
        );
        assert_eq!(
            to_json(&Value::Blob(vec![0, 255])),
            r#"{"type":"blob","base64":"AP8"}"#
        );
        assert_eq!(
            to_json(&Value::Blob(vec![])),
            r#"{"type":"blob","base64":""}"#
        );
    }

    #[test]
    fn float_spellings_match_transcripts() {
        let cases = [
            (1.0, "1.0"),
            (2.5, "2.5"),
            (1e300, "1e300"),
            (-0.0, "-0.0"),
            (0.1, "0.1"),
            (1e20, "1e20"),
            (3.25, "3.25"),
            (2.0, "2.0"),
        ];
        for (f, text) in cases {
            assert_eq!(
                to_json(&Value::Float(f)),
                format!(r#"{{"type":"float","value":{text}}}"#),
                "{f}"
            );
        }
    }

    #[test]
    fn non_finite_floats_are_refused() {
        for f in [f64::INFINITY, f64::NEG_INFINITY, f64::NAN] {
            let v = Value::Float(f);
            assert!(!v.is_json_encodable());
            assert!(v.check_json_encodable().is_err());
            let err = serde_json::to_string(&v).unwrap_err().to_string();
            assert!(err.contains("cannot be represented"), "{err}");
        }
        assert!(Value::check_all_json_encodable(&[Value::Integer(1), Value::Float(1.0)]).is_ok());
        assert_eq!(
            Value::check_all_json_encodable(&[Value::Null, Value::Float(f64::INFINITY)]),
            Err(NonFiniteFloat {
                value: f64::INFINITY
            })
        );
    }

    #[test]
    fn integer_accepts_string_and_number() {
        assert_eq!(
            from_json(r#"{"type":"integer","value":"42"}"#),
            Ok(Value::Integer(42))
        );
        assert_eq!(
            from_json(r#"{"type":"integer","value":42}"#),
            Ok(Value::Integer(42))
        );
        assert_eq!(
            from_json(r#"{"type":"integer","value":-7}"#),
            Ok(Value::Integer(-7))
        );
        assert_eq!(
            from_json(r#"{"value":"-9223372036854775808","type":"integer"}"#),
            Ok(Value::Integer(i64::MIN))
        );
    }

    #[test]
    fn integer_out_of_range_has_sqld_message() {
        let err = from_json(r#"{"type":"integer","value":"9223372036854775808"}"#).unwrap_err();
        assert!(
            err.starts_with(
                r#"invalid value: string "9223372036854775808", expected decimal integer as a string"#
            ),
            "{err}"
        );
        let err = from_json(r#"{"type":"integer","value":"abc"}"#).unwrap_err();
        assert!(
            err.contains("expected decimal integer as a string"),
            "{err}"
        );
        let err = from_json(r#"{"type":"integer","value":9223372036854775808}"#).unwrap_err();
        assert!(
            err.contains("expected decimal integer as a string"),
            "{err}"
        );
    }

    #[test]
    fn float_accepts_integer_literal_but_not_string() {
        assert_eq!(
            from_json(r#"{"type":"float","value":2}"#),
            Ok(Value::Float(2.0))
        );
        assert_eq!(
            from_json(r#"{"type":"float","value":-0.0}"#),
            Ok(Value::Float(-0.0))
        );
        let err = from_json(r#"{"type":"float","value":"1.5"}"#).unwrap_err();
        assert!(
            err.starts_with(r#"invalid type: string "1.5", expected f64"#),
            "{err}"
        );
    }

    #[test]
    fn blob_padding_is_optional_on_input() {
        let want = Ok(Value::Blob(vec![0, 1, 2, 3]));
        assert_eq!(from_json(r#"{"type":"blob","base64":"AAECAw=="}"#), want);
        assert_eq!(from_json(r#"{"type":"blob","base64":"AAECAw"}"#), want);
        assert_eq!(
            from_json(r#"{"type":"blob","base64":""}"#),
            Ok(Value::Blob(vec![]))
        );
        let err = from_json(r#"{"type":"blob","base64":"!!"}"#).unwrap_err();
        assert!(err.contains("base64"), "{err}");
    }

    #[test]
    fn escaped_strings_decode() {
        // Escapes force an owned string inside serde's buffering; sqld's `&str` field rejects
        // those, Basalt must not.
        assert_eq!(
            from_json(r#"{"type":"text","value":"a\"b\u00e9"}"#),
            Ok(Value::Text("a\"bé".into()))
        );
        assert_eq!(
            from_json(r#"{"type":"integer","value":"\u0034\u0032"}"#),
            Ok(Value::Integer(42))
        );
        assert_eq!(
            from_json(r#"{"type":"blob","base64":"AP\u0038"}"#),
            Ok(Value::Blob(vec![0, 255]))
        );
    }

    #[test]
    fn decoding_errors_read_like_sqld() {
        let err = from_json(r#"{"type":"blob","value":"AAECAw=="}"#).unwrap_err();
        assert!(err.starts_with("missing field `base64`"), "{err}");
        let err = from_json("null").unwrap_err();
        assert!(
            err.starts_with("invalid type: null, expected internally tagged enum Value"),
            "{err}"
        );
        let err = from_json(r#"{"type":"decimal","value":"1"}"#).unwrap_err();
        assert!(
            err.starts_with(
                "unknown variant `decimal`, expected one of `null`, `integer`, `float`, `text`, `blob`"
            ),
            "{err}"
        );
    }

    #[test]
    fn unknown_fields_are_ignored() {
        assert_eq!(
            from_json(r#"{"type":"null","extra":[1,2]}"#),
            Ok(Value::Null)
        );
        assert_eq!(
            from_json(r#"{"type":"text","value":"x","z":1}"#),
            Ok(Value::Text("x".into()))
        );
    }

    #[test]
    fn equality_is_bitwise_for_floats() {
        assert_ne!(Value::Float(0.0), Value::Float(-0.0));
        assert_eq!(Value::Float(f64::NAN), Value::Float(f64::NAN));
        assert_ne!(Value::Integer(1), Value::Float(1.0));
    }

    #[test]
    fn conversions() {
        assert_eq!(Value::from(Some(3i64)), Value::Integer(3));
        assert_eq!(Value::from(None::<i64>), Value::Null);
        assert_eq!(Value::from("a"), Value::Text("a".into()));
        assert_eq!(Value::from(vec![1u8]).type_name(), "blob");
    }

    proptest! {
        #[test]
        fn json_round_trip(v in arb_json_value()) {
            let text = to_json(&v);
            prop_assert_eq!(from_json(&text), Ok(v));
        }

        #[test]
        fn base64_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let unpadded = encode_base64(&bytes);
            prop_assert!(!unpadded.contains('='));
            prop_assert_eq!(decode_base64(&unpadded).unwrap(), bytes.clone());
            let padded = general_purpose::STANDARD.encode(&bytes);
            prop_assert_eq!(decode_base64(&padded).unwrap(), bytes);
        }
    }
}
