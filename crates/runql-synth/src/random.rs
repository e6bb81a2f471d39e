//! Deterministic randomness: independent seeded streams and the few samplers built on them.
//!
//! Nothing here reads the clock or the OS, and every float operation is IEEE-exact or from
//! `libm`, so a seed gives the same numbers on every platform, native and wasm.

use libm::log;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;

/// Random-stream purposes, so that each part of the sweep draws from its own stream.
pub(crate) mod stream {
    pub const SWEEP: u64 = 0;
    pub const RUN: u64 = 1;
    pub const TIME: u64 = 2;
    pub const TRAIN: u64 = 3;
    pub const VAL: u64 = 4;
    pub const ACCURACY: u64 = 5;
    pub const GRAD: u64 = 6;
    pub const SCHEDULE: u64 = 7;
    pub const AUX: u64 = 100;
}

fn splitmix64(z: u64) -> u64 {
    let z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    let z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// An independent generator for (sweep seed, run index, purpose).
pub(crate) fn rng_for(seed: u64, run: u64, purpose: u64) -> Pcg64Mcg {
    Pcg64Mcg::seed_from_u64(splitmix64(splitmix64(splitmix64(seed) ^ run) ^ purpose))
}

/// A uniform index below `n` (portable: never samples `usize`).
pub(crate) fn index_below(rng: &mut Pcg64Mcg, n: usize) -> usize {
    let n = u32::try_from(n).unwrap_or(u32::MAX).max(1);
    usize::try_from(rng.random_range(0..n)).unwrap_or(0)
}

/// Picks one element; `fallback` only for an empty slice.
pub(crate) fn pick<T: Copy>(rng: &mut Pcg64Mcg, items: &[T], fallback: T) -> T {
    items.get(index_below(rng, items.len())).copied().unwrap_or(fallback)
}

/// `n` lowercase hex digits.
pub(crate) fn hex(rng: &mut Pcg64Mcg, n: usize) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    (0..n).map(|_| char::from(pick(rng, HEX, b'0'))).collect()
}

/// A uuid4 as 32 hex digits, like MLflow's `uuid.uuid4().hex`.
pub(crate) fn uuid4_hex(rng: &mut Pcg64Mcg) -> String {
    let mut id = hex(rng, 32).into_bytes();
    if let Some(version) = id.get_mut(12) {
        *version = b'4';
    }
    if let Some(variant) = id.get_mut(16) {
        *variant = pick(rng, b"89ab", b'8');
    }
    String::from_utf8_lossy(&id).into_owned()
}

/// A standard normal sample (Marsaglia's polar method). Not `rand_distr`: its ziggurat calls
/// `exp`/`ln` through `num-traits`, which uses the platform's math library when any crate in
/// the build enables `num-traits/std` (arrow does), so rare samples differed between native
/// and wasm builds. Here every operation is IEEE-exact or from `libm`.
pub(crate) fn normal(rng: &mut Pcg64Mcg) -> f64 {
    loop {
        let u = 2.0 * rng.random::<f64>() - 1.0;
        let v = 2.0 * rng.random::<f64>() - 1.0;
        let s = u * u + v * v;
        if s > 0.0 && s < 1.0 {
            return u * (-2.0 * log(s) / s).sqrt();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_noise_is_standard() {
        let mut rng = rng_for(1, 2, 3);
        let xs: Vec<f64> = (0..20_000).map(|_| normal(&mut rng)).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / xs.len() as f64;
        assert!(mean.abs() < 0.03 && (var - 1.0).abs() < 0.05, "{mean} {var}");
    }

    #[test]
    fn streams_are_independent_and_repeatable() {
        let draw = |seed, run, purpose| rng_for(seed, run, purpose).random::<u64>();
        assert_eq!(draw(1, 2, 3), draw(1, 2, 3));
        assert_ne!(draw(1, 2, 3), draw(1, 2, 4));
        assert_ne!(draw(1, 2, 3), draw(1, 3, 3));
        assert_ne!(draw(1, 2, 3), draw(2, 2, 3));
    }

    #[test]
    fn uuid4_shape() {
        let id = uuid4_hex(&mut rng_for(0, 0, 0));
        assert_eq!(id.len(), 32);
        assert!(id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        assert_eq!(id.as_bytes()[12], b'4');
        assert!(b"89ab".contains(&id.as_bytes()[16]));
    }
}
