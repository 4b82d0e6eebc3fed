//! SIEVE eviction (Zhang et al., NSDI'24).

use std::fmt;
use std::hash::Hash;

use cache_core::{EvictionPolicy, Victim};

use super::arena::{Arena, List, NIL};

/// SIEVE: a FIFO queue with one "visited" bit per key and a moving hand.
///
/// New keys enter at the newest end with the bit clear; a hit only sets the
/// bit (no list move, so hits are cheap). To evict, the hand walks from where
/// it stopped last towards newer keys (wrapping to the oldest), clearing set
/// bits, and evicts the first key whose bit is clear. Survivors keep their
/// position, which is what separates SIEVE from CLOCK/second-chance.
///
/// # Examples
///
/// ```
/// use cache_core::EvictionPolicy;
/// use cache_policies::Sieve;
///
/// let mut sieve = Sieve::new();
/// for key in 1..=3 {
///     sieve.on_insert(&key, 1);
/// }
/// sieve.on_access(&1); // 1 survives the first pass
/// assert_eq!(sieve.evict(), Some(2));
/// ```
pub struct Sieve<K> {
    arena: Arena<K, bool>,
    queue: List,
    hand: usize,
}

impl<K: Hash + Eq + Clone> Sieve<K> {
    /// An empty SIEVE policy.
    #[must_use]
    pub fn new() -> Self {
        Self { arena: Arena::new(), queue: List::new(), hand: NIL }
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

    /// Moves the hand to the next victim (clearing the visited bits it
    /// passes) and returns it, still tracked.
    fn sweep(&mut self) -> Option<usize> {
        let mut idx = if self.hand == NIL { self.queue.head() } else { self.hand };
        if idx == NIL {
            return None;
        }
        // Terminates within two passes: every visited bit passed is cleared.
        while *self.arena.data(idx) {
            *self.arena.data_mut(idx) = false;
            idx = self.arena.next(idx);
            if idx == NIL {
                idx = self.queue.head();
            }
        }
        self.hand = idx;
        Some(idx)
    }

    fn detach(&mut self, idx: usize) -> Option<K> {
        if self.hand == idx {
            self.hand = self.arena.next(idx);
        }
        self.arena.unlink(&mut self.queue, idx);
        self.arena.release(idx)
    }
}

impl<K: Hash + Eq + Clone> Default for Sieve<K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K> fmt::Debug for Sieve<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sieve").field("len", &self.queue.len()).finish()
    }
}

impl<K: Hash + Eq + Clone + Send + 'static> EvictionPolicy<K> for Sieve<K> {
    fn on_insert(&mut self, key: &K, _weight: u32) {
        let hash = self.arena.hash(key);
        if let Some(idx) = self.arena.find(hash, key) {
            *self.arena.data_mut(idx) = true;
        } else {
            let idx = self.arena.alloc(hash, key, false);
            self.arena.push_back(&mut self.queue, idx);
        }
    }

    fn on_access(&mut self, key: &K) {
        if let Some(idx) = self.arena.get(key) {
            *self.arena.data_mut(idx) = true;
        }
    }

    fn on_remove(&mut self, key: &K) {
        if let Some(idx) = self.arena.get(key) {
            self.detach(idx);
        }
    }

    fn evict(&mut self) -> Option<K> {
        let idx = self.sweep()?;
        self.detach(idx)
    }

    fn clear(&mut self) {
        self.arena.clear();
        self.queue = List::new();
        self.hand = NIL;
    }

    // The hashed methods track keys by the caller's hash alone, without a
    // copy of the key (one policy instance is driven through one family of
    // methods only).
    fn on_insert_hashed(&mut self, _key: &K, hash: u64, _weight: u32) {
        if let Some(idx) = self.arena.find_by_hash(hash) {
            *self.arena.data_mut(idx) = true;
        } else {
            let idx = self.arena.alloc_hashed(hash, false);
            self.arena.push_back(&mut self.queue, idx);
        }
    }

    fn on_access_hashed(&mut self, _key: &K, hash: u64) {
        if let Some(idx) = self.arena.find_by_hash(hash) {
            *self.arena.data_mut(idx) = true;
        }
    }

    fn on_update_hashed(&mut self, key: &K, hash: u64, _old_weight: u32, _new_weight: u32) {
        self.on_access_hashed(key, hash);
    }

    fn on_remove_hashed(&mut self, _key: &K, hash: u64) {
        if let Some(idx) = self.arena.find_by_hash(hash) {
            self.detach(idx);
        }
    }

    fn on_accesses_by_hash(&mut self, hashes: &[u64]) -> bool {
        for &hash in hashes {
            if let Some(idx) = self.arena.find_by_hash(hash) {
                *self.arena.data_mut(idx) = true;
            }
        }
        true
    }

    fn evict_hashed(&mut self) -> Option<Victim<K>> {
        let idx = self.sweep()?;
        let hash = self.arena.hash_of(idx);
        self.detach(idx);
        Some(Victim::Hash(hash))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visited_keys_survive_in_place_and_the_hand_remembers_its_position() {
        let mut sieve = Sieve::new();
        for k in 1..=4 {
            sieve.on_insert(&k, 1);
        }
        sieve.on_access(&1);
        sieve.on_access(&3);
        // Hand starts at the oldest (1): clears 1, evicts 2, stops at 3.
        assert_eq!(sieve.evict(), Some(2));
        sieve.on_insert(&5, 1);
        // Hand at 3: clears it, evicts 4 (1 is not revisited yet).
        assert_eq!(sieve.evict(), Some(4));
        // Hand at 5 (unvisited).
        assert_eq!(sieve.evict(), Some(5));
        // Wraps to the oldest: 1 and 3 were cleared, so 1 goes first.
        assert_eq!(sieve.evict(), Some(1));
        assert_eq!(sieve.evict(), Some(3));
        assert_eq!(sieve.evict(), None);
    }

    #[test]
    fn removing_the_key_under_the_hand_moves_the_hand_on() {
        let mut sieve = Sieve::new();
        for k in 1..=3 {
            sieve.on_insert(&k, 1);
        }
        sieve.on_access(&1);
        sieve.on_access(&2);
        assert_eq!(sieve.evict(), Some(3));
        sieve.on_insert(&4, 1);
        sieve.on_access(&4);
        sieve.on_remove(&1);
        // 2 lost its bit in the first pass; 4 keeps its bit and survives once.
        assert_eq!(sieve.evict(), Some(2));
        assert_eq!(sieve.evict(), Some(4));
        sieve.on_insert(&6, 1);
        sieve.clear();
        assert!(sieve.is_empty() && sieve.evict().is_none());
    }
}
