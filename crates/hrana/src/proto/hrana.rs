//! Package `hrana`: protobuf structures shared by HTTP and WebSocket (LIBSQL-SURFACE §2.2,
//! §5). Field numbers follow the Hrana 3 schema plus sqld's extensions (marked "sqld").

use std::collections::BTreeMap;

/// `hrana.Error`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct Error {
    /// 1: message.
    #[prost(string, tag = "1")]
    pub message: String,
    /// 2: code (optional in the schema; sqld always sets it).
    #[prost(string, optional, tag = "2")]
    pub code: Option<String>,
}

/// `hrana.Stmt`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct Stmt {
    /// 1: SQL text.
    #[prost(string, optional, tag = "1")]
    pub sql: Option<String>,
    /// 2: stored SQL id.
    #[prost(int32, optional, tag = "2")]
    pub sql_id: Option<i32>,
    /// 3: positional arguments.
    #[prost(message, repeated, tag = "3")]
    pub args: Vec<Value>,
    /// 4: named arguments.
    #[prost(message, repeated, tag = "4")]
    pub named_args: Vec<NamedArg>,
    /// 5: want_rows (absent: true).
    #[prost(bool, optional, tag = "5")]
    pub want_rows: Option<bool>,
    /// 6 (sqld): replication index.
    #[prost(uint64, optional, tag = "6")]
    pub replication_index: Option<u64>,
}

/// `hrana.NamedArg`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct NamedArg {
    /// 1: name.
    #[prost(string, tag = "1")]
    pub name: String,
    /// 2: value.
    #[prost(message, optional, tag = "2")]
    pub value: Option<Value>,
}

/// `hrana.StmtResult`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct StmtResult {
    /// 1: columns.
    #[prost(message, repeated, tag = "1")]
    pub cols: Vec<Col>,
    /// 2: rows.
    #[prost(message, repeated, tag = "2")]
    pub rows: Vec<Row>,
    /// 3: affected row count.
    #[prost(uint64, tag = "3")]
    pub affected_row_count: u64,
    /// 4: last insert rowid (zig-zag).
    #[prost(sint64, optional, tag = "4")]
    pub last_insert_rowid: Option<i64>,
    /// 5 (sqld): replication index.
    #[prost(uint64, optional, tag = "5")]
    pub replication_index: Option<u64>,
    /// 6 (sqld): rows read.
    #[prost(uint64, tag = "6")]
    pub rows_read: u64,
    /// 7 (sqld): rows written.
    #[prost(uint64, tag = "7")]
    pub rows_written: u64,
    /// 8 (sqld): query duration in milliseconds.
    #[prost(double, tag = "8")]
    pub query_duration_ms: f64,
}

/// `hrana.Col`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct Col {
    /// 1: name.
    #[prost(string, optional, tag = "1")]
    pub name: Option<String>,
    /// 2: declared type.
    #[prost(string, optional, tag = "2")]
    pub decltype: Option<String>,
}

/// `hrana.Row`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct Row {
    /// 1: values.
    #[prost(message, repeated, tag = "1")]
    pub values: Vec<Value>,
}

/// `hrana.Batch`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct Batch {
    /// 1: steps.
    #[prost(message, repeated, tag = "1")]
    pub steps: Vec<BatchStep>,
    /// 2 (sqld): replication index.
    #[prost(uint64, optional, tag = "2")]
    pub replication_index: Option<u64>,
}

/// `hrana.BatchStep`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct BatchStep {
    /// 1: condition.
    #[prost(message, optional, tag = "1")]
    pub condition: Option<BatchCond>,
    /// 2: statement.
    #[prost(message, optional, tag = "2")]
    pub stmt: Option<Stmt>,
}

/// `hrana.BatchCond`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct BatchCond {
    /// The condition (`oneof cond`).
    #[prost(oneof = "batch_cond::Cond", tags = "1, 2, 3, 4, 5, 6")]
    pub cond: Option<batch_cond::Cond>,
}

/// Nested types of [`BatchCond`].
pub mod batch_cond {
    /// `oneof cond`.
    #[derive(Clone, PartialEq, ::prost::Oneof)]
    pub enum Cond {
        /// 1: step n succeeded.
        #[prost(uint32, tag = "1")]
        StepOk(u32),
        /// 2: step n failed.
        #[prost(uint32, tag = "2")]
        StepError(u32),
        /// 3: negation.
        #[prost(message, tag = "3", boxed)]
        Not(Box<super::BatchCond>),
        /// 4: conjunction.
        #[prost(message, tag = "4")]
        And(CondList),
        /// 5: disjunction.
        #[prost(message, tag = "5")]
        Or(CondList),
        /// 6: autocommit state.
        #[prost(message, tag = "6")]
        IsAutocommit(IsAutocommit),
    }

    /// `hrana.BatchCond.CondList`.
    #[derive(Clone, PartialEq, ::prost::Message)]
    pub struct CondList {
        /// 1: conditions.
        #[prost(message, repeated, tag = "1")]
        pub conds: Vec<super::BatchCond>,
    }

