//! What a cache tells of its remote side.

use std::hash::Hash;

use cache_core::Store;
use cache_core::remote::ConnectionState;

use crate::cache::AsyncCache;

impl<K, V, S> AsyncCache<K, V, S>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    S: Store<K, V> + 'static,
{
    /// Whether the backplane is receiving invalidations now; `None` without
    /// a backplane. Until it first reports `Connected`, writes of other
    /// instances may go unnoticed here.
    ///
    /// # Examples
    ///
    /// ```
    /// use cache_facade::AsyncCache;
    ///
    /// let cache: AsyncCache<u64, u64> = AsyncCache::builder().build().unwrap();
    /// assert_eq!(cache.backplane_state(), None);
    /// ```
    #[must_use]
    pub fn backplane_state(&self) -> Option<ConnectionState> {
        self.inner.tier.as_ref().and_then(|t| t.backplane_state())
    }

    /// Remote writes and invalidations not yet made (queued for replay, or in
    /// progress); 0 without a remote side.
    #[must_use]
    pub fn pending_remote_writes(&self) -> u64 {
        self.inner.tier.as_ref().map_or(0, |t| t.queue.len())
    }
}
