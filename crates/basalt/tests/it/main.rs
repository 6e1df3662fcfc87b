//! SDK integration tests, local mode, on real files.

mod local;
mod remote;
