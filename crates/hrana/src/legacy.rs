//! The legacy query API, `POST /` (LIBSQL-SURFACE §2.3, §3.7).
//!
//! Values here are plain JSON, not Hrana's tagged objects ([`PlainValue`]):
//!
//! | SQLite | JSON out | JSON in |
//! |---|---|---|
//! | NULL | `null` | `null` |
//! | INTEGER | number, even beyond 2^53 (`9223372036854775807`) | integral number; `true`/`false` → 1/0 |
//! | REAL | number with `.` or exponent (`1.0`, `1e300`) | number with `.` or exponent |
//! | TEXT | string | string |
//! | BLOB | `{"base64":"AQI"}` (unpadded) | `{"base64":...}`, padded or not (sqld: unpadded only) |
//!
//! Request: `{"statements": [Query], "replication_index"?: n}` where a [`Query`] is a SQL string
//! or `{"q": sql, "params"?: [v..] | {name: v..}}`. Response: a JSON array with one
//! [`QueryResponseEntry`] per statement.

use std::fmt;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::serde_util::{AsStr, JsonF64};
use crate::value::{Value, base64_display, decode_base64};

/// A [`Value`] in the plain JSON encoding of the legacy API.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PlainValue(pub Value);

impl Serialize for PlainValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        PlainRef(&self.0).serialize(serializer)
    }
}

struct PlainValueVisitor;

