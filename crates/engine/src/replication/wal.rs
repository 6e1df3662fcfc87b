//! Reading committed frames out of SQLite's `-wal` file.
//!
//! The log does not trust frame counts alone: it walks SQLite's own cumulative frame
//! checksums and salts (the rules SQLite's WAL recovery uses) and keeps only frames up
//! to the last valid commit frame, so a transaction still being written, or the stale
//! tail of a rolled-back one, is never captured.
//!
//! WAL file layout (big-endian fields): a 32-byte header — magic `0x377f0682/3`,
//! version, page size, checkpoint sequence, salt-1, salt-2, checksum-1, checksum-2 —
//! then frames of a 24-byte header (page number, database size after commit or 0,
//! salt-1, salt-2, checksum-1, checksum-2) and one page.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

const WAL_HEADER_SIZE: u64 = 32;
const WAL_FRAME_HEADER_SIZE: usize = 24;
const MAGIC: u32 = 0x377f_0682;

/// Where the log stands in the WAL: it holds every committed frame of the WAL generation
/// named by the salts, up to and including WAL frame `frame` (1-based; 0 = none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct WalCursor {
    pub salt1: u32,
    pub salt2: u32,
    pub frame: u32,
}

/// The parsed WAL header.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WalHeader {
    big_endian_checksums: bool,
    pub page_size: u32,
    pub salt1: u32,
    pub salt2: u32,
    checksum: (u32, u32),
}

/// One committed WAL frame.
pub(crate) struct WalFrame {
    /// 1-based index in the WAL.
    pub index: u32,
    pub page_no: u32,
    /// Database size after commit on a commit frame, else 0.
    pub db_size: u32,
    pub page: Vec<u8>,
}

/// What reading after a cursor found.
pub(crate) enum WalRead {
    /// Committed frames after the cursor (possibly none), in WAL order.
    Frames(Vec<WalFrame>),
    /// The WAL of the cursor's generation no longer holds frame `cursor.frame`.
    Behind { found: u32 },
}

fn be32(b: &[u8], i: usize) -> u32 {
    u32::from_be_bytes(b[i..i + 4].try_into().expect("4 bytes"))
}

/// SQLite's WAL checksum over `data` (a multiple of 8 bytes), continuing from `s`.
fn wal_checksum(big_endian: bool, data: &[u8], mut s: (u32, u32)) -> (u32, u32) {
    for pair in data.chunks_exact(8) {
        let (a, b) = if big_endian {
            (be32(pair, 0), be32(pair, 4))
        } else {
            (
                u32::from_le_bytes(pair[0..4].try_into().expect("4 bytes")),
                u32::from_le_bytes(pair[4..8].try_into().expect("4 bytes")),
            )
        };
        s.0 = s.0.wrapping_add(a).wrapping_add(s.1);
        s.1 = s.1.wrapping_add(b).wrapping_add(s.0);
    }
    s
}

/// Reads and checks the WAL header; `None` when the file is empty or not a valid WAL
/// (SQLite then treats it as holding no frames).
pub(crate) fn read_header(file: &File) -> io::Result<Option<WalHeader>> {
    let mut buf = [0u8; WAL_HEADER_SIZE as usize];
    match file.read_exact_at(&mut buf, 0) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let magic = be32(&buf, 0);
    if magic & !1 != MAGIC {
        return Ok(None);
    }
    let big_endian = magic & 1 == 1;
    let checksum = (be32(&buf, 24), be32(&buf, 28));
    if wal_checksum(big_endian, &buf[..24], (0, 0)) != checksum {
        return Ok(None);
    }
    Ok(Some(WalHeader {
        big_endian_checksums: big_endian,
        page_size: be32(&buf, 8),
        salt1: be32(&buf, 16),
        salt2: be32(&buf, 20),
        checksum,
    }))
}

fn frame_offset(header: &WalHeader, index: u32) -> u64 {
    WAL_HEADER_SIZE
        + u64::from(index - 1) * (WAL_FRAME_HEADER_SIZE as u64 + u64::from(header.page_size))
}

/// Reads the committed frames after WAL frame `after` of this generation, stopping at
/// frame `limit` when given (a frame count SQLite reported as committed).
pub(crate) fn read_committed(
    file: &File,
    header: &WalHeader,
    after: u32,
    limit: Option<u32>,
) -> io::Result<WalRead> {
    let page_size = header.page_size as usize;
    let mut buf = vec![0u8; WAL_FRAME_HEADER_SIZE + page_size];
    let mut seed = header.checksum;
    if after > 0 {
        // The cumulative checksum of frame `after` seeds the rest of the chain.
        let mut h = [0u8; WAL_FRAME_HEADER_SIZE];
        let ok = match file.read_exact_at(&mut h, frame_offset(header, after)) {
            Ok(()) => be32(&h, 8) == header.salt1 && be32(&h, 12) == header.salt2,
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => false,
            Err(e) => return Err(e),
        };
        if !ok {
            return Ok(WalRead::Behind {
                found: valid_frames(file, header)?,
            });
        }
        seed = (be32(&h, 16), be32(&h, 20));
    }
    let mut frames = Vec::new();
    let mut committed = 0;
    let mut index = after;
    loop {
        if limit.is_some_and(|l| index >= l) {
            break;
        }
        index += 1;
        match file.read_exact_at(&mut buf, frame_offset(header, index)) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(e),
        }
        if be32(&buf, 8) != header.salt1 || be32(&buf, 12) != header.salt2 {
            break;
        }
        let s = wal_checksum(header.big_endian_checksums, &buf[..8], seed);
        let s = wal_checksum(
            header.big_endian_checksums,
            &buf[WAL_FRAME_HEADER_SIZE..],
            s,
        );
        if s != (be32(&buf, 16), be32(&buf, 20)) {
            break;
        }
        seed = s;
        let db_size = be32(&buf, 4);
        frames.push(WalFrame {
            index,
            page_no: be32(&buf, 0),
            db_size,
            page: buf[WAL_FRAME_HEADER_SIZE..].to_vec(),
        });
        if db_size != 0 {
            committed = frames.len();
        }
    }
    frames.truncate(committed);
    Ok(WalRead::Frames(frames))
}

/// The number of frames of this generation with a valid chain up to a commit frame.
fn valid_frames(file: &File, header: &WalHeader) -> io::Result<u32> {
    match read_committed(file, header, 0, None)? {
        WalRead::Frames(frames) => Ok(frames.last().map_or(0, |f| f.index)),
        WalRead::Behind { found } => Ok(found),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_matches_sqlite_definition() {
        // s0 += x0 + s1; s1 += x1 + s0, over native (here little-endian) words.
        let data = [1u8, 0, 0, 0, 2, 0, 0, 0];
        assert_eq!(wal_checksum(false, &data, (0, 0)), (1, 3));
        assert_eq!(
            wal_checksum(true, &data, (0, 0)),
            (1 << 24, (2 << 24) + (1 << 24))
        );
    }
}
