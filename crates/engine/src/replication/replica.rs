//! The replica side: applying frames to a database file.
//!
//! Frames are applied a whole transaction at a time, through the `sqlite_dbpage`
//! virtual table on a connection opened for the apply and closed after it (its page
//! cache would be stale): `BEGIN IMMEDIATE`, pages 2..N, page 1, the truncation row if
//! the database shrank, `COMMIT`. Readers on other connections keep their snapshot (the
//! replica is in WAL mode) and see the new state only after the commit.
//!
//! The position (log identity, last applied frame, its checksum) is recorded by an intent
//! file written atomically (and fsynced) just before each COMMIT: it names the starting
//! and target positions and a *witness* — the new image of one page the transaction
//! changes, or the new page count — so that on open the replica can tell whether the
//! commit landed by looking at the database itself. The intent of the last apply stays in
//! place as the position's durable record; `<db>-replica-index` holds the position when
//! there is no intent (a fresh replica, after a reset, after open settled the intent). A
//! crash therefore never re-applies nor skips a frame, and an apply costs one atomic
//! file write plus SQLite's WAL sync.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::OpenFlags;

use super::error::ReplicationError;
use super::frame::{Frame, FrameNo, PAGE_SIZE, crc64};
use super::fsutil;
use super::log::LogId;

const INDEX_MAGIC: &[u8; 8] = b"BSLTRIDX";
const INTENT_MAGIC: &[u8; 8] = b"BSLTRINT";
const NONE: u64 = u64::MAX;

/// Where a replica stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReplicaPosition {
    /// The log the replica follows; `None` before it first synced.
    pub log_id: Option<LogId>,
    /// The last applied frame; `None` when nothing was applied.
    pub frame_no: Option<FrameNo>,
    /// The checksum of that frame: the seed for checking the next one.
    pub checksum: u64,
}

impl ReplicaPosition {
    /// The frame the replica needs next.
    pub fn next_frame_no(&self) -> FrameNo {
        self.frame_no.map_or(FrameNo(0), FrameNo::next)
    }

    fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(48);
        b.extend_from_slice(INDEX_MAGIC);
        b.extend_from_slice(&self.log_id.map_or(0, |l| l.0).to_le_bytes());
        b.extend_from_slice(&self.frame_no.map_or(NONE, |f| f.0).to_le_bytes());
        b.extend_from_slice(&self.checksum.to_le_bytes());
        let crc = crc64(&[&b]);
        b.extend_from_slice(&crc.to_le_bytes());
        b
    }

    fn decode(b: &[u8]) -> Option<ReplicaPosition> {
        if b.len() != 48 || &b[..8] != INDEX_MAGIC {
            return None;
        }
        let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
        if crc64(&[&b[..40]]) != u64_at(40) {
            return None;
        }
        let log_id = u128::from_le_bytes(b[8..24].try_into().expect("16 bytes"));
        Some(ReplicaPosition {
            log_id: (log_id != 0).then_some(LogId(log_id)),
            frame_no: (u64_at(24) != NONE).then_some(FrameNo(u64_at(24))),
            checksum: u64_at(32),
        })
    }
}

/// What tells, after a crash, whether an apply's COMMIT reached the database.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Witness {
    /// The transaction changes nothing: both outcomes are the same state.
    None,
    /// The page count after the commit (it differs from the one before).
    PageCount(u32),
    /// A page and its image after the commit (it differs from the one before).
    Page(u32, Vec<u8>),
}

struct Intent {
    from: ReplicaPosition,
    to: ReplicaPosition,
    witness: Witness,
}

