//! Statements and their results (LIBSQL-SURFACE §5.1, §5.2, §5.4 `describe`).
//!
//! Field order in the structs is the key order sqld emits (serde keeps declaration order), so
//! serialising a [`StmtResult`] reproduces the transcripts byte for byte:
//! `cols, rows, affected_row_count, last_insert_rowid, replication_index, rows_read,
//! rows_written, query_duration_ms`, with `last_insert_rowid` and `replication_index` as
//! decimal strings or `null`.

use serde::{Deserialize, Serialize};

use crate::error::{Feature, ProtocolError};
use crate::value::{NonFiniteFloat, Value};
use crate::version::Version;

/// A statement to execute: SQL text (or a stored SQL id) plus arguments.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stmt {
    /// The SQL text; exactly one of `sql` and `sql_id` must be set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql: Option<String>,
    /// Id of SQL stored with `store_sql` (Hrana 2+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql_id: Option<i32>,
    /// Positional arguments.
    #[serde(default)]
    pub args: Vec<Value>,
    /// Named arguments.
    #[serde(default)]
    pub named_args: Vec<NamedArg>,
    /// Whether the client wants rows back. Defaults to true; sqld ignores `false` (5.1).
    #[serde(
        default = "crate::serde_util::bool_default_true::default",
        deserialize_with = "crate::serde_util::bool_default_true::deserialize"
    )]
    pub want_rows: bool,
    /// sqld extension: wait until this replication frame is applied (5.7). Accepts a string or
    /// a number; sent as a string.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::serde_util::opt_u64_str"
    )]
    pub replication_index: Option<u64>,
}

impl Default for Stmt {
    /// No SQL (neither `sql` nor `sql_id`), no arguments, `want_rows: true`.
    fn default() -> Self {
        Stmt {
            sql: None,
            sql_id: None,
            args: Vec::new(),
            named_args: Vec::new(),
            want_rows: true,
            replication_index: None,
        }
    }
}

impl Stmt {
    /// A statement with SQL text, no arguments and `want_rows: true`.
    pub fn new(sql: impl Into<String>) -> Self {
        Stmt {
            sql: Some(sql.into()),
            ..Stmt::default()
        }
    }

    /// Adds positional arguments.
    pub fn with_args(mut self, args: impl IntoIterator<Item = Value>) -> Self {
        self.args.extend(args);
        self
    }

    /// Adds a named argument.
    pub fn with_named_arg(mut self, name: impl Into<String>, value: Value) -> Self {
        self.named_args.push(NamedArg {
            name: name.into(),
            value,
        });
        self
    }

    /// Where the SQL comes from; fails when both or neither of `sql`/`sql_id` are set.
    pub fn sql_ref(&self) -> Result<SqlRef<'_>, ProtocolError> {
        SqlRef::new(self.sql.as_deref(), self.sql_id)
    }

    /// Rejects `sql_id` below Hrana 2.
    pub fn check_version(&self, version: Version) -> Result<(), ProtocolError> {
        check_sql_id_version(self.sql_id, version)
    }
}

pub(crate) fn check_sql_id_version(
    sql_id: Option<i32>,
    version: Version,
) -> Result<(), ProtocolError> {
    if sql_id.is_some() && version < Version::Hrana2 {
        return Err(ProtocolError::NotSupported {
            feature: Feature::SqlId,
            min: Version::Hrana2,
        });
    }
    Ok(())
}

/// The source of a statement's SQL: inline text or a stored SQL id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SqlRef<'a> {
    /// Inline SQL text.
    Sql(&'a str),
    /// SQL stored under this id with `store_sql`.
    SqlId(i32),
}

impl<'a> SqlRef<'a> {
    /// Combines the `sql` and `sql_id` fields of a request, enforcing "exactly one".
    pub fn new(sql: Option<&'a str>, sql_id: Option<i32>) -> Result<Self, ProtocolError> {
        match (sql, sql_id) {
            (Some(sql), None) => Ok(SqlRef::Sql(sql)),
            (None, Some(id)) => Ok(SqlRef::SqlId(id)),
            (Some(_), Some(_)) => Err(ProtocolError::SqlAndSqlId),
            (None, None) => Err(ProtocolError::SqlMissing),
        }
    }
}

/// A named argument: `{"name": ":a", "value": Value}`. The name may keep or omit its `:`, `@`
/// or `$` prefix.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NamedArg {
    /// Parameter name, with or without its prefix character.
    pub name: String,
    /// The value.
    pub value: Value,
}

