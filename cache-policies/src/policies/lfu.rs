//! Least-frequently-used eviction with dynamic aging (LFU-DA).

use std::collections::BTreeSet;
use std::fmt;

use cache_core::{EntryInfo, EvictionPolicy};

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
/// use cache_core::{EntryInfo, EvictionPolicy};
/// use cache_policies::Lfu;
///
/// let mut lfu = Lfu::new();
/// let policy: &mut dyn EvictionPolicy<&str> = &mut lfu;
/// policy.on_insert(&EntryInfo::new(&"hot", 1, 1, None));
/// policy.on_insert(&EntryInfo::new(&"cold", 2, 1, None));
/// policy.on_access(1);
/// assert_eq!(policy.evict(), Some(2), "\"cold\" leaves");
/// ```
pub struct Lfu {
    arena: Arena<Counts>,
    order: BTreeSet<(u64, u64, usize)>,
    age: u64,
    clock: u64,
}

impl Lfu {
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

impl Default for Lfu {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Lfu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lfu").field("len", &self.order.len()).field("age", &self.age).finish()
    }
}

impl<K> EvictionPolicy<K> for Lfu {
    fn on_insert(&mut self, entry: &EntryInfo<'_, K>) {
        if let Some(idx) = self.arena.find(entry.hash) {
            self.touch(idx);
            return;
        }
        let counts = self.new_counts();
        // A full arena leaves the key untracked.
        if let Some(idx) = self.arena.alloc(entry.hash, counts) {
            self.order.insert((counts.priority, counts.stamp, idx));
        }
    }

    fn on_access(&mut self, hash: u64) {
        if let Some(idx) = self.arena.find(hash) {
            self.touch(idx);
        }
    }

    fn on_remove(&mut self, hash: u64) {
        if let Some(idx) = self.arena.find(hash) {
            self.forget(idx);
        }
    }

    fn evict(&mut self) -> Option<u64> {
        let idx = self.pop_victim()?;
        let hash = self.arena.hash_of(idx);
        self.arena.release(idx);
        Some(hash)
    }

    fn clear(&mut self) {
        self.arena.clear();
        self.order.clear();
        self.age = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policies::testing::{drive, insert};

    #[test]
    fn least_frequent_leaves_first_with_recency_breaking_ties() {
        let mut lfu = Lfu::new();
        let lfu = drive(&mut lfu);
        for k in 1..=3 {
            insert(lfu, k);
        }
        lfu.on_access(1);
        lfu.on_access(1);
        lfu.on_access(2);
        insert(lfu, 4);
        lfu.on_remove(4);
        assert_eq!(
            (lfu.evict(), lfu.evict(), lfu.evict(), lfu.evict()),
            (Some(3), Some(2), Some(1), None)
        );
    }

    #[test]
    fn aging_makes_an_old_popular_key_evictable() {
        let mut lfu = Lfu::new();
        let lfu = drive(&mut lfu);
        insert(lfu, 0);
        for _ in 0..50 {
            lfu.on_access(0);
        }
        // A stream of newer keys, each used twice, in a cache of two keys.
        let mut evicted_old = None;
        for k in 1..200 {
            insert(lfu, k);
            lfu.on_access(k);
            if k >= 2 && lfu.evict() == Some(0) {
                evicted_old = Some(k);
                break;
            }
        }
        let at = evicted_old.expect("the stale popular key is eventually evicted");
        assert!(at > 10, "but not before its popularity has aged out (at {at})");
        lfu.clear();
        assert_eq!(lfu.evict(), None);
    }
}
