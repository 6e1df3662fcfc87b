//! The primary's replication log: capture of committed WAL frames, segment rotation,
//! compaction, checkpoints, recovery, and reads for replicas.
//!
//! Capture runs in `sqlite3_wal_hook`, which SQLite calls on the committing connection
//! after each commit, inside the call that committed: the hook reads the new committed
//! frames from the `-wal` file and appends them to the newest segment. By default it
//! also fsyncs the segment, so the commit returns only once its frames are durable in the
//! log. With [`LogConfig::group_commit`] the hook only appends, and the committer calls
//! [`ReplicationLog::sync_through`] after releasing its locks: one `fdatasync` then covers
//! every frame appended so far, shared by every committer waiting meanwhile. Either way,
//! readers ([`ReplicationLog::read_from`], [`ReplicationLog::last_frame_no`], snapshots)
//! never see past the durable end. If capture fails, the committing call fails too, and
//! the frames (still in the WAL) are captured by the next commit or the next open.
//!
//! Invariants:
//! * The log holds, in WAL order, every committed frame of the WAL up to its cursor
//!   (salts + frame index), and nothing else.
//! * The WAL is only backfilled by [`ReplicationLog::checkpoint`], which holds SQLite's
//!   write lock (`BEGIN IMMEDIATE` on a log-owned connection) while it captures and
//!   checkpoints, so no frame can be checkpointed, and the WAL restarted over it, before
//!   the log holds it. Attached connections have auto-checkpoint and checkpoint-on-close
//!   off; every connection that writes to the database must be attached.
//! * Segments are cut only after a commit frame; frame numbers continue across
//!   segments, snapshots, WAL restarts and process restarts.
//! * Everything below the durable end has been fsynced; a segment is fsynced before it
//!   is sealed and before the WAL is checkpointed, so sealed segments, snapshots and the
//!   frames a checkpoint removes from the WAL are always durable in the log.

use std::fs::{self, File};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rusqlite::OpenFlags;

use super::error::{CorruptKind, ReplicationError};
use super::frame::{Frame, FrameHeader, FrameNo, PAGE_SIZE, PageNo, chain_checksum};
use super::fsutil;
use super::segment::{self, FLAG_BOOTSTRAP, Record, SegmentHeader, SegmentState, Tail};
use super::snapshot::{self, SnapshotReader, SnapshotState};
use super::wal::{self, WalCursor, WalRead};
use crate::Connection;

/// Name of the file holding the log identity, inside the log directory.
const LOG_ID_FILE: &str = "log_id";

/// A log identity (`log_id`, a UUID): a new one whenever the log is created or rebuilt,
/// telling replicas to discard their position and start again from frame 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LogId(pub u128);

impl LogId {
    fn new_random() -> LogId {
        LogId(uuid::Uuid::new_v4().as_u128())
    }

    /// Parses the hyphenated UUID form.
    pub fn parse(text: &str) -> Option<LogId> {
        uuid::Uuid::parse_str(text.trim())
            .ok()
            .map(|u| LogId(u.as_u128()))
    }
}

impl std::fmt::Display for LogId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        uuid::Uuid::from_u128(self.0).hyphenated().fmt(f)
    }
}

/// Tuning of a replication log.
#[derive(Debug, Clone)]
pub struct LogConfig {
    /// A segment is sealed (and a new one started) once it holds at least this many
    /// bytes, at the next commit boundary.
    pub segment_size: u64,
    /// Checkpoint the WAL once it holds at least this many frames (SQLite's own
    /// auto-checkpoint default is 1000).
    pub checkpoint_frames: u32,
    /// Sealed segments kept as they are, for replicas slightly behind; older ones are
    /// compacted into the snapshot.
    pub retain_sealed_segments: usize,
    /// Compact in the committing thread right after a segment is sealed. Turn off to
    /// call [`ReplicationLog::compact`] from a background thread instead.
    pub auto_compact: bool,
    /// Group commit: the commit hook appends without `fdatasync`, and committers make
    /// their frames durable with [`ReplicationLog::sync_through`] once they have released
    /// their locks, sharing one `fdatasync` among all waiting committers. Off: every
    /// commit is fsynced inside the committing call.
    pub group_commit: bool,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            segment_size: 64 << 20,
            checkpoint_frames: 1000,
            retain_sealed_segments: 1,
            auto_compact: true,
            group_commit: false,
        }
    }
}

