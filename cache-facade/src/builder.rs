//! [`AsyncCacheBuilder`]: assembling a cache, and refusing bad settings.

use std::fmt;
use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

use cache_core::{
    BatchLoader, Capacity, DynStore, EvictionListener, LoadObserver, Loader, RemovalCause, Store,
    Weigher,
};
use cache_loader::{BatchConfig, Batcher, DEFAULT_WARMUP_CONCURRENCY, SingleFlight};
use cache_metrics::CacheMetrics;

use crate::cache::{AsyncCache, Inner};
use crate::default_store::{DefaultStore, default_store_idle};
use crate::error::BuildError;
use crate::expiry::{Expiry, Ttl};
use crate::resilience::{KeyFormatter, Resilience, ResilienceSettings};
use crate::shared_evictions::{Claim, claim_of, first_cache_over};
use crate::tiered::settings::TierSettings;

/// Makes the default store from `max_capacity`, the weigher and the time to
/// idle.
type MakeStore<K, V, S> = fn(Option<u64>, Option<Weigher<K, V>>, Option<Duration>) -> S;

/// Assembles an [`AsyncCache`]. Every setting is optional; `build` checks
/// them together and names the first one that is wrong.
///
/// | setting | default |
/// |---|---|
/// | [`name`](Self::name) | `"default"` |
/// | [`max_capacity`](Self::max_capacity) | unbounded |
/// | [`weigher`](Self::weigher) | every entry weighs 1 |
/// | [`default_ttl`](Self::default_ttl) / [`expiry`](Self::expiry) | entries never expire |
/// | [`time_to_idle`](Self::time_to_idle) | none: reads do not matter to expiry |
/// | [`eviction_listener`](Self::eviction_listener) | none |
/// | [`store`](Self::store) | the default store (see [`default_store`](crate::default_store())) |
/// | [`loader`](Self::loader) / [`batch_loader`](Self::batch_loader) | none |
/// | [`batch_window`](Self::batch_window) / [`max_batch_size`](Self::max_batch_size) | 5 ms / 100 |
/// | [`max_batches_in_flight`](Self::max_batches_in_flight) | no cap |
/// | [`load_timeout`](Self::load_timeout) | none: a loader that never finishes blocks its key until it is removed, inserted or cleared |
/// | [`warmup_concurrency`](Self::warmup_concurrency) | 16 |
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use cache_facade::{AsyncCache, LruStore};
///
/// let cache: AsyncCache<String, Vec<u8>, LruStore<String, Vec<u8>>> = AsyncCache::builder()
///     .name("pages")
///     .store(LruStore::new(3))
///     .default_ttl(Duration::from_secs(60))
///     .build()
///     .unwrap();
/// assert_eq!(cache.name(), "pages");
///
/// // A store bounded at 3 cannot honour a capacity of 10: refused, by name.
/// let err = AsyncCache::<String, Vec<u8>>::builder()
///     .store(LruStore::new(3))
///     .max_capacity(10)
///     .build()
///     .unwrap_err();
/// assert_eq!(err.setting(), "max_capacity");
/// ```
#[must_use]
pub struct AsyncCacheBuilder<K, V, S = DefaultStore<K, V>> {
    name: Option<String>,
    max_capacity: Option<u64>,
    weigher: Option<Weigher<K, V>>,
    default_ttl: Option<Duration>,
    expiry: Option<Arc<dyn Expiry<K, V>>>,
    time_to_idle: Option<Duration>,
    listeners: Vec<EvictionListener<K, V>>,
    resilience: ResilienceSettings,
    trace_key: Option<KeyFormatter<K>>,
    store: Option<S>,
    /// Set until a store is given: builds the default one.
    make_default: Option<MakeStore<K, V, S>>,
    /// Set by `shared_store`: the store other caches may count evictions of.
    shared: Option<Claim>,
    loader: Option<Arc<dyn Loader<K, V>>>,
    batch_loader: Option<Arc<dyn BatchLoader<K, V>>>,
    batch_window: Option<Duration>,
    max_batch_size: Option<usize>,
    max_batches_in_flight: Option<usize>,
    load_timeout: Option<Duration>,
    warmup_concurrency: Option<usize>,
    /// The remote tier and the backplane (see the `tiered` module).
    pub(crate) tiered: TierSettings<V>,
}

