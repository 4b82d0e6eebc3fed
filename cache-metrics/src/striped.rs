//! A counter split over padded stripes, so threads counting at once do not
//! contend on one cache line, and most adds need no atomic read-modify-write.

use std::cell::Cell;
use std::sync::PoisonError;

// With the `shuttle` feature (tests only), shuttle's atomics, mutex, statics
// and thread-locals stand in for std's, so the model check below can explore
// every interleaving of the leases and the plain load-and-store adds.
#[cfg(feature = "shuttle")]
use shuttle::sync::{
    Mutex,
    atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed},
};
#[cfg(not(feature = "shuttle"))]
use std::sync::{
    Mutex,
    atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed},
};

/// Stripes leased to one thread each. Threads beyond this many (while all are
/// leased) share one more stripe. (Two under the model checker, so that its
/// few threads also exercise the shared stripe.)
const LEASED: usize = if cfg!(feature = "shuttle") { 2 } else { 16 };
/// The stripe shared by threads that hold no lease.
const SHARED: usize = LEASED;

/// One stripe alone on its cache line(s): 128 bytes covers the 64-byte lines
/// of x86-64 with their adjacent-line prefetch and the 128-byte lines of
/// recent ARM cores.
#[repr(align(128))]
#[derive(Debug, Default)]
struct Stripe(AtomicU64);

/// An exact counter. A thread holding a stripe lease is that stripe's only
/// writer, so its add is a plain load and store (no locked instruction);
/// other threads add atomically to a shared stripe. Reading sums the stripes.
#[derive(Debug, Default)]
pub(crate) struct StripedCounter {
    stripes: [Stripe; LEASED + 1],
}

impl StripedCounter {
    /// Adds `n`; returns the stripe's value before the add.
    #[inline]
    pub(crate) fn add(&self, n: u64) -> u64 {
        let index = CACHED.with(Cell::get);
        if index < LEASED {
            // Sole writer of this stripe: no other thread can interleave.
            let stripe = &self.stripes[index].0;
            let before = stripe.load(Relaxed);
            stripe.store(before.wrapping_add(n), Relaxed);
            before
        } else {
            self.add_unleased(n)
        }
    }

    /// [`add`](Self::add) for a thread that has not counted yet (it takes
    /// its lease now) or holds no lease (it adds to the shared stripe).
    #[cold]
    #[inline(never)]
    fn add_unleased(&self, n: u64) -> u64 {
        match lease() {
            Some(index) => {
                let stripe = &self.stripes[index].0;
                let before = stripe.load(Relaxed);
                stripe.store(before.wrapping_add(n), Relaxed);
                before
            }
            None => self.stripes[SHARED].0.fetch_add(n, Relaxed),
        }
    }

    /// The total over every stripe.
    pub(crate) fn sum(&self) -> u64 {
        self.stripes.iter().fold(0, |total, s| total.wrapping_add(s.0.load(Relaxed)))
    }
}

/// Stripe indices never leased yet are `NEXT..LEASED`; returned ones wait in
/// `RETURNED`. The mutex also orders a dead thread's last writes before the
/// next holder's first.
#[cfg(not(feature = "shuttle"))]
static NEXT: AtomicUsize = AtomicUsize::new(0);
#[cfg(not(feature = "shuttle"))]
static RETURNED: Mutex<Vec<usize>> = Mutex::new(Vec::new());
#[cfg(feature = "shuttle")]
shuttle::lazy_static! {
    static ref NEXT: AtomicUsize = AtomicUsize::new(0);
    static ref RETURNED: Mutex<Vec<usize>> = Mutex::new(Vec::new());
}

/// A thread's exclusive right to write one stripe index of every counter;
/// given back when the thread ends.
struct Lease(Option<usize>);

