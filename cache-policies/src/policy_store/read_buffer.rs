//! The lossy buffer of hits that have not reached the policy yet: one ring
//! per thread (a stripe leased to it), so recording a hit takes no locked
//! instruction.

use std::cell::Cell;
use std::sync::PoisonError;

use super::quiet_runs::SAMPLE;
use crate::sync::{AtomicU64, AtomicUsize, Mutex, Ordering, statics, thread_locals};

/// Slots per stripe (a power of two). (Four under the model checker, so that
/// its few steps fill one.)
pub(crate) const READ_BUFFER_SLOTS: usize = if cfg!(feature = "shuttle") { 4 } else { 64 };
const MASK: usize = READ_BUFFER_SLOTS - 1;
/// From this many hits on, a stripe asks its reader to try a drain (on every
/// hit, until one succeeds): half the slots, so that the other half absorbs
/// the hits that arrive while a writer holds the maintenance lock instead of
/// dropping them. Trying only once the stripe was full dropped bursts of
/// hits under two threads: over 2×30 two-thread replays of the LIRS traces
/// cs and gli, the mean loss against one thread fell from 0.18–0.37 to
/// 0.05–0.10 points at gli's 632 entries and from 0.38–0.53 to 0.29–0.40 at
/// cs's 704. It never blocks either (a failed `try_lock` is one load), and
/// one thread's hit path measured the same (it drains every 32 hits instead
/// of 64: ~32 ns per hit either way).
const DRAIN_AT: usize = READ_BUFFER_SLOTS / 2;

/// Stripes leased to one thread each, process-wide: a thread holding lease
/// `i` is the only writer of stripe `i` of every store. Threads beyond this
/// many (while all are leased) share one more stripe. (One under the model
/// checker, so that its threads also share the shared stripe.)
const LEASED: usize = if cfg!(feature = "shuttle") { 1 } else { 8 };
/// The stripe shared by threads that hold no lease.
const SHARED: usize = LEASED;
/// The first state of every stripe's sampler (any nonzero value; this one
/// is 2^64 / φ). Seeding stripe `i` with a multiple of `i` made a replay's
/// hit ratio depend on the lease its thread got: one row of 53 moved by
/// 0.43 points against the policy between a run alone and a run among
/// other worker threads.
const SAMPLER_SEED: u64 = 0x9e37_79b9_7f4a_7c15;

/// One stripe: a ring of hashes, alone on its cache lines. Positions grow
/// forever (wrapping); position `p` lives in slot `p % READ_BUFFER_SLOTS`.
/// `tail` is the next position a writer fills, `head` the next one the
/// drainer takes; `0 ≤ tail − head ≤ READ_BUFFER_SLOTS`.
#[repr(align(128))]
#[derive(Debug)]
struct Stripe {
    /// Written by the drainer only.
    head: AtomicUsize,
    /// Written by the stripe's one leaseholder (a plain store), or claimed
    /// by compare-and-swap on the shared stripe.
    tail: AtomicUsize,
    /// The xorshift state that picks which hits a quiet run records (see
    /// [`Stripe::draw`]), per store and stripe, so that a thread's draws
    /// neither depend on other stores nor line up with a periodic pattern.
    /// Every stripe starts from the same [`SAMPLER_SEED`]: a thread's draws
    /// do not depend on which stripe it leased, so a single-threaded replay
    /// gives the same hit ratio in a process where other threads took the
    /// first leases as in one where it took lease 0.
    sampler: AtomicU64,
    /// 0 = empty (a hash of exactly 0 is never recorded: a 2^-64 loss).
    slots: [AtomicU64; READ_BUFFER_SLOTS],
}

/// Records hits (as key hashes) without locking the policy.
///
/// Protocol and invariants (checked under shuttle, see `model` below):
///
/// - [`record`](Self::record) may run on any thread at any time;
///   [`drain`](Self::drain) runs under the owner's maintenance mutex (one
///   drainer at a time), beside any number of recorders.
/// - A slot is written only while its position is in `tail..head +
///   READ_BUFFER_SLOTS`, i.e. after the drainer emptied it (the drainer
///   zeroes a slot before publishing a `head` past it, and writers read
///   `head` with `Acquire`).
/// - A leaseholder writes its slot, then publishes `tail` with `Release`: a
///   drainer that reads `tail` sees every slot below it. On the shared
///   stripe a writer claims its position by compare-and-swap on `tail`
///   first and writes the slot after, so a drainer may find a claimed slot
///   still empty: it stops there and leaves the rest for the next drain.
/// - The drainer takes positions in order from `head` and advances `head`
///   past what it took: **no hit is applied twice, and each thread's hits
///   reach the policy in the order they happened** (a thread's positions
///   grow). A single-threaded user sees every hit, in order.
/// - From half-full on, each hit asks its reader to try the maintenance lock
///   and drain. When a stripe is full its hits are dropped (the policy
///   misses a few accesses under heavy contention, never correctness) until
///   a writer, or a reader that wins the maintenance lock, drains it.
///
/// Stripes trade order between threads for scalability: a drain applies one
/// stripe after another, so hits of different threads can reach the policy
/// up to a stripe's length out of order.
#[derive(Debug)]
pub(crate) struct ReadBuffer {
    stripes: Box<[Stripe]>,
}

