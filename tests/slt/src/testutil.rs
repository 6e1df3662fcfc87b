//! Helpers shared by the crate's unit tests.

use basalt_engine::{Connection, Params, Value};

thread_local! {
    static ORACLE: Connection = Connection::open_in_memory().expect("in-memory database");
}

/// Runs `sql` with `value` bound to `?1` on a scratch SQLite database and returns the single
/// text result: SQLite itself as the reference for number formatting.
pub fn sqlite_scalar_text(sql: &str, value: f64) -> String {
    ORACLE.with(|conn| {
        let result = conn
            .execute(sql, &Params::Positional(vec![Value::Real(value)]))
            .expect("query runs");
        match &result.rows[0][0] {
            Value::Text(text) => text.clone(),
            other => panic!("expected text, got {other:?}"),
        }
    })
}

/// A small deterministic pseudo-random generator (xorshift64), so tests need no extra crate.
pub fn xorshift(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed.max(1);
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}
