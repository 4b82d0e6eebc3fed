//! [`AsyncCache`]: the type users hold, and its lookup and write operations.

use std::fmt;
use std::future::{Ready, ready};
use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

use cache_core::time::deadline_after;
use cache_core::{Capacity, Equivalent, Loader, Store};
use cache_loader::{Batcher, Commit, SingleFlight};
use cache_metrics::{CacheMetrics, MetricsSnapshot};

use crate::builder::AsyncCacheBuilder;
use crate::default_store::DefaultStore;
use crate::expiry::Ttl;
use crate::resilience::Resilience;

/// An async application-layer cache in front of a database or a remote API.
///
/// `AsyncCache<K, V, S>` composes a [`Store`] `S` (where entries live; the
/// engine's default configuration unless the builder is given another, as
/// `HashMap<K, V, S>` takes a hasher), the loading
/// machinery of [`cache_loader`] (single-flight, batching, warmup) and
/// [`cache_metrics`] (exact counters, `metrics`-crate emission). Build one with
/// [`AsyncCache::builder`]. It is cheap to clone: clones share one cache, so
/// hand a clone to every task.
///
/// # Semantics
///
/// - **Single-flight**: concurrent misses of one key run one load; every
///   caller gets a clone of its value ([`get_with`](Self::get_with),
///   [`load`](Self::load), [`get_batched`](Self::get_batched)).
/// - **Errors are never cached**: every caller of a failed load gets the
///   error, and the next request loads again.
/// - **Explicit writes win**: a load that began before an
///   [`insert`](Self::insert), [`remove`](Self::remove) or
///   [`clear`](Self::clear) of its key still answers its waiters, but its
///   value is never stored over the newer state, and later requests do not
///   join it.
/// - **Expiry**: entries expire after the default TTL unless inserted with
///   their own; an expired entry is never returned. Time is tokio's clock
///   (see [`cache_core::time`]), so tests can pause it.
/// - **Metrics**: every lookup counts as exactly one hit or one miss; `clear`
///   empties the cache but keeps the counters ([`reset_metrics`](Self::reset_metrics)
///   zeroes them). The size gauges exported through the `metrics` crate
///   (`cache_entries`, `cache_weighted_size`) are refreshed on every
///   [`metrics`](Self::metrics) call, on `clear`, and every 256 writes of
///   each writing thread; exported counters equal the exact counts within
///   [`FLUSH_INTERVAL`](cache_metrics::FLUSH_INTERVAL) (500 ms) of the
///   activity, without any call (see [`cache_metrics`]).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use cache_facade::AsyncCache;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let cache: AsyncCache<u64, String> = AsyncCache::builder()
///     .name("users")
///     .max_capacity(1_000)
///     .default_ttl(Duration::from_secs(300))
///     .build()?;
///
/// let name = cache.get_with(7, || async { Ok::<_, std::io::Error>("ada".to_string()) }).await?;
/// assert_eq!(name, "ada");
/// assert_eq!(cache.get(&7).await.as_deref(), Some("ada"));
///
/// cache.remove(&7).await;
/// assert_eq!(cache.get(&7).await, None);
///
/// let m = cache.metrics();
/// assert_eq!((m.hits, m.misses, m.loads), (1, 2, 1));
/// # Ok(())
/// # }
/// ```
pub struct AsyncCache<K, V, S = DefaultStore<K, V>> {
    pub(crate) inner: Arc<Inner<K, V, S>>,
}

pub(crate) struct Inner<K, V, S> {
    pub(crate) name: String,
    /// Called by its own type on every path: the hit path is monomorphized
    /// for every store, a user's included.
    pub(crate) store: Arc<S>,
    pub(crate) flights: SingleFlight<K, V>,
    pub(crate) batcher: Option<Batcher<K, V>>,
    pub(crate) loader: Option<Arc<dyn Loader<K, V>>>,
    /// Stores a loaded value with the default TTL.
    pub(crate) commit: Commit<K, V>,
    /// How entries' TTLs are chosen.
    pub(crate) ttl: Ttl<K, V>,
    /// The resilience options (all off unless set on the builder).
    pub(crate) resilience: Arc<Resilience<K, V>>,
    pub(crate) load_timeout: Option<Duration>,
    pub(crate) warmup_concurrency: usize,
    pub(crate) metrics: Arc<CacheMetrics>,
    /// The remote tier and backplane, if configured (see the `tiered` module).
    pub(crate) tier: Option<Arc<crate::tiered::Tier<V>>>,
}

