//! Cosine distance, `1 − a·b / (|a|·|b|)`, in `[0, 2]` up to rounding. A zero-norm
//! vector (including the empty vector) gives NaN, which the SQL layer returns as NULL,
//! as libSQL does.

use super::LANES;
use super::simd::{Float, dispatch, reduce};

/// `(a·b, a·a, b·b)` with per-lane accumulators; `a` and `b` have equal length.
#[inline(always)]
fn parts<T: Float, const FUSED: bool>(a: &[T], b: &[T]) -> (T, T, T) {
    debug_assert_eq!(a.len(), b.len());
    let mut dot = [T::default(); LANES];
    let mut na = [T::default(); LANES];
    let mut nb = [T::default(); LANES];
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        // Fixed-size views: no bounds checks in the lane loop.
        let x: &[T; LANES] = x.try_into().expect("chunks_exact yields LANES elements");
        let y: &[T; LANES] = y.try_into().expect("chunks_exact yields LANES elements");
        for i in 0..LANES {
            dot[i] = x[i].mul_acc::<FUSED>(y[i], dot[i]);
            na[i] = x[i].mul_acc::<FUSED>(x[i], na[i]);
            nb[i] = y[i].mul_acc::<FUSED>(y[i], nb[i]);
        }
    }
    // The tail uses its own scalars: indexing the lane arrays with a run-time index
    // would force them into memory and stop the main loop from vectorising.
    let (mut tdot, mut tna, mut tnb) = (T::default(), T::default(), T::default());
    for (&x, &y) in ra.iter().zip(rb) {
        tdot = x.mul_acc::<FUSED>(y, tdot);
        tna = x.mul_acc::<FUSED>(x, tna);
        tnb = y.mul_acc::<FUSED>(y, tnb);
    }
    (reduce(dot) + tdot, reduce(na) + tna, reduce(nb) + tnb)
}

dispatch! {
    /// `(a·b, a·a, b·b)` for float32 slices of equal length.
    pub(crate) fn parts_f32(a: &[f32], b: &[f32]) -> (f32, f32, f32) => parts
}

dispatch! {
    /// `(a·b, a·a, b·b)` for float64 slices of equal length.
    pub(crate) fn parts_f64(a: &[f64], b: &[f64]) -> (f64, f64, f64) => parts
}

/// Cosine distance of float32 slices of equal length, rounded to float32 as libSQL
/// returns it. The norms' product is taken in float64 so that large vectors do not
/// overflow.
pub(crate) fn distance_f32(a: &[f32], b: &[f32]) -> f32 {
    let (dot, na, nb) = parts_f32(a, b);
    (1.0 - f64::from(dot) / (f64::from(na) * f64::from(nb)).sqrt()) as f32
}

/// Cosine distance of float64 slices of equal length.
pub(crate) fn distance_f64(a: &[f64], b: &[f64]) -> f64 {
    let (dot, na, nb) = parts_f64(a, b);
    1.0 - dot / (na.sqrt() * nb.sqrt())
}

/// Cosine distance of two 8-bit vectors `(codes, alpha, shift)` of equal length, from
/// integer sums of the codes: with `x = q·α + s`,
/// `Σxy = αaαb·Σqaqb + αa·sb·Σqa + αb·sa·Σqb + n·sa·sb` (and likewise the norms), so the
/// loop is pure integer arithmetic.
pub(crate) fn distance_f8(a: (&[u8], f32, f32), b: (&[u8], f32, f32)) -> f32 {
    let ((qa, aa, sa), (qb, ab, sb)) = (a, b);
    debug_assert_eq!(qa.len(), qb.len());
    let s = code_sums(qa, qb);
    let n = qa.len() as f64;
    let (aa, sa, ab, sb) = (f64::from(aa), f64::from(sa), f64::from(ab), f64::from(sb));
    let (sum_a, sum_b) = (s.a as f64, s.b as f64);
    let dot = aa * ab * s.ab as f64 + aa * sb * sum_a + ab * sa * sum_b + n * sa * sb;
    let na = aa * aa * s.aa as f64 + 2.0 * aa * sa * sum_a + n * sa * sa;
    let nb = ab * ab * s.bb as f64 + 2.0 * ab * sb * sum_b + n * sb * sb;
    (1.0 - dot / (na * nb).sqrt()) as f32
}

struct CodeSums {
    ab: u64,
    aa: u64,
    bb: u64,
    a: u64,
    b: u64,
}

