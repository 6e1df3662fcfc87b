//! `wal_log.ReplicationLog`: Hello, BatchLogEntries, LogEntries and Snapshot over the
//! database's replication log, with the statuses official clients match on (§8.4–8.5).

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use basalt_engine::replication::{FrameNo, ReadFrom, ReplicationError, ReplicationLog};
use basalt_rpc::metadata::DatabaseConfig;
use basalt_rpc::wal_log::replication_log_server::ReplicationLog as ReplicationLogRpc;
use basalt_rpc::wal_log::{Frame, Frames, HelloRequest, HelloResponse, LogOffset, WalFlavor};
use basalt_rpc::{metadata_keys, status};
use futures_util::Stream;
use tonic::{Request, Response, Status};

use crate::AppState;
use crate::metrics::Metrics;

/// Frames per `BatchLogEntries` answer (and per read of a `LogEntries` stream).
const MAX_BATCH_FRAMES: usize = 1024;
/// How long a `LogEntries` stream waits for new frames before checking its client is
/// still there.
const STREAM_POLL: Duration = Duration::from_secs(1);

type FrameStream = Pin<Box<dyn Stream<Item = Result<Frame, Status>> + Send + 'static>>;

pub(crate) struct LogService {
    state: Arc<AppState>,
}

impl LogService {
    pub(crate) fn new(state: Arc<AppState>) -> LogService {
        LogService { state }
    }

    fn metrics(&self) -> &Metrics {
        self.state.db.metrics()
    }

    fn log(&self) -> Result<ReplicationLog, Status> {
        self.state.db.log().cloned().ok_or_else(|| {
            Status::unavailable("replication log is disabled on this server (--no-replication-log)")
        })
    }

    /// Checks the session token from `Hello` and the requested WAL flavour.
    fn check<T>(&self, request: &Request<T>, flavor: Option<i32>) -> Result<(), Status> {
        let token = request.metadata().get(metadata_keys::SESSION_TOKEN);
        if token.is_none_or(|t| t.as_bytes() != self.state.session_token.as_bytes()) {
            return Err(Status::failed_precondition(status::NO_HELLO));
        }
        if flavor == Some(WalFlavor::Libsql as i32) {
            return Err(Status::invalid_argument(status::LIBSQL_WAL_NOT_SUPPORTED));
        }
        Ok(())
    }
}

/// A log frame as the protocol sends it.
fn wire_frame(frame: &basalt_engine::replication::Frame) -> Frame {
    Frame {
        data: frame.encode(),
        timestamp: None,
        durable_frame_no: None,
    }
}

/// The status for a log failure.
fn log_status(e: ReplicationError) -> Status {
    match e {
        ReplicationError::FrameNotYetAvailable { .. } => {
            Status::out_of_range(status::FRAME_NOT_YET_AVAILABLE)
        }
        e => {
            tracing::error!(error = %e, "replication log: read failed");
            Status::internal(format!("replication log: {e}"))
        }
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, Status> + Send + 'static,
) -> Result<T, Status> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Status::internal(format!("replication log task failed: {e}")))?
}

/// Reads up to a batch of frames from `from`.
fn read_batch(log: &ReplicationLog, from: u64) -> Result<Vec<Frame>, Status> {
    match log.read_from(FrameNo(from), MAX_BATCH_FRAMES) {
        Ok(ReadFrom::Frames(frames)) => Ok(frames.iter().map(wire_frame).collect()),
        Ok(ReadFrom::NeedSnapshot) => Err(Status::failed_precondition(status::NEED_SNAPSHOT)),
        Err(e) => Err(log_status(e)),
    }
}

/// A stream fed by a channel.
fn channel_stream(rx: tokio::sync::mpsc::Receiver<Result<Frame, Status>>) -> FrameStream {
    Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }))
}

