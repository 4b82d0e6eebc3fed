//! A queue of distinct keys with O(1) push, move-to-back, removal and pop:
//! the shared body of the `Lru` and `Fifo` policies, which differ only in
//! whether a hit moves its key to the back.

use std::hash::Hash;

use super::arena::{Arena, List, NIL};

/// Distinct keys in order, front (next victim) to back.
pub(crate) struct KeyQueue<K> {
    arena: Arena<K, ()>,
    order: List,
}

impl<K: Hash + Eq + Clone> KeyQueue<K> {
    pub(crate) fn new() -> Self {
        Self { arena: Arena::new(), order: List::new() }
    }

    /// Appends `key` unless present; returns the index if it was present.
    pub(crate) fn push_back_if_absent(&mut self, key: &K) -> Option<usize> {
        let hash = self.arena.hash(key);
        let found = self.arena.find(hash, key);
        if found.is_none() {
            let idx = self.arena.alloc(hash, key, ());
            self.arena.push_back(&mut self.order, idx);
        }
        found
    }

    /// Moves `key` to the back if present.
    pub(crate) fn move_to_back(&mut self, key: &K) {
        if let Some(idx) = self.arena.get(key) {
            self.move_index_to_back(idx);
        }
    }

    pub(crate) fn move_index_to_back(&mut self, idx: usize) {
        self.arena.move_to_back(&mut self.order, idx);
    }

    /// Forgets `key` if present.
    pub(crate) fn remove(&mut self, key: &K) {
        if let Some(idx) = self.arena.get(key) {
            self.arena.unlink(&mut self.order, idx);
            self.arena.release(idx);
        }
    }

    /// Removes and returns the front key.
    pub(crate) fn pop_front(&mut self) -> Option<K> {
        let idx = self.order.head();
        if idx == NIL {
            return None;
        }
        self.arena.unlink(&mut self.order, idx);
        self.arena.release(idx)
    }

    pub(crate) fn clear(&mut self) {
        self.arena.clear();
        self.order = List::new();
    }
}

impl<K> KeyQueue<K> {
    /// The number of keys queued.
    pub(crate) fn len(&self) -> usize {
        self.order.len()
    }
}
