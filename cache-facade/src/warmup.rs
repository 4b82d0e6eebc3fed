//! Loading a known key set ahead of traffic.

use std::future::Future;
use std::hash::Hash;

use cache_core::error::CacheError;
use cache_core::{BoxError, Store};
use cache_loader::WarmupReport;

use crate::cache::AsyncCache;

impl<K, V, S> AsyncCache<K, V, S>
where
    S: Store<K, V> + 'static,
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// Loads every `(key, loader)` pair whose key is not present yet, with at
    /// most [`warmup_concurrency`](crate::AsyncCacheBuilder::warmup_concurrency)
    /// loads at once, and reports what happened to each key. A failed key does
    /// not stop the others. Warmup loads are single-flight like any other (a
    /// request for a warming key joins its load) but are not counted as
    /// lookups.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future stops starting new loads; loads already started
    /// finish and are stored.
    ///
    /// # Examples
    ///
    /// ```
    /// use cache_facade::AsyncCache;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let cache: AsyncCache<u64, u64> = AsyncCache::builder().build().unwrap();
    /// cache.insert(1, 100).await;
    /// let square = |n: u64| move || async move { Ok::<_, std::io::Error>(n * n) };
    /// let report = cache.warmup([(1, square(1)), (2, square(2)), (3, square(3))]).await;
    /// assert_eq!((report.loaded, report.skipped), (2, 1));
    /// assert_eq!(cache.get(&3).await, Some(9));
    /// # }
    /// ```
    pub async fn warmup<I, F, Fut, E>(&self, pairs: I) -> WarmupReport<K>
    where
        I: IntoIterator<Item = (K, F)>,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>> + Send + 'static,
        E: Into<BoxError> + 'static,
    {
        let concurrency = self.inner.warmup_concurrency;
        cache_loader::warmup(
            pairs,
            concurrency,
            |key| self.contains_key(key),
            |key, loader| async move { self.load_missing(key, loader).await.map(drop) },
        )
        .await
    }

    /// Warms `keys` through the registered batch loader, skipping present
    /// keys: the missing keys are dispatched at once in batches of
    /// `max_batch_size` (the last one smaller), without waiting for the batch
    /// window, so `n` missing keys take `ceil(n / max_batch_size)` batch
    /// loads (keys already loading are joined instead). Keys the loader does
    /// not know are counted in [`WarmupReport::not_found`].
    ///
    /// # Errors
    ///
    /// [`CacheError::NoBatchLoader`] when no batch loader was registered.
    /// Failures of individual batches are reported per key, not returned.
    pub async fn warmup_batched(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<WarmupReport<K>, CacheError> {
        let Some(batcher) = &self.inner.batcher else {
            return Err(CacheError::NoBatchLoader);
        };
        let report = batcher.warmup(keys, |key| self.contains_key(key)).await;
        self.publish_size();
        Ok(report)
    }
}