impl ReadBuffer {
    /// An empty buffer: a stripe per lease plus the shared one.
    pub(crate) fn new() -> Self {
        let stripes = (0..=LEASED)
            .map(|_| Stripe {
                head: AtomicUsize::new(0),
                tail: AtomicUsize::new(0),
                sampler: AtomicU64::new(SAMPLER_SEED),
                slots: std::array::from_fn(|_| AtomicU64::new(0)),
            })
            .collect();
        Self { stripes }
    }

    /// Records a hit on `hash` in the calling thread's stripe (if
    /// `sampled`, only one hit in [`SAMPLE`], drawn at random); returns
    /// whether that stripe is at least half full (the caller should try to
    /// drain).
    #[inline]
    pub(crate) fn record(&self, hash: u64, sampled: bool) -> bool {
        let index = CACHED.with(Cell::get);
        if index < LEASED {
            let stripe = &self.stripes[index];
            if sampled && !stripe.draw() {
                return false;
            }
            stripe.record_owned(hash)
        } else {
            self.record_unleased(hash, sampled)
        }
    }

    /// [`record`](Self::record) for a thread that has not recorded yet (it
    /// takes its lease now) or holds no lease (it shares a stripe).
    #[cold]
    #[inline(never)]
    fn record_unleased(&self, hash: u64, sampled: bool) -> bool {
        let (stripe, owned) = match lease() {
            Some(index) => (&self.stripes[index], true),
            None => (&self.stripes[SHARED], false),
        };
        if sampled && !stripe.draw() {
            return false;
        }
        if owned { stripe.record_owned(hash) } else { stripe.record_shared(hash) }
    }

    /// Hands every recorded hash to `apply` (a slice per stripe, each oldest
    /// first) and empties the buffer as far as writers have finished. Call
    /// with the owner's maintenance mutex held (one drainer at a time).
    pub(crate) fn drain(&self, mut apply: impl FnMut(&[u64])) {
        for stripe in &self.stripes {
            stripe.drain(&mut apply);
        }
    }

    /// [`record`](Self::record) of every hit.
    #[cfg(test)]
    fn record_plain(&self, hash: u64) -> bool {
        self.record(hash, false)
    }

    /// Whether nothing is recorded (a cheap hint).
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.stripes.iter().all(|s| {
            s.tail.load(Ordering::Relaxed).wrapping_sub(s.head.load(Ordering::Relaxed)) == 0
        })
    }
}

