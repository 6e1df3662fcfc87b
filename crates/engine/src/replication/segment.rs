//! Segment files: the append-only part of the replication log.
//!
//! A segment is a 72-byte header followed by fixed-size records (frame, WAL position,
//! commit time, record CRC). Records are appended one transaction at a time and the file
//! is fsynced before the commit is acknowledged; a segment is only ever cut after a
//! commit frame, so every segment holds whole transactions. Formats are tabled in
//! `docs/REPLICATION.md`.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::error::{CorruptKind, ReplicationError};
use super::frame::{FRAME_HEADER_SIZE, FRAME_SIZE, Frame, FrameHeader, FrameNo, PAGE_SIZE, crc64};
use super::wal::WalCursor;

pub(crate) const SEGMENT_MAGIC: &[u8; 8] = b"BSLTSEG1";
pub(crate) const SEGMENT_HEADER_SIZE: u64 = 72;
/// Frame, then WAL salt-1, salt-2, frame index, flags, commit time (ms), record CRC.
pub(crate) const RECORD_SIZE: usize = FRAME_SIZE + 32;
const FORMAT_VERSION: u32 = 1;

/// Record flag: the frame was written when the log was created over an existing
/// database (a copy of its pages), not captured from the WAL.
pub(crate) const FLAG_BOOTSTRAP: u32 = 1;

/// One stored frame with what the log needs to resume.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    pub frame: Frame,
    /// On a commit record: the WAL position the log holds after this transaction.
    pub wal: WalCursor,
    pub flags: u32,
    /// Commit time in milliseconds since the Unix epoch.
    pub timestamp_ms: i64,
}

impl Record {
    pub(crate) fn encode_into(&self, out: &mut Vec<u8>) {
        let start = out.len();
        out.extend_from_slice(&self.frame.header.encode());
        out.extend_from_slice(self.frame.page());
        out.extend_from_slice(&self.wal.salt1.to_le_bytes());
        out.extend_from_slice(&self.wal.salt2.to_le_bytes());
        out.extend_from_slice(&self.wal.frame.to_le_bytes());
        out.extend_from_slice(&self.flags.to_le_bytes());
        out.extend_from_slice(&self.timestamp_ms.to_le_bytes());
        let crc = crc64(&[&out[start..]]);
        out.extend_from_slice(&crc.to_le_bytes());
    }

    /// Decodes one record, checking its CRC.
    pub(crate) fn decode(bytes: &[u8]) -> Result<Record, CorruptKind> {
        debug_assert_eq!(bytes.len(), RECORD_SIZE);
        let body = &bytes[..RECORD_SIZE - 8];
        let crc = u64::from_le_bytes(bytes[RECORD_SIZE - 8..].try_into().expect("8 bytes"));
        if crc64(&[body]) != crc {
            return Err(CorruptKind::RecordChecksum);
        }
        let header = FrameHeader::decode(
            body[..FRAME_HEADER_SIZE]
                .try_into()
                .expect("record holds a header"),
        )
        .map_err(|_| CorruptKind::RecordChecksum)?;
        let frame = Frame::new(header, body[FRAME_HEADER_SIZE..FRAME_SIZE].to_vec())
            .expect("record holds one page");
        let u32_at = |i| u32::from_le_bytes(body[i..i + 4].try_into().expect("4 bytes"));
        Ok(Record {
            frame,
            wal: WalCursor {
                salt1: u32_at(FRAME_SIZE),
                salt2: u32_at(FRAME_SIZE + 4),
                frame: u32_at(FRAME_SIZE + 8),
            },
            flags: u32_at(FRAME_SIZE + 12),
            timestamp_ms: i64::from_le_bytes(
                body[FRAME_SIZE + 16..FRAME_SIZE + 24]
                    .try_into()
                    .expect("8 bytes"),
            ),
        })
    }
}

/// The segment file header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SegmentHeader {
    pub log_id: u128,
    /// Frame number of the first record.
    pub start: FrameNo,
    /// Checksum of the frame before the first record (the chain seed).
    pub start_checksum: u64,
    /// The WAL position of the log when the segment was started.
    pub wal: WalCursor,
}

