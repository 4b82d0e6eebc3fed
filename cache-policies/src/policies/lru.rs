//! Exact least-recently-used eviction.

use std::fmt;
use std::hash::Hash;

use cache_core::{EvictionPolicy, Victim};

use super::key_queue::KeyQueue;

/// Exact LRU: the key accessed (or inserted) longest ago leaves first.
///
/// Every operation is O(1): one hash lookup plus a move in an index-linked
/// list. Usable standalone (a trace simulator drives it through the
/// [`EvictionPolicy`] methods) or inside a [`PolicyStore`](crate::PolicyStore).
///
/// # Examples
///
/// ```
/// use cache_core::EvictionPolicy;
/// use cache_policies::Lru;
///
/// let mut lru = Lru::new();
/// for key in ["a", "b", "c"] {
///     lru.on_insert(&key, 1);
/// }
/// lru.on_access(&"a");
/// assert_eq!(lru.evict(), Some("b"));
/// assert_eq!(lru.evict(), Some("c"));
/// assert_eq!(lru.evict(), Some("a"));
/// assert_eq!(lru.evict(), None);
/// ```
pub struct Lru<K> {
    queue: KeyQueue<K>,
}

impl<K: Hash + Eq + Clone> Lru<K> {
    /// An empty LRU policy.
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

impl<K: Hash + Eq + Clone> Default for Lru<K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K> fmt::Debug for Lru<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lru").field("len", &self.queue.len()).finish()
    }
}

impl<K: Hash + Eq + Clone + Send + 'static> EvictionPolicy<K> for Lru<K> {
    fn on_insert(&mut self, key: &K, _weight: u32) {
        if let Some(idx) = self.queue.push_back_if_absent(key) {
            self.queue.move_index_to_back(idx);
        }
    }

    fn on_access(&mut self, key: &K) {
        self.queue.move_to_back(key);
    }

    fn on_remove(&mut self, key: &K) {
        self.queue.remove(key);
    }

    fn evict(&mut self) -> Option<K> {
        self.queue.pop_front()
    }

    fn clear(&mut self) {
        self.queue.clear();
    }

    // The hashed methods track keys by the caller's hash alone (no second
    // hash, no copy of the key, buffered hits need no key); see `KeyQueue`.
    fn on_insert_hashed(&mut self, _key: &K, hash: u64, _weight: u32) {
        if let Some(idx) = self.queue.push_back_if_absent_hashed(hash) {
            self.queue.move_index_to_back(idx);
        }
    }

    fn on_access_hashed(&mut self, _key: &K, hash: u64) {
        self.queue.move_to_back_hashed(hash);
    }

    fn on_update_hashed(&mut self, key: &K, hash: u64, _old_weight: u32, _new_weight: u32) {
        self.on_access_hashed(key, hash);
    }

    fn on_remove_hashed(&mut self, _key: &K, hash: u64) {
        self.queue.remove_hashed(hash);
    }

    fn on_accesses_by_hash(&mut self, hashes: &[u64]) -> bool {
        for &hash in hashes {
            self.queue.move_to_back_hashed(hash);
        }
        true
    }

    fn evict_hashed(&mut self) -> Option<Victim<K>> {
        self.queue.pop_front_hashed().map(Victim::Hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn victims_follow_recency_including_reinserts_and_removals() {
        let mut lru = Lru::new();
        for k in 1..=4 {
            lru.on_insert(&k, 1);
        }
        lru.on_access(&1);
        lru.on_update(&2, 1, 1);
        lru.on_remove(&3);
        lru.on_access(&99); // unknown keys are ignored
        assert_eq!(lru.len(), 3);
        assert_eq!(
            (lru.evict(), lru.evict(), lru.evict(), lru.evict()),
            (Some(4), Some(1), Some(2), None)
        );
        lru.on_insert(&7, 1);
        lru.clear();
        assert!(lru.is_empty());
        assert_eq!(lru.evict(), None);
    }
}
