//! Exact least-recently-used eviction.

use cache_core::{EntryInfo, EvictionPolicy};

use super::key_queue::KeyQueue;

/// Exact LRU: the entry accessed (or inserted) longest ago leaves first.
///
/// Every operation is O(1): one lookup by the store's hash plus a move in an
/// index-linked list. Usable standalone (a trace simulator drives it through
/// the [`EvictionPolicy`] methods) or inside a [`PolicyStore`](crate::PolicyStore).
///
/// # Examples
///
/// ```
/// use cache_core::{EntryInfo, EvictionPolicy};
/// use cache_policies::Lru;
///
/// let mut policy = Lru::new();
/// for (key, hash) in [("a", 1), ("b", 2), ("c", 3)] {
///     EvictionPolicy::<&str>::on_insert(&mut policy, &EntryInfo::new(&key, hash, 1, None));
/// }
/// EvictionPolicy::<&str>::on_access(&mut policy, 1); // "a"
/// assert_eq!(EvictionPolicy::<&str>::evict(&mut policy), Some(2));
/// assert_eq!(EvictionPolicy::<&str>::evict(&mut policy), Some(3));
/// assert_eq!(EvictionPolicy::<&str>::evict(&mut policy), Some(1));
/// assert_eq!(EvictionPolicy::<&str>::evict(&mut policy), None);
/// ```
#[derive(Debug, Default)]
pub struct Lru {
    queue: KeyQueue,
}

impl Lru {
    /// An empty policy.
    #[must_use]
    pub fn new() -> Self {
        Self { queue: KeyQueue::new() }
    }

    /// The number of entries tracked.
    #[must_use]
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Whether nothing is tracked.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<K> EvictionPolicy<K> for Lru {
    fn on_insert(&mut self, entry: &EntryInfo<'_, K>) {
        if let Some(idx) = self.queue.push_back_if_absent(entry.hash) {
            self.queue.move_index_to_back(idx);
        }
    }

    fn on_access(&mut self, hash: u64) {
        self.queue.move_to_back(hash);
    }

    fn on_accesses(&mut self, hashes: &[u64]) {
        for &hash in hashes {
            self.queue.move_to_back(hash);
        }
    }

    fn on_update(&mut self, entry: &EntryInfo<'_, K>, _old_weight: u32) {
        self.queue.move_to_back(entry.hash);
    }

    fn on_remove(&mut self, hash: u64) {
        self.queue.remove(hash);
    }

    fn evict(&mut self) -> Option<u64> {
        self.queue.pop_front()
    }

    fn clear(&mut self) {
        self.queue.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn insert(policy: &mut Lru, hash: u64) {
        EvictionPolicy::<u64>::on_insert(policy, &EntryInfo::new(&hash, hash, 1, None));
    }

    #[test]
    fn victims_follow_recency_including_reinserts_and_removals() {
        let mut lru = Lru::new();
        for h in 1..=4 {
            insert(&mut lru, h);
        }
        let p: &mut dyn EvictionPolicy<u64> = &mut lru;
        p.on_access(1);
        p.on_update(&EntryInfo::new(&2, 2, 1, None), 1);
        p.on_remove(3);
        p.on_access(99); // unknown hashes are ignored
        assert_eq!((p.evict(), p.evict(), p.evict(), p.evict()), (Some(4), Some(1), Some(2), None));
        insert(&mut lru, 7);
        insert(&mut lru, 8);
        insert(&mut lru, 7); // a known hash moves to the back
        assert_eq!(EvictionPolicy::<u64>::evict(&mut lru), Some(8));
        EvictionPolicy::<u64>::clear(&mut lru);
        assert!(lru.is_empty());
    }
}