impl<K, V> AsyncCacheBuilder<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    pub(crate) fn new() -> Self {
        Self {
            name: None,
            max_capacity: None,
            weigher: None,
            default_ttl: None,
            expiry: None,
            time_to_idle: None,
            listeners: Vec::new(),
            resilience: ResilienceSettings::default(),
            trace_key: None,
            store: None,
            make_default: Some(default_store_idle),
            shared: None,
            loader: None,
            batch_loader: None,
            batch_window: None,
            max_batch_size: None,
            max_batches_in_flight: None,
            load_timeout: None,
            warmup_concurrency: None,
            tiered: TierSettings::default(),
        }
    }
}

impl<K, V, S> AsyncCacheBuilder<K, V, S>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    S: Store<K, V> + 'static,
{
    /// The name labelling every metric of this cache (`cache="<name>"`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The most entries the default store holds, or the most total weight
    /// with a [`weigher`](Self::weigher). Unset: unbounded. With a
    /// [`store`](Self::store), it must equal the store's own bound.
    pub fn max_capacity(mut self, max: u64) -> Self {
        self.max_capacity = Some(max);
        self
    }

    /// Weighs entries, so [`max_capacity`](Self::max_capacity) is a budget
    /// (bytes, say) rather than an entry count. Applies to the default store;
    /// give a custom store its weigher directly.
    pub fn weigher(mut self, weigher: impl Fn(&K, &V) -> u32 + Send + Sync + 'static) -> Self {
        self.weigher = Some(cache_core::weigher_fn(weigher));
        self
    }

    /// How long entries live unless inserted with their own TTL. Unset:
    /// forever.
    pub fn default_ttl(mut self, ttl: Duration) -> Self {
        self.default_ttl = Some(ttl);
        self
    }

    /// Chooses each entry's TTL from its key and value when it is inserted
    /// or loaded, instead of one [`default_ttl`](Self::default_ttl) (which
    /// then may not be set). See [`Expiry`].
    pub fn expiry(mut self, expiry: impl Expiry<K, V> + 'static) -> Self {
        self.expiry = Some(Arc::new(expiry));
        self
    }

    /// Expires an entry that has not been read for `idle` (besides its TTL,
    /// which still bounds it): moka's `time_to_idle`. Applies to the default
    /// store; a given store must be built with the same time to idle
    /// ([`PolicyStore::with_time_to_idle`](crate::PolicyStore::with_time_to_idle)).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use cache_facade::AsyncCache;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let cache: AsyncCache<&str, u32> =
    ///     AsyncCache::builder().time_to_idle(Duration::from_secs(60)).build().unwrap();
    /// cache.insert("hot", 1).await;
    /// cache.insert("cold", 2).await;
    /// for _ in 0..5 {
    ///     tokio::time::advance(Duration::from_secs(30)).await;
    ///     assert_eq!(cache.get(&"hot").await, Some(1));
    /// }
    /// assert_eq!(cache.get(&"cold").await, None, "unread for 150 s");
    /// # }
    /// ```
    pub fn time_to_idle(mut self, idle: Duration) -> Self {
        self.time_to_idle = Some(idle);
        self
    }