/// The answer to [`ReplicationLog::read_from`].
#[derive(Debug)]
pub enum ReadFrom {
    /// Frames starting at the requested number (empty when the replica is up to date).
    Frames(Vec<Frame>),
    /// The requested frame was compacted away: the replica needs the snapshot.
    NeedSnapshot,
}

/// A database's replication log. Cheap to clone; all clones share one log.
#[derive(Clone)]
pub struct ReplicationLog {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for ReplicationLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.shared.lock();
        f.debug_struct("ReplicationLog")
            .field("dir", &state.dir)
            .field("log_id", &LogId(state.log_id))
            .field("next_frame_no", &state.next)
            .finish()
    }
}

struct Shared {
    state: Mutex<State>,
    /// Signalled whenever the durable end moves, for replicas waiting for new frames.
    appended: Condvar,
    /// True while a group-commit `fdatasync` runs outside `state`.
    syncing: Mutex<bool>,
    /// Signalled when such a sync ends.
    synced: Condvar,
    /// Serialises compactions, which do their heavy work without `state` held.
    compacting: Mutex<()>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn lock_syncing(&self) -> MutexGuard<'_, bool> {
        self.syncing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

struct State {
    db_path: PathBuf,
    wal_path: PathBuf,
    dir: PathBuf,
    config: LogConfig,
    log_id: u128,
    snapshot: Option<SnapshotState>,
    sealed: Vec<SegmentState>,
    active: SegmentState,
    /// Shared so that a group-commit sync can run without holding `state`.
    active_file: Arc<File>,
    /// The next frame number to write.
    next: FrameNo,
    /// Frames below this are fsynced: what replicas may read. Equal to `next` except
    /// between a group-commit append and the sync after it.
    durable: FrameNo,
    last_checksum: u64,
    wal: WalCursor,
    /// Holds SQLite's write lock while the log checkpoints (`BEGIN IMMEDIATE`), and reads
    /// the database's pages when the log is created.
    lock_conn: rusqlite::Connection,
    /// Runs the checkpoints.
    ckpt_conn: rusqlite::Connection,
}

impl ReplicationLog {
    /// Opens the log of the database at `db_path` (creating the database, with 4096-byte
    /// pages and WAL, when it does not exist), recovering it after a crash, or creates a
    /// new log — with a new identity, and the current pages of the database as its first
    /// transaction — when there is none. Frames committed to the WAL but not yet in the
    /// log (a crash between the two) are captured before this returns.
    pub fn open(db_path: impl AsRef<Path>, config: LogConfig) -> Result<Self, ReplicationError> {
        let db_path = db_path.as_ref();
        let (lock_conn, ckpt_conn) = open_log_connections(db_path)?;
        let dir = fsutil::sibling(db_path, "-replication");
        fs::create_dir_all(&dir).map_err(ReplicationError::io(&dir))?;
        let state = match read_log_id(&dir)? {
            Some(log_id) => recover(db_path, &dir, config, log_id, lock_conn, ckpt_conn)?,
            None => create(db_path, &dir, config, lock_conn, ckpt_conn)?,
        };
        let log = ReplicationLog {
            shared: Arc::new(Shared {
                state: Mutex::new(state),
                appended: Condvar::new(),
                syncing: Mutex::new(false),
                synced: Condvar::new(),
                compacting: Mutex::new(()),
            }),
        };
        {
            let mut state = log.shared.lock();
            state.capture(None)?;
            state.sync_active()?;
        }
        log.shared.appended.notify_all();
        Ok(log)
    }

    /// Throws the log of `db_path` away and starts a new one with a new identity (after
    /// [`ReplicationError::Corrupt`] or [`ReplicationError::WalBehindLog`], say).
    /// Replicas then start again from frame 0 of the new log.
    pub fn rebuild(db_path: impl AsRef<Path>, config: LogConfig) -> Result<Self, ReplicationError> {
        let dir = fsutil::sibling(db_path.as_ref(), "-replication");
        fsutil::remove_if_exists(&dir.join(LOG_ID_FILE))?;
        Self::open(db_path, config)
    }

