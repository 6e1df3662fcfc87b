//! Euclidean (L2) distance, with the square root, as libSQL's `vector_distance_l2`.
//! The squared form is exposed too: the index can rank by it and skip the root.

use super::LANES;
use super::simd::{Float, dispatch, reduce};

/// `Σ (a_i − b_i)²` with per-lane accumulators; `a` and `b` have equal length.
#[inline(always)]
fn squared<T: Float, const FUSED: bool>(a: &[T], b: &[T]) -> T {
    debug_assert_eq!(a.len(), b.len());
    let mut acc = [T::default(); LANES];
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        // Fixed-size views: no bounds checks in the lane loop.
        let x: &[T; LANES] = x.try_into().expect("chunks_exact yields LANES elements");
        let y: &[T; LANES] = y.try_into().expect("chunks_exact yields LANES elements");
        for i in 0..LANES {
            let d = x[i] - y[i];
            acc[i] = d.mul_acc::<FUSED>(d, acc[i]);
        }
    }
    // A separate tail scalar: run-time indexing of `acc` would keep it in memory.
    let mut tail = T::default();
    for (&x, &y) in ra.iter().zip(rb) {
        let d = x - y;
        tail = d.mul_acc::<FUSED>(d, tail);
    }
    reduce(acc) + tail
}

dispatch! {
    /// Squared L2 distance of float32 slices of equal length.
    pub(crate) fn squared_f32(a: &[f32], b: &[f32]) -> f32 => squared
}

dispatch! {
    /// Squared L2 distance of float64 slices of equal length.
    pub(crate) fn squared_f64(a: &[f64], b: &[f64]) -> f64 => squared
}

/// L2 distance of float32 slices of equal length (float32 result, as libSQL).
pub(crate) fn distance_f32(a: &[f32], b: &[f32]) -> f32 {
    squared_f32(a, b).sqrt()
}

/// L2 distance of float64 slices of equal length.
pub(crate) fn distance_f64(a: &[f64], b: &[f64]) -> f64 {
    squared_f64(a, b).sqrt()
}

/// The chunked kernel as compiled for the baseline target (no run-time dispatch).
#[cfg(test)]
pub(crate) fn distance_f32_portable(a: &[f32], b: &[f32]) -> f32 {
    squared::<f32, false>(a, b).sqrt()
}

/// The libSQL-order reference: one sequential float32 accumulator.
#[cfg(test)]
pub(crate) fn distance_f32_sequential(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| (x - y) * (x - y))
        .fold(0.0f32, |s, d| s + d)
        .sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert_eq!(distance_f32(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]), 2.828_427);
        assert_eq!(distance_f32(&[], &[]), 0.0);
        assert_eq!(distance_f64(&[0.1], &[0.2]), 0.1);
        assert_eq!(distance_f32(&[3e38], &[-3e38]), f32::INFINITY);
    }

    #[test]
    fn kernels_agree_with_the_sequential_loop() {
        let a: Vec<f32> = (0..1000)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 7.0)
            .collect();
        let b: Vec<f32> = (0..1000)
            .map(|i| ((i * 53 % 97) as f32 - 40.0) / 3.0)
            .collect();
        for n in [1, 3, 15, 16, 17, 31, 384, 1000] {
            let (x, y) = (&a[..n], &b[..n]);
            let (fast, slow) = (distance_f32(x, y), distance_f32_sequential(x, y));
            assert!((fast - slow).abs() <= slow * 1e-5, "{n}: {fast} vs {slow}");
        }
    }
}
