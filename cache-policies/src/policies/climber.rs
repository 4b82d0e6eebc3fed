//! Sizes the admission window of W-TinyLFU from *ghosts*: the hashes of keys
//! recently evicted from each side of the cache. A miss on a key the window
//! side just lost (a candidate refused admission) says a larger window would
//! have kept it; a miss on a key the main space just lost says a larger main
//! space would have. The window moves toward whichever side the misses name,
//! as ARC moves its target between recency and frequency.
//!
//! This replaced Caffeine's hill climber (sample the hit rate, step the
//! window in the direction that improved it, decay the step, restart on a
//! large change) on 2026-11-30. On the tuning half of the fifteen traces (see
//! benches/RESULTS.md) the climber's grid of 99 settings stayed within the
//! noise of the sketch's hash seed, because consecutive samples of a real
//! trace differ more by the workload's own phases than by the window's size,
//! so the climber wandered on long traces and froze on short ones (corda:
//! the first step shrank the window to one entry for a whole sample). Ghost
//! hits are counterfactual evidence about the window itself: +0.5 points on
//! the tuning half's average over three hash seeds, rows more than 1 point
//! behind the best peer from 5–7 down to 2.

use std::collections::VecDeque;

use hashbrown::HashTable;

use crate::policy_store::make_room;

/// Ghosts remembered per side: one per this many keys tracked (5%; 10% and
/// more cost up to 4 points on a 71-entry cache, where a single ghost hit
/// moves the window by more than 1%).
const KEYS_PER_GHOST: usize = 20;
/// The window grows by the returning key's weight times this on a hit in the
/// window's ghosts...
const GROW: u64 = 1;
/// ...and shrinks by its weight times this on a hit in the main space's
/// ghosts (shrinking faster protects frequency-heavy workloads: +0.1 points
/// on average, and the 71-entry sprite row +1.2).
const SHRINK: u64 = 2;

/// A bounded FIFO of hashes with a membership index. The index holds each
/// remembered hash's position in the FIFO as a `u32` sequence number (the
/// FIFO holds the hash): 5 bytes per slot instead of 9 for the hash itself.
#[derive(Debug, Default)]
struct Ghosts {
    order: VecDeque<u64>,
    /// Sequence numbers (pushes counted from 0, wrapping) of hashes in
    /// `order`, one per distinct hash.
    index: HashTable<u32>,
    /// Hashes popped from `order` so far (wrapping): the sequence number of
    /// its front.
    popped: u32,
}

impl Ghosts {
    /// The hash at sequence number `seq` (which must be in `order`).
    fn at(order: &VecDeque<u64>, popped: u32, seq: u32) -> u64 {
        order[seq.wrapping_sub(popped) as usize]
    }

    /// Remembers `hash`, forgetting the oldest hashes beyond `limit`.
    fn push(&mut self, hash: u64, limit: usize) {
        if self.order.len() == self.order.capacity() {
            // Grow by an eighth, as the limit follows the keys tracked.
            let more = (self.order.len() / 8).max(16);
            self.order.reserve_exact(more);
        }
        // Fewer than 2^32 hashes are held: truncation keeps the count mod 2^32.
        #[allow(clippy::cast_possible_truncation)]
        let seq = self.popped.wrapping_add(self.order.len() as u32);
        self.order.push_back(hash);
        let (order, popped) = (&self.order, self.popped);
        if self.index.find(hash, |&s| Self::at(order, popped, s) == hash).is_none() {
            if self.index.len() == self.index.capacity() {
                // Not doubled for the tombstones of forgotten ghosts.
                make_room(&mut self.index, |&s| Self::at(order, popped, s));
            }
            self.index.insert_unique(hash, seq, |&s| Self::at(order, popped, s));
        }
        while self.order.len() > limit {
            let Some(&old) = self.order.front() else { break };
            let (order, popped) = (&self.order, self.popped);
            if let Ok(entry) = self.index.find_entry(old, |&s| Self::at(order, popped, s) == old) {
                entry.remove();
            }
            self.order.pop_front();
            self.popped = self.popped.wrapping_add(1);
        }
    }

