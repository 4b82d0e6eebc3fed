//! Reads that load on a miss: `get_with`, `load`, `get_batched`, `get_many`.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;

use cache_core::error::CacheError;
use cache_core::{BoxError, Store};

use crate::cache::AsyncCache;
use crate::load_fn::LoadFn;
use crate::resilience::Fetched;

impl<K, V, S> AsyncCache<K, V, S>
where
    S: Store<K, V> + 'static,
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// The value for `key`, loaded with `loader` on a miss and stored with the
    /// default TTL.
    ///
    /// A hit returns at once. On a miss the caller joins the load of `key`
    /// already in flight, or starts one: `loader` is called and its future runs
    /// as its own tokio task. Its value is stored (unless `key` was written or
    /// removed meanwhile) and handed to every waiter.
    ///
    /// # Errors
    ///
    /// [`CacheError::Load`] with the loader's error (recover it with
    /// [`LoadError::downcast_ref`](crate::error::LoadError::downcast_ref)),
    /// [`CacheError::LoaderPanicked`], or [`CacheError::Timeout`] when a load
    /// timeout is set. Nothing is stored then; the next call loads again.
    ///
    /// # Concurrent calls on the same key
    ///
    /// One `loader` runs; the other callers' loaders are dropped uncalled and
    /// they receive clones of the one result, error included. Each is counted
    /// as a miss, and all but the first as coalesced.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe. Dropping this future (a request timeout, a closed
    /// connection) does not cancel the load: it goes on in its own task, is
    /// stored, and answers the other waiters. This is why the loader's future
    /// must be `'static`: clone what it needs (an `Arc` of the pool) into it.
    ///
    /// # Borrowing in the loader
    ///
    /// A loader that borrows (`|| async { db.user(id).await }` with `db: &Db`)
    /// is refused with "borrowed value does not live long enough ... argument
    /// requires that `db` is borrowed for `'static`": the load outlives the
    /// call. Either move an owned handle in (`let db = Arc::clone(&db);
    /// move || async move { db.user(id).await }`), or use
    /// [`get_with_inline`](Self::get_with_inline), whose load runs inside the
    /// calling future and may borrow. The loader is a closure, not a future
    /// (moka's `get_with(k, async { .. })` is refused with a note saying so):
    /// a hit never builds it.
    ///
    /// # Panics
    ///
    /// Panics when called outside a tokio runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use cache_facade::AsyncCache;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let cache: AsyncCache<String, usize> = AsyncCache::builder().build().unwrap();
    /// let key = "hello".to_string();
    /// let len = cache
    ///     .get_with(key.clone(), move || async move { Ok::<_, std::io::Error>(key.len()) })
    ///     .await
    ///     .unwrap();
    /// assert_eq!(len, 5);
    /// # }
    /// ```
    pub async fn get_with<F, Fut, E>(&self, key: K, loader: F) -> Result<V, CacheError>
    where
        F: LoadFn<Fut>,
        Fut: Future<Output = Result<V, E>> + Send + 'static,
        E: Into<BoxError> + 'static,
    {
        self.get_with_meta(key, loader).await.map(Fetched::into_value)
    }

    /// Loads `key` (already looked up and missed) through single-flight.
    #[cold]
    pub(crate) async fn load_missing<F, Fut, E>(&self, key: K, loader: F) -> Result<V, CacheError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>> + Send + 'static,
        E: Into<BoxError> + 'static,
    {
        let store = &self.inner.store;
        let probe = || store.get(&key);
        let commit = Arc::clone(&self.inner.commit);
        let commit = move |key: &K, value: &V| commit(key, value);
        let through = crate::tiered::Through::new(self.inner.tier.as_ref(), &self.inner.ttl, &key);
        // The load runs in its own task: the span, made here, keeps the
        // loader's own spans and events under the caller's.
        let span = tracing::debug_span!("cache_load", cache = %self.inner.name);
        let loader = move || tracing::Instrument::instrument(through.run(loader()), span);
        let result = self
            .inner
            .flights
            .get_or_load(key.clone(), probe, loader, self.inner.load_timeout, commit)
            .await;
        self.note_write();
        result
    }

    /// As [`get_with`](Self::get_with), but the load runs inside the calling
    /// future rather than in a spawned task: `loader` and its future may
    /// borrow (`&self`, a `&Db`) and need not be `Send`.
    ///
    /// # Errors
    ///
    /// As [`get_with`](Self::get_with).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, by hand-over: if the caller running the load is dropped,
    /// a waiting caller takes the load over with its own loader, so nobody
    /// hangs. Unlike [`get_with`](Self::get_with), a leader that stays alive
    /// but is never polled again delays its waiters; prefer `get_with`
    /// whenever the loader can be `'static`.
    ///
    /// # Examples
    ///
    /// ```
    /// use cache_facade::AsyncCache;
    ///
    /// struct Db { rows: Vec<String> }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let db = Db { rows: vec!["zero".into(), "one".into()] };
    /// let cache: AsyncCache<usize, String> = AsyncCache::builder().build().unwrap();
    /// let row = cache
    ///     .get_with_inline(1, || async { Ok::<_, std::io::Error>(db.rows[1].clone()) }) // borrows db
    ///     .await
    ///     .unwrap();
    /// assert_eq!(row, "one");
    /// # }
    /// ```
    pub async fn get_with_inline<F, Fut, E>(&self, key: K, loader: F) -> Result<V, CacheError>
    where
        F: LoadFn<Fut>,
        Fut: Future<Output = Result<V, E>>,
        E: Into<BoxError>,
    {
        if let Some(value) = self.lookup(&key) {
            return Ok(value);
        }
        let stale = self.inner.resilience.stale(&key);
        let result = self.load_missing_inline(key.clone(), loader).await;
        // Fail-safe (the load ran in this future: no soft timeout or
        // stale-while-revalidate here). What fail-safe keeps may have
        // arrived during the load (see `fetch_missing`): looked up again.
        if matches!(result, Err(CacheError::Load(_) | CacheError::LoaderPanicked { .. })) {
            if let Some(stale) = self.stale_once_reported(&key, stale.as_ref()).await {
                self.rearm(&key, stale.clone());
                self.inner.metrics.record_stale_served(cache_metrics::StaleReason::Error);
                return Ok(stale);
            }
        }
        result
    }

    /// Loads `key` (already looked up and missed) through single-flight,
    /// inside the calling future.
    #[cold]
    pub(crate) async fn load_missing_inline<F, Fut, E>(
        &self,
        key: K,
        loader: F,
    ) -> Result<V, CacheError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
        E: Into<BoxError>,
    {
        let store = &self.inner.store;
        let probe = || store.get(&key);
        let commit = &*self.inner.commit;
        let through = crate::tiered::Through::new(self.inner.tier.as_ref(), &self.inner.ttl, &key);
        let loader = move || through.run(loader());
        let result = self
            .inner
            .flights
            .get_or_load_inline(key.clone(), probe, loader, self.inner.load_timeout, commit)
            .await;
        self.note_write();
        result
    }

    /// The value for `key` through the [`Loader`](cache_core::Loader)
    /// registered with [`AsyncCacheBuilder::loader`](crate::AsyncCacheBuilder::loader):
    /// [`get_with`](Self::get_with) without passing a loader each time.
    ///
    /// # Errors
    ///
    /// [`CacheError::NoLoader`] when no loader was registered, otherwise as
    /// [`get_with`](Self::get_with).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`get_with`](Self::get_with).
    pub async fn load(&self, key: K) -> Result<V, CacheError> {
        let Some(loader) = self.inner.loader.clone() else {
            return Err(CacheError::NoLoader);
        };
        let owned = key.clone();
        self.get_with(key, move || async move { loader.load(&owned).await }).await
    }

    /// The value for `key` through the registered
    /// [`BatchLoader`](cache_core::BatchLoader), DataLoader style: misses
    /// arriving within the batch window share one `load_batch` call. `None`
    /// when the batch loader does not know the key (not cached).
    ///
    /// A key already loading (by any method) is joined, never loaded twice.
    ///
    /// # Errors
    ///
    /// [`CacheError::NoBatchLoader`] when none was registered; otherwise the
    /// batch's error, panic or timeout, shared by every key of the batch.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the batch is loaded by its own task.
    ///
    /// # Panics
    ///
    /// When called outside a tokio runtime, before anything is queued (see
    /// [`Batcher::get`](cache_loader::Batcher::get) for what happens to a
    /// batch whose runtime goes away).
    pub async fn get_batched(&self, key: K) -> Result<Option<V>, CacheError> {
        let Some(batcher) = &self.inner.batcher else {
            return Err(CacheError::NoBatchLoader);
        };
        if let Some(negative) = &self.inner.resilience.negative {
            if negative.knows_absent(&key) {
                self.inner.metrics.record_negative_hit();
                return Ok(None);
            }
        }
        if let Some(value) = self.lookup(&key) {
            return Ok(Some(value));
        }
        let store = &self.inner.store;
        let result = batcher.get(key.clone(), || store.get(&key)).await;
        self.note_write();
        if let (Ok(None), Some(negative)) = (&result, &self.inner.resilience.negative) {
            negative.remember(key);
        }
        result
    }

    /// The values of `keys` that are cached or known to the batch loader;
    /// missing keys are loaded in batches (see
    /// [`get_batched`](Self::get_batched)) and unknown ones are absent from
    /// the map. Each distinct key counts one hit or one miss.
    ///
    /// # Errors
    ///
    /// [`CacheError::NoBatchLoader`] when none was registered; otherwise the
    /// first error among the batches loading the missing keys.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`get_batched`](Self::get_batched).
    pub async fn get_many(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<HashMap<K, V>, CacheError> {
        let Some(batcher) = &self.inner.batcher else {
            return Err(CacheError::NoBatchLoader);
        };
        let mut found = HashMap::new();
        let mut missing = HashSet::new();
        for key in keys {
            if found.contains_key(&key) || missing.contains(&key) {
                continue;
            }
            match self.lookup(&key) {
                Some(value) => {
                    found.insert(key, value);
                }
                None => {
                    missing.insert(key);
                }
            }
        }
        if !missing.is_empty() {
            let store = &self.inner.store;
            found.extend(batcher.get_many(missing, |key| store.get(key)).await?);
            self.note_write();
        }
        Ok(found)
    }
}