    /// Calls `listener` with every entry that leaves the cache and why
    /// ([`RemovalCause`](crate::RemovalCause): `Size`, `Expired`, `Explicit`,
    /// `Replaced`), as moka's `eviction_listener`. It runs after the store
    /// released its locks, on the thread of the write that removed the
    /// entry, so it may use the cache; a panic in it is contained (the cache
    /// and the other listeners go on).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use cache_facade::{AsyncCache, RemovalCause};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let gone = Arc::new(Mutex::new(Vec::new()));
    /// let sink = Arc::clone(&gone);
    /// let cache: AsyncCache<u32, &str> = AsyncCache::builder()
    ///     .eviction_listener(move |k: &u32, v: &&str, cause| {
    ///         sink.lock().unwrap().push((*k, *v, cause));
    ///     })
    ///     .build()
    ///     .unwrap();
    /// cache.insert(1, "a").await;
    /// cache.insert(1, "b").await;
    /// cache.remove(&1).await;
    /// assert_eq!(
    ///     *gone.lock().unwrap(),
    ///     [(1, "a", RemovalCause::Replaced), (1, "b", RemovalCause::Explicit)]
    /// );
    /// # }
    /// ```
    pub fn eviction_listener(
        mut self,
        listener: impl Fn(&K, &V, RemovalCause) + Send + Sync + 'static,
    ) -> Self {
        self.listeners.push(Arc::new(listener));
        self
    }

    /// Refresh-ahead: a hit on an entry older than `age` (read from the
    /// default TTL and the entry's time left) returns the cached value at
    /// once and starts one background reload with the call's loader
    /// (`get_with`, `try_get_with`, `load`, ...). The reload is
    /// single-flight with any other load of the key, a write of the key
    /// meanwhile wins over it, and a failed reload keeps the old value until
    /// it expires. Needs a [`default_ttl`](Self::default_ttl) longer than
    /// `age`. See also [`AsyncCache::refresh`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use cache_facade::AsyncCache;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let cache: AsyncCache<u32, u32> = AsyncCache::builder()
    ///     .default_ttl(Duration::from_secs(60))
    ///     .refresh_after(Duration::from_secs(30))
    ///     .build()
    ///     .unwrap();
    /// let v1 = || async { Ok::<_, std::io::Error>(1) };
    /// cache.get_with(7, v1).await.unwrap();
    /// tokio::time::advance(Duration::from_secs(31)).await;
    /// let v2 = || async { Ok::<_, std::io::Error>(2) };
    /// assert_eq!(cache.get_with(7, v2).await.unwrap(), 1, "served at once...");
    /// tokio::task::yield_now().await; // ...while the reload runs
    /// assert_eq!(cache.get(&7).await, Some(2));
    /// assert_eq!(cache.metrics().refreshes.succeeded, 1);
    /// # }
    /// ```
    pub fn refresh_after(mut self, age: Duration) -> Self {
        self.resilience.refresh_after = Some(age);
        self
    }

    /// Fail-safe: an entry that expires is kept aside for `max_stale` more
    /// (in a stale store of its own, not counted in `len()`), and a reload
    /// of it that fails or panics gives its callers that stale value instead
    /// of the error; the stale value then lives in the cache again for the
    /// [`fail_safe_throttle`](Self::fail_safe_throttle), so a backend that
    /// is down is not asked at every request. `get_with_meta` tells stale
    /// from fresh. A write of the key forgets what was kept. A caller whose
    /// load failed right after another thread expired the key waits (at most
    /// 10 ms) for the store to finish telling fail-safe
    /// ([`Store::reports_in_flight`](cache_core::Store::reports_in_flight)).
    pub fn fail_safe(mut self, max_stale: Duration) -> Self {
        self.resilience.fail_safe = Some(max_stale);
        self
    }

    /// How long a stale value served after a failed reload lives in the
    /// cache again (default 30 s). Needs [`fail_safe`](Self::fail_safe).
    pub fn fail_safe_throttle(mut self, throttle: Duration) -> Self {
        self.resilience.throttle = Some(throttle);
        self
    }

    /// Stale-while-revalidate: a miss on an expired entry that fail-safe
    /// kept returns the stale value at once and starts one background
    /// reload. Needs [`fail_safe`](Self::fail_safe).
    pub fn stale_while_revalidate(mut self) -> Self {
        self.resilience.stale_while_revalidate = true;
        self
    }

