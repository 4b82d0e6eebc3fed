//! Zipf-distributed traffic: rank `r` (from 0) is requested with probability
//! proportional to `1 / (r + 1)^s`, so a few products take most requests.

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// A sampler over `n` ranks, by binary search in the cumulative distribution.
#[derive(Debug, Clone)]
pub(crate) struct Zipf {
    cdf: Vec<f64>,
}

impl Zipf {
    /// Ranks `0..n` with exponent `s` (0: uniform).
    pub(crate) fn new(n: u64, s: f64) -> Self {
        let mut total = 0.0;
        let mut cdf: Vec<f64> = (1..=n.max(1))
            .map(|rank| {
                total += (rank as f64).powf(-s);
                total
            })
            .collect();
        for p in &mut cdf {
            *p /= total;
        }
        Self { cdf }
    }

    /// One rank.
    pub(crate) fn sample(&self, rng: &mut impl Rng) -> u64 {
        let u: f64 = rng.random();
        let rank = self.cdf.partition_point(|p| *p < u);
        rank.min(self.cdf.len() - 1) as u64
    }
}

/// `len` product ids drawn from products `1..=keys` (product 1 the hottest),
/// the same for a given `seed`.
pub(crate) fn product_ids(len: u64, keys: u64, s: f64, seed: u64) -> Vec<u64> {
    let zipf = Zipf::new(keys, s);
    let mut rng = SmallRng::seed_from_u64(seed);
    (0..len).map(|_| zipf.sample(&mut rng) + 1).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hot_ranks_dominate_and_every_id_is_in_range() {
        let ids = product_ids(20_000, 1_000, 1.0, 7);
        assert!(ids.iter().all(|id| (1..=1_000).contains(id)));
        let top = ids.iter().filter(|id| **id <= 10).count();
        // H(10) / H(1000) is about 39%.
        assert!((6_000..10_000).contains(&top), "{top}");
        assert_eq!(ids, product_ids(20_000, 1_000, 1.0, 7), "seeded");
    }

    #[test]
    fn exponent_zero_is_uniform() {
        let ids = product_ids(10_000, 2, 0.0, 1);
        let ones = ids.iter().filter(|id| **id == 1).count();
        assert!((4_500..5_500).contains(&ones), "{ones}");
    }
}