impl Intent {
    fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(8 + 96 + 8 + PAGE_SIZE + 8);
        b.extend_from_slice(INTENT_MAGIC);
        b.extend_from_slice(&self.from.encode());
        b.extend_from_slice(&self.to.encode());
        let (kind, n, page): (u32, u32, &[u8]) = match &self.witness {
            Witness::None => (0, 0, &[]),
            Witness::PageCount(n) => (1, *n, &[]),
            Witness::Page(p, data) => (2, *p, data),
        };
        b.extend_from_slice(&kind.to_le_bytes());
        b.extend_from_slice(&n.to_le_bytes());
        b.extend_from_slice(page);
        let crc = crc64(&[&b]);
        b.extend_from_slice(&crc.to_le_bytes());
        b
    }

    fn decode(b: &[u8]) -> Option<Intent> {
        if b.len() < 8 + 96 + 8 + 8 || &b[..8] != INTENT_MAGIC {
            return None;
        }
        let (body, crc) = b.split_at(b.len() - 8);
        if crc64(&[body]) != u64::from_le_bytes(crc.try_into().expect("8 bytes")) {
            return None;
        }
        let from = ReplicaPosition::decode(&body[8..56])?;
        let to = ReplicaPosition::decode(&body[56..104])?;
        let kind = u32::from_le_bytes(body[104..108].try_into().expect("4 bytes"));
        let n = u32::from_le_bytes(body[108..112].try_into().expect("4 bytes"));
        let page = &body[112..];
        let witness = match (kind, page.len()) {
            (0, 0) => Witness::None,
            (1, 0) => Witness::PageCount(n),
            (2, PAGE_SIZE) => Witness::Page(n, page.to_vec()),
            _ => return None,
        };
        Some(Intent { from, to, witness })
    }
}

/// How far an [`Replica::apply`] call got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApplyOutcome {
    /// Frames committed to the database by this call.
    pub applied_frames: usize,
    /// Frames held back because their transaction's commit frame has not arrived yet.
    pub pending_frames: usize,
    /// The replica's position after the call.
    pub position: ReplicaPosition,
}

/// A replica database file and its position in the primary's log.
pub struct Replica {
    db_path: PathBuf,
    index_path: PathBuf,
    intent_path: PathBuf,
    position: ReplicaPosition,
    /// Frames of a transaction whose commit frame has not arrived yet (in memory only:
    /// after a crash they are fetched again).
    pending: Vec<Frame>,
    /// Test-only: stop an apply at this point, as a `kill -9` there would.
    #[cfg(test)]
    crash_at: Option<CrashPoint>,
}

#[cfg(test)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CrashPoint {
    /// After the intent is durable, before COMMIT (the connection is dropped: rollback).
    BeforeCommit,
    /// After COMMIT, before the position file is replaced.
    AfterCommit,
}

impl std::fmt::Debug for Replica {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replica")
            .field("db_path", &self.db_path)
            .field("position", &self.position)
            .field("pending", &self.pending.len())
            .finish()
    }
}

