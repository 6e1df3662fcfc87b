//! The `libsql` crate in remote mode (`Builder::new_remote`) against a running
//! Basalt server. The server's base URL comes from `BASALT_URL`
//! (e.g. `http://127.0.0.1:8080`); `run.sh` starts a server and sets it.
//!
//! All tests share one server and one database, and run in parallel: each test
//! uses its own tables (dropped and re-created at its start), so the suite can
//! also be run again against a server that is still up.

mod common;

mod batches;
mod concurrency;
mod cursor;
mod errors;
mod params;
mod statements;
mod transactions;
mod values;
