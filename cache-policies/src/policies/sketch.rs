//! A count-min sketch of 4-bit counters with periodic halving (Caffeine's
//! `FrequencySketch`) and conservative update, the popularity estimate
//! behind TinyLFU admission.

/// Row seeds (from Caffeine).
const SEEDS: [u64; 4] =
    [0xc3a5_c85c_97cb_3127, 0xb492_b66f_be98_f273, 0x9ae1_6a3b_2f90_404f, 0xcbf2_9ce4_8422_2325];
const RESET_MASK: u64 = 0x7777_7777_7777_7777;
const ONE_MASK: u64 = 0x1111_1111_1111_1111;
/// Largest table, in 64-bit words (16 counters each): 64 MiB.
const MAX_WORDS: u64 = 1 << 23;
/// Smallest table (4 KiB), allocated on the first increment. A table sized
/// to a small cache collides so much that loop-heavy traces (LIRS `cs`,
/// `gli`) lose up to 4 points.
const MIN_WORDS: u64 = 512;
/// Fewest increments between two halvings: small caches otherwise forget
/// every frequency within one pass over a loop slightly larger than them.
const MIN_SAMPLE: u64 = 5_000;
/// Increments between two halvings, per key tracked (Caffeine: 10). With
/// conservative update counters grow more slowly, and 20 measured best on
/// the tuning half of the traces (10 / 12 / 15 / 20 / 25 / 30, four hash
/// seeds; see benches/RESULTS.md). This is the first period; see
/// [`FrequencySketch::reset`] for the later ones.
const SAMPLE_PER_KEY: u64 = 20;

/// Estimates how often each hash was seen recently, in 0..=15.
///
/// Each word holds sixteen 4-bit counters; a hash picks one group of four
/// counter positions and each of the four rows picks a word. The estimate is
/// the minimum of the four counters. An increment raises only the counters
/// that hold that minimum (*conservative update*, Estan and Varghese): a
/// counter shared with a more popular key is already above the minimum and
/// stays, so a key's estimate is inflated less by the keys it collides
/// with, while it never falls below the key's own count. After
/// `sample_size` increments every counter is halved, so the history ages.
///
/// The sketch is sized from the number of keys its owner tracks, never from
/// a capacity or a weight budget (a byte-weighted cache with a 1 GiB budget
/// may hold a few thousand entries): it allocates nothing until the first
/// increment, then one word per tracked key (a power of two, at least 4 KiB,
/// at most 64 MiB), doubling as the owner tracks more keys; a sample is 20
/// increments per key tracked (the most seen so far; at least 5,000).
/// Doubling keeps every estimate: the new table repeats the old one twice, and
/// a hash's index in it keeps the old index as its low bits.
#[derive(Debug, Clone)]
pub(crate) struct FrequencySketch {
    table: Vec<u64>,
    mask: usize,
    sample_size: u64,
    size: u64,
}

impl FrequencySketch {
    /// An empty sketch: nothing is allocated until the first increment.
    pub(crate) const fn new() -> Self {
        Self { table: Vec::new(), mask: 0, sample_size: MIN_SAMPLE, size: 0 }
    }

    /// Grows the table and the sample for an owner that now tracks `keys`
    /// keys (neither ever shrinks). Cheap when nothing changes: two
    /// comparisons.
    #[inline]
    pub(crate) fn ensure_capacity(&mut self, keys: u64) {
        let keys = keys.min(MAX_WORDS);
        let sample = keys * SAMPLE_PER_KEY;
        if sample > self.sample_size {
            self.sample_size = sample;
        }
        if keys > self.table.len() as u64 {
            self.grow(keys);
        }
    }

    /// Doubles the table until it has a word per key (`keys` ≤ the largest
    /// size); the new half repeats the old one, so estimates stay.
    #[cold]
    fn grow(&mut self, keys: u64) {
        let words = keys.clamp(MIN_WORDS, MAX_WORDS).next_power_of_two();
        let len = usize::try_from(words).unwrap_or(1 << 16);
        let old = self.table.len();
        if len <= old {
            return;
        }
        if old == 0 {
            self.table = vec![0; len];
        } else {
            self.table.reserve_exact(len - old);
            for j in old..len {
                let word = self.table[j & (old - 1)];
                self.table.push(word);
            }
        }
        self.mask = len - 1;
    }

    /// How many increments make one sample (between halvings).
    #[cfg(test)]
    pub(crate) const fn sample_size(&self) -> u64 {
        self.sample_size
    }

    /// The table's length in 64-bit words (0 until the first increment).
    #[cfg(test)]
    pub(crate) fn words(&self) -> usize {
        self.table.len()
    }