impl<'de> Visitor<'de> for PlainValueVisitor {
    type Value = PlainValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("null, a boolean, a number, a string or {\"base64\": string}")
    }

    fn visit_unit<E: de::Error>(self) -> Result<PlainValue, E> {
        Ok(PlainValue(Value::Null))
    }

    fn visit_none<E: de::Error>(self) -> Result<PlainValue, E> {
        Ok(PlainValue(Value::Null))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<PlainValue, E> {
        Ok(PlainValue(Value::Integer(i64::from(v))))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<PlainValue, E> {
        Ok(PlainValue(Value::Integer(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<PlainValue, E> {
        // Beyond i64 the number cannot be an INTEGER; keep it as the nearest REAL.
        Ok(PlainValue(
            i64::try_from(v).map_or(Value::Float(v as f64), Value::Integer),
        ))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<PlainValue, E> {
        Ok(PlainValue(Value::Float(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<PlainValue, E> {
        Ok(PlainValue(Value::Text(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<PlainValue, E> {
        Ok(PlainValue(Value::Text(v)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PlainValue, A::Error> {
        let mut blob = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "base64" {
                let text = map.next_value::<std::borrow::Cow<'de, str>>()?;
                let bytes = decode_base64(&text).map_err(|_| {
                    de::Error::invalid_value(de::Unexpected::Str(&text), &"base64-encoded bytes")
                })?;
                blob = Some(bytes);
            } else {
                map.next_value::<de::IgnoredAny>()?;
            }
        }
        blob.map(|b| PlainValue(Value::Blob(b)))
            .ok_or_else(|| de::Error::missing_field("base64"))
    }
}

impl<'de> Deserialize<'de> for PlainValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(PlainValueVisitor)
    }
}

/// Request body of `POST /`.
#[derive(Clone, Debug, PartialEq, Default, Deserialize)]
pub struct QueryBody {
    /// The statements, one per string, run in order.
    pub statements: Vec<Query>,
    /// sqld extension: wait until this replication frame is applied (string or number).
    #[serde(default, with = "crate::serde_util::opt_u64_str")]
    pub replication_index: Option<u64>,
}

/// One statement of a legacy request.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Query {
    /// The SQL text (exactly one statement).
    pub sql: String,
    /// Its parameters.
    pub params: Params,
}

/// Parameters of a legacy query.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Params {
    /// No parameters given.
    #[default]
    None,
    /// `[v, ...]`.
    Positional(Vec<Value>),
    /// `{"name": v, ...}` in document order; names may omit their `:`/`@`/`$` prefix.
    Named(Vec<(String, Value)>),
}

impl<'de> Deserialize<'de> for Params {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ParamsVisitor;

        impl<'de> Visitor<'de> for ParamsVisitor {
            type Value = Params;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array or an object of parameter values")
            }

            fn visit_unit<E: de::Error>(self) -> Result<Params, E> {
                Ok(Params::None)
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Params, A::Error> {
                let mut out = Vec::new();
                while let Some(PlainValue(v)) = seq.next_element()? {
                    out.push(v);
                }
                Ok(Params::Positional(out))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Params, A::Error> {
                let mut out = Vec::new();
                while let Some((name, PlainValue(v))) = map.next_entry::<String, PlainValue>()? {
                    out.push((name, v));
                }
                Ok(Params::Named(out))
            }
        }

        deserializer.deserialize_any(ParamsVisitor)
    }
}

impl<'de> Deserialize<'de> for Query {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct QueryObject {
            q: String,
            #[serde(default)]
            params: Params,
        }

        struct QueryVisitor;

        impl<'de> Visitor<'de> for QueryVisitor {
            type Value = Query;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a SQL string or {\"q\": string, \"params\": ...}")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Query, E> {
                Ok(Query {
                    sql: v.to_owned(),
                    params: Params::None,
                })
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Query, E> {
                Ok(Query {
                    sql: v,
                    params: Params::None,
                })
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Query, A::Error> {
                let o = QueryObject::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(Query {
                    sql: o.q,
                    params: o.params,
                })
            }
        }

        deserializer.deserialize_any(QueryVisitor)
    }
}

/// One entry of the response array.
#[derive(Clone, Debug, PartialEq)]
pub enum QueryResponseEntry {
    /// `{"results": {...}}`: the statement ran.
    Results(QueryResults),
    /// `{"error": "<SQLite message>"}`: the statement failed; execution stopped here.
    Error(String),
    /// `null`: the statement did not run because an earlier one failed.
    NotRun,
}

/// Result of one legacy statement.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct QueryResults {
    /// Column names.
    pub columns: Vec<String>,
    /// Rows of values.
    pub rows: Vec<Vec<Value>>,
    /// sqld's VDBE rows-read counter.
    pub rows_read: u64,
    /// sqld's VDBE rows-written counter.
    pub rows_written: u64,
    /// Execution time in milliseconds.
    pub query_duration_ms: f64,
}

/// Serialises a row of values in the plain encoding.
struct PlainRow<'a>(&'a [Value]);

impl Serialize for PlainRow<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for v in self.0 {
            seq.serialize_element(&PlainRef(v))?;
        }
        seq.end()
    }
}

/// Serialises a borrowed value in the plain encoding.
struct PlainRef<'a>(&'a Value);

impl Serialize for PlainRef<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Blob(b) => {
                let mut m = serializer.serialize_map(Some(1))?;
                m.serialize_entry("base64", &AsStr(base64_display(b)))?;
                m.end()
            }
            Value::Null => serializer.serialize_unit(),
            Value::Integer(v) => serializer.serialize_i64(*v),
            Value::Float(v) => JsonF64(*v).serialize(serializer),
            Value::Text(t) => serializer.serialize_str(t),
        }
    }
}

struct PlainRows<'a>(&'a [Vec<Value>]);

impl Serialize for PlainRows<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for row in self.0 {
            seq.serialize_element(&PlainRow(row))?;
        }
        seq.end()
    }
}

impl Serialize for QueryResults {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("QueryResults", 5)?;
        s.serialize_field("columns", &self.columns)?;
        s.serialize_field("rows", &PlainRows(&self.rows))?;
        s.serialize_field("rows_read", &self.rows_read)?;
        s.serialize_field("rows_written", &self.rows_written)?;
        s.serialize_field("query_duration_ms", &JsonF64(self.query_duration_ms))?;
        s.end()
    }
}

impl Serialize for QueryResponseEntry {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            QueryResponseEntry::Results(r) => {
                let mut m = serializer.serialize_map(Some(1))?;
                m.serialize_entry("results", r)?;
                m.end()
            }
            QueryResponseEntry::Error(e) => {
                let mut m = serializer.serialize_map(Some(1))?;
                m.serialize_entry("error", e)?;
                m.end()
            }
            QueryResponseEntry::NotRun => serializer.serialize_unit(),
        }
    }
}

