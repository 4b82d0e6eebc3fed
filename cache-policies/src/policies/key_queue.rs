//! A queue of distinct entries, named by the store's hash, with O(1) push,
//! move-to-back, removal and pop: the shared body of the `Lru` and `Fifo`
//! policies, which differ only in whether a hit moves its entry to the back.

use super::arena::{Arena, List, NIL};

/// Distinct hashes in order, front (next victim) to back.
#[derive(Debug, Default)]
pub(crate) struct KeyQueue {
    arena: Arena<()>,
    order: List,
}

impl KeyQueue {
    pub(crate) fn new() -> Self {
        Self { arena: Arena::new(), order: List::new() }
    }

    /// Appends `hash` unless present (or the arena is full: see
    /// [`MAX_NODES`](super::arena::MAX_NODES)); returns its index if it was
    /// present.
    pub(crate) fn push_back_if_absent(&mut self, hash: u64) -> Option<usize> {
        let found = self.arena.find(hash);
        if found.is_none() {
            if let Some(idx) = self.arena.alloc(hash, ()) {
                self.arena.push_back(&mut self.order, idx);
            }
        }
        found
    }

    /// Moves `hash` to the back if present.
    pub(crate) fn move_to_back(&mut self, hash: u64) {
        if let Some(idx) = self.arena.find(hash) {
            self.arena.move_to_back(&mut self.order, idx);
        }
    }

    /// Forgets `hash` if present.
    pub(crate) fn remove(&mut self, hash: u64) {
        if let Some(idx) = self.arena.find(hash) {
            self.arena.unlink(&mut self.order, idx);
            self.arena.release(idx);
        }
    }

    pub(crate) fn move_index_to_back(&mut self, idx: usize) {
        self.arena.move_to_back(&mut self.order, idx);
    }

    /// Removes the front entry and returns its hash.
    pub(crate) fn pop_front(&mut self) -> Option<u64> {
        let idx = self.order.head();
        if idx == NIL {
            return None;
        }
        let hash = self.arena.hash_of(idx);
        self.arena.unlink(&mut self.order, idx);
        self.arena.release(idx);
        Some(hash)
    }

    pub(crate) fn clear(&mut self) {
        self.arena.clear();
        self.order = List::new();
    }

    /// The number of entries queued.
    pub(crate) fn len(&self) -> usize {
        self.order.len()
    }
}
