//! A count-min sketch of 4-bit counters with periodic halving (Caffeine's
//! `FrequencySketch`), the popularity estimate behind TinyLFU admission.

/// Row seeds (from Caffeine).
const SEEDS: [u64; 4] =
    [0xc3a5_c85c_97cb_3127, 0xb492_b66f_be98_f273, 0x9ae1_6a3b_2f90_404f, 0xcbf2_9ce4_8422_2325];
const RESET_MASK: u64 = 0x7777_7777_7777_7777;
const ONE_MASK: u64 = 0x1111_1111_1111_1111;
/// Largest table, in 64-bit words (16 counters each): 64 MiB.
const MAX_WORDS: u64 = 1 << 23;
/// Smallest table (4 KiB). A table sized to a small capacity collides so
/// much that loop-heavy traces (LIRS `cs`, `gli`) lose up to 4 points.
const MIN_WORDS: u64 = 512;
/// Fewest increments between two halvings: small caches otherwise forget
/// every frequency within one pass over a loop slightly larger than them.
const MIN_SAMPLE: u64 = 5_000;

/// Estimates how often each hash was seen recently, in 0..=15.
///
/// Each word holds sixteen 4-bit counters; a hash picks one group of four
/// counter positions and each of the four rows picks a word. The estimate is
/// the minimum of the four counters. After `sample_size` increments (10 × capacity, at least 5,000) every
/// counter is halved, so the history ages.
#[derive(Debug, Clone)]
pub(crate) struct FrequencySketch {
    table: Vec<u64>,
    mask: usize,
    sample_size: u64,
    size: u64,
}

impl FrequencySketch {
    /// A sketch sized for about `capacity` distinct hot keys.
    pub(crate) fn new(capacity: u64) -> Self {
        let words = capacity.clamp(MIN_WORDS, MAX_WORDS).next_power_of_two();
        let len = usize::try_from(words).unwrap_or(1 << 16);
        Self {
            table: vec![0; len],
            mask: len - 1,
            sample_size: capacity.clamp(1, MAX_WORDS).saturating_mul(10).max(MIN_SAMPLE),
            size: 0,
        }
    }

    /// How many increments make one sample (between halvings).
    #[cfg(test)]
    pub(crate) const fn sample_size(&self) -> u64 {
        self.sample_size
    }

    /// The estimated frequency of `hash`.
    pub(crate) fn frequency(&self, hash: u64) -> u8 {
        let start = (hash & 3) << 2;
        let mut min = 15;
        for (row, seed) in SEEDS.iter().enumerate() {
            let offset = (start + row as u64) << 2;
            let count = (self.table[self.index_of(hash, *seed)] >> offset) & 0xF;
            min = min.min(count);
        }
        u8::try_from(min).unwrap_or(15)
    }

    /// Counts one occurrence of `hash`.
    pub(crate) fn increment(&mut self, hash: u64) {
        let start = (hash & 3) << 2;
        let mut added = false;
        for (row, seed) in SEEDS.iter().enumerate() {
            let index = self.index_of(hash, *seed);
            let offset = (start + row as u64) << 2;
            let mask = 0xF << offset;
            if self.table[index] & mask != mask {
                self.table[index] += 1 << offset;
                added = true;
            }
        }
        if added {
            self.size += 1;
            if self.size >= self.sample_size {
                self.reset();
            }
        }
    }

    /// Halves every counter (the aging step).
    fn reset(&mut self) {
        let mut odd = 0u64;
        for word in &mut self.table {
            odd += u64::from((*word & ONE_MASK).count_ones());
            *word = (*word >> 1) & RESET_MASK;
        }
        self.size = self.size.saturating_sub(odd >> 2) >> 1;
    }

    /// Forgets everything.
    #[cfg(test)]
    pub(crate) fn clear(&mut self) {
        self.table.fill(0);
        self.size = 0;
    }

    fn index_of(&self, hash: u64, seed: u64) -> usize {
        let mut h = hash.wrapping_add(seed).wrapping_mul(seed);
        h = h.wrapping_add(h >> 32);
        // Truncation is the point: the mask keeps the low bits.
        #[allow(clippy::cast_possible_truncation)]
        let index = h as usize;
        index & self.mask
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_saturate_at_fifteen_and_age_by_halving() {
        let mut sketch = FrequencySketch::new(64);
        for _ in 0..20 {
            sketch.increment(42);
        }
        assert_eq!(sketch.frequency(42), 15);
        assert_eq!(sketch.frequency(7), 0);
        for h in 0..sketch.sample_size() {
            sketch.increment(h.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        }
        assert!(sketch.frequency(42) <= 8, "halved at least once");
        sketch.clear();
        assert_eq!(sketch.frequency(42), 0);
    }
}
