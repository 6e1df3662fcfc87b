//! Hamming distance between 1-bit vectors: the number of dimensions whose signs differ.
//! libSQL reports it from `vector_distance_cos` on 1-bit vectors.

/// Differing bits among the first `dims` bits of `a` and `b` (LSB-first, equal length).
pub(crate) fn distance(a: &[u8], b: &[u8], dims: usize) -> u32 {
    debug_assert_eq!(a.len(), b.len());
    let full = dims / 8;
    let (ca, cb) = (a[..full].chunks_exact(8), b[..full].chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    let mut count: u32 = ca
        .zip(cb)
        .map(|(x, y)| {
            let x = u64::from_le_bytes(x.try_into().expect("8-byte chunk"));
            let y = u64::from_le_bytes(y.try_into().expect("8-byte chunk"));
            (x ^ y).count_ones()
        })
        .sum();
    count += ra
        .iter()
        .zip(rb)
        .map(|(x, y)| (x ^ y).count_ones())
        .sum::<u32>();
    if !dims.is_multiple_of(8) {
        // Bits past the last dimension are not compared.
        let mask = (1u8 << (dims % 8)) - 1;
        count += ((a[full] ^ b[full]) & mask).count_ones();
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_differing_dimensions() {
        assert_eq!(distance(&[0b0000_0101], &[0b0000_0010], 3), 3);
        assert_eq!(distance(&[0xff], &[0x00], 8), 8);
        assert_eq!(distance(&[0xff], &[0x00], 7), 7);
        assert_eq!(distance(&[], &[], 0), 0);
        let a = vec![0xaa; 48];
        let b = vec![0x55; 48];
        assert_eq!(distance(&a, &b, 384), 384);
        assert_eq!(distance(&a, &b, 380), 380);
    }
}
