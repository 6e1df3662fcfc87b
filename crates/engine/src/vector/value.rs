//! [`Vector`]: one decoded vector of any element type, with the blob layouts libSQL
//! writes (LIBSQL-SURFACE.md §9.2) and conversions between types.
//!
//! Blob identification follows libSQL: an even-length blob is float32 with no type byte
//! (so `dims = len / 4`); an odd-length blob ends in its type id. Layouts, little-endian:
//!
//! | type | bytes |
//! |---|---|
//! | f32 | `dims × f32` (a trailing `0x01` is accepted on input, never written) |
//! | f64 | `dims × f64`, `0x02` |
//! | f16 | `dims × u16` (binary16), `0x05` |
//! | bf16 | `dims × u16` (upper half of the f32), `0x06` |
//! | 8-bit | `dims` codes, zero-padded to a multiple of 4; `alpha` f32; `shift` f32; `0x00`; pad count; `0x04` |
//! | 1-bit | `ceil(dims/8)` bytes, bit i (LSB first) = element i > 0; a `0x00` pad if that count is even; `8·(len−1) − dims`; `0x03` |
//!
//! Every compact layout has odd length, which keeps the even-means-f32 rule unambiguous.
//! Decoding validates sizes strictly (libSQL reads past malformed blobs); encoding writes
//! zero padding (libSQL leaves the 8-bit padding uninitialised).

use super::convert::{
    bf16_to_f32, dequantize_f8, f16_to_f32, f32_to_bf16, f32_to_f16, quantize_f8,
};
use super::error::VectorError;
use super::types::{MAX_DIMS, VectorType};

/// One vector, decoded. Compact types keep their encoded elements so that converting a
/// vector to its own type re-encodes it byte for byte.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Vector {
    /// float32 elements.
    F32(Vec<f32>),
    /// float64 elements.
    F64(Vec<f64>),
    /// binary16 elements (raw bits).
    F16(Vec<u16>),
    /// bfloat16 elements (raw bits).
    BF16(Vec<u16>),
    /// 8-bit codes: element i is `codes[i]·alpha + shift`.
    F8 {
        /// One code per dimension.
        codes: Vec<u8>,
        /// Scale.
        alpha: f32,
        /// Offset (the minimum element).
        shift: f32,
    },
    /// Sign bits, LSB first; bits at and past `dims` are zero.
    F1Bit {
        /// `ceil(dims/8)` bytes.
        bits: Vec<u8>,
        /// Number of dimensions.
        dims: usize,
    },
}

impl Vector {
    /// The element type.
    pub(crate) fn vector_type(&self) -> VectorType {
        match self {
            Vector::F32(_) => VectorType::F32,
            Vector::F64(_) => VectorType::F64,
            Vector::F16(_) => VectorType::F16,
            Vector::BF16(_) => VectorType::BF16,
            Vector::F8 { .. } => VectorType::F8,
            Vector::F1Bit { .. } => VectorType::F1Bit,
        }
    }

    /// Number of dimensions.
    pub(crate) fn dims(&self) -> usize {
        match self {
            Vector::F32(v) => v.len(),
            Vector::F64(v) => v.len(),
            Vector::F16(v) | Vector::BF16(v) => v.len(),
            Vector::F8 { codes, .. } => codes.len(),
            Vector::F1Bit { dims, .. } => *dims,
        }
    }

    /// True when any element is NaN or infinite (compact types hold none but f16's
    /// overflow infinities). The index refuses such vectors.
    #[allow(dead_code)] // for the ANN index (issue 5, part 2)
    pub(crate) fn has_non_finite(&self) -> bool {
        match self {
            Vector::F32(v) => v.iter().any(|x| !x.is_finite()),
            Vector::F64(v) => v.iter().any(|x| !x.is_finite()),
            Vector::F16(v) => v.iter().any(|&h| h & 0x7c00 == 0x7c00),
            Vector::BF16(v) => v.iter().any(|&h| h & 0x7f80 == 0x7f80),
            Vector::F8 { alpha, shift, .. } => !alpha.is_finite() || !shift.is_finite(),
            Vector::F1Bit { .. } => false,
        }
    }