    /// Installs the capture hook on a connection to the log's database and turns off its
    /// automatic checkpoints (including the one SQLite runs when the last connection
    /// closes). Every connection that writes to the database must be attached before it
    /// writes. Do not let clients run `PRAGMA wal_autocheckpoint` on an attached
    /// connection: SQLite implements it by replacing the hook.
    pub fn attach(&self, conn: &mut Connection) -> Result<(), ReplicationError> {
        let expected = self.shared.lock().db_path.clone();
        let raw = conn.raw_mut();
        let found = PathBuf::from(raw.path().unwrap_or_default());
        if found.as_os_str().is_empty()
            || fs::canonicalize(&found).ok() != fs::canonicalize(&expected).ok()
        {
            return Err(ReplicationError::WrongDatabase { expected, found });
        }
        check_database(raw, &expected)?;
        // Clears SQLite's own auto-checkpoint hook; ours replaces it just below.
        raw.pragma_update(None, "wal_autocheckpoint", 0)?;
        disable_checkpoint_on_close(raw)?;
        let shared = self.shared.clone();
        raw.wal_hook(Some(move |wal: &mut rusqlite::hooks::Wal, frames| {
            if wal.name() != c"main" {
                return Ok(());
            }
            let frames = u32::try_from(frames).unwrap_or(0);
            Shared::on_commit(&shared, frames).map_err(|e| {
                tracing::error!(error = %e, "replication log: capturing a commit failed");
                rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_IOERR),
                    Some(format!("replication log: {e}")),
                )
            })
        }))?;
        Ok(())
    }

    /// The log's identity.
    pub fn log_id(&self) -> LogId {
        LogId(self.shared.lock().log_id)
    }

    /// The number the next captured frame will get (the number of frames ever appended,
    /// durable or not yet).
    pub fn next_frame_no(&self) -> FrameNo {
        self.shared.lock().next
    }

    /// The last durable committed frame, or `None` for an empty log (what `Hello`
    /// reports as `current_replication_index`).
    pub fn last_frame_no(&self) -> Option<FrameNo> {
        let durable = self.shared.lock().durable;
        durable.0.checked_sub(1).map(FrameNo)
    }

    /// The number after the last durable frame (equal to [`next_frame_no`](Self::next_frame_no)
    /// unless group-commit appends are waiting for their sync).
    pub fn durable_frame_no(&self) -> FrameNo {
        self.shared.lock().durable
    }

    /// Bytes of segment and snapshot files the log holds (for metrics and for deciding
    /// when to compact).
    pub fn size_bytes(&self) -> u64 {
        let state = self.shared.lock();
        let snapshot = state.snapshot.as_ref().map_or(0, |s| {
            snapshot::SNAPSHOT_HEADER_SIZE + u64::from(s.frame_count) * segment::RECORD_SIZE as u64
        });
        snapshot
            + state
                .sealed
                .iter()
                .chain(std::iter::once(&state.active))
                .map(SegmentState::len_bytes)
                .sum::<u64>()
    }

    /// Sealed segments waiting to be compacted (more than `retain_sealed_segments`).
    pub fn needs_compaction(&self) -> bool {
        let state = self.shared.lock();
        state.sealed.len() > state.config.retain_sealed_segments
    }

    /// Makes every frame up to and including `frame_no` durable (frames not appended yet
    /// are not waited for). With group commit, one `fdatasync` covers every frame
    /// appended when it starts, and committers arriving while it runs wait for it and
    /// share the next one. Returns at once when the frames are durable already (always
    /// the case without group commit).
    pub fn sync_through(&self, frame_no: FrameNo) -> Result<(), ReplicationError> {
        let shared = &self.shared;
        loop {
            let mut syncing = shared.lock_syncing();
            {
                let state = shared.lock();
                if state.durable >= frame_no.next().min(state.next) {
                    return Ok(());
                }
            }
            if *syncing {
                drop(
                    shared
                        .synced
                        .wait(syncing)
                        .unwrap_or_else(std::sync::PoisonError::into_inner),
                );
                continue;
            }
            *syncing = true;
            drop(syncing);
            // Read together: every frame below `upto` is in `file` or in a sealed
            // segment, which was fsynced when it was sealed.
            let (file, upto, path) = {
                let state = shared.lock();
                (
                    state.active_file.clone(),
                    state.next,
                    state.active.path.clone(),
                )
            };
            let result = file.sync_data();
            if result.is_ok() {
                let mut state = shared.lock();
                if upto > state.durable {
                    state.durable = upto;
                }
            }
            *shared.lock_syncing() = false;
            shared.synced.notify_all();
            shared.appended.notify_all();
            result.map_err(ReplicationError::io(&path))?;
        }
    }

    /// Makes every frame appended so far durable (see [`sync_through`](Self::sync_through)).
    pub fn sync(&self) -> Result<(), ReplicationError> {
        match self.next_frame_no().0.checked_sub(1) {
            Some(last) => self.sync_through(FrameNo(last)),
            None => Ok(()),
        }
    }

    /// The oldest frame still readable with [`read_from`](Self::read_from); older ones
    /// are only in the snapshot.
    pub fn first_frame_no(&self) -> FrameNo {
        let state = self.shared.lock();
        state
            .sealed
            .first()
            .map_or(state.active.header.start, |s| s.header.start)
    }

    /// Waits until frame `frame_no` is durable in the log or `timeout` passes; true if
    /// it is there. For streaming replicas (`LogEntries`) and read-your-writes.
    pub fn wait_for(&self, frame_no: FrameNo, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = self.shared.lock();
        while state.durable <= frame_no {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            state = self
                .shared
                .appended
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
        }
        true
    }

    /// Up to `max` frames starting at `from`, all from one segment, cut after the last
    /// commit frame when the batch would otherwise end inside a transaction (and has a
    /// commit frame). Every record is checked again as it is read. Only durable frames
    /// are served.
    pub fn read_from(&self, from: FrameNo, max: usize) -> Result<ReadFrom, ReplicationError> {
        let (file, path, header, count) = {
            let state = self.shared.lock();
            if from > state.durable {
                return Err(ReplicationError::FrameNotYetAvailable {
                    requested: from,
                    next: state.durable,
                });
            }
            if from == state.durable || max == 0 {
                return Ok(ReadFrom::Frames(Vec::new()));
            }
            let Some(seg) = state
                .sealed
                .iter()
                .chain(std::iter::once(&state.active))
                .find(|s| s.header.start <= from && from < s.end())
            else {
                return Ok(ReadFrom::NeedSnapshot);
            };
            // Opened under the lock: a compaction removing the file afterwards does not
            // affect an open handle.
            let file = File::open(&seg.path).map_err(ReplicationError::io(&seg.path))?;
            let count = (seg.end().min(state.durable).0 - from.0).min(max as u64);
            (file, seg.path.clone(), seg.header, count)
        };
        let mut frames = segment::read_records(&file, &path, &header, from, count)?;
        if frames.last().is_some_and(|f| !f.header.is_commit())
            && let Some(last_commit) = frames.iter().rposition(|f| f.header.is_commit())
        {
            frames.truncate(last_commit + 1);
        }
        Ok(ReadFrom::Frames(frames))
    }

    /// The current snapshot (all pages as of its end frame), if any segment has been
    /// compacted yet.
    pub fn snapshot(&self) -> Result<Option<SnapshotReader>, ReplicationError> {
        let state = self.shared.lock();
        state.snapshot.as_ref().map(SnapshotReader::new).transpose()
    }

    /// Captures any committed frames not yet logged, then checkpoints the WAL up to them,
    /// waiting up to SQLite's busy timeout (5 s) for a writer to finish. Returns false if
    /// a writer kept the database busy.
    pub fn checkpoint(&self) -> Result<bool, ReplicationError> {
        let mut state = self.shared.lock();
        let done = state.checkpoint(Duration::from_secs(5))?;
        drop(state);
        self.shared.appended.notify_all();
        Ok(done)
    }

    /// Compacts sealed segments (all but the newest `retain_sealed_segments`) into a new
    /// snapshot and removes them. Commits continue while the snapshot is written.
    pub fn compact(&self) -> Result<(), ReplicationError> {
        Shared::compact(&self.shared)
    }
}

