//! The lossy per-shard buffer of hits that have not reached the policy yet.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Slots per shard; a full buffer asks the reader to try a drain.
pub(crate) const READ_BUFFER_SLOTS: usize = 64;

/// Records hits (as key hashes) without locking the policy.
///
/// Protocol: readers call [`record`](Self::record) while holding the shard's
/// *read* lock; [`drain`](Self::drain) runs under the shard's *write* lock.
/// The two never overlap, so a drain sees every recorded slot completely and
/// in recording order. Concurrent readers claim distinct slots with one
/// `fetch_add`. When the buffer is full further hits are dropped (the policy
/// misses a few accesses under heavy contention, never correctness) until a
/// writer or a reader that wins `try_write` drains it.
#[derive(Debug)]
pub(crate) struct ReadBuffer {
    slots: Box<[AtomicU64]>,
    len: AtomicUsize,
}

impl ReadBuffer {
    pub(crate) fn new() -> Self {
        Self {
            slots: (0..READ_BUFFER_SLOTS).map(|_| AtomicU64::new(0)).collect(),
            len: AtomicUsize::new(0),
        }
    }

    /// Records a hit on `hash`; returns whether the buffer is now full.
    /// Call with the shard's read lock held.
    #[inline]
    pub(crate) fn record(&self, hash: u64) -> bool {
        // A plain load first: a full buffer costs no write to a shared line.
        if self.len.load(Ordering::Relaxed) >= READ_BUFFER_SLOTS {
            return true;
        }
        let slot = self.len.fetch_add(1, Ordering::Relaxed);
        if slot >= READ_BUFFER_SLOTS {
            return true;
        }
        self.slots[slot].store(hash, Ordering::Relaxed);
        slot + 1 == READ_BUFFER_SLOTS
    }

    /// Hands every recorded hash to `apply` (as one slice, oldest first) and
    /// empties the buffer. Call with the shard's write lock held, or with the
    /// read lock and the policy's lock (one drainer at a time).
    ///
    /// Under the write lock no reader records, so the drain is exact. A
    /// drain beside readers (read lock) is lossy like the buffer itself: a
    /// slot still empty (0) is one whose reader has not stored its hash yet,
    /// and is skipped; a hash stored into a slot the drain already passed
    /// waits for the next drain or is overwritten. Each stored hash is
    /// applied at most once (a hash of exactly 0 is never applied: a 2^-64
    /// loss).
    pub(crate) fn drain(&self, apply: impl FnOnce(&[u64])) {
        let len = self.len.load(Ordering::Relaxed).min(READ_BUFFER_SLOTS);
        if len == 0 {
            return;
        }
        let mut hashes = [0u64; READ_BUFFER_SLOTS];
        let mut n = 0;
        for slot in &self.slots[..len] {
            let hash = slot.load(Ordering::Relaxed);
            if hash != 0 {
                slot.store(0, Ordering::Relaxed);
                hashes[n] = hash;
                n += 1;
            }
        }
        // Reset only after the slots are emptied, so readers cannot claim
        // (and store into) slots the drain is still reading and clearing.
        self.len.store(0, Ordering::Relaxed);
        apply(&hashes[..n]);
    }

    /// Whether nothing is recorded (a cheap hint).
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.len.load(Ordering::Relaxed) == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drains_in_order_and_reports_fullness() {
        let buffer = ReadBuffer::new();
        assert!(buffer.is_empty());
        for h in 1..READ_BUFFER_SLOTS as u64 {
            assert!(!buffer.record(h));
        }
        assert!(buffer.record(99), "the last slot fills it");
        assert!(buffer.record(100), "dropped while full");
        let mut seen = Vec::new();
        buffer.drain(|h| seen.extend_from_slice(h));
        assert_eq!(seen.len(), READ_BUFFER_SLOTS);
        assert_eq!((seen[0], seen[READ_BUFFER_SLOTS - 1]), (1, 99));
        assert!(buffer.is_empty());
    }
}