impl Lease {
    fn take() -> Self {
        let returned = RETURNED.lock().unwrap_or_else(PoisonError::into_inner).pop();
        let index = returned.or_else(|| {
            NEXT.fetch_update(Relaxed, Relaxed, |n| (n < LEASED).then_some(n + 1)).ok()
        });
        Self(index)
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        // From now on this thread counts on the shared stripe, before
        // another thread can lease the index.
        let _ = CACHED.try_with(|cached| cached.set(NO_LEASE));
        if let Some(index) = self.0 {
            RETURNED.lock().unwrap_or_else(PoisonError::into_inner).push(index);
        }
    }
}

/// `CACHED` before the thread's first count.
const UNKNOWN: usize = usize::MAX;
/// `CACHED` of a thread without a lease (or whose lease was given back).
const NO_LEASE: usize = SHARED;

#[cfg(not(feature = "shuttle"))]
thread_local! {
    /// Owns the lease; its destructor gives the index back.
    static LEASE: Lease = Lease::take();
    /// The leased index (below [`LEASED`]), [`NO_LEASE`] or [`UNKNOWN`]: a
    /// plain thread-local without destructor, so the hit path reads it with
    /// one load and decides with one comparison.
    static CACHED: Cell<usize> = const { Cell::new(UNKNOWN) };
}
#[cfg(feature = "shuttle")]
shuttle::thread_local! {
    static LEASE: Lease = Lease::take();
    static CACHED: Cell<usize> = const { Cell::new(UNKNOWN) };
}

/// The calling thread's leased stripe, if it holds one (taking the lease on
/// the thread's first count).
fn lease() -> Option<usize> {
    match CACHED.with(Cell::get) {
        UNKNOWN => first_lease(),
        NO_LEASE => None,
        index => Some(index),
    }
}

/// Takes the thread's lease on its first count (or finds it gone while the
/// thread's storage is torn down).
fn first_lease() -> Option<usize> {
    let index = LEASE.try_with(|lease| lease.0).ok().flatten();
    CACHED.with(|cached| cached.set(index.unwrap_or(NO_LEASE)));
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stripes_are_padded_and_sums_are_exact_across_many_threads() {
        assert_eq!(std::mem::align_of::<Stripe>(), 128);
        let counter = StripedCounter::default();
        // More threads than leases, some ending early so leases are reused.
        for _round in 0..3 {
            std::thread::scope(|s| {
                for _ in 0..(LEASED + 8) {
                    s.spawn(|| {
                        for _ in 0..5_000 {
                            counter.add(1);
                        }
                    });
                }
            });
        }
        assert_eq!(counter.sum(), 3 * (LEASED as u64 + 8) * 5_000);
    }
}

/// The leases under shuttle: `cargo test -p cache-metrics --features shuttle
/// --lib striped::model` (`.ci/run` does).
#[cfg(all(test, feature = "shuttle"))]
mod model {
    use std::sync::Arc;

    use super::*;

    /// Three threads (one more than the leases) count at once while a
    /// reader sums, then a fourth thread reuses a returned lease: every add
    /// is kept, sums never go back, and no two threads write one leased
    /// stripe at a time (a shared leased stripe would lose plain adds).
    #[test]
    fn leases_keep_every_add_exact() {
        let model = || {
            let counter = Arc::new(StripedCounter::default());
            let counting: Vec<_> = (0..3)
                .map(|_| {
                    let counter = Arc::clone(&counter);
                    shuttle::thread::spawn(move || {
                        counter.add(1);
                        counter.add(2);
                    })
                })
                .collect();
            let reading = {
                let counter = Arc::clone(&counter);
                shuttle::thread::spawn(move || {
                    let first = counter.sum();
                    let second = counter.sum();
                    assert!(first <= second && second <= 9, "{first} then {second}");
                })
            };
            for thread in counting {
                thread.join().unwrap();
            }
            reading.join().unwrap();
            assert_eq!(counter.sum(), 9);
            let counter_again = Arc::clone(&counter);
            shuttle::thread::spawn(move || counter_again.add(4)).join().unwrap();
            assert_eq!(counter.sum(), 13, "a reused lease adds on top of its earlier counts");
        };
        shuttle::check_random(model, 2_000);
        shuttle::check_pct(model, 2_000, 3);
    }
}
