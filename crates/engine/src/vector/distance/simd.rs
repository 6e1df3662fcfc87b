//! Run-time choice between the portable build of a kernel and an AVX2+FMA build of the
//! same body. The kernels are written once as `#[inline(always)]` generic bodies; this
//! module compiles them a second time inside `#[target_feature]` functions so LLVM emits
//! 8-wide AVX instructions and fused multiply-adds, and calls that copy only when the
//! running CPU reports both features.

/// True when the AVX2+FMA kernels may run on this CPU (cached by the standard library).
#[inline]
pub(crate) fn has_avx2_fma() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Defines `$name(args) -> ret` that runs `$body::<_, true>` (fused multiply-add) compiled
/// for AVX2+FMA when available, else `$body::<_, false>` compiled for the baseline target.
macro_rules! dispatch {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty => $body:ident) => {
        $(#[$meta])*
        #[inline]
        $vis fn $name($($arg: $ty),*) -> $ret {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2,fma")]
                unsafe fn fast($($arg: $ty),*) -> $ret {
                    $body::<_, true>($($arg),*)
                }
                if $crate::vector::distance::simd::has_avx2_fma() {
                    // SAFETY: `fast` only needs AVX2 and FMA, which the CPU was just
                    // checked to support.
                    return unsafe { fast($($arg),*) };
                }
            }
            $body::<_, false>($($arg),*)
        }
    };
}
pub(crate) use dispatch;

/// A float element the kernels accumulate over.
pub(crate) trait Float:
    Copy
    + Default
    + std::ops::Add<Output = Self>
    + std::ops::Sub<Output = Self>
    + std::ops::Mul<Output = Self>
{
    /// `self * a + b`, fused when `FUSED` (only used where the CPU has FMA; elsewhere
    /// `mul_add` is a slow library call).
    fn mul_acc<const FUSED: bool>(self, a: Self, b: Self) -> Self;
}

impl Float for f32 {
    #[inline(always)]
    fn mul_acc<const FUSED: bool>(self, a: f32, b: f32) -> f32 {
        if FUSED {
            self.mul_add(a, b)
        } else {
            self * a + b
        }
    }
}

impl Float for f64 {
    #[inline(always)]
    fn mul_acc<const FUSED: bool>(self, a: f64, b: f64) -> f64 {
        if FUSED {
            self.mul_add(a, b)
        } else {
            self * a + b
        }
    }
}

/// Sums accumulator lanes pairwise (a fixed order, so results are reproducible).
#[inline(always)]
pub(crate) fn reduce<T: Float, const N: usize>(mut lanes: [T; N]) -> T {
    let mut width = N;
    while width > 1 {
        width /= 2;
        for i in 0..width {
            lanes[i] = lanes[i] + lanes[i + width];
        }
    }
    lanes[0]
}
