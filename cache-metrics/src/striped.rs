//! A counter split over padded stripes, so threads counting at once do not
//! contend on one cache line.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};

/// Stripes per counter: enough that the threads of a typical runtime rarely
/// share one.
const STRIPES: usize = 16;

/// One stripe alone on its cache line(s): 128 bytes covers the 64-byte lines
/// of x86-64 with their adjacent-line prefetch and the 128-byte lines of
/// recent ARM cores.
#[repr(align(128))]
#[derive(Debug, Default)]
struct Stripe(AtomicU64);

/// An exact counter whose adds land on the calling thread's stripe: one
/// relaxed atomic add on a line no other thread (usually) writes. Reading
/// sums the stripes.
#[derive(Debug, Default)]
pub(crate) struct StripedCounter {
    stripes: [Stripe; STRIPES],
}

impl StripedCounter {
    /// Adds `n`; returns the calling thread's stripe before the add.
    #[inline]
    pub(crate) fn add(&self, n: u64) -> u64 {
        self.stripes[stripe_index()].0.fetch_add(n, Relaxed)
    }

    /// The total over every stripe.
    pub(crate) fn sum(&self) -> u64 {
        self.stripes.iter().fold(0, |total, s| total.wrapping_add(s.0.load(Relaxed)))
    }
}

/// The calling thread's stripe, assigned round-robin on its first count.
#[inline]
fn stripe_index() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static INDEX: usize = NEXT.fetch_add(1, Relaxed) % STRIPES;
    }
    INDEX.with(|index| *index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stripes_are_padded_and_sums_are_exact_across_threads() {
        assert_eq!(std::mem::align_of::<Stripe>(), 128);
        let counter = StripedCounter::default();
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..10_000 {
                        counter.add(1);
                    }
                });
            }
        });
        assert_eq!(counter.sum(), 40_000);
    }
}