impl Replica {
    /// Opens (creating with 4096-byte pages and WAL when needed) the replica database at
    /// `db_path` and its position, settling an apply that a crash interrupted.
    pub fn open(db_path: impl AsRef<Path>) -> Result<Replica, ReplicationError> {
        let db_path = db_path.as_ref().to_path_buf();
        let conn = open_apply_connection(&db_path)?;
        let page_size: u32 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        if page_size != PAGE_SIZE as u32 {
            return Err(ReplicationError::PageSize {
                path: db_path,
                found: page_size,
            });
        }
        let index_path = fsutil::sibling(&db_path, "-replica-index");
        let intent_path = fsutil::sibling(&db_path, "-replica-intent");
        let mut position = match std::fs::read(&index_path) {
            Ok(bytes) => ReplicaPosition::decode(&bytes).ok_or_else(|| {
                ReplicationError::corrupt(&index_path, None, super::CorruptKind::BadHeader)
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => ReplicaPosition::default(),
            Err(e) => return Err(ReplicationError::io(&index_path)(e)),
        };
        match std::fs::read(&intent_path) {
            Ok(bytes) => {
                // The intent of the last apply: its commit landed (the position is its
                // target) or not (its starting point). A torn intent was never complete, so
                // its COMMIT never started.
                if let Some(intent) = Intent::decode(&bytes) {
                    let landed = match &intent.witness {
                        Witness::None => true,
                        Witness::PageCount(n) => {
                            conn.query_row("PRAGMA page_count", [], |r| r.get::<_, u32>(0))? == *n
                        }
                        Witness::Page(pgno, image) => {
                            read_page(&conn, *pgno)?.is_some_and(|p| p == *image)
                        }
                    };
                    tracing::info!(landed, to = ?intent.to.frame_no, "replica: settled an interrupted apply");
                    position = if landed { intent.to } else { intent.from };
                    fsutil::write_atomic(&index_path, &position.encode())?;
                }
                fsutil::remove_if_exists(&intent_path)?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(ReplicationError::io(&intent_path)(e)),
        }
        Ok(Replica {
            db_path,
            index_path,
            intent_path,
            position,
            pending: Vec::new(),
            #[cfg(test)]
            crash_at: None,
        })
    }

    /// The replica's durable position.
    pub fn position(&self) -> ReplicaPosition {
        self.position
    }

    /// The frame to ask the primary for next (pending frames included).
    pub fn next_frame_no(&self) -> FrameNo {
        self.pending
            .last()
            .map_or(self.position.next_frame_no(), |f| f.header.frame_no.next())
    }

    /// Follows another log from its beginning (the primary reported a different
    /// `log_id`): drops pending frames and records the new identity with no frame
    /// applied. The database keeps its content until frames or a snapshot of the new
    /// log overwrite it.
    pub fn reset(&mut self, log_id: LogId) -> Result<(), ReplicationError> {
        self.pending.clear();
        self.position = ReplicaPosition {
            log_id: Some(log_id),
            frame_no: None,
            checksum: 0,
        };
        fsutil::write_atomic(&self.index_path, &self.position.encode())?;
        // The last apply's intent belongs to the old log.
        fsutil::remove_if_exists(&self.intent_path)
    }

    /// Applies frames that continue the replica's position: checks numbering and
    /// checksums, then commits every complete transaction among them (and the pending
    /// frames before them) as one database transaction. Frames after the last commit
    /// frame are kept for the next call.
    pub fn apply(
        &mut self,
        frames: impl IntoIterator<Item = Frame>,
    ) -> Result<ApplyOutcome, ReplicationError> {
        let mut seed = self
            .pending
            .last()
            .map_or(self.position.checksum, |f| f.header.checksum);
        let mut expected = self.next_frame_no();
        let mut incoming = Vec::new();
        for frame in frames {
            if frame.header.frame_no != expected {
                return Err(ReplicationError::Gap {
                    expected,
                    found: frame.header.frame_no,
                });
            }
            if !frame.checksum_follows(seed) {
                return Err(ReplicationError::BadChecksum {
                    frame_no: frame.header.frame_no,
                });
            }
            seed = frame.header.checksum;
            expected = expected.next();
            incoming.push(frame);
        }
        self.pending.extend(incoming);
        let Some(last_commit) = self.pending.iter().rposition(|f| f.header.is_commit()) else {
            return Ok(self.outcome(0));
        };
        let rest = self.pending.split_off(last_commit + 1);
        let group = std::mem::replace(&mut self.pending, rest);
        let last = group.last().expect("group ends with a commit frame").header;
        // Later versions of a page replace earlier ones within the group.
        let mut latest: HashMap<u32, usize> = HashMap::new();
        for (i, f) in group.iter().enumerate() {
            latest.insert(f.header.page_no.0, i);
        }
        let mut order: Vec<usize> = latest.into_values().collect();
        order.sort_unstable();
        let to = ReplicaPosition {
            log_id: self.position.log_id,
            frame_no: Some(last.frame_no),
            checksum: last.checksum,
        };
        let count = group.len();
        self.commit(order.iter().map(|&i| &group[i]), last.size_after, to)?;
        Ok(self.outcome(count))
    }

    /// Applies a snapshot of log `log_id` (frames in any order, one version per page, the
    /// last one carrying the database size) as one transaction, and moves the position to
    /// the highest frame in it. Use after `NEED_SNAPSHOT` or when following a new log.
    pub fn apply_snapshot(
        &mut self,
        log_id: LogId,
        frames: impl IntoIterator<Item = Result<Frame, ReplicationError>>,
    ) -> Result<ApplyOutcome, ReplicationError> {
        let mut all = Vec::new();
        for frame in frames {
            all.push(frame?);
        }
        let Some(last) = all.last().map(|f| f.header) else {
            return Err(ReplicationError::SnapshotWithoutCommit);
        };
        if !last.is_commit() {
            return Err(ReplicationError::SnapshotWithoutCommit);
        }
        let top = all
            .iter()
            .max_by_key(|f| f.header.frame_no)
            .expect("not empty")
            .header;
        let mut latest: HashMap<u32, usize> = HashMap::new();
        for (i, f) in all.iter().enumerate() {
            let keep = latest
                .get(&f.header.page_no.0)
                .is_none_or(|&j| all[j].header.frame_no < f.header.frame_no);
            if keep {
                latest.insert(f.header.page_no.0, i);
            }
        }
        let mut order: Vec<usize> = latest.into_values().collect();
        order.sort_unstable_by_key(|&i| all[i].header.page_no);
        self.pending.clear();
        let to = ReplicaPosition {
            log_id: Some(log_id),
            frame_no: Some(top.frame_no),
            checksum: top.checksum,
        };
        let count = all.len();
        self.commit(order.iter().map(|&i| &all[i]), last.size_after, to)?;
        Ok(self.outcome(count))
    }

    fn outcome(&self, applied_frames: usize) -> ApplyOutcome {
        ApplyOutcome {
            applied_frames,
            pending_frames: self.pending.len(),
            position: self.position,
        }
    }

    /// One database transaction writing `pages` (one frame per page) and the final size,
    /// recorded durably as position `to`.
    fn commit<'a>(
        &mut self,
        pages: impl Iterator<Item = &'a Frame>,
        db_size: u32,
        to: ReplicaPosition,
    ) -> Result<(), ReplicationError> {
        let conn = open_apply_connection(&self.db_path)?;
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let result = (|| {
            let count_before: u32 = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
            let mut witness = if count_before != db_size {
                Some(Witness::PageCount(db_size))
            } else {
                None
            };
            let mut page_one = None;
            {
                let mut write =
                    conn.prepare("INSERT INTO sqlite_dbpage(pgno, data) VALUES (?1, ?2)")?;
                for frame in pages {
                    let pgno = frame.header.page_no.0;
                    if pgno > db_size {
                        // Freed by a later truncation in the same group.
                        continue;
                    }
                    if pgno == 1 {
                        page_one = Some(frame);
                        continue;
                    }
                    if witness.is_none() && read_page(&conn, pgno)?.as_deref() != Some(frame.page())
                    {
                        witness = Some(Witness::Page(pgno, frame.page().to_vec()));
                    }
                    write.execute(rusqlite::params![pgno, frame.page()])?;
                }
                if let Some(frame) = page_one {
                    if witness.is_none() && read_page(&conn, 1)?.as_deref() != Some(frame.page()) {
                        witness = Some(Witness::Page(1, frame.page().to_vec()));
                    }
                    write.execute(rusqlite::params![1, frame.page()])?;
                }
            }
            let count_now: u32 = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
            if count_now > db_size {
                // Must be the last write before COMMIT: any page write cancels it.
                conn.execute(
                    "INSERT INTO sqlite_dbpage(pgno, data) VALUES (?1, NULL)",
                    [db_size + 1],
                )?;
            }
            let intent = Intent {
                from: self.position,
                to,
                witness: witness.unwrap_or(Witness::None),
            };
            fsutil::write_atomic(&self.intent_path, &intent.encode())?;
            #[cfg(test)]
            if self.crash_at == Some(CrashPoint::BeforeCommit) {
                return Ok(());
            }
            conn.execute_batch("COMMIT")?;
            Ok::<(), ReplicationError>(())
        })();
        #[cfg(test)]
        if self.crash_at.is_some() {
            // The process "dies" here: no rollback, no position update, intent left.
            drop(conn);
            return result;
        }
        if result.is_err() && !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
            // This intent replaced the record of the current position: record it in the
            // index before dropping the intent.
            fsutil::write_atomic(&self.index_path, &self.position.encode())?;
            fsutil::remove_if_exists(&self.intent_path)?;
        }
        result?;
        drop(conn);
        // The intent stays: it is the durable record of this position (its witness shows
        // the commit landed), so an apply costs one atomic write and the WAL sync. The
        // index file is brought up to date when the replica is next opened.
        self.position = to;
        Ok(())
    }
}

fn open_apply_connection(path: &Path) -> Result<rusqlite::Connection, ReplicationError> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(5))?;
    // FULL: the WAL is synced at COMMIT, before the position says the frames are in.
    conn.execute_batch(
        "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;",
    )?;
    Ok(conn)
}

