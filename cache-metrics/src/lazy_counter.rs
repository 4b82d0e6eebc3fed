//! A hot-path counter: striped locally, exported to its `metrics` handle in
//! deltas.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use metrics::Counter;

use crate::striped::StripedCounter;

/// A thread's stripe publishes the counter's total each time it crosses a
/// multiple of this many counts (see the crate docs).
pub const PUBLISH_EVERY: u64 = 1024;

/// An exact local count on a [`StripedCounter`] whose handle hears of it
/// lazily: when the counting thread's stripe crosses a multiple of
/// [`PUBLISH_EVERY`], or on [`publish`](Self::publish). Each count reaches the
/// handle exactly once.
#[derive(Debug)]
pub(crate) struct LazyCounter {
    counter: StripedCounter,
    published: AtomicU64,
    handle: Counter,
}

impl LazyCounter {
    pub(crate) fn new(handle: Counter) -> Self {
        Self { counter: StripedCounter::default(), published: AtomicU64::new(0), handle }
    }

    /// Counts `n`.
    #[inline]
    pub(crate) fn add(&self, n: u64) {
        let before = self.counter.add(n);
        if crosses_publish_mark(before, n) {
            self.publish();
        }
    }

    /// The exact total.
    pub(crate) fn sum(&self) -> u64 {
        self.counter.sum()
    }

    /// Sends the handle what it has not heard of yet.
    #[cold]
    #[inline(never)]
    pub(crate) fn publish(&self) {
        let now = self.counter.sum();
        let before = self.published.fetch_max(now, Relaxed);
        if now > before {
            self.handle.increment(now - before);
        }
    }
}

/// Whether adding `n` to a stripe at `before` crosses (or reaches) a
/// multiple of [`PUBLISH_EVERY`].
#[inline]
pub(crate) const fn crosses_publish_mark(before: u64, n: u64) -> bool {
    before / PUBLISH_EVERY != before.wrapping_add(n) / PUBLISH_EVERY
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publish_marks() {
        assert!(!crosses_publish_mark(0, 1));
        assert!(crosses_publish_mark(PUBLISH_EVERY - 1, 1));
        assert!(!crosses_publish_mark(PUBLISH_EVERY, 1));
        assert!(crosses_publish_mark(10, PUBLISH_EVERY));
        assert!(!crosses_publish_mark(10, 0));
    }
}
