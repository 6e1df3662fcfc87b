//! Errors of the replication log and the replica applier. Variants carry the frame
//! number, file and reason rather than preformatted text, so callers (the gRPC layer)
//! can map them to status codes (`NEED_SNAPSHOT` is not an error: see
//! [`ReadFrom`](super::ReadFrom)).

use std::path::PathBuf;

use super::frame::{FrameDecodeError, FrameNo};

/// What is wrong with a log file found corrupt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CorruptKind {
    /// The file header is unreadable or its check failed.
    BadHeader,
    /// The file belongs to another log identity.
    WrongLogId,
    /// A record's CRC does not match its bytes.
    RecordChecksum,
    /// A frame's rolling checksum does not follow from the previous frame.
    ChainChecksum,
    /// Frame numbers are not consecutive (inside a file or from one file to the next).
    Gap,
    /// The file ends inside a record or inside a transaction, and it is not the
    /// tail of the newest segment (where a torn write is expected and dropped).
    Truncated,
    /// Valid records follow a damaged one in the newest segment: damage, not a torn tail.
    DamageBeforeTail,
}

/// Everything that can go wrong capturing, serving or applying frames.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplicationError {
    /// A file operation failed.
    #[error("replication I/O error on {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// SQLite failed (opening, checkpointing, applying pages).
    #[error("{0}")]
    Sqlite(#[from] crate::Error),
    /// The database's page size is not the 4096 bytes replication requires.
    #[error("database {path} has page size {found}; replication requires 4096")]
    PageSize {
        /// The database file.
        path: PathBuf,
        /// Its page size.
        found: u32,
    },
    /// The database is not in WAL mode, so its commits cannot be captured.
    #[error("database {path} is not in WAL mode (journal_mode = {mode})")]
    NotWal {
        /// The database file.
        path: PathBuf,
        /// The journal mode found.
        mode: String,
    },
    /// A log file is damaged; the log is not served until it is reset.
    #[error("replication log file {path} is corrupt at frame {frame_no:?}: {kind:?}")]
    Corrupt {
        /// The damaged file.
        path: PathBuf,
        /// The first frame number affected, when known.
        frame_no: Option<FrameNo>,
        /// What is wrong.
        kind: CorruptKind,
    },
    /// The `-wal` file holds fewer frames than the log already captured from it (it was
    /// replaced, or lost commits in a power failure): the log no longer matches the
    /// database and must be reset.
    #[error(
        "the WAL of {path} is behind the replication log (log has WAL frame {captured}, WAL has {found})"
    )]
    WalBehindLog {
        /// The database file.
        path: PathBuf,
        /// The WAL frame index the log captured up to.
        captured: u32,
        /// The WAL frames found.
        found: u32,
    },
    /// Frames were asked for past the end of the log.
    #[error("frame {requested} not yet available (next frame is {next})")]
    FrameNotYetAvailable {
        /// The requested frame.
        requested: FrameNo,
        /// The next frame the log will write.
        next: FrameNo,
    },
    /// Frames handed to a replica do not continue from its position.
    #[error("frames do not follow the replica's position: expected frame {expected}, got {found}")]
    Gap {
        /// The frame the replica expects next.
        expected: FrameNo,
        /// The frame it was given.
        found: FrameNo,
    },
    /// A frame handed to a replica is malformed.
    #[error("bad frame: {0}")]
    BadFrame(#[from] FrameDecodeError),
    /// A frame's checksum does not follow from the previous frame's.
    #[error("frame {frame_no} has a bad checksum")]
    BadChecksum {
        /// The frame.
        frame_no: FrameNo,
    },
    /// A snapshot stream ended without the commit marker on its last frame.
    #[error("snapshot ended without a commit frame")]
    SnapshotWithoutCommit,
    /// A database connection was given to a log of another database.
    #[error("connection is on {found}, not on the log's database {expected}")]
    WrongDatabase {
        /// The log's database.
        expected: PathBuf,
        /// The connection's database (empty for an in-memory connection).
        found: PathBuf,
    },
}

impl ReplicationError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> ReplicationError {
        let path = path.into();
        move |source| ReplicationError::Io { path, source }
    }

    pub(crate) fn corrupt(
        path: impl Into<PathBuf>,
        frame_no: Option<FrameNo>,
        kind: CorruptKind,
    ) -> ReplicationError {
        ReplicationError::Corrupt {
            path: path.into(),
            frame_no,
            kind,
        }
    }
}

impl From<rusqlite::Error> for ReplicationError {
    fn from(e: rusqlite::Error) -> Self {
        ReplicationError::Sqlite(e.into())
    }
}