fn read_page(conn: &rusqlite::Connection, pgno: u32) -> Result<Option<Vec<u8>>, ReplicationError> {
    let mut stmt = conn.prepare_cached("SELECT data FROM sqlite_dbpage WHERE pgno = ?1")?;
    let mut rows = stmt.query([pgno])?;
    Ok(match rows.next()? {
        Some(row) => Some(row.get(0)?),
        None => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replication::{FrameHeader, PageNo, chain_checksum};

    /// Frames of a primary database: one transaction creating a table and inserting rows.
    fn primary_frames(dir: &Path, rows: i64) -> Vec<Frame> {
        let path = dir.join(format!("p{rows}.db"));
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("PRAGMA page_size = 4096; CREATE TABLE t(x); ")
            .unwrap();
        for i in 0..rows {
            conn.execute("INSERT INTO t VALUES (?1)", [format!("{i:0>500}")])
                .unwrap();
        }
        let mut stmt = conn
            .prepare("SELECT pgno, data FROM sqlite_dbpage")
            .unwrap();
        let pages: Vec<(u32, Vec<u8>)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let n = pages.len() as u32;
        let mut checksum = 0;
        pages
            .into_iter()
            .enumerate()
            .map(|(i, (pgno, data))| {
                checksum = chain_checksum(checksum, &data);
                let header = FrameHeader {
                    frame_no: FrameNo(i as u64),
                    checksum,
                    page_no: PageNo(pgno),
                    size_after: if pgno == n { n } else { 0 },
                };
                Frame::new(header, data).unwrap()
            })
            .collect()
    }

    fn count(path: &Path) -> i64 {
        let conn = rusqlite::Connection::open(path).unwrap();
        conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap_or(-1)
    }

    fn crash_test(point: CrashPoint) {
        let dir = tempfile::tempdir().unwrap();
        let first = primary_frames(dir.path(), 3);
        let replica_path = dir.path().join("r.db");
        let mut replica = Replica::open(&replica_path).unwrap();
        replica.apply(first).unwrap();
        let before = replica.position();
        assert_eq!(count(&replica_path), 3);
        // A snapshot of a bigger database, applied with a crash in the middle.
        let second = primary_frames(dir.path(), 40);
        let top = second.last().unwrap().header;
        replica.crash_at = Some(point);
        replica
            .apply_snapshot(LogId(7), second.into_iter().map(Ok))
            .unwrap();
        drop(replica);
        let replica = Replica::open(&replica_path).unwrap();
        match point {
            CrashPoint::BeforeCommit => {
                assert_eq!(replica.position(), before);
                assert_eq!(count(&replica_path), 3);
            }
            CrashPoint::AfterCommit => {
                assert_eq!(replica.position().frame_no, Some(top.frame_no));
                assert_eq!(replica.position().log_id, Some(LogId(7)));
                assert_eq!(count(&replica_path), 40);
            }
        }
        assert!(!replica.intent_path.exists());
        let conn = rusqlite::Connection::open(&replica_path).unwrap();
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
    }

    #[test]
    fn crash_before_commit_keeps_previous_state_and_position() {
        crash_test(CrashPoint::BeforeCommit);
    }

    #[test]
    fn crash_after_commit_moves_position_without_reapplying() {
        crash_test(CrashPoint::AfterCommit);
    }

    #[test]
    fn position_and_intent_round_trip() {
        let from = ReplicaPosition {
            log_id: Some(LogId(1)),
            frame_no: None,
            checksum: 0,
        };
        let to = ReplicaPosition {
            log_id: Some(LogId(1)),
            frame_no: Some(FrameNo(9)),
            checksum: 42,
        };
        assert_eq!(ReplicaPosition::decode(&to.encode()), Some(to));
        let intent = Intent {
            from,
            to,
            witness: Witness::Page(3, vec![5; PAGE_SIZE]),
        };
        let mut bytes = intent.encode();
        let back = Intent::decode(&bytes).unwrap();
        assert_eq!(
            (back.from, back.to, back.witness),
            (from, to, intent.witness)
        );
        // A torn intent is not taken for a complete one.
        bytes.truncate(bytes.len() - 100);
        assert!(Intent::decode(&bytes).is_none());
    }
}
