//! Distances inside the index: between a prepared vector and a vector's raw data in a
//! node block (the node's own vector, or a compressed neighbour copy), with the existing
//! kernels from [`crate::vector::distance`].
//!
//! A [`Space`] is one element type under one metric. The index uses two: the column's
//! type (exact distances) and the neighbour-copy type (approximate distances that steer
//! the search). Approximate and exact distances share one scale so that they can sit in
//! one candidate list: a 1-bit copy of a non-1-bit vector is compared as a ±1 vector,
//! whose cosine distance is `2·hamming/dims`. A 1-bit column is compared by Hamming
//! distance, as libSQL's `vector_distance_cos` does.

use crate::vector::convert::{bf16_to_f32, dequantize_f8, f16_to_f32};
use crate::vector::distance::{cosine, hamming, l2};
use crate::vector::{Metric, Vector, VectorType};

use super::params::data_size;

/// A vector decoded for fast distance computations.
#[derive(Debug, Clone)]
pub(crate) enum Prepared {
    /// float32, f16, bf16 and (for L2) 8-bit vectors, widened to float32.
    F32(Vec<f32>),
    /// float64 vectors.
    F64(Vec<f64>),
    /// 1-bit vectors: the packed bits.
    Bits(Vec<u8>),
    /// 8-bit vectors under cosine: the codes, alpha and shift (libSQL's integer kernel).
    F8(Vec<u8>, f32, f32),
}

/// One element type under one metric.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Space {
    pub metric: Metric,
    pub ty: VectorType,
    pub dims: usize,
    /// Factor applied to Hamming distances: 1 for 1-bit columns, `2/dims` for 1-bit
    /// copies of other vectors (see the module docs).
    hamming_scale: f32,
}

impl Space {
    /// The space of a column of type `ty`.
    pub(crate) fn exact(metric: Metric, ty: VectorType, dims: usize) -> Space {
        Space {
            metric,
            ty,
            dims,
            hamming_scale: 1.0,
        }
    }

    /// The space of neighbour copies of type `ty` for a column of type `column`.
    pub(crate) fn approx(metric: Metric, ty: VectorType, column: VectorType, dims: usize) -> Space {
        Space {
            metric,
            ty,
            dims,
            hamming_scale: if column == VectorType::F1Bit {
                1.0
            } else {
                2.0 / dims.max(1) as f32
            },
        }
    }

    /// Bytes of a vector's data in this space.
    pub(crate) fn data_size(&self) -> usize {
        data_size(self.ty, self.dims)
    }

    /// The raw data of `v` (already of this space's type): its blob without the type byte
    /// and trailing metadata.
    pub(crate) fn encode(&self, v: &Vector) -> Vec<u8> {
        debug_assert_eq!(v.vector_type(), self.ty);
        let mut blob = v.to_blob();
        blob.truncate(self.data_size());
        blob
    }

    /// Raw data back to a [`Vector`] (by rebuilding libSQL's blob).
    pub(crate) fn decode(&self, raw: &[u8]) -> Option<Vector> {
        let mut blob = raw.to_vec();
        match self.ty {
            VectorType::F32 => {}
            VectorType::F64 | VectorType::F16 | VectorType::BF16 => blob.push(self.ty.id()),
            VectorType::F8 => {
                blob.push(0);
                blob.push((self.dims.next_multiple_of(4) - self.dims) as u8);
                blob.push(self.ty.id());
            }
            VectorType::F1Bit => {
                if blob.len().is_multiple_of(2) {
                    blob.push(0);
                }
                blob.push((8 * (blob.len() + 1) - self.dims) as u8);
                blob.push(self.ty.id());
            }
        }
        Vector::from_blob(&blob).ok()
    }

    /// Prepares a vector of this space's type.
    pub(crate) fn prepare(&self, v: &Vector) -> Prepared {
        match v {
            Vector::F64(x) => Prepared::F64(x.clone()),
            Vector::F1Bit { bits, .. } => Prepared::Bits(bits.clone()),
            Vector::F8 {
                codes,
                alpha,
                shift,
            } if self.metric == Metric::Cosine => Prepared::F8(codes.clone(), *alpha, *shift),
            other => Prepared::F32(other.to_f32()),
        }
    }