impl SegmentHeader {
    fn encode(&self) -> [u8; SEGMENT_HEADER_SIZE as usize] {
        let mut b = [0u8; SEGMENT_HEADER_SIZE as usize];
        b[0..8].copy_from_slice(SEGMENT_MAGIC);
        b[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        b[12..16].copy_from_slice(&(PAGE_SIZE as u32).to_le_bytes());
        b[16..32].copy_from_slice(&self.log_id.to_le_bytes());
        b[32..40].copy_from_slice(&self.start.0.to_le_bytes());
        b[40..48].copy_from_slice(&self.start_checksum.to_le_bytes());
        b[48..52].copy_from_slice(&self.wal.salt1.to_le_bytes());
        b[52..56].copy_from_slice(&self.wal.salt2.to_le_bytes());
        b[56..60].copy_from_slice(&self.wal.frame.to_le_bytes());
        let crc = crc64(&[&b[..64]]);
        b[64..72].copy_from_slice(&crc.to_le_bytes());
        b
    }

    fn decode(b: &[u8; SEGMENT_HEADER_SIZE as usize]) -> Option<SegmentHeader> {
        let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().expect("4 bytes"));
        let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
        if &b[0..8] != SEGMENT_MAGIC
            || u32_at(8) != FORMAT_VERSION
            || u32_at(12) != PAGE_SIZE as u32
            || crc64(&[&b[..64]]) != u64_at(64)
        {
            return None;
        }
        Some(SegmentHeader {
            log_id: u128::from_le_bytes(b[16..32].try_into().expect("16 bytes")),
            start: FrameNo(u64_at(32)),
            start_checksum: u64_at(40),
            wal: WalCursor {
                salt1: u32_at(48),
                salt2: u32_at(52),
                frame: u32_at(56),
            },
        })
    }
}

/// File name of the segment starting at `start`: names sort in frame order.
pub(crate) fn segment_file_name(start: FrameNo) -> String {
    format!("{:020}.seg", start.0)
}

/// The start frame encoded in a segment file name.
pub(crate) fn parse_segment_file_name(name: &str) -> Option<FrameNo> {
    let digits = name.strip_suffix(".seg")?;
    (digits.len() == 20).then_some(())?;
    digits.parse().ok().map(FrameNo)
}

/// What validating a segment found.
#[derive(Debug, Clone)]
pub(crate) struct SegmentState {
    pub path: PathBuf,
    pub header: SegmentHeader,
    /// Whole-transaction records in the file.
    pub records: u64,
    /// Checksum of the last record (the header's seed when empty).
    pub last_checksum: u64,
    /// Database size after the last transaction (0 when empty).
    pub last_size_after: u32,
    /// The WAL position after the last transaction.
    pub wal: WalCursor,
}

impl SegmentState {
    /// The frame number after the last record.
    pub fn end(&self) -> FrameNo {
        FrameNo(self.header.start.0 + self.records)
    }

    /// Byte length of the valid part of the file.
    pub fn len_bytes(&self) -> u64 {
        SEGMENT_HEADER_SIZE + self.records * RECORD_SIZE as u64
    }
}

/// How [`validate`] treats damage at the end of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tail {
    /// A sealed segment: any damage or unfinished transaction is corruption.
    Sealed,
    /// The newest segment: a torn trailing transaction (never acknowledged) is dropped.
    Newest,
}

