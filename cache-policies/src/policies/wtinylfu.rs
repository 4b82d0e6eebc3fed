//! Adaptive Window TinyLFU (Caffeine's eviction policy).

use cache_core::{EntryInfo, EvictionPolicy};
use std::fmt;

use super::arena::{List, NIL};
use super::climber::{Adjustment, WindowSizer};
use super::sketch::FrequencySketch;
use nodes::Nodes;

mod nodes;

/// Share of the capacity given to the main space at the start (window: 1%).
const PERCENT_MAIN: f64 = 0.99;
/// Share of the main space reserved for the protected segment.
const PERCENT_MAIN_PROTECTED: f64 = 0.80;
/// At most this many keys move between queues per adaptation step.
const QUEUE_TRANSFER_THRESHOLD: usize = 1000;
/// A candidate at least this popular is admitted now and then at random, so
/// an attacker cannot pin a victim by inflating its frequency (hash flooding).
const ADMIT_HASHDOS_THRESHOLD: u8 = 6;
/// Mixed into the sketch's hash (see [`spread`]).
const SKETCH_SEED: u64 = 0x5eed_cafe_f00d_d00d;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Queue {
    Window,
    Probation,
    Protected,
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    queue: Queue,
    weight: u32,
    /// Hit while in the main space (probation or protected): the key has
    /// shown reuse there, so it keeps its place on a one-count lead (see
    /// [`WTinyLfu::admit`]).
    reused: bool,
}

