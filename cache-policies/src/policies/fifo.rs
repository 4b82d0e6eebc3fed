//! First-in, first-out eviction.

use std::fmt;
use std::hash::Hash;

use cache_core::{EvictionPolicy, Victim};

use super::key_queue::KeyQueue;

/// FIFO: keys leave in insertion order; accesses change nothing.
///
/// O(1) per operation. A re-insert of a tracked key keeps its place.
///
/// # Examples
///
/// ```
/// use cache_core::EvictionPolicy;
/// use cache_policies::Fifo;
///
/// let mut fifo = Fifo::new();
/// fifo.on_insert(&1, 1);
/// fifo.on_insert(&2, 1);
/// fifo.on_access(&1);
/// assert_eq!(fifo.evict(), Some(1));
/// ```
pub struct Fifo<K> {
    queue: KeyQueue<K>,
}

impl<K: Hash + Eq + Clone> Fifo<K> {
    /// An empty FIFO policy.
    #[must_use]
    pub fn new() -> Self {
        Self { queue: KeyQueue::new() }
    }

    /// The number of keys tracked.
    #[must_use]
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Whether no key is tracked.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<K: Hash + Eq + Clone> Default for Fifo<K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K> fmt::Debug for Fifo<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fifo").field("len", &self.queue.len()).finish()
    }
}

impl<K: Hash + Eq + Clone + Send + 'static> EvictionPolicy<K> for Fifo<K> {
    fn on_insert(&mut self, key: &K, _weight: u32) {
        self.queue.push_back_if_absent(key);
    }

    fn on_access(&mut self, _key: &K) {}

    fn on_remove(&mut self, key: &K) {
        self.queue.remove(key);
    }

    fn evict(&mut self) -> Option<K> {
        self.queue.pop_front()
    }

    fn clear(&mut self) {
        self.queue.clear();
    }

    // The hashed methods track keys by the caller's hash alone; see `KeyQueue`.
    fn on_insert_hashed(&mut self, _key: &K, hash: u64, _weight: u32) {
        self.queue.push_back_if_absent_hashed(hash);
    }

    fn on_access_hashed(&mut self, _key: &K, _hash: u64) {}

    fn on_update_hashed(&mut self, _key: &K, _hash: u64, _old_weight: u32, _new_weight: u32) {}

    fn on_remove_hashed(&mut self, _key: &K, hash: u64) {
        self.queue.remove_hashed(hash);
    }

    fn on_accesses_by_hash(&mut self, _hashes: &[u64]) -> bool {
        true // hits change nothing in FIFO order
    }

    fn evict_hashed(&mut self) -> Option<Victim<K>> {
        self.queue.pop_front_hashed().map(Victim::Hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insertion_order_ignores_accesses_and_updates() {
        let mut fifo = Fifo::new();
        for k in 1..=3 {
            fifo.on_insert(&k, 1);
        }
        fifo.on_access(&1);
        fifo.on_update(&1, 1, 5);
        fifo.on_insert(&1, 1);
        fifo.on_remove(&2);
        assert_eq!(fifo.len(), 2);
        assert_eq!((fifo.evict(), fifo.evict(), fifo.evict()), (Some(1), Some(3), None));
    }
}