impl Stripe {
    /// True for one call in [`SAMPLE`] on average (xorshift64's top bits).
    /// The leaseholder alone advances the state; threads sharing the shared
    /// stripe may race on it, which only makes their draws less regular.
    #[inline]
    fn draw(&self) -> bool {
        let mut x = self.sampler.load(Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.sampler.store(x, Ordering::Relaxed);
        x < u64::MAX / u64::from(SAMPLE) + 1
    }

    /// Records as the stripe's only writer: a plain load and store.
    #[inline]
    fn record_owned(&self, hash: u64) -> bool {
        if hash == 0 {
            return false;
        }
        let tail = self.tail.load(Ordering::Relaxed);
        let len = tail.wrapping_sub(self.head.load(Ordering::Acquire));
        if len >= READ_BUFFER_SLOTS {
            return true;
        }
        self.slots[tail & MASK].store(hash, Ordering::Relaxed);
        self.tail.store(tail.wrapping_add(1), Ordering::Release);
        len + 1 >= DRAIN_AT
    }

    /// Records beside other writers: claims a position, then fills it.
    #[cold]
    fn record_shared(&self, hash: u64) -> bool {
        if hash == 0 {
            return false;
        }
        loop {
            let tail = self.tail.load(Ordering::Relaxed);
            let len = tail.wrapping_sub(self.head.load(Ordering::Acquire));
            if len >= READ_BUFFER_SLOTS {
                return true;
            }
            let claimed = self.tail.compare_exchange_weak(
                tail,
                tail.wrapping_add(1),
                Ordering::Relaxed,
                Ordering::Relaxed,
            );
            if claimed.is_ok() {
                self.slots[tail & MASK].store(hash, Ordering::Release);
                return len + 1 >= DRAIN_AT;
            }
        }
    }

    fn drain(&self, apply: &mut impl FnMut(&[u64])) {
        let head = self.head.load(Ordering::Relaxed);
        let len = self.tail.load(Ordering::Acquire).wrapping_sub(head).min(READ_BUFFER_SLOTS);
        if len == 0 {
            return;
        }
        let mut hashes = [0u64; READ_BUFFER_SLOTS];
        let mut taken = 0;
        while taken < len {
            let slot = &self.slots[head.wrapping_add(taken) & MASK];
            let hash = slot.load(Ordering::Acquire);
            if hash == 0 {
                // Claimed on the shared stripe, not written yet: the rest
                // waits for the next drain (taking it would reorder).
                break;
            }
            slot.store(0, Ordering::Relaxed);
            hashes[taken] = hash;
            taken += 1;
        }
        // Publishes the emptied slots to the writers.
        self.head.store(head.wrapping_add(taken), Ordering::Release);
        apply(&hashes[..taken]);
    }
}

statics! {
    /// Lease indices never handed out yet are `NEXT..LEASED`.
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    /// Lease indices given back by threads that ended. The mutex also orders
    /// a dead thread's last writes before the next holder's first.
    static RETURNED: Mutex<Vec<usize>> = Mutex::new(Vec::new());
}

/// A thread's exclusive right to write one stripe index of every read
/// buffer; given back when the thread ends.
struct Lease(Option<usize>);

impl Lease {
    fn take() -> Self {
        let returned = RETURNED.lock().unwrap_or_else(PoisonError::into_inner).pop();
        let index = returned.or_else(|| {
            NEXT.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                (n < LEASED).then_some(n + 1)
            })
            .ok()
        });
        Self(index)
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        // From now on this thread records on the shared stripe, before
        // another thread can lease the index.
        let _ = CACHED.try_with(|cached| cached.set(NO_LEASE));
        if let Some(index) = self.0 {
            RETURNED.lock().unwrap_or_else(PoisonError::into_inner).push(index);
        }
    }
}

/// `CACHED` before the thread's first hit.
const UNKNOWN: usize = usize::MAX;
/// `CACHED` of a thread without a lease (or whose lease was given back).
const NO_LEASE: usize = SHARED;

thread_locals! {
    /// Owns the lease; its destructor gives the index back.
    static LEASE: Lease = Lease::take();
    /// The leased index (below [`LEASED`]), [`NO_LEASE`] or [`UNKNOWN`]: a
    /// plain thread-local without destructor, so the hit path reads it with
    /// one load and decides with one comparison.
    static CACHED: Cell<usize> = const { Cell::new(UNKNOWN) };
}

/// The calling thread's lease, if it holds one (taken on its first hit).
fn lease() -> Option<usize> {
    match CACHED.with(Cell::get) {
        UNKNOWN => {
            let index = LEASE.try_with(|lease| lease.0).ok().flatten();
            CACHED.with(|cached| cached.set(index.unwrap_or(NO_LEASE)));
            index
        }
        NO_LEASE => None,
        index => Some(index),
    }
}

#[cfg(all(test, not(feature = "shuttle")))]
mod tests {
    use super::*;

    #[test]
    fn drains_in_order_and_reports_fullness() {
        let buffer = ReadBuffer::new();
        assert!(buffer.is_empty());
        for round in 0..3u64 {
            let base = round * 1_000;
            for h in 1..DRAIN_AT as u64 {
                assert!(!buffer.record_plain(base + h));
            }
            for h in DRAIN_AT as u64..READ_BUFFER_SLOTS as u64 {
                assert!(buffer.record_plain(base + h), "half full: try to drain");
            }
            assert!(buffer.record_plain(base + 99), "the last slot fills it");
            assert!(buffer.record_plain(base + 100), "dropped while full");
            let mut seen = Vec::new();
            buffer.drain(|h| seen.extend_from_slice(h));
            assert_eq!(seen.len(), READ_BUFFER_SLOTS, "round {round}");
            assert_eq!((seen[0], seen[READ_BUFFER_SLOTS - 1]), (base + 1, base + 99));
            assert!(buffer.is_empty());
        }
        assert!(!buffer.record_plain(0) && buffer.is_empty(), "a hash of 0 is never recorded");
    }

