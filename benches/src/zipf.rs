//! A seeded Zipf sampler (inverse CDF over a table) and synthetic traces.

/// SplitMix64: a tiny, fast, seedable generator; the same seed gives the same
/// sequence on every machine.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator starting from `seed`.
    #[must_use]
    pub const fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A uniform float in `[0, 1)`.
    #[allow(clippy::cast_precision_loss)]
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Zipf's law over the ids `0..n`: id `i` has weight `1 / (i + 1)^s`.
#[derive(Debug, Clone)]
pub struct Zipf {
    cdf: Vec<f64>,
}

impl Zipf {
    /// The distribution over `n` ids (at least 1) with exponent `s`.
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn new(n: u64, s: f64) -> Self {
        let mut cdf = Vec::with_capacity(usize::try_from(n.max(1)).unwrap_or(1));
        let mut total = 0.0;
        for i in 0..n.max(1) {
            total += 1.0 / ((i + 1) as f64).powf(s);
            cdf.push(total);
        }
        for c in &mut cdf {
            *c /= total;
        }
        Self { cdf }
    }

    /// One id drawn with `rng`.
    pub fn sample(&self, rng: &mut SplitMix64) -> u64 {
        let u = rng.next_f64();
        let i = self.cdf.partition_point(|&c| c <= u).min(self.cdf.len() - 1);
        i as u64
    }
}

/// A synthetic trace: `len` ids drawn from Zipf(`s`) over `n` ids with
/// `seed`. Ids are scrambled (a bijection of `u64`) so that popular keys are
/// not the small numbers.
#[must_use]
pub fn zipf_keys(n: u64, s: f64, len: usize, seed: u64) -> Vec<u64> {
    let zipf = Zipf::new(n, s);
    let mut rng = SplitMix64::new(seed);
    (0..len).map(|_| scramble(zipf.sample(&mut rng))).collect()
}

/// A fixed bijection of `u64` (the SplitMix64 finaliser).
#[must_use]
pub const fn scramble(x: u64) -> u64 {
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_trace() {
        let a = zipf_keys(1_000, 0.99, 5_000, 7);
        assert_eq!(a, zipf_keys(1_000, 0.99, 5_000, 7));
        assert_ne!(a, zipf_keys(1_000, 0.99, 5_000, 8));
        // Pinned: a change of the generator changes published numbers.
        assert_eq!(SplitMix64::new(0).next_u64(), 0xe220_a839_7b1d_cdaf);
    }

    #[test]
    fn popular_ids_dominate() {
        let zipf = Zipf::new(100_000, 0.99);
        let mut rng = SplitMix64::new(1);
        let draws = 100_000;
        let top = (0..draws).filter(|_| zipf.sample(&mut rng) < 100).count();
        // H(100, .99) / H(100000, .99) is about 0.43.
        assert!((38_000..48_000).contains(&top), "{top}");
        assert!((0..draws).all(|_| zipf.sample(&mut rng) < 100_000));
    }
}