/// The generic error body sqld uses outside Hrana: `{"error": "..."}` (auth failures, unknown
/// namespaces, legacy API errors, `/v3/cursor` batch-level errors).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The message.
    pub error: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_forms_from_transcript() {
        let body: QueryBody = serde_json::from_str(
            r#"{"statements": [
                "SELECT 1 AS one, 'a' AS s, 2.5 AS f, x'0102' AS b, NULL AS n",
                {"q": "SELECT ? AS p", "params": [42]},
                {"q": "SELECT :a AS na", "params": {":a": "named"}},
                {"q": "SELECT $x AS dollar", "params": {"x": 1.5}},
                {"q": "SELECT ?, ?, ?, ?", "params": [true, null, {"base64": "AQI"}, 2.0]}
            ]}"#,
        )
        .unwrap();
        assert_eq!(body.statements.len(), 5);
        assert_eq!(body.statements[0].params, Params::None);
        assert_eq!(
            body.statements[1].params,
            Params::Positional(vec![Value::Integer(42)])
        );
        assert_eq!(
            body.statements[2].params,
            Params::Named(vec![(":a".into(), Value::Text("named".into()))])
        );
        assert_eq!(
            body.statements[3].params,
            Params::Named(vec![("x".into(), Value::Float(1.5))])
        );
        assert_eq!(
            body.statements[4].params,
            Params::Positional(vec![
                Value::Integer(1),
                Value::Null,
                Value::Blob(vec![1, 2]),
                Value::Float(2.0)
            ])
        );
    }

    #[test]
    fn response_matches_transcript() {
        let entries = vec![
            QueryResponseEntry::Results(QueryResults {
                columns: vec![
                    "imax".into(),
                    "beyond_2_53".into(),
                    "f1".into(),
                    "big".into(),
                ],
                rows: vec![vec![
                    Value::Integer(i64::MAX),
                    Value::Integer(9007199254740993),
                    Value::Float(1.0),
                    Value::Float(1e300),
                ]],
                rows_read: 0,
                rows_written: 0,
                query_duration_ms: 0.018,
            }),
            QueryResponseEntry::Results(QueryResults {
                columns: vec!["b".into(), "n".into(), "s".into()],
                rows: vec![vec![
                    Value::Blob(vec![1, 2]),
                    Value::Null,
                    Value::Text("a".into()),
                ]],
                ..Default::default()
            }),
            QueryResponseEntry::Error("no such table: nope".into()),
            QueryResponseEntry::NotRun,
        ];
        assert_eq!(
            serde_json::to_string(&entries).unwrap(),
            concat!(
                r#"[{"results":{"columns":["imax","beyond_2_53","f1","big"],"rows":[[9223372036854775807,9007199254740993,1.0,1e300]],"rows_read":0,"rows_written":0,"query_duration_ms":0.018}},"#,
                r#"{"results":{"columns":["b","n","s"],"rows":[[{"base64":"AQI"},null,"a"]],"rows_read":0,"rows_written":0,"query_duration_ms":0.0}},"#,
                r#"{"error":"no such table: nope"},null]"#
            )
        );
    }

    #[test]
    fn plain_value_round_trip() {
        for v in [
            Value::Null,
            Value::Integer(-5),
            Value::Integer(i64::MAX),
            Value::Float(2.0),
            Value::Float(-0.0),
            Value::Text("x".into()),
            Value::Blob(vec![0, 1]),
        ] {
            let text = serde_json::to_string(&PlainValue(v.clone())).unwrap();
            assert_eq!(
                serde_json::from_str::<PlainValue>(&text).unwrap(),
                PlainValue(v)
            );
        }
        assert!(serde_json::to_string(&PlainValue(Value::Float(f64::NAN))).is_err());
        let err = serde_json::from_str::<PlainValue>(r#"{"b64":"AA"}"#).unwrap_err();
        assert!(err.to_string().contains("missing field `base64`"), "{err}");
    }

    #[test]
    fn error_body() {
        assert_eq!(
            serde_json::to_string(&ErrorBody {
                error: "Query error: `interactive transaction not allowed in HTTP queries`".into()
            })
            .unwrap(),
            r#"{"error":"Query error: `interactive transaction not allowed in HTTP queries`"}"#
        );
    }
}
