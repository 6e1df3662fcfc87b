//! Distance functions between vectors: one metric per file, each with plain-slice
//! kernels that the ANN index can call directly, plus [`distance`], which applies
//! libSQL's rules to two decoded [`Vector`]s (same type, same dimensions, 1-bit cosine is
//! the Hamming distance, no L2 on 1-bit).
//!
//! The float kernels keep [`LANES`] independent accumulators so the compiler emits
//! packed SIMD; on x86-64 the same body is also compiled with AVX2+FMA and picked at run
//! time when the CPU has them (see [`simd`]). Summation order therefore differs from
//! libSQL's strictly sequential loop: results agree to float32 rounding, not bit for bit.
//!
//! Precision: f32, f16, bf16 and 8-bit vectors are compared in float32 (as libSQL does);
//! f64 vectors in float64 (libSQL narrows them to float32, a defect, §13.1).

pub(crate) mod cosine;
pub(crate) mod hamming;
pub(crate) mod l2;
mod simd;

use super::error::VectorError;
use super::types::VectorType;
use super::value::Vector;

/// Accumulators per kernel: 16 float32s fill two AVX registers (or four SSE ones), enough
/// independent additions to hide the latency of the adds.
pub(crate) const LANES: usize = 16;

/// A distance metric, as named by libSQL's functions and index option `metric`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Metric {
    /// `1 − cos(a, b)`, in `[0, 2]`; NaN when either vector has zero norm. For 1-bit
    /// vectors: the Hamming distance.
    Cosine,
    /// Euclidean distance (with the square root).
    L2,
}

