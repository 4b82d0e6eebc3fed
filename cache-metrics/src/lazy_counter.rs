//! A hot-path counter: striped locally, exported to its `metrics` handle in
//! deltas.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use metrics::Counter;

use crate::striped::StripedCounter;

/// A thread's stripe publishes the counter's total each time it crosses a
/// multiple of this many counts (see the crate docs).
pub const PUBLISH_EVERY: u64 = 1024;

/// An exact local count on a [`StripedCounter`] whose handle hears of it
/// lazily, as its exact total ([`Counter::absolute`]): when the counting
/// thread's stripe crosses a multiple of [`PUBLISH_EVERY`], on
/// [`publish`](Self::publish), and at every pass of the flusher.
#[derive(Debug)]
pub(crate) struct LazyCounter {
    counter: StripedCounter,
    /// The highest total already sent.
    published: AtomicU64,
}

impl LazyCounter {
    pub(crate) fn new() -> Self {
        Self { counter: StripedCounter::default(), published: AtomicU64::new(0) }
    }

    /// Counts `n`; says whether the counting thread's stripe crossed a
    /// publication mark (the caller then publishes).
    #[inline]
    #[must_use]
    pub(crate) fn add(&self, n: u64) -> bool {
        let before = self.counter.add(n);
        crosses_publish_mark(before, n)
    }

    /// The exact total.
    pub(crate) fn sum(&self) -> u64 {
        self.counter.sum()
    }

    /// Sends `handle` the total, if it grew since the last time.
    #[cold]
    #[inline(never)]
    pub(crate) fn publish(&self, handle: &Counter) {
        let now = self.counter.sum();
        let before = self.published.fetch_max(now, Relaxed);
        if now > before {
            handle.absolute(now);
        }
    }

    /// Sends `handle` the total, grown or not (a handle new to it, or one
    /// whose recorder stores the latest value rather than the largest).
    pub(crate) fn publish_again(&self, handle: &Counter) {
        let now = self.counter.sum();
        self.published.fetch_max(now, Relaxed);
        handle.absolute(now);
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