/// Reads and checks a whole segment: header, every record's CRC, the frame checksum
/// chain and frame numbering. Returns its state, cut back to the last commit frame for
/// the newest segment; the caller truncates the file to [`SegmentState::len_bytes`].
pub(crate) fn validate(
    path: &Path,
    log_id: u128,
    tail: Tail,
) -> Result<SegmentState, ReplicationError> {
    let file = File::open(path).map_err(ReplicationError::io(path))?;
    let len = file.metadata().map_err(ReplicationError::io(path))?.len();
    let corrupt = |frame_no, kind| ReplicationError::corrupt(path, frame_no, kind);
    let mut hb = [0u8; SEGMENT_HEADER_SIZE as usize];
    if len < SEGMENT_HEADER_SIZE {
        return Err(corrupt(None, CorruptKind::BadHeader));
    }
    file.read_exact_at(&mut hb, 0)
        .map_err(ReplicationError::io(path))?;
    let header = SegmentHeader::decode(&hb).ok_or_else(|| corrupt(None, CorruptKind::BadHeader))?;
    if header.log_id != log_id {
        return Err(corrupt(None, CorruptKind::WrongLogId));
    }
    let mut state = SegmentState {
        path: path.to_path_buf(),
        header,
        records: 0,
        last_checksum: header.start_checksum,
        last_size_after: 0,
        wal: header.wal,
    };
    let slots = (len - SEGMENT_HEADER_SIZE) / RECORD_SIZE as u64;
    let partial_slot = !(len - SEGMENT_HEADER_SIZE).is_multiple_of(RECORD_SIZE as u64);
    let mut checksum = header.start_checksum;
    let mut buf = vec![0u8; RECORD_SIZE];
    let mut damaged_at = None;
    for i in 0..slots {
        let expected = FrameNo(header.start.0 + i);
        file.read_exact_at(&mut buf, SEGMENT_HEADER_SIZE + i * RECORD_SIZE as u64)
            .map_err(ReplicationError::io(path))?;
        let kind = match Record::decode(&buf) {
            Err(kind) => Some(kind),
            Ok(r) if r.frame.header.frame_no != expected => Some(CorruptKind::Gap),
            Ok(r) if !r.frame.checksum_follows(checksum) => Some(CorruptKind::ChainChecksum),
            Ok(r) => {
                checksum = r.frame.header.checksum;
                if r.frame.header.is_commit() {
                    state.records = i + 1;
                    state.last_checksum = checksum;
                    state.last_size_after = r.frame.header.size_after;
                    state.wal = r.wal;
                }
                None
            }
        };
        if let Some(kind) = kind {
            damaged_at = Some((i, kind));
            break;
        }
    }
    match (tail, damaged_at) {
        (Tail::Sealed, Some((i, kind))) => Err(corrupt(Some(FrameNo(header.start.0 + i)), kind)),
        (Tail::Sealed, None) if partial_slot || state.records != slots => {
            Err(corrupt(Some(state.end()), CorruptKind::Truncated))
        }
        (Tail::Newest, Some((i, _))) => {
            // A torn write only damages the end of the file: a valid record after the
            // damaged one means the file was damaged where it had been durable.
            for j in i + 1..slots {
                file.read_exact_at(&mut buf, SEGMENT_HEADER_SIZE + j * RECORD_SIZE as u64)
                    .map_err(ReplicationError::io(path))?;
                if Record::decode(&buf).is_ok() {
                    return Err(corrupt(
                        Some(FrameNo(header.start.0 + i)),
                        CorruptKind::DamageBeforeTail,
                    ));
                }
            }
            Ok(state)
        }
        _ => Ok(state),
    }
}

/// Creates a new, empty segment and makes its creation durable.
pub(crate) fn create(dir: &Path, header: SegmentHeader) -> Result<PathBuf, ReplicationError> {
    let path = dir.join(segment_file_name(header.start));
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(ReplicationError::io(&path))?;
    file.write_all(&header.encode())
        .and_then(|()| file.sync_all())
        .map_err(ReplicationError::io(&path))?;
    super::fsutil::sync_dir(dir)?;
    Ok(path)
}

/// Reads up to `max` records starting at frame `from` of a validated segment.
pub(crate) fn read_records(
    file: &File,
    path: &Path,
    header: &SegmentHeader,
    from: FrameNo,
    max: u64,
) -> Result<Vec<Frame>, ReplicationError> {
    let first = from.0 - header.start.0;
    let mut bytes = vec![0u8; (max as usize) * RECORD_SIZE];
    file.read_exact_at(&mut bytes, SEGMENT_HEADER_SIZE + first * RECORD_SIZE as u64)
        .map_err(ReplicationError::io(path))?;
    bytes
        .chunks_exact(RECORD_SIZE)
        .enumerate()
        .map(|(i, chunk)| {
            let frame_no = FrameNo(from.0 + i as u64);
            // Re-checked on every read: a file damaged after open is never served.
            let record = Record::decode(chunk)
                .map_err(|kind| ReplicationError::corrupt(path, Some(frame_no), kind))?;
            if record.frame.header.frame_no != frame_no {
                return Err(ReplicationError::corrupt(
                    path,
                    Some(frame_no),
                    CorruptKind::Gap,
                ));
            }
            Ok(record.frame)
        })
        .collect()
}