    /// The estimated frequency of `hash`.
    pub(crate) fn frequency(&self, hash: u64) -> u8 {
        if self.table.is_empty() {
            return 0;
        }
        let start = (hash & 3) << 2;
        let mut min = 15;
        for (row, seed) in SEEDS.iter().enumerate() {
            let offset = (start + row as u64) << 2;
            let count = (self.table[self.index_of(hash, *seed)] >> offset) & 0xF;
            min = min.min(count);
        }
        u8::try_from(min).unwrap_or(15)
    }

    /// Counts one occurrence of `hash`: raises those of its four counters
    /// that hold its current estimate (none once it is 15).
    pub(crate) fn increment(&mut self, hash: u64) {
        if self.table.is_empty() {
            self.grow(1);
        }
        let start = (hash & 3) << 2;
        let mut counters = [(0, 0); 4];
        let mut min = 15;
        for (row, seed) in SEEDS.iter().enumerate() {
            let index = self.index_of(hash, *seed);
            let offset = (start + row as u64) << 2;
            min = min.min((self.table[index] >> offset) & 0xF);
            counters[row] = (index, offset);
        }
        if min == 15 {
            return;
        }
        for (index, offset) in counters {
            // Re-read: two rows may share a word (never a counter).
            if (self.table[index] >> offset) & 0xF == min {
                self.table[index] += 1 << offset;
            }
        }
        self.size += 1;
        if self.size >= self.sample_size {
            self.reset();
        }
    }

    /// Halves every counter (the aging step). The count of increments
    /// restarts at half of what is left once the increments lost to
    /// rounding are taken off (Caffeine's estimate: a quarter of the odd
    /// counters, as its increment raises four). Under conservative update an
    /// increment raises one to four counters, so this takes off fewer than
    /// were lost and the periods after the first are somewhat shorter than
    /// `sample_size`; the setting of 20 per key was measured with this rule.
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
        let mut sketch = FrequencySketch::new();
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

    /// Conservative update against the plain one (every counter raised) on
    /// the same crowded table: estimates never fall below the true counts,
    /// and collisions inflate them less.
    #[test]
    fn conservative_update_never_undercounts_and_inflates_less() {
        let mut sketch = FrequencySketch::new();
        sketch.ensure_capacity(1_000); // 1,024 words, halving after 20,000
        let mut plain = sketch.clone();
        let hashes: Vec<u64> =
            (0..6_000u64).map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15)).collect();
        let count = |i: usize| 1 + i % 3;
        for (i, &h) in hashes.iter().enumerate() {
            for _ in 0..count(i) {
                sketch.increment(h);
                let start = (h & 3) << 2;
                for (row, seed) in SEEDS.iter().enumerate() {
                    let index = plain.index_of(h, *seed);
                    let offset = (start + row as u64) << 2;
                    if (plain.table[index] >> offset) & 0xF != 0xF {
                        plain.table[index] += 1 << offset;
                    }
                }
            }
        }
        let (mut inflation, mut plain_inflation) = (0, 0);
        for (i, &h) in hashes.iter().enumerate() {
            let truth = u8::try_from(count(i)).unwrap();
            assert!(sketch.frequency(h) >= truth, "key {i} undercounted");
            inflation += usize::from(sketch.frequency(h) - truth);
            plain_inflation += usize::from(plain.frequency(h) - truth);
        }
        assert!(
            inflation * 2 < plain_inflation,
            "conservative {inflation} against plain {plain_inflation}"
        );
    }

    #[test]
    fn sized_by_the_keys_tracked_and_grows_without_losing_counts() {
        let mut sketch = FrequencySketch::new();
        assert_eq!(sketch.words(), 0, "nothing allocated before the first increment");
        assert_eq!(sketch.frequency(1), 0);
        sketch.ensure_capacity(10);
        assert_eq!((sketch.words(), sketch.sample_size()), (512, MIN_SAMPLE));
        let hashes: Vec<u64> = (0..300u64).map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15)).collect();
        for (i, &h) in hashes.iter().enumerate() {
            for _ in 0..i % 7 {
                sketch.increment(h);
            }
        }
        let before: Vec<u8> = hashes.iter().map(|&h| sketch.frequency(h)).collect();
        sketch.ensure_capacity(3_000);
        assert_eq!(sketch.words(), 4_096, "a word per key, a power of two");
        assert_eq!(sketch.sample_size(), 60_000, "20 increments per key");
        let after: Vec<u8> = hashes.iter().map(|&h| sketch.frequency(h)).collect();
        assert_eq!(before, after, "doubling keeps every estimate");
        sketch.ensure_capacity(5);
        assert_eq!((sketch.words(), sketch.sample_size()), (4_096, 60_000), "never shrinks");
        sketch.ensure_capacity(u64::MAX);
        assert_eq!(sketch.words() as u64, MAX_WORDS, "at most 64 MiB");
    }
}
