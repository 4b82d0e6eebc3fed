//! The lossy per-shard buffer of hits that have not reached the policy yet,
//! striped by thread.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Slots per stripe; a full stripe asks its reader to try a drain.
pub(crate) const READ_BUFFER_SLOTS: usize = 64;

/// Stripes per shard of a sharded store (a power of two). Threads are spread
/// over them round-robin, so up to this many threads record hits without
/// sharing a cache line (Caffeine's striped read buffer, with a fixed stripe
/// count).
pub(crate) const STRIPES: usize = 4;

/// One thread's share of a shard's buffer, alone on its cache lines: the
/// length and the slots its reader writes are never written by another core
/// (unless more threads than stripes share it).
#[repr(align(128))]
#[derive(Debug)]
struct Stripe {
    len: AtomicUsize,
    slots: [AtomicU64; READ_BUFFER_SLOTS],
}

/// Records hits (as key hashes) without locking the policy.
///
/// Protocol: readers call [`record`](Self::record) while holding the shard's
/// *read* lock; [`drain`](Self::drain) runs under the shard's *write* lock, or
/// under the read lock by the one reader holding the policy's lock. A writer
/// therefore sees every recorded slot completely, and each thread's hits in
/// the order they happened (a single-threaded user sees an exact order).
/// Threads sharing a stripe claim distinct slots with one `fetch_add`. When a
/// stripe is full further hits on it are dropped (the policy misses a few
/// accesses under heavy contention, never correctness) until a writer or a
/// reader that wins the policy's lock drains it.
///
/// Striping trades order for scalability: a drain applies one stripe after
/// another, so hits of different threads can reach the policy up to a
/// stripe's length out of order. On a store of one shard (under 8,192
/// entries) 64 reordered hits are a large share of the policy's window, so
/// such shards keep a single buffer that preserves the order of every hit
/// (on the 2-thread replay of orm-busy at 670 entries the difference was
/// within the run-to-run noise of about ±0.5 points).
#[derive(Debug)]
pub(crate) struct ReadBuffer {
    stripes: Box<[Stripe]>,
    /// `stripes.len() - 1`.
    mask: usize,
}

impl ReadBuffer {
    /// A buffer of `stripes` stripes (a power of two).
    pub(crate) fn new(stripes: usize) -> Self {
        debug_assert!(stripes.is_power_of_two());
        let stripes: Box<[Stripe]> = (0..stripes)
            .map(|_| Stripe {
                len: AtomicUsize::new(0),
                slots: std::array::from_fn(|_| AtomicU64::new(0)),
            })
            .collect();
        let mask = stripes.len() - 1;
        Self { stripes, mask }
    }

    /// Records a hit on `hash` in the calling thread's stripe; returns
    /// whether that stripe is now full. Call with the shard's read lock held.
    #[inline]
    pub(crate) fn record(&self, hash: u64) -> bool {
        self.stripes[thread_stripe() & self.mask].record(hash)
    }

    /// Hands every recorded hash to `apply` (a slice per stripe, each oldest
    /// first) and empties the buffer. Call with the shard's write lock held,
    /// or with the read lock and the policy's lock (one drainer at a time).
    ///
    /// Under the write lock no reader records, so the drain is exact. A
    /// drain beside readers (read lock) is lossy like the buffer itself: a
    /// slot still empty (0) is one whose reader has not stored its hash yet,
    /// and is skipped; a hash stored into a slot the drain already passed
    /// waits for the next drain or is overwritten. Each stored hash is
    /// applied at most once (a hash of exactly 0 is never applied: a 2^-64
    /// loss).
    pub(crate) fn drain(&self, mut apply: impl FnMut(&[u64])) {
        for stripe in &self.stripes {
            stripe.drain(&mut apply);
        }
    }

    /// Whether nothing is recorded (a cheap hint).
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.stripes.iter().all(|s| s.len.load(Ordering::Relaxed) == 0)
    }
}

impl Stripe {
    #[inline]
    fn record(&self, hash: u64) -> bool {
        // A plain load first: a full stripe costs no write.
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

    fn drain(&self, apply: &mut impl FnMut(&[u64])) {
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
}

/// Hands out stripe numbers round-robin, one per thread.
static NEXT_STRIPE: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// This thread's stripe number plus one (0: not assigned yet). A plain
    /// thread-local without destructor: one load on the hit path.
    static STRIPE: Cell<usize> = const { Cell::new(0) };
}

/// The calling thread's stripe number (consecutive threads get consecutive
/// numbers; a buffer masks it to its stripe count).
#[inline]
fn thread_stripe() -> usize {
    let mut stripe = STRIPE.with(Cell::get);
    if stripe == 0 {
        stripe = NEXT_STRIPE.fetch_add(1, Ordering::Relaxed) + 1;
        STRIPE.with(|cell| cell.set(stripe));
    }
    stripe - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drains_in_order_and_reports_fullness() {
        let buffer = ReadBuffer::new(STRIPES);
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

    #[test]
    fn hits_from_many_threads_all_reach_a_drain_each_thread_in_order() {
        for stripes in [1, STRIPES] {
            many_threads_into(&ReadBuffer::new(stripes));
        }
    }

    fn many_threads_into(buffer: &ReadBuffer) {
        std::thread::scope(|s| {
            for t in 1..=STRIPES as u64 {
                s.spawn(move || {
                    for i in 0..10 {
                        // Threads may share a stripe (other tests take
                        // stripe numbers too): at most 4 x 10 < 64 slots.
                        assert!(!buffer.record(t * 100 + i));
                    }
                });
            }
        });
        let mut seen = Vec::new();
        buffer.drain(|h| seen.extend_from_slice(h));
        assert_eq!(seen.len(), 10 * STRIPES);
        for t in 1..=STRIPES as u64 {
            let own: Vec<u64> = seen.iter().copied().filter(|h| h / 100 == t).collect();
            assert_eq!(own, (0..10).map(|i| t * 100 + i).collect::<Vec<_>>(), "thread {t}");
        }
        assert!(buffer.is_empty());
    }
}
