//! First-in, first-out eviction.

use std::fmt;
use std::hash::Hash;

use cache_core::EvictionPolicy;

use super::arena::{Arena, List, NIL};

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
    arena: Arena<K, ()>,
    order: List,
}

impl<K: Hash + Eq + Clone> Fifo<K> {
    /// An empty FIFO policy.
    #[must_use]
    pub fn new() -> Self {
        Self { arena: Arena::new(), order: List::new() }
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
}

impl<K: Hash + Eq + Clone> Default for Fifo<K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K> fmt::Debug for Fifo<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fifo").field("len", &self.order.len()).finish()
    }
}

impl<K: Hash + Eq + Clone + Send + 'static> EvictionPolicy<K> for Fifo<K> {
    fn on_insert(&mut self, key: &K, _weight: u32) {
        let hash = self.arena.hash(key);
        if self.arena.find(hash, key).is_none() {
            let idx = self.arena.alloc(hash, key, ());
            self.arena.push_back(&mut self.order, idx);
        }
    }

    fn on_access(&mut self, _key: &K) {}

    fn on_remove(&mut self, key: &K) {
        if let Some(idx) = self.arena.get(key) {
            self.arena.unlink(&mut self.order, idx);
            self.arena.release(idx);
        }
    }

    fn evict(&mut self) -> Option<K> {
        let idx = self.order.head();
        if idx == NIL {
            return None;
        }
        self.arena.unlink(&mut self.order, idx);
        self.arena.release(idx)
    }

    fn clear(&mut self) {
        self.arena.clear();
        self.order = List::new();
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
