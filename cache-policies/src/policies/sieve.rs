//! SIEVE eviction (Zhang et al., NSDI'24).

use std::fmt;

use cache_core::{EntryInfo, EvictionPolicy};

use super::arena::{Arena, List, NIL};

/// SIEVE: a FIFO queue with one "visited" bit per key and a moving hand.
///
/// New keys enter at the newest end with the bit clear; a hit only sets the
/// bit (no list move, so hits are cheap). To evict, the hand walks from where
/// it stopped last towards newer keys (wrapping to the oldest), clearing set
/// bits, and evicts the first key whose bit is clear. Survivors keep their
/// position, which is what separates SIEVE from CLOCK/second-chance.
///
/// # Examples
///
/// ```
/// use cache_core::{EntryInfo, EvictionPolicy};
/// use cache_policies::Sieve;
///
/// let mut sieve = Sieve::new();
/// let policy: &mut dyn EvictionPolicy<u32> = &mut sieve;
/// for key in 1..=3_u32 {
///     policy.on_insert(&EntryInfo::new(&key, u64::from(key), 1, None));
/// }
/// policy.on_access(1); // marks 1 visited: the hand passes over it once
/// assert_eq!(policy.evict(), Some(2));
/// ```
pub struct Sieve {
    /// The visited bit is each node's tag (a node is 16 bytes).
    arena: Arena<()>,
    queue: List,
    hand: usize,
}

impl Sieve {
    /// An empty SIEVE policy.
    #[must_use]
    pub fn new() -> Self {
        Self { arena: Arena::new(), queue: List::new(), hand: NIL }
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

    /// Moves the hand to the next victim (clearing the visited bits it
    /// passes) and returns it, still tracked.
    fn sweep(&mut self) -> Option<usize> {
        let mut idx = if self.hand == NIL { self.queue.head() } else { self.hand };
        if idx == NIL {
            return None;
        }
        // Terminates within two passes: every visited bit passed is cleared.
        while self.visited(idx) {
            self.arena.set_tag(idx, 0);
            idx = self.arena.next(idx);
            if idx == NIL {
                idx = self.queue.head();
            }
        }
        self.hand = idx;
        Some(idx)
    }

    /// Whether the key at `idx` was hit since the hand last passed it.
    fn visited(&self, idx: usize) -> bool {
        self.arena.tag(idx) != 0
    }

    /// Marks the key at `idx` visited (a hit on a marked key writes nothing).
    fn visit(&mut self, idx: usize) {
        if !self.visited(idx) {
            self.arena.set_tag(idx, 1);
        }
    }

    fn detach(&mut self, idx: usize) {
        if self.hand == idx {
            self.hand = self.arena.next(idx);
        }
        self.arena.unlink(&mut self.queue, idx);
        self.arena.release(idx);
    }
}

impl Default for Sieve {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Sieve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sieve").field("len", &self.queue.len()).finish()
    }
}

impl<K> EvictionPolicy<K> for Sieve {
    fn on_insert(&mut self, entry: &EntryInfo<'_, K>) {
        if let Some(idx) = self.arena.find(entry.hash) {
            self.visit(idx);
        } else if let Some(idx) = self.arena.alloc(entry.hash, ()) {
            // Not visited (tag 0). A full arena leaves the key untracked.
            self.arena.push_back(&mut self.queue, idx);
        }
    }

    fn on_access(&mut self, hash: u64) {
        if let Some(idx) = self.arena.find(hash) {
            self.visit(idx);
        }
    }

    fn on_remove(&mut self, hash: u64) {
        if let Some(idx) = self.arena.find(hash) {
            self.detach(idx);
        }
    }

    fn evict(&mut self) -> Option<u64> {
        let idx = self.sweep()?;
        let hash = self.arena.hash_of(idx);
        self.detach(idx);
        Some(hash)
    }

    fn clear(&mut self) {
        self.arena.clear();
        self.queue = List::new();
        self.hand = NIL;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policies::testing::{drive, insert};

    #[test]
    fn visited_keys_survive_in_place_and_the_hand_remembers_its_position() {
        let mut sieve = Sieve::new();
        let sieve = drive(&mut sieve);
        for k in 1..=4 {
            insert(sieve, k);
        }
        sieve.on_access(1);
        sieve.on_access(3);
        // Hand starts at the oldest (1): clears 1, evicts 2, stops at 3.
        assert_eq!(sieve.evict(), Some(2));
        insert(sieve, 5);
        // Hand at 3: clears it, evicts 4 (1 is not revisited yet).
        assert_eq!(sieve.evict(), Some(4));
        // Hand at 5 (unvisited).
        assert_eq!(sieve.evict(), Some(5));
        // Wraps to the oldest: 1 and 3 were cleared, so 1 goes first.
        assert_eq!(sieve.evict(), Some(1));
        assert_eq!(sieve.evict(), Some(3));
        assert_eq!(sieve.evict(), None);
    }

    #[test]
    fn removing_the_key_under_the_hand_moves_the_hand_on() {
        let mut sieve = Sieve::new();
        let sieve = drive(&mut sieve);
        for k in 1..=3 {
            insert(sieve, k);
        }
        sieve.on_access(1);
        sieve.on_access(2);
        assert_eq!(sieve.evict(), Some(3));
        insert(sieve, 4);
        sieve.on_access(4);
        sieve.on_remove(1);
        // 2 lost its bit in the first pass; 4 keeps its bit and survives once.
        assert_eq!(sieve.evict(), Some(2));
        assert_eq!(sieve.evict(), Some(4));
        insert(sieve, 6);
        sieve.clear();
        assert!(sieve.evict().is_none());
    }
}