impl Shared {
    fn on_commit(shared: &Arc<Shared>, wal_frames: u32) -> Result<(), ReplicationError> {
        let mut state = shared.lock();
        let sealed_before = state.sealed.len();
        state.capture(Some(wal_frames))?;
        if state.wal.frame >= state.config.checkpoint_frames {
            // Never wait inside a commit: a busy database is checkpointed at a later one.
            if let Err(e) = state.checkpoint(Duration::ZERO) {
                tracing::warn!(error = %e, "replication log: checkpoint failed");
            }
        }
        let compact = state.config.auto_compact
            && state.sealed.len() > sealed_before
            && state.sealed.len() > state.config.retain_sealed_segments;
        drop(state);
        shared.appended.notify_all();
        if compact {
            // The commit is durable already; a failed compaction is retried at the next seal.
            if let Err(e) = Shared::compact(shared) {
                tracing::warn!(error = %e, "replication log: compaction failed");
            }
        }
        Ok(())
    }

    fn compact(shared: &Arc<Shared>) -> Result<(), ReplicationError> {
        let _one_at_a_time = shared
            .compacting
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (dir, log_id, previous, sealed) = {
            let state = shared.lock();
            let keep = state.config.retain_sealed_segments;
            if state.sealed.len() <= keep {
                return Ok(());
            }
            let take = state.sealed.len() - keep;
            (
                state.dir.clone(),
                state.log_id,
                state.snapshot.clone(),
                state.sealed[..take].to_vec(),
            )
        };
        let new = snapshot::compact(&dir, log_id, previous.as_ref(), &sealed)?;
        tracing::debug!(end = %new.end, pages = new.frame_count, "replication log: compacted");
        {
            let mut state = shared.lock();
            state.snapshot = Some(new);
            state.sealed.drain(..sealed.len());
        }
        // The new snapshot is durable; the files it replaces can go (recovery removes
        // them too if a crash comes first).
        if let Some(prev) = previous {
            fsutil::remove_if_exists(&prev.path)?;
        }
        for seg in &sealed {
            fsutil::remove_if_exists(&seg.path)?;
        }
        fsutil::sync_dir(&dir)
    }
}