    #[test]
    fn a_quiet_run_draws_the_same_hits_whichever_stripe_records_them() {
        let buffer = ReadBuffer::new();
        let drawn = |stripe: &Stripe| (0..4_096).filter(|_| stripe.draw()).count();
        let first = drawn(&buffer.stripes[0]);
        let expected = 4_096 / SAMPLE as usize;
        assert!(first.abs_diff(expected) < expected / 4, "about one in {SAMPLE}: {first}");
        let buffer = ReadBuffer::new();
        let sequence = |stripe: &Stripe| (0..4_096).map(|_| stripe.draw()).collect::<Vec<_>>();
        let reference = sequence(&buffer.stripes[0]);
        for index in 1..=LEASED {
            assert_eq!(sequence(&buffer.stripes[index]), reference, "stripe {index}");
        }
    }

    #[test]
    fn hits_from_many_threads_all_reach_a_drain_each_thread_in_order() {
        let buffer = ReadBuffer::new();
        // More threads than leases: some share the shared stripe, whose 64
        // slots hold 5 hits of each of them (even if other tests' threads
        // hold every lease; the stripe may ask for a drain, nothing drops).
        let threads = LEASED as u64 + 4;
        std::thread::scope(|s| {
            for t in 1..=threads {
                let buffer = &buffer;
                s.spawn(move || {
                    for i in 0..5 {
                        buffer.record_plain(t * 100 + i);
                    }
                });
            }
        });
        let mut seen = Vec::new();
        buffer.drain(|h| seen.extend_from_slice(h));
        assert_eq!(seen.len() as u64, 5 * threads);
        for t in 1..=threads {
            let own: Vec<u64> = seen.iter().copied().filter(|h| h / 100 == t).collect();
            assert_eq!(own, (0..5).map(|i| t * 100 + i).collect::<Vec<_>>(), "thread {t}");
        }
        assert!(buffer.is_empty());
    }
}

/// The read buffer under shuttle: `cargo test -p cache-policies --features
/// shuttle --lib policy_store::read_buffer::model` (`.ci/run` does).
#[cfg(all(test, feature = "shuttle"))]
mod model {
    use std::collections::HashSet;
    use std::sync::Arc;

    use super::*;

    /// Hits each thread records.
    const HITS: u64 = 6;

    /// Three threads (one holding the single lease, two sharing the shared
    /// stripe) record hits, drain when their stripe asks (if the
    /// maintenance lock is free, as a reader does) and once unconditionally
    /// (as a writer does), while the buffer wraps around its 4 slots: no
    /// hit is applied twice, and each thread's hits are applied in order.
    #[test]
    fn no_hit_twice_and_each_threads_hits_in_order() {
        let model = || {
            let buffer = Arc::new(ReadBuffer::new());
            // The maintenance mutex, guarding the log of applied hits.
            let applied = Arc::new(Mutex::new(Vec::<u64>::new()));
            let threads: Vec<_> = (1..=3u64)
                .map(|t| {
                    let (buffer, applied) = (Arc::clone(&buffer), Arc::clone(&applied));
                    shuttle::thread::spawn(move || {
                        for i in 1..=HITS {
                            let hash = t * 100 + i;
                            if buffer.record_plain(hash) {
                                if let Ok(mut log) = applied.try_lock() {
                                    buffer.drain(|h| log.extend_from_slice(h));
                                }
                            }
                            if i == HITS / 2 {
                                let mut log = applied.lock().unwrap();
                                buffer.drain(|h| log.extend_from_slice(h));
                            }
                        }
                    })
                })
                .collect();
            for thread in threads {
                thread.join().unwrap();
            }
            let mut log = applied.lock().unwrap();
            buffer.drain(|h| log.extend_from_slice(h));
            assert!(buffer.is_empty());
            let mut once = HashSet::new();
            for &hash in log.iter() {
                assert!(once.insert(hash), "hit {hash} applied twice: {log:?}");
            }
            for t in 1..=3u64 {
                let own: Vec<u64> = log.iter().copied().filter(|h| h / 100 == t).collect();
                assert!(own.windows(2).all(|w| w[0] < w[1]), "thread {t} out of order: {log:?}");
            }
        };
        shuttle::check_random(model, 2_000);
        shuttle::check_pct(model, 2_000, 3);
    }
}
