//! A queue of distinct keys with O(1) push, move-to-back, removal and pop:
//! the shared body of the `Lru` and `Fifo` policies, which differ only in
//! whether a hit moves its key to the back.
//!
//! Keys are indexed either by the arena's own hash (the plain
//! `EvictionPolicy` methods) or by the caller's hash (the `*_hashed`
//! methods); one policy instance must be driven through one family only.

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

    /// As [`push_back_if_absent`](Self::push_back_if_absent) for the key the
    /// caller hashed to `hash`, without copying the key (hashed methods).
    pub(crate) fn push_back_if_absent_hashed(&mut self, hash: u64) -> Option<usize> {
        let found = self.arena.find_by_hash(hash);
        if found.is_none() {
            let idx = self.arena.alloc_hashed(hash, ());
            self.arena.push_back(&mut self.order, idx);
        }
        found
    }

    /// Moves `key` to the back if present (plain methods).
    pub(crate) fn move_to_back(&mut self, key: &K) {
        if let Some(idx) = self.arena.get(key) {
            self.arena.move_to_back(&mut self.order, idx);
        }
    }

    /// Moves the key the caller hashed to `hash` to the back if present
    /// (hashed methods).
    pub(crate) fn move_to_back_hashed(&mut self, hash: u64) {
        if let Some(idx) = self.arena.find_by_hash(hash) {
            self.arena.move_to_back(&mut self.order, idx);
        }
    }

    /// Forgets `key` if present (plain methods).
    pub(crate) fn remove(&mut self, key: &K) {
        if let Some(idx) = self.arena.get(key) {
            self.remove_index(idx);
        }
    }

    /// Forgets the key the caller hashed to `hash` if present (hashed
    /// methods).
    pub(crate) fn remove_hashed(&mut self, hash: u64) {
        if let Some(idx) = self.arena.find_by_hash(hash) {
            self.remove_index(idx);
        }
    }

    fn remove_index(&mut self, idx: usize) {
        self.arena.unlink(&mut self.order, idx);
        self.arena.release(idx);
    }

    pub(crate) fn move_index_to_back(&mut self, idx: usize) {
        self.arena.move_to_back(&mut self.order, idx);
    }

    /// Removes the front key and returns the hash it was tracked by (hashed
    /// methods).
    pub(crate) fn pop_front_hashed(&mut self) -> Option<u64> {
        let idx = self.order.head();
        if idx == NIL {
            return None;
        }
        let hash = self.arena.hash_of(idx);
        self.arena.unlink(&mut self.order, idx);
        self.arena.release(idx);
        Some(hash)
    }

    /// Removes and returns the front key (plain methods).
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