impl State {
    /// Appends every committed WAL frame after the cursor (up to WAL frame `limit`, when
    /// SQLite told us how far the commit reached) to the newest segment and fsyncs it.
    fn capture(&mut self, limit: Option<u32>) -> Result<(), ReplicationError> {
        let file = match File::open(&self.wal_path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(ReplicationError::io(&self.wal_path)(e)),
        };
        let io = ReplicationError::io(&self.wal_path);
        let Some(header) = wal::read_header(&file).map_err(io)? else {
            return Ok(());
        };
        if header.page_size != PAGE_SIZE as u32 {
            return Err(ReplicationError::PageSize {
                path: self.db_path.clone(),
                found: header.page_size,
            });
        }
        let same_generation = header.salt1 == self.wal.salt1 && header.salt2 == self.wal.salt2;
        // A new WAL generation only starts after a checkpoint the log made once it held
        // every frame of the previous one: capture it from its first frame.
        let after = if same_generation { self.wal.frame } else { 0 };
        if limit.is_some_and(|l| same_generation && l <= after) {
            return Ok(());
        }
        let frames = match wal::read_committed(&file, &header, after, limit)
            .map_err(ReplicationError::io(&self.wal_path))?
        {
            WalRead::Frames(frames) => frames,
            WalRead::Behind { found } => {
                return Err(ReplicationError::WalBehindLog {
                    path: self.db_path.clone(),
                    captured: after,
                    found,
                });
            }
        };
        if frames.is_empty() {
            return Ok(());
        }
        let now = now_ms();
        let mut bytes = Vec::with_capacity(frames.len() * segment::RECORD_SIZE);
        let mut checksum = self.last_checksum;
        let mut last = None;
        for (i, f) in frames.into_iter().enumerate() {
            checksum = chain_checksum(checksum, &f.page);
            let cursor = WalCursor {
                salt1: header.salt1,
                salt2: header.salt2,
                frame: f.index,
            };
            let record = Record {
                frame: Frame::new(
                    FrameHeader {
                        frame_no: FrameNo(self.next.0 + i as u64),
                        checksum,
                        page_no: PageNo(f.page_no),
                        size_after: f.db_size,
                    },
                    f.page,
                )
                .expect("WAL page size checked above"),
                wal: cursor,
                flags: 0,
                timestamp_ms: now,
            };
            record.encode_into(&mut bytes);
            last = Some((record.frame.header, cursor, i as u64 + 1));
        }
        let (header, cursor, count) = last.expect("frames is not empty");
        self.append(&bytes, count, header, cursor)
    }

    /// Writes whole transactions at the end of the valid part of the newest segment,
    /// fsyncs, then advances the in-memory state and seals the segment if it is full.
    fn append(
        &mut self,
        bytes: &[u8],
        count: u64,
        last: FrameHeader,
        cursor: WalCursor,
    ) -> Result<(), ReplicationError> {
        debug_assert!(last.is_commit());
        // Positional write: whatever a failed earlier attempt left past the valid end is
        // overwritten.
        self.active_file
            .write_all_at(bytes, self.active.len_bytes())
            .map_err(ReplicationError::io(&self.active.path))?;
        if !self.config.group_commit {
            self.active_file
                .sync_data()
                .map_err(ReplicationError::io(&self.active.path))?;
        }
        self.active.records += count;
        self.active.last_checksum = last.checksum;
        self.active.last_size_after = last.size_after;
        self.active.wal = cursor;
        self.next = last.frame_no.next();
        if !self.config.group_commit {
            self.durable = self.next;
        }
        self.last_checksum = last.checksum;
        self.wal = cursor;
        if self.active.len_bytes() >= self.config.segment_size {
            self.seal()?;
        }
        Ok(())
    }

