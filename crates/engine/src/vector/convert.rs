//! Element conversions between the vector types, done the way libSQL does them so that
//! converted blobs are byte-identical: half precision rounds to nearest-even (with
//! subnormals), bfloat16 truncates, 8-bit quantisation is linear over `[min, max]` with
//! every step in float32, and 1-bit keeps the sign (`x > 0`).

/// float32 → IEEE binary16, round to nearest, ties to even; overflow gives infinity and
/// NaN gives the quiet NaN `0x7e00` (sign kept).
pub(crate) fn f32_to_f16(x: f32) -> u16 {
    let bits = x.to_bits();
    let sign = ((bits >> 16) & 0x8000) as u16;
    let exp = ((bits >> 23) & 0xff) as i32;
    let man = bits & 0x007f_ffff;
    if exp == 0xff {
        return sign | if man != 0 { 0x7e00 } else { 0x7c00 };
    }
    let e = exp - 127 + 15;
    if e >= 0x1f {
        return sign | 0x7c00;
    }
    if e <= 0 {
        // Subnormal (or zero) half: the code is the full 24-bit significand scaled by
        // 2^(e-14); float32 subnormals (exp == 0) are far below half's range.
        if exp == 0 {
            return sign;
        }
        let m = man | 0x0080_0000;
        let shift = (14 - e) as u32;
        if shift >= 25 {
            return sign;
        }
        let code = m >> shift;
        let rem = m & ((1 << shift) - 1);
        let half = 1 << (shift - 1);
        let up = rem > half || (rem == half && code & 1 == 1);
        return sign | (code + u32::from(up)) as u16;
    }
    let code = ((e as u32) << 10) | (man >> 13);
    let rem = man & 0x1fff;
    let up = rem > 0x1000 || (rem == 0x1000 && code & 1 == 1);
    // A carry out of the mantissa correctly bumps the exponent (up to infinity).
    sign | (code + u32::from(up)) as u16
}

/// IEEE binary16 → float32 (exact).
pub(crate) fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h & 0x8000) << 16;
    let exp = u32::from((h >> 10) & 0x1f);
    let man = u32::from(h & 0x3ff);
    let bits = match exp {
        0 => {
            let v = man as f32 * f32::from_bits(0x3380_0000); // 2^-24
            return if sign != 0 { -v } else { v };
        }
        0x1f => sign | 0x7f80_0000 | (man << 13),
        _ => sign | ((exp + 112) << 23) | (man << 13),
    };
    f32::from_bits(bits)
}

/// float32 → bfloat16 by truncation (libSQL keeps the upper 16 bits, no rounding).
pub(crate) fn f32_to_bf16(x: f32) -> u16 {
    (x.to_bits() >> 16) as u16
}

/// bfloat16 → float32 (exact).
pub(crate) fn bf16_to_f32(b: u16) -> f32 {
    f32::from_bits(u32::from(b) << 16)
}

/// 8-bit quantisation parameters and codes for `values`: `alpha = (max − min) / 255`,
/// `shift = min`, `code = trunc((x − min) / alpha + 0.5)`, all in float32 (codes are 0
/// when every element is equal). NaN elements are skipped for min/max and code to 0.
pub(crate) fn quantize_f8(values: &[f32]) -> (Vec<u8>, f32, f32) {
    if values.is_empty() {
        return (Vec::new(), 0.0, 0.0);
    }
    let (mut min, mut max) = (f32::MAX, f32::MIN);
    for &v in values {
        if v < min {
            min = v;
        }
        if v > max {
            max = v;
        }
    }
    if min > max {
        // Every element was NaN.
        (min, max) = (0.0, 0.0);
    }
    let alpha = (max - min) / 255.0;
    let codes = values
        .iter()
        .map(|&v| {
            if alpha == 0.0 {
                0
            } else {
                // `as u8` saturates and maps NaN to 0.
                ((v - min) / alpha + 0.5) as u8
            }
        })
        .collect();
    (codes, alpha, min)
}

/// The float32 value an 8-bit code stands for.
#[inline]
pub(crate) fn dequantize_f8(code: u8, alpha: f32, shift: f32) -> f32 {
    f32::from(code) * alpha + shift
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_matches_libsql_samples() {
        // Pairs checked against libSQL's vector16() (hex of the blob, little-endian).
        let cases: [(f32, u16); 12] = [
            (1.0, 0x3c00),
            (2.5, 0x4100),
            (-3.0, 0xc200),
            (0.1, 0x2e66),
            (65504.0, 0x7bff),
            (65520.0, 0x7c00),
            (1e-8, 0x0000),
            (6e-5, 0x03ef),
            (1e-7, 0x0002),
            (1.000_488_3, 0x3c00),
            (1.001_464_8, 0x3c02),
            (-0.0, 0x8000),
        ];
        for (x, h) in cases {
            assert_eq!(f32_to_f16(x), h, "{x}");
        }
        assert_eq!(f32_to_f16(f32::NAN), 0x7e00);
        assert_eq!(f32_to_f16(1e39_f64 as f32), 0x7c00);
    }

    #[test]
    fn half_round_trips_every_code() {
        for h in 0..=u16::MAX {
            let x = f16_to_f32(h);
            if x.is_nan() {
                continue;
            }
            assert_eq!(f32_to_f16(x), h, "{h:#x}");
        }
    }

    #[test]
    fn bfloat_truncates() {
        assert_eq!(f32_to_bf16(0.1), 0x3dcc);
        assert_eq!(f32_to_bf16(1.011_718_8), 0x3f81);
        assert_eq!(bf16_to_f32(0x3f80), 1.0);
    }

    #[test]
    fn quantize_matches_libsql_samples() {
        assert_eq!(quantize_f8(&[1.0, 2.0, 3.0]).0, vec![0, 127, 255]);
        assert_eq!(
            quantize_f8(&[1.0, 2.0, 3.0, 4.0, 5.0]).0,
            vec![0, 64, 127, 191, 255]
        );
        let (codes, alpha, shift) = quantize_f8(&[0.1, -0.7, 0.33, 1e-3]);
        assert_eq!(codes, vec![0xc6, 0x00, 0xff, 0xae]);
        assert_eq!(alpha.to_bits(), 0x3b84_5b65);
        assert_eq!(shift, -0.7);
        assert_eq!(quantize_f8(&[5.0, 5.0]), (vec![0, 0], 0.0, 5.0));
    }
}