/// The distance between `a` and `b` under `metric`, or libSQL's error when they cannot be
/// compared. A NaN result (zero vector under cosine) is SQL NULL to the caller.
pub(crate) fn distance(metric: Metric, a: &Vector, b: &Vector) -> Result<f64, VectorError> {
    if a.vector_type() != b.vector_type() {
        return Err(VectorError::type_mismatch(a.vector_type(), b.vector_type()));
    }
    if a.dims() != b.dims() {
        return Err(VectorError::DimsMismatch(a.dims(), b.dims()));
    }
    Ok(match (metric, a, b) {
        (Metric::Cosine, Vector::F32(x), Vector::F32(y)) => f64::from(cosine::distance_f32(x, y)),
        (Metric::L2, Vector::F32(x), Vector::F32(y)) => f64::from(l2::distance_f32(x, y)),
        (Metric::Cosine, Vector::F64(x), Vector::F64(y)) => cosine::distance_f64(x, y),
        (Metric::L2, Vector::F64(x), Vector::F64(y)) => l2::distance_f64(x, y),
        (
            Metric::Cosine,
            Vector::F8 {
                codes: qa,
                alpha: aa,
                shift: sa,
            },
            Vector::F8 {
                codes: qb,
                alpha: ab,
                shift: sb,
            },
        ) => f64::from(cosine::distance_f8((qa, *aa, *sa), (qb, *ab, *sb))),
        (Metric::Cosine, Vector::F1Bit { bits: x, dims }, Vector::F1Bit { bits: y, .. }) => {
            f64::from(hamming::distance(x, y, *dims))
        }
        (Metric::L2, Vector::F1Bit { .. }, _) => return Err(VectorError::L2OnBits),
        // f16, bf16 (and 8-bit L2): widen to float32 and use the float32 kernels.
        (metric, a, b) => {
            debug_assert!(matches!(
                a.vector_type(),
                VectorType::F16 | VectorType::BF16 | VectorType::F8
            ));
            let (x, y) = (a.to_f32(), b.to_f32());
            f64::from(match metric {
                Metric::Cosine => cosine::distance_f32(&x, &y),
                Metric::L2 => l2::distance_f32(&x, &y),
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(x: &[f32]) -> Vector {
        Vector::F32(x.to_vec())
    }

    #[test]
    fn libsql_reference_values() {
        // libSQL 0.1.11: [1,2,3] vs [3,2,1].
        let (a, b) = (v(&[1.0, 2.0, 3.0]), v(&[3.0, 2.0, 1.0]));
        assert_eq!(distance(Metric::Cosine, &a, &b), Ok(0.2857142984867096));
        assert_eq!(distance(Metric::L2, &a, &b), Ok(2.8284270763397217));
        let (a8, b8) = (
            a.clone().convert(VectorType::F8),
            b.clone().convert(VectorType::F8),
        );
        let d8 = distance(Metric::Cosine, &a8, &b8).unwrap();
        assert!((d8 - 0.2860344648361206).abs() < 1e-6, "{d8}");
        assert_eq!(distance(Metric::L2, &a8, &b8), Ok(2.8284270763397217));
        let bits = |x: &[f32]| v(x).convert(VectorType::F1Bit);
        assert_eq!(
            distance(
                Metric::Cosine,
                &bits(&[1.0, 2.0, 3.0]),
                &bits(&[3.0, -2.0, -1.0])
            ),
            Ok(2.0)
        );
        assert_eq!(
            distance(Metric::L2, &bits(&[1.0]), &bits(&[1.0])),
            Err(VectorError::L2OnBits)
        );
        assert!(
            distance(Metric::Cosine, &v(&[0.0, 0.0]), &v(&[1.0, 1.0]))
                .unwrap()
                .is_nan()
        );
        assert!(distance(Metric::Cosine, &v(&[]), &v(&[])).unwrap().is_nan());
        assert_eq!(distance(Metric::L2, &v(&[]), &v(&[])), Ok(0.0));
        assert_eq!(
            distance(Metric::L2, &Vector::F64(vec![0.1]), &Vector::F64(vec![0.2])),
            Ok(0.1)
        );
    }

    #[test]
    fn mismatches() {
        assert_eq!(
            distance(Metric::Cosine, &v(&[1.0, 2.0]), &v(&[1.0, 2.0, 3.0]))
                .map_err(|e| e.to_string()),
            Err("vector_distance: vectors must have the same length: 2 != 3".to_owned())
        );
        assert_eq!(
            distance(Metric::L2, &v(&[1.0]), &Vector::F64(vec![1.0])).map_err(|e| e.to_string()),
            Err("vector_distance: vectors must have the same type: 1 != 2".to_owned())
        );
    }
}

/// Micro-benchmark of the kernels at 384 dimensions. Run it optimised:
/// `cargo test --release -p basalt-engine --lib kernel_timings -- --ignored --nocapture`.
#[cfg(test)]
mod bench {
    use std::hint::black_box;
    use std::time::Instant;

    use super::*;

    fn time(name: &str, mut f: impl FnMut() -> f64) {
        const ITERS: u32 = 200_000;
        let mut sink = 0.0;
        for _ in 0..1000 {
            sink += f();
        }
        let start = Instant::now();
        for _ in 0..ITERS {
            sink += f();
        }
        let ns = start.elapsed().as_nanos() as f64 / f64::from(ITERS);
        println!("{name:<40} {ns:8.1} ns/distance   (checksum {sink:.3e})");
    }

    #[test]
    #[ignore = "timing; run with --release --ignored --nocapture"]
    fn kernel_timings() {
        const DIMS: usize = 384;
        let a: Vec<f32> = (0..DIMS)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 7.0)
            .collect();
        let b: Vec<f32> = (0..DIMS)
            .map(|i| ((i * 53 % 97) as f32 - 40.0) / 3.0)
            .collect();
        let a64: Vec<f64> = a.iter().map(|&x| f64::from(x)).collect();
        let b64: Vec<f64> = b.iter().map(|&x| f64::from(x)).collect();
        let ba = Vector::F32(a.clone()).convert(VectorType::F1Bit);
        let bb = Vector::F32(b.clone()).convert(VectorType::F1Bit);
        let (Vector::F1Bit { bits: xa, .. }, Vector::F1Bit { bits: xb, .. }) = (&ba, &bb) else {
            unreachable!()
        };
        let qa = crate::vector::convert::quantize_f8(&a);
        let qb = crate::vector::convert::quantize_f8(&b);
        println!("avx2+fma available: {}", simd::has_avx2_fma());
        let (a, b) = (&a, &b);
        time("cosine f32 sequential (libSQL order)", || {
            f64::from(cosine::distance_f32_sequential(black_box(a), black_box(b)))
        });
        time("cosine f32 chunked, baseline target", || {
            f64::from(cosine::distance_f32_portable(black_box(a), black_box(b)))
        });
        time("cosine f32 chunked, dispatched", || {
            f64::from(cosine::distance_f32(black_box(a), black_box(b)))
        });
        time("l2 f32 sequential (libSQL order)", || {
            f64::from(l2::distance_f32_sequential(black_box(a), black_box(b)))
        });
        time("l2 f32 chunked, baseline target", || {
            f64::from(l2::distance_f32_portable(black_box(a), black_box(b)))
        });
        time("l2 f32 chunked, dispatched", || {
            f64::from(l2::distance_f32(black_box(a), black_box(b)))
        });
        time("cosine f64 dispatched", || {
            cosine::distance_f64(black_box(&a64), black_box(&b64))
        });
        time("cosine 8-bit (integer sums)", || {
            f64::from(cosine::distance_f8(
                (black_box(&qa.0), qa.1, qa.2),
                (black_box(&qb.0), qb.1, qb.2),
            ))
        });
        time("hamming 1-bit", || {
            f64::from(hamming::distance(black_box(xa), black_box(xb), DIMS))
        });
    }
}

#[cfg(test)]
mod proptests {
    use proptest::prelude::*;

    use super::*;

    /// Three vectors of one length.
    fn triple() -> impl Strategy<Value = (Vec<f32>, Vec<f32>, Vec<f32>)> {
        (1usize..100).prop_flat_map(|n| {
            let v = || proptest::collection::vec(-1000f32..1000.0, n);
            (v(), v(), v())
        })
    }

    proptest! {
        #[test]
        fn symmetric((a, b, _) in triple()) {
            for metric in [Metric::Cosine, Metric::L2] {
                let ab = distance(metric, &Vector::F32(a.clone()), &Vector::F32(b.clone())).unwrap();
                let ba = distance(metric, &Vector::F32(b.clone()), &Vector::F32(a.clone())).unwrap();
                prop_assert!(ab == ba || (ab.is_nan() && ba.is_nan()), "{metric:?}: {ab} vs {ba}");
            }
        }

        #[test]
        fn cosine_within_0_and_2((a, b, _) in triple()) {
            let d = cosine::distance_f32(&a, &b);
            prop_assert!(d.is_nan() || (-1e-6..=2.0 + 1e-6).contains(&d), "{d}");
            let d64 = cosine::distance_f64(
                &a.iter().map(|&x| f64::from(x)).collect::<Vec<_>>(),
                &b.iter().map(|&x| f64::from(x)).collect::<Vec<_>>(),
            );
            prop_assert!(d64.is_nan() || (-1e-12..=2.0 + 1e-12).contains(&d64), "{d64}");
        }

        #[test]
        fn l2_triangle_inequality((a, b, c) in triple()) {
            let ab = l2::distance_f32(&a, &b);
            let bc = l2::distance_f32(&b, &c);
            let ac = l2::distance_f32(&a, &c);
            prop_assert!(ac <= (ab + bc) * (1.0 + 1e-5), "{ac} > {ab} + {bc}");
            prop_assert_eq!(l2::distance_f32(&a, &a), 0.0);
        }

        #[test]
        fn hamming_triangle_inequality((a, b, c) in triple()) {
            let bits = |v: &[f32]| Vector::F32(v.to_vec()).convert(VectorType::F1Bit);
            let d = |x: &Vector, y: &Vector| distance(Metric::Cosine, x, y).unwrap();
            let (a, b, c) = (bits(&a), bits(&b), bits(&c));
            prop_assert!(d(&a, &c) <= d(&a, &b) + d(&b, &c));
        }
    }
}
