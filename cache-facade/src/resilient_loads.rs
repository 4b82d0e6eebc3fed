//! The load paths with the resilience options: `get_with_meta` (what
//! `get_with` runs), refresh-ahead, fail-safe, stale-while-revalidate, soft
//! timeouts, and `refresh`.

use std::future::Future;
use std::hash::Hash;
use std::time::Duration;

use cache_core::error::CacheError;
use cache_core::time::deadline_after;
use cache_core::{BoxError, Store};
use cache_metrics::StaleReason;

use crate::cache::AsyncCache;
use crate::load_fn::LoadFn;
use crate::resilience::Fetched;

/// The longest a caller whose load failed waits (wall time) for the
/// store's in-flight removal reports before it gives up on a stale value.
const REPORT_WAIT: Duration = Duration::from_millis(10);

impl<K, V, S> AsyncCache<K, V, S>
where
    S: Store<K, V> + 'static,
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// As [`get_with`](Self::get_with), telling whether the value is fresh
    /// or stale (served by [`fail_safe`](crate::AsyncCacheBuilder::fail_safe),
    /// a [`soft_timeout`](crate::AsyncCacheBuilder::soft_timeout) or
    /// [`stale_while_revalidate`](crate::AsyncCacheBuilder::stale_while_revalidate)).
    ///
    /// # Errors
    ///
    /// As [`get_with`](Self::get_with); with fail-safe, only when no stale
    /// value is kept for `key`.
    ///
    /// # Concurrent calls on the same key
    ///
    /// As `get_with`: one load; every caller of a failed load gets the same
    /// stale value (each counted in `stale_served`).
    ///
    /// # Cancel safety
    ///
    /// As [`get_with`](Self::get_with).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use cache_facade::{AsyncCache, Freshness, StaleReason};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let cache: AsyncCache<u32, &str> = AsyncCache::builder()
    ///     .default_ttl(Duration::from_secs(60))
    ///     .fail_safe(Duration::from_secs(3_600))
    ///     .build()
    ///     .unwrap();
    /// cache.get_with(1, || async { Ok::<_, std::io::Error>("v1") }).await.unwrap();
    /// tokio::time::advance(Duration::from_secs(61)).await; // expired: kept aside
    ///
    /// let down = || async { Err::<&str, _>(std::io::Error::other("db down")) };
    /// let fetched = cache.get_with_meta(1, down).await.unwrap();
    /// assert_eq!(fetched.value(), &"v1");
    /// assert_eq!(fetched.freshness(), Freshness::Stale(StaleReason::Error));
    /// assert_eq!(cache.metrics().stale_served.error, 1);
    /// # }
    /// ```
    pub async fn get_with_meta<F, Fut, E>(
        &self,
        key: K,
        loader: F,
    ) -> Result<Fetched<V>, CacheError>
    where
        F: LoadFn<Fut>,
        Fut: Future<Output = Result<V, E>> + Send + 'static,
        E: Into<BoxError> + 'static,
    {
        match self.inner.resilience.refresh_when_left {
            None => {
                if let Some(value) = self.lookup(&key) {
                    return Ok(Fetched::fresh(value));
                }
            }
            Some(margin) => {
                if let Some((value, left)) = self.lookup_time_left(&key) {
                    if left.is_some_and(|left| left <= margin) {
                        self.refresh_in_background(&key, loader);
                    }
                    return Ok(Fetched::fresh(value));
                }
            }
        }
        // Boxed: the miss path's state (single-flight, fail-safe, timeouts)
        // is several hundred bytes, which every hit would otherwise carry
        // in its future and move around; a miss pays one allocation.
        Box::pin(self.fetch_missing(key, loader)).await
    }

    /// The store lookup with the entry's time left; counts the hit or miss.
    #[inline]
    fn lookup_time_left(&self, key: &K) -> Option<(V, Option<Duration>)> {
        let found = self.inner.store.get_with_time_left(key);
        if found.is_some() {
            self.inner.metrics.record_hit();
        } else {
            self.inner.metrics.record_miss();
        }
        found
    }

    /// A miss: load, or serve what fail-safe kept when the load is slow or
    /// fails.
    ///
    /// What fail-safe keeps may arrive a moment after the miss: the store
    /// tells its listeners of an expired entry once its locks are released,
    /// so a caller that finds the entry already gone may not find the stale
    /// value yet. Such a caller looks again when the soft timeout passes or
    /// the load fails, and is served the stale value as if it had found it at
    /// once, instead of waiting out a slow load or seeing the error.
    #[cold]
    async fn fetch_missing<F, Fut, E>(&self, key: K, loader: F) -> Result<Fetched<V>, CacheError>
    where
        F: LoadFn<Fut>,
        Fut: Future<Output = Result<V, E>> + Send + 'static,
        E: Into<BoxError> + 'static,
    {
        let resilience = &self.inner.resilience;
        let found = resilience.stale(&key);
        if let Some(stale) = &found {
            if resilience.stale_while_revalidate {
                self.refresh_in_background(&key, loader);
                return Ok(self.serve_stale(&key, stale.clone(), StaleReason::Revalidate));
            }
        }
        let mut load = std::pin::pin!(self.load_missing(key.clone(), loader));
        let result = match resilience.soft_timeout {
            // The load runs in its own task: it goes on, and lands in the
            // cache unless a newer write of the key happens first.
            Some(soft) if resilience.fail_safe.is_some() => {
                match tokio::time::timeout(soft, load.as_mut()).await {
                    Ok(result) => result,
                    Err(_) => match self.stale_once_reported(&key, found.as_ref()).await {
                        Some(stale) => {
                            return Ok(self.serve_stale(&key, stale, StaleReason::Timeout));
                        }
                        // Nothing to serve: wait for the load.
                        None => load.await,
                    },
                }
            }
            _ => load.await,
        };
        match result {
            Ok(value) => Ok(Fetched::fresh(value)),
            Err(error) if fails_safe(&error) => {
                match self.stale_once_reported(&key, found.as_ref()).await {
                    Some(stale) => {
                        self.rearm(&key, stale.clone());
                        Ok(self.serve_stale(&key, stale, StaleReason::Error))
                    }
                    None => Err(error),
                }
            }
            Err(error) => Err(error),
        }
    }

    /// The stale value of `key` (`found` if one was found before the load),
    /// once the removals the store may still be reporting have reached
    /// fail-safe: a store tells its listeners once its locks are released,
    /// so a caller that missed a key another write just expired may look
    /// before fail-safe holds it. While the store has reports in flight it
    /// yields, to the runtime's other tasks and then also to the OS (the
    /// reporting thread may be waiting for this core), for at most
    /// [`REPORT_WAIT`] of wall time; not at all when it has none. Needs no
    /// timer (a runtime without one, or a paused clock, is fine).
    pub(crate) async fn stale_once_reported(&self, key: &K, found: Option<&V>) -> Option<V> {
        let resilience = &self.inner.resilience;
        if let Some(found) = found {
            return Some(found.clone());
        }
        resilience.fail_safe.as_ref()?;
        let started = std::time::Instant::now();
        let mut round = 0u32;
        loop {
            // Read before the stale store: a report that ends after this
            // read is waited for; one that ended before it is seen.
            let reporting = self.inner.store.reports_in_flight();
            if let Some(stale) = resilience.stale(key) {
                return Some(stale);
            }
            if !reporting || started.elapsed() >= REPORT_WAIT {
                return None;
            }
            if round >= 64 {
                std::thread::yield_now();
            }
            round = round.saturating_add(1);
            tokio::task::yield_now().await;
        }
    }

    /// Counts a stale value served.
    fn serve_stale(&self, key: &K, stale: V, reason: StaleReason) -> Fetched<V> {
        self.inner.metrics.record_stale_served(reason);
        let reason_label = reason.as_str();
        let cache = &self.inner.name;
        if let Some(show) = &self.inner.resilience.trace_key {
            let key = show(key);
            tracing::debug!(cache = %cache, reason = reason_label, key = %key, "stale value served");
        } else {
            tracing::debug!(cache = %cache, reason = reason_label, "stale value served");
        }
        Fetched::stale(stale, reason)
    }

    /// After a failed reload: the stale value lives in the cache again for
    /// the fail-safe throttle, so the backend is not asked at every request
    /// (unless a newer value arrived meanwhile). Checked and written under
    /// the key's single-flight lock: an insert or a load's commit of the key
    /// takes the same lock, so it lands before the check (and the stale
    /// value stays out) or after the write (and replaces it), never between.
    pub(crate) fn rearm(&self, key: &K, stale: V) {
        let Some(fail_safe) = &self.inner.resilience.fail_safe else { return };
        let store = &self.inner.store;
        self.inner.flights.locked(key, || {
            if !store.contains_key(key) {
                store.insert(key.clone(), stale, deadline_after(fail_safe.throttle));
                fail_safe.throttle_key(key.clone());
            }
        });
    }

    /// Starts one reload of `key` in the background, unless one is in
    /// flight already or fail-safe's throttle holds the key back
    /// (refresh-ahead, stale-while-revalidate). The load takes the key's
    /// single-flight slot before this returns, so a write of the key from
    /// now on wins over it; a failure leaves the current value as it is.
    fn refresh_in_background<F, Fut, E>(&self, key: &K, loader: F)
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>> + Send + 'static,
        E: Into<BoxError> + 'static,
    {
        let inner = &self.inner;
        if inner.resilience.fail_safe.as_ref().is_some_and(|f| f.is_throttled(key))
            || tokio::runtime::Handle::try_current().is_err()
        {
            return;
        }
        let (commit, remote) = self.refresh_commit();
        // As a load's: the reload's spans stay under the caller that
        // triggered it.
        let span = tracing::debug_span!("cache_refresh", cache = %inner.name);
        let loader = move || tracing::Instrument::instrument(loader(), span);
        let Some(waiter) = inner.flights.spawn_load(key, loader, inner.load_timeout, commit) else {
            return;
        };
        let cache = self.clone();
        tokio::spawn(async move {
            let succeeded = waiter.wait().await.is_ok();
            if let Some(write) = remote.take() {
                write.finish().await;
            }
            cache.inner.metrics.record_refresh(succeeded);
            let outcome = if succeeded { "success" } else { "failure" };
            tracing::debug!(cache = %cache.inner.name, outcome, "refresh finished");
        });
    }

    /// Loads `key` even if it is cached (single-flight with any load of it
    /// in flight), and stores the value unless a write of the key happens
    /// meanwhile.
    async fn force_load<Fut, E>(&self, key: K, load: Fut) -> Result<V, CacheError>
    where
        Fut: Future<Output = Result<V, E>> + Send + 'static,
        E: Into<BoxError> + 'static,
    {
        let (commit, remote) = self.refresh_commit();
        let timeout = self.inner.load_timeout;
        let result =
            self.inner.flights.get_or_load(key, || None, move || load, timeout, commit).await;
        self.note_write();
        if let Some(write) = remote.take() {
            write.finish().await;
        }
        result
    }

    /// The commit of a reload: stores the value as every load does and,
    /// with a remote tier, begins its write to L2 (and the announcement to
    /// the other instances) under the key's lock, so that L2 does not keep
    /// the value the reload replaced and a later write of the key lands
    /// after it. The caller finishes the write once the load is done.
    fn refresh_commit(&self) -> (impl FnOnce(&K, &V) + Send + 'static, RemoteWrite<V>) {
        let commit = std::sync::Arc::clone(&self.inner.commit);
        let tier = self.inner.tier.clone();
        let ttl = self.inner.ttl.clone();
        let remote = RemoteWrite::default();
        let slot = remote.clone();
        let commit = move |key: &K, value: &V| {
            commit(key, value);
            let ttl = ttl.of(key, value);
            if let Some(write) = crate::tiered::prepare_refresh(tier.as_ref(), key, value, ttl) {
                slot.put(write.begin());
            }
        };
        (commit, remote)
    }

    /// Reloads `key` with the registered [`Loader`](cache_core::Loader) now,
    /// even if it is cached, and stores the new value (Caffeine's
    /// `refresh`). The current value stays readable meanwhile and stays if
    /// the reload fails; a write of `key` during the reload wins over it.
    /// With a [remote tier](crate::AsyncCacheBuilder::remote), the new value
    /// also replaces the tier's (which is as old as the one it refreshed)
    /// and the other instances are told to drop their copy, as after an
    /// insert; refresh-ahead and stale-while-revalidate reloads do the same.
    ///
    /// # Errors
    ///
    /// [`CacheError::NoLoader`] without a registered loader; else the
    /// reload's error (the cached value, if any, is kept).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the reload runs in its own task and lands anyway.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicU32, Ordering};
    /// use cache_facade::{AsyncCache, BoxError, loader_fn};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let version = Arc::new(AtomicU32::new(1));
    /// let source = Arc::clone(&version);
    /// let cache: AsyncCache<u32, u32> = AsyncCache::builder()
    ///     .loader(loader_fn(move |_id: u32| {
    ///         let v = source.load(Ordering::SeqCst);
    ///         async move { Ok::<_, BoxError>(v) }
    ///     }))
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(cache.load(7).await.unwrap(), 1);
    /// version.store(2, Ordering::SeqCst);
    /// assert_eq!(cache.get(&7).await, Some(1), "cached");
    /// assert_eq!(cache.refresh(7).await.unwrap(), 2);
    /// assert_eq!(cache.get(&7).await, Some(2));
    /// # }
    /// ```
    pub async fn refresh(&self, key: K) -> Result<V, CacheError> {
        let Some(loader) = self.inner.loader.clone() else {
            return Err(CacheError::NoLoader);
        };
        let owned = key.clone();
        let result = self.force_load(key, async move { loader.load(&owned).await }).await;
        self.inner.metrics.record_refresh(result.is_ok());
        result
    }
}

/// Whether fail-safe answers this failure with a stale value: the loader's
/// error or panic (a hard timeout stays an error).
fn fails_safe(error: &CacheError) -> bool {
    matches!(
        error,
        CacheError::Load(_) | CacheError::LoaderPanicked { .. } | CacheError::StorePanicked { .. }
    )
}

/// The L2 write a reload began when it committed, handed from the commit
/// (which runs wherever the load completes) to the task that awaits it.
struct RemoteWrite<V: Send + Sync + 'static>(
    std::sync::Arc<std::sync::Mutex<Option<crate::tiered::Begun<V>>>>,
);

impl<V: Send + Sync + 'static> Default for RemoteWrite<V> {
    fn default() -> Self {
        Self(std::sync::Arc::default())
    }
}

impl<V: Send + Sync + 'static> Clone for RemoteWrite<V> {
    fn clone(&self) -> Self {
        Self(std::sync::Arc::clone(&self.0))
    }
}

impl<V: Send + Sync + 'static> RemoteWrite<V> {
    fn put(&self, write: crate::tiered::Begun<V>) {
        *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(write);
    }

    fn take(&self) -> Option<crate::tiered::Begun<V>> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take()
    }
}
