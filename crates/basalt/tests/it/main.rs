//! SDK integration tests, on real files and real sockets.

mod local;
mod remote;
mod replica;
mod replica_protocol;