    /// The elements as float32, as libSQL converts them (f64 rounds; 1-bit gives ±1).
    pub(crate) fn to_f32(&self) -> Vec<f32> {
        match self {
            Vector::F32(v) => v.clone(),
            Vector::F64(v) => v.iter().map(|&x| x as f32).collect(),
            Vector::F16(v) => v.iter().map(|&h| f16_to_f32(h)).collect(),
            Vector::BF16(v) => v.iter().map(|&h| bf16_to_f32(h)).collect(),
            Vector::F8 {
                codes,
                alpha,
                shift,
            } => codes
                .iter()
                .map(|&q| dequantize_f8(q, *alpha, *shift))
                .collect(),
            Vector::F1Bit { bits, dims } => (0..*dims)
                .map(|i| {
                    if bits[i / 8] >> (i % 8) & 1 == 1 {
                        1.0
                    } else {
                        -1.0
                    }
                })
                .collect(),
        }
    }

    /// The elements as float64 (through float32 for every type but f64 itself).
    pub(crate) fn to_f64(&self) -> Vec<f64> {
        match self {
            Vector::F64(v) => v.clone(),
            other => other.to_f32().into_iter().map(f64::from).collect(),
        }
    }

    /// This vector converted to `ty`. Same-type conversion is the identity; everything
    /// else goes through float32, except f64 → 1-bit, which tests the sign of the double.
    pub(crate) fn convert(self, ty: VectorType) -> Vector {
        if self.vector_type() == ty {
            return self;
        }
        match ty {
            VectorType::F32 => Vector::F32(self.to_f32()),
            VectorType::F64 => Vector::F64(self.to_f64()),
            VectorType::F16 => Vector::F16(self.to_f32().into_iter().map(f32_to_f16).collect()),
            VectorType::BF16 => Vector::BF16(self.to_f32().into_iter().map(f32_to_bf16).collect()),
            VectorType::F8 => {
                let (codes, alpha, shift) = quantize_f8(&self.to_f32());
                Vector::F8 {
                    codes,
                    alpha,
                    shift,
                }
            }
            VectorType::F1Bit => {
                let dims = self.dims();
                let positive: Vec<bool> = match &self {
                    Vector::F64(v) => v.iter().map(|&x| x > 0.0).collect(),
                    other => other.to_f32().iter().map(|&x| x > 0.0).collect(),
                };
                let mut bits = vec![0u8; dims.div_ceil(8)];
                for (i, p) in positive.into_iter().enumerate() {
                    bits[i / 8] |= u8::from(p) << (i % 8);
                }
                Vector::F1Bit { bits, dims }
            }
        }
    }

    /// The blob libSQL writes for this vector.
    pub(crate) fn to_blob(&self) -> Vec<u8> {
        let ty = self.vector_type();
        let mut out = Vec::with_capacity(ty.blob_size(self.dims()));
        match self {
            Vector::F32(v) => v
                .iter()
                .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
            Vector::F64(v) => v
                .iter()
                .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
            Vector::F16(v) | Vector::BF16(v) => v
                .iter()
                .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
            Vector::F8 {
                codes,
                alpha,
                shift,
            } => {
                out.extend_from_slice(codes);
                let pad = codes.len().next_multiple_of(4) - codes.len();
                out.resize(out.len() + pad, 0);
                out.extend_from_slice(&alpha.to_le_bytes());
                out.extend_from_slice(&shift.to_le_bytes());
                out.push(0);
                out.push(pad as u8);
            }
            Vector::F1Bit { bits, dims } => {
                out.extend_from_slice(bits);
                if bits.len() % 2 == 0 {
                    out.push(0);
                }
                // Bits in the payload, pad and this byte, minus the dimensions: 8..=23.
                let trailing = 8 * (out.len() + 1) - dims;
                out.push(trailing as u8);
            }
        }
        if ty != VectorType::F32 {
            out.push(ty.id());
        }
        debug_assert_eq!(out.len(), ty.blob_size(self.dims()));
        out
    }

