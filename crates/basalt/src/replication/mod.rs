//! Embedded-replica sync: a local SQLite file following a primary's replication log
//! over libSQL's gRPC protocol (LIBSQL-SURFACE.md §8), carried as gRPC-web over HTTP/1.1.
//!
//! [`Replicator`] is the sync engine and knows nothing of the SDK's connections: it owns
//! a [`Replica`] (the engine's frame applier, which keeps the position durable next to the
//! database) and runs sync rounds against the primary's `wal_log.ReplicationLog`:
//!
//! 1. `Hello`, keeping its session token for the round's later calls (`x-session-token`);
//!    `NO_HELLO` later in the round means the token went stale: say `Hello` again.
//! 2. If Hello's `log_id` is not the one the replica follows, reset and start from frame 0.
//! 3. `BatchLogEntries(next frame)` until the position reaches Hello's
//!    `current_replication_index`. Each batch is decoded whole before anything is applied;
//!    the engine applies complete transactions atomically and holds back a trailing
//!    partial one. `NEED_SNAPSHOT` → `Snapshot(next frame)`, applied as one transaction.
//!
//! [`Proxy`] forwards statements to the primary's `proxy.Proxy` service. The SDK's
//! replica connections use both; a read-replica server can too (see `docs/REPLICATION.md`).

mod grpc_web;
mod proxy;
mod route;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use basalt_engine::replication::{
    ApplyOutcome, Frame, LogId, Replica, ReplicaPosition, ReplicationError,
};
use basalt_rpc::wal_log as pb;
use reqwest::header::HeaderValue;

pub use proxy::{Forwarded, Proxy};
pub use route::{Kind, Route, classify, route};

use crate::error::{Error, Result};
use grpc_web::{GrpcWebClient, code};

const HELLO: &str = "/wal_log.ReplicationLog/Hello";
const BATCH_LOG_ENTRIES: &str = "/wal_log.ReplicationLog/BatchLogEntries";
const SNAPSHOT: &str = "/wal_log.ReplicationLog/Snapshot";
const LOG_ENTRIES: &str = "/wal_log.ReplicationLog/LogEntries";

/// How many times one round says `Hello` again after `NO_HELLO`.
const MAX_HELLOS: u32 = 3;
/// How many times one round retries a snapshot the primary is still preparing.
const SNAPSHOT_RETRIES: u32 = 10;

/// What a sync round did, like the `libsql` crate's `Replicated`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Replicated {
    frame_no: Option<u64>,
    frames_synced: usize,
}

impl Replicated {
    /// The last frame the replica has applied (its replication index); `None` while it
    /// has applied nothing.
    pub fn frame_no(&self) -> Option<u64> {
        self.frame_no
    }

    /// Frames applied during this round (snapshot frames included).
    pub fn frames_synced(&self) -> usize {
        self.frames_synced
    }
}

/// The sync engine of one replica database file.
#[derive(Debug)]
pub struct Replicator {
    client: GrpcWebClient,
    /// Behind a lock only so applies can run on a blocking thread; a `Replicator` is
    /// used by one task at a time (`sync` takes `&mut self`).
    replica: Arc<Mutex<Replica>>,
    db_path: PathBuf,
    session_token: Option<HeaderValue>,
}

impl Replicator {
    /// Opens (creating if needed) the replica file at `db_path`, following the primary at
    /// `url` (`http://host:port`); `auth_token` is sent as `x-authorization: Bearer …`
    /// when not empty. Nothing is sent until [`sync`](Self::sync).
    pub fn open(db_path: impl AsRef<Path>, url: &str, auth_token: &str) -> Result<Replicator> {
        let client = GrpcWebClient::new(url, auth_token)?;
        let replica = Replica::open(db_path.as_ref())?;
        Ok(Replicator {
            client,
            replica: Arc::new(Mutex::new(replica)),
            db_path: db_path.as_ref().to_path_buf(),
            session_token: None,
        })
    }

    /// A [`Proxy`] to the same primary, with the same credentials.
    pub fn proxy(&self) -> Proxy {
        Proxy::from_client(self.client.clone())
    }