/// The sketch's hash of a key, from the store's hash: remixed so that the
/// sketch's counters are independent of the bits the store's tables use.
fn spread(hash: u64) -> u64 {
    let mut x = hash ^ SKETCH_SEED;
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Adaptive W-TinyLFU, after Caffeine: scan resistant, frequency aware, and
/// self-tuning between recency and frequency.
///
/// - New keys enter a small LRU *admission window* (1% of the capacity at
///   first).
/// - Keys pushed out of the window become *candidates* for the main space, a
///   segmented LRU: *probation* (20%) and *protected* (80%); a hit in
///   probation promotes a key to protected, whose overflow is demoted back.
/// - When the store is full, a candidate duels the probation victim: the one
///   a count-min sketch (4-bit counters, hashed with a fixed seed so runs are
///   reproducible) has seen less often leaves. One-hit wonders and scans
///   thus rarely displace the established working set. A victim hit while
///   in the main space also keeps its place on a one-count lead: the
///   candidate's count includes the request that made it a candidate, and
///   without the lead the set a loop keeps resident hung on the exact order
///   of hits, so that hits a concurrent store drops or reorders cost up to 4
///   points. The sketch follows the number of keys tracked, not the
///   capacity: nothing is allocated before the first insert, then a 64-bit
///   word per key (at least 4 KiB), doubling as keys arrive; its counters
///   are halved every 20 increments per key tracked (at least 5,000). An
///   increment raises only the key's counters at its minimum (conservative
///   update), so keys that share counters inflate each other's counts less.
/// - The window adapts to the workload from *ghosts*, the hashes of recently
///   evicted keys (one per 20 keys tracked, on each side): a miss on a
///   candidate the main space refused grows the window by that key's weight,
///   a miss on a key the main space evicted shrinks it by twice its weight.
///   Recency-heavy workloads thus get a large window (LRU-like) and
///   frequency-heavy ones a small window (LFU-like). (Caffeine uses a hill
///   climber on sampled hit rates instead; on real traces ghosts measured
///   better, see `climber.rs`.)
///
/// Nothing is allocated from `capacity`: `WTinyLfu::new(u64::MAX)` (a weight
/// budget with no practical bound) allocates nothing until keys arrive, and
/// then memory follows the keys: per key tracked, a 16-byte node (its hash
/// and two `u32` links, whose spare bits hold its queue; 4 more bytes for its
/// weight once some weight is not 1), a `u32` in the key index, and the
/// sketch's word.
///
/// Weights are honoured: queue sizes are weights. Each operation is O(1)
/// amortised. `capacity` is the weight budget the owning store evicts to (a
/// [`PolicyStore`](crate::PolicyStore) keeps one policy for all its shards).
///
/// # Examples
///
/// ```
/// use cache_core::{EntryInfo, EvictionPolicy};
/// use cache_policies::WTinyLfu;
///
/// let mut wtinylfu = WTinyLfu::new(2);
/// let policy: &mut dyn EvictionPolicy<&str> = &mut wtinylfu;
/// policy.on_insert(&EntryInfo::new(&"popular", 1, 1, None));
/// for _ in 0..5 {
///     policy.on_access(1);
/// }
/// policy.on_insert(&EntryInfo::new(&"one-hit", 2, 1, None));
/// policy.on_insert(&EntryInfo::new(&"another", 3, 1, None)); // now over capacity
/// assert_ne!(policy.evict(), Some(1), "the popular entry stays");
/// ```
pub struct WTinyLfu {
    arena: Nodes,
    window: List,
    probation: List,
    protected: List,
    maximum: u64,
    window_max: u64,
    protected_max: u64,
    window_weight: u64,
    probation_weight: u64,
    protected_weight: u64,
    sketch: FrequencySketch,
    sizer: WindowSizer,
    /// Whether the latest victim came from the window side (a candidate
    /// refused admission, or the window's oldest key).
    victim_from_window: bool,
    /// The first key moved from the window into probation by the latest
    /// write; it duels the probation victim on the next eviction.
    candidate: usize,
    rng: u64,
}

impl WTinyLfu {
    /// A policy for a store holding at most `capacity` weight (entries when
    /// every weight is 1).
    #[must_use]
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    pub fn new(capacity: u64) -> Self {
        let maximum = capacity;
        let window_max = maximum - (PERCENT_MAIN * maximum as f64) as u64;
        let protected_max = (PERCENT_MAIN_PROTECTED * (maximum - window_max) as f64) as u64;
        Self {
            arena: Nodes::new(),
            window: List::new(),
            probation: List::new(),
            protected: List::new(),
            maximum,
            window_max,
            protected_max,
            window_weight: 0,
            probation_weight: 0,
            protected_weight: 0,
            sketch: FrequencySketch::new(),
            sizer: WindowSizer::new(),
            victim_from_window: false,
            candidate: NIL,
            rng: 0x2545_f491_4f6c_dd1d,
        }
    }

    /// The number of keys tracked.
    #[must_use]
    pub fn len(&self) -> usize {
        self.arena.len()
    }

    /// Whether no key is tracked.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The current weight budget of the admission window (it adapts).
    #[must_use]
    pub fn window_capacity(&self) -> u64 {
        self.window_max
    }

    /// The sketch's hash of the key at `idx`.
    fn sketch_hash(&self, idx: usize) -> u64 {
        spread(self.arena.hash_of(idx))
    }

    fn total_weight(&self) -> u64 {
        self.window_weight + self.probation_weight + self.protected_weight
    }

    fn list_mut(&mut self, queue: Queue) -> (&mut Nodes, &mut List, &mut u64) {
        match queue {
            Queue::Window => (&mut self.arena, &mut self.window, &mut self.window_weight),
            Queue::Probation => (&mut self.arena, &mut self.probation, &mut self.probation_weight),
            Queue::Protected => (&mut self.arena, &mut self.protected, &mut self.protected_weight),
        }
    }

    /// Moves a node from its queue to the newest end of `to`.
    fn transfer(&mut self, idx: usize, to: Queue) {
        let Slot { queue, weight, .. } = self.arena.data(idx);
        let (arena, list, total) = self.list_mut(queue);
        arena.unlink(list, idx);
        *total -= u64::from(weight);
        let (arena, list, total) = self.list_mut(to);
        arena.push_back(list, idx);
        *total += u64::from(weight);
        arena.set_queue(idx, to);
    }

    /// Unlinks and forgets a node.
    fn detach(&mut self, idx: usize) {
        if self.candidate == idx {
            self.candidate = NIL;
        }
        let Slot { queue, weight, .. } = self.arena.data(idx);
        let (arena, list, total) = self.list_mut(queue);
        arena.unlink(list, idx);
        *total -= u64::from(weight);
        self.arena.release(idx);
    }

    /// Tracks a newly inserted key (or counts a hit if it is tracked).
    fn insert(&mut self, hash: u64, weight: u32) {
        self.candidate = NIL;
        if let Some(idx) = self.arena.find(hash) {
            self.on_hit(idx);
            return;
        }
        let spread = spread(hash);
        self.adapt(spread, weight);
        self.sketch.increment(spread);
        let slot = Slot { queue: Queue::Window, weight, reused: false };
        let Some(idx) = self.arena.alloc(hash, slot) else {
            return; // a full arena leaves the key untracked
        };
        // The sketch follows the number of keys tracked, not the capacity
        // (which may be a weight budget of any size).
        self.sketch.ensure_capacity(self.arena.len() as u64);
        self.arena.push_back(&mut self.window, idx);
        self.window_weight += u64::from(weight);
        self.evict_from_window();
    }

    /// A tracked key was overwritten with a value weighing `new_weight`.
    fn update(&mut self, idx: usize, new_weight: u32) {
        let Slot { queue, weight, .. } = self.arena.data(idx);
        let (_, _, total) = self.list_mut(queue);
        *total = *total - u64::from(weight) + u64::from(new_weight);
        self.arena.set_weight(idx, new_weight);
        self.on_hit(idx);
        self.evict_from_window();
    }

    /// The next victim (still tracked): the window's overflow moves to
    /// probation, then the candidate from the window and probation's oldest
    /// key compete for admission (the loser is the victim).
    fn choose_victim(&mut self) -> Option<usize> {
        let victim = self.pick_victim()?;
        let spread = self.sketch_hash(victim);
        self.sizer.evicted(spread, self.victim_from_window, self.arena.len());
        Some(victim)
    }

    /// [`choose_victim`](Self::choose_victim) without the ghost; sets
    /// `victim_from_window`.
    fn pick_victim(&mut self) -> Option<usize> {
        self.victim_from_window = false;
        self.evict_from_window();
        let mut candidate = self.candidate;
        if candidate != NIL && self.arena.data(candidate).queue != Queue::Probation {
            candidate = NIL;
        }
        if candidate == NIL {
            return [self.probation.head(), self.protected.head(), self.window.head()]
                .into_iter()
                .find(|&i| i != NIL);
        }
        let victim = self.probation.head();
        // Later candidates (moved in the same write) are newer in probation.
        self.candidate = self.arena.next(candidate);
        if victim == candidate || !self.admit(candidate, victim) {
            self.victim_from_window = true;
            return Some(candidate);
        }
        Some(victim)
    }

    /// Moves the window's overflow into probation; the first key moved becomes
    /// the eviction candidate.
    fn evict_from_window(&mut self) {
        while self.window_weight > self.window_max {
            let idx = self.window.head();
            if idx == NIL {
                break;
            }
            self.transfer(idx, Queue::Probation);
            if self.candidate == NIL {
                self.candidate = idx;
            }
        }
    }

    /// Demotes the protected segment's overflow to probation.
    fn demote_from_protected(&mut self) {
        for _ in 0..QUEUE_TRANSFER_THRESHOLD {
            if self.protected_weight <= self.protected_max {
                break;
            }
            let idx = self.protected.head();
            if idx == NIL {
                break;
            }
            self.transfer(idx, Queue::Probation);
        }
    }

    /// Counts a hit or an update of a tracked key and reorders it.
    fn on_hit(&mut self, idx: usize) {
        self.sketch.increment(self.sketch_hash(idx));
        self.reorder(idx);
    }

    /// Moves a tracked key after a hit: to the newest end of its queue, or
    /// from probation to protected.
    fn reorder(&mut self, idx: usize) {
        let Slot { queue, weight, .. } = self.arena.data(idx);
        if queue != Queue::Window {
            self.arena.set_reused(idx);
        }
        match queue {
            Queue::Window => self.arena.move_to_back(&mut self.window, idx),
            Queue::Protected => self.arena.move_to_back(&mut self.protected, idx),
            Queue::Probation if u64::from(weight) > self.protected_max => {
                self.arena.move_to_back(&mut self.probation, idx);
            }
            Queue::Probation => {
                self.transfer(idx, Queue::Protected);
                self.demote_from_protected();
            }
        }
    }

    /// A hit on a tracked node.
    fn access(&mut self, idx: usize) {
        self.on_hit(idx);
    }

    /// A key missed: resizes the window if one side evicted it recently.
    fn adapt(&mut self, spread: u64, weight: u32) {
        if self.total_weight() < self.maximum / 2 {
            // Warming up (ghosts appear only once the store evicts).
            return;
        }
        match self.sizer.missed(spread, weight) {
            Adjustment::Grow(quota) => self.increase_window(quota),
            Adjustment::Shrink(quota) => self.decrease_window(quota),
            Adjustment::Keep => {}
        }
    }

    fn increase_window(&mut self, quota: u64) {
        if self.protected_max == 0 {
            return;
        }
        let mut quota = quota.min(self.protected_max);
        self.protected_max -= quota;
        self.window_max += quota;
        self.demote_from_protected();
        for _ in 0..QUEUE_TRANSFER_THRESHOLD {
            let mut idx = self.probation.head();
            if idx == NIL || quota < u64::from(self.arena.data(idx).weight) {
                idx = self.protected.head();
            }
            if idx == NIL {
                break;
            }
            let weight = u64::from(self.arena.data(idx).weight);
            if quota < weight {
                break;
            }
            quota -= weight;
            self.transfer(idx, Queue::Window);
        }
        // Whatever could not move yet stays with the main space.
        self.protected_max += quota;
        self.window_max -= quota;
    }

    fn decrease_window(&mut self, quota: u64) {
        if self.window_max <= 1 {
            return;
        }
        let mut quota = quota.min(self.window_max - 1);
        self.protected_max += quota;
        self.window_max -= quota;
        for _ in 0..QUEUE_TRANSFER_THRESHOLD {
            let idx = self.window.head();
            if idx == NIL {
                break;
            }
            let weight = u64::from(self.arena.data(idx).weight);
            if quota < weight {
                break;
            }
            quota -= weight;
            self.transfer(idx, Queue::Probation);
        }
        self.protected_max -= quota;
        self.window_max += quota;
    }

    /// Whether the candidate should replace the victim in the main space:
    /// the candidate must have been seen more often than the victim, and by
    /// at least two counts if the victim was hit while in the main space.
    ///
    /// The candidate's count always includes the request that just made it a
    /// candidate, while the victim's next request is still ahead, so a lead
    /// of one is as much recency as frequency. On a loop larger than the
    /// cache every key is counted once per pass, so the victim (probation's
    /// oldest key, the resident requested next) is one count behind a
    /// candidate requested since, for part of every pass; the steady state
    /// of plain `>` (the main space keeps one fixed set, the rest cycles
    /// through the window) then rests on each duel meeting a victim the
    /// sketch's halving happened to count as high. Any perturbation of the
    /// main space's order (a hit dropped by a full read buffer, hits of two
    /// threads applied out of order, a hit applied after its key left)
    /// shifted which victim met which candidate, and each shift set off
    /// LRU-like runs (the candidate displaced the resident about to be
    /// requested, which displaced the next, ...) until the pattern settled
    /// again: one hit in 400 left out cost 3.2 points on the 1,010-key loop
    /// at 506 entries (2 at 253), and two threads 2.4–4.4 points. With the
    /// second count a reused victim keeps its place against a candidate that
    /// differs from it by one request, the loop's fixed set no longer
    /// depends on the order of hits, and the same perturbations cost at most
    /// 0.05 points (0.1 on cs and gli). Such runs also set off with no
    /// perturbation at all: a 5,000-key loop at 4,000 entries went from 70.1
    /// to 78.9% (the optimum is 80). Victims never hit in the main space (admitted candidates not
    /// requested since) still yield to any candidate seen more often:
    /// requiring two counts of every victim cost up to 0.5 points on the
    /// tuning traces (oltp, scarab-recs, sprite); this form gained 0.06 on
    /// their average (cs at 352 entries +1.1) and lost at most 0.24 on a row
    /// (0.35–0.58 with the sketch seeded otherwise: orm-busy at 670 entries,
    /// sprite at 354).
    fn admit(&mut self, candidate: usize, victim: usize) -> bool {
        let candidate_freq = self.sketch.frequency(self.sketch_hash(candidate));
        let victim_freq = self.sketch.frequency(self.sketch_hash(victim));
        let lead = u8::from(self.arena.data(victim).reused);
        if candidate_freq > victim_freq.saturating_add(lead) {
            return true;
        }
        if candidate_freq >= ADMIT_HASHDOS_THRESHOLD {
            // xorshift64: deterministic, cheap, good enough for a coin flip.
            self.rng ^= self.rng << 13;
            self.rng ^= self.rng >> 7;
            self.rng ^= self.rng << 17;
            return self.rng & 127 == 0;
        }
        false
    }
}

impl fmt::Debug for WTinyLfu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WTinyLfu")
            .field("maximum", &self.maximum)
            .field("window_max", &self.window_max)
            .field("protected_max", &self.protected_max)
            .field("window", &self.window.len())
            .field("probation", &self.probation.len())
            .field("protected", &self.protected.len())
            .finish_non_exhaustive()
    }
}