    /// Prepares raw data of this space's type.
    pub(crate) fn prepare_raw(&self, raw: &[u8]) -> Prepared {
        let mut out = Vec::new();
        match self.ty {
            VectorType::F64 => Prepared::F64(
                raw.chunks_exact(8)
                    .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
                    .collect(),
            ),
            VectorType::F1Bit => Prepared::Bits(raw.to_vec()),
            VectorType::F8 if self.metric == Metric::Cosine => {
                let (codes, alpha, shift) = split_f8(raw, self.dims);
                Prepared::F8(codes.to_vec(), alpha, shift)
            }
            _ => {
                self.widen(raw, &mut out);
                Prepared::F32(out)
            }
        }
    }

    /// Float32 elements of raw data of type f32, f16, bf16 or 8-bit, into `out`.
    fn widen(&self, raw: &[u8], out: &mut Vec<f32>) {
        out.clear();
        match self.ty {
            VectorType::F32 => out.extend(
                raw.chunks_exact(4)
                    .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes"))),
            ),
            VectorType::F16 => out.extend(
                raw.chunks_exact(2)
                    .map(|c| f16_to_f32(u16::from_le_bytes([c[0], c[1]]))),
            ),
            VectorType::BF16 => out.extend(
                raw.chunks_exact(2)
                    .map(|c| bf16_to_f32(u16::from_le_bytes([c[0], c[1]]))),
            ),
            VectorType::F8 => {
                let (codes, alpha, shift) = split_f8(raw, self.dims);
                out.extend(codes.iter().map(|&q| dequantize_f8(q, alpha, shift)));
            }
            VectorType::F64 | VectorType::F1Bit => unreachable!("not widened"),
        }
    }

    /// Distance between two prepared vectors of this space. NaN (a zero vector under
    /// cosine) becomes +∞, so such nodes sort last.
    pub(crate) fn distance(&self, a: &Prepared, b: &Prepared) -> f32 {
        let d = match (a, b) {
            (Prepared::F32(x), Prepared::F32(y)) => match self.metric {
                Metric::Cosine => cosine::distance_f32(x, y),
                Metric::L2 => l2::distance_f32(x, y),
            },
            (Prepared::F64(x), Prepared::F64(y)) => {
                (match self.metric {
                    Metric::Cosine => cosine::distance_f64(x, y),
                    Metric::L2 => l2::distance_f64(x, y),
                }) as f32
            }
            (Prepared::Bits(x), Prepared::Bits(y)) => {
                hamming::distance(x, y, self.dims) as f32 * self.hamming_scale
            }
            (Prepared::F8(qa, aa, sa), Prepared::F8(qb, ab, sb)) => {
                cosine::distance_f8((qa, *aa, *sa), (qb, *ab, *sb))
            }
            _ => f32::NAN,
        };
        if d.is_nan() { f32::INFINITY } else { d }
    }

    /// Distance between a prepared vector and raw data, without allocating on the
    /// common paths (`scratch` is reused between calls).
    pub(crate) fn distance_raw(&self, q: &Prepared, raw: &[u8], scratch: &mut Vec<f32>) -> f32 {
        let d = match (q, self.ty) {
            (Prepared::Bits(x), VectorType::F1Bit) => {
                hamming::distance(x, raw, self.dims) as f32 * self.hamming_scale
            }
            (Prepared::F8(qa, aa, sa), VectorType::F8) => {
                let (qb, ab, sb) = split_f8(raw, self.dims);
                cosine::distance_f8((qa, *aa, *sa), (qb, ab, sb))
            }
            (Prepared::F32(x), VectorType::F8) if self.metric == Metric::L2 => {
                let (codes, alpha, shift) = split_f8(raw, self.dims);
                l2_f32_f8(x, codes, alpha, shift)
            }
            (
                Prepared::F32(x),
                VectorType::F32 | VectorType::F16 | VectorType::BF16 | VectorType::F8,
            ) => {
                self.widen(raw, scratch);
                match self.metric {
                    Metric::Cosine => cosine::distance_f32(x, scratch),
                    Metric::L2 => l2::distance_f32(x, scratch),
                }
            }
            _ => return self.distance(q, &self.prepare_raw(raw)),
        };
        if d.is_nan() { f32::INFINITY } else { d }
    }
}

