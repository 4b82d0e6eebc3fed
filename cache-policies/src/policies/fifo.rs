//! First-in, first-out eviction.

use cache_core::{EntryInfo, EvictionPolicy};

use super::key_queue::KeyQueue;

/// FIFO: entries leave in the order they were first inserted; hits and
/// overwrites change nothing.
///
/// Every operation is O(1): one lookup by the store's hash plus a move in an
/// index-linked list. Usable standalone (a trace simulator drives it through
/// the [`EvictionPolicy`] methods) or inside a [`PolicyStore`](crate::PolicyStore).
///
/// # Examples
///
/// ```
/// use cache_core::{EntryInfo, EvictionPolicy};
/// use cache_policies::Fifo;
///
/// let mut policy = Fifo::new();
/// for (key, hash) in [("a", 1), ("b", 2), ("c", 3)] {
///     EvictionPolicy::<&str>::on_insert(&mut policy, &EntryInfo::new(&key, hash, 1, None));
/// }
/// EvictionPolicy::<&str>::on_access(&mut policy, 1); // "a"
/// assert_eq!(EvictionPolicy::<&str>::evict(&mut policy), Some(1), "hits do not matter");
/// assert_eq!(EvictionPolicy::<&str>::evict(&mut policy), Some(2));
/// ```
#[derive(Debug, Default)]
pub struct Fifo {
    queue: KeyQueue,
}

impl Fifo {
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

impl<K> EvictionPolicy<K> for Fifo {
    fn on_insert(&mut self, entry: &EntryInfo<'_, K>) {
        self.queue.push_back_if_absent(entry.hash);
    }

    fn on_access(&mut self, hash: u64) {
        let _ = hash;
    }

    fn on_accesses(&mut self, hashes: &[u64]) {
        let _ = hashes; // hits change nothing in FIFO order
    }

    fn on_update(&mut self, entry: &EntryInfo<'_, K>, _old_weight: u32) {
        let _ = entry;
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

    fn insert(policy: &mut Fifo, hash: u64) {
        EvictionPolicy::<u64>::on_insert(policy, &EntryInfo::new(&hash, hash, 1, None));
    }

    #[test]
    fn insertion_order_ignores_accesses_and_updates() {
        let mut fifo = Fifo::new();
        for h in 1..=3 {
            insert(&mut fifo, h);
        }
        let p: &mut dyn EvictionPolicy<u64> = &mut fifo;
        p.on_access(1);
        p.on_update(&EntryInfo::new(&1, 1, 5, None), 1);
        p.on_insert(&EntryInfo::new(&1, 1, 1, None));
        p.on_remove(2);
        assert_eq!((p.evict(), p.evict(), p.evict()), (Some(1), Some(3), None));
        assert!(fifo.is_empty());
    }
}