impl<K> EvictionPolicy<K> for WTinyLfu {
    fn on_insert(&mut self, entry: &EntryInfo<'_, K>) {
        self.insert(entry.hash, entry.weight);
    }

    fn on_access(&mut self, hash: u64) {
        self.candidate = NIL;
        if let Some(idx) = self.arena.find(hash) {
            self.access(idx);
        }
    }

    fn on_accesses(&mut self, hashes: &[u64]) {
        self.candidate = NIL;
        // In three passes over each batch, so that the cache misses of
        // different keys overlap: find the nodes, count them in the sketch,
        // then reorder the queues in order. The result is the same as one
        // access after another: the window sizer and the queues never read the
        // sketch, and the sketch sees the same increments in the same order.
        const BATCH: usize = 64;
        for chunk in hashes.chunks(BATCH) {
            let mut nodes = [NIL; BATCH];
            for (node, &hash) in nodes.iter_mut().zip(chunk) {
                *node = self.arena.find(hash).unwrap_or(NIL);
            }
            let nodes = &nodes[..chunk.len()];
            for &idx in nodes {
                if idx != NIL {
                    self.sketch.increment(self.sketch_hash(idx));
                }
            }
            for &idx in nodes {
                if idx != NIL {
                    self.reorder(idx);
                }
            }
        }
    }

