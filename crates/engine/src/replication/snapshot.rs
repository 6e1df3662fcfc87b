//! Snapshots: compacted sealed segments. A snapshot covering frames `0..=end` holds, for
//! every page of the database as of frame `end`, its latest version, in descending
//! `frame_no` order; only the last record carries a `size_after` (the database size at
//! `end`), so a replica applying it as one transaction commits exactly once
//! (LIBSQL-SURFACE.md §8.3). Each compaction merges the previous snapshot with the
//! sealed segments into a new file, written aside and renamed into place.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::error::{CorruptKind, ReplicationError};
use super::frame::{FRAME_HEADER_SIZE, Frame, FrameHeader, FrameNo, PAGE_SIZE, crc64};
use super::fsutil;
use super::segment::{RECORD_SIZE, Record, SEGMENT_HEADER_SIZE, SegmentState};

const SNAPSHOT_MAGIC: &[u8; 8] = b"BSLTSNP1";
pub(crate) const SNAPSHOT_HEADER_SIZE: u64 = 64;
const FORMAT_VERSION: u32 = 1;

/// A snapshot file on disk, as its header describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SnapshotState {
    pub path: PathBuf,
    pub log_id: u128,
    /// The highest frame the snapshot covers (it covers all frames from 0).
    pub end: FrameNo,
    /// Database size in pages at `end`.
    pub db_size: u32,
    pub frame_count: u32,
}

/// File name of the snapshot ending at `end`.
pub(crate) fn snapshot_file_name(end: FrameNo) -> String {
    format!("{:020}.snap", end.0)
}

/// Whether `name` is a snapshot file name.
pub(crate) fn is_snapshot_file_name(name: &str) -> bool {
    name.strip_suffix(".snap")
        .is_some_and(|d| d.len() == 20 && d.bytes().all(|b| b.is_ascii_digit()))
}

fn encode_header(s: &SnapshotState) -> [u8; SNAPSHOT_HEADER_SIZE as usize] {
    let mut b = [0u8; SNAPSHOT_HEADER_SIZE as usize];
    b[0..8].copy_from_slice(SNAPSHOT_MAGIC);
    b[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    b[12..16].copy_from_slice(&(PAGE_SIZE as u32).to_le_bytes());
    b[16..32].copy_from_slice(&s.log_id.to_le_bytes());
    b[32..40].copy_from_slice(&s.end.0.to_le_bytes());
    b[40..44].copy_from_slice(&s.db_size.to_le_bytes());
    b[44..48].copy_from_slice(&s.frame_count.to_le_bytes());
    let crc = crc64(&[&b[..56]]);
    b[56..64].copy_from_slice(&crc.to_le_bytes());
    b
}

/// Opens a snapshot file and checks its header, identity and length.
pub(crate) fn open(path: &Path, log_id: u128) -> Result<SnapshotState, ReplicationError> {
    let file = File::open(path).map_err(ReplicationError::io(path))?;
    let len = file.metadata().map_err(ReplicationError::io(path))?.len();
    let bad = |kind| ReplicationError::corrupt(path, None, kind);
    let mut b = [0u8; SNAPSHOT_HEADER_SIZE as usize];
    if len < SNAPSHOT_HEADER_SIZE {
        return Err(bad(CorruptKind::BadHeader));
    }
    file.read_exact_at(&mut b, 0)
        .map_err(ReplicationError::io(path))?;
    let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().expect("4 bytes"));
    let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
    if &b[0..8] != SNAPSHOT_MAGIC
        || u32_at(8) != FORMAT_VERSION
        || u32_at(12) != PAGE_SIZE as u32
        || crc64(&[&b[..56]]) != u64_at(56)
    {
        return Err(bad(CorruptKind::BadHeader));
    }
    let state = SnapshotState {
        path: path.to_path_buf(),
        log_id: u128::from_le_bytes(b[16..32].try_into().expect("16 bytes")),
        end: FrameNo(u64_at(32)),
        db_size: u32_at(40),
        frame_count: u32_at(44),
    };
    if state.log_id != log_id {
        return Err(bad(CorruptKind::WrongLogId));
    }
    if len != SNAPSHOT_HEADER_SIZE + u64::from(state.frame_count) * RECORD_SIZE as u64 {
        return Err(bad(CorruptKind::Truncated));
    }
    Ok(state)
}

/// Where the latest version of a page lives while compacting.
#[derive(Clone, Copy)]
struct Version {
    frame_no: FrameNo,
    source: usize,
    offset: u64,
}