/// L2 distance between float32 elements and 8-bit codes, dequantised on the fly (no
/// scratch buffer: the search computes one per neighbour copy of every visited node).
fn l2_f32_f8(x: &[f32], codes: &[u8], alpha: f32, shift: f32) -> f32 {
    const LANES: usize = 16;
    let mut acc = [0f32; LANES];
    let (xs, cs) = (x.chunks_exact(LANES), codes.chunks_exact(LANES));
    let (xr, cr) = (xs.remainder(), cs.remainder());
    for (xc, cc) in xs.zip(cs) {
        for k in 0..LANES {
            let d = xc[k] - (f32::from(cc[k]) * alpha + shift);
            acc[k] += d * d;
        }
    }
    let mut sum: f32 = acc.iter().sum();
    for (a, &c) in xr.iter().zip(cr) {
        let d = a - (f32::from(c) * alpha + shift);
        sum += d * d;
    }
    sum.sqrt()
}

/// The codes, alpha and shift of raw 8-bit data.
fn split_f8(raw: &[u8], dims: usize) -> (&[u8], f32, f32) {
    let n = dims.next_multiple_of(4);
    let alpha = f32::from_le_bytes(raw[n..n + 4].try_into().expect("4 bytes"));
    let shift = f32::from_le_bytes(raw[n + 4..n + 8].try_into().expect("4 bytes"));
    (&raw[..dims], alpha, shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_data_round_trips_for_every_type() {
        let v = Vector::F32(vec![0.5, -1.0, 2.0, 0.0, 3.5]);
        for ty in VectorType::ALL {
            let s = Space::exact(Metric::Cosine, ty, 5);
            let c = v.clone().convert(ty);
            let raw = s.encode(&c);
            assert_eq!(raw.len(), s.data_size(), "{ty:?}");
            assert_eq!(s.decode(&raw), Some(c), "{ty:?}");
        }
    }

    #[test]
    fn l2_to_8bit_copies_matches_the_dequantised_vector() {
        let dims = 389; // not a multiple of the lanes
        let a: Vec<f32> = (0..dims)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 7.0)
            .collect();
        let b: Vec<f32> = (0..dims)
            .map(|i| ((i * 53 % 89) as f32 - 40.0) / 9.0)
            .collect();
        let s = Space::approx(Metric::L2, VectorType::F8, VectorType::F32, dims);
        let copy = s.encode(&Vector::F32(b).convert(VectorType::F8));
        let got = s.distance_raw(&Prepared::F32(a.clone()), &copy, &mut Vec::new());
        let Prepared::F32(widened) = s.prepare_raw(&copy) else {
            panic!("8-bit copies widen to float32 under L2");
        };
        let want = l2::distance_f32(&a, &widened);
        assert!((got - want).abs() <= 1e-5 * want, "{got} vs {want}");
    }

    #[test]
    fn raw_and_prepared_distances_agree() {
        let a = Vector::F32(vec![0.5, -1.0, 2.0, 0.25, 3.5, -0.75, 1.0, 0.1, 0.2]);
        let b = Vector::F32(vec![1.5, 1.0, -2.0, 0.5, 0.5, 0.75, -1.0, 0.3, 0.0]);
        for metric in [Metric::Cosine, Metric::L2] {
            for ty in VectorType::ALL {
                if ty == VectorType::F1Bit && metric == Metric::L2 {
                    continue;
                }
                let s = Space::exact(metric, ty, 9);
                let (ca, cb) = (a.clone().convert(ty), b.clone().convert(ty));
                let pa = s.prepare(&ca);
                let d1 = s.distance(&pa, &s.prepare(&cb));
                let d2 = s.distance_raw(&pa, &s.encode(&cb), &mut Vec::new());
                let reference = crate::vector::distance::distance(metric, &ca, &cb).unwrap() as f32;
                assert!((d1 - d2).abs() < 1e-5, "{metric:?} {ty:?}: {d1} vs {d2}");
                assert!(
                    (d1 - reference).abs() < 1e-3,
                    "{metric:?} {ty:?}: {d1} vs {reference}"
                );
            }
        }
    }
}
