//! Integration tests for `basalt-slt`, by area: the SQLite corpus run through the library,
//! and the command-line binary.

mod cli;
mod corpus;
