//! Least-frequently-used eviction with dynamic aging (LFU-DA).

use std::collections::BTreeSet;
use std::fmt;
use std::hash::Hash;

use cache_core::{EvictionPolicy, Victim};

use super::arena::Arena;

#[derive(Debug, Clone, Copy)]
struct Counts {
    frequency: u64,
    priority: u64,
    stamp: u64,
}

/// LFU with dynamic aging (LFU-DA): the key with the lowest priority leaves
/// first, ties broken by least recent use.
///
/// A key's priority is `age + frequency`, recomputed on each access, where
/// `age` is the priority of the last evicted key. The age only grows, so a key
/// that was popular long ago but is no longer accessed is overtaken by newer
/// keys and becomes evictable: frequencies do not pin stale keys forever.
/// Operations are O(log n) (an ordered set of priorities).
///
/// # Examples
///
/// ```
/// use cache_core::EvictionPolicy;
/// use cache_policies::Lfu;
///
/// let mut lfu = Lfu::new();
/// lfu.on_insert(&"hot", 1);
/// lfu.on_insert(&"cold", 1);
/// lfu.on_access(&"hot");
/// assert_eq!(lfu.evict(), Some("cold"));
/// ```
pub struct Lfu<K> {
    arena: Arena<K, Counts>,
    order: BTreeSet<(u64, u64, usize)>,
    age: u64,
    clock: u64,
}

impl<K: Hash + Eq + Clone> Lfu<K> {
    /// An empty LFU-DA policy.
    #[must_use]
    pub fn new() -> Self {
        Self { arena: Arena::new(), order: BTreeSet::new(), age: 0, clock: 0 }
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

    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    /// The counts of a key seen for the first time.
    fn new_counts(&mut self) -> Counts {
        Counts { frequency: 1, priority: self.age.saturating_add(1), stamp: self.tick() }
    }

    /// Takes the least valuable key out of the order (still allocated) and
    /// ages the cache to its priority.
    fn pop_victim(&mut self) -> Option<usize> {
        let (priority, _, idx) = self.order.pop_first()?;
        self.age = priority;
        Some(idx)
    }

    /// Forgets a tracked key.
    fn forget(&mut self, idx: usize) {
        let c = *self.arena.data(idx);
        self.order.remove(&(c.priority, c.stamp, idx));
        self.arena.release(idx);
    }

    fn touch(&mut self, idx: usize) {
        let old = *self.arena.data(idx);
        self.order.remove(&(old.priority, old.stamp, idx));
        let frequency = old.frequency.saturating_add(1);
        let counts =
            Counts { frequency, priority: self.age.saturating_add(frequency), stamp: self.tick() };
        *self.arena.data_mut(idx) = counts;
        self.order.insert((counts.priority, counts.stamp, idx));
    }
}

impl<K: Hash + Eq + Clone> Default for Lfu<K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K> fmt::Debug for Lfu<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lfu").field("len", &self.order.len()).field("age", &self.age).finish()
    }
}

impl<K: Hash + Eq + Clone + Send + 'static> EvictionPolicy<K> for Lfu<K> {
    fn on_insert(&mut self, key: &K, _weight: u32) {
        let hash = self.arena.hash(key);
        if let Some(idx) = self.arena.find(hash, key) {
            self.touch(idx);
            return;
        }
        let counts = self.new_counts();
        let idx = self.arena.alloc(hash, key, counts);
        self.order.insert((counts.priority, counts.stamp, idx));
    }

    fn on_access(&mut self, key: &K) {
        if let Some(idx) = self.arena.get(key) {
            self.touch(idx);
        }
    }

    fn on_remove(&mut self, key: &K) {
        if let Some(idx) = self.arena.get(key) {
            self.forget(idx);
        }
    }

    fn evict(&mut self) -> Option<K> {
        let idx = self.pop_victim()?;
        self.arena.release(idx)
    }

    fn clear(&mut self) {
        self.arena.clear();
        self.order.clear();
        self.age = 0;
    }

    // The hashed methods track keys by the caller's hash alone, without a
    // copy of the key (one policy instance is driven through one family of
    // methods only).
    fn on_insert_hashed(&mut self, _key: &K, hash: u64, _weight: u32) {
        if let Some(idx) = self.arena.find_by_hash(hash) {
            self.touch(idx);
            return;
        }
        let counts = self.new_counts();
        let idx = self.arena.alloc_hashed(hash, counts);
        self.order.insert((counts.priority, counts.stamp, idx));
    }

    fn on_access_hashed(&mut self, _key: &K, hash: u64) {
        if let Some(idx) = self.arena.find_by_hash(hash) {
            self.touch(idx);
        }
    }

    fn on_update_hashed(&mut self, key: &K, hash: u64, _old_weight: u32, _new_weight: u32) {
        self.on_access_hashed(key, hash);
    }

    fn on_remove_hashed(&mut self, _key: &K, hash: u64) {
        if let Some(idx) = self.arena.find_by_hash(hash) {
            self.forget(idx);
        }
    }

    fn on_accesses_by_hash(&mut self, hashes: &[u64]) -> bool {
        for &hash in hashes {
            if let Some(idx) = self.arena.find_by_hash(hash) {
                self.touch(idx);
            }
        }
        true
    }

    fn evict_hashed(&mut self) -> Option<Victim<K>> {
        let idx = self.pop_victim()?;
        let hash = self.arena.hash_of(idx);
        self.arena.release(idx);
        Some(Victim::Hash(hash))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_frequent_leaves_first_with_recency_breaking_ties() {
        let mut lfu = Lfu::new();
        for k in 1..=3 {
            lfu.on_insert(&k, 1);
        }
        lfu.on_access(&1);
        lfu.on_access(&1);
        lfu.on_access(&2);
        lfu.on_insert(&4, 1);
        lfu.on_remove(&4);
        assert_eq!(
            (lfu.evict(), lfu.evict(), lfu.evict(), lfu.evict()),
            (Some(3), Some(2), Some(1), None)
        );
    }

    #[test]
    fn aging_makes_an_old_popular_key_evictable() {
        let mut lfu = Lfu::new();
        lfu.on_insert(&0, 1);
        for _ in 0..50 {
            lfu.on_access(&0);
        }
        // A stream of newer keys, each used twice, in a cache of two keys.
        let mut evicted_old = None;
        for k in 1..200 {
            lfu.on_insert(&k, 1);
            lfu.on_access(&k);
            if lfu.len() > 2 && lfu.evict() == Some(0) {
                evicted_old = Some(k);
                break;
            }
        }
        let at = evicted_old.expect("the stale popular key is eventually evicted");
        assert!(at > 10, "but not before its popularity has aged out (at {at})");
        lfu.clear();
        assert!(lfu.is_empty());
    }
}
