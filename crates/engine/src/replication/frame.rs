//! The replication frame: a 24-byte little-endian header and one 4096-byte page
//! (LIBSQL-SURFACE.md §8.2), as it travels to replicas and as it is stored in the log.
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | `frame_no` |
//! | 8 | 8 | `checksum`: CRC-64/GO-ISO over the page, seeded with the previous frame's checksum |
//! | 16 | 4 | `page_no` (1-based) |
//! | 20 | 4 | `size_after`: database size in pages after the commit; 0 on non-commit frames |

use std::fmt;

/// Page size of every replicated database.
pub const PAGE_SIZE: usize = 4096;
/// Size of the frame header.
pub const FRAME_HEADER_SIZE: usize = 24;
/// Size of one encoded frame (header and page).
pub const FRAME_SIZE: usize = FRAME_HEADER_SIZE + PAGE_SIZE;

const CRC64: crc::Crc<u64> = crc::Crc::<u64>::new(&crc::CRC_64_GO_ISO);

/// A frame's position in a log: 0 for the first frame ever written, then +1 per frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FrameNo(pub u64);

impl FrameNo {
    /// The frame after this one.
    pub fn next(self) -> FrameNo {
        FrameNo(self.0 + 1)
    }
}

impl fmt::Display for FrameNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A 1-based SQLite page number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PageNo(pub u32);

impl fmt::Display for PageNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The rolling frame checksum: CRC-64/GO-ISO over `page`, seeded with the previous
/// frame's checksum (0 before the first frame of a log).
pub fn chain_checksum(previous: u64, page: &[u8]) -> u64 {
    let mut digest = CRC64.digest_with_initial(previous);
    digest.update(page);
    digest.finalize()
}

/// Plain CRC-64/GO-ISO of several byte slices, used for record and file-header checks.
pub(crate) fn crc64(parts: &[&[u8]]) -> u64 {
    let mut digest = CRC64.digest();
    for part in parts {
        digest.update(part);
    }
    digest.finalize()
}

/// The frame header fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// The frame's number in its log.
    pub frame_no: FrameNo,
    /// Rolling checksum up to and including this frame's page.
    pub checksum: u64,
    /// The page this frame holds.
    pub page_no: PageNo,
    /// Database size in pages after the commit, on a commit frame; 0 otherwise.
    pub size_after: u32,
}

impl FrameHeader {
    /// True when this frame ends a transaction.
    pub fn is_commit(&self) -> bool {
        self.size_after != 0
    }

    /// The 24-byte little-endian encoding.
    pub fn encode(&self) -> [u8; FRAME_HEADER_SIZE] {
        let mut out = [0u8; FRAME_HEADER_SIZE];
        out[0..8].copy_from_slice(&self.frame_no.0.to_le_bytes());
        out[8..16].copy_from_slice(&self.checksum.to_le_bytes());
        out[16..20].copy_from_slice(&self.page_no.0.to_le_bytes());
        out[20..24].copy_from_slice(&self.size_after.to_le_bytes());
        out
    }

    /// Decodes a header; rejects page number 0, which no SQLite page has.
    pub fn decode(bytes: &[u8; FRAME_HEADER_SIZE]) -> Result<FrameHeader, FrameDecodeError> {
        let u64_at = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().expect("8 bytes"));
        let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().expect("4 bytes"));
        let page_no = u32_at(16);
        if page_no == 0 {
            return Err(FrameDecodeError::PageZero);
        }
        Ok(FrameHeader {
            frame_no: FrameNo(u64_at(0)),
            checksum: u64_at(8),
            page_no: PageNo(page_no),
            size_after: u32_at(20),
        })
    }
}

/// Why bytes are not a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameDecodeError {
    /// The input is not exactly [`FRAME_SIZE`] bytes long.
    #[error("a frame is {FRAME_SIZE} bytes, got {0}")]
    WrongSize(usize),
    /// The header names page 0.
    #[error("frame header names page 0")]
    PageZero,
}

/// One frame: header and page image.
#[derive(Clone, PartialEq, Eq)]
pub struct Frame {
    /// The header.
    pub header: FrameHeader,
    page: Box<[u8]>,
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Page bytes are row data: never print them.
        f.debug_struct("Frame")
            .field("header", &self.header)
            .finish()
    }
}

impl Frame {
    /// A frame from its header and a page of exactly [`PAGE_SIZE`] bytes.
    pub fn new(header: FrameHeader, page: Vec<u8>) -> Result<Frame, FrameDecodeError> {
        if page.len() != PAGE_SIZE {
            return Err(FrameDecodeError::WrongSize(FRAME_HEADER_SIZE + page.len()));
        }
        Ok(Frame {
            header,
            page: page.into_boxed_slice(),
        })
    }

    /// The page image.
    pub fn page(&self) -> &[u8] {
        &self.page
    }

    /// The 4120-byte wire encoding (the `data` field of the gRPC `Frame` message).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(FRAME_SIZE);
        out.extend_from_slice(&self.header.encode());
        out.extend_from_slice(&self.page);
        out
    }

    /// Decodes the wire encoding.
    pub fn decode(bytes: &[u8]) -> Result<Frame, FrameDecodeError> {
        if bytes.len() != FRAME_SIZE {
            return Err(FrameDecodeError::WrongSize(bytes.len()));
        }
        let header = FrameHeader::decode(
            bytes[..FRAME_HEADER_SIZE]
                .try_into()
                .expect("length checked above"),
        )?;
        Ok(Frame {
            header,
            page: bytes[FRAME_HEADER_SIZE..].into(),
        })
    }

    /// True when `checksum` is the chain checksum of this page after `previous`.
    pub fn checksum_follows(&self, previous: u64) -> bool {
        chain_checksum(previous, &self.page) == self.header.checksum
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_chains() {
        let a = chain_checksum(0, &[1u8; PAGE_SIZE]);
        let b = chain_checksum(a, &[2u8; PAGE_SIZE]);
        assert_ne!(a, b);
        assert_ne!(b, chain_checksum(0, &[2u8; PAGE_SIZE]));
        // The catalogue check value of CRC-64/GO-ISO.
        assert_eq!(crc64(&[b"123456789"]), 0xb909_56c7_75a4_1001);
    }

    #[test]
    fn rejects_wrong_sizes() {
        assert_eq!(
            Frame::decode(&[0u8; 10]).unwrap_err(),
            FrameDecodeError::WrongSize(10)
        );
        assert_eq!(
            Frame::decode(&[0u8; FRAME_SIZE]).unwrap_err(),
            FrameDecodeError::PageZero
        );
    }
}