    /// Soft timeout: when fail-safe kept a stale value and the reload has
    /// not finished within `timeout`, callers get the stale value; the
    /// reload goes on in the background and lands in the cache when it
    /// completes, unless a newer write of the key happened. Applies to the
    /// spawned loads (`get_with`, `try_get_with`, `load`). Needs
    /// [`fail_safe`](Self::fail_safe).
    pub fn soft_timeout(mut self, timeout: Duration) -> Self {
        self.resilience.soft_timeout = Some(timeout);
        self
    }

    /// Hard timeout: callers of a load slower than `timeout` get
    /// [`CacheError::Timeout`](crate::error::CacheError::Timeout) whatever
    /// fail-safe kept. The same setting as
    /// [`load_timeout`](Self::load_timeout).
    pub fn hard_timeout(self, timeout: Duration) -> Self {
        self.load_timeout(timeout)
    }

    /// Negative caching: a loader's "not found" (`None` from
    /// [`optionally_get_with`](AsyncCache::optionally_get_with), a key the
    /// batch loader leaves out of [`get_batched`](AsyncCache::get_batched))
    /// is remembered for `ttl`, so a storm of requests for a missing id
    /// makes one query per `ttl`. Such an answer counts as a negative hit
    /// (`cache_negative_hits_total`), not a hit. Off by default; a write of
    /// the key forgets it.
    pub fn negative_ttl(mut self, ttl: Duration) -> Self {
        self.resilience.negative_ttl = Some(ttl);
        self
    }

    /// Opts in to keys in the `tracing` events of stale values served,
    /// rendered by `show` (keys may be personal data: by default no event
    /// carries one).
    pub fn trace_keys(mut self, show: impl Fn(&K) -> String + Send + Sync + 'static) -> Self {
        self.trace_key = Some(Arc::new(show));
        self
    }

    /// Spreads each entry's TTL by up to ±`fraction` (0 to 1), so entries
    /// loaded together do not expire together.
    pub fn ttl_jitter(mut self, fraction: f64) -> Self {
        self.resilience.ttl_jitter = Some(fraction);
        self
    }

