//! Positional and named parameters, bound as libSQL's server binds them.

use basalt_engine::{Connection, Error, Params, Value};

fn one(c: &Connection, sql: &str, params: Params) -> Result<Vec<Value>, Error> {
    Ok(c.execute(sql, &params)?.rows.remove(0))
}

#[test]
fn positional_forms() {
    let c = Connection::open_in_memory().unwrap();
    let p = Params::Positional(vec![Value::Integer(1), Value::Text("b".into())]);
    assert_eq!(
        one(&c, "SELECT ?, ?", p.clone()).unwrap(),
        [Value::Integer(1), Value::Text("b".into())]
    );
    assert_eq!(
        one(&c, "SELECT ?2, ?1, ?2", p).unwrap(),
        [
            Value::Text("b".into()),
            Value::Integer(1),
            Value::Text("b".into())
        ]
    );
}

#[test]
fn named_forms_match_with_or_without_prefix() {
    let c = Connection::open_in_memory().unwrap();
    let p = Params::Named(vec![
        (":a".into(), Value::Integer(1)),
        ("b".into(), Value::Integer(2)),
        ("$c".into(), Value::Integer(3)),
    ]);
    assert_eq!(
        one(&c, "SELECT :a, @b, $c", p).unwrap(),
        [Value::Integer(1), Value::Integer(2), Value::Integer(3)]
    );
}

#[test]
fn count_mismatches_are_errors() {
    let c = Connection::open_in_memory().unwrap();
    let err = one(
        &c,
        "SELECT ?, ?",
        Params::Positional(vec![Value::Integer(1)]),
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "value for parameter 2 not found");
    assert!(err.is_parameter_error());
    let err = one(
        &c,
        "SELECT ?",
        Params::Positional(vec![Value::Integer(1), Value::Integer(2)]),
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "too many parameters, expected 1 found 2");
    let err = one(
        &c,
        "SELECT :x",
        Params::Named(vec![("y".into(), Value::Null)]),
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "value for parameter :x not found");
    // The failed bindings leave no trace on the next run of the same statement.
    assert_eq!(
        one(
            &c,
            "SELECT ?, ?",
            Params::Positional(vec![Value::Integer(5), Value::Null])
        )
        .unwrap(),
        [Value::Integer(5), Value::Null]
    );
}