/// Integer sums over 8-bit codes. Per-lane u32 accumulators cannot overflow within one
/// 4096-element block (255² · 4096 / 16 < 2³²), so blocks are flushed into u64 totals.
fn code_sums(qa: &[u8], qb: &[u8]) -> CodeSums {
    const BLOCK: usize = 4096;
    let mut total = CodeSums {
        ab: 0,
        aa: 0,
        bb: 0,
        a: 0,
        b: 0,
    };
    for (ba, bb) in qa.chunks(BLOCK).zip(qb.chunks(BLOCK)) {
        let mut ab = [0u32; LANES];
        let mut aa = [0u32; LANES];
        let mut bsq = [0u32; LANES];
        let mut sa = [0u32; LANES];
        let mut sb = [0u32; LANES];
        let (ca, cb) = (ba.chunks_exact(LANES), bb.chunks_exact(LANES));
        let (ra, rb) = (ca.remainder(), cb.remainder());
        for (x, y) in ca.zip(cb) {
            let x: &[u8; LANES] = x.try_into().expect("chunks_exact yields LANES elements");
            let y: &[u8; LANES] = y.try_into().expect("chunks_exact yields LANES elements");
            for l in 0..LANES {
                let (x, y) = (u32::from(x[l]), u32::from(y[l]));
                ab[l] += x * y;
                aa[l] += x * x;
                bsq[l] += y * y;
                sa[l] += x;
                sb[l] += y;
            }
        }
        for (&x, &y) in ra.iter().zip(rb) {
            let (x, y) = (u64::from(x), u64::from(y));
            total.ab += x * y;
            total.aa += x * x;
            total.bb += y * y;
            total.a += x;
            total.b += y;
        }
        let sum = |l: [u32; LANES]| l.iter().map(|&v| u64::from(v)).sum::<u64>();
        total.ab += sum(ab);
        total.aa += sum(aa);
        total.bb += sum(bsq);
        total.a += sum(sa);
        total.b += sum(sb);
    }
    total
}

/// The chunked kernel as compiled for the baseline target (no run-time dispatch).
#[cfg(test)]
pub(crate) fn distance_f32_portable(a: &[f32], b: &[f32]) -> f32 {
    let (dot, na, nb) = parts::<f32, false>(a, b);
    (1.0 - f64::from(dot) / (f64::from(na) * f64::from(nb)).sqrt()) as f32
}

/// The libSQL-order reference: one sequential float32 accumulator per sum.
#[cfg(test)]
pub(crate) fn distance_f32_sequential(a: &[f32], b: &[f32]) -> f32 {
    let (mut dot, mut na, mut nb) = (0f32, 0f32, 0f32);
    for (&x, &y) in a.iter().zip(b) {
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    (1.0 - f64::from(dot) / f64::from(na * nb).sqrt()) as f32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vector::convert::{dequantize_f8, quantize_f8};

    #[test]
    fn known_values() {
        assert_eq!(
            distance_f32(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]),
            0.285_714_3
        );
        assert_eq!(distance_f32(&[1.0, 0.0], &[-1.0, 0.0]), 2.0);
        assert_eq!(distance_f32(&[1.0, 0.0], &[0.0, 1.0]), 1.0);
        assert_eq!(distance_f32(&[1.0, 1.0], &[1.0, 1.0]), 0.0);
        assert!(distance_f32(&[0.0; 3], &[1.0; 3]).is_nan());
    }

    #[test]
    fn kernels_agree_with_the_sequential_loop() {
        let a: Vec<f32> = (0..1000)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 7.0)
            .collect();
        let b: Vec<f32> = (0..1000)
            .map(|i| ((i * 53 % 97) as f32 - 40.0) / 3.0)
            .collect();
        for n in [0, 1, 3, 15, 16, 17, 31, 384, 1000] {
            let (x, y) = (&a[..n], &b[..n]);
            let (fast, slow) = (distance_f32(x, y), distance_f32_sequential(x, y));
            assert!(
                (fast - slow).abs() <= 1e-5 || (fast.is_nan() && slow.is_nan()),
                "{n}: {fast} vs {slow}"
            );
        }
    }

    #[test]
    fn f8_integer_form_matches_dequantised() {
        let a: Vec<f32> = (0..300)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 7.0)
            .collect();
        let b: Vec<f32> = (0..300)
            .map(|i| ((i * 53 % 97) as f32 - 20.0) / 3.0)
            .collect();
        let (qa, aa, sa) = quantize_f8(&a);
        let (qb, ab, sb) = quantize_f8(&b);
        let da: Vec<f32> = qa.iter().map(|&q| dequantize_f8(q, aa, sa)).collect();
        let db: Vec<f32> = qb.iter().map(|&q| dequantize_f8(q, ab, sb)).collect();
        let fast = distance_f8((&qa, aa, sa), (&qb, ab, sb));
        let slow = distance_f32_sequential(&da, &db);
        assert!((fast - slow).abs() < 1e-5, "{fast} vs {slow}");
    }
}
