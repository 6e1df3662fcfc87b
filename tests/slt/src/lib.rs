//! A sqllogictest runner with the semantics of SQLite's own driver (`slt_sqlite.c`), used to
//! check Basalt's SQL compatibility against SQLite's test corpus.
//!
//! - [`script`] reads a test file into records (the `sqllogictest` crate parses; SQLite's
//!   line rules are applied around it).
//! - [`format`] turns typed values into the lines the corpus expects (`T`/`I`/`R`, `NULL`,
//!   `(empty)`, `@` for unprintable bytes) and hashes long results.
//! - [`runner`] runs files against a [`Backend`] and judges each record.
//! - [`Backend`] is the seam to the database: the engine in process ([`EngineBackend`]) or
//!   a real server over HTTP ([`HttpBackend`]). Back-ends return typed values, never
//!   strings, so every back-end is judged by the same formatting rules.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod backend;
mod discover;
pub mod format;
mod report;
mod runner;
pub mod script;
#[cfg(test)]
mod testutil;

pub use backend::{
    Backend, BackendError, BackendFactory, EngineBackend, EngineFactory, HttpBackend, HttpFactory,
    Outcome, QueryOutput, Storage, Work,
};
pub use discover::collect_test_files;
pub use report::{Failure, FailureKind, FileReport, Summary};
pub use runner::{RunOptions, run_file, run_files, run_script};