impl<K, V> AsyncCache<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// A builder with every setting at its default: unnamed (`"default"`),
    /// unbounded, no TTL, the default store
    /// ([`store`](AsyncCacheBuilder::store) picks another).
    pub fn builder() -> AsyncCacheBuilder<K, V> {
        AsyncCacheBuilder::new()
    }
}

impl<K, V, S> AsyncCache<K, V, S>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    S: Store<K, V> + 'static,
{
    /// A clone of the live value for `key`, or `None`. Counts one hit or one
    /// miss; never loads. `key` may be any borrowed form of the key that
    /// hashes alike (`&str` for `String` keys).
    ///
    /// The lookup happens when `get` is called and the returned future is
    /// already complete (a [`Ready`]): `get` never waits, and the hit path
    /// pays for no async state machine. The future borrows neither the cache
    /// nor the key.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the lookup is done before the future exists; dropping it
    /// only drops the value.
    ///
    /// # Examples
    ///
    /// ```
    /// use cache_facade::AsyncCache;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let cache: AsyncCache<String, u32> = AsyncCache::builder().max_capacity(10).build()?;
    /// cache.insert("a".to_string(), 1).await;
    /// assert_eq!(cache.get("a").await, Some(1));
    /// assert_eq!(cache.get("b").await, None);
    /// assert_eq!((cache.metrics().hits, cache.metrics().misses), (1, 1));
    /// # Ok(())
    /// # }
    /// ```
    #[inline]
    pub fn get<Q: Hash + Equivalent<K> + ?Sized>(&self, key: &Q) -> Ready<Option<V>> {
        ready(self.lookup(key))
    }

    /// The store lookup behind every read: counts the hit or the miss.
    #[inline]
    pub(crate) fn lookup<Q: Hash + Equivalent<K> + ?Sized>(&self, key: &Q) -> Option<V> {
        let found = self.inner.store.get(key);
        if found.is_some() {
            self.inner.metrics.record_hit();
        } else {
            self.inner.metrics.record_miss();
        }
        found
    }

    /// Whether a live entry for `key` is present. Not counted as a lookup.
    #[must_use]
    pub fn contains_key<Q: Hash + Equivalent<K> + ?Sized>(&self, key: &Q) -> bool {
        self.inner.store.contains_key(key)
    }

    /// Inserts `value` for `key` with the default TTL, replacing any entry
    /// and winning over any load of `key` in flight.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: without a remote tier or backplane it completes without
    /// awaiting anything; with one, the in-process write is done first, and a
    /// remote write cut short is queued and replayed.
    pub async fn insert(&self, key: K, value: V) {
        let ttl = self.inner.ttl.of(&key, &value);
        self.insert_with_ttl(key, value, ttl).await;
    }

    /// Inserts `value` for `key`, expiring after `ttl`; `None` (or an
    /// `Option::<Duration>::None`) means it never expires, whatever the
    /// default TTL.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: without a remote tier or backplane it completes without
    /// awaiting anything; with one, the in-process write is done first, and a
    /// remote write cut short is queued and replayed.
    pub async fn insert_with_ttl(&self, key: K, value: V, ttl: impl Into<Option<Duration>>) {
        let ttl = ttl.into();
        let remote = crate::tiered::prepare_insert(self.inner.tier.as_ref(), &key, &value, ttl);
        let deadline = ttl.and_then(deadline_after);
        let store = &self.inner.store;
        let resilience = &self.inner.resilience;
        // Forgotten after the write: an expired entry the write reclaims is
        // kept aside by fail-safe, which this write supersedes.
        let written = key.clone();
        self.inner.flights.invalidate(&written, || {
            store.insert(key, value, deadline);
            resilience.forget(&written);
        });
        self.note_write();
        if let Some(remote) = remote {
            remote.send().await;
        }
    }