    /// `hrana.BatchCond.IsAutocommit` (empty).
    #[derive(Clone, Copy, PartialEq, ::prost::Message)]
    pub struct IsAutocommit {}
}

/// `hrana.BatchResult`: only executed steps appear in the maps.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct BatchResult {
    /// 1: results of steps that succeeded, by step index.
    #[prost(btree_map = "uint32, message", tag = "1")]
    pub step_results: BTreeMap<u32, StmtResult>,
    /// 2: errors of steps that failed, by step index.
    #[prost(btree_map = "uint32, message", tag = "2")]
    pub step_errors: BTreeMap<u32, Error>,
}

/// `hrana.CursorEntry`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct CursorEntry {
    /// The entry (`oneof entry`).
    #[prost(oneof = "cursor_entry::Entry", tags = "1, 2, 3, 4, 5, 6")]
    pub entry: Option<cursor_entry::Entry>,
}

/// Nested types of [`CursorEntry`].
pub mod cursor_entry {
    /// `oneof entry`.
    #[derive(Clone, PartialEq, ::prost::Oneof)]
    pub enum Entry {
        /// 1: step begins.
        #[prost(message, tag = "1")]
        StepBegin(super::StepBeginEntry),
        /// 2: step ends.
        #[prost(message, tag = "2")]
        StepEnd(super::StepEndEntry),
        /// 3: step failed.
        #[prost(message, tag = "3")]
        StepError(super::StepErrorEntry),
        /// 4: a row.
        #[prost(message, tag = "4")]
        Row(super::Row),
        /// 5: the batch failed.
        #[prost(message, tag = "5")]
        Error(super::Error),
        /// 6 (sqld): replication index after the batch.
        #[prost(message, tag = "6")]
        ReplicationIndex(super::ReplicationIndexEntry),
    }
}

/// `hrana.StepBeginEntry`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct StepBeginEntry {
    /// 1: step index.
    #[prost(uint32, tag = "1")]
    pub step: u32,
    /// 2: columns.
    #[prost(message, repeated, tag = "2")]
    pub cols: Vec<Col>,
}

/// `hrana.StepEndEntry`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct StepEndEntry {
    /// 1: affected row count.
    #[prost(uint64, tag = "1")]
    pub affected_row_count: u64,
    /// 2: last insert rowid. Unlike `StmtResult`'s, a plain varint (`int64`): the
    /// official TS client decodes this field with `uint64()`, so zig-zag would double it.
    #[prost(int64, optional, tag = "2")]
    pub last_insert_rowid: Option<i64>,
}

/// `hrana.StepErrorEntry`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct StepErrorEntry {
    /// 1: step index.
    #[prost(uint32, tag = "1")]
    pub step: u32,
    /// 2: error.
    #[prost(message, optional, tag = "2")]
    pub error: Option<Error>,
}

/// sqld's replication-index cursor entry (field 6 of [`CursorEntry`]).
#[derive(Clone, Copy, PartialEq, ::prost::Message)]
pub struct ReplicationIndexEntry {
    /// 1: replication index.
    #[prost(uint64, optional, tag = "1")]
    pub replication_index: Option<u64>,
}

/// `hrana.DescribeResult`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct DescribeResult {
    /// 1: parameters.
    #[prost(message, repeated, tag = "1")]
    pub params: Vec<DescribeParam>,
    /// 2: columns.
    #[prost(message, repeated, tag = "2")]
    pub cols: Vec<DescribeCol>,
    /// 3: is EXPLAIN.
    #[prost(bool, tag = "3")]
    pub is_explain: bool,
    /// 4: is read-only.
    #[prost(bool, tag = "4")]
    pub is_readonly: bool,
}

/// `hrana.DescribeParam`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct DescribeParam {
    /// 1: name.
    #[prost(string, optional, tag = "1")]
    pub name: Option<String>,
}

/// `hrana.DescribeCol`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct DescribeCol {
    /// 1: name.
    #[prost(string, tag = "1")]
    pub name: String,
    /// 2: declared type.
    #[prost(string, optional, tag = "2")]
    pub decltype: Option<String>,
}

/// `hrana.Value`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct Value {
    /// The value (`oneof value`); absent is a protocol error.
    #[prost(oneof = "value::Value", tags = "1, 2, 3, 4, 5")]
    pub value: Option<value::Value>,
}

/// Nested types of [`Value`].
pub mod value {
    /// `oneof value`.
    #[derive(Clone, PartialEq, ::prost::Oneof)]
    pub enum Value {
        /// 1: NULL (an empty message).
        #[prost(message, tag = "1")]
        Null(Null),
        /// 2: integer (zig-zag `sint64`).
        #[prost(sint64, tag = "2")]
        Integer(i64),
        /// 3: float.
        #[prost(double, tag = "3")]
        Float(f64),
        /// 4: text.
        #[prost(string, tag = "4")]
        Text(String),
        /// 5: blob.
        #[prost(bytes = "vec", tag = "5")]
        Blob(Vec<u8>),
    }

    /// `hrana.Value.Null` (empty).
    #[derive(Clone, Copy, PartialEq, ::prost::Message)]
    pub struct Null {}
}