    /// Decodes a blob in any of libSQL's layouts (see the module docs).
    pub(crate) fn from_blob(blob: &[u8]) -> Result<Vector, VectorError> {
        if blob.len().is_multiple_of(2) {
            let dims = blob.len() / 4;
            check_dims(dims)?;
            if !blob.len().is_multiple_of(4) {
                return Err(VectorError::DataSize {
                    ty: VectorType::F32.id(),
                    dims: dims as i64,
                    actual: blob.len(),
                    expected: dims * 4,
                });
            }
            return Ok(Vector::F32(read_f32s(blob)));
        }
        let (&id, body) = blob.split_last().expect("odd length is at least 1");
        let ty = VectorType::from_id(id).ok_or(VectorError::UnknownBinaryType(id))?;
        match ty {
            VectorType::F32 => {
                if body.len() % 4 != 0 {
                    return Err(VectorError::F32Length(body.len()));
                }
                check_dims(body.len() / 4)?;
                Ok(Vector::F32(read_f32s(body)))
            }
            VectorType::F64 => {
                if body.len() % 8 != 0 {
                    return Err(VectorError::F64Length(body.len()));
                }
                check_dims(body.len() / 8)?;
                Ok(Vector::F64(
                    body.chunks_exact(8)
                        .map(|c| f64::from_le_bytes(c.try_into().expect("8-byte chunk")))
                        .collect(),
                ))
            }
            VectorType::F16 | VectorType::BF16 => {
                // The body of an odd-length blob is even: always whole elements.
                check_dims(body.len() / 2)?;
                let v = body
                    .chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]]))
                    .collect();
                Ok(if ty == VectorType::F16 {
                    Vector::F16(v)
                } else {
                    Vector::BF16(v)
                })
            }
            VectorType::F8 => decode_f8(body),
            VectorType::F1Bit => decode_f1bit(body),
        }
    }
}

fn check_dims(dims: usize) -> Result<(), VectorError> {
    if dims > MAX_DIMS {
        return Err(VectorError::BlobTooLong {
            dims,
            max: MAX_DIMS,
        });
    }
    Ok(())
}

fn read_f32s(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().expect("4-byte chunk")))
        .collect()
}

/// `body` = codes, padding, alpha, shift, pad byte, trailing count (type byte removed).
fn decode_f8(body: &[u8]) -> Result<Vector, VectorError> {
    let ty = VectorType::F8.id();
    if body.len() < 10 {
        return Err(VectorError::DataSize {
            ty,
            dims: 0,
            actual: body.len().saturating_sub(2),
            expected: 8,
        });
    }
    let data = &body[..body.len() - 2];
    let trailing = usize::from(body[body.len() - 1]);
    let dims = data.len() as i64 - 8 - trailing as i64;
    let expected = (dims.max(0) as usize).next_multiple_of(4) + 8;
    if dims < 0 || expected != data.len() {
        return Err(VectorError::DataSize {
            ty,
            dims,
            actual: data.len(),
            expected,
        });
    }
    let dims = dims as usize;
    check_dims(dims)?;
    let params = &data[data.len() - 8..];
    Ok(Vector::F8 {
        codes: data[..dims].to_vec(),
        alpha: f32::from_le_bytes(params[..4].try_into().expect("4 bytes")),
        shift: f32::from_le_bytes(params[4..].try_into().expect("4 bytes")),
    })
}