#[tonic::async_trait]
impl ReplicationLogRpc for LogService {
    async fn hello(
        &self,
        _request: Request<HelloRequest>,
    ) -> Result<Response<HelloResponse>, Status> {
        Metrics::incr(&self.metrics().replication_requests);
        let log = self.log()?;
        let (log_id, last) = blocking(move || Ok((log.log_id(), log.last_frame_no()))).await?;
        let log_id = log_id.to_string();
        tracing::debug!(%log_id, last = ?last, "replication hello");
        Ok(Response::new(HelloResponse {
            // One generation per log identity, starting at frame 0.
            generation_id: log_id.clone(),
            generation_start_index: 0,
            log_id,
            session_token: self.state.session_token.as_bytes().to_vec(),
            current_replication_index: last.map(|f| f.0),
            config: Some(DatabaseConfig::default()),
        }))
    }

    type LogEntriesStream = FrameStream;

    async fn log_entries(
        &self,
        request: Request<LogOffset>,
    ) -> Result<Response<FrameStream>, Status> {
        Metrics::incr(&self.metrics().replication_requests);
        self.check(&request, request.get_ref().wal_flavor)?;
        let log = self.log()?;
        let mut next = request.get_ref().next_offset;
        // Fail the call itself (not the stream) for an offset that is already wrong.
        let first = {
            let log = log.clone();
            blocking(move || read_batch(&log, next)).await?
        };
        let (tx, rx) = tokio::sync::mpsc::channel(MAX_BATCH_FRAMES);
        let state = self.state.clone();
        tokio::spawn(async move {
            let mut batch = first;
            loop {
                let count = batch.len() as u64;
                for frame in batch {
                    if tx.send(Ok(frame)).await.is_err() {
                        return;
                    }
                }
                Metrics::add(&state.db.metrics().frames_served, count);
                next += count;
                let log = log.clone();
                let read = blocking(move || {
                    if count == 0 {
                        log.wait_for(FrameNo(next), STREAM_POLL);
                    }
                    read_batch(&log, next)
                });
                batch = match read.await {
                    Ok(batch) => batch,
                    Err(status) => {
                        let _ = tx.send(Err(status)).await;
                        return;
                    }
                };
                // A closed client, or a server shutting down: end the stream (replicas
                // reconnect), so it does not hold up the graceful shutdown.
                if tx.is_closed() || *state.shutting_down.borrow() {
                    return;
                }
            }
        });
        Ok(Response::new(channel_stream(rx)))
    }

    async fn batch_log_entries(
        &self,
        request: Request<LogOffset>,
    ) -> Result<Response<Frames>, Status> {
        Metrics::incr(&self.metrics().replication_requests);
        self.check(&request, request.get_ref().wal_flavor)?;
        let log = self.log()?;
        let from = request.get_ref().next_offset;
        let frames = blocking(move || read_batch(&log, from)).await?;
        Metrics::add(&self.metrics().frames_served, frames.len() as u64);
        tracing::trace!(from, count = frames.len(), "replication batch");
        Ok(Response::new(Frames { frames }))
    }

    type SnapshotStream = FrameStream;

    async fn snapshot(&self, request: Request<LogOffset>) -> Result<Response<FrameStream>, Status> {
        Metrics::incr(&self.metrics().replication_requests);
        self.check(&request, request.get_ref().wal_flavor)?;
        let log = self.log()?;
        let reader = blocking(move || log.snapshot().map_err(log_status))
            .await?
            .ok_or_else(|| Status::unavailable(status::SNAPSHOT_NOT_FOUND))?;
        tracing::debug!(
            end = %reader.end_frame_no(),
            frames = reader.frame_count(),
            offset = request.get_ref().next_offset,
            "replication snapshot"
        );
        let (tx, rx) = tokio::sync::mpsc::channel(64);
        let state = self.state.clone();
        tokio::task::spawn_blocking(move || {
            let mut sent = 0u64;
            for frame in reader {
                let item = frame.as_ref().map(wire_frame).map_err(|e| {
                    tracing::error!(error = %e, "replication log: snapshot read failed");
                    Status::internal(format!("replication log: {e}"))
                });
                let failed = item.is_err();
                if tx.blocking_send(item).is_err() || failed {
                    break;
                }
                sent += 1;
            }
            Metrics::add(&state.db.metrics().snapshot_frames_served, sent);
        });
        Ok(Response::new(channel_stream(rx)))
    }
}