    /// Forgets `hash`; whether it was remembered.
    fn take(&mut self, hash: u64) -> bool {
        let (order, popped) = (&self.order, self.popped);
        match self.index.find_entry(hash, |&s| Self::at(order, popped, s) == hash) {
            Ok(entry) => {
                entry.remove();
                true
            }
            Err(_) => false,
        }
    }
}

/// How the window should change after a miss.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Adjustment {
    /// Move this much weight from the main space into the window.
    Grow(u64),
    /// Move this much weight from the window into the main space.
    Shrink(u64),
    /// Leave the window as it is.
    Keep,
}

/// The ghosts of both sides and the rule that turns their hits into window
/// adjustments. Memory follows the keys tracked: at most one ghost per 20
/// keys on each side (a `u64` in a queue and a `u32` in an index).
#[derive(Debug, Default)]
pub(crate) struct WindowSizer {
    window: Ghosts,
    main: Ghosts,
}

impl WindowSizer {
    /// A sizer with no ghosts.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// A key (its sketch hash) was evicted while `keys` keys were tracked:
    /// from the window side (a candidate refused admission) or from the main
    /// space.
    pub(crate) fn evicted(&mut self, hash: u64, from_window: bool, keys: usize) {
        let limit = keys / KEYS_PER_GHOST + 1;
        let ghosts = if from_window { &mut self.window } else { &mut self.main };
        ghosts.push(hash, limit);
    }

    /// A key (its sketch hash) of `weight` missed: the window adjustment its
    /// ghost (if any) calls for.
    pub(crate) fn missed(&mut self, hash: u64, weight: u32) -> Adjustment {
        let weight = u64::from(weight.max(1));
        if self.window.take(hash) {
            Adjustment::Grow(GROW * weight)
        } else if self.main.take(hash) {
            Adjustment::Shrink(SHRINK * weight)
        } else {
            Adjustment::Keep
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ghost_hits_move_the_window_toward_the_side_that_lost_the_key() {
        let mut sizer = WindowSizer::new();
        sizer.evicted(1, true, 100);
        sizer.evicted(2, false, 100);
        assert_eq!(sizer.missed(7, 1), Adjustment::Keep, "never evicted");
        assert_eq!(sizer.missed(1, 3), Adjustment::Grow(3));
        assert_eq!(sizer.missed(1, 3), Adjustment::Keep, "a ghost counts once");
        assert_eq!(sizer.missed(2, 1), Adjustment::Shrink(2));
    }

    #[test]
    fn ghosts_remember_as_a_queue_and_a_set_of_hashes_would() {
        // The reference: the hashes themselves in the index.
        let (mut order, mut index) = (VecDeque::new(), std::collections::HashSet::new());
        let mut ghosts = Ghosts { popped: u32::MAX - 50, ..Ghosts::default() }; // wraps
        let mut rng = 5u64;
        for step in 0..20_000 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let (hash, limit) = (rng % 61, 1 + (step / 1000) % 40);
            if rng & 4 == 0 {
                assert_eq!(ghosts.take(hash), index.remove(&hash), "step {step}");
            } else {
                ghosts.push(hash, limit);
                order.push_back(hash);
                index.insert(hash);
                while order.len() > limit {
                    let old = order.pop_front().expect("over the limit");
                    index.remove(&old);
                }
            }
            assert_eq!((ghosts.order.len(), ghosts.index.len()), (order.len(), index.len()));
        }
    }

    #[test]
    fn ghosts_are_bounded_by_the_keys_tracked() {
        let mut sizer = WindowSizer::new();
        // 200 keys tracked: 11 ghosts per side.
        for h in 0..100 {
            sizer.evicted(h, true, 200);
        }
        assert_eq!(sizer.window.order.len(), 11);
        assert_eq!(sizer.window.index.len(), 11);
        assert_eq!(sizer.missed(88, 1), Adjustment::Keep, "forgotten");
        assert_eq!(sizer.missed(99, 1), Adjustment::Grow(1), "remembered");
        assert!(sizer.main.order.is_empty());
    }
}
