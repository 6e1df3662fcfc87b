//! Arbitrary SQL through the engine: the statement front-end (ALTER COLUMN, RANDOM ROWID,
//! BEGIN READONLY) and the vector functions see it before or inside SQLite. Errors are
//! fine; panics are not.
#![no_main]

use basalt_engine::{Connection, Params, Value};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(sql) = std::str::from_utf8(data) else { return };
    let Ok(conn) = Connection::open_in_memory() else { return };
    let _ = conn.execute_batch("CREATE TABLE t (a INTEGER, b TEXT DEFAULT 'x,y', v F32_BLOB(3))");
    let _ = conn.execute(sql, &Params::None);
    let _ = conn.describe(sql);
    let _ = conn.execute_script(sql, |_| Ok(()));
    let _ = conn.execute("SELECT vector_extract(vector(?))", &Params::Positional(vec![Value::Text(sql.into())]));
});