    /// Keeps entries in `store` instead of the default store: an
    /// [`LruStore`](crate::LruStore), [`TtlStore`](crate::TtlStore),
    /// [`MokaStore`](crate::MokaStore), a [`PolicyStore`](crate::PolicyStore)
    /// over any policy, or your own [`Store`]. The cache's type follows:
    /// `AsyncCache<K, V, S2>`, whose hit path calls `S2` directly.
    pub fn store<S2: Store<K, V> + 'static>(self, store: S2) -> AsyncCacheBuilder<K, V, S2> {
        AsyncCacheBuilder {
            name: self.name,
            max_capacity: self.max_capacity,
            weigher: self.weigher,
            default_ttl: self.default_ttl,
            expiry: self.expiry,
            time_to_idle: self.time_to_idle,
            listeners: self.listeners,
            resilience: self.resilience,
            trace_key: self.trace_key,
            store: Some(store),
            make_default: None,
            shared: None,
            loader: self.loader,
            batch_loader: self.batch_loader,
            batch_window: self.batch_window,
            max_batch_size: self.max_batch_size,
            max_batches_in_flight: self.max_batches_in_flight,
            load_timeout: self.load_timeout,
            warmup_concurrency: self.warmup_concurrency,
            tiered: self.tiered,
        }
    }

    /// As [`store`](Self::store), for a store chosen at run time or shared
    /// between caches behind an `Arc` (type-erased: calls go through
    /// [`DynStore`]).
    ///
    /// Several caches may share one store: each counts its own lookups and
    /// loads, while the store's evictions are counted once, by the first
    /// live cache built over it (the others report none), so their sum is
    /// the store's.
    pub fn shared_store(
        self,
        store: Arc<dyn DynStore<K, V>>,
    ) -> AsyncCacheBuilder<K, V, Arc<dyn DynStore<K, V>>> {
        let claim = claim_of(&store);
        let mut builder = self.store(store);
        builder.shared = Some(claim);
        builder
    }

    /// The [`Loader`] behind [`AsyncCache::load`].
    pub fn loader(mut self, loader: impl Loader<K, V> + 'static) -> Self {
        self.loader = Some(Arc::new(loader));
        self
    }

    /// The [`BatchLoader`] behind [`AsyncCache::get_batched`] and
    /// [`AsyncCache::get_many`].
    pub fn batch_loader(mut self, loader: impl BatchLoader<K, V> + 'static) -> Self {
        self.batch_loader = Some(Arc::new(loader));
        self
    }

    /// How long a batch collects keys after its first one (default 5 ms).
    /// Requires a [`batch_loader`](Self::batch_loader).
    pub fn batch_window(mut self, window: Duration) -> Self {
        self.batch_window = Some(window);
        self
    }

    /// The most keys per `load_batch` call (default 100). Requires a
    /// [`batch_loader`](Self::batch_loader).
    pub fn max_batch_size(mut self, max: usize) -> Self {
        self.max_batch_size = Some(max);
        self
    }

    /// The most batches loading at once (default: no cap); further batches
    /// wait for a slot, within the [`load_timeout`](Self::load_timeout) when
    /// one is set. At most [`tokio::sync::Semaphore::MAX_PERMITS`](https://docs.rs/tokio/1/tokio/sync/struct.Semaphore.html#associatedconstant.MAX_PERMITS). Requires
    /// a [`batch_loader`](Self::batch_loader).
    pub fn max_batches_in_flight(mut self, max: usize) -> Self {
        self.max_batches_in_flight = Some(max);
        self
    }

    /// A time limit on every caller's wait for a load; when it elapses the
    /// callers fail with [`CacheError::Timeout`](crate::error::CacheError::Timeout),
    /// nothing is stored, and the next request loads again.
    ///
    /// - For [`get_with`](AsyncCache::get_with), [`load`](AsyncCache::load)
    ///   and warmup it bounds the load, counted from its start.
    /// - For [`get_batched`](AsyncCache::get_batched) and
    ///   [`get_many`](AsyncCache::get_many) it bounds the caller's whole
    ///   wait: it counts from the request of the batch's first key, so it
    ///   covers the [`batch_window`](Self::batch_window), the wait for a
    ///   slot under [`max_batches_in_flight`](Self::max_batches_in_flight)
    ///   and the `load_batch` call. The window must therefore be shorter than
    ///   the timeout.
    ///
    /// **Unset (the default): no limit.** A loader that never finishes (a
    /// query stuck on a lock, a connection that never answers) then blocks
    /// its key for good: every later caller of that key joins the stuck
    /// load and waits with it, until [`remove`](AsyncCache::remove),
    /// [`insert`](AsyncCache::insert) or [`clear`](AsyncCache::clear)
    /// detaches it. Set a timeout whenever the loader talks to anything that
    /// can hang.
    pub fn load_timeout(mut self, timeout: Duration) -> Self {
        self.load_timeout = Some(timeout);
        self
    }

    /// The most loads [`AsyncCache::warmup`] runs at once (default 16).
    pub fn warmup_concurrency(mut self, max: usize) -> Self {
        self.warmup_concurrency = Some(max);
        self
    }

    /// Builds the cache.
    ///
    /// The cache registers its metric handles here, with the current
    /// `metrics` recorder; a global recorder installed later is picked up
    /// within [`FLUSH_INTERVAL`](cache_metrics::FLUSH_INTERVAL) (see
    /// [`cache_metrics`]).
    ///
    /// # Errors
    ///
    /// A [`BuildError`] naming the setting when: `name` is empty;
    /// `max_capacity` is 0, or differs from the bound of the given `store`;
    /// `weigher` is set together with a `store`, or without `max_capacity`;
    /// `default_ttl` or `load_timeout` is zero; a batching setting is given
    /// without a `batch_loader`, or is out of range (`max_batch_size` or
    /// `max_batches_in_flight` of 0, `max_batches_in_flight` above
    /// [`tokio::sync::Semaphore::MAX_PERMITS`](https://docs.rs/tokio/1/tokio/sync/struct.Semaphore.html#associatedconstant.MAX_PERMITS), a `batch_window` over an
    /// hour or not shorter than `load_timeout`); `warmup_concurrency` is 0.
    pub fn build(self) -> Result<AsyncCache<K, V, S>, BuildError> {
        let name = self.name.unwrap_or_else(|| "default".to_owned());
        if name.is_empty() {
            return Err(BuildError::new("name", "must not be empty"));
        }
        if self.max_capacity == Some(0) {
            return Err(BuildError::new(
                "max_capacity",
                "must be at least 1 (leave it unset for no bound)",
            ));
        }
        if self.default_ttl == Some(Duration::ZERO) {
            return Err(BuildError::new(
                "default_ttl",
                "must be longer than zero (leave it unset for no expiry)",
            ));
        }
        if self.expiry.is_some() && self.default_ttl.is_some() {
            return Err(BuildError::new(
                "default_ttl",
                "cannot be combined with an expiry: return the default from the expiry",
            ));
        }
        if self.time_to_idle == Some(Duration::ZERO) {
            return Err(BuildError::new("time_to_idle", "must be longer than zero"));
        }
        self.resilience.check(self.default_ttl, self.expiry.is_some())?;
        if self.load_timeout == Some(Duration::ZERO) {
            return Err(BuildError::new("load_timeout", "must be longer than zero"));
        }
        if self.warmup_concurrency == Some(0) {
            return Err(BuildError::new("warmup_concurrency", "must be at least 1"));
        }
        let store = match (self.store, self.make_default) {
            (Some(store), _) => {
                check_custom_store(&store, self.max_capacity, self.weigher.is_some())?;
                if store.time_to_idle() != self.time_to_idle {
                    return Err(BuildError::new(
                        "time_to_idle",
                        format!(
                            "{:?} differs from the given store's ({:?}): build the store with it",
                            self.time_to_idle,
                            store.time_to_idle()
                        ),
                    ));
                }
                store
            }
            (None, Some(make_default)) => {
                if self.weigher.is_some() && self.max_capacity.is_none() {
                    return Err(BuildError::new(
                        "weigher",
                        "needs a max_capacity to weigh entries against",
                    ));
                }
                make_default(self.max_capacity, self.weigher, self.time_to_idle)
            }
            (None, None) => return Err(BuildError::new("store", "was not given")),
        };
        let store = Arc::new(store);
        let batch_config = batch_config(
            self.batch_loader.is_some(),
            self.batch_window,
            self.max_batch_size,
            self.max_batches_in_flight,
            self.load_timeout,
        )?;

        let metrics = Arc::new(CacheMetrics::new(name.clone()));
        if self.shared.is_none_or(first_cache_over) {
            store.add_eviction_listener(metrics.eviction_listener());
        }
        let observer: Arc<dyn LoadObserver> =
            Arc::new(crate::traced::Traced { metrics: Arc::clone(&metrics) });
        let flights = SingleFlight::with_observer(observer);
        for listener in self.listeners {
            store.add_eviction_listener(listener);
        }
        let ttl = match self.expiry {
            Some(expiry) => Ttl::per_entry(expiry),
            None => Ttl::fixed_at(self.default_ttl),
        }
        .with_jitter(self.resilience.ttl_jitter.unwrap_or(0.0));
        let resilience =
            Arc::new(self.resilience.build(self.max_capacity, self.default_ttl, self.trace_key));
        if let Some(fail_safe) = &resilience.fail_safe {
            store.add_eviction_listener(fail_safe.listener());
        }
        let commit = committer(&store, ttl.clone(), &resilience);
        let tier = self.tiered.build(&name, &store, &flights, &resilience)?;
        let batcher = match (self.batch_loader, batch_config) {
            (Some(loader), Some(config)) => {
                let loader = crate::tiered::settings::batch_loader(loader, tier.as_ref(), &ttl);
                let batcher = Batcher::new(flights.clone(), loader, config, Arc::clone(&commit))
                    .map_err(|e| BuildError::new(e.setting(), e.to_string()))?;
                Some(batcher)
            }
            _ => None,
        };
        let inner = Inner {
            name,
            store,
            flights,
            batcher,
            loader: self.loader,
            commit,
            ttl,
            resilience,
            load_timeout: self.load_timeout,
            warmup_concurrency: self.warmup_concurrency.unwrap_or(DEFAULT_WARMUP_CONCURRENCY),
            metrics,
            tier,
        };
        Ok(AsyncCache { inner: Arc::new(inner) })
    }
}