    /// Fsyncs the newest segment if it holds frames not durable yet.
    fn sync_active(&mut self) -> Result<(), ReplicationError> {
        if self.durable < self.next {
            self.active_file
                .sync_data()
                .map_err(ReplicationError::io(&self.active.path))?;
            self.durable = self.next;
        }
        Ok(())
    }

    /// Starts a new segment after the current one, which becomes sealed (fsynced first).
    fn seal(&mut self) -> Result<(), ReplicationError> {
        self.sync_active()?;
        let header = SegmentHeader {
            log_id: self.log_id,
            start: self.next,
            start_checksum: self.last_checksum,
            wal: self.wal,
        };
        let path = segment::create(&self.dir, header)?;
        let file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .map_err(ReplicationError::io(&path))?;
        let new = SegmentState {
            path,
            header,
            records: 0,
            last_checksum: header.start_checksum,
            last_size_after: 0,
            wal: header.wal,
        };
        let old = std::mem::replace(&mut self.active, new);
        self.active_file = Arc::new(file);
        tracing::debug!(start = %old.header.start, end = %old.end(), "replication log: sealed segment");
        self.sealed.push(old);
        Ok(())
    }

    /// Takes SQLite's write lock, captures everything committed, checkpoints (PASSIVE:
    /// never past what a reader still needs), releases the lock.
    fn checkpoint(&mut self, wait: Duration) -> Result<bool, ReplicationError> {
        self.lock_conn.busy_timeout(wait)?;
        match self.lock_conn.execute_batch("BEGIN IMMEDIATE") {
            Ok(()) => {}
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) => {
                return Ok(false);
            }
            Err(e) => return Err(e.into()),
        }
        // The frames leave the WAL: they must be durable in the log first.
        let result = self
            .capture(None)
            .and_then(|()| self.sync_active())
            .and_then(|()| {
                self.ckpt_conn
                    .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                    .map_err(ReplicationError::from)
            });
        let released = self.lock_conn.execute_batch("ROLLBACK");
        result?;
        released?;
        Ok(true)
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Opens the log's own two connections, creating the database with 4096-byte pages in
/// WAL mode when it is new, and checks the page size and journal mode.
fn open_log_connections(
    db_path: &Path,
) -> Result<(rusqlite::Connection, rusqlite::Connection), ReplicationError> {
    let open = || -> Result<rusqlite::Connection, ReplicationError> {
        let conn = rusqlite::Connection::open_with_flags(
            db_path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(Duration::from_secs(5))?;
        // Only takes effect on a database that has no page yet.
        conn.execute_batch("PRAGMA page_size = 4096; PRAGMA journal_mode = WAL;")?;
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        disable_checkpoint_on_close(&conn)?;
        Ok(conn)
    };
    let lock_conn = open()?;
    check_database(&lock_conn, db_path)?;
    Ok((lock_conn, open()?))
}

fn check_database(conn: &rusqlite::Connection, db_path: &Path) -> Result<(), ReplicationError> {
    let page_size: u32 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
    if page_size != PAGE_SIZE as u32 {
        return Err(ReplicationError::PageSize {
            path: db_path.to_path_buf(),
            found: page_size,
        });
    }
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(ReplicationError::NotWal {
            path: db_path.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

/// Keeps SQLite from checkpointing (and deleting the WAL) when this connection is the
/// last to close: only the log checkpoints.
fn disable_checkpoint_on_close(conn: &rusqlite::Connection) -> Result<(), ReplicationError> {
    // SAFETY: the handle is valid while `conn` is borrowed; SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE
    // takes an int and an int* (which may be null), as passed.
    let rc = unsafe {
        rusqlite::ffi::sqlite3_db_config(
            conn.handle(),
            rusqlite::ffi::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
            1 as std::ffi::c_int,
            std::ptr::null_mut::<std::ffi::c_int>(),
        )
    };
    if rc != rusqlite::ffi::SQLITE_OK {
        return Err(crate::Error::from_code(rc, "cannot turn off checkpoint on close").into());
    }
    Ok(())
}

fn read_log_id(dir: &Path) -> Result<Option<u128>, ReplicationError> {
    let path = dir.join(LOG_ID_FILE);
    match fs::read_to_string(&path) {
        Ok(text) => LogId::parse(&text)
            .map(|id| Some(id.0))
            .ok_or_else(|| ReplicationError::corrupt(&path, None, CorruptKind::BadHeader)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ReplicationError::Io { path, source: e }),
    }
}

/// Snapshot files, and segment files with their start frame.
type LogFiles = (Vec<PathBuf>, Vec<(FrameNo, PathBuf)>);

/// The log files in `dir`: snapshots and segments, each sorted by frame number.
fn list_files(dir: &Path) -> Result<LogFiles, ReplicationError> {
    let mut snapshots = Vec::new();
    let mut segments = Vec::new();
    for entry in fs::read_dir(dir).map_err(ReplicationError::io(dir))? {
        let entry = entry.map_err(ReplicationError::io(dir))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if let Some(start) = segment::parse_segment_file_name(&name) {
            segments.push((start, entry.path()));
        } else if snapshot::is_snapshot_file_name(&name) {
            snapshots.push(entry.path());
        } else if name.ends_with(".tmp") {
            // An unfinished atomic write or compaction.
            fsutil::remove_if_exists(&entry.path())?;
        }
    }
    snapshots.sort();
    segments.sort();
    Ok((snapshots, segments))
}

/// Creates a new log: a new identity, and a first segment holding the database's
/// current pages (if it has any) as one transaction, read while holding the write lock
/// so that the WAL position recorded with them is exact.
fn create(
    db_path: &Path,
    dir: &Path,
    config: LogConfig,
    lock_conn: rusqlite::Connection,
    ckpt_conn: rusqlite::Connection,
) -> Result<State, ReplicationError> {
    let (snapshots, segments) = list_files(dir)?;
    for path in snapshots.iter().chain(segments.iter().map(|(_, p)| p)) {
        fsutil::remove_if_exists(path)?;
    }
    let log_id = LogId::new_random();
    let wal_path = fsutil::sibling(db_path, "-wal");
    lock_conn.execute_batch("BEGIN IMMEDIATE")?;
    let built = (|| {
        let cursor = match File::open(&wal_path) {
            Ok(file) => match wal::read_header(&file).map_err(ReplicationError::io(&wal_path))? {
                Some(h) => match wal::read_committed(&file, &h, 0, None)
                    .map_err(ReplicationError::io(&wal_path))?
                {
                    WalRead::Frames(f) => WalCursor {
                        salt1: h.salt1,
                        salt2: h.salt2,
                        frame: f.last().map_or(0, |f| f.index),
                    },
                    WalRead::Behind { .. } => unreachable!("reading from frame 0 is never behind"),
                },
                None => WalCursor::default(),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => WalCursor::default(),
            Err(e) => return Err(ReplicationError::io(&wal_path)(e)),
        };
        let header = SegmentHeader {
            log_id: log_id.0,
            start: FrameNo(0),
            start_checksum: 0,
            wal: cursor,
        };
        let path = segment::create(dir, header)?;
        let file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .map_err(ReplicationError::io(&path))?;
        let page_count: u32 = lock_conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
        let mut stmt = lock_conn.prepare("SELECT pgno, data FROM sqlite_dbpage ORDER BY pgno")?;
        let mut rows = stmt.query([])?;
        let mut bytes = Vec::new();
        let mut checksum = 0;
        let mut count = 0u64;
        let now = now_ms();
        while let Some(row) = rows.next()? {
            let pgno: u32 = row.get(0)?;
            let data: Vec<u8> = row.get(1)?;
            checksum = chain_checksum(checksum, &data);
            let record = Record {
                frame: Frame::new(
                    FrameHeader {
                        frame_no: FrameNo(count),
                        checksum,
                        page_no: PageNo(pgno),
                        size_after: if pgno == page_count { page_count } else { 0 },
                    },
                    data,
                )
                .expect("page size checked at open"),
                wal: cursor,
                flags: FLAG_BOOTSTRAP,
                timestamp_ms: now,
            };
            record.encode_into(&mut bytes);
            count += 1;
        }
        file.write_all_at(&bytes, segment::SEGMENT_HEADER_SIZE)
            .and_then(|()| file.sync_data())
            .map_err(ReplicationError::io(&path))?;
        Ok((header, path, file, count, checksum, page_count, cursor))
    })();
    lock_conn.execute_batch("ROLLBACK")?;
    let (header, path, file, count, checksum, page_count, cursor) = built?;
    // The identity is written last: a crash before this leaves no log, and the next
    // open starts over.
    fsutil::write_atomic(
        &dir.join(LOG_ID_FILE),
        format!("{}\n", LogId(log_id.0)).as_bytes(),
    )?;
    tracing::info!(log_id = %log_id, frames = count, "replication log: created");
    Ok(State {
        db_path: db_path.to_path_buf(),
        wal_path,
        dir: dir.to_path_buf(),
        config,
        log_id: log_id.0,
        snapshot: None,
        sealed: Vec::new(),
        active: SegmentState {
            path,
            header,
            records: count,
            last_checksum: checksum,
            last_size_after: page_count,
            wal: cursor,
        },
        active_file: Arc::new(file),
        next: FrameNo(count),
        durable: FrameNo(count),
        last_checksum: checksum,
        wal: cursor,
        lock_conn,
        ckpt_conn,
    })
}

/// Reopens an existing log: picks the newest snapshot, validates every segment (the
/// newest one loses a torn trailing transaction), checks the numbering is continuous,
/// and removes files a crash left behind.
fn recover(
    db_path: &Path,
    dir: &Path,
    config: LogConfig,
    log_id: u128,
    lock_conn: rusqlite::Connection,
    ckpt_conn: rusqlite::Connection,
) -> Result<State, ReplicationError> {
    let (mut snapshots, segments) = list_files(dir)?;
    let snapshot = match snapshots.pop() {
        Some(path) => Some(snapshot::open(&path, log_id)?),
        None => None,
    };
    // Older snapshots were replaced by a compaction that crashed before removing them.
    for path in snapshots {
        fsutil::remove_if_exists(&path)?;
    }
    let mut kept = Vec::new();
    for (start, path) in segments {
        match &snapshot {
            // Entirely compacted: a compaction crashed before removing it. A segment is
            // whole transactions, so it either ends before the snapshot's end or after.
            Some(s) if start <= s.end => {
                let state = segment::validate(&path, log_id, Tail::Newest);
                if state.as_ref().is_ok_and(|st| st.end().0 <= s.end.0 + 1) {
                    fsutil::remove_if_exists(&path)?;
                    continue;
                }
                kept.push(path);
            }
            _ => kept.push(path),
        }
    }
    let Some(newest) = kept.pop() else {
        return Err(ReplicationError::corrupt(dir, None, CorruptKind::Truncated));
    };
    let mut sealed = Vec::new();
    for path in kept {
        sealed.push(segment::validate(&path, log_id, Tail::Sealed)?);
    }
    let active = segment::validate(&newest, log_id, Tail::Newest)?;
    // Continuity: snapshot → first segment → … → newest.
    let mut expected = (snapshot.as_ref().map_or(FrameNo(0), |s| s.end.next()), None);
    for seg in sealed.iter().chain(std::iter::once(&active)) {
        let chain_ok = expected.1.is_none_or(|c| c == seg.header.start_checksum);
        if seg.header.start != expected.0 || !chain_ok {
            return Err(ReplicationError::corrupt(
                &seg.path,
                Some(seg.header.start),
                CorruptKind::Gap,
            ));
        }
        expected = (seg.end(), Some(seg.last_checksum));
    }
    let file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&active.path)
        .map_err(ReplicationError::io(&active.path))?;
    let len = file
        .metadata()
        .map_err(ReplicationError::io(&active.path))?
        .len();
    // Whatever survived in the file (possibly only in the page cache, after a killed
    // process that used group commit) is made durable before it is served.
    file.sync_data()
        .map_err(ReplicationError::io(&active.path))?;
    if len > active.len_bytes() {
        tracing::warn!(
            path = %active.path.display(),
            dropped_bytes = len - active.len_bytes(),
            "replication log: dropping a torn trailing transaction"
        );
        file.set_len(active.len_bytes())
            .and_then(|()| file.sync_all())
            .map_err(ReplicationError::io(&active.path))?;
    }
    Ok(State {
        db_path: db_path.to_path_buf(),
        wal_path: fsutil::sibling(db_path, "-wal"),
        dir: dir.to_path_buf(),
        config,
        log_id,
        next: active.end(),
        durable: active.end(),
        last_checksum: active.last_checksum,
        wal: active.wal,
        snapshot,
        sealed,
        active,
        active_file: Arc::new(file),
        lock_conn,
        ckpt_conn,
    })
}
