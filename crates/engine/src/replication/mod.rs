//! WAL-frame replication: the primary's replication log and the replica's frame applier.
//!
//! On the primary, [`ReplicationLog`] captures the frames of every committed transaction
//! from the database's `-wal` file (through `sqlite3_wal_hook` on every attached
//! connection) into checksummed, append-only segment files next to the database, numbered
//! from 0 with no gap (LIBSQL-SURFACE.md §8.2–8.3). Sealed segments are compacted into a
//! snapshot holding the latest version of each page. The log is the only checkpointer of
//! the database: attached connections have auto-checkpoint and checkpoint-on-close off,
//! and the log backfills the WAL only up to frames it already holds.
//!
//! On a replica, [`Replica`] applies whole transactions of frames to a database file
//! through the `sqlite_dbpage` virtual table in one SQLite transaction, and records the
//! last applied frame number durably so that a crash neither re-applies nor skips frames.
//!
//! The on-disk formats and recovery rules are in `docs/REPLICATION.md`. Nothing here does
//! networking: the server serves [`ReplicationLog::read_from`] and
//! [`ReplicationLog::snapshot`] over gRPC, the SDK feeds what it receives to
//! [`Replica::apply`] and [`Replica::apply_snapshot`].

mod error;
mod frame;
mod fsutil;
mod log;
mod replica;
mod segment;
mod snapshot;
mod wal;

pub use error::{CorruptKind, ReplicationError};
pub use frame::{
    FRAME_HEADER_SIZE, FRAME_SIZE, Frame, FrameDecodeError, FrameHeader, FrameNo, PAGE_SIZE,
    PageNo, chain_checksum,
};
pub use log::{LogConfig, LogId, ReadFrom, ReplicationLog};
pub use replica::{ApplyOutcome, Replica, ReplicaPosition};
pub use snapshot::SnapshotReader;
