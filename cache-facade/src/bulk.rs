//! Bulk invalidation and inspection: `retain`, `invalidate_entries_if`,
//! `invalidate_all` and `iter`.

use std::hash::Hash;

use cache_core::Store;

use crate::cache::AsyncCache;

impl<K, V, S> AsyncCache<K, V, S>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    S: Store<K, V> + 'static,
{
    /// A snapshot of the live entries (clones), weakly consistent like
    /// moka's `iter`: an entry inserted or removed while the snapshot is
    /// taken may or may not be in it. Not counted as lookups; O(entries).
    ///
    /// # Examples
    ///
    /// ```
    /// use cache_facade::AsyncCache;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let cache: AsyncCache<u32, &str> = AsyncCache::builder().build().unwrap();
    /// cache.insert(1, "a").await;
    /// cache.insert(2, "b").await;
    /// let mut all: Vec<(u32, &str)> = cache.iter().collect();
    /// all.sort_unstable();
    /// assert_eq!(all, [(1, "a"), (2, "b")]);
    /// # }
    /// ```
    #[must_use]
    pub fn iter(&self) -> std::vec::IntoIter<(K, V)> {
        let mut entries = Vec::new();
        self.inner.store.for_each_entry(&mut |k, v| entries.push((k.clone(), v.clone())));
        entries.into_iter()
    }

    /// Removes every entry for which `keep` returns `false`, as `remove`
    /// would (each counted as an explicit eviction; a load of such a key in
    /// flight will not store its value). Weakly consistent: an entry written
    /// while `retain` runs may escape it. Returns how many were removed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it completes without awaiting anything.
    ///
    /// # Examples
    ///
    /// ```
    /// use cache_facade::AsyncCache;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let cache: AsyncCache<u32, u32> = AsyncCache::builder().build().unwrap();
    /// for k in 0..10 {
    ///     cache.insert(k, k * k).await;
    /// }
    /// assert_eq!(cache.retain(|_k, square| square % 2 == 0).await, 5);
    /// assert_eq!(cache.len(), 5);
    /// assert_eq!(cache.metrics().evictions.explicit, 5);
    /// # }
    /// ```
    pub async fn retain(&self, mut keep: impl FnMut(&K, &V) -> bool) -> usize {
        let mut doomed = Vec::new();
        self.inner.store.for_each_entry(&mut |k, v| {
            if !keep(k, v) {
                doomed.push(k.clone());
            }
        });
        let mut removed = 0;
        for key in doomed {
            removed += usize::from(self.remove(&key).await.is_some());
        }
        removed
    }

    /// Removes every entry for which `doomed` returns `true` (moka's
    /// `invalidate_entries_if`; the complement of [`retain`](Self::retain)).
    /// Returns how many were removed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it completes without awaiting anything.
    pub async fn invalidate_entries_if(&self, mut doomed: impl FnMut(&K, &V) -> bool) -> usize {
        self.retain(|k, v| !doomed(k, v)).await
    }

    /// Removes every entry: [`clear`](Self::clear), spelled as moka spells
    /// it.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it completes without awaiting anything.
    pub async fn invalidate_all(&self) {
        self.clear().await;
    }
}