/// A result column: `{"name": string|null, "decltype": string|null}`.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Col {
    /// Column name as SQLite reports it (alias, or the expression text).
    #[serde(default)]
    pub name: Option<String>,
    /// Declared type of the source column, or `None` for expressions.
    #[serde(default)]
    pub decltype: Option<String>,
}

impl Col {
    /// A column with a name and an optional declared type.
    pub fn new(name: impl Into<String>, decltype: Option<String>) -> Self {
        Col {
            name: Some(name.into()),
            decltype,
        }
    }
}

/// The result of one statement.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct StmtResult {
    /// Result columns (empty for statements without result columns).
    pub cols: Vec<Col>,
    /// Rows, one value per column.
    pub rows: Vec<Vec<Value>>,
    /// `sqlite3_changes()` for INSERT/UPDATE/DELETE/REPLACE, else 0.
    pub affected_row_count: u64,
    /// `sqlite3_last_insert_rowid()` for INSERT/REPLACE, else `None`. A decimal string.
    #[serde(default, with = "crate::serde_util::opt_i64_str")]
    pub last_insert_rowid: Option<i64>,
    /// sqld extension: last committed frame number (`None` inside a batch). A decimal string.
    #[serde(default, with = "crate::serde_util::opt_u64_str")]
    pub replication_index: Option<u64>,
    /// sqld extension: rows read by the VDBE.
    #[serde(default)]
    pub rows_read: u64,
    /// sqld extension: rows written by the VDBE.
    #[serde(default)]
    pub rows_written: u64,
    /// sqld extension: execution time in milliseconds (microsecond resolution).
    #[serde(default, serialize_with = "crate::serde_util::f64_json::serialize")]
    pub query_duration_ms: f64,
}

impl StmtResult {
    /// Fails when a row holds a float JSON cannot carry (see [`Value::check_json_encodable`]).
    pub fn check_json_encodable(&self) -> Result<(), NonFiniteFloat> {
        Value::check_all_json_encodable(self.rows.iter().flatten())
    }
}

/// The result of `describe`.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DescribeResult {
    /// The statement's parameters, in SQLite's 1-based order.
    pub params: Vec<DescribeParam>,
    /// The statement's result columns.
    pub cols: Vec<DescribeCol>,
    /// Whether the statement is `EXPLAIN ...`.
    pub is_explain: bool,
    /// Whether the statement only reads.
    pub is_readonly: bool,
}

/// A parameter of a described statement: `{"name": string|null}`.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DescribeParam {
    /// Name with its prefix (`?1`, `:a`, `@a`, `$a`), or `None` for a bare `?`.
    #[serde(default)]
    pub name: Option<String>,
}