/// `body` = bits, optional pad, trailing count (type byte removed).
fn decode_f1bit(body: &[u8]) -> Result<Vector, VectorError> {
    let ty = VectorType::F1Bit.id();
    let Some((&trailing, data)) = body.split_last() else {
        return Err(VectorError::DataSize {
            ty,
            dims: 0,
            actual: 0,
            expected: 1,
        });
    };
    let dims = 8 * body.len() as i64 - i64::from(trailing);
    let needed = (dims.max(0) as usize).div_ceil(8);
    // The payload must fit before the trailing byte, with at most one pad byte after it.
    if dims < 0 || needed > data.len() || data.len() - needed > 1 {
        return Err(VectorError::DataSize {
            ty,
            dims,
            actual: data.len(),
            expected: needed,
        });
    }
    let dims = dims as usize;
    check_dims(dims)?;
    let mut bits = data[..needed].to_vec();
    if !dims.is_multiple_of(8) {
        // Bits past the last dimension are not part of the vector.
        if let Some(last) = bits.last_mut() {
            *last &= (1u8 << (dims % 8)) - 1;
        }
    }
    Ok(Vector::F1Bit { bits, dims })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02X}")).collect()
    }

    fn from_f32(v: &[f32], ty: VectorType) -> Vector {
        Vector::F32(v.to_vec()).convert(ty)
    }

    #[test]
    fn blobs_match_libsql_bytes() {
        // Expected hex taken from libSQL 0.1.11 (`SELECT hex(vectorX('[...]'))`).
        let cases: [(&[f32], VectorType, &str); 12] = [
            (
                &[1.0, 2.0, 3.0],
                VectorType::F32,
                "0000803F0000004000004040",
            ),
            (&[1.0], VectorType::F64, "000000000000F03F02"),
            (&[1.0, -1.0, 0.0, 2.0], VectorType::F1Bit, "090C03"),
            (&[1.0], VectorType::F1Bit, "010F03"),
            (&[1.0; 8], VectorType::F1Bit, "FF0803"),
            (&[1.0; 9], VectorType::F1Bit, "FF01001703"),
            (&[], VectorType::F1Bit, "001003"),
            (
                &[1.0, 2.0, 3.0],
                VectorType::F8,
                "007FFF008180003C0000803F000104",
            ),
            (
                &[1.0, 2.0, 3.0, 4.0],
                VectorType::F8,
                "0055AAFFC1C0403C0000803F000004",
            ),
            (&[], VectorType::F8, "0000000000000000000004"),
            (&[1.0, 2.5, -3.0], VectorType::F16, "003C004100C205"),
            (&[1.0, 2.5, -3.0], VectorType::BF16, "803F204040C006"),
        ];
        for (v, ty, expected) in cases {
            let blob = from_f32(v, ty).to_blob();
            assert_eq!(hex(&blob), expected, "{ty:?} {v:?}");
            let back = Vector::from_blob(&blob).unwrap();
            assert_eq!(back.vector_type(), ty);
            assert_eq!(back.to_blob(), blob);
        }
    }

    #[test]
    fn identification() {
        assert_eq!(Vector::from_blob(&[]).unwrap(), Vector::F32(vec![]));
        assert_eq!(Vector::from_blob(&[1]).unwrap(), Vector::F32(vec![]));
        assert_eq!(
            Vector::from_blob(&[0, 0, 0x80, 0x3f, 1]).unwrap(),
            Vector::F32(vec![1.0])
        );
        let msg = |b: &[u8]| Vector::from_blob(b).unwrap_err().to_string();
        assert_eq!(msg(&[0]), "vector: unexpected binary type: 0");
        assert_eq!(
            msg(&[0, 0, 0, 0, 0, 0, 0, 0, 7]),
            "vector: unexpected binary type: 7"
        );
        assert_eq!(
            msg(&[0, 0, 0x80, 0x3f, 0, 0]),
            "vector: unexpected data part size: type=1, dims=1, 6 != 4"
        );
        assert_eq!(
            msg(&[0, 0, 0x80, 0x3f, 2]),
            "vector: float64 vector blob length must be divisible by 8 (excluding 'type'-byte): length=4"
        );
        assert_eq!(
            msg(&[0, 0, 0x80, 0x3f, 0, 0, 1]),
            "vector: float32 vector blob length must be divisible by 4 (excluding optional 'type'-byte): length=6"
        );
        let mut short_f8 = vec![0u8; 12];
        short_f8.push(4);
        assert_eq!(
            msg(&short_f8),
            "vector: unexpected data part size: type=4, dims=2, 10 != 12"
        );
        assert_eq!(
            msg(&[0, 3]),
            "vector: unexpected data part size: type=1, dims=0, 2 != 0"
        );
        assert!(Vector::from_blob(&[0, 1, 3]).is_err());
        assert!(Vector::from_blob(&[0, 4, 4]).is_err());
        assert_eq!(
            msg(&vec![0; 65537 * 4]),
            "vector: max size exceeded: 65537 > 65536"
        );
    }

    #[test]
    fn conversions_follow_libsql() {
        // vector8(vector1bit('[1,-2]')) and vector1bit(vector64('[1e-50, -1e-50]')).
        let bits = from_f32(&[1.0, -2.0], VectorType::F1Bit);
        assert_eq!(
            hex(&bits.convert(VectorType::F8).to_blob()),
            "FF0000008180003C000080BF000204"
        );
        let tiny = Vector::F64(vec![1e-50, -1e-50]).convert(VectorType::F1Bit);
        assert_eq!(hex(&tiny.to_blob()), "010E03");
        // f64 → f16 goes through f32 (double rounding, as libSQL).
        let v = Vector::F64(vec![1.000_488_281_250_000_9]).convert(VectorType::F16);
        assert_eq!(hex(&v.to_blob()), "003C05");
        // vector64(vector8('[1,2,3]')) in libSQL: the dequantised float32, widened.
        let wide = from_f32(&[1.0, 2.0, 3.0], VectorType::F8).to_f64();
        assert_eq!(wide[1].to_bits(), 0x3fff_eff0_0000_0000);
    }
}

