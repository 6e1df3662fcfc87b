//! Integration tests for the `basalt` binary: each runs the real executable with piped
//! stdin against temporary database files.
//!
//! Expected outputs are what the sqlite3 shell prints for the same input (checked against
//! sqlite3's documented and observed formats), except where a comment says otherwise.

mod common;

mod cli;
mod dot_commands;
mod dump;
mod errors;
mod import;
mod modes;
mod serve;
mod statements;