    /// The replica database file.
    pub fn db_path(&self) -> &Path {
        &self.db_path
    }

    /// The replica's durable position.
    pub fn position(&self) -> ReplicaPosition {
        self.lock_replica().position()
    }

    /// The last applied frame (the replica's replication index); `None` before any.
    pub fn frame_no(&self) -> Option<u64> {
        self.position().frame_no.map(|f| f.0)
    }

    /// Runs a sync round unless the replica has already applied `frame_no`: what
    /// read-your-writes needs after a forwarded write.
    pub async fn sync_until(&mut self, frame_no: u64) -> Result<Replicated> {
        if self.frame_no().is_some_and(|applied| applied >= frame_no) {
            return Ok(self.replicated(0));
        }
        self.sync().await
    }

    /// One sync round: brings the replica up to the primary's last committed frame as
    /// Hello reports it. Reads of the database keep running meanwhile (each transaction
    /// of frames commits atomically). On error, whole transactions applied before it stay.
    pub async fn sync(&mut self) -> Result<Replicated> {
        let mut hellos = 1;
        let (mut log_id, mut target) = self.hello().await?;
        let mut frames_synced = 0;
        let mut snapshot_retries = 0;
        loop {
            let position = self.position();
            let done = match (target, position.frame_no) {
                (None, _) => true,
                (Some(target), Some(applied)) => applied.0 >= target,
                (Some(_), None) => false,
            };
            if done {
                break;
            }
            let next = self.lock_replica().next_frame_no();
            let request = pb::LogOffset {
                next_offset: next.0,
                wal_flavor: None,
            };
            let batch: Result<pb::Frames> = self
                .client
                .unary(BATCH_LOG_ENTRIES, &request, &self.metadata())
                .await;
            match batch {
                Ok(batch) => {
                    if batch.frames.is_empty() {
                        // The primary has nothing more for now (its index moved back?).
                        break;
                    }
                    let frames = decode_frames(&batch.frames)?;
                    let outcome = self.apply(move |r| r.apply(frames)).await?;
                    frames_synced += outcome.applied_frames;
                }
                Err(Error::Grpc {
                    code: code::FAILED_PRECONDITION,
                    message,
                }) if message == basalt_rpc::status::NEED_SNAPSHOT => {
                    match self.snapshot(log_id, next.0).await {
                        Ok(outcome) => {
                            if outcome.position.next_frame_no() <= next {
                                return Err(Error::Protocol(format!(
                                    "the snapshot for frame {next} ends before it (at {:?})",
                                    outcome.position.frame_no
                                )));
                            }
                            frames_synced += outcome.applied_frames;
                        }
                        Err(Error::Grpc {
                            code: code::UNAVAILABLE,
                            ..
                        }) if snapshot_retries < SNAPSHOT_RETRIES => {
                            // The primary is still preparing it.
                            snapshot_retries += 1;
                            tokio::time::sleep(Duration::from_millis(500)).await;
                        }
                        Err(e) => return Err(e),
                    }
                }
                Err(Error::Grpc {
                    code: code::FAILED_PRECONDITION,
                    message,
                }) if message == basalt_rpc::status::NO_HELLO && hellos < MAX_HELLOS => {
                    hellos += 1;
                    (log_id, target) = self.hello().await?;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(self.replicated(frames_synced))
    }

    /// Follows the primary as its log grows: catches up with a sync round, then keeps a
    /// `LogEntries` stream open and applies each transaction as soon as its commit frame
    /// arrives, calling `on_applied` with the new position. Returns when the stream ends
    /// or fails (a restarted primary, a cut connection, a compacted log): the caller
    /// loops, and the next call starts with a fresh sync round.
    pub async fn follow(&mut self, mut on_applied: impl FnMut(u64) + Send) -> Result<()> {
        let caught_up = self.sync().await?;
        if let Some(frame_no) = caught_up.frame_no() {
            on_applied(frame_no);
        }
        let request = pb::LogOffset {
            next_offset: self.lock_replica().next_frame_no().0,
            wal_flavor: None,
        };
        let mut stream = self
            .client
            .open_stream(LOG_ENTRIES, &request, &self.metadata())
            .await?;
        let mut pending = Vec::new();
        while let Some(frame) = stream.next::<pb::Frame>().await? {
            let frame = Frame::decode(&frame.data).map_err(|e| Error::Replication(e.into()))?;
            let commit = frame.header.is_commit();
            pending.push(frame);
            if !commit {
                continue;
            }
            // Whatever else has arrived goes into the same apply: under a stream of small
            // commits one apply (one durable write) covers many of them. A trailing
            // partial transaction stays pending in the replica.
            while let Some(more) = stream.next_ready::<pb::Frame>().await? {
                pending.push(Frame::decode(&more.data).map_err(|e| Error::Replication(e.into()))?);
            }
            let frames = std::mem::take(&mut pending);
            self.apply(move |r| r.apply(frames)).await?;
            if let Some(frame_no) = self.frame_no() {
                on_applied(frame_no);
            }
        }
        Ok(())
    }

    fn replicated(&self, frames_synced: usize) -> Replicated {
        Replicated {
            frame_no: self.frame_no(),
            frames_synced,
        }
    }

    /// Says Hello, adopts the primary's log identity (resetting when it changed) and
    /// returns it with the primary's last committed frame.
    async fn hello(&mut self) -> Result<(LogId, Option<u64>)> {
        let request = pb::HelloRequest {
            handshake_version: Some(1),
        };
        let hello: pb::HelloResponse = self.client.unary(HELLO, &request, &[]).await?;
        let log_id = LogId::parse(&hello.log_id).ok_or_else(|| {
            Error::Protocol(format!("Hello: log_id {:?} is not a UUID", hello.log_id))
        })?;
        self.session_token = if hello.session_token.is_empty() {
            None
        } else {
            Some(HeaderValue::from_bytes(&hello.session_token).map_err(|_| {
                Error::Protocol("Hello: the session token is not a valid header value".into())
            })?)
        };
        if self.position().log_id != Some(log_id) {
            tracing::info!(%log_id, "replica: following a new log from frame 0");
            self.apply(move |r| r.reset(log_id)).await?;
        }
        Ok((log_id, hello.current_replication_index))
    }

    async fn snapshot(&mut self, log_id: LogId, next: u64) -> Result<ApplyOutcome> {
        let request = pb::LogOffset {
            next_offset: next,
            wal_flavor: None,
        };
        let frames: Vec<pb::Frame> = self
            .client
            .server_stream(SNAPSHOT, &request, &self.metadata())
            .await?;
        let frames = decode_frames(&frames)?;
        self.apply(move |r| r.apply_snapshot(log_id, frames.into_iter().map(Ok)))
            .await
    }

    fn metadata(&self) -> Vec<(&'static str, HeaderValue)> {
        self.session_token
            .iter()
            .map(|t| (basalt_rpc::metadata_keys::SESSION_TOKEN, t.clone()))
            .collect()
    }

    fn lock_replica(&self) -> std::sync::MutexGuard<'_, Replica> {
        // A panic inside an apply leaves the replica's durable state consistent (that is
        // the engine's contract), so a poisoned lock is taken over.
        self.replica
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs a replica operation (SQLite and fsync) on a blocking thread.
    async fn apply<T: Send + 'static>(
        &self,
        op: impl FnOnce(&mut Replica) -> Result<T, ReplicationError> + Send + 'static,
    ) -> Result<T> {
        let replica = Arc::clone(&self.replica);
        let joined = tokio::task::spawn_blocking(move || {
            let mut replica = replica
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            op(&mut replica)
        })
        .await;
        match joined {
            Ok(result) => Ok(result?),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => Err(Error::Cancelled),
        }
    }
}

/// Decodes a batch whole: one bad frame rejects all of them.
fn decode_frames(frames: &[pb::Frame]) -> Result<Vec<Frame>> {
    frames
        .iter()
        .map(|f| Frame::decode(&f.data).map_err(|e| Error::Replication(e.into())))
        .collect()
}
