//! Per-shard deadline queue: finds expired entries without scanning.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::ticks::Ticks;

/// A min-heap of `(deadline, key hash)`, with lazy deletion.
///
/// Every insert with a deadline pushes one item (O(log n)). Items of entries
/// that were since removed or given a new deadline stay behind as stale items;
/// the shard checks each popped item against the live entry and skips stale
/// ones, and [`needs_compaction`](Self::needs_compaction) bounds how many can
/// pile up. Each item is popped once, so purging is amortised O(log n) per
/// insert, never a scan of the shard.
#[derive(Debug, Default)]
pub(crate) struct ExpiryQueue {
    heap: BinaryHeap<Reverse<(Ticks, u64)>>,
}

impl ExpiryQueue {
    pub(crate) fn push(&mut self, deadline: Ticks, hash: u64) {
        self.heap.push(Reverse((deadline, hash)));
    }

    /// Pops the earliest item if its deadline has passed at `now`.
    pub(crate) fn pop_expired(&mut self, now: Ticks) -> Option<(Ticks, u64)> {
        match self.heap.peek() {
            Some(Reverse((deadline, _))) if *deadline <= now => self.heap.pop().map(|r| r.0),
            _ => None,
        }
    }

    /// Whether nothing is queued.
    pub(crate) fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Whether stale items outnumber live entries enough to compact.
    pub(crate) fn needs_compaction(&self, live: usize) -> bool {
        self.heap.len() > 2 * live + 64
    }

    /// Keeps only the items `live` accepts.
    pub(crate) fn retain(&mut self, mut live: impl FnMut(Ticks, u64) -> bool) {
        self.heap.retain(|Reverse((deadline, hash))| live(*deadline, *hash));
    }

    pub(crate) fn clear(&mut self) {
        self.heap.clear();
    }
}