    /// Removes the entry for `key`, returning its value if it was live. A
    /// load of `key` in flight will not store its value afterwards.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: without a remote tier or backplane it completes without
    /// awaiting anything; with one, the in-process write is done first, and a
    /// remote write cut short is queued and replayed.
    pub async fn remove<Q: Hash + Equivalent<K> + ?Sized>(&self, key: &Q) -> Option<V> {
        let store = &self.inner.store;
        let resilience = &self.inner.resilience;
        let removed = self.inner.flights.invalidate(key, || {
            let removed = store.remove(key);
            resilience.forget(key);
            removed
        });
        self.note_write();
        if let Some(remote) = crate::tiered::prepare_remove(self.inner.tier.as_ref(), key) {
            remote.send().await;
        }
        removed
    }

    /// Removes every entry; loads in flight will not store their values
    /// afterwards. Counters are kept (see [`reset_metrics`](Self::reset_metrics)).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: without a remote tier or backplane it completes without
    /// awaiting anything; with one, the in-process write is done first, and a
    /// remote write cut short is queued and replayed.
    pub async fn clear(&self) {
        let store = &self.inner.store;
        let resilience = &self.inner.resilience;
        self.inner.flights.invalidate_all(|| {
            store.clear();
            resilience.forget_all();
        });
        self.publish_size();
        if let Some(tier) = &self.inner.tier {
            crate::tiered::clear(tier).await;
        }
    }

    /// The number of live entries, exact: deferred store work (expired
    /// entries, buffered evictions) is done first. With the engine's stores
    /// that is O(1) amortised: expired entries are reclaimed at O(1) each,
    /// and the count is kept, never walked.
    #[must_use]
    pub fn len(&self) -> u64 {
        self.inner.store.run_pending_tasks();
        self.inner.store.len()
    }

    /// Whether the cache holds no live entry.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The total weight held (the entry count without a weigher), exact as
    /// [`len`](Self::len).
    #[must_use]
    pub fn weighted_size(&self) -> u64 {
        self.inner.store.run_pending_tasks();
        self.inner.store.weighted_size()
    }

    /// The name labelling this cache's metrics.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// A snapshot of the counters, with the exact current size. Also updates
    /// the size gauges and publishes pending hit and miss counts to the
    /// `metrics` recorder.
    #[must_use]
    pub fn metrics(&self) -> MetricsSnapshot {
        let entries = self.len();
        let mut snapshot = self.inner.metrics.snapshot(entries, self.inner.store.weighted_size());
        snapshot.remote = self.inner.tier.as_ref().map(|t| t.metrics.snapshot());
        snapshot
    }

    /// Zeroes the counters a [`metrics`](Self::metrics) snapshot reports.
    /// Series already exported through the `metrics` crate keep growing (they
    /// are monotonic counters).
    pub fn reset_metrics(&self) {
        self.inner.metrics.reset();
    }

    /// The default TTL given to the builder.
    #[must_use]
    pub fn default_ttl(&self) -> Option<Duration> {
        self.inner.ttl.fixed()
    }

    /// The bound the store keeps to.
    #[must_use]
    pub fn capacity(&self) -> Capacity {
        self.inner.store.capacity()
    }

    /// Counts a write, and refreshes the size gauges every
    /// [`SIZE_GAUGE_EVERY`](cache_metrics::SIZE_GAUGE_EVERY) writes of the
    /// calling thread (reading a sharded store's size visits every shard: too
    /// dear for every write; counting per thread keeps writers on different
    /// cores from sharing a counter).
    #[inline]
    pub(crate) fn note_write(&self) {
        if self.inner.metrics.record_write() {
            self.publish_size();
        }
    }

    /// Sets the size gauges (`cache_entries`, `cache_weighted_size`) now.
    #[cold]
    pub(crate) fn publish_size(&self) {
        let store = &self.inner.store;
        self.inner.metrics.set_size(store.len(), store.weighted_size());
    }
}

impl<K, V, S> Clone for AsyncCache<K, V, S> {
    fn clone(&self) -> Self {
        Self { inner: Arc::clone(&self.inner) }
    }
}

impl<K, V, S: Store<K, V>> fmt::Debug for AsyncCache<K, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncCache")
            .field("name", &self.inner.name)
            .field("entries", &self.inner.store.len())
            .field("capacity", &self.inner.store.capacity())
            .field("ttl", &self.inner.ttl)
            .field("batching", &self.inner.batcher.is_some())
            .finish_non_exhaustive()
    }
}