/// A custom store must agree with the capacity settings given beside it.
fn check_custom_store<K, V, S: Store<K, V>>(
    store: &S,
    max_capacity: Option<u64>,
    weigher: bool,
) -> Result<(), BuildError> {
    if weigher {
        return Err(BuildError::new(
            "weigher",
            "cannot be applied to a custom store: give the store its own weigher",
        ));
    }
    if let Some(wanted) = max_capacity {
        let held = store.capacity();
        if held.limit() != Some(wanted) {
            return Err(BuildError::new(
                "max_capacity",
                format!(
                    "{wanted} cannot be honoured by the given store, whose bound is {}",
                    describe(held)
                ),
            ));
        }
    }
    Ok(())
}

fn describe(capacity: Capacity) -> String {
    match capacity {
        Capacity::Entries(n) => format!("{n} entries"),
        Capacity::Weight(n) => format!("a weight of {n}"),
        _ => "unbounded".to_owned(),
    }
}

/// The batching settings, checked; `None` without a batch loader.
fn batch_config(
    has_loader: bool,
    window: Option<Duration>,
    max_batch_size: Option<usize>,
    max_in_flight: Option<usize>,
    timeout: Option<Duration>,
) -> Result<Option<BatchConfig>, BuildError> {
    if !has_loader {
        let given = [
            ("batch_window", window.is_some()),
            ("max_batch_size", max_batch_size.is_some()),
            ("max_batches_in_flight", max_in_flight.is_some()),
        ];
        if let Some((setting, _)) = given.into_iter().find(|(_, set)| *set) {
            return Err(BuildError::new(setting, "has no effect without a batch_loader"));
        }
        return Ok(None);
    }
    let mut config = BatchConfig::default().max_in_flight(max_in_flight).timeout(timeout);
    if let Some(window) = window {
        config = config.window(window);
    }
    if let Some(max) = max_batch_size {
        config = config.max_batch_size(max);
    }
    config.validate().map_err(|e| {
        let setting = match e.setting() {
            "max_in_flight" => "max_batches_in_flight",
            "timeout" => "load_timeout",
            other => other,
        };
        BuildError::new(setting, e.to_string())
    })?;
    Ok(Some(config))
}