#[cfg(test)]
mod proptests {
    use proptest::prelude::*;

    use super::*;

    fn any_f32s() -> impl Strategy<Value = Vec<f32>> {
        proptest::collection::vec(any::<f32>(), 0..200)
    }

    proptest! {
        #[test]
        fn f32_blob_round_trip(v in any_f32s()) {
            let blob = Vector::F32(v.clone()).to_blob();
            prop_assert_eq!(blob.len(), v.len() * 4);
            let Vector::F32(back) = Vector::from_blob(&blob).unwrap() else {
                panic!("not f32");
            };
            let bits = |x: &[f32]| x.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            prop_assert_eq!(bits(&back), bits(&v));
        }

        #[test]
        fn f64_blob_round_trip(v in proptest::collection::vec(any::<f64>(), 0..200)) {
            let blob = Vector::F64(v.clone()).to_blob();
            prop_assert_eq!(blob.len(), v.len() * 8 + 1);
            let Vector::F64(back) = Vector::from_blob(&blob).unwrap() else {
                panic!("not f64");
            };
            let bits = |x: &[f64]| x.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            prop_assert_eq!(bits(&back), bits(&v));
        }

        #[test]
        fn every_type_re_encodes_byte_for_byte(
            v in proptest::collection::vec(-1e6f32..1e6, 0..100),
            ty in proptest::sample::select(VectorType::ALL.to_vec()),
        ) {
            let blob = Vector::F32(v.clone()).convert(ty).to_blob();
            prop_assert_eq!(blob.len(), ty.blob_size(v.len()));
            let back = Vector::from_blob(&blob).unwrap();
            prop_assert_eq!(back.vector_type(), ty);
            prop_assert_eq!(back.dims(), v.len());
            prop_assert_eq!(back.to_blob(), blob);
        }

        #[test]
        fn decoding_arbitrary_bytes_never_panics(b in proptest::collection::vec(any::<u8>(), 0..64)) {
            if let Ok(v) = Vector::from_blob(&b) {
                // Whatever decodes re-encodes to a blob that decodes to the same vector.
                let again = Vector::from_blob(&v.to_blob()).unwrap();
                prop_assert_eq!(again.to_blob(), v.to_blob());
            }
        }
    }
}