/// Writes a new snapshot merging `previous` with `sealed` (consecutive segments that
/// continue it) and returns it. The old files are left for the caller to remove.
pub(crate) fn compact(
    dir: &Path,
    log_id: u128,
    previous: Option<&SnapshotState>,
    sealed: &[SegmentState],
) -> Result<SnapshotState, ReplicationError> {
    let last = sealed
        .last()
        .expect("compaction needs at least one sealed segment");
    let end = FrameNo(last.end().0 - 1);
    let db_size = last.last_size_after;
    let mut sources: Vec<(PathBuf, File)> = Vec::new();
    let mut latest: HashMap<u32, Version> = HashMap::new();
    let mut header = [0u8; FRAME_HEADER_SIZE];
    let mut scan = |path: &Path, first: u64, count: u64, sources: &mut Vec<(PathBuf, File)>| {
        let file = File::open(path).map_err(ReplicationError::io(path))?;
        let source = sources.len();
        for i in 0..count {
            let offset = first + i * RECORD_SIZE as u64;
            file.read_exact_at(&mut header, offset)
                .map_err(ReplicationError::io(path))?;
            let h = FrameHeader::decode(&header)
                .map_err(|_| ReplicationError::corrupt(path, None, CorruptKind::RecordChecksum))?;
            let v = Version {
                frame_no: h.frame_no,
                source,
                offset,
            };
            latest
                .entry(h.page_no.0)
                .and_modify(|old| {
                    if old.frame_no < v.frame_no {
                        *old = v;
                    }
                })
                .or_insert(v);
        }
        sources.push((path.to_path_buf(), file));
        Ok::<(), ReplicationError>(())
    };
    if let Some(prev) = previous {
        scan(
            &prev.path,
            SNAPSHOT_HEADER_SIZE,
            u64::from(prev.frame_count),
            &mut sources,
        )?;
    }
    for seg in sealed {
        scan(&seg.path, SEGMENT_HEADER_SIZE, seg.records, &mut sources)?;
    }
    // Pages past the final size were truncated away: they are not part of the state.
    let mut versions: Vec<Version> = latest
        .into_iter()
        .filter(|(page, _)| *page <= db_size)
        .map(|(_, v)| v)
        .collect();
    versions.sort_by_key(|v| std::cmp::Reverse(v.frame_no));

    let state = SnapshotState {
        path: dir.join(snapshot_file_name(end)),
        log_id,
        end,
        db_size,
        frame_count: u32::try_from(versions.len())
            .expect("a 4096-byte-page database has < 2^32 pages"),
    };
    let tmp = state.path.with_extension("snap.tmp");
    let file = File::create(&tmp).map_err(ReplicationError::io(&tmp))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    out.write_all(&encode_header(&state))
        .map_err(ReplicationError::io(&tmp))?;
    let mut buf = vec![0u8; RECORD_SIZE];
    let mut encoded = Vec::with_capacity(RECORD_SIZE);
    let count = versions.len();
    for (i, v) in versions.into_iter().enumerate() {
        let (path, file) = &sources[v.source];
        file.read_exact_at(&mut buf, v.offset)
            .map_err(ReplicationError::io(path))?;
        let mut record = Record::decode(&buf)
            .map_err(|kind| ReplicationError::corrupt(path, Some(v.frame_no), kind))?;
        // Only the last frame of a snapshot is a commit frame.
        record.frame.header.size_after = if i + 1 == count { db_size } else { 0 };
        encoded.clear();
        record.encode_into(&mut encoded);
        out.write_all(&encoded)
            .map_err(ReplicationError::io(&tmp))?;
    }
    let file = out.into_inner().map_err(|e| ReplicationError::Io {
        path: tmp.clone(),
        source: e.into_error(),
    })?;
    file.sync_all().map_err(ReplicationError::io(&tmp))?;
    drop(file);
    std::fs::rename(&tmp, &state.path).map_err(ReplicationError::io(&state.path))?;
    fsutil::sync_dir(dir)?;
    Ok(state)
}

/// Streams a snapshot's frames in stored (descending `frame_no`) order, checking each
/// record; the last frame carries the commit marker.
pub struct SnapshotReader {
    path: PathBuf,
    file: File,
    end: FrameNo,
    db_size: u32,
    count: u32,
    next: u32,
}

impl std::fmt::Debug for SnapshotReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnapshotReader")
            .field("path", &self.path)
            .field("end", &self.end)
            .field("next", &self.next)
            .finish()
    }
}

impl SnapshotReader {
    pub(crate) fn new(state: &SnapshotState) -> Result<SnapshotReader, ReplicationError> {
        let file = File::open(&state.path).map_err(ReplicationError::io(&state.path))?;
        Ok(SnapshotReader {
            path: state.path.clone(),
            file,
            end: state.end,
            db_size: state.db_size,
            count: state.frame_count,
            next: 0,
        })
    }

    /// The highest frame number the snapshot covers; a replica that applied it continues
    /// from the frame after.
    pub fn end_frame_no(&self) -> FrameNo {
        self.end
    }

    /// Database size in pages after applying the snapshot.
    pub fn db_size(&self) -> u32 {
        self.db_size
    }

    /// Number of frames in the snapshot.
    pub fn frame_count(&self) -> u32 {
        self.count
    }
}

impl Iterator for SnapshotReader {
    type Item = Result<Frame, ReplicationError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.count {
            return None;
        }
        let mut buf = vec![0u8; RECORD_SIZE];
        let offset = SNAPSHOT_HEADER_SIZE + u64::from(self.next) * RECORD_SIZE as u64;
        self.next += 1;
        Some(
            self.file
                .read_exact_at(&mut buf, offset)
                .map_err(ReplicationError::io(&self.path))
                .and_then(|()| {
                    Record::decode(&buf)
                        .map(|r| r.frame)
                        .map_err(|kind| ReplicationError::corrupt(&self.path, None, kind))
                }),
        )
    }
}