/// Stores a loaded value with the default TTL, counted from the moment the
/// load ends.
fn committer<K, V, S>(
    store: &Arc<S>,
    ttl: Ttl<K, V>,
    resilience: &Arc<Resilience<K, V>>,
) -> cache_loader::Commit<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    S: Store<K, V> + 'static,
{
    let store = Arc::clone(store);
    let resilience = Arc::clone(resilience);
    Arc::new(move |key: &K, value: &V| {
        let deadline = ttl.of(key, value).and_then(cache_core::time::deadline_after);
        store.insert(key.clone(), value.clone(), deadline);
        // A fresh value supersedes what fail-safe or negative caching kept.
        resilience.forget(key);
    })
}

impl<K, V, S: Store<K, V>> fmt::Debug for AsyncCacheBuilder<K, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncCacheBuilder")
            .field("name", &self.name)
            .field("max_capacity", &self.max_capacity)
            .field("weigher", &self.weigher.is_some())
            .field("default_ttl", &self.default_ttl)
            .field("store", &self.store.as_ref().map(Store::capacity))
            .field("loader", &self.loader.is_some())
            .field("batch_loader", &self.batch_loader.is_some())
            .field("batch_window", &self.batch_window)
            .field("max_batch_size", &self.max_batch_size)
            .field("load_timeout", &self.load_timeout)
            .finish_non_exhaustive()
    }
}
