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

    /// Hands every recorded hash to `apply`, oldest first, and empties the
    /// buffer. Call with the shard's write lock held.
    pub(crate) fn drain(&self, mut apply: impl FnMut(u64)) {
        let len = self.len.swap(0, Ordering::Relaxed).min(READ_BUFFER_SLOTS);
        for slot in &self.slots[..len] {
            apply(slot.load(Ordering::Relaxed));
        }
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
        buffer.drain(|h| seen.push(h));
        assert_eq!(seen.len(), READ_BUFFER_SLOTS);
        assert_eq!((seen[0], seen[READ_BUFFER_SLOTS - 1]), (1, 99));
        assert!(buffer.is_empty());
    }
}