/// A result column of a described statement: `{"name": string, "decltype": string|null}`.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DescribeCol {
    /// Column name.
    pub name: String,
    /// Declared type, or `None`.
    #[serde(default)]
    pub decltype: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{arb_json_stmt, arb_json_stmt_result};
    use proptest::prelude::*;

    #[test]
    fn stmt_defaults() {
        let s: Stmt = serde_json::from_str(r#"{"sql":"SELECT 1","bogus":1}"#).unwrap();
        assert_eq!(s, Stmt::new("SELECT 1"));
        let s: Stmt =
            serde_json::from_str(r#"{"sql":"x","want_rows":null,"sql_id":null}"#).unwrap();
        assert!(s.want_rows);
        let s: Stmt = serde_json::from_str(r#"{"sql":"x","want_rows":false}"#).unwrap();
        assert!(!s.want_rows);
    }

    #[test]
    fn stmt_replication_index_string_or_number() {
        let s: Stmt = serde_json::from_str(r#"{"sql":"x","replication_index":"17"}"#).unwrap();
        assert_eq!(s.replication_index, Some(17));
        let s: Stmt = serde_json::from_str(r#"{"sql":"x","replication_index":17}"#).unwrap();
        assert_eq!(s.replication_index, Some(17));
        let s: Stmt = serde_json::from_str(r#"{"sql":"x","replication_index":null}"#).unwrap();
        assert_eq!(s.replication_index, None);
        assert!(serde_json::from_str::<Stmt>(r#"{"sql":"x","replication_index":"x"}"#).is_err());
    }

    #[test]
    fn stmt_serialises_for_clients() {
        let s = Stmt::new("SELECT ?").with_args([Value::Integer(1)]);
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#"{"sql":"SELECT ?","args":[{"type":"integer","value":"1"}],"named_args":[],"want_rows":true}"#
        );
    }

    #[test]
    fn sql_ref_rules() {
        assert_eq!(Stmt::new("x").sql_ref().unwrap(), SqlRef::Sql("x"));
        let mut s = Stmt::new("x");
        s.sql_id = Some(2);
        assert!(matches!(s.sql_ref(), Err(ProtocolError::SqlAndSqlId)));
        assert!(s.check_version(Version::Hrana1).is_err());
        assert!(s.check_version(Version::Hrana2).is_ok());
        s.sql = None;
        assert_eq!(s.sql_ref().unwrap(), SqlRef::SqlId(2));
        s.sql_id = None;
        assert!(matches!(s.sql_ref(), Err(ProtocolError::SqlMissing)));
    }

    #[test]
    fn stmt_result_is_byte_exact() {
        let r = StmtResult {
            cols: vec![
                Col::new("id", Some("INTEGER".into())),
                Col::new("i + 1", None),
            ],
            rows: vec![vec![Value::Integer(1), Value::Integer(43)]],
            affected_row_count: 0,
            last_insert_rowid: None,
            replication_index: Some(5),
            rows_read: 1,
            rows_written: 0,
            query_duration_ms: 0.047,
        };
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            concat!(
                r#"{"cols":[{"name":"id","decltype":"INTEGER"},{"name":"i + 1","decltype":null}],"#,
                r#""rows":[[{"type":"integer","value":"1"},{"type":"integer","value":"43"}]],"#,
                r#""affected_row_count":0,"last_insert_rowid":null,"replication_index":"5","#,
                r#""rows_read":1,"rows_written":0,"query_duration_ms":0.047}"#
            )
        );
        let insert = StmtResult {
            last_insert_rowid: Some(4),
            query_duration_ms: 3.0,
            ..r
        };
        let text = serde_json::to_string(&insert).unwrap();
        assert!(text.contains(r#""last_insert_rowid":"4""#), "{text}");
        assert!(text.ends_with(r#""query_duration_ms":3.0}"#), "{text}");
    }

    #[test]
    fn stmt_result_accepts_minimal_spec_form() {
        // A plain Hrana server without sqld's extra fields, and a number rowid.
        let r: StmtResult = serde_json::from_str(
            r#"{"cols":[{"name":"a"}],"rows":[],"affected_row_count":2,"last_insert_rowid":7}"#,
        )
        .unwrap();
        assert_eq!(r.last_insert_rowid, Some(7));
        assert_eq!(
            r.cols,
            vec![Col {
                name: Some("a".into()),
                decltype: None
            }]
        );
        assert_eq!(r.replication_index, None);
    }

    #[test]
    fn stmt_result_non_finite_check() {
        let mut r = StmtResult {
            rows: vec![vec![Value::Float(1.0)]],
            ..Default::default()
        };
        assert!(r.check_json_encodable().is_ok());
        r.rows.push(vec![Value::Float(f64::NEG_INFINITY)]);
        assert!(r.check_json_encodable().is_err());
    }

    #[test]
    fn describe_result_shape() {
        let d = DescribeResult {
            params: vec![
                DescribeParam { name: None },
                DescribeParam {
                    name: Some(":name".into()),
                },
            ],
            cols: vec![DescribeCol {
                name: "id".into(),
                decltype: Some("INTEGER".into()),
            }],
            is_explain: false,
            is_readonly: true,
        };
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            r#"{"params":[{"name":null},{"name":":name"}],"cols":[{"name":"id","decltype":"INTEGER"}],"is_explain":false,"is_readonly":true}"#
        );
    }

    proptest! {
        #[test]
        fn stmt_json_round_trip(s in arb_json_stmt()) {
            let text = serde_json::to_string(&s).unwrap();
            prop_assert_eq!(serde_json::from_str::<Stmt>(&text).unwrap(), s);
        }

        #[test]
        fn stmt_result_json_round_trip(r in arb_json_stmt_result()) {
            let text = serde_json::to_string(&r).unwrap();
            let back: StmtResult = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(back.query_duration_ms.to_bits(), r.query_duration_ms.to_bits());
            prop_assert_eq!(back, r);
        }
    }
}