    fn on_update(&mut self, entry: &EntryInfo<'_, K>, _old_weight: u32) {
        self.candidate = NIL;
        if let Some(idx) = self.arena.find(entry.hash) {
            self.update(idx, entry.weight);
        }
    }

    fn on_remove(&mut self, hash: u64) {
        if let Some(idx) = self.arena.find(hash) {
            self.detach(idx);
        }
        self.candidate = NIL;
    }

    fn evict(&mut self) -> Option<u64> {
        let victim = self.choose_victim()?;
        let hash = self.arena.hash_of(victim);
        self.detach(victim);
        Some(hash)
    }

    fn clear(&mut self) {
        let maximum = self.maximum;
        *self = Self::new(maximum);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policies::testing::{drive, insert};
    use std::collections::HashSet;

    /// Drives the policy like a store of `capacity` unit-weight entries.
    fn request(
        policy: &mut WTinyLfu,
        resident: &mut HashSet<u64>,
        key: u64,
        capacity: usize,
    ) -> bool {
        let policy = drive(policy);
        if resident.contains(&key) {
            policy.on_access(key);
            return true;
        }
        insert(policy, key);
        resident.insert(key);
        while resident.len() > capacity {
            let victim = policy.evict().expect("tracked keys");
            resident.remove(&victim);
        }
        false
    }

    #[test]
    fn a_frequent_key_beats_a_one_hit_wonder() {
        let mut policy = WTinyLfu::new(10);
        let mut resident = HashSet::new();
        for k in 0..10 {
            request(&mut policy, &mut resident, k, 10);
            for _ in 0..3 {
                request(&mut policy, &mut resident, k, 10);
            }
        }
        for wonder in 100..110 {
            request(&mut policy, &mut resident, wonder, 10);
        }
        let kept = (0..10).filter(|k| resident.contains(k)).count();
        assert!(kept >= 9, "the frequent keys stay ({kept} of 10)");
        assert_eq!(policy.len(), resident.len());
    }

    #[test]
    fn a_scan_does_not_flush_the_working_set() {
        let mut policy = WTinyLfu::new(100);
        let mut resident = HashSet::new();
        for _ in 0..20 {
            for k in 0..50 {
                request(&mut policy, &mut resident, k, 100);
            }
        }
        // Two scan keys between working-set requests: reuse distance 150 >
        // 100, so exact LRU would miss every working-set request here.
        let mut hits = 0;
        for i in 0..1_000u64 {
            request(&mut policy, &mut resident, 1_000 + 2 * i, 100);
            request(&mut policy, &mut resident, 1_001 + 2 * i, 100);
            hits += usize::from(request(&mut policy, &mut resident, i % 50, 100));
        }
        assert!(hits >= 900, "working set survives the scan ({hits} of 1000)");
    }

    #[test]
    fn the_window_grows_on_a_recency_workload() {
        // Key i is requested in blocks i, i+1, i+5, i+20 and i+80, and never
        // again: recency predicts reuse, frequency does not.
        let mut policy = WTinyLfu::new(200);
        let mut resident = HashSet::new();
        let start_window = policy.window_capacity();
        let mut hits = 0u64;
        let mut requests = 0u64;
        for block in 0..20_000u64 {
            for back in [0, 1, 5, 20, 80] {
                if let Some(key) = block.checked_sub(back) {
                    requests += 1;
                    hits += u64::from(request(&mut policy, &mut resident, key, 200));
                }
            }
        }
        let ratio = hits as f64 / requests as f64;
        assert!(policy.window_capacity() > start_window * 10, "{policy:?}");
        // Exact LRU scores 0.8 on this adversarial trace; the ghost-sized
        // window reaches 0.58-0.61 depending on the hash the keys get
        // (W-TinyLFU's known weak spot; the tuned hill climber it replaced
        // reached 0.50, an untuned one 0.7).
        assert!(ratio > 0.55, "the adaptive window follows recency ({ratio})");
    }

    /// The hit ratio of `passes` passes over keys `0..keys` at `capacity`,
    /// with every `skip`-th hit not reported to the policy (0: none).
    fn loop_hit_ratio(keys: u64, capacity: usize, passes: u64, skip: u64) -> f64 {
        let mut policy = WTinyLfu::new(capacity as u64);
        let mut resident = HashSet::new();
        let (mut hits, mut requests) = (0u64, 0u64);
        for _ in 0..passes {
            for key in 0..keys {
                requests += 1;
                if resident.contains(&key) {
                    hits += 1;
                    if skip == 0 || hits % skip != 0 {
                        drive(&mut policy).on_access(key);
                    }
                } else {
                    request(&mut policy, &mut resident, key, capacity);
                }
            }
        }
        hits as f64 / requests as f64
    }

    #[test]
    fn a_loop_keeps_its_hits_when_some_go_unreported() {
        // A store drops hits when a read buffer is full, and two threads'
        // hits reach the policy out of order. On a loop larger than the cache
        // the main space should keep one fixed set whatever the order: before
        // reused victims kept their place on a one-count lead, leaving out
        // one hit in 400 set off LRU-like runs that cost 8% of the hits here
        // (0.455 against 0.493).
        let exact = loop_hit_ratio(1_010, 506, 150, 0);
        let perturbed = loop_hit_ratio(1_010, 506, 150, 400);
        assert!(exact > 0.48, "near the optimum of 0.5 ({exact})");
        assert!(perturbed > 0.99 * exact, "{perturbed} against {exact}");
    }

    #[test]
    fn memory_follows_the_keys_not_the_capacity() {
        let mut policy = WTinyLfu::new(u64::MAX);
        assert_eq!(policy.sketch.words(), 0, "nothing allocated from the budget");
        for k in 0..3_000u64 {
            insert(drive(&mut policy), k);
        }
        assert_eq!(policy.sketch.words(), 4_096, "a word per tracked key (power of two)");
        let mut small = WTinyLfu::new(1 << 30);
        insert(drive(&mut small), 1);
        assert_eq!(small.sketch.words(), 512, "the 4 KiB floor, whatever the budget");
    }

    #[test]
    fn evicts_every_key_once_then_nothing() {
        let mut wtinylfu = WTinyLfu::new(4);
        let policy = drive(&mut wtinylfu);
        for k in 0..6u64 {
            insert(policy, k);
        }
        policy.on_update(&EntryInfo::new(&5, 5, 3, None), 1);
        policy.on_remove(2);
        let mut seen: Vec<u64> = std::iter::from_fn(|| policy.evict()).collect();
        seen.sort_unstable();
        assert_eq!(seen, [0, 1, 3, 4, 5]);
        insert(policy, 9);
        policy.clear();
        assert!(wtinylfu.is_empty());
    }
}
