//! The capacity bound shared by the lock-based stores: an entry count, a
//! weight budget (with a weigher) or no bound at all.

use cache_core::{Capacity, Weigher};

/// How much a store may hold and how much each entry uses of it.
///
/// Without a weigher every entry weighs 1, so the total weight is the entry
/// count and a limit counts entries.
pub(crate) struct Budget<K, V> {
    limit: Option<u64>,
    weigher: Option<Weigher<K, V>>,
}

impl<K, V> Budget<K, V> {
    /// A bound of `limit` (`None`: unbounded), in entries without a weigher,
    /// in weight with one.
    pub(crate) fn new(limit: Option<u64>, weigher: Option<Weigher<K, V>>) -> Self {
        Self { limit, weigher }
    }

    /// The bound: entries, or weight with a weigher; `None` when unbounded.
    pub(crate) fn limit(&self) -> Option<u64> {
        self.limit
    }

    /// The weigher, if entries are weighed.
    pub(crate) fn weigher(&self) -> Option<&Weigher<K, V>> {
        self.weigher.as_ref()
    }

    /// The weight of one entry: the weigher's verdict, or 1 without a weigher.
    #[inline]
    pub(crate) fn weigh(&self, key: &K, value: &V) -> u32 {
        self.weigher.as_ref().map_or(1, |weigher| weigher.weigh(key, value))
    }

    /// Whether an entry of `weight` can be kept at all: it is no heavier than
    /// the whole capacity, and the capacity is not 0 (a zero capacity keeps
    /// nothing, not even entries a weigher calls weightless).
    #[inline]
    pub(crate) fn admits(&self, weight: u32) -> bool {
        self.limit.is_none_or(|limit| limit > 0 && u64::from(weight) <= limit)
    }

    /// The bound as reported by [`cache_core::Store::capacity`].
    pub(crate) fn capacity(&self) -> Capacity {
        match (self.limit, &self.weigher) {
            (None, _) => Capacity::Unbounded,
            (Some(limit), None) => Capacity::Entries(limit),
            (Some(limit), Some(_)) => Capacity::Weight(limit),
        }
    }
}

impl<K, V> std::fmt::Debug for Budget<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Budget").field("capacity", &self.capacity()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cache_core::weigher_fn;

    #[test]
    fn capacity_follows_limit_and_weigher() {
        let entries = Budget::<u8, u8>::new(Some(3), None);
        assert_eq!(entries.capacity(), Capacity::Entries(3));
        assert_eq!(entries.weigh(&1, &200), 1);
        assert!(entries.admits(1));

        let weighted = Budget::new(Some(3), Some(weigher_fn(|_: &u8, v: &u8| u32::from(*v))));
        assert_eq!(weighted.capacity(), Capacity::Weight(3));
        assert!(!weighted.admits(4));

        let unbounded = Budget::<u8, u8>::new(None, None);
        assert_eq!(unbounded.capacity(), Capacity::Unbounded);
        assert!(unbounded.admits(u32::MAX));
    }

    #[test]
    fn zero_capacity_admits_nothing() {
        let zero = Budget::<u8, u8>::new(Some(0), None);
        assert!(!zero.admits(1));
        assert!(!zero.admits(0));
    }
}
