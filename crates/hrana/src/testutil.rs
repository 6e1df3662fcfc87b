//! proptest strategies shared by the unit tests.

use proptest::prelude::*;

use crate::{BatchCond, Col, NamedArg, Stmt, StmtResult, Value};

/// Any value, including non-finite floats (protobuf carries them).
pub(crate) fn arb_value() -> impl Strategy<Value = Value> + Clone {
    prop_oneof![
        Just(Value::Null),
        any::<i64>().prop_map(Value::Integer),
        any::<f64>().prop_map(Value::Float),
        ".{0,12}".prop_map(Value::Text),
        proptest::collection::vec(any::<u8>(), 0..24).prop_map(Value::Blob),
    ]
}

/// Values JSON can carry (finite floats only; -0.0 and subnormals included).
pub(crate) fn arb_json_value() -> impl Strategy<Value = Value> + Clone {
    arb_value().prop_filter("JSON carries finite floats only", Value::is_json_encodable)
}

fn arb_opt_name() -> impl Strategy<Value = Option<String>> {
    proptest::option::of("[a-z:@$?0-9 ()]{0,8}")
}

pub(crate) fn arb_stmt_with(
    value: impl Strategy<Value = Value> + Clone,
) -> impl Strategy<Value = Stmt> + Clone {
    (
        proptest::option::of(".{0,16}"),
        proptest::option::of(any::<i32>()),
        proptest::collection::vec(value.clone(), 0..4),
        proptest::collection::vec(("[:@$]?[a-z]{1,4}", value), 0..3),
        any::<bool>(),
        proptest::option::of(any::<u64>()),
    )
        .prop_map(
            |(sql, sql_id, args, named, want_rows, replication_index)| Stmt {
                sql,
                sql_id,
                args,
                named_args: named
                    .into_iter()
                    .map(|(name, value)| NamedArg { name, value })
                    .collect(),
                want_rows,
                replication_index,
            },
        )
}

pub(crate) fn arb_json_stmt() -> impl Strategy<Value = Stmt> + Clone {
    arb_stmt_with(arb_json_value())
}

pub(crate) fn arb_stmt_result_with(
    value: impl Strategy<Value = Value> + Clone,
    duration: impl Strategy<Value = f64>,
) -> impl Strategy<Value = StmtResult> {
    (
        proptest::collection::vec((arb_opt_name(), arb_opt_name()), 0..4),
        proptest::collection::vec(proptest::collection::vec(value, 0..4), 0..4),
        any::<u64>(),
        proptest::option::of(any::<i64>()),
        proptest::option::of(any::<u64>()),
        any::<u64>(),
        any::<u64>(),
        duration,
    )
        .prop_map(
            |(cols, rows, affected, rowid, repl, read, written, dur)| StmtResult {
                cols: cols
                    .into_iter()
                    .map(|(name, decltype)| Col { name, decltype })
                    .collect(),
                rows,
                affected_row_count: affected,
                last_insert_rowid: rowid,
                replication_index: repl,
                rows_read: read,
                rows_written: written,
                query_duration_ms: dur,
            },
        )
}

pub(crate) fn arb_json_stmt_result() -> impl Strategy<Value = StmtResult> {
    arb_stmt_result_with(arb_json_value(), 0.0f64..1e6)
}

pub(crate) fn arb_batch_cond() -> impl Strategy<Value = BatchCond> + Clone {
    let leaf = prop_oneof![
        (0u32..8).prop_map(|step| BatchCond::Ok { step }),
        (0u32..8).prop_map(|step| BatchCond::Error { step }),
        Just(BatchCond::IsAutocommit),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            inner
                .clone()
                .prop_map(|c| BatchCond::Not { cond: Box::new(c) }),
            proptest::collection::vec(inner.clone(), 0..4)
                .prop_map(|conds| BatchCond::And { conds }),
            proptest::collection::vec(inner, 0..4).prop_map(|conds| BatchCond::Or { conds }),
        ]
    })
}
